"""Write-back plans that cannot hurt, end to end against the simulator and real dbt: a list plan
applied, re-snapshotted (list_info) and rebuilt never reverses itself; destructive changes are
capped and shown as before → after; a change reversing another row's change is refused;
wb_lead_updates works on VICIdial (no lead_id: phone within the list); example seeds apply to
no instance unless enabled."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from dialsync.service.writeback import recent_log, run_writeback
from dialsync.service.writeback_console import console_hooks
from dialsync.settings import InstanceSettings, Settings
from extract.client import DialerClient
from extract.writeback import responses as R
from extract.writeback.requests import build_list_info

simulator_server = pytest.importorskip("simulator.server")

PASSWORD = "Pl4n_S3cret_Qw71"
USER_ENV, PASS_ENV = "DIALSYNC_WBP_TEST_USER", "DIALSYNC_WBP_TEST_PASS"
ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = "10000002"
INSTANCE = "prod"  # not `demo`: the shipped example seed must not reach it


@pytest.fixture(scope="module")
def sim():
    with simulator_server.SimulatorServer(api_pass=PASSWORD, seed=13, agents=12) as server:
        yield server


@pytest.fixture(autouse=True)
def _creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, PASSWORD)


def make_settings(tmp_path: Path, sim, *, share: float = 0.2) -> Settings:
    inst = InstanceSettings(platform="vicidial", base_url=sim.url, user_env=USER_ENV, password_env=PASS_ENV,
                            timeout_s=10.0, max_attempts=3, max_concurrency=2)
    settings = Settings(data_dir=tmp_path / "data", instances={INSTANCE: inst}, writeback_requests_per_second=1000.0,
                        writeback_max_destructive_share=share)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def new_list(sim, list_id: int, statuses: list[str]) -> list[dict]:
    """A list of ``statuses`` leads (NEW ones never called); returns the leads."""
    store = sim.ctx.store
    store.add_list({"list_id": list_id, "list_name": f"plan test {list_id}", "campaign_id": CAMPAIGN, "active": "Y"})
    for i, st in enumerate(statuses):
        store.add_lead({"list_id": list_id, "phone_number": f"31{list_id}{i:04d}", "status": st,
                        "called_since_last_reset": "N" if st == "NEW" else "Y"})
    return store.find_leads(list_ids=[list_id])


def empty_raw(con: duckdb.DuckDBPyConnection) -> None:
    from extract.registry import TABLES
    from extract.typing import empty_table

    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for name in sorted(TABLES):
        arrow = empty_table(name)  # noqa: F841 - DuckDB replacement scan
        con.execute(f'CREATE OR REPLACE TABLE raw."{name}" AS SELECT * FROM arrow')


def snapshot_lists(settings: Settings, db: Path, day: datetime, list_ids: list[int]) -> int:
    """list_info of ``list_ids`` through the real client and parser, appended to raw.list_info as
    the snapshot of ``day`` (a later extraction wins in staging)."""
    client = DialerClient.from_settings(INSTANCE, settings.instance(INSTANCE))
    con = duckdb.connect(str(db))
    try:
        n = 0
        for i, lid in enumerate(str(x) for x in list_ids):
            info = client.call("non_agent_api", build_list_info(lid).form(), lambda raw: R.parse_list_info(raw.body),
                               endpoint="test:list_info")
            if info is None:
                continue
            con.execute("INSERT INTO raw.list_info BY NAME SELECT ? AS list_id, ? AS list_name, ? AS campaign_id, "
                        "? AS active, ? AS expiration_date, ? AS resets_today, ? AS all_leads_count, "
                        "? AS new_leads_count, ? AS _instance, 'list_info' AS _endpoint, ?::DATE AS _partition_date, "
                        "now() AS _extracted_at, ? AS _source_row",
                        [*(info.get(k) or None for k in ("list_id", "list_name", "campaign_id", "active",
                                                         "expiration_date", "resets_today", "all_leads_count",
                                                         "new_leads_count")), INSTANCE, day.date(), i])
            n += 1
        return n
    finally:
        con.close()
        client.close()


def dbt_build(db: Path, work: Path, *, select: str = "+path:models/writeback", examples: bool = False) -> None:
    env = {**os.environ, "DIALSYNC_DUCKDB_PATH": str(db), "DIALSYNC_WB_EXAMPLES": "1" if examples else "0"}
    project = str(ROOT / "dbt_project")
    proc = subprocess.run([str(Path(sys.executable).with_name("dbt")), "build", "--select", select,
                           "--exclude", "test_type:unit", "--indirect-selection", "cautious",
                           "--project-dir", project, "--profiles-dir", project,
                           "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]


def plan(db: Path, model: str = "wb_list_updates") -> dict[str, dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(f"select * from writeback.{model}").to_arrow_table().to_pylist()
    return {r["row_key"]: r for r in rows}


def update_list_requests(sim) -> list[dict]:
    return [r for r in list(sim.ctx.requests) if r["action"] == "update_list"]


# --- the list plan does not undo itself ------------------------------------------------------------
def test_list_plan_applied_then_resnapshotted_never_reverses_itself(tmp_path: Path, sim,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    store = sim.ctx.store
    recycle = new_list(sim, 77201, ["NA", "B", "CALLBK", "NA"])  # no NEW left, all in dial statuses
    done = new_list(sim, 77202, ["SALE", "DNC", "NI"])  # every lead has a final status
    fresh = new_list(sim, 77203, ["NEW", "NEW", "NA"])  # still dials NEW leads
    new_list(sim, 77204, [])  # empty: waiting for its leads
    every_list = [int(x) for x in store.lists()["list_id"].to_pylist()]
    settings = make_settings(tmp_path, sim)
    db = settings.duckdb_path
    con = duckdb.connect(str(db))
    empty_raw(con)
    t0 = datetime.now() - timedelta(hours=6)
    for i, lead in enumerate([*recycle, *done, *fresh[2:]]):
        con.execute("INSERT INTO raw.outbound_cdr BY NAME SELECT ?::TIMESTAMP AS call_date, "
                    "?::TIMESTAMPTZ AS call_date_utc, ? AS dst, ? AS disposition, ? AS lead_id, ? AS list_id, "
                    "'6666' AS agent, ? AS campaign, 'outbound' AS call_type, ? AS _instance, "
                    "'outbound_cdr' AS _endpoint, ?::DATE AS _partition_date, now() AS _extracted_at, ? AS _source_row",
                    [t0 + timedelta(minutes=i), t0 + timedelta(minutes=i), lead["phone_number"], lead["status"],
                     str(lead["lead_id"]), str(lead["list_id"]), CAMPAIGN, INSTANCE, t0.date(), i])
    con.close()
    today = datetime.now()
    assert snapshot_lists(settings, db, today, every_list) == len(every_list)
    dbt_build(db, tmp_path)

    first = {k: r for k, r in plan(db).items() if r["list_id"] in ("77201", "77202", "77203", "77204")}
    assert set(first) == {f"reset:77201:{today:%Y-%m-%d}", "deactivate:77202"}, first
    assert first[f"reset:77201:{today:%Y-%m-%d}"]["_recyclable_leads"] == 4
    assert plan(db, "wb_lists") == {}  # the example plan (instance demo) is off: nothing, no error
    every_model = run_writeback(settings, dry_run=True)  # a real config: no "no instance 'demo'" error
    assert every_model.ok and not every_model.errors, every_model.as_dict()

    # dry run: a before → after diff, nothing sent
    sent_before = len(update_list_requests(sim))
    dry = run_writeback(settings, dry_run=True, only=["wb_list_updates"], hooks=console_hooks(Console(stderr=True)))
    assert dry.ok and dry.sent == 0 and len(update_list_requests(sim)) == sent_before, dry.as_dict()
    diffs = {d["row_key"]: d["diff"] for d in dry.destructive}
    assert diffs["deactivate:77202"] == "active: Y → N"
    assert diffs[f"reset:77201:{today:%Y-%m-%d}"] == "resets_today: 0 → 1; reset_list: N → Y"
    err = capsys.readouterr().err
    assert "destructive changes to prod" in err and "active: Y → N" in err

    rep = run_writeback(settings, only=["wb_list_updates"])
    assert rep.ok and not rep.errors, rep.as_dict()
    assert store.get_list(77201)["resets_today"] == 1 and store.get_list(77201)["active"] == "Y"
    assert store.get_list(77202)["active"] == "N"
    assert store.get_list(77203)["active"] == "Y" and store.get_list(77204)["active"] == "Y"

    # the dialer's own read-back, rebuilt: the second plan does not reverse the first
    for _ in range(2):  # and a third: no oscillation
        snapshot_lists(settings, db, today, every_list)
        dbt_build(db, tmp_path, select="path:models/writeback")
        again = {k: r for k, r in plan(db).items() if r["list_id"] in ("77201", "77202", "77203", "77204")}
        assert again == {}, again
        rep2 = run_writeback(settings, only=["wb_list_updates"])
        assert rep2.ok and rep2.refused == 0, rep2.as_dict()
    assert store.get_list(77201)["active"] == "Y"
    keys = {r["row_key"] for r in recent_log(settings, 1000).to_pylist() if r["status"] == "applied"}
    assert "deactivate:77201" not in keys


# --- destructive cap ----------------------------------------------------------------------------
def _raw_list_snapshot(db: Path, lists: int) -> None:
    con = duckdb.connect(str(db))
    empty_raw(con)
    for i in range(lists):
        con.execute("INSERT INTO raw.list_info BY NAME SELECT ? AS list_id, 'x' AS list_name, ? AS campaign_id, "
                    "'Y' AS active, '0' AS resets_today, '10' AS all_leads_count, '0' AS new_leads_count, "
                    "? AS _instance, 'list_info' AS _endpoint, current_date AS _partition_date, "
                    "now() AS _extracted_at, ? AS _source_row", [str(78000 + i), CAMPAIGN, INSTANCE, i])
    con.close()


def _model(db: Path, name: str, rows: list[tuple[str, str, str | None, str | None]]) -> None:
    """A wb_* relation written straight into the warehouse: (row_key, list_id, active, reset_list)."""
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA IF NOT EXISTS writeback")
    con.execute(f"CREATE OR REPLACE TABLE writeback.{name} (instance VARCHAR, operation VARCHAR, row_key VARCHAR, "
                "list_id VARCHAR, active VARCHAR, reset_list VARCHAR, _before_active VARCHAR)")
    con.executemany(f"INSERT INTO writeback.{name} VALUES (?, 'update_list', ?, ?, ?, ?, 'Y')",
                    [(INSTANCE, *r) for r in rows])
    con.close()


def test_destructive_changes_over_the_cap_are_refused_unless_allowed(tmp_path: Path, sim) -> None:
    store = sim.ctx.store
    ids = [77300 + i for i in range(10)]
    for lid in ids:
        new_list(sim, lid, ["SALE"])
    settings = make_settings(tmp_path, sim)  # 20 % of 30 lists: 6 per run
    _raw_list_snapshot(settings.duckdb_path, 30)
    _model(settings.duckdb_path, "wb_mass_off", [(f"off:{lid}", str(lid), "N", None) for lid in ids])
    before = len(update_list_requests(sim))

    dry = run_writeback(settings, dry_run=True, only=["wb_mass_off"])
    assert not dry.ok and dry.refused == 10 and dry.would_send == 0, dry.as_dict()
    assert "over the cap of 6 (20% of 30 lists" in dry.errors[0] and "--allow-destructive" in dry.errors[0]
    assert {d["diff"] for d in dry.destructive} == {"active: Y → N"}
    assert {d["verdict"] for d in dry.destructive} == {"refused: over the cap"}

    rep = run_writeback(settings, only=["wb_mass_off"])
    assert not rep.ok and rep.refused == 10 and rep.sent == 0
    assert len(update_list_requests(sim)) == before and all(store.get_list(lid)["active"] == "Y" for lid in ids)

    told = run_writeback(settings, only=["wb_mass_off"], allow_destructive=True)
    assert told.ok and told.applied == 10 and told.refused == 0, told.as_dict()
    assert any("sent anyway (--allow-destructive)" in w for w in told.warnings)
    assert all(store.get_list(lid)["active"] == "N" for lid in ids)


def test_a_change_reversing_another_rows_recent_change_is_refused(tmp_path: Path, sim) -> None:
    store = sim.ctx.store
    new_list(sim, 77401, ["NA"])
    settings = make_settings(tmp_path, sim, share=1.0)
    _raw_list_snapshot(settings.duckdb_path, 5)
    _model(settings.duckdb_path, "wb_one", [("reset:77401", "77401", None, "Y")])
    assert run_writeback(settings, only=["wb_one"]).applied == 1
    # another plan wants the list just reset switched off
    _model(settings.duckdb_path, "wb_two", [("deactivate:77401", "77401", "N", None)])
    rep = run_writeback(settings, only=["wb_two"])
    assert not rep.ok and rep.refused == 1 and store.get_list(77401)["active"] == "Y"
    assert "deactivate:77401" in rep.errors[0] and "would undo reset:77401" in rep.errors[0]
    told = run_writeback(settings, only=["wb_two"], allow_destructive=True)
    assert told.applied == 1 and store.get_list(77401)["active"] == "N"


# --- wb_lead_updates on VICIdial -----------------------------------------------------------------
def test_vicidial_retire_finds_the_lead_by_phone_within_its_list(tmp_path: Path, sim) -> None:
    """phone_number_log carries no lead_id: the row searches the phone within the list called;
    the same number in another list is left alone."""
    store = sim.ctx.store
    target = new_list(sim, 77501, ["NA", "NA"])
    new_list(sim, 77502, [])
    phone = target[0]["phone_number"]
    twin = store.add_lead({"list_id": 77502, "phone_number": phone, "status": "NA"})
    settings = make_settings(tmp_path, sim)
    con = duckdb.connect(str(settings.duckdb_path))
    empty_raw(con)
    t0 = datetime.now() - timedelta(days=1)
    for j in range(3):
        at = t0 + timedelta(hours=j)
        con.execute("INSERT INTO raw.phone_number_log BY NAME SELECT ? AS phone_number, ?::TIMESTAMP AS call_date, "
                    "?::TIMESTAMPTZ AS call_date_utc, '77501' AS list_id, 5 AS length_in_sec, 'DC' AS lead_status, "
                    "'DC' AS call_status, 'VDAD' AS \"user\", 'OUT' AS direction, ? AS _instance, "
                    "'phone_number_log' AS _endpoint, ?::DATE AS _partition_date, now() AS _extracted_at, "
                    "? AS _source_row", [phone, at, at, INSTANCE, at.date(), j])
    con.close()
    snapshot_lists(settings, settings.duckdb_path, datetime.now(), [77501, 77502])
    dbt_build(settings.duckdb_path, tmp_path)
    rows = plan(settings.duckdb_path, "wb_lead_updates")
    key = f"retire:77501:{phone}"
    assert set(rows) == {key}, rows
    assert (rows[key]["lead_id"], rows[key]["search_method"], rows[key]["search_location"], rows[key]["list_id"]) \
        == (None, "PHONE_NUMBER", "LIST", "77501")
    rep = run_writeback(settings, only=["wb_lead_updates"])
    assert rep.ok and rep.applied == 1, rep.as_dict()
    assert store.get_lead(target[0]["lead_id"])["status"] == "DC"
    assert store.get_lead(twin)["status"] == "NA", "a lead of another list must not be touched"
    assert store.get_lead(target[1]["lead_id"])["status"] == "NA"
    sent = [r for r in list(sim.ctx.requests) if r["action"] == "update_lead"][-1]["params"]
    assert (sent["search_method"], sent["search_location"], sent["list_id"]) == ("PHONE_NUMBER", "LIST", "77501")


def test_what_counts_as_destructive_and_how_it_is_shown() -> None:
    from extract.writeback.guard import cap, destructive_changes, format_diff, reverses, row_diff

    assert destructive_changes("update_list", {"list_id": "1", "active": "N", "reset_list": "Y"}) == (
        "lists", ["deactivate", "reset"])
    assert destructive_changes("update_list", {"list_id": "1", "active": "Y", "list_name": "x"}) == ("lists", [])
    assert destructive_changes("update_lead", {"lead_id": "5", "delete_lead": "Y"}) == ("leads", ["delete lead"])
    assert destructive_changes("update_lead", {"lead_id": "5", "status": "DNC"}) == ("", [])
    assert (cap(0.2, 30), cap(0.2, 3), cap(0.2, 0), cap(1.0, 7)) == (6, 1, 1, 7)
    assert reverses({"active": "N"}, {"reset_list": "Y"}) and reverses({"reset_list": "Y"}, {"active": "N"})
    assert not reverses({"reset_list": "Y"}, {"reset_list": "Y"}) and not reverses({"active": "N"}, {"active": "N"})
    row = {"_before_active": "Y", "_before_resets_today": 0, "_after_resets_today": 1, "_before_list_name": "a"}
    assert format_diff(row_diff(row, {"list_id": "1", "reset_list": "Y"})) == "resets_today: 0 → 1; reset_list: N → Y"
    off = {"_before_active": "Y", "_before_list_name": "a"}
    assert format_diff(row_diff(off, {"list_id": "1", "active": "N", "delete_leads": "Y"})) == (
        "active: Y → N; delete_leads: N → Y")
