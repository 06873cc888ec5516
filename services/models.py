"""Every domain's declared tables in one ``metadata``: the whole schema, for Alembic and the schema tests.

A composition module at the top of the layers (beside the CLI): it imports every domain's models, so the
foundation (``services.db``) never does. Add a domain's models module here when it gains tables.
"""

from services.annotations import lifecycle_models as _annotation_lifecycle  # noqa: F401
from services.annotations import source_models as _annotation_sources  # noqa: F401
from services.db.base import Base
from services.embeddings import models as _embeddings  # noqa: F401
from services.evaluation import models as _evaluation  # noqa: F401
from services.experiments import models as _experiments  # noqa: F401
from services.go_annotations import models as _go_annotations  # noqa: F401
from services.jobs import models as _jobs  # noqa: F401
from services.ontology import models as _ontology  # noqa: F401
from services.predictions import models as _predictions  # noqa: F401
from services.proteins import models as _proteins  # noqa: F401
from services.reranking import models as _reranking  # noqa: F401
from services.settings import models as _settings  # noqa: F401
from services.usage import models as _usage  # noqa: F401
from services.variants import models as _variants  # noqa: F401

metadata = Base.metadata
