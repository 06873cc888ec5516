"""Online fetch against a local server that answers as the UniProt REST and QuickGO documentation describe
(TSV pages with ``Link: rel="next"`` cursors and ``X-Total-Results``; 429/503 with ``Retry-After``; QuickGO's
``downloadSearch`` answering GAF 2.2 for ``Accept: text/gaf``). The parsing and loading under test are real.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.db.engine import session_scope
from services.go_annotations.models import AnnotationSet
from services.go_annotations.quickgo import fetch_quickgo
from services.proteins.models import Protein, ProteinUniProtMetadata
from services.proteins.uniprot_fetch import fetch_uniprot
from services.web_fetch import SourceUnavailable, retry_after_seconds
from tests.fake_web import FakeWeb
from tests.go_annotations.fixtures import CURATOR, seed_catalog

HEADER = (
    "Entry\tEntry Name\tReviewed\tProtein names\tGene Names (primary)\tOrganism\tOrganism (ID)\t"
    "Protein existence\tSequence version\tSequence\tFunction [CC]\tEC number\tKeywords\n"
)
PAGE_1 = HEADER + (
    "P0DTC2\tSPIKE_TEST\treviewed\tSpike glycoprotein (S glycoprotein)\tS\tTestvirus\t2697049\t"
    "Evidence at protein level\t1\tMFVFLVLLPLVSSQCVNLT\tFUNCTION: Binds receptors.\t\tFusion protein\n"
    "A0A024R161\tA0A024R161_TEST\tunreviewed\tUncharacterized protein\t\tTestus organismus\t9999\t"
    "Predicted\t1\tMKVLAAGIVALLVAGCSSKT\t\t\t\n"
)
PAGE_2 = HEADER + (
    "Q9Y6K9\tNEMO_TEST\treviewed\tNF-kappa-B essential modulator\tIKBKG\tTestus organismus\t9999\t"
    "Evidence at transcript level\t2\tMALLHSARVLSGVASAFHPG\t\t2.7.11.1\tKinase\n"
)


@pytest.fixture
def web(monkeypatch):
    fake = FakeWeb()
    monkeypatch.setenv("WORKBENCH_OUTBOUND_HOSTS", fake.host)
    yield fake
    fake.close()


def test_uniprot_search_pages_retries_and_loads(db_url, web) -> None:
    next_url = "{base}/uniprotkb/search?query=organism_id%3A9999&format=tsv&size=2&cursor=abc123"
    web.route(
        "/uniprotkb/search",
        (429, {"Retry-After": "0"}, "Too many requests"),
        (
            200,
            {"Link": f'<{next_url}>; rel="next"', "X-Total-Results": "3", "Content-Type": "text/plain; format=tsv"},
            PAGE_1,
        ),
        (503, {"Retry-After": "0"}, "Service unavailable"),
        (200, {"X-Total-Results": "3", "Content-Type": "text/plain; format=tsv"}, PAGE_2),
    )
    waits: list[float] = []
    with session_scope() as s:
        result = fetch_uniprot(s, "organism_id:9999", CURATOR, base_url=web.base_url, page_size=2, sleep=waits.append)
    assert result.as_dict() == {"proteins": 3, "sequences_new": 3, "sequences_reused": 0, "metadata": 3, "pages": 2}
    assert waits == [0.0, 0.0]  # Retry-After honoured
    first = web.requests[0]["query"]
    assert first["query"] == ["organism_id:9999"] and first["format"] == ["tsv"] and first["size"] == ["2"]
    assert "accession" in first["fields"][0].split(",") and "cc_function" in first["fields"][0].split(",")
    assert web.requests[2]["query"]["cursor"] == ["abc123"]
    with session_scope() as s:
        spike = s.get(Protein, "P0DTC2")
        assert (spike.reviewed, spike.entry_name, spike.gene_name, spike.taxonomy_id) == (
            True,
            "SPIKE_TEST",
            "S",
            2697049,
        )
        assert (spike.protein_existence, spike.organism, spike.length) == (1, "Testvirus", 19)
        assert s.get(Protein, "A0A024R161").reviewed is False
        assert s.get(Protein, "Q9Y6K9").sequence_version == 2
        assert s.get(ProteinUniProtMetadata, "P0DTC2").function_cc == "FUNCTION: Binds receptors."
        assert s.get(ProteinUniProtMetadata, "Q9Y6K9").ec_number == "2.7.11.1"


def test_uniprot_gives_up_after_retries_and_stores_nothing(db_url, web) -> None:
    web.route("/uniprotkb/search", (503, {}, "down"))
    waits: list[float] = []
    with pytest.raises(SourceUnavailable, match="failed after 5 attempts \\(last: HTTP 503\\)"), session_scope() as s:
        fetch_uniprot(s, "gene:X", CURATOR, base_url=web.base_url, sleep=waits.append)
    assert waits == [1.0, 2.0, 4.0, 8.0]  # exponential back-off without Retry-After
    web.route("/uniprotkb/search", (400, {}, '{"messages":["query is invalid"]}'))
    with pytest.raises(SourceUnavailable, match="HTTP 400.*query is invalid"), session_scope() as s:
        fetch_uniprot(s, "gene:(", CURATOR, base_url=web.base_url, sleep=waits.append)
    with session_scope() as s:
        assert s.scalars(select(Protein)).first() is None


def test_retry_after_http_date() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 60) == 0.0
    assert retry_after_seconds("120", 60) == 60.0
    assert retry_after_seconds(None, 60) is None


QUICKGO_GAF = (
    "\n".join(
        [
            "!gaf-version: 2.2",
            "!Project_name: UniProt GO Annotation (UniProt-GOA)",
            "!URL: http://www.ebi.ac.uk/GOA",
            "!Contact Email: goa@ebi.ac.uk",
            "!Date downloaded from the QuickGO browser: 20260101",
            "UniProtKB\tP12345\tGOT2\tenables\tGO:0000031\tGO_REF:0000002\tIEA\tInterPro:IPR000001\tF\t"
            "Aspartate aminotransferase\tGOT2\tprotein\ttaxon:9999\t20260101\tInterPro\t\t",
            "UniProtKB\tQ9Y6K9\tIKBKG\tlocated_in\tGO:0000041\tPMID:123\tIDA\t\tC\tNEMO\tIKBKG\tprotein\t"
            "taxon:9999\t20251231\tUniProt\t\t",
            "UniProtKB\tQ00000\tNOPE\tenables\tGO:0000031\tPMID:1\tIDA\t\tF\tUnknown\t\tprotein\ttaxon:9999\t"
            "20251231\tUniProt\t\t",
        ]
    )
    + "\n"
)


def test_quickgo_download_becomes_an_annotation_set(db_url, tmp_path, web) -> None:
    snapshot = seed_catalog(tmp_path)
    path = "/QuickGO/services/annotation/downloadSearch"
    web.route(path, (429, {"Retry-After": "0"}, ""), (200, {"Content-Type": "text/gaf"}, QUICKGO_GAF))
    with session_scope() as s:
        result = fetch_quickgo(
            s,
            CURATOR,
            ontology=snapshot,
            version="2026-01-01",
            query={"taxonId": "9999"},
            base_url=web.base_url,
            sleep=lambda _: None,
        )
    assert (result.annotations, result.skipped, result.skipped_reasons) == (2, 1, {"unknown_protein": 1})
    request = web.requests[-1]
    assert request["path"] == path and request["query"] == {"taxonId": ["9999"]}
    assert request["headers"]["Accept"] == "text/gaf"
    with session_scope() as s:
        aset = s.get(AnnotationSet, result.annotation_set_id)
        assert (aset.source, aset.source_version, aset.gaf_version) == ("quickgo", "2026-01-01", "2.2")
