"""The errors the CLI reports as one readable message (anything else is a bug: traceback)."""

from pipeline.explain import NotFound
from pipeline.ingest import InputError
from pipeline.publish import PublishError
from pipeline.storage import StageInputMissing

EXPECTED_ERRORS = (InputError, StageInputMissing, PublishError, NotFound)
