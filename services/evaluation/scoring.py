"""Scoring configs: re-score stored predictions from their features at evaluation time (no re-prediction).

Contract:
1. A config is named, has a ``formula`` and non-negative ``weights`` over ``SIGNALS``; it is immutable once
   created (the database refuses every UPDATE: trigger ``scoring_config_immutable``). Presets ship with the
   schema (migration 0013).
2. Signals are derived from a prediction's stored columns, each in [0, 1], NaN when its input is missing:
   ``embedding_similarity`` (1 − cosine distance clipped, or 1 / (1 + d) for L2: the stored score's rule),
   ``identity_nw`` / ``identity_sw`` (alignment identity with the reference protein), ``vote_fraction``
   (share of the neighbours carrying the term), ``taxonomic_proximity`` (1 / (1 + taxonomic distance)),
   ``evidence_weight`` (``DEFAULT_EVIDENCE_WEIGHTS`` of the transferred annotation's code, with the config's
   per-code overrides; codes it does not list weigh ``UNKNOWN_EVIDENCE_WEIGHT``).
3. ``linear``: the weighted mean of the signals present (weights of missing signals drop out; no signal
   present gives 0). ``evidence_weighted``: that mean times the evidence weight.
4. ``explain`` gives, for one prediction, each signal's value, weight and contribution; the contributions
   sum to the score (``score_frame`` computes the same numbers for a whole frame).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.auth.identity import Identity, Role, require
from services.db import sql_blocks
from services.errors import InvalidInput, NotFound
from services.evaluation.models import FORMULAS

Q = sql_blocks.load(__file__)

SIGNALS: dict[str, str] = {
    "embedding_similarity": "embedding similarity to the reference protein",
    "identity_nw": "global alignment identity (Needleman–Wunsch)",
    "identity_sw": "local alignment identity (Smith–Waterman)",
    "vote_fraction": "share of the neighbours carrying the term",
    "taxonomic_proximity": "taxonomic proximity, 1 / (1 + distance)",
    "evidence_weight": "weight of the transferred annotation's evidence code",
}
# The columns of go_prediction the signals read.
FEATURE_COLUMNS = ("distance", "identity_nw", "identity_sw", "neighbor_vote_fraction", "taxonomic_distance",
                   "evidence_code")  # fmt: skip

DEFAULT_EVIDENCE_WEIGHTS: dict[str, float] = {
    **dict.fromkeys(("EXP", "IDA", "IPI", "IMP", "IGI", "IEP"), 1.0),
    **dict.fromkeys(("HTP", "HDA", "HMP", "HGI", "HEP"), 0.8),
    **dict.fromkeys(("IC", "TAS"), 0.7),
    **dict.fromkeys(("ISS", "ISO", "ISA", "ISM", "IGC", "IBA", "IBD", "IKR", "IRD", "RCA"), 0.6),
    "NAS": 0.5,
    "IEA": 0.4,
    "ND": 0.1,
}
UNKNOWN_EVIDENCE_WEIGHT = 0.5


@dataclass(frozen=True)
class ScoringConfig:
    id: int
    name: str
    formula: str
    weights: dict[str, float]
    evidence_weights: dict[str, float] = field(default_factory=dict)
    description: str | None = None
    is_preset: bool = False
    created_by: str = ""
    created_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> ScoringConfig:
        return cls(
            id=int(row.id),
            name=row.name,
            formula=row.formula,
            weights={k: float(v) for k, v in row.weights.items()},
            evidence_weights={k: float(v) for k, v in (row.evidence_weights or {}).items()},
            description=row.description,
            is_preset=bool(row.is_preset),
            created_by=row.created_by,
            created_at=row.created_at,
        )

    def evidence_weight_of(self, code: str | None) -> float:
        if not code:
            return UNKNOWN_EVIDENCE_WEIGHT
        code = code.upper()
        if code in self.evidence_weights:
            return self.evidence_weights[code]
        return DEFAULT_EVIDENCE_WEIGHTS.get(code, UNKNOWN_EVIDENCE_WEIGHT)

    def summary(self) -> str:
        parts = ", ".join(f"{SIGNALS[k].split(' (')[0]} × {w:g}" for k, w in self.weights.items() if w)
        kind = "weighted mean" if self.formula == "linear" else "weighted mean × evidence weight"
        return f"{kind} of {parts}"


@dataclass(frozen=True)
class Contribution:
    signal: str
    label: str
    value: float | None
    weight: float
    contribution: float


@dataclass(frozen=True)
class Explanation:
    score: float
    formula: str
    contributions: list[Contribution]
    evidence_multiplier: float | None


# -- signals and scores ---------------------------------------------------------------------------------------


def _similarity(distance: np.ndarray, metric: str) -> np.ndarray:
    if metric == "cosine":
        return np.clip(1.0 - distance, 0.0, 1.0)
    return 1.0 / (1.0 + np.maximum(distance, 0.0))


def signal_frame(features: pd.DataFrame, metric: str, config: ScoringConfig) -> pd.DataFrame:
    """One column per signal (NaN where its input is missing), rows as ``features`` (FEATURE_COLUMNS)."""

    def col(name: str) -> np.ndarray:
        return pd.to_numeric(features[name], errors="coerce").to_numpy(np.float64)

    taxonomic = col("taxonomic_distance")
    codes = features["evidence_code"].tolist()
    return pd.DataFrame(
        {
            "embedding_similarity": _similarity(col("distance"), metric),
            "identity_nw": np.clip(col("identity_nw"), 0.0, 1.0),
            "identity_sw": np.clip(col("identity_sw"), 0.0, 1.0),
            "vote_fraction": np.clip(col("neighbor_vote_fraction"), 0.0, 1.0),
            "taxonomic_proximity": 1.0 / (1.0 + np.maximum(taxonomic, 0.0)),
            "evidence_weight": np.array([config.evidence_weight_of(c) for c in codes], dtype=np.float64),
        },
        index=features.index,
    )


def score_frame(features: pd.DataFrame, metric: str, config: ScoringConfig) -> np.ndarray:
    """The config's score of every row of ``features`` (point 3 of the module contract), in [0, 1]."""
    signals = signal_frame(features, metric, config)
    names = [k for k, w in config.weights.items() if w > 0]
    values = signals[names].to_numpy(np.float64)
    weights = np.array([config.weights[k] for k in names], dtype=np.float64)
    present = ~np.isnan(values)
    numerator = np.where(present, values, 0.0) @ weights
    denominator = present.astype(np.float64) @ weights
    score = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)
    if config.formula == "evidence_weighted":
        score = score * signals["evidence_weight"].to_numpy(np.float64)
    return np.clip(score, 0.0, 1.0)


