"""The notification stream: server-sent events for the bell, and for API clients.

A stream lives ``NOTIFICATION_STREAM_SECONDS`` (60 s by default) and then ends; the
browser's EventSource (and htmx's SSE extension) reconnects by itself after ``retry``
milliseconds, sending ``Last-Event-ID`` so nothing created in between is missed. The
bound matters: each open stream holds one server thread (see ``frontdesk serve``), so
no number of idle tabs can hold them all for long.

Events: ``unread`` (the unread count) at the start and after each change,
``notification`` (one new notification) — as JSON (``?format=json``, the default) or as
the HTML fragments the bell swaps in (``?format=html``) — and, at the end, ``reconnect``.
The event id is the notification's creation time; ``?since=`` (an ISO time, e.g. when the
page was rendered) or ``Last-Event-ID`` says from when on to send.

Ending a stream from the server makes the browser's EventSource report an error before
it reconnects (and htmx logs it). So the stream says ``reconnect`` first — for the bell,
with a fresh copy of the bell whose ``sse-connect`` carries the new ``since`` — and waits a
moment: the bell swaps itself, which closes the old connection from the browser's side
and opens the next one, cleanly.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from frontdesk.core.tenancy import tenant_scope
from frontdesk.messaging.models import Notification
from frontdesk.messaging.selectors import notification_list, unread_count

RETRY_MS = 3000
LOOKBACK = dt.timedelta(seconds=5)  # a notification committed late is still seen
HEARTBEAT_SECONDS = 15
BATCH = 50
BELL_RECENT = 8
RECONNECT_GRACE_SECONDS = 3  # the browser closes the stream itself within this


def _event(name: str, data: str, event_id: str | None = None) -> str:
    lines = [f"event: {name}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.split("\n")]
    return "\n".join(lines) + "\n\n"


def _parse_last_event_id(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _unread(membership_id, fmt: str) -> str:
    count = unread_count(membership_id=membership_id)
    if fmt == "html":
        html = render_to_string("messaging/partials/_unread.html", {"unread": count})
        return _event("unread", html.strip())
    return _event("unread", json.dumps({"unread": count}))


def _notification(notification: Notification, fmt: str) -> str:
    if fmt == "html":
        data = render_to_string(
            "messaging/partials/_notification_item.html", {"n": notification}
        ).strip()
    else:
        data = json.dumps(
            {
                "id": str(notification.pk),
                "kind": notification.kind,
                "title": notification.title,
                "body": notification.body,
                "link": notification.link,
                "read_at": None,
                "created_at": notification.created_at.isoformat(),
            }
        )
    return _event("notification", data, notification.created_at.isoformat())


def bell_context(membership_id) -> dict:
    return {
        "bell": {
            "unread": unread_count(membership_id=membership_id),
            "recent": list(notification_list(membership_id=membership_id)[:BELL_RECENT]),
            "since": timezone.now().isoformat(),
        }
    }


def _reconnect(membership_id, fmt: str, since: dt.datetime) -> str:
    if fmt == "html":
        html = render_to_string("messaging/partials/_bell.html", bell_context(membership_id))
        return _event("reconnect", html.strip())
    return _event("reconnect", json.dumps({"since": since.isoformat()}))


def notification_events(
    *,
    org,
    membership_id,
    last_event_id: str | None = None,
    since: str | None = None,
    fmt: str = "json",
) -> Iterator[str]:
    """The stream's text, event by event; ends after the configured lifetime."""
    lifetime = settings.NOTIFICATION_STREAM_SECONDS
    poll = max(settings.NOTIFICATION_POLL_SECONDS, 0.05)
    start = _parse_last_event_id(last_event_id) or _parse_last_event_id(since)
    since = min(start, timezone.now()) if start else timezone.now()
    yield f"retry: {RETRY_MS}\n\n"
    # notification id -> created_at of those already sent, within the look-back window
    with tenant_scope(org), timezone.override(org.time_zone):
        # what the page (or the previous stream) showed already
        seen = dict(
            Notification.objects.filter(
                recipient_id=membership_id,
                created_at__gte=since - LOOKBACK,
                created_at__lte=since,
            ).values_list("pk", "created_at")
        )
        yield _unread(membership_id, fmt)
    deadline = time.monotonic() + lifetime
    last_sent = time.monotonic()
    while True:
        with tenant_scope(org), timezone.override(org.time_zone):
            new = [
                n
                for n in Notification.objects.filter(
                    recipient_id=membership_id, created_at__gte=since - LOOKBACK
                ).order_by("created_at", "id")[: BATCH + len(seen)]
                if n.pk not in seen
            ]
            for notification in new:
                seen[notification.pk] = notification.created_at
                yield _notification(notification, fmt)
            if new:
                since = max(since, new[-1].created_at)
                seen = {pk: at for pk, at in seen.items() if at >= since - LOOKBACK}
                yield _unread(membership_id, fmt)
                last_sent = time.monotonic()
        if time.monotonic() - last_sent > HEARTBEAT_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = time.monotonic()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        time.sleep(min(poll, remaining))
    with tenant_scope(org), timezone.override(org.time_zone):
        yield _reconnect(membership_id, fmt, since)
    time.sleep(min(RECONNECT_GRACE_SECONDS, lifetime))
