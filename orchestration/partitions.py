"""Partitions of the raw assets and the date window a run covers.

A daily endpoint is partitioned by (date, instance): the date is a calendar day in the
instance's own zone. A snapshot endpoint can only capture the server's current day, so it is
partitioned by instance alone: the UI then cannot offer a backfill that would store today's
data under a past date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime

from dagster import (
    DailyPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    StaticPartitionsDefinition,
)

from dialsync.service.sync import local_today
from dialsync.settings import Settings

DATE = "date"
INSTANCE = "instance"
#: Run tag naming the dialer a run talks to (dagster.yaml tag_concurrency_limits key).
INSTANCE_TAG = "dialsync/instance"
#: Dagster's own run tags (documented names; spelled here, not imported from dagster._core).
#: Dagster sets PARTITION_NAME_TAG and INSTANCE_DIMENSION_TAG on every single-partition run; range
#: runs (ours, and a backfill's runs of BACKFILL_DAYS_PER_RUN days) carry the range tags.
PARTITION_NAME_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
#: The instance dimension of a single-partition date × instance run (UI launches, one-day
#: backfills), set by Dagster itself; dagster.yaml limits it per dialer. Range runs cannot carry it:
#: Dagster reads any dagster/partition/<dimension> tag as a partition key of that run and fails on
#: one dimension alone ("Expected 2 partition keys"); ours are limited by INSTANCE_TAG, a
#: backfill's by the `dialer` pool (and every client by the instance's shared throttle).
INSTANCE_DIMENSION_TAG = "dagster/partition/instance"
#: Run tags with the dialer-local day window of the raw partitions in the run (for dbt --vars).
START_TAG = "dialsync/start_date"
END_TAG = "dialsync/end_date"


def instance_names(settings: Settings) -> list[str]:
    return list(settings.instances)


def calendar_timezone(settings: Settings) -> str:
    """Zone of the date dimension: the first instance's (a date key is a day in each instance's own zone)."""
    first = next(iter(settings.instances.values()), None)
    return first.timezone if first else "UTC"


def instance_partitions(settings: Settings) -> StaticPartitionsDefinition:
    return StaticPartitionsDefinition(instance_names(settings))


def daily_partitions(settings: Settings) -> MultiPartitionsDefinition:
    """(date, instance); end_offset=1 makes today's partial day a partition (intraday refresh)."""
    return MultiPartitionsDefinition({
        DATE: DailyPartitionsDefinition(start_date=settings.start_date.isoformat(),
                                        timezone=calendar_timezone(settings), end_offset=1),
        INSTANCE: instance_partitions(settings),
    })


def daily_key(day: date, instance: str) -> MultiPartitionKey:
    return MultiPartitionKey({DATE: day.isoformat(), INSTANCE: instance})


def split_key(key: str) -> tuple[str, date | None]:
    """(instance, day) of a daily key `YYYY-MM-DD|instance`, or (instance, None) of a snapshot key."""
    if isinstance(key, MultiPartitionKey):
        kd = key.keys_by_dimension
        return kd[INSTANCE], date.fromisoformat(kd[DATE])
    if "|" in key:
        day_s, inst = key.split("|", 1)  # dimensions are ordered by name: date, instance
        return inst, date.fromisoformat(day_s)
    return key, None


def range_tags(start: date, end: date, instance: str) -> dict[str, str]:
    """Tags of a single run over days [start, end] of one instance (Dagster's partition range tags)."""
    return {
        RANGE_START_TAG: str(daily_key(start, instance)),
        RANGE_END_TAG: str(daily_key(end, instance)),
        INSTANCE_TAG: instance,
        START_TAG: start.isoformat(),
        END_TAG: end.isoformat(),
    }


def run_window(tags: Mapping[str, str], settings: Settings,
               now: datetime | None = None) -> tuple[str | None, str | None]:
    """The [start, end] dialer-local days whose raw partitions this run (re)loaded.

    Our schedules set START_TAG/END_TAG; runs launched from the UI or a backfill carry
    Dagster's partition tags, which are read instead. (None, None) = every day.
    """
    if tags.get(START_TAG) and tags.get(END_TAG):
        return tags[START_TAG], tags[END_TAG]
    keys: Iterable[str]
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        keys = (tags[RANGE_START_TAG], tags[RANGE_END_TAG])
    elif PARTITION_NAME_TAG in tags:
        keys = (tags[PARTITION_NAME_TAG],)
    else:
        return None, None
    days: list[date] = []
    for key in keys:
        inst, day = split_key(key)
        if day is None:  # snapshot run: the instance's current day
            if inst not in settings.instances:
                return None, None
            day = local_today(settings.instance(inst), now or datetime.now(UTC))
        days.append(day)
    return min(days).isoformat(), max(days).isoformat()
