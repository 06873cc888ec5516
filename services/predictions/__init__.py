"""GO-term predictions by embedding similarity: exact KNN, annotation transfer, alignment and taxonomy."""
