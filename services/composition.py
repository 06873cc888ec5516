"""The composition root: the domain modules that register background operations and dead-record sweeps.

``services.jobs`` never imports a domain. The processes that run or submit jobs fill its registries once, at
start-up, by calling ``load_operations``: the worker and the job commands (``services.cli``), the web app
(``app.py``), and the test session (``tests/conftest.py``). A new domain with jobs adds its module here.
"""

from __future__ import annotations

import importlib

# Importing each module registers its ``@operation``s (and its ``@leases.sweep``s, if it keeps audit rows).
OPERATION_MODULES: tuple[str, ...] = (
    "services.maintenance.operations",
    "services.proteins.operations",
    "services.ontology.operations",
    "services.go_annotations.operations",
    "services.embeddings.operations",
    "services.predictions.operations",
    "services.variants.operations",
    "services.annotations.operations",
    "services.evaluation.baselines",
    "services.evaluation.operations",
    "services.reranking.operations",
)


def load_operations(extra_modules: tuple[str, ...] = ()) -> None:
    """Import the operation modules (and ``extra_modules``, e.g. a worker's ``--import-module``); idempotent."""
    for module in OPERATION_MODULES + tuple(extra_modules):
        importlib.import_module(module)
