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
