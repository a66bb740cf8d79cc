"""Sending: the job body that takes one queued message through the consent gate to its
channel, at most once per approval.

1. **Claim**, in one transaction holding the message row (and, on PostgreSQL, a lock on
   the customer, so two workers cannot both pass the frequency cap): a ``queued``
   message that is due, or a ``sending`` one whose lease expired (its worker died), is
   checked by the consent gate. Blocked → ``blocked`` with the reason; inside quiet hours →
   stays ``queued`` with ``send_after`` at their end (the sweep sends it then); otherwise
   → ``sending`` with a lease.
2. **Hand over** outside any transaction, with the message's idempotency key
   (``<id>:<approval>``), the same on every attempt of one approval.
3. **Record** the provider's id (``sent``), or schedule a retry with exponential backoff
   (``queued`` again, for timeouts, 429 and 5xx), or ``failed``.

A worker killed between 1 and 3 leaves the message ``sending``; once the lease expires
the sweep hands it out again. SMS is retried with the same idempotency key, so the
provider sends it once. SMTP has no such key: an email interrupted there is marked
``failed`` ("interrupted") rather than risk a second copy — approve it again to resend.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from frontdesk.audit.models import AuditAction, AuditEntry
from frontdesk.audit.services import audit_entry, audit_record
from frontdesk.core.actor import Actor
from frontdesk.core.locks import lock_keys
from frontdesk.events.services import event_emit, event_emit_many
from frontdesk.messaging import events
from frontdesk.messaging.channels import (
    Handoff,
    PermanentError,
    RetryableError,
    deliver,
)
from frontdesk.messaging.choices import Channel, Status, SuppressionReason
from frontdesk.messaging.config import messaging_settings, transport_for
from frontdesk.messaging.gate import address_key, consent_check, recent_marketing_counts
from frontdesk.messaging.models import Message, Suppression

log = logging.getLogger(__name__)
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
# a queued message whose job should have run by now (the sweep re-queues it)
LOST_JOB_AFTER = dt.timedelta(minutes=2)
# a batch records what the provider took at least this often (see messages_send_many)
FLUSH_SECONDS = 1.0


def sender_actor(org) -> Actor:
    return Actor.system(org_id=org.pk, label="message sender")


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 60 s, 120 s ... capped at an hour."""
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    )


def _lock(message_id) -> Message | None:
    qs = Message.objects.select_related("customer").filter(pk=message_id)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    return qs.first()


def record_transition(org, message: Message, *, transition: str, **data) -> None:
    """Save ``data`` on ``message`` and audit it as one transition."""
    changes = {k: (getattr(message, k), v) for k, v in data.items() if getattr(message, k) != v}
    for key, value in data.items():
        setattr(message, key, value)
    message.save(update_fields=[*data, "updated_at"])
    audit_record(
        org=org,
        actor=sender_actor(org),
        action=AuditAction.UPDATE,
        obj=message,
        changes=changes,
        metadata={"transition": transition},
    )


def emit_message_event(org, type: str, message: Message, **extra) -> None:
    payload = {
        "id": message.pk,
        "customer_id": message.customer_id,
        "channel": message.channel,
        "origin": message.origin,
        "category": message.category,
        **extra,
    }
    event_emit(org=org, type=type, actor=sender_actor(org), payload=payload)