def explain(prediction: Mapping[str, Any], metric: str, config: ScoringConfig) -> Explanation:
    """Which signal contributed what to one prediction's score (``prediction`` holds FEATURE_COLUMNS)."""
    frame = pd.DataFrame([{c: prediction.get(c) for c in FEATURE_COLUMNS}])
    signals = signal_frame(frame, metric, config).iloc[0]
    present = {k: w for k, w in config.weights.items() if w > 0 and not np.isnan(signals[k])}
    total = sum(present.values())
    multiplier = float(signals["evidence_weight"]) if config.formula == "evidence_weighted" else None
    contributions = []
    for name, weight in config.weights.items():
        value = None if np.isnan(signals[name]) else float(signals[name])
        share = (weight * value / total) if (value is not None and name in present and total) else 0.0
        contributions.append(Contribution(name, SIGNALS[name], value, float(weight), share * (multiplier or 1.0)))
    score = float(np.clip(sum(c.contribution for c in contributions), 0.0, 1.0))
    return Explanation(score, config.formula, contributions, multiplier)


# -- stored configs -------------------------------------------------------------------------------------------


def validate(formula: str, weights: Mapping[str, Any], evidence_weights: Mapping[str, Any]) -> None:
    if formula not in FORMULAS:
        raise InvalidInput(f"unknown formula {formula!r}: choose {' or '.join(FORMULAS)}")
    unknown = sorted(set(weights) - set(SIGNALS))
    if unknown:
        raise InvalidInput(f"unknown signal(s) {', '.join(unknown)}: choose from {', '.join(SIGNALS)}")
    for name, w in {**weights, **evidence_weights}.items():
        if not isinstance(w, int | float) or isinstance(w, bool) or not np.isfinite(w) or w < 0:
            raise InvalidInput(f"the weight of {name} must be a non-negative number, not {w!r}")
    if not any(w > 0 for w in weights.values()):
        raise InvalidInput("give at least one signal a positive weight")
    bad = [c for c, w in evidence_weights.items() if w > 1 or not str(c).isalnum()]
    if bad:
        raise InvalidInput(f"evidence weight overrides must name a code and lie in [0, 1]: {', '.join(bad)}")


