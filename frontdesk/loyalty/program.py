"""The organization's loyalty program (``Organization.settings["loyalty"]``): earn rate,
the value of a point when redeemed against an invoice, tier thresholds and expiry.

* ``earn_rate`` — points per whole currency unit paid (1 → $42.50 earns 42 points;
  fractions of a point are dropped, never rounded up).
* ``point_value`` — minor units a point is worth against an invoice (1 → 100 points = $1).
* ``silver``, ``gold``, ``platinum`` — lifetime points (earned + added − reversed) from
  which a customer holds that tier; below ``silver`` is Bronze. Redeeming or expiry does
  not lower a tier.
* ``expiry_days`` — points not spent within this many days of being earned expire
  (oldest first); ``null`` = never.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from frontdesk.core.errors import ValidationFailed
from frontdesk.loyalty.choices import Tier

# currencies without minor units (ISO 4217 exponent 0); everything else has cents
ZERO_DECIMAL = {"JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF"}


def minor_per_unit(currency: str) -> int:
    return 1 if currency.upper() in ZERO_DECIMAL else 100


@dataclass(frozen=True)
class LoyaltySettings:
    earn_rate: int = 1
    point_value: int = 1
    silver: int = 500
    gold: int = 2000
    platinum: int = 5000
    expiry_days: int | None = None

    LIMITS = {
        "earn_rate": (0, 1000),
        "point_value": (1, 100_000),
        "silver": (1, 10**9),
        "gold": (1, 10**9),
        "platinum": (1, 10**9),
        "expiry_days": (1, 3650),
    }

    @classmethod
    def of(cls, org) -> LoyaltySettings:
        stored = (org.settings or {}).get("loyalty") or {}
        if not isinstance(stored, dict):
            stored = {}
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = stored.get(f.name)
            low, high = cls.LIMITS[f.name]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                values[f.name] = value
        settings = cls(**values)
        if not settings.silver < settings.gold < settings.platinum:
            settings = cls(
                earn_rate=settings.earn_rate,
                point_value=settings.point_value,
                expiry_days=settings.expiry_days,
            )
        return settings

    @classmethod
    def validate(cls, current: LoyaltySettings, data: dict[str, Any]) -> dict[str, Any]:
        errors = {}
        for name, value in data.items():
            if name not in cls.LIMITS:
                errors[name] = "Not a loyalty setting."
                continue
            if name == "expiry_days" and value is None:
                continue
            low, high = cls.LIMITS[name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors[name] = f"A whole number from {low} to {high}."
        if errors:
            raise ValidationFailed(errors)
        merged = {**current.as_dict(), **data}
        if not merged["silver"] < merged["gold"] < merged["platinum"]:
            raise ValidationFailed({"silver": "Tier thresholds rise: silver < gold < platinum."})
        return data

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def thresholds(self) -> list[tuple[str, int]]:
        return [
            (Tier.BRONZE, 0),
            (Tier.SILVER, self.silver),
            (Tier.GOLD, self.gold),
            (Tier.PLATINUM, self.platinum),
        ]

    def tier_of(self, lifetime: int) -> str:
        tier = Tier.BRONZE
        for name, threshold in self.thresholds():
            if lifetime >= threshold:
                tier = name
        return str(tier)

    def next_tier(self, lifetime: int) -> tuple[str | None, int]:
        """The next tier up and how many lifetime points it still needs."""
        for name, threshold in self.thresholds():
            if lifetime < threshold:
                return str(name), threshold - lifetime
        return None, 0

    def points_for(self, amount: int, currency: str) -> int:
        """Points earned for paying ``amount`` minor units."""
        if amount <= 0:
            return 0
        return amount * self.earn_rate // minor_per_unit(currency)
