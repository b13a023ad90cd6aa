"""Invitations and reminders as multipart (text + HTML) e-mails in the participant's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime as rfc2822_date
from email.utils import formataddr, make_msgid, parseaddr
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
    last_day: dt.date  # the last day to answer (calendar.last_answer_day)
    days_left: int  # today included
    study_name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    specialist_name: str
    specialist_email: str


def _render(name: str, context: MailContext, subject: str) -> str:
    catalogue = translations(context.language)
    return _env.get_template(name).render(
        m=context,
        subject=subject,
        last_day=format_long_date(context.last_day, context.language),
        gettext=catalogue.gettext,
        ngettext=catalogue.ngettext,
        _=catalogue.gettext,
    )


def compose(context: MailContext, sender: str, now: dt.datetime) -> Message:
    """The complete message (text and HTML alternatives), ready for SMTP or the outbox.

    Built with the ``email.mime`` classes (the ``compat32`` policy): with ``EmailMessage``'s
    header registry, writing a message cost five times as much, the largest part of sending
    one (see ``bench/dispatch.py``). Readers parse it with any policy.
    """
    catalogue = translations(context.language)
    if context.kind == "reminder":
        subject = catalogue.gettext("Reminder: your questionnaire about work and coping")
    else:
        subject = catalogue.gettext("Your questionnaire about work and coping")
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(subject, "utf-8")
    message["From"] = _encoded_address(sender)
    message["To"] = context.recipient_email
    if context.contact_email:
        message["Reply-To"] = context.contact_email
    message["Date"] = rfc2822_date(now)
    message["Message-ID"] = make_msgid(domain="mestring.invalid")
    message[MESSAGE_ID_HEADER] = str(context.message_id)
    message["Content-Language"] = {"nb": "nb-NO", "nn": "nn-NO"}.get(context.language, "en-GB")
    message.attach(MIMEText(_render("invitation.txt", context, subject), "plain", "utf-8"))
    message.attach(MIMEText(_render("invitation.html", context, subject), "html", "utf-8"))
    return message


def _encoded_address(address: str) -> str:
    """``Name <addr>`` with a non-ASCII name encoded for the header (RFC 2047)."""
    name, addr = parseaddr(address)
    return formataddr((name, addr), charset="utf-8") if name else addr
