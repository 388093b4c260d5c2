"""Jobs and schedules: when each partition is pulled, as pure functions of (settings, time).

Every schedule is evaluated often (hourly or every 10 minutes, in UTC) and, for each
instance whose *local* clock just passed the target time, asks for a run with explicit
partition keys. So instances in different zones are each served at their own local time,
and the request list for a given evaluation time is deterministic (tests evaluate them with
`build_schedule_context(scheduled_execution_time=...)`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from dialsync.runner import offered
from dialsync.service.sync import local_today
from dialsync.settings import InstanceSettings, Settings
from extract.registry import ENDPOINTS, Endpoint
from orchestration.checks import raw_key
from orchestration.partitions import (
    END_TAG,
    INSTANCE_TAG,
    START_TAG,
    calendar_timezone,
    daily_key,
    range_tags,
)

NIGHTLY_AT = time(0, 30)
AGENT_SUMMARY_AT = time(23, 50)
DIMENSIONS_AT = time(5, 0)  # before the morning shift: the day's configuration and hopper
HOURLY = "30 * * * *"
EVERY_10_MIN = "*/10 * * * *"
#: snapshots taken at local 23:50 (the day's running figures) and at local 05:00 (the rest)
DAY_END_SNAPSHOTS = tuple(e.name for e in ENDPOINTS if e.kind == "snapshot" and e.day_end)
MORNING_SNAPSHOTS = tuple(e.name for e in ENDPOINTS if e.kind == "snapshot" and not e.day_end)


def _when(ctx: ScheduleEvaluationContext) -> datetime:
    t = ctx.scheduled_execution_time or datetime.now(UTC)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def just_passed(inst: InstanceSettings, now: datetime, at: time, window: timedelta) -> date | None:
    """The instance-local day whose `at` passed within `window` before `now`, else None.

    Computed on aware datetimes, so DST days still get exactly one hit per hourly evaluation.
    """
    tz = ZoneInfo(inst.timezone)
    local_day = now.astimezone(tz).date()
    for day in (local_day, local_day - timedelta(days=1)):
        target = datetime.combine(day, at, tzinfo=tz)
        if timedelta(0) <= now - target.astimezone(UTC) < window:
            return day
    return None


def supported(settings: Settings, name: str, eps: Sequence[Endpoint]) -> list[Endpoint]:
    """What a scheduled run of instance ``name`` syncs of ``eps``: what default runs sync."""
    return offered(settings.instance(name), list(eps), named=False)


def daily_endpoints(restate: bool | None = None) -> list[Endpoint]:
    return [e for e in ENDPOINTS if e.kind == "daily" and (restate is None or e.restate == restate)]


def _selection(eps: Sequence[Endpoint], dbt_keys: Sequence[AssetKey]) -> list[AssetKey]:
    return [raw_key(e) for e in eps] + list(dbt_keys)


def _clamp(settings: Settings, day: date) -> date:
    return max(day, settings.start_date)


def nightly_requests(settings: Settings, now: datetime, dbt_keys: Sequence[AssetKey]) -> list[RunRequest]:
    """After local 00:30: yesterday + the restatement window for restating endpoints, then dbt."""
    out: list[RunRequest] = []
    for name, inst in settings.instances.items():
        today = just_passed(inst, now, NIGHTLY_AT, timedelta(hours=1))
        if today is None:
            continue
        yesterday = today - timedelta(days=1)
        if yesterday < settings.start_date:
            continue
        groups = (
            ("restate", supported(settings, name, daily_endpoints(True)),
             _clamp(settings, yesterday - timedelta(days=settings.restatement_days))),
            ("yesterday", supported(settings, name, daily_endpoints(False)), yesterday),
        )
        for label, eps, start in groups:
            if not eps:
                continue
            out.append(RunRequest(
                run_key=f"nightly:{name}:{yesterday}:{label}",
                asset_selection=_selection(eps, dbt_keys),
                tags={**range_tags(start, yesterday, name), "dialsync/schedule": "nightly"},
            ))
    return out


def intraday_requests(settings: Settings, now: datetime, dbt_keys: Sequence[AssetKey]) -> list[RunRequest]:
    """Today's partial partition of every daily endpoint (not in the 00:00–00:30 gap before the nightly run)."""
    out = []
    for name, inst in settings.instances.items():
        local = now.astimezone(ZoneInfo(inst.timezone))
        today = local.date()
        if local.time() < NIGHTLY_AT or today < settings.start_date:
            continue
        if today > now.astimezone(ZoneInfo(calendar_timezone(settings))).date():
            continue  # a zone ahead of the date dimension's: its today is not a partition yet
        eps = supported(settings, name, daily_endpoints())
        if not eps:
            continue
        out.append(RunRequest(
            run_key=f"intraday:{name}:{local.strftime('%Y-%m-%dT%H:%M')}",
            partition_key=daily_key(today, name),
            asset_selection=_selection(eps, dbt_keys),
            tags={INSTANCE_TAG: name, START_TAG: today.isoformat(), END_TAG: today.isoformat(),
                  "dialsync/schedule": "intraday"},
        ))
    return out


