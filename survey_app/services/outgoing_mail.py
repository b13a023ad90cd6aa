"""Turn a claimed message row into the e-mail to send, with a fresh personal link."""

from __future__ import annotations

import datetime as dt
import re
from email.message import EmailMessage

from survey_app.db.tables import LinkToken, OutgoingMessage, ParticipantIdentity
from survey_app.mail.compose import MailContext, compose
from survey_app.services.messaging import Claim
from survey_app.services.studies import study_by_id
from survey_app.services.tokens import new_token

FORM_PATH = "/a/"


def form_link(base_url: str, token: str) -> str:
    return f"{base_url}{FORM_PATH}{token}"


# A personal link's token, as ``form_link`` writes it (see ``tokens.looks_like_token``).
_PERSONAL_LINK = re.compile(re.escape(FORM_PATH) + r"[A-Za-z0-9_-]{20,100}")
HIDDEN_LINK = FORM_PATH + "•" * 6


def hide_personal_links(text: str) -> str:
    """``text`` with every personal link made unusable, for showing a sent e-mail to staff:
    a link answers and withdraws *as the job seeker*, so staff never get a working one."""
    return _PERSONAL_LINK.sub(HIDDEN_LINK, text)


async def prepare_mail(claim: Claim, base_url: str, sender: str, now: dt.datetime) -> EmailMessage:
    """The message for ``claim``. A new link token is stored (as a hash) for its wave: the
    plain token exists only in this e-mail."""
    message = (
        await OutgoingMessage.select(
            OutgoingMessage.id,
            OutgoingMessage.kind,
            OutgoingMessage.wave.id,
            OutgoingMessage.wave.label,
            OutgoingMessage.wave.months,
            OutgoingMessage.wave.closes_at,
            OutgoingMessage.participant.id,
            OutgoingMessage.participant.language,
            OutgoingMessage.participant.study,
            OutgoingMessage.participant.specialist.display_name,
            OutgoingMessage.participant.specialist.email,
        )
        .where(OutgoingMessage.id == claim.message_id)
        .output(nested=True)
        .first()
    )
    identity = (
        await ParticipantIdentity.select(ParticipantIdentity.name, ParticipantIdentity.email)
        .where(ParticipantIdentity.participant == message["participant"]["id"])
        .first()
    )
    study = await study_by_id(message["participant"]["study"])
    token, token_hash = new_token()
    await LinkToken.insert(LinkToken(wave=message["wave"]["id"], token_hash=token_hash, created_at=now))
    specialist = message["participant"]["specialist"]
    context = MailContext(
        message_id=message["id"],
        kind=message["kind"],
        language=message["participant"]["language"],
        recipient_name=identity["name"],
        recipient_email=identity["email"],
        wave_label=message["wave"]["label"],
        wave_months=message["wave"]["months"],
        link=form_link(base_url, token),
        closes_at=message["wave"]["closes_at"],
        study_name=study.name,
        contact_name=study.contact_name,
        contact_email=study.contact_email,
        contact_phone=study.contact_phone,
        specialist_name=specialist["display_name"],
        specialist_email=specialist["email"],
    )
    return compose(context, sender, now)
