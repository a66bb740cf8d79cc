"""The API's JSON renderer (``core.api.FastJSONRenderer``) writes exactly what
django-ninja's ``NinjaJSONEncoder`` writes, for every kind of value an answer holds."""

import datetime as dt
import decimal
import enum
import json
import uuid
import zoneinfo

import pytest
from ninja.responses import NinjaJSONEncoder

from frontdesk.core.api import FastJSONRenderer


class Colour(enum.Enum):
    RED = "red"


class Stamp(dt.datetime):
    """A datetime subclass: takes the encoder's chain, not the fast lookup."""


VALUES = [
    dt.datetime(2026, 12, 8, 1, 2, 3, 456789, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 8, 1, 2, 3, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 8, 1, 2, 3, 1000, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 1, 30, tzinfo=zoneinfo.ZoneInfo("America/Chicago")),
    dt.datetime(2026, 3, 29, 1, 30, 0, 999, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.datetime(2026, 3, 29, 1, 30, 0, 5),  # naive
    Stamp(2026, 1, 1, tzinfo=dt.UTC),
    dt.date(2026, 2, 28),
    dt.time(9, 30, 15, 250000),
    dt.timedelta(days=1, seconds=5),
    uuid.UUID("6f1c1e3e-2a4b-4c5d-8e9f-0a1b2c3d4e5f"),
    decimal.Decimal("12.50"),
    decimal.Decimal("-0.0001"),
    Colour.RED,
    {"nested": [dt.date(2026, 1, 1), {"id": uuid.uuid4(), "at": dt.datetime.now(dt.UTC)}]},
]


def test_every_value_is_written_as_ninja_writes_it():
    renderer = FastJSONRenderer()
    for value in VALUES:
        expected = json.dumps({"v": value}, cls=NinjaJSONEncoder)
        assert renderer.render(None, {"v": value}, response_status=200) == expected, value


def test_an_unknown_type_still_fails_as_before():
    with pytest.raises(TypeError):
        FastJSONRenderer().render(None, {"v": object()}, response_status=200)
