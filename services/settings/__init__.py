"""Application settings with an audit trail of every change."""
