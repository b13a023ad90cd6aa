"""Random tokens for personal links and staff sessions, kept in the database only as hashes.

256 random bits make guessing hopeless, so a plain SHA-256 (no salt, no slow hash) is enough
to keep a stolen database from yielding working links.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh URL-safe 256-bit token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(value: str) -> bool:
    """Cheap shape check so that junk in a URL never reaches the database."""
    return 20 <= len(value) <= 100 and all(c.isalnum() or c in "-_" for c in value)
