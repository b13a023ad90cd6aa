"""The reason for a withdrawal as it is kept: the person's words, made safe to store."""

from __future__ import annotations

import pytest

from survey_app.services.errors import InvalidInput
from survey_app.services.withdrawal import REASON_MAX_LENGTH, REASON_TOO_LONG, check_reason


@pytest.mark.parametrize(
    "typed, kept",
    [
        (None, None),
        ("", None),
        ("  \r\n\t ", None),
        ("  Fikk jobb.  ", "Fikk jobb."),
        ("Første linje\r\nandre linje\rtredje", "Første linje\nandre linje\ntredje"),
        ("NUL\x00 og\ttab og\u202eRTL", "NUL og tab ogRTL"),
    ],
)
def test_the_reason_is_trimmed_with_plain_line_breaks_and_no_control_characters(typed, kept):
    assert check_reason(typed) == kept


def test_line_breaks_count_once_as_the_browser_counts_them():
    # A textarea with maxlength=500 lets through 500 characters, each line break sent as CR LF.
    typed = ("ab\r\n" * 166) + "ab"
    assert len(typed.replace("\r\n", "\n")) == REASON_MAX_LENGTH
    assert len(check_reason(typed)) == REASON_MAX_LENGTH


def test_more_than_500_characters_is_refused():
    with pytest.raises(InvalidInput) as refused:
        check_reason("x" * (REASON_MAX_LENGTH + 1))
    assert refused.value.errors == {"reason": REASON_TOO_LONG}
