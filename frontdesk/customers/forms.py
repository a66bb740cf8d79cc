"""Forms of the customer pages. They check shape (lengths, choices); the services do the
rules (phone and email normalization, duplicates, VINs) and their errors are put back
on the fields they name (``phones[1].number`` → the second filled phone row)."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from frontdesk.customers.choices import (
    AddressKind,
    Channel,
    CustomerStatus,
    CustomerType,
    EmailKind,
    LifecycleStage,
    PhoneKind,
    Segment,
    Source,
    VehicleRelationship,
)

MAX_ROWS = 10
ROW_KINDS = ("phones", "emails", "addresses")


def _blank(choices) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Name, phone, email, C-number, plate or VIN",
                "autocomplete": "off",
            }
        ),
    )
    segment = forms.ChoiceField(label="Segment", required=False, choices=_blank(Segment.choices))
    tag = forms.CharField(label="Tag", required=False, max_length=40)
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Not archived"), *CustomerStatus.choices, ("all", "All")],
    )
    lifecycle_stage = forms.ChoiceField(
        label="Lifecycle", required=False, choices=_blank(LifecycleStage.choices)
    )

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {k: data[k] for k in ("segment", "tag", "status", "lifecycle_stage") if data.get(k)}


class CustomerForm(forms.Form):
    type = forms.ChoiceField(choices=CustomerType.choices, initial="individual")
    first_name = forms.CharField(label="First name", required=False, max_length=100)
    last_name = forms.CharField(label="Last name", required=False, max_length=100)
    display_name = forms.CharField(
        label="Display name",
        required=False,
        max_length=200,
        help_text="Leave empty to make it from the names.",
    )
    company_id = forms.ChoiceField(label="Company", required=False)
    source = forms.ChoiceField(choices=Source.choices, initial="other")
    lifecycle_stage = forms.ChoiceField(
        label="Lifecycle stage", choices=LifecycleStage.choices, initial="prospect"
    )
    preferred_channel = forms.ChoiceField(
        label="Preferred channel", required=False, choices=_blank(Channel.choices)
    )
    opt_in_email = forms.BooleanField(label="Agrees to email", required=False)
    opt_in_sms = forms.BooleanField(label="Agrees to text messages", required=False)
    opt_in_mail = forms.BooleanField(label="Agrees to mail", required=False)
    do_not_contact = forms.BooleanField(label="Do not contact", required=False)
    tags = forms.CharField(
        required=False, max_length=2000, help_text="Separated by commas, e.g. vip, fleet."
    )

    def __init__(self, *args, companies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company_id"].choices = [("", "—")] + [(str(c.pk), c.name) for c in companies]

    IDENTITY = ("type", "first_name", "last_name", "display_name", "company_id")
    PROFILE = ("source", "lifecycle_stage", "preferred_channel", "tags")
    CONSENT = ("opt_in_email", "opt_in_sms", "opt_in_mail", "do_not_contact")

    def section(self, names):
        return [self[name] for name in names]

    def identity_fields(self):
        return self.section(self.IDENTITY)

    def profile_fields(self):
        return self.section(self.PROFILE)

    def consent_fields(self):
        return self.section(self.CONSENT)

    def data_for_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {k: d[k] for k in ("type", "first_name", "last_name", "display_name")}
        data.update({k: d[k] for k in ("source", "lifecycle_stage", "preferred_channel")})
        data["company_id"] = d["company_id"] or None
        data["communication"] = {k: d[k] for k in self.CONSENT}
        data["tags"] = [t.strip() for t in d["tags"].split(",") if t.strip()]
        return data


class PhoneRow(forms.Form):
    number = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label="Kind", choices=PhoneKind.choices, initial="mobile")
    consent_to_call = forms.BooleanField(label="Consents to calls", required=False)

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("number") or "").strip()

    def value(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("number", "kind", "consent_to_call")}


class EmailRow(forms.Form):
    address = forms.CharField(
        label="Email",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label="Kind", choices=EmailKind.choices, initial="personal")

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("address") or "").strip()

    def value(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("address", "kind")}


class AddressRow(forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=AddressKind.choices, initial="home")
    street = forms.CharField(label="Street", required=False, max_length=200)
    city = forms.CharField(label="City", required=False, max_length=100)
    state = forms.CharField(label="State", required=False, max_length=100)
    postal_code = forms.CharField(label="Postal code", required=False, max_length=20)
    country = forms.CharField(label="Country", required=False, max_length=2)

    TEXT = ("street", "city", "state", "postal_code", "country")

    def is_blank(self) -> bool:
        return not any((self.cleaned_data.get(k) or "").strip() for k in self.TEXT)

    def value(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("kind", *self.TEXT)}


ROW_FORMS: dict[str, type[forms.Form]] = {
    "phones": PhoneRow,
    "emails": EmailRow,
    "addresses": AddressRow,
}


def row_indexes(data, kind: str) -> list[int]:
    """The row numbers present in POST ``data`` for ``kind`` (``phones-3-number`` → 3)."""
    pattern = re.compile(rf"^{kind}-(\d+)-")
    found = {int(m.group(1)) for key in data for m in [pattern.match(key)] if m}
    return sorted(i for i in found if i < MAX_ROWS * 3)[:MAX_ROWS]


def bound_rows(data, kind: str) -> list[forms.Form]:
    return [ROW_FORMS[kind](data, prefix=f"{kind}-{i}") for i in row_indexes(data, kind)]


def initial_rows(kind: str, initials: list[dict[str, Any]], *, blank: int = 1) -> list[forms.Form]:
    rows = [ROW_FORMS[kind](initial=v, prefix=f"{kind}-{i}") for i, v in enumerate(initials)]
    for _ in range(blank if len(rows) < MAX_ROWS else 0):
        rows.append(ROW_FORMS[kind](prefix=f"{kind}-{len(rows)}"))
    return rows


def empty_row(kind: str, index: int) -> forms.Form:
    return ROW_FORMS[kind](prefix=f"{kind}-{index}")


class NoteForm(forms.Form):
    body = forms.CharField(
        label="New note", max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TagForm(forms.Form):
    tag = forms.CharField(label="Add a tag", max_length=40)


class VehicleLinkForm(forms.Form):
    vin = forms.CharField(
        label="VIN", required=False, max_length=40, help_text="17 characters; may be left empty."
    )
    year = forms.IntegerField(label="Year", required=False, min_value=1886, max_value=2100)
    make = forms.CharField(label="Make", required=False, max_length=50)
    model = forms.CharField(label="Model", required=False, max_length=50)
    plate = forms.CharField(label="Plate", required=False, max_length=16)
    color = forms.CharField(label="Color", required=False, max_length=30)
    mileage = forms.IntegerField(label="Mileage", required=False, min_value=0)
    relationship = forms.ChoiceField(
        label="Relationship", choices=VehicleRelationship.choices, initial="owner"
    )
    primary_driver = forms.BooleanField(label="Primary driver", required=False)

    VEHICLE = ("vin", "year", "make", "model", "plate", "color", "mileage")

    def clean(self):
        data = super().clean()
        if not any(data.get(k) for k in ("vin", "plate", "make", "model")):
            raise forms.ValidationError("Give at least a VIN, a plate, or a make and model.")
        return data

    def vehicle(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.VEHICLE if self.cleaned_data[k] is not None}

    def link(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in ("relationship", "primary_driver")}


class CompanyFilterForm(forms.Form):
    q = forms.CharField(label="Name starts with", required=False, max_length=200)
