"""Forms of the membership pages. They validate input; the views call the services."""

from django import forms

from frontdesk.memberships.models import MembershipPlan
from frontdesk.money.models import Service


class PlanForm(forms.Form):
    name = forms.CharField(max_length=120)
    discount_percent = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=2, initial=0, label="Discount (%)"
    )
    included = forms.ModelMultipleChoiceField(
        queryset=Service.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Included services (free on the plan)",
    )
    priority_label = forms.CharField(max_length=60, required=False)
    duration_days = forms.IntegerField(min_value=1, max_value=3650, initial=365)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["included"].queryset = Service.objects.filter(active=True)

    def data_for_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["included_services"] = [
            {"service_id": s.pk, "price": 0} for s in data.pop("included") or []
        ]
        return data


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
