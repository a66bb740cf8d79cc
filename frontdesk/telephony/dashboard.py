"""The dashboard's "Missed calls" section: the recovery queue's oldest waiting calls."""

from django.urls import reverse

from frontdesk.core.dashboard import dashboard_section
from frontdesk.telephony.permissions import VIEW
from frontdesk.telephony.selectors import missed_calls_open


@dashboard_section("missed_calls", title="Missed calls", permission=VIEW, order=55)
def missed_calls(request):
    rows = [
        {
            "label": f"{c.customer.display_name or c.from_number}",
            "url": reverse("telephony:missed_calls"),
            "meta": f"{c.from_number} · {c.get_status_display()}",
        }
        for c in missed_calls_open()
    ]
    return "partials/_dashboard_list.html", {
        "rows": rows,
        "empty": "No missed calls waiting.",
        "more_url": reverse("telephony:missed_calls"),
        "more_label": "Open the missed-call queue",
    }
