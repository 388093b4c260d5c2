"""Dagster resources: the dialers and the warehouse.

Both carry the settings as JSON (no secrets in it: an instance names the env vars holding
its credentials), so the resource config shown in the UI is safe, and credentials are read
from the environment only when a step builds a client.
"""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource, Definitions
from pydantic import PrivateAttr, ValidationError

from dialsync import runner
from dialsync.service.sync import PartitionSync
from dialsync.settings import ConfigError, Settings, format_validation_error
from warehouse.lake import Lake
from warehouse.ledger import SyncLedger


def settings_from_json(blob: str) -> Settings:
    """Validate without consulting env vars or a config file (they were read when defs loaded)."""
    try:
        return Settings.model_validate_json(blob)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc)) from None


class _SettingsResource(ConfigurableResource):
    settings_json: str
    _settings: Settings | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, settings: Settings, **kw: object) -> _SettingsResource:
        return cls(settings_json=settings.model_dump_json(), **kw)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = settings_from_json(self.settings_json)
        return self._settings


class DialerResource(_SettingsResource):
    """Builds one `DialerClient` per instance for a step.

    Its rate and connections are the instance's, shared with every other client of the data dir
    (`runner.throttle`: the steps of overlapping runs and a CLI sync never exceed them together).
    Every client shares the instance's persisted auth circuit, so one wrong password costs one
    failed login per data dir, not one per step or run.
    """

    def partition_sync(self, instance: str, warehouse: WarehouseResource) -> PartitionSync:
        # reads the credential env vars now; the auth circuit and the throttle are shared with
        # every other step, run and CLI process through the data dir's state folder
        ps = runner.partition_sync(self.settings, instance)
        try:
            # an open circuit or a wrong time zone fails the step before any report request
            # (and before any partition is marked failed in the ledger)
            runner.preflight(ps)
        except Exception:
            ps.client.close()
            raise
        return ps


class WarehouseResource(_SettingsResource):
    """The lake, the sync ledger and the published DuckDB file under `data_dir`."""

    @property
    def lake(self) -> Lake:
        return runner.lake(self.settings)

    @property
    def ledger(self) -> SyncLedger:
        return runner.ledger(self.settings)

    @property
    def published(self) -> Path:
        return self.settings.duckdb_path.absolute()

    def publish(self, dbt_vars: dict | None = None) -> Path:
        """Refresh raw views and run dbt outside Dagster's dbt integration (CLI path)."""
        return runner.publish(self.settings, dbt_vars=dbt_vars).path


def defs(settings: Settings) -> Definitions:
    """The resources slice: the dialer clients and the warehouse."""
    return Definitions(resources={
        "dialer": DialerResource.from_settings(settings),
        "warehouse": WarehouseResource.from_settings(settings),
    })
