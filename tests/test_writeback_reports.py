"""What an operator sees of a write-back run, through the CLI against the simulator: exit codes,
rejection lines naming row and field, rejection rate over rows attempted, unmapped lead-file
columns, and a ledger CSV that is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialsync import settings as sm
from dialsync.cli import app
from dialsync.service.writeback import ledger_csv, spreadsheet_safe
from tests.conftest import write_config

simulator_server = pytest.importorskip("simulator.server")

PASSWORD = "Rp0rt_S3cret_Jk42"
CAMPAIGN = "10000002"


@pytest.fixture(scope="module")
def sim():
    with simulator_server.SimulatorServer(api_pass=PASSWORD, seed=17, agents=12) as server:
        yield server


@pytest.fixture
def cfg(tmp_path: Path, sim, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    p = write_config(tmp_path / "dialsync.toml", url=sim.url, user_env="WBR_USER", password_env="WBR_PASS",
                     platform="vicidial", timezone=None, top="writeback_requests_per_second = 1000")
    monkeypatch.setenv("WBR_USER", "6666")
    monkeypatch.setenv("WBR_PASS", PASSWORD)
    yield p
    sm.set_config_path(None)


def run(cfg: Path, *args: str):
    return CliRunner().invoke(app, ["--config", str(cfg), *args], env={"COLUMNS": "250"})


def lead_file(path: Path, rows: list[list[str]], header: tuple[str, ...] = ("Phone", "First Name")) -> Path:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def new_list(sim, list_id: int) -> str:
    sim.ctx.store.add_list({"list_id": list_id, "list_name": f"report {list_id}", "campaign_id": CAMPAIGN,
                            "active": "Y"})
    return str(list_id)



def test_every_row_invalid_exits_1_and_each_line_names_row_key_field_rule(cfg: Path, sim, tmp_path: Path) -> None:
    lid = new_list(sim, 77601)
    path = lead_file(tmp_path / "bad.csv", [["12", "Ann"], ["(312) 555", "Bob"], ["", "Cy"]])
    (tmp_path / "bad.csv.mapping.toml").write_text('[columns]\nPhone = "phone_number"\n"First Name" = "first_name"\n')
    res = run(cfg, "leads", "load", str(path), "--list", lid)
    assert res.exit_code == 1, res.output
    assert "invalid=3" in res.output and "rejection_rate=100.0% of 3 attempted" in res.output
    lines = [ln.strip() for ln in res.output.splitlines() if ln.strip().startswith("rejected:")]
    assert lines[0].startswith(f"rejected: row 2 [{lid}:12] phone_number: 6-16 digits"), lines
    assert lines[1].startswith(f"rejected: row 3 [{lid}:(312) 555] phone_number: only digits"), lines
    assert lines[2].startswith(f"rejected: row 4 [{lid}:] phone_number: required"), lines


def test_partly_invalid_file_exits_0_with_rate_over_rows_attempted(cfg: Path, sim, tmp_path: Path) -> None:
    lid = new_list(sim, 77602)
    path = lead_file(tmp_path / "mixed.csv", [["3126020001", "Ann"], ["12", "Bob"], ["3126020003", "Cy"],
                                              ["3126020004", "Di"]])
    (tmp_path / "mapping.toml").write_text('[columns]\nPhone = "phone_number"\n"First Name" = "first_name"\n')
    res = run(cfg, "leads", "load", str(path), "--list", lid)
    assert res.exit_code == 0, res.output
    assert "rejection_rate=25.0% of 4 attempted" in res.output
    again = run(cfg, "leads", "load", str(path), "--list", lid)  # unchanged rows are not attempted again
    assert "skipped_unchanged=3" in again.output and "of 1 attempted" in again.output
    assert again.exit_code == 0, again.output


def test_dialer_rejections_name_the_row_too(cfg: Path, sim, tmp_path: Path) -> None:
    lid = new_list(sim, 77603)
    sim.ctx.store.add_lead({"list_id": 77603, "phone_number": "3126030001", "status": "NEW"})
    path = lead_file(tmp_path / "dup.csv", [["3126030002", "Ann"], ["3126030001", "Bob"]])
    (tmp_path / "mapping.toml").write_text('[columns]\nPhone = "phone_number"\n"First Name" = "first_name"\n'
                                           '[constants]\nduplicate_check = "DUPLIST"\n')
    res = run(cfg, "leads", "load", str(path), "--list", lid)
    assert "rejected=1" in res.output, res.output
    assert f"rejected: row 3 [{lid}:3126030001] dialer: refused: ERROR: add_lead DUPLICATE" in res.output


def test_unmapped_lead_file_columns_are_reported_not_dropped_silently(cfg: Path, sim, tmp_path: Path) -> None:
    lid = new_list(sim, 77604)
    path = lead_file(tmp_path / "extra.csv", [["3126040001", "Ann", "blue"]],
                     header=("phone_number", "first_name", "Favourite Colour"))
    res = run(cfg, "leads", "load", str(path), "--list", lid)
    assert res.exit_code == 0 and "applied=1" in res.output, res.output
    assert "warning:" in res.output and "'Favourite Colour' is not mapped" in res.output


def test_ledger_csv_is_safe_to_open_in_a_spreadsheet(cfg: Path, sim, tmp_path: Path) -> None:
    lid = new_list(sim, 77605)
    hostile = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
    path = lead_file(tmp_path / "evil.csv", [[h, "12"] for h in hostile], header=("key", "phone_number"))
    (tmp_path / "mapping.toml").write_text('key = ["key"]\n')
    assert run(cfg, "leads", "load", str(path), "--list", lid).exit_code == 1  # every row invalid
    res = CliRunner().invoke(app, ["--config", str(cfg), "writeback", "log", "--csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout, newline="")))
    keys = [r["row_key"] for r in rows]
    assert sorted(keys) == sorted("'" + h for h in hostile)
    for r in rows:
        for v in r.values():
            assert not v or v[0] not in "=+-@\t\r", r


def test_spreadsheet_safe_leaves_plain_text_and_non_text_alone() -> None:
    import pyarrow as pa

    t = pa.table({"s": ["ok", "=1", None, "a=b"], "n": [1, -2, 3, 4]})
    safe = spreadsheet_safe(t)
    assert safe["s"].to_pylist() == ["ok", "'=1", None, "a=b"] and safe["n"].to_pylist() == [1, -2, 3, 4]
    assert ledger_csv(t).splitlines()[0] == b'"s","n"'
