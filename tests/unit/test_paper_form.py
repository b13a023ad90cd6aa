"""The printed questionnaire: every question and every tick box of the wave in the form's
language, the study ID and wave on every page, the name only on the cover letter."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from pypdf import PdfReader

from analysis.reports.paper_form import PaperForm, PaperFormTexts, paper_forms_pdf
from instruments import load_instrument

INSTRUMENT = load_instrument("mestring-2026.1")
TEXTS = {
    "en": PaperFormTexts(
        title="Questionnaire about work",
        study_id="Study ID",
        wave="Wave",
        page="Page",
        tick_one="Tick one box.",
        tick_any="Tick all that apply.",
        write_number="Write the number in the boxes.",
        only_if="Answer only if you answered «{answer}» to «{question}».",
        end="Thank you! Put the form in the prepaid envelope.",
    ),
    "nb": PaperFormTexts(
        title="Spørreskjema om arbeid",
        study_id="Studie-ID",
        wave="Runde",
        page="Side",
        tick_one="Sett ett kryss.",
        tick_any="Sett kryss ved alt som passer.",
        write_number="Skriv tallet i rutene.",
        only_if="Svar bare hvis du svarte «{answer}» på «{question}».",
        end="Takk! Legg skjemaet i svarkonvolutten.",
    ),
}
NAME, STREET = "Åsne Hemmelig-Navn", "Skjultveien 7"


def _form(study_id: str, wave: str, language: str) -> PaperForm:
    return PaperForm(study_id, wave, language, (NAME, STREET, "0155 Oslo"), ("Dear participant,", "Please answer."))


def _pages(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


@pytest.mark.parametrize("language", ["en", "nb"])
@pytest.mark.parametrize("wave", ["T1", "T3"])
def test_every_question_and_every_box_of_the_wave_is_printed(language, wave):
    pages = _pages(paper_forms_pdf([_form("7K3Q-9PXA", wave, language)], INSTRUMENT, TEXTS, "forms"))
    text = " ".join(pages[1:])
    items = INSTRUMENT.items_for_wave(wave)
    for number, item in enumerate(items, start=1):
        assert f"{number}. {' '.join(item.label(language).split())}" in text, item.id
        for option in item.options:
            assert " ".join(option.label_in(language).split()) in text, (item.id, option.code)
    # T1 asks the background questions too (gender, birth year...); later waves do not.
    assert (INSTRUMENT.item("gender").label(language) in text) == (wave == "T1")
    # A scale prints each of its points: 0 to 10 for work capacity, 1 to 10 three times for coping.
    assert re.search(r"0 1 2 3 4 5 6 7 8 9 10", text)
    assert len(re.findall(r"1 2 3 4 5 6 7 8 9 10", text)) >= 4
    assert (
        TEXTS[language].only_if.format(
            answer=INSTRUMENT.item("work_now").option(1).label_in(language),
            question=INSTRUMENT.item("work_now").label(language),
        )
        in text
    )


def test_the_study_id_and_wave_are_on_every_page_and_the_name_only_on_the_letter():
    forms = [_form("7K3Q-9PXA", "T1", "nb"), _form("8M4R-2QXB", "T2", "en")]
    content = paper_forms_pdf(forms, INSTRUMENT, TEXTS, "forms")
    pages = _pages(content)
    letters = [index for index, page in enumerate(pages) if NAME in page]
    assert len(letters) == 2 and letters[0] == 0
    second = letters[1]
    for index, page in enumerate(pages):
        form = forms[0] if index < second else forms[1]
        texts = TEXTS[form.language]
        assert f"{texts.study_id}: {form.study_id} {texts.wave}: {form.wave}" in page, index
        assert f"{texts.page} {index + 1 - (0 if index < second else second)}" in page
        if index not in letters:
            assert NAME not in page and STREET not in page and "Hemmelig" not in page
    # Every page also has the code staff type to find the form, as text and as Code 128 bars
    # (drawn as filled rectangles: a page without the bar code has only its tick boxes' strokes).
    for index, page in enumerate(PdfReader(io.BytesIO(content)).pages):
        form = forms[0] if index < second else forms[1]
        assert form.code in pages[index]
        assert page.get_contents().get_data().count(b" re f") >= 20, index


def test_a_form_needs_its_languages_texts_and_at_least_one_form():
    with pytest.raises(ValueError, match="nn"):
        paper_forms_pdf([_form("7K3Q-9PXA", "T1", "nn")], INSTRUMENT, TEXTS, "forms")
    with pytest.raises(ValueError, match="no forms"):
        paper_forms_pdf([], INSTRUMENT, TEXTS, "forms")


def test_a_letter_without_its_questionnaire_is_the_letter_page_with_the_header():
    form = PaperForm(
        "7K3Q-9PXA", "T2", "nb", (NAME, STREET, "0155 Oslo"), ("Kjære deltaker,", "Husk å svare."), questionnaire=False
    )
    pages = _pages(paper_forms_pdf([form], INSTRUMENT, TEXTS, "reminders"))
    assert len(pages) == 1
    texts = TEXTS["nb"]
    assert f"{texts.study_id}: 7K3Q-9PXA {texts.wave}: T2" in pages[0] and form.code in pages[0]
    assert NAME in pages[0] and STREET in pages[0] and "Husk å svare." in pages[0]
    assert texts.title not in pages[0]
    for item in INSTRUMENT.items_for_wave("T2"):
        assert " ".join(item.label("nb").split()) not in pages[0], item.id
    # The same form with its questionnaire has the questions on the following pages.
    full = _pages(paper_forms_pdf([dataclasses.replace(form, questionnaire=True)], INSTRUMENT, TEXTS, "forms"))
    assert len(full) > 1 and texts.title in full[1]


def test_progress_counts_the_forms_up_to_the_last():
    forms = [_form(f"ID{index:02d}-TEST", f"T{index % 4 + 1}", ("nb", "en")[index % 2]) for index in range(5)]
    forms[2] = dataclasses.replace(forms[2], questionnaire=False)
    calls = []
    paper_forms_pdf(forms, INSTRUMENT, TEXTS, "forms", progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (5, 5)
    assert {total for _, total in calls} == {5}
    done = [count for count, _ in calls]
    assert done == sorted(done) and done[0] >= 0
    assert len(set(done)) >= 3  # reported as the forms are laid out, not only at the end


def test_a_mixed_batch_keeps_each_page_with_its_form_and_each_form_on_its_own_pages():
    # One form after the other in one build: every page's header and page number belong to the
    # form the page is part of, and each form has the pages it has when printed alone.
    forms = [
        _form("AAAA-0001", "T1", "nb"),
        dataclasses.replace(_form("BBBB-0002", "T2", "en"), questionnaire=False),
        _form("CCCC-0003", "T3", "en"),
        dataclasses.replace(_form("DDDD-0004", "T4", "nb"), questionnaire=False),
        _form("EEEE-0005", "T4", "nb"),
    ]
    alone = [len(_pages(paper_forms_pdf([form], INSTRUMENT, TEXTS, "forms"))) for form in forms]
    content = paper_forms_pdf(forms, INSTRUMENT, TEXTS, "Paper forms, batch")
    pages = _pages(content)
    assert len(pages) == sum(alone)
    expected = [(form, number) for form, count in zip(forms, alone, strict=True) for number in range(1, count + 1)]
    for index, (page, (form, number)) in enumerate(zip(pages, expected, strict=True)):
        texts = TEXTS[form.language]
        assert f"{texts.study_id}: {form.study_id} {texts.wave}: {form.wave}" in page, index
        assert re.search(rf"\b{texts.page} {number}(?!\d)", page), index
        assert (NAME in page) == (number == 1), index
        others = [other.study_id for other in forms if other is not form]
        assert not any(other in page for other in others), index
    metadata = PdfReader(io.BytesIO(content)).metadata
    assert metadata.title == "Paper forms, batch" and metadata.author
