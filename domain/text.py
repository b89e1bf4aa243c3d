"""Clean text: what a field may hold, one rule for every command.

Text is NFC-normalised. A single-line field (a title, an owner, a reference) refuses control
characters, bidirectional controls and zero-width characters, which can hide or reorder what a
reader sees (and break the calendar feed and the exports). A multi-line field (a description, a
note, a reason) keeps tab and newline only: CR and CRLF become newline; any other control
character, and any bidirectional control, is refused.
"""

from __future__ import annotations

import unicodedata

from domain.errors import InvalidField

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
_MULTI_LINE_KEEPS = frozenset("\t\n")


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def _what(char: str) -> str:
    name = unicodedata.name(char, "")
    if _is_control(char):
        kind = "a control character"
    elif char in _BIDI:
        kind = "a bidirectional control"
    else:
        kind = "a zero-width character"
    return f"{kind} (U+{ord(char):04X}{' ' + name if name else ''})"


def single_line(value: str, field: str) -> str:
    """The text NFC-normalised; InvalidField naming `field` for a character it may not hold."""
    if value.isascii() and value.isprintable():  # most text, already clean: no scan needed
        return value
    text = unicodedata.normalize("NFC", value)
    for char in text:
        if _is_control(char) or char in _BIDI or char in _ZERO_WIDTH:
            raise InvalidField(field, f"one line of text: it may not contain {_what(char)}")
    return text


def multi_line(value: str, field: str) -> str:
    """The text NFC-normalised with CR and CRLF as newline; InvalidField naming `field` for a
    control character other than tab and newline, or a bidirectional control."""
    if value.isascii() and value.replace("\n", " ").replace("\t", " ").isprintable():
        return value
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    for char in text:
        if (_is_control(char) and char not in _MULTI_LINE_KEEPS) or char in _BIDI:
            raise InvalidField(field, f"it may not contain {_what(char)}")
    return text
