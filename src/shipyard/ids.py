"""Time-sortable, prefixed identifiers (ULID layout: 48-bit ms time + 80 random bits)."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """Return e.g. ``run_01jd3k...``: sortable by creation time, unique across processes."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_encode(millis, 10)}{_encode(secrets.randbits(80), 16)}"


MAX_VERSION = 2**31 - 1


def parse_version(raw: str | int) -> int | str:
    """A version reference: a positive number or ``"latest"`` (anything else is InvalidInput)."""
    from shipyard.errors import InvalidInput

    text = str(raw)
    if text == "latest":
        return text
    if not text.isdigit() or not 0 < int(text) <= MAX_VERSION:
        raise InvalidInput(f"version must be a number from 1 to {MAX_VERSION} or 'latest', got {text!r}")
    return int(text)
