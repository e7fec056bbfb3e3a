"""Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "sy_"


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    # A fast hash is right here: tokens carry 256 bits of entropy, so no brute force applies.
    return hashlib.sha256(raw.encode()).hexdigest()
