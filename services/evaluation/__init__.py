"""Evaluation: temporal holdouts (NK/LK/PK), the CAFA evaluator, information accretion, scoring configs."""
