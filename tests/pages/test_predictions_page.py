"""The Predictions page through AppTest on the real database: sets, predicted vs known terms, neighbours,
graph, export; curators get the launch forms, viewers do not."""

from __future__ import annotations

import json

from services.db.engine import session_scope
from services.embeddings.compute import EmbedTarget, compute_embeddings
from services.embeddings.configs import add_config
from services.jobs import service as jobs
from services.predictions.predict import PredictParams, predict
from services.proteins.fasta_loader import load_fasta
from tests.support.page_frames import frame_with
from tests.support.prediction_seed import CURATOR, SEQ_B, seed_catalog


def _seed_predictions(tmp_path) -> int:
    seeded = seed_catalog(tmp_path)
    with session_scope() as s:
        add_config(s, CURATOR, "comp", "composition")
    compute_embeddings("comp", EmbedTarget(annotation_set_id=seeded.annotation_set_id), CURATOR)
    return predict(
        "comp", seeded.annotation_set_id, CURATOR, accessions=["P00001", "P00002"], params=PredictParams(k=3)
    ).prediction_set_id


def test_viewer_browses_a_prediction_set(app, tmp_path) -> None:
    set_id = _seed_predictions(tmp_path)
    at = app("pages/predictions.py", role="viewer", query={"set": str(set_id)})
    assert not [b for b in at.button if b.key in ("embed_start", "predict_start")]
    sets = frame_with(at, "predictions")
    assert list(sets["id"]) == [set_id]
    predicted = frame_with(at, "reference")
    assert "GO:0000004" in set(predicted["go_id"])  # P00001 gets P00002's term
    known = frame_with(at, "qualifier")
    assert set(known["go_id"]) == {"GO:0000001", "GO:0000002", "GO:0000003"}
    neighbours = frame_with(at, "carries_term")
    assert "P00001" not in set(neighbours["reference"])  # never its own neighbour
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    nodes = {t["name"]: t for t in spec["data"] if t.get("mode") == "markers+text"}
    assert {"predicted", "known"} <= set(nodes)  # distinct colours per role
    assert len({nodes[r]["marker"]["color"] for r in nodes}) == len(nodes)
    assert "binding D" in nodes["predicted"]["text"]  # names on the nodes, not only ids
    assert any(h.startswith("GO:0000004 binding D") for h in nodes["predicted"]["hovertext"])
    at.selectbox(key="pred_protein").select("P00002").run()
    assert not at.exception
    assert "GO:0000001" in set(frame_with(at, "reference")["go_id"])
    at.multiselect(key="pred_aspects").select("P").run()
    assert frame_with(at, "reference").empty or set(frame_with(at, "reference")["aspect"]) == {"P"}


def test_curator_launches_embedding_and_prediction_jobs(app, tmp_path) -> None:
    _seed_predictions(tmp_path)
    at = app("pages/predictions.py", role="curator")
    at.radio(key="embed_target").set_value("all").run()
    at.button(key="embed_start").click().run()
    assert not at.exception
    at.button(key="predict_start").click().run()
    assert not at.exception
    with session_scope() as s:
        listed, total = jobs.list_jobs(s)
    assert total == 2
    by_op = {j.operation: j for j in listed}
    assert by_op["embeddings.compute"].queue_name == "embeddings"
    assert by_op["embeddings.compute"].payload == {"config": "comp", "all": True}
    assert by_op["predictions.run"].payload["query_set"] == "queries"


def test_known_terms_of_a_uniprot_style_query_set(app, tmp_path) -> None:
    """Issue 17: a query set whose headers are UniProt ids (``sp|P00002|PB_TEST``) shows the catalog's known
    terms next to the predicted ones (it showed "Known … (0)" while the entry kept the whole FASTA id)."""
    seeded = seed_catalog(tmp_path)
    (tmp_path / "uniprot_queries.fasta").write_text(f">sp|P00002|PB_TEST Protein B\n{SEQ_B}\n")
    with session_scope() as s:
        add_config(s, CURATOR, "comp", "composition")
        load_fasta(s, tmp_path / "uniprot_queries.fasta", CURATOR, query_set="uniprot-style")
    compute_embeddings("comp", EmbedTarget(annotation_set_id=seeded.annotation_set_id), CURATOR)
    set_id = predict(
        "comp", seeded.annotation_set_id, CURATOR, query_set="uniprot-style", params=PredictParams(k=3)
    ).prediction_set_id
    at = app("pages/predictions.py", role="viewer", query={"set": str(set_id)})
    assert at.selectbox(key="pred_protein").value == "P00002"
    known = frame_with(at, "qualifier")
    assert set(known["go_id"]) == {"GO:0000004"}
    assert any(h.value.startswith("Known in goa test-1 (1)") for h in at.subheader)
    # The query is its own catalog protein: never its own neighbour (leakage), so P00002's term is not
    # predicted back from itself.
    assert "P00002" not in set(frame_with(at, "carries_term")["reference"])


def test_curator_creates_an_embedding_config_from_the_page(app, tmp_path) -> None:
    """Issue 17: with no config the forms said nothing useful and configs needed the CLI; the backends list
    says which can run here; weight-free prediction sets carry a "baseline quality" note."""
    at = app("pages/predictions.py", role="curator")
    assert any("No embedding config yet" in i.value for i in at.info)
    assert any("Create an embedding config first" in i.value for i in at.info)
    backends = frame_with(at, "can run here")
    assert dict(zip(backends["backend"], backends["can run here"], strict=True))["composition"] == "yes"
    at.text_input(key="cfg_name").input("comp-ui")
    at.selectbox(key="cfg_backend").select("composition")
    at.button(key="cfg_create").click().run()
    assert not at.exception
    assert any("Embedding config 'comp-ui' created" in s.value for s in at.success)
    assert "comp-ui" in at.selectbox(key="embed_config").options
    at.button(key="cfg_create").click().run()  # the same name again: one sentence, no traceback
    assert any("already exists" in e.value for e in at.error)


def test_weight_free_prediction_sets_say_baseline_quality(app, tmp_path) -> None:
    set_id = _seed_predictions(tmp_path)
    at = app("pages/predictions.py", role="viewer", query={"set": str(set_id)})
    assert list(frame_with(at, "quality")["quality"]) == ["baseline (weight-free)"]
    assert any(i.value.startswith("Baseline quality") for i in at.info)
