"""Reusable UI components; each owns its session-state keys."""
