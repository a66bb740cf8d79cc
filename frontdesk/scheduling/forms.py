"""Forms of the calendar, appointment, job and declined-work pages. They validate what
was typed; the services decide everything else (times, conflicts, states)."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.forms.fields import BaseTemporalField

from frontdesk.scheduling.choices import BayKind, FollowUpStatus, JobLineKind, Urgency

OFFSET_RE = re.compile(r"^[+-]\d{2}:\d{2}$")


def with_offset(naive: dt.datetime, offset: str, zone) -> dt.datetime:
    """The wall-clock ``naive`` with the UTC ``offset`` a slot link carried, if that
    offset is the zone's at that wall time (it tells the two 01:30s of a fall-back day
    apart); otherwise ``naive`` as typed (the services read it on the wall clock)."""
    if not offset or not OFFSET_RE.match(offset):
        return naive
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    tz = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(zone).replace(tzinfo=None) == naive:
        return aware
    return naive


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class WallClockField(forms.DateTimeField):
    """A datetime as typed, on the organization's wall clock, left naive: the services
    apply the time rules (a skipped or repeated time is their 422, not a form error)."""

    widget = LocalDateTimeInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        return BaseTemporalField.to_python(self, value.strip())

    def prepare_value(self, value):
        return value


class AppointmentTimeFields(forms.Form):
    starts_at = WallClockField(label="Starts", input_formats=["%Y-%m-%dT%H:%M"])
    offset = forms.CharField(required=False, widget=forms.HiddenInput())
    duration_min = forms.IntegerField(label="Duration (minutes)", min_value=5, max_value=1440)
    bay = forms.ChoiceField(label="Bay", required=False)
    advisor = forms.ChoiceField(label="Advisor", required=False)

    def __init__(self, *args, bays=(), advisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bay"].choices = [("", "— none —"), *[(str(b.pk), b.name) for b in bays]]
        self.fields["advisor"].choices = [("", "— none —"), *advisors]


class BookingForm(AppointmentTimeFields):
    customer = forms.ChoiceField(label="Customer")
    vehicle = forms.ChoiceField(label="Vehicle", required=False)
    services = forms.CharField(
        label="Requested services", required=False, max_length=1000,
        help_text="Separate several with commas.",
    )  # fmt: skip
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label="Confirmed with the customer", required=False, initial=True)
    recommendation = forms.CharField(required=False, widget=forms.HiddenInput())

    field_order = [
        "customer",
        "vehicle",
        "starts_at",
        "duration_min",
        "bay",
        "advisor",
        "services",
        "notes",
        "confirm",
    ]

    def __init__(self, *args, customers=(), vehicles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "— choose —"), *customers]
        self.fields["vehicle"].choices = [("", "— none —"), *vehicles]


class RescheduleForm(AppointmentTimeFields):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, max_length=200)


class JobLineForm(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=JobLineKind.choices)
    description = forms.CharField(label="Description", max_length=300)
    quantity = forms.DecimalField(
        label="Quantity", min_value=0.01, max_digits=9, decimal_places=2, initial=1
    )
    unit_price = forms.DecimalField(
        label="Unit price", min_value=0, max_digits=14, decimal_places=2, initial=0
    )


class RecommendationForm(forms.Form):
    description = forms.CharField(label="Recommended work", max_length=300)
    estimated_price = forms.DecimalField(
        label="Estimated price", min_value=0, max_digits=14, decimal_places=2, initial=0
    )
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, initial=Urgency.MEDIUM)


class FollowUpForm(forms.Form):
    follow_up_status = forms.ChoiceField(label="Follow-up", choices=FollowUpStatus.choices)
    due_date = forms.DateField(
        label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class BayForm(forms.Form):
    name = forms.CharField(label="Name", max_length=80)
    kind = forms.ChoiceField(label="Kind", choices=BayKind.choices)


class ClosureForm(forms.Form):
    start_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label="To (inclusive)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label="Reason", max_length=200)


class SettingsForm(forms.Form):
    slot_minutes = forms.IntegerField(label="Slot grid (minutes)", min_value=5, max_value=240)
    buffer_minutes = forms.IntegerField(
        label="Buffer between appointments (minutes)", min_value=0, max_value=240
    )
    default_duration_minutes = forms.IntegerField(
        label="Default duration (minutes)", min_value=5, max_value=1440
    )
    reminder_lead_hours = forms.IntegerField(
        label="Reminder before the appointment (hours)", min_value=1, max_value=336
    )
    declined_follow_up_days = forms.IntegerField(
        label="Follow up declined work after (days)", min_value=1, max_value=3650
    )
    online_min_notice_minutes = forms.IntegerField(
        label="Online booking: minimum notice (minutes)", min_value=0, max_value=20160
    )
    online_max_days_ahead = forms.IntegerField(
        label="Online booking: at most days ahead", min_value=1, max_value=730
    )
