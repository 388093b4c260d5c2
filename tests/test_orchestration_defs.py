"""The Dagster definitions as a reviewed snapshot, plus the invariants the snapshot can't show.

The snapshot (tests/snapshots/definitions.json) holds every non-dbt asset (key, group, deps,
partitions, backfill policy, checks), the jobs, schedules and sensors. The dbt models change
with the dbt project, so for them the test asserts lineage instead: every dbt source maps to
the raw asset of the endpoint owning that table. Regenerate with DIALSYNC_UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from dagster import AssetKey, Definitions

from dialsync.settings import InstanceSettings, Settings
from extract.registry import ENDPOINTS, TABLES

SNAPSHOT = Path(__file__).parent / "snapshots" / "definitions.json"
ROOT = Path(__file__).resolve().parents[1]


def snapshot_settings(data_dir: Path) -> Settings:
    def inst(platform: str, tz: str) -> InstanceSettings:
        return InstanceSettings(platform=platform, base_url="http://127.0.0.1:9", timezone=tz,
                                user_env="SNAP_USER", password_env="SNAP_PASS")

    return Settings(data_dir=data_dir, start_date=date(2025, 1, 1),
                    instances={"acme": inst("crocodial", "America/New_York"),
                               "vici": inst("vicidial", "America/Chicago"),
                               "d360": inst("dialer360", "Europe/Madrid")})


@pytest.fixture(scope="module")
def defs_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return snapshot_settings(tmp_path_factory.mktemp("defs"))


@pytest.fixture(scope="module")
def defs(defs_settings: Settings) -> Definitions:
    from orchestration.factory import build_defs

    return build_defs(defs_settings)


def _pd(pd: object) -> str | None:
    return None if pd is None else str(pd)


def describe(defs: Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    repo = defs.get_repository_def()
    dbt_keys = {k for a in graph.assets_defs if a.op.name == "dbt_warehouse" for k in a.keys}
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        if key in dbt_keys:
            continue
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "partitions": _pd(node.partitions_def),
            "backfill_policy": str(node.backfill_policy) if node.backfill_policy else None,
            "checks": sorted(f"{c.name}{' (blocking)' if graph.get(c).blocking else ''}"
                             for c in node.check_keys),
            "pools": sorted(next((a.op.pools for a in graph.assets_defs if key in a.keys), set()) or []),
        }
    jobs = {}
    for job in repo.get_all_jobs():
        if job.name.startswith("__"):  # the implicit asset job: what UI launches and backfills run
            jobs["(asset job)"] = {"executor": job.executor_def.name}
            continue
        sel = job.asset_layer.executable_asset_keys if job.asset_layer else set()
        jobs[job.name] = {
            "raw_assets": sorted(k.to_user_string() for k in sel if k not in dbt_keys),
            "includes_dbt": bool(sel & dbt_keys),
            "partitions": _pd(job.partitions_def),
            "executor": job.executor_def.name,
        }
    return {
        "assets": assets,
        "dbt": {"asset_count_positive": bool(dbt_keys)},
        "jobs": jobs,
        "schedules": {s.name: {"cron": s.cron_schedule, "job": s.job_name, "timezone": s.execution_timezone,
                               "default_status": s.default_status.value}
                      for s in sorted(repo.schedule_defs, key=lambda s: s.name)},
        "sensors": {s.name: {"job": s.job_name if s.has_jobs else None, "default_status": s.default_status.value}
                    for s in sorted(repo.sensor_defs, key=lambda s: s.name)},
    }


def test_definitions_match_snapshot(defs: Definitions) -> None:
    got = describe(defs)
    text = json.dumps(got, indent=2, sort_keys=True) + "\n"
    if os.environ.get("DIALSYNC_UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text)
    want = json.loads(SNAPSHOT.read_text())
    assert got == want, "definitions changed; review and regenerate with DIALSYNC_UPDATE_SNAPSHOTS=1"


def test_one_raw_asset_per_endpoint_with_its_needs(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    for ep in ENDPOINTS:
        node = graph.get(AssetKey(["raw", ep.name]))
        want = {AssetKey(["raw", TABLES[t].name]) for t in ep.needs if TABLES[t].name != ep.name}
        assert set(node.parent_keys) == want, ep.name
        dims = getattr(node.partitions_def, "partition_dimension_names", None)
        assert dims == (["date", "instance"] if ep.kind == "daily" else None), ep.name


def test_dbt_sources_map_to_the_endpoint_owning_the_table(defs: Definitions) -> None:
    """Lineage: a staging model reading raw.<table> depends on ["raw", <endpoint of table>]."""
    graph = defs.resolve_asset_graph()
    dbt_def = next(a for a in graph.assets_defs if a.op.name == "dbt_warehouse")
    raw_keys = {AssetKey(["raw", e.name]) for e in ENDPOINTS}
    upstream_raw = set()
    for key in dbt_def.keys:
        for parent in graph.get(key).parent_keys:
            if parent.path[0] == "raw":
                assert parent in raw_keys, f"{key.to_user_string()} depends on unknown {parent}"
                upstream_raw.add(parent)
    # the staging layer reads every endpoint the project models
    assert AssetKey(["raw", "outbound_cdr"]) in upstream_raw
    stg = [k for k in dbt_def.keys if k.path[-1] == "stg_crocodial__outbound_cdr_summary"]
    assert stg and graph.get(stg[0]).parent_keys == {AssetKey(["raw", "outbound_cdr"])}


def test_dbt_tests_are_asset_checks(defs: Definitions) -> None:
    graph = defs.resolve_asset_graph()
    dbt_def = next(a for a in graph.assets_defs if a.op.name == "dbt_warehouse")
    assert len(dbt_def.check_keys) > 0


def test_import_reads_no_env_and_dagster_loads_the_module(tmp_path: Path) -> None:
    """Importing the module must not read settings; loading it (what `dagster dev` does) must work."""
    env = {**os.environ, "DIALSYNC_DATA_DIR": str(tmp_path / "d"), "DIALSYNC_START_DATE": "not-a-date"}
    code = "import orchestration.definitions as m; print(type(m.defs).__name__)"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "LazyDefinitions" in out.stdout
    env["DIALSYNC_START_DATE"] = "2025-01-01"
    out = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-m",
                          "orchestration.definitions"], env=env, cwd=tmp_path, capture_output=True, text=True,
                         check=False, timeout=300)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]


def test_writeback_is_not_scheduled_and_the_inbox_sensor_sees_files(defs: Definitions) -> None:
    from dagster import build_sensor_context

    repo = defs.get_repository_def()
    assert not [s for s in repo.schedule_defs if s.job_name.startswith("writeback")]
    sensor = defs.resolve_sensor_def("inbox_sensor")
    assert sensor.default_status.value == "STOPPED"
    data_dir = Path(defs.resources["warehouse"].settings.data_dir)
    with build_sensor_context(repository_def=repo) as ctx:
        assert not sensor.evaluate_tick(ctx).run_requests
    inbox = data_dir / "inbox" / "leads"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "leads.csv").write_text("phone_number,first_name\n5551234567,Ann\n")
    with build_sensor_context(repository_def=repo) as ctx:
        reqs = sensor.evaluate_tick(ctx).run_requests
    assert len(reqs) == 1 and reqs[0].run_key.startswith("inbox:")


def test_run_queue_limits_one_run_per_dialer_for_every_origin() -> None:
    """dagster.yaml limits the tags every run of a dialer carries: a 30-day backfill takes turns."""
    import yaml

    from orchestration.partitions import INSTANCE_DIMENSION_TAG, INSTANCE_TAG

    conf = yaml.safe_load((Path(__file__).parents[1] / "orchestration" / "dagster.yaml").read_text())
    limits = {x["key"]: x for x in conf["concurrency"]["runs"]["tag_concurrency_limits"]}
    for tag in (INSTANCE_DIMENSION_TAG, INSTANCE_TAG):
        assert limits[tag]["limit"] == 1 and limits[tag]["value"] == {"applyLimitPerUniqueValue": True}


def test_the_first_dbt_run_starts_from_the_code_locations_parse(defs: Definitions, defs_settings: Settings,
                                                                tmp_path: Path) -> None:
    """Loading the definitions parses the project with a build's profile; the dbt asset's first
    build in a data dir (the demo's) starts from that parse instead of parsing everything again."""
    from orchestration.dbt import dbt_executable, prepare_manifest, seed_partial_parse
    from warehouse import catalog
    from warehouse.dbt import dbt_env

    run_target = tmp_path / "dbt_target"
    seed_partial_parse(prepare_manifest(defs_settings), run_target)  # the parse build_defs made
    env = {**os.environ, **dbt_env(catalog.build_file(defs_settings.duckdb_path)),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt_dir = ROOT / "dbt_project"
    proc = subprocess.run([dbt_executable(), "ls", "--select", "fct_calls", "--project-dir", str(dbt_dir),
                           "--profiles-dir", str(dbt_dir), "--target-path", str(run_target),
                           "--log-path", str(tmp_path / "logs")],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    log = (tmp_path / "logs" / "dbt.log").read_text(encoding="utf-8", errors="replace")
    assert "Nothing changed, skipping partial parsing" in log
    assert "Unable to do partial parsing" not in log
