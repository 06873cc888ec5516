"""Database maintenance: ANALYZE (or VACUUM ANALYZE) the workbench tables and report their sizes."""
