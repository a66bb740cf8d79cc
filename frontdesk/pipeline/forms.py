"""Forms of the pipeline pages. They check what was typed; the services decide the rest."""

from __future__ import annotations

from django import forms

from frontdesk.pipeline.choices import (
    DisqualificationReason,
    DraftKind,
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


class StageRowForm(forms.Form):
    """One row of the stages page: an existing stage (its key fixed, renamed, moved or
    retired) or a new one (key and name typed in a blank row)."""

    existing = forms.BooleanField(required=False, widget=forms.HiddenInput)
    position = forms.IntegerField(min_value=1, max_value=99, label="Position")
    key = forms.RegexField(
        regex=r"^[a-z][a-z0-9_]{0,39}$",
        required=False,
        max_length=40,
        label="Key",
        error_messages={"invalid": "Lower-case letters, digits and _, starting with a letter."},
    )
    name = forms.CharField(max_length=80, required=False, label="Name")
    draft_kind = forms.ChoiceField(choices=DraftKind.choices, label="Follow-up draft")
    retire = forms.BooleanField(required=False, label="Retire")

    def clean(self):
        data = super().clean()
        if data.get("retire") or not (data.get("existing") or data.get("key") or data.get("name")):
            return data  # retired, or a blank row left blank
        if not data.get("key") and "key" not in self.errors:
            self.add_error("key", "Give the new stage a key.")
        if not (data.get("name") or "").strip():
            self.add_error("name", "Give the stage a name.")
        return data

    @property
    def stage(self) -> dict | None:
        """``{key, name, draft_kind}`` when this row is a stage to keep or add."""
        data = getattr(self, "cleaned_data", {})
        if data.get("retire") or not data.get("key") or not data.get("name"):
            return None
        return {"key": data["key"], "name": data["name"].strip(), "draft_kind": data["draft_kind"]}


class BaseStagesFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        # an untouched blank row is not validated and has no cleaned data
        rows = [(f.cleaned_data.get("position", 99), i, f.stage) for i, f in enumerate(self.forms)]
        self.stages = [stage for _, _, stage in sorted(rows, key=lambda r: r[:2]) if stage]
        keys = [stage["key"] for stage in self.stages]
        if not self.stages:
            raise forms.ValidationError("Keep at least one stage.")
        if len(set(keys)) != len(keys):
            twice = sorted({k for k in keys if keys.count(k) > 1})
            raise forms.ValidationError(f"Each key once: {', '.join(twice)} appears twice.")


StagesFormSet = forms.formset_factory(StageRowForm, formset=BaseStagesFormSet, extra=2)
