"""The consent gate (SPEC rule 5): the one function that decides, at the moment a
message is handed to a channel, whether it may go now, must wait, or must not go.

Checked in this order, first match wins:

1. the customer asked not to be contacted (``do_not_contact``) → blocked, whatever the
   message;
2. the customer is archived or merged away → blocked;
3. no address on the channel → blocked;
4. the address is on the suppression list: STOP, bounce, erasure or spam complaint block
   every message; an unsubscribe blocks marketing only;
5. marketing without the channel's opt-in (``opt_in_email`` / ``opt_in_sms``) → blocked
   (transactional messages skip this check);
6. marketing beyond the frequency cap (messages sent or being sent to the customer in the
   last ``days`` days) → blocked;
7. inside the channel's quiet hours on the recipient's wall clock → deferred to the end
   of the quiet hours.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, Q

from frontdesk.messaging.choices import (
    SUPPRESSION_BLOCKS,
    BlockReason,
    Category,
    Channel,
    Status,
    SuppressionReason,
)
from frontdesk.messaging.config import QuietHours, quiet_hours_for
from frontdesk.messaging.models import Message, Suppression


@dataclass(frozen=True)
class Decision:
    action: Literal["send", "block", "defer"]
    reason: str = ""
    until: dt.datetime | None = None

    @classmethod
    def block(cls, reason: str) -> Decision:
        return cls("block", reason=reason)


SEND = Decision("send")


def address_key(channel: str, address: str) -> str:
    """The form the suppression list keeps: casefolded email, E.164 as is."""
    address = (address or "").strip()
    return address.casefold() if channel == Channel.EMAIL else address


def recipient_zone(org, customer) -> zoneinfo.ZoneInfo:
    for name in (getattr(customer, "time_zone", ""), org.time_zone, "UTC"):
        if not name:
            continue
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return zoneinfo.ZoneInfo("UTC")


def quiet_until(quiet: QuietHours, now: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """When the quiet hours around ``now`` end (UTC), or None outside them."""
    local = now.astimezone(zone)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    end = dt.datetime.combine(local.date(), quiet.end, tzinfo=zone)
    if end <= local:
        end = dt.datetime.combine(local.date() + dt.timedelta(days=1), quiet.end, tzinfo=zone)
    return end.astimezone(dt.UTC)


def suppression_of(channel: str, address: str) -> str | None:
    """The active suppression reason of an address, or None."""
    return (
        Suppression.objects.filter(
            channel=channel, address=address_key(channel, address), lifted_at__isnull=True
        )
        .values_list("reason", flat=True)
        .first()
    )


def recent_marketing_count(*, customer_id, now: dt.datetime, days: int, exclude=()) -> int:
    """Marketing messages sent (or being sent) to the customer in the last ``days``."""
    return recent_marketing_counts(
        customer_ids=[customer_id], now=now, days=days, exclude=exclude
    ).get(customer_id, 0)


def recent_marketing_counts(*, customer_ids, now: dt.datetime, days: int, exclude=()) -> dict:
    since = now - dt.timedelta(days=days or 7)
    rows = (
        Message.objects.filter(
            Q(status=Status.SENDING)
            | Q(status__in=(Status.SENT, Status.DELIVERED), sent_at__gte=since),
            customer_id__in=list(customer_ids),
            category=Category.MARKETING,
        )
        .exclude(pk__in=list(exclude))
        .values("customer_id")
        .annotate(n=Count("pk"))
    )
    return {row["customer_id"]: row["n"] for row in rows}


_LOOK_UP = object()


def consent_check(
    *,
    org,
    message: Message,
    customer,
    config: dict[str, Any],
    now: dt.datetime,
    suppression: str | None | object = _LOOK_UP,
    recent_marketing: int | None = None,
) -> Decision:
    """Send, block (with a :class:`BlockReason`) or defer (until when) ``message``.

    A batch passes what it looked up for all its messages at once: ``suppression`` (the
    address's active suppression reason, or None) and ``recent_marketing`` (the frequency
    cap's count); otherwise they are looked up here."""
    marketing = message.category == Category.MARKETING
    if customer.do_not_contact:
        return Decision.block(BlockReason.DO_NOT_CONTACT)
    if customer.status == "archived" or customer.merged_into_id:
        return Decision.block(BlockReason.ARCHIVED)
    if not message.to:
        return Decision.block(BlockReason.NO_ADDRESS)
    if suppression is _LOOK_UP:
        suppression = suppression_of(message.channel, message.to)
    if suppression and (marketing or suppression != SuppressionReason.UNSUBSCRIBED):
        return Decision.block(SUPPRESSION_BLOCKS[SuppressionReason(suppression)])
    if marketing:
        opted_in = (
            customer.opt_in_email if message.channel == Channel.EMAIL else customer.opt_in_sms
        )
        if not opted_in:
            return Decision.block(BlockReason.NO_OPT_IN)
        cap = config["frequency_cap"]
        if cap.get("max_messages"):
            if recent_marketing is None:
                recent_marketing = recent_marketing_count(
                    customer_id=customer.pk, now=now, days=cap.get("days"), exclude=[message.pk]
                )
            if recent_marketing >= cap["max_messages"]:
                return Decision.block(BlockReason.FREQUENCY_CAP)
    quiet = quiet_hours_for(config, message.channel)
    if quiet is not None:
        until = quiet_until(quiet, now, recipient_zone(org, customer))
        if until is not None:
            return Decision("defer", until=until)
    return SEND
