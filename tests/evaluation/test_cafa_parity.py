"""Parity with the reference CAFA evaluators: every best row equal to cafaeval 1.3.0 (norms, propagations,
orphans, IA) and to cafaeval-protea 0.1.0 (terms of interest, known terms) to 1e-6, on randomised cases and on
the reference examples under ``shared/data/go``."""

from __future__ import annotations

import itertools
import logging

import pytest

from services.evaluation.cafa import EvalOptions
from tests.evaluation.cases import max_difference, ours_best, write_case
from tests.evaluation.oracles import GO_DATA, load_oracle, oracle_best

TOLERANCE = 1e-6


def _need(dist: str) -> None:
    if load_oracle(dist) is None:
        pytest.skip(f"the oracle {dist} is neither installed nor installable here")


@pytest.fixture(autouse=True)
def _quiet_oracles():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


NORMS = ("cafa", "pred", "gt")
PLAIN = list(itertools.product(NORMS, ("max", "fill"), (False, True), (False, True)))
PARTIAL = list(itertools.product(NORMS, (False, True), (False, True), (("toi",), ("known",), ("toi", "known"))))


@pytest.mark.parametrize(("seed", "norm", "prop", "no_orphans", "with_ia"), [(i, *c) for i, c in enumerate(PLAIN)])
def test_random_cases_equal_cafaeval(tmp_path, seed, norm, prop, no_orphans, with_ia):
    _need("cafaeval")
    case = write_case(tmp_path, seed)
    ia = case.ia if with_ia else None
    reference = oracle_best(
        "cafaeval", case.obo, case.predictions, case.ground_truth, ia=ia, norm=norm, prop=prop, no_orphans=no_orphans
    )
    ours = ours_best(
        case.obo,
        case.predictions,
        case.ground_truth,
        ia=ia,
        options=EvalOptions(norm=norm, prop=prop, no_orphans=no_orphans),
    )
    assert len(reference) >= (12 if with_ia else 6)
    assert max_difference(ours, reference) <= TOLERANCE


@pytest.mark.parametrize(
    ("seed", "norm", "no_orphans", "with_ia", "parts"), [(100 + i, *c) for i, c in enumerate(PARTIAL)]
)
def test_random_cases_equal_cafaeval_protea_with_toi_and_known(tmp_path, seed, norm, no_orphans, with_ia, parts):
    _need("cafaeval-protea")
    case = write_case(tmp_path, seed)
    ia = case.ia if with_ia else None
    toi = case.toi if "toi" in parts else None
    known = case.known if "known" in parts else None
    reference = oracle_best(
        "cafaeval-protea",
        case.obo,
        case.predictions,
        case.ground_truth,
        ia=ia,
        toi=toi,
        known=known,
        norm=norm,
        no_orphans=no_orphans,
    )
    ours = ours_best(
        case.obo,
        case.predictions,
        case.ground_truth,
        ia=ia,
        toi=toi,
        known=known,
        options=EvalOptions(norm=norm, no_orphans=no_orphans),
    )
    assert len(reference) >= 6
    assert max_difference(ours, reference) <= TOLERANCE


def _example(name: str):
    folder = GO_DATA / name
    if not folder.is_dir():
        pytest.skip(f"the reference example {folder} is absent (CI keeps shared/ beside the clone)")
    return folder


@pytest.mark.parametrize("prop", ["max", "fill"])
@pytest.mark.parametrize("norm", NORMS)
def test_reference_example_equals_cafaeval(norm, prop):
    _need("cafaeval")
    folder = _example("cafaeval_example")
    args = (folder / "IDPO_disorder_function.obo", folder / "predictions", folder / "ground_truth.tsv")
    reference = oracle_best("cafaeval", *args, norm=norm, prop=prop)
    ours = ours_best(*args, options=EvalOptions(norm=norm, prop=prop))
    assert len(reference) == 5 * 3  # five prediction files x (f, f_micro, s)
    assert max_difference(ours, reference) <= TOLERANCE


@pytest.mark.parametrize("ground_truth", ["ground_truth_partial.tsv", "ground_truth_limited.tsv"])
@pytest.mark.parametrize("parts", [(), ("toi",), ("known",), ("toi", "known")])
def test_pk_example_equals_cafaeval_protea(ground_truth, parts):
    _need("cafaeval-protea")
    folder = _example("cafaeval_pk_example")
    args = (folder / "go-sample.obo", folder / "predictions", folder / ground_truth)
    toi = folder / "toi.tsv" if "toi" in parts else None
    known = folder / "known_t0.tsv" if "known" in parts else None
    reference = oracle_best("cafaeval-protea", *args, toi=toi, known=known)
    ours = ours_best(*args, toi=toi, known=known)
    assert len(reference) > 0
    assert max_difference(ours, reference) <= TOLERANCE


@pytest.mark.parametrize("th_step", [0.05, 0.002])
def test_other_threshold_steps_equal_cafaeval(tmp_path, th_step):
    _need("cafaeval")
    case = write_case(tmp_path, seed=200)
    reference = oracle_best("cafaeval", case.obo, case.predictions, case.ground_truth, ia=case.ia, th_step=th_step)
    ours = ours_best(case.obo, case.predictions, case.ground_truth, ia=case.ia, options=EvalOptions(th_step=th_step))
    assert len(reference) >= 12
    assert max_difference(ours, reference) <= TOLERANCE
