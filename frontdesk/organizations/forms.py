import zoneinfo

from django import forms

from frontdesk.organizations.choices import Role


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=200)
    time_zone = forms.ChoiceField(choices=[(z, z) for z in sorted(zoneinfo.available_timezones())])
    currency = forms.CharField(max_length=3, min_length=3)
    country = forms.CharField(max_length=2, min_length=2, help_text="default region for phones")
    locale = forms.CharField(max_length=16)
    uses_vehicles = forms.BooleanField(required=False, label="We work on vehicles")


class StaffAddForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.ADVISOR)
    is_advisor = forms.BooleanField(required=False, label="Bookable advisor")


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_assistant = forms.BooleanField(
        required=False, label="AI-assistant token (read, log, draft only)"
    )
