"""Forms of the webhook settings pages: they validate input; services write."""

from django import forms

from frontdesk.integrations.webhooks.events import event_catalog


def event_choices() -> list[tuple[str, str]]:
    catalog = event_catalog()
    families = sorted({name.split(".", 1)[0] for name in catalog})
    return [
        ("*", "All events (*), including future ones"),
        *[(f"{family}.*", f"Every {family} event") for family in families],
        *[(name, name) for name in catalog],
    ]


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.example.com/frontdesk"}),
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "fd-checklist"}),
        error_messages={"required": "Choose at least one event type."},
    )
    active = forms.BooleanField(required=False, initial=True, label="Active: send deliveries")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = event_choices()


class RotateForm(forms.Form):
    grace_hours = forms.IntegerField(
        min_value=0, max_value=168, initial=24, label="Old secret still signs for (hours)"
    )