def _claim(*, org, message_id, now: dt.datetime, config) -> Message | None:
    """Step 1: the message, now ``sending`` under a lease, or None (not due, not ours,
    blocked, deferred, or given up)."""
    with transaction.atomic():
        message = _lock(message_id)
        if message is None:
            return None
        if message.status == Status.QUEUED:
            if message.send_after and message.send_after > now:
                return None
        elif message.status == Status.SENDING and message.lease_until <= now:
            if message.channel == Channel.EMAIL and transport_for(Channel.EMAIL) == "smtp":
                record_transition(
                    org,
                    message,
                    transition="failed",
                    status=Status.FAILED,
                    failed_at=now,
                    lease_until=None,
                    last_error="Interrupted while handing the email to the mail server; not "
                    "resent, so that it cannot arrive twice. Approve it again to resend.",
                )
                emit_message_event(org, events.MESSAGE_FAILED, message, error=message.last_error)
                return None
        else:
            return None
        lock_keys(f"messaging:{org.pk}:customer:{message.customer_id}")
        decision = consent_check(
            org=org, message=message, customer=message.customer, config=config, now=now
        )
        if decision.action == "block":
            record_transition(
                org,
                message,
                transition="blocked",
                status=Status.BLOCKED,
                blocked_reason=decision.reason,
                lease_until=None,
            )
            emit_message_event(org, events.MESSAGE_BLOCKED, message, reason=decision.reason)
            return None
        if decision.action == "defer":
            record_transition(
                org,
                message,
                transition="deferred",
                status=Status.QUEUED,
                send_after=decision.until,
                lease_until=None,
            )
            return None
        message.status = Status.SENDING
        message.lease_until = now + dt.timedelta(seconds=settings.MESSAGE_SEND_LEASE_SECONDS)
        message.attempts += 1
        message.save(update_fields=["status", "lease_until", "attempts", "updated_at"])
        return message


def _still_ours(message: Message):
    return Message.objects.filter(
        pk=message.pk, status=Status.SENDING, lease_until=message.lease_until
    )


def _record_sent(org, message: Message, handoff: Handoff) -> None:
    with transaction.atomic():
        if _lock(message.pk) is None or not _still_ours(message).exists():
            return  # another worker took over after our lease expired
        record_transition(
            org,
            message,
            transition="sent",
            status=Status.SENT,
            transport=handoff.transport,
            provider_id=handoff.provider_id,
            provider_status=handoff.provider_status,
            sent_at=timezone.now(),
            lease_until=None,
            last_error="",
        )
        emit_message_event(org, events.MESSAGE_SENT, message, transport=handoff.transport)


def suppress(
    *, org, actor: Actor, channel: str, address: str, reason: str, customer=None, source: str = ""
) -> tuple[Suppression, bool]:
    """Put ``address`` on the suppression list (or back on it). Returns (row, changed)."""
    key = address_key(channel, address)
    row = Suppression.objects.filter(channel=channel, address=key).first()
    if (
        row is not None
        and row.lifted_at is None
        and (row.reason == reason or reason == SuppressionReason.UNSUBSCRIBED)
    ):
        return row, False  # already suppressed (an unsubscribe never weakens a STOP)
    if row is None:
        row = Suppression.objects.create(
            organization_id=org.pk,
            channel=channel,
            address=key,
            reason=reason,
            customer=customer,
            source=source[:100],
        )
        changes = {"address": (None, key), "reason": (None, reason)}
        action = AuditAction.CREATE
    else:
        changes = {"reason": (row.reason, reason), "lifted_at": (row.lifted_at, None)}
        row.reason, row.lifted_at, row.source = reason, None, source[:100]
        row.customer = row.customer or customer
        row.save(update_fields=["reason", "lifted_at", "source", "customer", "updated_at"])
        action = AuditAction.UPDATE
    audit_record(org=org, actor=actor, action=action, obj=row, changes=changes)
    return row, True


def _record_failure(org, message: Message, exc: PermanentError | RetryableError, now) -> str:
    with transaction.atomic():
        if _lock(message.pk) is None or not _still_ours(message).exists():
            return "skipped"
        retry = isinstance(exc, RetryableError) and message.attempts < settings.MESSAGE_MAX_ATTEMPTS
        if retry:
            delay = backoff(message.attempts)
            if exc.retry_after:
                delay = max(delay, dt.timedelta(seconds=min(exc.retry_after, BACKOFF_MAX_SECONDS)))
            record_transition(
                org,
                message,
                transition="retry",
                status=Status.QUEUED,
                send_after=now + delay,
                lease_until=None,
                last_error=exc.detail,
            )
            return "retry"
        record_transition(
            org,
            message,
            transition="failed",
            status=Status.FAILED,
            failed_at=now,
            lease_until=None,
            last_error=exc.detail,
        )
        if isinstance(exc, PermanentError) and exc.suppress:
            suppress(
                org=org,
                actor=sender_actor(org),
                channel=message.channel,
                address=message.to,
                reason=exc.suppress,
                customer=message.customer,
                source="provider refused the address",
            )
        emit_message_event(org, events.MESSAGE_FAILED, message, error=exc.detail)
    return "failed"


