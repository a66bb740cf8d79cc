"""Forms of the messaging pages. They validate input; services write."""

from __future__ import annotations

from django import forms

from frontdesk.messaging.choices import Category, Channel


class ComposeForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    template = forms.ChoiceField(required=False, label="Template")
    category = forms.ChoiceField(
        choices=Category.choices,
        initial=Category.TRANSACTIONAL,
        help_text="Marketing needs the customer's opt-in and counts against the frequency cap.",
    )
    subject = forms.CharField(max_length=200, required=False, help_text="Email only.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=100_000,
        help_text="Placeholders: {{ first_name }}, {{ last_name }}, {{ display_name }}, "
        "{{ organization_name }}. Leave empty to use the template.",
    )

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "— none —")] + [
            (str(t.pk), f"{t.name} ({t.get_channel_display()})") for t in templates
        ]


class EditForm(forms.Form):
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000)


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=500)


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=100)
    channel = forms.ChoiceField(choices=Channel.choices)
    category = forms.ChoiceField(choices=Category.choices, initial=Category.TRANSACTIONAL)
    subject = forms.CharField(max_length=200, required=False, help_text="Email only.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)
    is_active = forms.BooleanField(required=False, initial=True, label="In use")


def _hhmm(**kwargs) -> forms.CharField:
    return forms.CharField(
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "HH:MM"}),
        **kwargs,
    )


class SettingsForm(forms.Form):
    auto_send_automation = forms.BooleanField(required=False, label="Automation messages")
    auto_send_campaign = forms.BooleanField(required=False, label="Campaign messages")
    auto_send_assistant = forms.BooleanField(required=False, label="AI-assistant drafts")
    auto_send_system = forms.BooleanField(required=False, label="System messages")
    sms_quiet_start = _hhmm(label="SMS quiet hours from", help_text="empty: none")
    sms_quiet_end = _hhmm(label="SMS quiet hours until")
    email_quiet_start = _hhmm(label="Email quiet hours from", help_text="empty: none")
    email_quiet_end = _hhmm(label="Email quiet hours until")
    cap_max_messages = forms.IntegerField(
        min_value=0, max_value=100, label="Marketing messages per customer", help_text="0: no cap"
    )
    cap_days = forms.IntegerField(min_value=1, max_value=365, label="in this many days")
    email_from_name = forms.CharField(max_length=100, required=False)
    email_from_address = forms.CharField(max_length=254, required=False)
    email_reply_to = forms.CharField(max_length=254, required=False)
    sms_from = forms.CharField(max_length=20, required=False, help_text="E.164, e.g. +15125550100")
    sms_help_text = forms.CharField(max_length=320, required=False, label="Answer to HELP")
    sms_stop_text = forms.CharField(max_length=320, required=False, label="Answer to STOP")
    sms_start_text = forms.CharField(max_length=320, required=False, label="Answer to START")
    notification_digest = forms.BooleanField(
        required=False, label="Email staff a daily digest of their unread notifications"
    )

    @classmethod
    def initial_from(cls, config: dict) -> dict:
        sms = config["quiet_hours"].get("sms") or {}
        email = config["quiet_hours"].get("email") or {}
        initial = {f"auto_send_{k}": v for k, v in config["auto_send"].items()}
        initial.update(
            sms_quiet_start=sms.get("start", ""),
            sms_quiet_end=sms.get("end", ""),
            email_quiet_start=email.get("start", ""),
            email_quiet_end=email.get("end", ""),
            cap_max_messages=config["frequency_cap"]["max_messages"],
            cap_days=config["frequency_cap"]["days"],
        )
        for name in (
            "email_from_name", "email_from_address", "email_reply_to", "sms_from",
            "sms_help_text", "sms_stop_text", "sms_start_text", "notification_digest",
        ):  # fmt: skip
            initial[name] = config[name]
        return initial

    def settings_data(self) -> dict:
        d = self.cleaned_data

        def quiet(prefix: str):
            start, end = d[f"{prefix}_quiet_start"], d[f"{prefix}_quiet_end"]
            return {"start": start, "end": end} if start or end else None

        data = {
            "auto_send": {
                k: d[f"auto_send_{k}"] for k in ("automation", "campaign", "assistant", "system")
            },
            "quiet_hours": {"sms": quiet("sms"), "email": quiet("email")},
            "frequency_cap": {"max_messages": d["cap_max_messages"], "days": d["cap_days"]},
        }
        for name in (
            "email_from_name", "email_from_address", "email_reply_to", "sms_from",
            "sms_help_text", "sms_stop_text", "sms_start_text", "notification_digest",
        ):  # fmt: skip
            data[name] = d[name]
        return data
