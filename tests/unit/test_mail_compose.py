"""Invitations: multipart text + HTML in the participant's language, link, contact, withdrawal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from email import message_from_bytes, policy

import pytest

from survey_app.i18n import gettext
from survey_app.mail.compose import MESSAGE_ID_HEADER, MailContext, compose

NOW = dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC)
CONTEXT = MailContext(
    message_id=42,
    kind="invitation",
    language="nb",
    recipient_name="Åse <Ørnes>",
    recipient_email="ase@example.no",
    wave_label="T1",
    wave_months=0,
    link="https://mestring.example.no/a/TOKEN",
    last_day=dt.date(2026, 12, 21),
    days_left=12,
    study_name="Studien",
    contact_name="Pia Prosjekt",
    contact_email="pia@example.no",
    contact_phone="22 00 00 00",
    specialist_name="Siri Spesialist",
    specialist_email="siri@example.no",
)


def _read(composed):
    """The message as a mail program reads it: the bytes that go out, parsed."""
    return message_from_bytes(bytes(composed), policy=policy.default)


def _parts(composed):
    message = _read(composed)
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_bokmal_invitation_has_link_deadline_contact_and_withdrawal():
    message = _read(compose(CONTEXT, "Studie <s@example.no>", NOW))
    text, html = _parts(message)
    assert message["To"] == "ase@example.no" and message["Reply-To"] == "pia@example.no"
    assert message[MESSAGE_ID_HEADER] == "42" and message["Content-Language"] == "nb-NO"
    assert message["Subject"] == "Spørreskjemaet ditt om arbeid og mestring"
    for part in (text, html):
        assert "https://mestring.example.no/a/TOKEN" in part
        assert "21. desember 2026" in part  # last day to answer
        assert "Pia Prosjekt" in part and "22 00 00 00" in part
        assert "Jeg vil ikke være med lenger" in part
    assert "Åse &lt;Ørnes&gt;" in html and "<Ørnes>" not in html  # names are escaped in HTML


@pytest.mark.parametrize("language, subject", [("en", "Your questionnaire about work and coping"), ("nn", None)])
def test_other_languages(language, subject):
    message = _read(compose(dataclasses.replace(CONTEXT, language=language), "s@example.no", NOW))
    text, _ = _parts(message)
    if subject:
        assert message["Subject"] == subject and "21 December 2026" in text
    else:
        nynorsk = gettext("nn", "Your questionnaire about work and coping")
        assert message["Subject"] == nynorsk != gettext("nb", "Your questionnaire about work and coping")
        assert "21. desember 2026" in text


def test_reminder_and_later_wave_and_specialist_as_fallback_contact():
    context = dataclasses.replace(
        CONTEXT, kind="reminder", wave_label="T2", wave_months=3, contact_name="", contact_email=""
    )
    message = _read(compose(context, "s@example.no", NOW))
    text, _ = _parts(message)
    assert message["Subject"].startswith("Påminnelse")
    assert "3 måneder" in text
    assert "Siri Spesialist, siri@example.no" in text
    assert message["Reply-To"] is None


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
def test_plain_text_keeps_sentences_and_the_link_on_lines_of_their_own(kind):
    """The text part once ran sentences together ("arbeid».Nå er det", "skjemaet:http://…"), so
    mail programs could not even make the link clickable."""
    text, html = _parts(compose(dataclasses.replace(CONTEXT, kind=kind), "s@example.no", NOW))
    # The HTML part, which most mail programs show, once ran sentences together the same way.
    # Inline tags join their neighbours on screen; block tags break the line.
    inline = re.sub(r"</?(strong|a|em|span)\b[^>]*>", "", html)
    visible = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))
    assert not re.search(r"[.:»][A-ZÆØÅ]", visible), visible
    lines = text.splitlines()
    assert "https://mestring.example.no/a/TOKEN" in lines
    assert all(line.strip() == line for line in lines)
    glued = [line for line in lines if any(f"{mark}{letter}" in line for mark in ".:»" for letter in "ABCDEFGHNTh")]
    assert glued == []
