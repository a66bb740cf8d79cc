"""The calendar page's grids, built from the same selectors the API serves.

Day view: a table with a row per slot of the organization's grid and a column per bay
(or advisor); an appointment is one cell spanning its rows. A cell is offered for
booking only where ``availability`` offers that slot for that column's bay or advisor —
so the page never offers a taken slot. Week view: a row per bay (or advisor), a column
per day, the appointments listed in each cell.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from frontdesk.organizations.models import Organization
from frontdesk.scheduling.selectors import availability, calendar, closure_on
from frontdesk.scheduling.times import SchedulingSettings, hours_of, org_zone, wall_to_utc

DEFAULT_HOURS = (dt.time(8, 0), dt.time(18, 0))


@dataclass
class Cell:
    column: dict[str, Any]
    row: int
    starts_at: dt.datetime | None  # the slot's start (local), None where the clocks skip it
    kind: str = "empty"  # block | free | empty
    rowspan: int = 1
    appointments: list[dict[str, Any]] = field(default_factory=list)


def _parse(item: dict[str, Any]) -> dict[str, Any]:
    item = dict(item)
    item["start"] = dt.datetime.fromisoformat(item["starts_at"])
    item["end"] = dt.datetime.fromisoformat(item["ends_at"])
    return item


def day_grid(*, org: Organization, day: dt.date, by: str, now: dt.datetime) -> dict[str, Any]:
    settings = SchedulingSettings.of(org)
    zone = org_zone(org)
    step = dt.timedelta(minutes=settings.slot_minutes)
    spans = hours_of(org, day)
    first, last = (spans[0][0], max(s[1] for s in spans)) if spans else DEFAULT_HOURS
    data = calendar(org=org, start=day, end=day, by=by)
    columns = [
        {"key": c["key"], "label": c["label"], "items": [_parse(i) for i in c["appointments"]]}
        for c in data["columns"]
    ]
    grid_start = dt.datetime.combine(day, first)
    for column in columns:
        for item in column["items"]:
            wall = item["start"].astimezone(zone).replace(tzinfo=None)
            grid_start = min(grid_start, wall.replace(minute=0, second=0))
    grid_end = dt.datetime.combine(day, last)
    for column in columns:
        for item in column["items"]:
            wall = item["end"].astimezone(zone).replace(tzinfo=None)
            grid_end = max(grid_end, min(wall, dt.datetime.combine(day, dt.time(23, 59))))
    rows_count = max(1, math.ceil((grid_end - grid_start) / step))
    free = {}
    if by in ("bay", "advisor"):
        offered = availability(org=org, day=day, now=now)
        for slot in offered["slots"]:
            ids = slot["bay_ids"] if by == "bay" else slot["advisor_ids"]
            free[slot["starts_at"].astimezone(dt.UTC)] = {str(i) for i in ids}
    rows: list[dict[str, Any]] = []
    starts = []
    for i in range(rows_count):
        wall = grid_start + i * step
        utc = wall_to_utc(day, wall.time(), zone) if wall.date() == day else None
        starts.append(utc.astimezone(zone) if utc else None)
        rows.append({"label": f"{wall:%H:%M}", "starts_at": starts[-1], "cells": []})
    for column in columns:
        by_row: dict[int, list] = {}
        for item in column["items"]:
            wall = item["start"].astimezone(zone).replace(tzinfo=None)
            row = min(max(0, (wall - grid_start) // step), rows_count - 1)
            span = max(1, math.ceil((item["end"] - item["start"]) / step))
            item["span"] = span
            by_row.setdefault(row, []).append(item)
        covered_until = 0
        i = 0
        while i < rows_count:
            if i < covered_until:
                i += 1
                continue
            if i in by_row:
                group = list(by_row[i])
                end = i + max(item["span"] for item in group)
                j = i + 1
                while j < min(end, rows_count):  # overlapping ones (unassigned) join the cell
                    for item in by_row.get(j, []):
                        group.append(item)
                        end = max(end, j + item["span"])
                    j += 1
                end = min(end, rows_count)
                rows[i]["cells"].append(Cell(column, i, starts[i], "block", end - i, group))
                covered_until = end
                i = end
                continue
            slot = starts[i]
            kind = "empty"
            if (
                slot is not None
                and column["key"]
                and column["key"] in free.get(slot.astimezone(dt.UTC), ())
            ):
                kind = "free"
            rows[i]["cells"].append(Cell(column, i, slot, kind))
            i += 1
    closure = closure_on(day)
    return {
        "columns": columns,
        "rows": rows,
        "closed": closure.reason if closure else (None if spans else "Not a business day."),
        "settings": settings,
    }


def week_grid(*, org: Organization, day: dt.date, by: str) -> dict[str, Any]:
    monday = day - dt.timedelta(days=day.weekday())
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    data = calendar(org=org, start=monday, end=days[-1], by=by)
    rows = []
    for column in data["columns"]:
        per_day: dict[str, list] = {d.isoformat(): [] for d in days}
        for item in column["appointments"]:
            item = _parse(item)
            per_day.setdefault(item["start"].date().isoformat(), []).append(item)
        rows.append(
            {
                "key": column["key"],
                "label": column["label"],
                "cells": [{"day": d, "items": per_day[d.isoformat()]} for d in days],
            }
        )
    columns = [
        {
            "date": d,
            "closed": c.reason if (c := closure_on(d)) else (None if hours_of(org, d) else ""),
        }
        for d in days
    ]
    return {"days": columns, "rows": rows}
