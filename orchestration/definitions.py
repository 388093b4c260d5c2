"""The Dagster code location: `dagster dev -m orchestration.definitions`.

`defs` is lazy (`@dagster.definitions`): settings (dialsync.toml / DIALSYNC_* env) are read
and the dbt manifest is prepared when Dagster loads the location, never at import time.
"""

from __future__ import annotations

import dagster as dg


@dg.definitions
def defs() -> dg.Definitions:
    from dialsync.settings import load_settings
    from orchestration.factory import build_defs

    return build_defs(load_settings())


def job(name: str) -> dg.JobDefinition:
    """Job ``name`` of these definitions, for `dagster.build_reconstructable_job`: a run executed
    outside a code-location server (`dagster.execute_job`) rebuilds it in every step process."""
    from dialsync.settings import load_settings
    from orchestration.factory import build_defs

    return build_defs(load_settings()).resolve_job_def(name)
