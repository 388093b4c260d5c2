"""dbt-duckdb plugin: dbt owns the raw layer.

Named in dbt_project/profiles.yml, so every dbt run — `cd dbt_project && dbt build` on the dev
file, or a production build in a private copy — creates `raw.<table>` over the lake when it opens
the database, with the one implementation there is (`catalog.refresh_raw_views`: the typed
schema file of each table unioned with its partitions). The lake is the plugin's `lake_dir`
(env DIALSYNC_LAKE_DIR, default `../data/lake` from the project dir).

dbt-duckdb calls `configure_connection` each time it (re)opens the file (with keep_open: false,
whenever no node holds it), so the views are refreshed once per plugin instance (one dbt
invocation) and database file, before the first node runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

DEFAULT_LAKE = "../data/lake"


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.lake_dir = Path(plugin_config.get("lake_dir") or os.environ.get("DIALSYNC_LAKE_DIR") or DEFAULT_LAKE)
        self._refreshed: set[str] = set()

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        from extract.typing import raw_schemas
        from warehouse.catalog import refresh_raw_views
        from warehouse.lake import Lake

        row = conn.execute("select path from duckdb_databases() where database_name = current_database()").fetchone()
        key = str(row[0]) if row else ""
        if key in self._refreshed:
            return
        refresh_raw_views(conn, Lake(self.lake_dir), raw_schemas())
        self._refreshed.add(key)
