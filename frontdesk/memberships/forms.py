"""Forms of the membership pages. They validate input; the views call the services."""

import re
from decimal import Decimal

from django import forms
from django.db.models import Q

from frontdesk.memberships.models import MembershipPlan
from frontdesk.memberships.services import MAX_REMINDER_DAYS
from frontdesk.money.forms import AmountField
from frontdesk.money.models import Service

TERMS = ("name", "discount_percent", "priority_label", "duration_days")


class PlanForm(forms.Form):
    """A plan's terms and its included services, each at the plan's price (typed as an
    amount like the rest of the UI, empty = 0 = free). ``plan``: the plan being changed
    (its services stay listed even once retired from the catalog)."""

    name = forms.CharField(max_length=120)
    discount_percent = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=2, initial=0, label="Discount (%)"
    )
    included = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Included services (at the plan's price)",
    )
    priority_label = forms.CharField(max_length=60, required=False)
    duration_days = forms.IntegerField(min_value=1, max_value=3650, initial=365)

    def __init__(self, *args, plan: MembershipPlan | None = None, **kwargs):
        current = {i.service_id: i.price for i in plan.included.all()} if plan else {}
        if plan is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": plan.name,
                    "discount_percent": Decimal(plan.discount_bp) / 100,
                    "included": list(current),
                    "priority_label": plan.priority_label,
                    "duration_days": plan.duration_days,
                },
            )
        super().__init__(*args, **kwargs)
        services = Service.objects.filter(Q(active=True) | Q(pk__in=list(current)))
        self.fields["included"].queryset = services.order_by("code")
        self.services = list(self.fields["included"].queryset)
        for service in self.services:
            self.fields[self.price_name(service)] = AmountField(
                required=False,
                label=f"Plan price of {service.name}",
                initial=current.get(service.pk, 0),
            )

    @staticmethod
    def price_name(service) -> str:
        return f"price_{service.pk}"

    def terms_fields(self) -> list:
        """The plan's own fields, for the page to render before the services table."""
        return [self[name] for name in TERMS]

    def service_rows(self) -> list[dict]:
        """One row per service: its checkbox and its plan price input."""
        boxes = {str(box.data["value"]): box for box in self["included"]}
        return [
            {"service": s, "box": boxes[str(s.pk)], "price": self[self.price_name(s)]}
            for s in self.services
        ]

    def clean(self):
        data = super().clean()
        chosen = {s.pk for s in data.get("included") or []}
        for service in self.services:
            price = data.get(self.price_name(service))
            if price and service.pk not in chosen:
                self.add_error(
                    self.price_name(service), "Tick the service to include it at this price."
                )
        return data

    def data_for_service(self) -> dict:
        data = {name: self.cleaned_data[name] for name in TERMS}
        data["included_services"] = [
            {"service_id": s.pk, "price": self.cleaned_data.get(self.price_name(s)) or 0}
            for s in self.cleaned_data.get("included") or []
        ]
        return data

    def add_service_error(self, error: dict) -> bool:
        """Show a service-side error on ``included_services[i].price`` or ``.service_id``
        next to that service's price; False when it is not about an included service."""
        match = re.fullmatch(r"included_services\[(\d+)\]\.\w+", error.get("field") or "")
        included = list(self.cleaned_data.get("included") or [])
        if not match or int(match.group(1)) >= len(included):
            return False
        self.add_error(self.price_name(included[int(match.group(1))]), error["message"])
        return True


class ReminderSettingsForm(forms.Form):
    reminder_days = forms.IntegerField(
        min_value=0,
        max_value=MAX_REMINDER_DAYS,
        label="Renewal reminder (days before expiry)",
        help_text=f"0 to {MAX_REMINDER_DAYS}; 0 = no reminders. The reminder waits in the"
        " approval queue unless auto-send is on.",
    )


class AssignForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=MembershipPlan.objects.none(), empty_label=None)
    starts_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty: today (a renewal starts when the current membership ends).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = MembershipPlan.objects.filter(active=True)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)
