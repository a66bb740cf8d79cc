"""Email through Django's mail backend (SMTP in production, ``EMAIL_URL``).

Every message carries a ``Message-ID`` derived from its idempotency key (one per
approval), so a receiving server or client can recognise a copy. Marketing messages
carry ``List-Unsubscribe`` (mailto and https) and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058), the https one answered by the public one-click
endpoint.
"""

from __future__ import annotations

import smtplib
from email.utils import parseaddr

from django.core.mail import BadHeaderError, EmailMessage, get_connection

from frontdesk.messaging.channels.base import Handoff, PermanentError, RetryableError
from frontdesk.messaging.choices import Category, Transport
from frontdesk.messaging.config import email_sender
from frontdesk.messaging.models import Message
from frontdesk.messaging.unsubscribe import unsubscribe_mailto, unsubscribe_url


def _domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def build_email(message: Message, *, org, config) -> EmailMessage:
    sender = email_sender(org, config)
    headers = {"Message-ID": f"<{message.idempotency_key.replace(':', '.')}@{_domain(sender)}>"}
    if message.category == Category.MARKETING:
        mailto = unsubscribe_mailto(message, sender=sender)
        headers["List-Unsubscribe"] = f"<{mailto}>, <{unsubscribe_url(message, org=org)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    reply_to = [config["email_reply_to"]] if config.get("email_reply_to") else None
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=sender,
        to=[message.to],
        reply_to=reply_to,
        headers=headers,
    )


def send_email(message: Message, *, org, config) -> Handoff:
    email = build_email(message, org=org, config=config)
    try:
        connection = get_connection(fail_silently=False)
        connection.send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (550, b""))
        detail = f"The mail server refused the address: {code} {_text(reply)}"
        if 400 <= code < 500:
            raise RetryableError(detail)
        raise PermanentError(detail, suppress="bounced")
    except smtplib.SMTPResponseException as exc:
        detail = f"The mail server answered {exc.smtp_code} {_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            raise RetryableError(detail)
        raise PermanentError(detail)
    except (BadHeaderError, ValueError) as exc:
        raise PermanentError(f"The message cannot be sent: {exc}")
    except (smtplib.SMTPException, OSError) as exc:
        raise RetryableError(f"Cannot reach the mail server: {type(exc).__name__}: {exc}")
    return Handoff(
        transport=Transport.SMTP, provider_id=email.extra_headers["Message-ID"].strip("<>")
    )


def _text(reply) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
