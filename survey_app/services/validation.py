"""Small input checks shared by enrolment, staff accounts and imports."""

from __future__ import annotations

import datetime as dt
import re

# Row ids are 32-bit integers in both databases; a larger number from a URL is simply not found
# (PostgreSQL would refuse it outright, SQLite overflow).
LARGEST_ID = 2**31 - 1


def fits_row_id(value: int) -> bool:
    return 0 < value <= LARGEST_ID


# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by mail.
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]{2,}$")


def normalise_email(value: object) -> str | None:
    """The address trimmed, or None when it is not a plausible e-mail address."""
    if not isinstance(value, str):
        return None
    address = value.strip()
    # Control characters (a NUL is refused by PostgreSQL outright) make no address.
    if len(address) > 254 or not address.isprintable() or not _EMAIL.match(address):
        return None
    return address


def parse_iso_date(value: object) -> dt.date | None:
    """A ``YYYY-MM-DD`` or Norwegian ``DD.MM.YYYY`` date, or None."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def clean_text(value: object, max_length: int) -> str:
    """Trimmed single-line text without control characters, cut to ``max_length``."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch for ch in value if ch.isprintable() or ch == " ").strip()
    return " ".join(text.split())[:max_length]
