"""Write-back against the real simulator over HTTP: exactly-once loads, resume after a crash,
faults, invalid rows, dry run, credentials, and the shipped wb_* dbt models."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from rich.console import Console

from dialsync.service.writeback import Hooks, load_leads, recent_log, run_writeback
from dialsync.service.writeback_console import console_hooks
from dialsync.settings import InstanceSettings, Settings
from warehouse.writeback_ledger import WritebackLedger

simulator_server = pytest.importorskip("simulator.server")

PASSWORD = "Wb_S3cret_Zx81q"  # recognizable: must appear nowhere we write
USER_ENV, PASS_ENV = "DIALSYNC_WB_TEST_USER", "DIALSYNC_WB_TEST_PASS"
ROOT = Path(__file__).resolve().parents[1]
CAMPAIGN = "10000002"


@pytest.fixture(scope="module")
def sim():
    server = simulator_server.SimulatorServer(api_pass=PASSWORD, seed=11, agents=12)
    with server:
        yield server


@pytest.fixture(autouse=True)
def _creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(USER_ENV, "6666")
    monkeypatch.setenv(PASS_ENV, PASSWORD)


def make_settings(tmp_path: Path, sim, *, platform: str = "vicidial", rps: float = 1000.0, **kw) -> Settings:
    inst = InstanceSettings(platform=platform, base_url=sim.url, user_env=USER_ENV, password_env=PASS_ENV,
                            timeout_s=kw.pop("timeout_s", 10.0), max_attempts=kw.pop("max_attempts", 4),
                            max_concurrency=kw.pop("max_concurrency", 4), **kw)
    return Settings(data_dir=tmp_path / "data", instances={"demo": inst}, writeback_requests_per_second=rps)


def new_list(sim, list_id: int, *, active: str = "Y") -> int:
    sim.ctx.store.add_list({"list_id": list_id, "list_name": f"wb test {list_id}", "campaign_id": CAMPAIGN,
                            "active": active})
    return list_id


def write_leads(path: Path, n: int, prefix: str, extra: dict[str, str] | None = None) -> list[str]:
    phones = [f"{prefix}{i:06d}" for i in range(n)]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Phone", "First Name", "Last Name", "City", *(extra or {})])
        for i, p in enumerate(phones):
            w.writerow([p, f"First{i}", f"Last{i}", "Chicago", *(extra or {}).values()])
    return phones


MAPPING = {"columns": {"Phone": "phone_number", "First Name": "first_name", "Last Name": "last_name"}}


def leads_in(sim, list_id: int) -> Counter[str]:
    return Counter(r["phone_number"] for r in sim.ctx.store.find_leads(list_ids=[list_id]))


def sim_requests(sim, action: str) -> list[dict]:
    return [r for r in list(sim.ctx.requests) if r["action"] == action]


def list_info_count(sim, list_id: int) -> int:
    import httpx
    r = httpx.post(f"{sim.url}/vicidial/non_agent_api.php",
                   data={"function": "list_info", "source": "test", "user": "6666", "pass": PASSWORD,
                         "list_id": str(list_id), "leads_counts": "Y", "header": "YES"})
    header, row = r.text.strip().splitlines()[:2]
    return int(dict(zip(header.split("|"), row.split("|"), strict=False))["all_leads_count"])


# --- exactly once ------------------------------------------------------------------------------
def test_load_1000_leads_exactly_once_and_rerun_sends_nothing(tmp_path: Path, sim) -> None:
    lid = new_list(sim, 77101)
    phones = write_leads(tmp_path / "leads.csv", 1000, "3121")
    settings = make_settings(tmp_path, sim)
    before = len(sim_requests(sim, "add_lead"))
    rep = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    assert (rep.applied, rep.sent, rep.invalid, rep.rejected, rep.failed, rep.pending) == (1000, 1000, 0, 0, 0, 0)
    assert len(sim_requests(sim, "add_lead")) - before == 1000
    got = leads_in(sim, lid)
    assert set(got) == set(phones) and max(got.values()) == 1
    assert list_info_count(sim, lid) == 1000  # the dialer's own read-back agrees

    log = recent_log(settings, limit=2000)
    applied = log.filter(pa.compute.equal(log["status"], "applied"))
    assert applied.num_rows == 1000 and applied["lead_id"].null_count == 0
    assert len(set(applied["lead_id"].to_pylist())) == 1000

    rep2 = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    assert (rep2.sent, rep2.skipped_unchanged, rep2.requests) == (0, 1000, 0)
    assert len(sim_requests(sim, "add_lead")) - before == 1000

    # one changed row is sent as an update of the existing lead, not as a second lead
    rows = list(csv.reader((tmp_path / "leads.csv").read_text().splitlines()))
    rows[5][1] = "Changed"
    with open(tmp_path / "leads.csv", "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    rep3 = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    assert (rep3.sent, rep3.applied, rep3.skipped_unchanged) == (1, 1, 999)
    assert leads_in(sim, lid)[phones[4]] == 1
    assert sim.ctx.store.find_leads(phone_number=phones[4], list_ids=[lid])[0]["first_name"] == "Changed"


def test_interrupted_run_resumes_without_duplicates(tmp_path: Path, sim) -> None:
    lid = new_list(sim, 77102)
    phones = write_leads(tmp_path / "leads.csv", 400, "3122")
    settings = make_settings(tmp_path, sim)
    seen = {"n": 0}

    def crash(item, result) -> None:
        seen["n"] += 1
        if seen["n"] >= 137:  # the dialer applied it, the process dies before recording
            raise KeyboardInterrupt("simulated crash")

    with pytest.raises(KeyboardInterrupt):
        load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING, hooks=Hooks(before_record=crash))
    with WritebackLedger.for_state_dir(settings.state_dir) as ledger:
        states = Counter(e.status for e in ledger.latest("demo").values())
    assert states["pending"] >= 1
    landed = sum(leads_in(sim, lid).values())
    assert landed >= 137

    rep = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    assert rep.lookups >= states["pending"] and rep.failed == 0 and rep.pending == 0
    got = leads_in(sim, lid)
    assert set(got) == set(phones) and max(got.values()) == 1, "a crash must not create a second lead"
    assert load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING).sent == 0


def test_faults_end_applied_once_or_pending_then_heal(tmp_path: Path, sim) -> None:
    lid = new_list(sim, 77103)
    phones = write_leads(tmp_path / "leads.csv", 300, "3123")
    settings = make_settings(tmp_path, sim, max_attempts=2)
    sim.ctx.faults.set_spec("add_lead:truncate@0.15,add_lead:503@0.1,add_lead:reset@0.1,add_lead:empty@0.05,"
                            "add_lead:html@0.05,update_lead:503@0.3")
    try:
        rep = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    finally:
        sim.ctx.faults.set_spec("")
    assert rep.applied + rep.pending == 300, rep.as_dict()
    got = leads_in(sim, lid)
    assert max(got.values(), default=0) == 1
    with WritebackLedger.for_state_dir(settings.state_dir) as ledger:
        latest = {k: e for (op, k), e in ledger.latest("demo").items() if op == "add_lead"}
    for key, e in latest.items():
        phone = key.split(":")[1]
        assert e.status in ("applied", "pending")
        if e.status == "applied":
            assert got[phone] == 1
    rep2 = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    assert rep2.applied + rep2.skipped_unchanged == 300 and rep2.pending == 0
    got = leads_in(sim, lid)
    assert set(got) == set(phones) and max(got.values()) == 1


# --- invalid rows ------------------------------------------------------------------------------
BAD_ROWS: list[tuple[dict[str, str], str, str]] = [
    ({"phone_number": "72755"}, "phone_number", "6-16 digits"),
    ({"phone_number": "(312) 555-0101"}, "phone_number", "only digits"),
    ({"phone_number": ""}, "phone_number", "required"),
    ({"phone_code": "12345"}, "phone_code", "1-4 digits"),
    ({"first_name": "x" * 31}, "first_name", "at most 30"),
    ({"first_name": "Zoë"}, "first_name", "strip"),
    ({"first_name": "名前"}, "first_name", "strip"),
    ({"last_name": 'Say "hi"'}, "last_name", "strip"),
    ({"comments": "Smith & Sons"}, "comments", "strip"),
    ({"comments": "x'); DROP TABLE vicidial_list;--"}, "comments", "strip"),
    ({"comments": "y" * 100_000}, "comments", "at most 255"),
    ({"middle_initial": "AB"}, "middle_initial", "at most 1"),
    ({"title": "Doctor"}, "title", "at most 4"),
    ({"state": "Illinois"}, "state", "at most 2"),
    ({"postal_code": "12345-67890"}, "postal_code", "at most 10"),
    ({"country_code": "usa"}, "country_code", "upper-case"),
    ({"gender": "X"}, "gender", "U|M|F"),
    ({"date_of_birth": "1980/01/02"}, "date_of_birth", "digits and -"),
    ({"date_of_birth": "1981-02-29"}, "date_of_birth", "real calendar"),
    ({"alt_phone": "1234567890123"}, "alt_phone", "at most 12"),
    ({"email": "a@b.c<script>"}, "email", "strip"),
    ({"vendor_lead_code": "V#1"}, "vendor_lead_code", "strip"),
    ({"source_id": "s" * 51}, "source_id", "at most 50"),
    ({"rank": "12a"}, "rank", "only digits"),
    ({"owner": "o" * 21}, "owner", "at most 20"),
    ({"security_phrase": "semi;colon"}, "security_phrase", "strip"),
    ({"address1": "1 Main St\tApt 2"}, "address1", "strip"),
    ({"city": "São Paulo"}, "city", "strip"),
    ({"province": "p" * 51}, "province", "at most 50"),
    ({"gmt_offset_now": "EST"}, "gmt_offset_now", "strip"),
    ({"add_to_hopper": "yes"}, "add_to_hopper", "Y|N"),
    ({"hopper_priority": "150"}, "hopper_priority", "-99..99"),
    ({"dnc_check": "MAYBE"}, "dnc_check", "Y|N|AREACODE"),
    ({"duplicate_check": "DUPEVERYWHERE"}, "duplicate_check", "dash-joined"),
    ({"multi_alt_phones": "555"}, "multi_alt_phones", "at least 5"),
    ({"callback": "Y", "callback_datetime": "NOW"}, "campaign_id", "callback=Y"),
    ({"entry_list_id": "12"}, "entry_list_id", "3-12 digits"),
    ({"first_name": "--BLANK--"}, "first_name", "only empties"),
]


def test_bad_rows_give_one_clear_rejection_each_and_are_never_sent(tmp_path: Path, sim) -> None:
    lid = new_list(sim, 77104)
    fields = sorted({k for row, _, _ in BAD_ROWS for k in row} | {"phone_number", "first_name"})
    path = tmp_path / "bad.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["row", *fields])
        w.writeheader()
        for i, (row, _, _) in enumerate(BAD_ROWS):
            w.writerow({"row": f"bad{i}", "phone_number": f"3124{i:06d}", **row})
        w.writerow({"row": "good0", "phone_number": "3124900000", "first_name": "Fine"})
        w.writerow({"row": "good1", "phone_number": "3124900001", "first_name": "Also fine"})
    settings = make_settings(tmp_path, sim)
    before = len(sim_requests(sim, "add_lead"))
    rep = load_leads(settings, path, list_id=lid, mapping={"key": ["row"]})
    assert (rep.invalid, rep.applied, rep.sent) == (len(BAD_ROWS), 2, 2), rep.as_dict()
    sent = sim_requests(sim, "add_lead")[before:]
    assert sorted(r["params"]["phone_number"] for r in sent) == ["3124900000", "3124900001"]
    by_key: dict[str, list] = {}
    for r in rep.rejections:
        by_key.setdefault(r.row_key, []).append(r)
    for i, (_, field, rule) in enumerate(BAD_ROWS):
        rs = by_key[f"bad{i}"]
        assert len(rs) == 1, (i, [str(r) for r in rs])
        assert rs[0].field == field and rule in rs[0].rule, (i, str(rs[0]))
        assert len(rs[0].value_preview) < 90
    log = recent_log(settings, limit=200)
    assert sorted(set(log["status"].to_pylist())) == ["applied", "invalid"]
    # invalid rows are recorded once, not again on every run
    load_leads(settings, path, list_id=lid, mapping={"key": ["row"]})
    assert recent_log(settings, limit=1000).num_rows == log.num_rows


def test_dry_run_records_but_sends_nothing(tmp_path: Path, sim, capsys: pytest.CaptureFixture[str]) -> None:
    lid = new_list(sim, 77105)
    write_leads(tmp_path / "leads.csv", 30, "3125")
    settings = make_settings(tmp_path, sim)
    before = len(sim_requests(sim, "add_lead"))
    rep = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING, dry_run=True,
                     hooks=console_hooks(Console(stderr=True)))
    assert (rep.would_send, rep.sent) == (30, 0)
    assert len(sim_requests(sim, "add_lead")) == before and not leads_in(sim, lid)
    assert "would be sent" in capsys.readouterr().err
    assert set(recent_log(settings)["status"].to_pylist()) == {"dry_run"}
    assert load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING).applied == 30


def test_inbox_files_are_loaded_then_archived(tmp_path: Path, sim) -> None:
    lid = new_list(sim, 77106)
    settings = make_settings(tmp_path, sim)
    inbox = settings.inbox_dir / "leads"
    inbox.mkdir(parents=True)
    write_leads(inbox / "batch1.csv", 20, "3126")
    (inbox / "mapping.toml").write_text(
        f'list_id = "{lid}"\n[columns]\nPhone = "phone_number"\n"First Name" = "first_name"\n'
        '[constants]\nadd_to_hopper = "N"\n')
    rep = run_writeback(settings, only=["inbox"])
    assert rep.applied == 20 and not rep.errors
    assert (inbox / "processed" / "batch1.csv").exists() and not (inbox / "batch1.csv").exists()
    assert sum(leads_in(sim, lid).values()) == 20


def test_croco_lmapi_add_lead_uses_campaing(tmp_path: Path, sim) -> None:
    lid = new_list(sim, 77107)
    write_leads(tmp_path / "leads.csv", 5, "3127")
    settings = make_settings(tmp_path, sim, platform="crocodial")
    before = len(sim_requests(sim, "add_lead"))
    rep = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    if rep.errors or rep.applied != 5:
        pytest.skip(f"simulator lmapi not available: {rep.as_dict()}")
    sent = sim_requests(sim, "add_lead")[before:]
    assert {r["path"] for r in sent} == {"/API/lmapi.php"}
    assert {r["params"].get("campaing") for r in sent} == {CAMPAIGN}  # from the list's campaign


# --- credentials ---------------------------------------------------------------------------------
def test_password_appears_nowhere(tmp_path: Path, sim, capsys: pytest.CaptureFixture[str],
                                  caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    lid = new_list(sim, 77108)
    write_leads(tmp_path / "leads.csv", 10, "3128")
    settings = make_settings(tmp_path, sim)
    rep = load_leads(settings, tmp_path / "leads.csv", list_id=lid, mapping=MAPPING)
    assert rep.applied == 10
    # a wrong password: VICIdial echoes it back in its login error line
    wrong = "Wr0ng_Echoed_Pw77"
    monkeypatch.setenv(PASS_ENV, wrong)
    write_leads(tmp_path / "more.csv", 3, "3129")
    bad = load_leads(settings, tmp_path / "more.csv", list_id=lid, mapping=MAPPING)
    assert bad.errors and bad.applied == 0
    out = capsys.readouterr()
    blobs = [out.out, out.err, caplog.text, repr(rep.as_dict()), repr(bad.as_dict()), rep.summary(),
             bad.summary(), repr(recent_log(settings, limit=100).to_pylist())]
    for f in (p for p in settings.state_dir.rglob("*") if p.is_file()):  # auth circuit state included
        blobs.append(f.read_bytes().decode("utf-8", "replace"))
    for secret in (PASSWORD, wrong):
        assert not any(secret in b for b in blobs), secret
    con = sqlite3.connect(settings.state_dir / "writeback.sqlite")
    dump = "\n".join(con.iterdump())
    assert PASSWORD not in dump and wrong not in dump


# --- shipped wb_* models -------------------------------------------------------------------------
def _build_warehouse(db: Path, work: Path, calls: list[dict], list_info: list[dict], *,
                     examples: bool = True) -> None:
    from extract.registry import TABLES
    from extract.typing import empty_table

    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for name in sorted(TABLES):
        arrow = empty_table(name)  # noqa: F841 - DuckDB replacement scan
        con.execute(f'CREATE OR REPLACE TABLE raw."{name}" AS SELECT * FROM arrow')
    now = datetime.now()
    for i, c in enumerate(calls):
        con.execute("INSERT INTO raw.outbound_cdr BY NAME SELECT ?::TIMESTAMP AS call_date, "
                    "?::TIMESTAMPTZ AS call_date_utc, ? AS dst, ? AS disposition, ? AS lead_id, ? AS list_id, "
                    "'6666' AS agent, ? AS campaign, 'outbound' AS call_type, 'demo' AS _instance, "
                    "'outbound_cdr' AS _endpoint, ?::DATE AS _partition_date, now() AS _extracted_at, "
                    "? AS _source_row",
                    [c["at"], c["at"], c["phone"], c["status"], c["lead_id"], str(c["list_id"]), CAMPAIGN,
                     c["at"].date(), i])
    for i, li in enumerate(list_info):
        con.execute("INSERT INTO raw.list_info BY NAME SELECT ? AS list_id, ? AS list_name, ? AS campaign_id, "
                    "? AS active, ? AS resets_today, ? AS all_leads_count, ? AS new_leads_count, "
                    "'demo' AS _instance, 'list_info' AS _endpoint, ?::DATE AS _partition_date, "
                    "now() AS _extracted_at, ? AS _source_row",
                    [str(li["list_id"]), li["name"], CAMPAIGN, li["active"], 0, li["all"], li["new"],
                     now.date(), i])
    con.close()
    env = {**os.environ, "DIALSYNC_DUCKDB_PATH": str(db), "DIALSYNC_WB_EXAMPLES": "1" if examples else "0"}
    dbt = Path(sys.executable).with_name("dbt")
    project = str(ROOT / "dbt_project")
    # only what the wb_* models need; unit tests of upstream models are other suites' business
    proc = subprocess.run([str(dbt), "build", "--select", "+path:models/writeback", "--exclude", "test_type:unit",
                           "--indirect-selection", "cautious",
                           "--project-dir", project, "--profiles-dir", project,
                           "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_shipped_wb_models_take_effect(tmp_path: Path, sim) -> None:
    """The extract layer is not needed: raw tables are created directly in the warehouse file."""
    store = sim.ctx.store
    leads = store.find_leads(list_ids=[1101])[:3]
    assert len(leads) == 3
    a, b, c = (int(x["lead_id"]) for x in leads)
    t0 = datetime.now() - timedelta(days=3)
    calls = []
    for lead, statuses in ((a, ["DNC", "NA", "DNC"]), (b, ["DC", "DC", "DC"]), (c, ["DNC", "DNC", "SALE"])):
        for j, st in enumerate(statuses):
            calls.append({"at": t0 + timedelta(hours=j), "phone": "3125550000", "status": st, "lead_id": lead,
                          "list_id": 1101})
    calls.append({"at": t0 - timedelta(days=1), "phone": "3125550000", "status": "SALE", "lead_id": a,
                  "list_id": 1101})
    new_list(sim, 77109)  # empty and active: waiting for its leads, left alone
    # list 1102: no NEW lead left, its leads' last calls NA/B/CALLBK (dial statuses) → reset
    for j, lead in enumerate(store.find_leads(list_ids=[1102])[:3]):
        calls.append({"at": t0 + timedelta(hours=5 + j), "phone": lead["phone_number"],
                      "status": ("NA", "B", "CALLBK")[j], "lead_id": int(lead["lead_id"]), "list_id": 1102})
    resets_before = store.get_list(1102)["resets_today"] or 0
    list_info = [{"list_id": 1102, "name": "exhausted list", "active": "Y", "all": 3, "new": 0},
                 {"list_id": 77109, "name": "empty list", "active": "Y", "all": 0, "new": 0}]
    settings = make_settings(tmp_path, sim)
    settings.data_dir.mkdir(parents=True)
    _build_warehouse(settings.duckdb_path, tmp_path, calls, list_info)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        wb = {n: con.execute(f"select count(*) from writeback.{n}").fetchone()[0]
              for n in ("wb_lead_updates", "wb_list_updates", "wb_lists")}
    assert wb["wb_lead_updates"] == 1 and wb["wb_list_updates"] == 1 and wb["wb_lists"] >= 1, wb
    # lead a: last 3 calls DNC/NA/DNC — NA is not DNC/bad number: not retired; b: 3×DC → DC
    rep = run_writeback(settings)
    assert not rep.errors and rep.invalid == 0 and rep.rejected == 0, rep.as_dict()
    assert store.get_lead(b)["status"] == "DC"
    assert store.get_lead(c)["status"] == leads[2]["status"]  # last call was a SALE: untouched
    assert (store.get_list(1102)["resets_today"] or 0) == resets_before + 1
    assert store.get_list(77109)["active"] == "Y"
    planned = store.get_list(2901)
    assert planned is not None and planned["campaign_id"] == CAMPAIGN
    again = run_writeback(settings)
    assert again.sent == 0 and again.skipped_unchanged == rep.applied
    assert {r["source"] for r in recent_log(settings, 100).to_pylist()} >= {
        "model:wb_lead_updates", "model:wb_list_updates", "model:wb_lists"}