def snapshot_requests(settings: Settings, now: datetime, dbt_keys: Sequence[AssetKey], names: Sequence[str],
                      at: time, window: timedelta, label: str) -> list[RunRequest]:
    out = []
    for name, inst in settings.instances.items():
        day = just_passed(inst, now, at, window)
        if day is None or day != local_today(inst, now):
            continue
        eps = supported(settings, name, [e for e in ENDPOINTS if e.name in names])
        if not eps:
            continue
        out.append(RunRequest(
            run_key=f"{label}:{name}:{day}",
            partition_key=name,
            asset_selection=_selection(eps, dbt_keys),
            tags={INSTANCE_TAG: name, START_TAG: day.isoformat(), END_TAG: day.isoformat(),
                  "dialsync/schedule": label},
        ))
    return out


def intraday_cron(minutes: int) -> str:
    if minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *"
    if minutes % 60 == 0 and 24 % (minutes // 60) == 0:
        return f"15 */{minutes // 60} * * *" if minutes > 60 else "15 * * * *"
    return "*/5 * * * *" if minutes < 60 else "15 * * * *"  # nearest supported cadence


def default_status(settings: Settings) -> DefaultScheduleStatus:
    """RUNNING only when an instance is configured and the credential env vars it names are set here.

    Without both, every tick would start a run that cannot reach a dialer: a fresh clone (no
    instance) or the demo's left-behind config (its simulator and credentials are gone) opens
    the UI with the schedules stopped. Values are never read, only whether they are set. A
    toggle in the UI is stored in the Dagster instance and wins over this default."""
    ready = any(os.environ.get(i.user_env) and os.environ.get(i.password_env) for i in settings.instances.values())
    return DefaultScheduleStatus.RUNNING if ready else DefaultScheduleStatus.STOPPED


def _schedule(name: str, cron: str, job: Any, description: str,
              fn: Callable[[datetime], list[RunRequest]], status: DefaultScheduleStatus) -> ScheduleDefinition:
    """`job`: what define_asset_job returns (its class is not in Dagster's public API)."""
    @schedule(name=name, cron_schedule=cron, job=job, execution_timezone="UTC", description=description,
              default_status=status)
    def _s(context: ScheduleEvaluationContext):
        reqs = fn(_when(context))
        return reqs or SkipReason("no instance is due at this time")

    return _s


def defs(settings: Settings, dbt_keys: Sequence[AssetKey], freshness: AssetChecksDefinition | None) -> Definitions:
    """Jobs (one per partitions definition, dbt included) and the schedules that target them.

    The ledger-based freshness check has its own job and hourly schedule: in a load run it
    would only repeat what the load's own checks say.
    """
    not_fresh = AssetSelection.checks(freshness) if freshness is not None else None

    def sel(keys: Sequence[AssetKey]) -> AssetSelection:
        s = AssetSelection.assets(*keys)
        return s - not_fresh if not_fresh is not None else s

    dbt_sel = sel(dbt_keys)
    daily_sel = sel([raw_key(e) for e in daily_endpoints()])
    snap_sel = sel([raw_key(e) for e in ENDPOINTS if e.kind == "snapshot"])
    nightly = define_asset_job("nightly", selection=daily_sel | dbt_sel,
                               description="Daily raw partitions (yesterday + restatement window), then dbt.")
    intraday = define_asset_job("intraday", selection=daily_sel | dbt_sel,
                                description="Today's partial partitions, then dbt.")
    snapshots = define_asset_job("snapshots", selection=snap_sel | dbt_sel,
                                 description="Snapshot endpoints for the dialer's current day, then dbt.")
    dbt_only = define_asset_job("dbt_build", selection=dbt_sel,
                                description="Rebuild and publish the warehouse from the lake (every day).")
    rest = settings.restatement_days
    status = default_status(settings)
    schedules = [
        _schedule("nightly_schedule", HOURLY, nightly,
                  f"Hourly; per instance after local 00:30: yesterday + {rest} restated days, then dbt.",
                  lambda now: nightly_requests(settings, now, dbt_keys), status),
        _schedule("intraday_schedule", intraday_cron(settings.intraday_refresh_minutes), intraday,
                  f"Every {settings.intraday_refresh_minutes} min: today's partial partition, then dbt.",
                  lambda now: intraday_requests(settings, now, dbt_keys), status),
        _schedule("agent_summary_stats_schedule", EVERY_10_MIN, snapshots,
                  "Per instance at local 23:50: the day's running figures (agent_summary_stats, ...; "
                  "the server's current day only).",
                  lambda now: snapshot_requests(settings, now, dbt_keys, DAY_END_SNAPSHOTS,
                                                AGENT_SUMMARY_AT, timedelta(minutes=10), "agent_summary_stats"),
                  status),
        _schedule("dimensions_schedule", "0 * * * *", snapshots,
                  "Per instance at local 05:00: dimension snapshots (users, campaigns, lists, ...), then dbt.",
                  lambda now: snapshot_requests(settings, now, dbt_keys, MORNING_SNAPSHOTS, DIMENSIONS_AT,
                                                timedelta(hours=1), "dimensions"), status),
    ]
    jobs = [nightly, intraday, snapshots, dbt_only]
    checks = []
    if freshness is not None:
        fresh_job = define_asset_job("freshness", selection=not_fresh,
                                     description="Is every raw asset's latest partition at least yesterday?")
        jobs.append(fresh_job)
        checks.append(freshness)
        schedules.append(ScheduleDefinition(name="freshness_schedule", cron_schedule="45 * * * *", job=fresh_job,
                                            execution_timezone="UTC", default_status=status))
    return Definitions(jobs=jobs, schedules=schedules, asset_checks=checks)
