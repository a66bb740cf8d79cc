"""The dashboard's "New inquiries" section."""

from django.urls import reverse

from frontdesk.core.dashboard import dashboard_section
from frontdesk.inquiries.selectors import inquiries_new


@dashboard_section("new_inquiries")
def new_inquiries(request):
    rows = [
        {
            "label": f"{i.number} {i.name}",
            "url": reverse("inquiries:detail", args=[i.pk]),
            "meta": i.message[:80],
        }
        for i in inquiries_new()
    ]
    return "partials/_dashboard_list.html", {
        "rows": rows,
        "empty": "No new inquiries.",
        "more_url": reverse("inquiries:inbox"),
        "more_label": "Open the inbox",
    }
