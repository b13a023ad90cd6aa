"""Form input kept across a redirect (post/redirect/get).

A form that fails validation is not answered with the error page itself: its input is kept
here for a few minutes under a random key, the browser is redirected to the form's page, and
that page takes the input back (once) to show it with its errors. Reloading or going back
then never offers to send the form again. The browser holds only the key; the input (which
may be a job seeker's answers or a name) stays on the server.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from survey_app.db.engine import raw_query, transactional
from survey_app.db.tables import FormFlash
from survey_app.services.calendar import utcnow
from survey_app.services.tokens import hash_token, looks_like_token, new_token

KEEP_FOR = dt.timedelta(minutes=10)


@transactional
async def keep(payload: dict[str, Any], now: dt.datetime | None = None) -> str:
    """Store ``payload`` (JSON-serialisable); returns the key for the cookie. Old entries
    nobody came back for are dropped on the way."""
    now = now or utcnow()
    token, token_hash = new_token()
    await FormFlash.delete().where(FormFlash.expires_at <= now)
    await FormFlash.insert(
        FormFlash(token_hash=token_hash, payload_json=json.dumps(payload, default=str), expires_at=now + KEEP_FOR)
    )
    return token


async def take(token: str, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The payload kept under ``token``, removed as it is read; None when unknown or stale."""
    if not looks_like_token(token):
        return None
    rows = await raw_query(
        "DELETE FROM form_flash WHERE token_hash = {token_hash} RETURNING payload_json, expires_at",
        token_hash=hash_token(token),
    )
    if not rows or rows[0]["expires_at"] <= (now or utcnow()):
        return None
    return json.loads(rows[0]["payload_json"])
