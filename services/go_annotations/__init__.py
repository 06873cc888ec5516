"""GO annotation sets: GAF/QuickGO annotations of catalog proteins against one ontology snapshot."""
