"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with keys from
``settings.FRONTDESK_ENCRYPTION_KEYS``, independent of ``SECRET_KEY``.

The first key encrypts; every key decrypts (``MultiFernet``), so a key is rotated by
putting a new one in front and, once every row was re-encrypted (:func:`reencrypt`),
dropping the old one. :class:`EncryptedTextField` stores a value encrypted and hands it
back in clear; it cannot be filtered on (each encryption differs).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

__all__ = ["EncryptedTextField", "decrypt", "encrypt", "reencrypt", "InvalidToken"]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FRONTDESK_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FRONTDESK_ENCRYPTION_KEYS: each key is 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        ) from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FRONTDESK_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _current().decrypt(token.encode()).decode()


def reencrypt(token: str) -> str:
    """``token`` encrypted again with the newest key (for key rotation)."""
    return _current().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored encrypted. Empty strings stay empty (nothing to hide, and ``blank``
    keeps meaning "not set")."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
