from django.http import HttpRequest
from django.utils import timezone

from frontdesk.messaging.permissions import NOTIFICATIONS
from frontdesk.messaging.selectors import notification_list, unread_count


def bell(request: HttpRequest) -> dict:
    """The notification bell of the layout (queried only when the layout shows it)."""
    actor = getattr(request, "actor", None)
    if actor is None or actor.via != "session" or not actor.has(NOTIFICATIONS):
        return {"bell": None}
    membership_id = actor.membership_id
    return {
        "bell": {
            "unread": lambda: unread_count(membership_id=membership_id),
            "recent": lambda: list(notification_list(membership_id=membership_id)[:8]),
            "since": timezone.now().isoformat(),
        }
    }
