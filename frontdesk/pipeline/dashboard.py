"""The dashboard's "Today's follow-ups" and "Stale leads" sections."""

from django.urls import reverse

from frontdesk.core.dashboard import dashboard_section
from frontdesk.pipeline import selectors

SHOWN = 8


@dashboard_section("follow_ups_today")
def follow_ups_today(request):
    org = request.org
    today = selectors.local_today(org)
    rows = []
    for item in selectors.follow_ups_due(org=org)[:SHOWN]:
        who = (
            item.customer.display_name if item.customer else (item.lead.title if item.lead else "")
        )
        if item.lead_id:
            url = reverse("pipeline:lead", args=[item.lead_id])
        elif item.customer_id:
            url = reverse("customers:detail", args=[item.customer_id])
        else:
            url = ""
        meta = [item.get_type_display()]
        if item.subject:
            meta.append(item.subject)
        if item.follow_up_date < today:
            meta.append(f"overdue since {item.follow_up_date:%Y-%m-%d}")
        rows.append({"label": who, "url": url, "meta": " · ".join(meta)})
    return "partials/_dashboard_list.html", {
        "rows": rows,
        "empty": "No follow-ups due today.",
        "more_url": reverse("pipeline:followups"),
        "more_label": "All follow-ups",
    }


@dashboard_section("stale_leads")
def stale_leads(request):
    rows = []
    for lead in selectors.stale_leads(org=request.org)[:SHOWN]:
        meta = [lead.stage.name, f"last touch {lead.last_touch_at:%Y-%m-%d}"]
        if lead.customer:
            meta.insert(0, lead.customer.display_name)
        rows.append(
            {
                "label": f"{lead.number} {lead.title}",
                "url": reverse("pipeline:lead", args=[lead.pk]),
                "meta": " · ".join(meta),
            }
        )
    return "partials/_dashboard_list.html", {
        "rows": rows,
        "empty": "No stale leads.",
        "more_url": reverse("pipeline:stale"),
        "more_label": "All stale leads",
    }