def create_scoring_config(
    session: Session,
    identity: Identity,
    *,
    name: str,
    formula: str,
    weights: Mapping[str, float],
    evidence_weights: Mapping[str, float] | None = None,
    description: str | None = None,
) -> ScoringConfig:
    require(identity, Role.LEAD, "create scoring configs")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("a scoring config needs a name")
    evidence = {str(k).strip().upper(): v for k, v in (evidence_weights or {}).items()}
    validate(formula, weights, evidence)
    try:
        with session.begin_nested():
            row = session.execute(
                Q.insert_scoring_config,
                {
                    "name": name,
                    "formula": formula,
                    "weights": json.dumps({k: float(v) for k, v in weights.items()}),
                    "evidence": json.dumps({k: float(v) for k, v in evidence.items()}),
                    "description": description,
                    "by": identity.user,
                },
            ).one()
    except IntegrityError as exc:
        raise InvalidInput(f"a scoring config named {name!r} already exists (configs never change)") from exc
    return ScoringConfig.from_row(row)


def list_scoring_configs(session: Session) -> list[ScoringConfig]:
    return [ScoringConfig.from_row(r) for r in session.execute(Q.list_scoring_configs)]


def get_scoring_config(session: Session, name_or_id: str | int) -> ScoringConfig:
    value = str(name_or_id).strip()
    row = session.execute(Q.scoring_config_by_name, {"name": value}).first()
    if row is None and value.isdigit():
        row = session.execute(Q.scoring_config_by_id, {"id": int(value)}).first()
    if row is None:
        names = ", ".join(c.name for c in list_scoring_configs(session))
        raise NotFound(f"no scoring config named {value!r} (known: {names})")
    return ScoringConfig.from_row(row)


@dataclass(frozen=True)
class PredictionExplanation:
    accession: str
    go_id: str
    term_name: str | None
    stored_score: float
    explanation: Explanation

    def frame(self) -> pd.DataFrame:
        """One row per signal: label, value, weight, contribution (None where the signal is missing)."""
        return pd.DataFrame(
            [
                {"signal": c.label, "value": c.value, "weight": c.weight, "contribution": c.contribution}
                for c in self.explanation.contributions
            ]
        )


def explain_prediction(
    session: Session, prediction_set_id: int, accession: str, go_id: str, config: str | int
) -> PredictionExplanation:
    """Explain how ``config`` scores one stored prediction (which signal contributed what)."""
    scoring = get_scoring_config(session, config)
    row = session.execute(Q.prediction_features, {"p": prediction_set_id, "acc": accession, "go": go_id}).first()
    if row is None:
        raise NotFound(f"prediction set {prediction_set_id} does not predict {go_id} for {accession}")
    features = {c: getattr(row, c) for c in FEATURE_COLUMNS}
    return PredictionExplanation(
        accession, row.go_id, row.name, float(row.score), explain(features, row.metric, scoring)
    )


def predicted_proteins(session: Session, prediction_set_id: int, limit: int = 1000) -> list[str]:
    return list(session.execute(Q.predicted_proteins, {"p": prediction_set_id, "limit": limit}).scalars())


def predicted_terms(session: Session, prediction_set_id: int, accession: str) -> dict[str, str]:
    """GO id → "GO id name (score)" of one protein's predictions, best first."""
    return {
        go_id: f"{go_id} {name or ''} ({score:.2f})"
        for go_id, name, score in session.execute(Q.predicted_terms, {"p": prediction_set_id, "acc": accession})
    }
