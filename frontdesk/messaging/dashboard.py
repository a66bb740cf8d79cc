"""The dashboard's approval-queue section."""

from django.urls import reverse

from frontdesk.core.dashboard import dashboard_section
from frontdesk.messaging.selectors import approval_queue

ROWS = 5


@dashboard_section("approval_queue")
def approval_queue_section(request):
    queue = approval_queue(actor=request.actor)
    waiting = list(queue[:ROWS])
    rows = [
        {
            "label": f"{m.get_channel_display()} to {m.customer.display_name}",
            "url": reverse("messaging:detail", args=[m.pk]),
            "meta": f"{m.get_origin_display()} · {m.subject or m.body[:40]}",
        }
        for m in waiting
    ]
    total = queue.count() if len(waiting) == ROWS else len(waiting)
    return "partials/_dashboard_list.html", {
        "rows": rows,
        "empty": "Nothing waits for your approval.",
        "more_url": reverse("messaging:approvals"),
        "more_label": f"Open the queue ({total})",
    }
