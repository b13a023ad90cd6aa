"""Turn a claimed message into the e-mail to send, with a fresh personal link; and hide
personal links from anyone but the job seeker."""

from __future__ import annotations

import datetime as dt
import re
from email.message import Message
from email.utils import formataddr, parseaddr

from survey_app.mail.compose import MailContext, compose
from survey_app.services.calendar import days_left, last_answer_day
from survey_app.services.messaging import Outgoing
from survey_app.services.studies import StudyConfig

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


def mail_for(
    message: Outgoing, study: StudyConfig, link_token: str, base_url: str, sender: str, now: dt.datetime
) -> Message:
    """The e-mail for a claimed message, with the personal link for ``link_token`` (whose hash
    is stored as the message is marked sending: the plain token exists only in this e-mail)."""
    context = MailContext(
        message_id=message.message_id,
        kind=message.kind,
        language=message.language,
        recipient_name=message.name,
        recipient_email=message.email or "",
        wave_label=message.wave_label,
        wave_months=message.wave_months,
        link=form_link(base_url, link_token),
        last_day=last_answer_day(message.closes_at, study.timezone),
        days_left=days_left(message.closes_at, now, study.timezone),
        study_name=study.name,
        contact_name=study.contact_name,
        contact_email=study.contact_email,
        contact_phone=study.contact_phone,
        specialist_name=message.specialist_name,
        specialist_email=message.specialist_email,
    )
    return compose(context, sender_with_name(sender, study.sender_name), now)


def sender_with_name(sender: str, name: str) -> str:
    """``MESTRING_MAIL_FROM``'s address under the study's sender name, when it has one."""
    if not name:
        return sender
    return formataddr((name, parseaddr(sender)[1]))
