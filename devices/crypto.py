"""Encryption at rest for vendor secrets (appToken, appKey).

`CREDENTIALS_KEY` holds one or more Fernet keys separated by commas. The first encrypts; all of
them decrypt, so a key can be rotated: put the new key first, run `rotate_credentials_key`, then
drop the old one.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

BAD_KEY = (
    "CREDENTIALS_KEY must be one or more Fernet keys (urlsafe base64 of 32 bytes), separated by "
    "commas. Generate one with: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())'"
)
UNDECRYPTABLE = (
    "A stored vendor secret cannot be decrypted with CREDENTIALS_KEY: the key changed without "
    "`rotate_credentials_key`. Enter the secret again in admin."
)


class SecretUnavailable(Exception):
    pass


@cache
def _fernet(keys: str) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.strip()) for k in keys.split(",") if k.strip()])
    except (ValueError, TypeError):
        raise ImproperlyConfigured(BAD_KEY) from None


def fernet() -> MultiFernet:
    return _fernet(settings.CREDENTIALS_KEY)


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnavailable(UNDECRYPTABLE) from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the first (newest) key."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretUnavailable(UNDECRYPTABLE) from None


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the plain value.

    An empty value is stored as an empty string, so "no secret" stays distinguishable.
    """

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
