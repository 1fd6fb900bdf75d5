"""What a person pastes into the search box, taken apart: labels dropped, several values split.

People copy a line from a ticket, an e-mail or the app's device settings, not just the value:
"SN: 876MB8D3L5560", "S/N 876MB8D3L5560", "序列号：876MB8D3L5560", "ID: 3435178204277", or two
serial numbers on two lines. `split_identifiers` gives each identifier on its own, without its
label, normalised (`devices.forms.normalise`), in the order given, each once.

How a paste is cut:
- always at line breaks, commas, semicolons and the ideographic comma and semicolons;
- at blanks only when every piece is as long as a whole identifier (10 characters: the shortest
  device id; serial numbers are 12-14, user ids 19-20), because a serial read off a sticker is
  often typed in groups ("876MB 8D3L 5560") and must stay one.
"""

from __future__ import annotations

import re
import unicodedata

# Dashes and minus signs an input method may produce instead of "-" (NFKC keeps them).
DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"), "-")

# Cut here whatever the pieces look like.
SEPARATORS = re.compile(r"[\r\n,;，；、|]+")
# A piece this long is a whole identifier, so blanks between such pieces separate identifiers.
WHOLE_IDENTIFIER = 10
# Labels read in Latin letters need a ":" (or "#", "=") or a blank after them, so that a serial
# that starts with the same letters ("SN8…", "ID4…") keeps them; "S/N" and labels in Chinese can
# be no part of an identifier and go without one.
_LATIN_LABELS = (
    r"serial\s*(?:no\.?|number|#)?|s\.?n\.?|device\s*id|dev\s*id|devid|user\s*id|"
    r"userid|uid|access\s*id|accessid|id|no\.?"
)
LABEL = re.compile(
    rf"^\s*(?:(?:{_LATIN_LABELS})\s*[:#=]\s*|(?:{_LATIN_LABELS})\s+(?=\S)|s\s*/\s*n\s*[:#=]?\s*|"
    r"(?:序列号|序列號|设备序列号|设备\s*id|設備\s*id|设备号|用户\s*id|用戶\s*id|用户|设备)\s*[:#=]?\s*)",
    re.IGNORECASE,
)


def strip_label(text: str) -> str:
    """The value without a label pasted in front of it ("SN: 876…" -> "876…")."""
    text = unicodedata.normalize("NFKC", text or "")
    # A label may be repeated by a copy of a copy ("SN: S/N 876…").
    for _ in range(3):
        stripped = LABEL.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text


def split_identifiers(raw: str) -> list[str]:
    """Every identifier in a paste, normalised and without labels, each once, in order."""
    text = unicodedata.normalize("NFKC", raw or "")
    found: list[str] = []
    for chunk in SEPARATORS.split(text):
        for piece in _blank_separated(strip_label(chunk)):
            value = normalise(strip_label(piece))
            if value and value not in found:
                found.append(value)
    return found


def _blank_separated(chunk: str) -> list[str]:
    pieces = chunk.split()
    if len(pieces) > 1 and all(len(strip_label(p).strip()) >= WHOLE_IDENTIFIER for p in pieces):
        return pieces
    return [chunk]


def normalise(text: str) -> str:
    """Full-width to ASCII (NFKC), digits of any script to 0-9, dashes to "-", and no spaces or
    invisible characters. What comes out is what the vendor is sent and the audit log keeps."""
    text = unicodedata.normalize("NFKC", text or "").translate(DASHES)
    text = "".join(
        _ascii_digit(ch) for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf"
    )
    # Dropping a space can bring a letter and a combining mark together: compose them too.
    return unicodedata.normalize("NFKC", text)


def _ascii_digit(char: str) -> str:
    """٣ or ९ (Arabic-Indic, Devanagari… digits) as 3 or 9; anything else unchanged."""
    if char.isdecimal() and not char.isascii():
        return str(unicodedata.decimal(char))
    return char
