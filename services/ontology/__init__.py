"""Gene Ontology snapshots: terms, relationships, closure queries."""