def message_send(*, org, message_id, now: dt.datetime | None = None) -> str:
    """Take one message through gate and channel. Returns what happened: ``sent``,
    ``retry``/``failed``, or ``skipped`` (not due, not queued, blocked, deferred)."""
    now = now or timezone.now()
    config = messaging_settings(org)
    message = _claim(org=org, message_id=message_id, now=now, config=config)
    if message is None:
        return "skipped"
    try:
        handoff = deliver(message, org=org, config=config)
    except (RetryableError, PermanentError) as exc:
        log.warning("message %s not handed over: %s", message.pk, exc.detail)
        return _record_failure(org, message, exc, max(now, timezone.now()))
    except Exception as exc:  # a bug, or an error a channel did not classify: retry later
        log.exception("message %s: unexpected error while sending", message.pk)
        error = RetryableError(f"{type(exc).__name__}: {exc}")
        return _record_failure(org, message, error, max(now, timezone.now()))
    _record_sent(org, message, handoff)
    return "sent"


def messages_due(*, now: dt.datetime | None = None, limit: int = 5000) -> list:
    """Ids of messages (in the active organization) whose sending is due: queued ones past
    ``send_after`` (quiet hours over, retry time come), queued ones whose job seems lost,
    and ``sending`` ones whose worker died (lease expired)."""
    now = now or timezone.now()
    due = (
        Q(status=Status.QUEUED, send_after__lte=now)
        | Q(status=Status.QUEUED, send_after__isnull=True, updated_at__lte=now - LOST_JOB_AFTER)
        | Q(status=Status.SENDING, lease_until__lte=now)
    )
    return list(
        Message.objects.filter(due)
        .order_by("send_after", "created_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- many at once: a campaign's fan-out, a bulk approval, the sweep ------------------------
def _claim_many(*, org, message_ids, now: dt.datetime, config) -> list[Message]:
    """:func:`_claim` for a batch, in one transaction: the gate's look-ups (suppression
    list, frequency cap) are one query each for the whole batch."""
    with transaction.atomic():
        qs = Message.objects.select_related("customer").filter(pk__in=list(message_ids))
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(of=("self",))
        messages = list(qs.order_by("created_at", "pk"))  # oldest first
        due, single = [], []
        for message in messages:
            if message.status == Status.QUEUED:
                if not (message.send_after and message.send_after > now):
                    due.append(message)
            elif message.status == Status.SENDING and message.lease_until <= now:
                single.append(message)  # a worker died: the one-by-one path decides
        if not due:
            return _reclaim(single, org=org, now=now, config=config)
        cap = config["frequency_cap"]
        marketing = [m for m in due if m.category == "marketing"]
        lock_keys(*{f"messaging:{org.pk}:customer:{m.customer_id}" for m in marketing})
        suppressed = {
            (channel, address): reason
            for channel, address, reason in Suppression.objects.filter(
                address__in={address_key(m.channel, m.to) for m in due}, lifted_at__isnull=True
            ).values_list("channel", "address", "reason")
        }
        recent = (
            recent_marketing_counts(
                customer_ids={m.customer_id for m in marketing},
                now=now,
                days=cap.get("days"),
                exclude=[m.pk for m in due],
            )
            if marketing and cap.get("max_messages")
            else {}
        )
        claimed = []
        for message in due:
            decision = consent_check(
                org=org,
                message=message,
                customer=message.customer,
                config=config,
                now=now,
                suppression=suppressed.get(
                    (message.channel, address_key(message.channel, message.to))
                ),
                recent_marketing=recent.get(message.customer_id, 0),
            )
            if decision.action == "send":
                claimed.append(message)
                if message.category == "marketing":
                    recent[message.customer_id] = recent.get(message.customer_id, 0) + 1
            elif decision.action == "block":
                record_transition(
                    org, message, transition="blocked", status=Status.BLOCKED,
                    blocked_reason=decision.reason, lease_until=None,
                )  # fmt: skip
                emit_message_event(org, events.MESSAGE_BLOCKED, message, reason=decision.reason)
            else:
                record_transition(
                    org, message, transition="deferred", status=Status.QUEUED,
                    send_after=decision.until, lease_until=None,
                )  # fmt: skip
        lease = now + dt.timedelta(seconds=settings.MESSAGE_SEND_LEASE_SECONDS)
        Message.objects.filter(pk__in=[m.pk for m in claimed]).update(
            status=Status.SENDING, lease_until=lease, attempts=F("attempts") + 1, updated_at=now
        )
        for message in claimed:
            message.status, message.lease_until = Status.SENDING, lease
            message.attempts += 1
    return claimed + _reclaim(single, org=org, now=now, config=config)


def _reclaim(messages: list[Message], *, org, now: dt.datetime, config) -> list[Message]:
    """The messages whose worker died, each claimed again one by one: the claimed
    copies (with their new lease), not the stale ones."""
    claimed = (_claim(org=org, message_id=m.pk, now=now, config=config) for m in messages)
    return [m for m in claimed if m is not None]


def _record_sent_many(org, sent: list[tuple[Message, Handoff]]) -> None:
    """Record what the provider took: one transaction for the batch, and only the messages
    still ``sending`` under the lease this worker claimed them with (after a lease expired
    another worker may have taken one over: its record is left alone)."""
    if not sent:
        return
    actor = sender_actor(org)
    now = timezone.now()
    with transaction.atomic():
        ours = _mark_sent(org, sent, now)
        entries, emitted = [], []
        for message, handoff in ours:
            data = {
                "status": Status.SENT,
                "transport": handoff.transport,
                "provider_id": handoff.provider_id,
                "provider_status": handoff.provider_status,
                "sent_at": now,
                "lease_until": None,
                "last_error": "",
            }
            changes = {k: (getattr(message, k), v) for k, v in data.items()}
            for key, value in data.items():
                setattr(message, key, value)
            message.updated_at = now
            entries.append(
                audit_entry(
                    org=org,
                    actor=actor,
                    action=AuditAction.UPDATE,
                    obj=message,
                    changes={k: v for k, v in changes.items() if v[0] != v[1]},
                    metadata={"transition": "sent"},
                )  # fmt: skip
            )
            emitted.append(
                (
                    events.MESSAGE_SENT,
                    {
                        "id": message.pk,
                        "customer_id": message.customer_id,
                        "channel": message.channel,
                        "origin": message.origin,
                        "category": message.category,
                        "transport": handoff.transport,
                    },
                )  # fmt: skip
            )
        AuditEntry.objects.bulk_create(entries)
        event_emit_many(org=org, events=emitted, actor=actor)


def _mark_sent(org, sent: list[tuple[Message, Handoff]], now: dt.datetime) -> list:
    """Record a batch as sent, in the current transaction, and return the (message,
    handoff) pairs it recorded: those still ``sending`` under the lease they were claimed
    with.

    PostgreSQL: one ``UPDATE … FROM unnest(…) … RETURNING`` — the lease check, the row
    locks and every field at once, one new row version per message (the check runs again
    on a row another transaction changed meanwhile, so a reclaimed message is skipped).
    Elsewhere: the leases under lock, one UPDATE of what the batch shares and the
    provider's ids in one ``executemany`` (Django's ``bulk_update`` builds a CASE per row
    and field, which cost more than everything else in a batch)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Message._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS m SET status = %s, transport = v.transport, "  # noqa: S608
                "provider_id = v.provider_id, provider_status = v.provider_status, "
                "sent_at = %s, lease_until = NULL, last_error = '', updated_at = %s "
                "FROM unnest(%s::uuid[], %s::timestamptz[], %s::varchar[], %s::varchar[], "
                "%s::varchar[]) AS v(id, lease_until, transport, provider_id, provider_status) "
                "WHERE m.id = v.id AND m.organization_id = %s AND m.status = %s "
                "AND m.lease_until = v.lease_until RETURNING m.id",
                [
                    Status.SENT,
                    now,
                    now,
                    [m.pk for m, _ in sent],
                    [m.lease_until for m, _ in sent],
                    [h.transport for _, h in sent],
                    [h.provider_id for _, h in sent],
                    [h.provider_status for _, h in sent],
                    org.pk,
                    Status.SENDING,
                ],
            )
            recorded = {row[0] for row in cursor.fetchall()}
        return [(m, h) for m, h in sent if m.pk in recorded]
    qs = Message.objects.filter(pk__in=[m.pk for m, _ in sent], status=Status.SENDING)
    leases = dict(qs.select_for_update().values_list("pk", "lease_until"))
    ours = [(m, h) for m, h in sent if leases.get(m.pk) == m.lease_until]
    if not ours:
        return ours
    by_transport: dict[str, list] = {}
    for message, handoff in ours:
        by_transport.setdefault(handoff.transport, []).append(message.pk)
    for transport, ids in by_transport.items():
        Message.objects.filter(pk__in=ids).update(
            status=Status.SENT,
            transport=transport,
            sent_at=now,
            lease_until=None,
            last_error="",
            updated_at=now,
        )
    pk = Message._meta.pk
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {connection.ops.quote_name(Message._meta.db_table)} "  # noqa: S608
            "SET provider_id = %s, provider_status = %s WHERE id = %s",
            [
                (h.provider_id, h.provider_status, pk.get_db_prep_value(m.pk, connection))
                for m, h in ours
            ],
        )
    return ours


def messages_send_many(*, org, message_ids, now: dt.datetime | None = None) -> dict[str, int]:
    """:func:`message_send` for a batch (claims and records in one transaction each).
    Returns how many were sent, retried, failed or skipped."""
    now = now or timezone.now()
    config = messaging_settings(org)
    ids = list(dict.fromkeys(message_ids))
    claimed = _claim_many(org=org, message_ids=ids, now=now, config=config)
    outcomes: dict[str, int] = {"skipped": len(ids) - len(claimed)}
    sent: list[tuple[Message, Handoff]] = []
    sent_count = 0
    flushed_at = time.monotonic()
    for message in claimed:
        # what the provider took is recorded at least every FLUSH_SECONDS, so a slow
        # provider or a worker killed mid-batch loses (and hands out again) only the
        # messages of the last moment, never the whole batch
        if sent and time.monotonic() - flushed_at >= FLUSH_SECONDS:
            _record_sent_many(org, sent)
            sent_count += len(sent)
            sent, flushed_at = [], time.monotonic()
        try:
            sent.append((message, deliver(message, org=org, config=config)))
        except (RetryableError, PermanentError) as exc:
            log.warning("message %s not handed over: %s", message.pk, exc.detail)
            outcome = _record_failure(org, message, exc, max(now, timezone.now()))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        except Exception as exc:
            log.exception("message %s: unexpected error while sending", message.pk)
            error = RetryableError(f"{type(exc).__name__}: {exc}")
            outcome = _record_failure(org, message, error, max(now, timezone.now()))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    _record_sent_many(org, sent)
    sent_count += len(sent)
    if sent_count:
        outcomes["sent"] = sent_count
    return {k: v for k, v in outcomes.items() if v}
