"""The dashboard's "Today's appointments" section."""

from django.urls import reverse
from django.utils import timezone

from frontdesk.core.dashboard import dashboard_section
from frontdesk.scheduling.selectors import appointments_of_day
from frontdesk.scheduling.times import local_today, org_zone


@dashboard_section("appointments_today")
def appointments_today(request):
    org = request.org
    zone = org_zone(org)
    rows = []
    for a in appointments_of_day(org=org, day=local_today(org, timezone.now()))[:12]:
        meta = [a.get_status_display()]
        meta += [a.bay.name] if a.bay else []
        meta += [str(a.vehicle)] if a.vehicle else []
        rows.append(
            {
                "label": f"{a.starts_at.astimezone(zone):%H:%M} {a.customer.display_name}",
                "url": reverse("scheduling:appointment", args=[a.pk]),
                "meta": " · ".join(meta),
            }
        )
    return "partials/_dashboard_list.html", {
        "rows": rows,
        "empty": "No appointments today.",
        "more_url": reverse("scheduling:calendar"),
        "more_label": "Open the calendar",
    }
