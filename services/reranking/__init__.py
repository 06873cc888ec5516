"""Re-rankers and datasets (issue 13)."""
