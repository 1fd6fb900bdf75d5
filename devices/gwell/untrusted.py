"""What the vendor sends is untrusted: secrets it echoes are redacted and format characters
dropped as soon as an answer is decoded, before anything parses, caches, logs or shows it."""

import unicodedata
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from .results import loads

REDACTED = "[redacted]"


def redact(value: Any, secrets: Collection[str]) -> Any:
    """A decoded answer with every secret in it, in keys and values, replaced by REDACTED.

    `value` must come from `loads`, which bounds its depth.
    """
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return value

    def text(string: str) -> str:
        for secret in secrets:
            string = string.replace(secret, REDACTED)
        # A block sent as a string of JSON can spell a secret with \u escapes.
        if "\\" in string and string.lstrip()[:1] in ("{", "["):
            try:
                inner = loads(string)
            except ValueError:
                return string
            if walk(inner) != inner:
                return REDACTED
        return string

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return text(item)
        if isinstance(item, dict):
            return {text(key): walk(child) for key, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, int | Decimal) and not isinstance(item, bool):
            shown = str(item)
            if any(secret in shown for secret in secrets):
                return REDACTED
        return item

    return walk(value)


def without_format_characters(value: Any) -> Any:
    """A decoded answer whose strings carry no format characters (category Cf: bidi overrides
    such as U+202E, zero-width spaces), which could make a vendor string read otherwise on a
    page. `value` must come from `loads`, which bounds its depth."""
    if isinstance(value, str):
        if value.isascii():
            return value
        return "".join(char for char in value if unicodedata.category(char) != "Cf")
    if isinstance(value, dict):
        return {
            without_format_characters(key): without_format_characters(child)
            for key, child in value.items()
        }
    if isinstance(value, list):
        return [without_format_characters(child) for child in value]
    return value
