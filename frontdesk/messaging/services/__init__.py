"""Writes of the messaging domain. Import services from here:
``from frontdesk.messaging.services import message_create``."""

from frontdesk.messaging.services.inbound import (
    early_statuses_apply,
    keyword_of,
    sms_inbound_receive,
    sms_status_apply,
    unsubscribe_apply,
)
from frontdesk.messaging.services.messages import (
    message_approve,
    message_bulk_approve,
    message_create,
    message_reject,
    message_update,
    send_job_queue,
)
from frontdesk.messaging.services.notifications import (
    members_with,
    notification_create,
    notification_read,
    notification_read_all,
)
from frontdesk.messaging.services.sending import (
    message_send,
    messages_due,
    messages_send_many,
    suppress,
)
from frontdesk.messaging.services.templates import (
    messaging_settings_update,
    template_create,
    template_preview,
    template_update,
)

__all__ = [
    "early_statuses_apply",
    "keyword_of",
    "members_with",
    "message_approve",
    "message_bulk_approve",
    "message_create",
    "message_reject",
    "message_send",
    "message_update",
    "messages_due",
    "messages_send_many",
    "messaging_settings_update",
    "notification_create",
    "notification_read",
    "notification_read_all",
    "send_job_queue",
    "sms_inbound_receive",
    "sms_status_apply",
    "suppress",
    "template_create",
    "template_preview",
    "template_update",
    "unsubscribe_apply",
]
