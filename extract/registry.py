"""Every endpoint dialsync pulls, assembled from the per-surface declarations.

`extract/endpoints/goapi.py` (croco-dial goAPI) and `extract/endpoints/non_agent_api.py`
(VICIdial non_agent_api, also on croco-dial and Dialer360) declare each endpoint once, with
its raw tables and their columns (types in `extract.endpoint`). This module indexes them:
by name, by raw table, and in dependency order. Adding an endpoint: docs/contracts.md.
"""

from __future__ import annotations

from extract.endpoint import Endpoint, Table
from extract.endpoints import goapi, non_agent_api

ENDPOINTS: tuple[Endpoint, ...] = (*goapi.ENDPOINTS, *non_agent_api.ENDPOINTS)

BY_NAME: dict[str, Endpoint] = {e.name: e for e in ENDPOINTS}
#: raw table name -> the endpoint whose parser returns it
TABLES: dict[str, Endpoint] = {t.name: e for e in ENDPOINTS for t in e.raw}
#: raw table name -> its declaration (columns, grain, optional fields, statuses)
TABLE_SPECS: dict[str, Table] = {t.name: t for e in ENDPOINTS for t in e.raw}

assert len(BY_NAME) == len(ENDPOINTS), "two endpoints share a name"
assert len(TABLES) == sum(len(e.raw) for e in ENDPOINTS), "two endpoints declare the same raw table"


def endpoint(name: str) -> Endpoint:
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown endpoint {name!r}; known: {', '.join(BY_NAME)}") from None


def table(name: str) -> Table:
    try:
        return TABLE_SPECS[name]
    except KeyError:
        raise KeyError(f"unknown raw table {name!r}; known: {', '.join(TABLE_SPECS)}") from None


def ordered(endpoints: list[Endpoint] | tuple[Endpoint, ...]) -> list[Endpoint]:
    """Endpoints in an order where every fan-out runs after the tables it reads, and every
    cross-checked endpoint after the one its check reads."""
    chosen = {e.name for e in endpoints}
    done: list[Endpoint] = []
    seen: set[str] = set()

    def visit(e: Endpoint) -> None:
        if e.name in seen:
            return
        seen.add(e.name)
        for t in (*e.needs, *e.verify_reads):
            dep = TABLES.get(t)
            if dep is not None and dep.name in chosen:
                visit(dep)
        done.append(e)

    for e in endpoints:
        visit(e)
    return done
