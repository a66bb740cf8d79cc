"""The organization's messaging settings (``Organization.settings["messaging"]``) and
the deployment's channel configuration (Django settings / environment).

Organization settings, changed with ``PUT /settings/messaging``:

* ``auto_send``: per origin (automation, campaign, assistant, system), whether its
  messages skip the approval queue. All off by default (SPEC rule 4).
* ``quiet_hours``: per channel, ``{"start": "21:00", "end": "08:00"}`` on the recipient's
  wall clock (their ``time_zone``, else the organization's); ``null`` for none. SMS
  defaults to 21:00–08:00, email to none.
* ``frequency_cap``: at most ``max_messages`` marketing messages per customer in
  ``days`` days (``max_messages: 0`` turns the cap off).
* ``notification_digest``: a daily email (07:00 local) to each member with unread
  notifications of the last day.
* sender identities (``email_from_name``, ``email_from_address``, ``email_reply_to``,
  ``sms_from``) and the SMS keyword answers (``sms_help_text``, ``sms_stop_text``,
  ``sms_start_text``).
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings

from frontdesk.messaging.choices import Channel, Origin

APPROVAL_ORIGINS = (Origin.AUTOMATION, Origin.CAMPAIGN, Origin.ASSISTANT, Origin.SYSTEM)

DEFAULTS: dict[str, Any] = {
    "auto_send": {origin.value: False for origin in APPROVAL_ORIGINS},
    "quiet_hours": {"sms": {"start": "21:00", "end": "08:00"}, "email": None},
    "frequency_cap": {"max_messages": 3, "days": 7},
    "email_from_name": "",
    "email_from_address": "",
    "email_reply_to": "",
    "sms_from": "",
    "sms_help_text": "",
    "sms_stop_text": "",
    "sms_start_text": "",
    "notification_digest": False,
}


def messaging_settings(org) -> dict[str, Any]:
    """The organization's messaging settings, defaults filled in."""
    stored = (org.settings or {}).get("messaging") or {}
    merged = copy.deepcopy(DEFAULTS)
    for key, value in stored.items():
        if key in ("auto_send", "quiet_hours", "frequency_cap") and isinstance(value, dict):
            merged[key].update(value)
        elif key in merged:
            merged[key] = value
    return merged


def _hhmm(value: str) -> dt.time:
    hour, minute = (int(x) for x in value.split(":"))
    return dt.time(hour, minute)


@dataclass(frozen=True)
class QuietHours:
    start: dt.time
    end: dt.time

    def contains(self, wall: dt.time) -> bool:
        if self.start <= self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end  # across midnight


def quiet_hours_for(config: dict[str, Any], channel: str) -> QuietHours | None:
    value = (config.get("quiet_hours") or {}).get(channel)
    if not value:
        return None
    return QuietHours(_hhmm(value["start"]), _hhmm(value["end"]))


def sms_help_text(org, config: dict[str, Any]) -> str:
    return config["sms_help_text"] or (
        f"{org.name}: for help, reply to this message or call us. Reply STOP to opt out."
    )


def sms_stop_text(org, config: dict[str, Any]) -> str:
    return config["sms_stop_text"] or (
        f"{org.name}: you are unsubscribed and will get no more messages. Reply START to"
        " opt back in."
    )


def sms_start_text(org, config: dict[str, Any]) -> str:
    return config["sms_start_text"] or (
        f"{org.name}: you are subscribed again. Reply STOP to opt out, HELP for help."
    )


def email_sender(org, config: dict[str, Any]) -> str:
    """``"Name <address>"`` for the From header."""
    default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    address = config["email_from_address"] or default_address
    name = config["email_from_name"] or org.name or default_name
    return formataddr((name, address))


# --- the deployment's channels ------------------------------------------------------------
def email_transport() -> str:
    """``smtp`` (Django's configured mail backend, SMTP in production) or ``outbox``."""
    return settings.MESSAGING_EMAIL_TRANSPORT


def sms_transport() -> str:
    """``sms_api`` when an SMS provider is configured, else ``outbox``."""
    return "sms_api" if settings.SMS_ACCOUNT_SID and settings.SMS_AUTH_TOKEN else "outbox"


def transport_for(channel: str) -> str:
    return email_transport() if channel == Channel.EMAIL else sms_transport()


def sms_from(config: dict[str, Any]) -> str:
    return config["sms_from"] or settings.SMS_FROM_NUMBER
