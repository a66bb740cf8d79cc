"""Staff notifications: the one service other domains call to tell staff something
(a new inquiry, an SMS reply, messages waiting for approval, a negative survey...).

Delivery is in-app: the bell's unread count and list, updated live by the server-sent
event stream (``GET /notifications/stream``), which reads what this writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.core.errors import ValidationFailed
from frontdesk.messaging.config import messaging_settings
from frontdesk.messaging.models import Notification
from frontdesk.organizations.models import Membership
from frontdesk.organizations.roles import ROLE_PERMISSIONS, is_known_permission


def members_with(permission: str) -> list[Membership]:
    """Active staff whose role holds ``permission``."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]
    return list(Membership.objects.filter(is_active=True, role__in=roles, user__is_active=True))


def notification_create(
    *,
    org,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    recipients: Iterable[Membership] | None = None,
    permission: str | None = None,
    key: str = "",
) -> list[Notification]:
    """Notify ``recipients``, or every active member holding ``permission``. With a
    ``key``, a recipient already notified under that key is not notified again (so an
    event handler that runs twice notifies once). Returns the new notifications."""
    if (recipients is None) == (permission is None):
        raise ValueError("give recipients or a permission")
    if permission is not None and not is_known_permission(permission):
        raise ValueError(f"unknown permission {permission!r}")
    title = " ".join((title or "").split())[:200]
    if not title:
        raise ValidationFailed({"title": "A notification needs a title."})
    if link and not link.startswith("/"):
        raise ValidationFailed({"link": "A path in this site, starting with /."})
    people = members_with(permission) if permission else list(recipients or [])
    created = []
    for member in people:
        if member.organization_id != org.pk:
            continue
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        organization_id=org.pk,
                        recipient=member,
                        kind=kind[:40],
                        title=title,
                        body=(body or "")[:2000],
                        link=link[:500],
                        key=key[:120],
                    )
                )
        except IntegrityError:
            continue  # notified under this key already
    return created


def notification_read(*, notification: Notification) -> Notification:
    """Mark one's own notification read (idempotent)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notification_read_all(*, recipient: Membership) -> int:
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now(), updated_at=timezone.now()
    )


def notification_digest_send(*, org, now=None) -> int:
    """Email each active member their unread notifications of the last day, if the
    organization asked for a digest. Returns how many emails were sent."""
    if not messaging_settings(org).get("notification_digest"):
        return 0
    since = (now or timezone.now()) - dt.timedelta(days=1)
    unread = (
        Notification.objects.filter(
            read_at__isnull=True,
            created_at__gte=since,
            recipient__is_active=True,
            recipient__user__is_active=True,
        )
        .select_related("recipient__user")
        .order_by("recipient_id", "-created_at")
    )
    by_member: dict = {}
    for notification in unread:
        by_member.setdefault(notification.recipient, []).append(notification)
    emails = []
    for member, items in by_member.items():
        lines = [f"- {n.title}" + (f": {n.body[:200]}" if n.body else "") for n in items[:50]]
        body = "\n".join(
            [f"{len(items)} unread notification(s) at {org.name} in the last day:", "", *lines]
        )
        emails.append(
            EmailMessage(
                subject=f"{org.name}: {len(items)} unread notification(s)",
                body=body,
                to=[member.user.email],
            )
        )
    if emails:
        get_connection(fail_silently=False).send_messages(emails)
    return len(emails)
