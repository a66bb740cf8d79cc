"""Forms of the pipeline pages. They check what was typed; the services decide the rest."""

from __future__ import annotations

from django import forms

from frontdesk.pipeline.choices import (
    DisqualificationReason,
    FollowUpStatus,
    InteractionType,
    LeadSource,
    LostReason,
    Outcome,
)


class MoneyField(forms.DecimalField):
    """An amount typed in major units (``450.00``) → minor units (45000)."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_digits=13, decimal_places=2, **kwargs)

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


class LeadForm(forms.Form):
    title = forms.CharField(max_length=200)
    source = forms.ChoiceField(choices=LeadSource.choices)
    name = forms.CharField(label="Contact name", max_length=200, required=False)
    phone = forms.CharField(label="Contact phone", max_length=40, required=False)
    email = forms.CharField(label="Contact email", max_length=254, required=False)
    estimated_value = MoneyField(label="Estimated value", required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("name") or data.get("phone") or data.get("email")):
            raise forms.ValidationError("Give the contact's name, phone or email.")
        return data


class MoveForm(forms.Form):
    stage = forms.CharField(max_length=60)


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "—"), *DisqualificationReason.choices])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class LoseForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "—"), *LostReason.choices])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    reengage_in_days = forms.IntegerField(
        label="Remind me to re-engage in (days)", min_value=1, max_value=730, required=False
    )


class InteractionForm(forms.Form):
    """ "Log a call" (and any other touchpoint) with an optional follow-up date."""

    type = forms.ChoiceField(choices=InteractionType.choices, initial=InteractionType.PHONE_CALL)
    direction = forms.ChoiceField(
        choices=[("", "—"), ("inbound", "Inbound"), ("outbound", "Outbound")], required=False
    )
    outcome = forms.ChoiceField(choices=Outcome.choices, initial=Outcome.SPOKE)
    duration_min = forms.IntegerField(
        label="Duration (minutes)", min_value=0, max_value=600, required=False
    )
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    follow_up_date = forms.DateField(
        label="Follow up on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class FollowUpForm(forms.Form):
    follow_up_status = forms.ChoiceField(choices=FollowUpStatus.choices)


class StagesForm(forms.Form):
    """One text area, a stage per line: ``key: Name`` in order."""

    stages = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))

    def clean_stages(self):
        rows = []
        for line in self.cleaned_data["stages"].splitlines():
            if not line.strip():
                continue
            key, _, name = line.partition(":")
            rows.append({"key": key.strip(), "name": name.strip() or key.strip()})
        if not rows:
            raise forms.ValidationError("Give at least one stage.")
        return rows
