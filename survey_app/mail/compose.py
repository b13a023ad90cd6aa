"""Invitations and reminders as multipart (text + HTML) e-mails in the participant's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid
from pathlib import Path

import jinja2

from survey_app.i18n import format_long_date, translations

MESSAGE_ID_HEADER = "X-Mestring-Message"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    extensions=["jinja2.ext.i18n"],
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class MailContext:
    """Everything one message says. Built at sending time: the link holds a fresh token."""

    message_id: int
    kind: str  # invitation | reminder
    language: str
    recipient_name: str
    recipient_email: str
    wave_label: str
    wave_months: int
    link: str
    closes_at: dt.datetime
    study_name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    specialist_name: str
    specialist_email: str


def _render(name: str, context: MailContext) -> str:
    catalogue = translations(context.language)
    return _env.get_template(name).render(
        m=context,
        closes_on=format_long_date(context.closes_at - dt.timedelta(seconds=1), context.language),
        gettext=catalogue.gettext,
        ngettext=catalogue.ngettext,
        _=catalogue.gettext,
    )


def compose(context: MailContext, sender: str, now: dt.datetime) -> EmailMessage:
    """The complete message, ready for SMTP or the outbox."""
    catalogue = translations(context.language)
    message = EmailMessage()
    if context.kind == "reminder":
        subject = catalogue.gettext("Reminder: your questionnaire about work and coping")
    else:
        subject = catalogue.gettext("Your questionnaire about work and coping")
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = context.recipient_email
    if context.contact_email:
        message["Reply-To"] = context.contact_email
    message["Date"] = rfc2822_date(now)
    message["Message-ID"] = make_msgid(domain="mestring.invalid")
    message[MESSAGE_ID_HEADER] = str(context.message_id)
    message.set_content(_render("invitation.txt", context))
    message.add_alternative(_render("invitation.html", context), subtype="html")
    # After add_alternative: turning the message multipart moves Content-* headers to a part.
    message["Content-Language"] = {"nb": "nb-NO", "nn": "nn-NO"}.get(context.language, "en-GB")
    return message
