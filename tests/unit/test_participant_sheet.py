"""The one-page PDF about a job seeker: always one A4 page, all of its text extractable."""

from __future__ import annotations

import dataclasses
from io import BytesIO

import pytest
from pypdf import PdfReader

from analysis.charts import ChartTexts, TrajectoryPoint
from analysis.reports.participant_sheet import SheetData, SheetWaveRow, participant_sheet_pdf

TEXTS = ChartTexts(
    work_capacity="Arbeidsevne (0–10)",
    coping_beliefs="Mestringstro (1–10)",
    rtw_expectation="Forventet tid til arbeid",
    expectation_top="I arbeid nå",
    expectation_bottom="Aldri",
    dont_know="Vet ikke",
    band_labels={"poor": "dårlig", "moderate": "moderat", "good": "god", "excellent": "svært god"},
    no_answer="Ikke besvart",
)
HEADINGS = ["Runde", "Status", "Dato", "Arbeidsevne", "Mestringstro", "Forventet tid til arbeid"]
A4_POINTS = (595.28, 841.89)

TYPICAL = SheetData(
    language="nb",
    title="Oppfølging – Kari Nordmann",
    person_name="Kari Nordmann",
    study_id="7F3K-Q2ZP",
    facts=[
        ("Program", "Utvidet oppfølging"),
        ("Jobbspesialist", "Ola Hansen"),
        ("Innskrevet", "01.02.2026"),
        ("Skrevet ut", "23.11.2026"),
    ],
    table_headings=HEADINGS,
    rows=[
        SheetWaveRow("T1", "Besvart", "03.02.2026", "4 (dårlig)", "4,7", "Innen 5 år"),
        SheetWaveRow("T2", "Besvart", "05.05.2026", "6 (moderat)", "5,0", "Vet ikke / usikker"),
        SheetWaveRow("T3", "Ikke besvart", "", "", "", ""),
        SheetWaveRow("T4", "Venter", "", "", "", ""),
    ],
    chart_points=[
        TrajectoryPoint("T1", 0, 4, 4.67, 6),
        TrajectoryPoint("T2", 3, 6, 5.0, 9),
        TrajectoryPoint("T3", 12, None, None, None),
        TrajectoryPoint("T4", 18, None, None, None),
    ],
    chart_texts=TEXTS,
    chart_caption="Arbeidsevne 4 ved T1 og 6 ved T2; forventet tid til arbeid «innen 5 år», så «vet ikke».",
    suggestion_heading="Forslag: økt oppfølging (poeng 4)",
    reasons_heading="Hvorfor",
    reasons=["Arbeidsevne 6 (moderat), opp fra 4 ved T1", "Vet ikke når det blir arbeid", "Svarte ikke ved T3"],
    hints_heading="Forslag til samtalen",
    hints=["Snakk om forventninger til arbeid.", "Ta kontakt, eller tilby papirskjema."],
    basis=["Bygger på T2; T3 ble ikke besvart."],
    disclaimer="Dette er et utgangspunkt for samtalen med jobbsøkeren, ikke en beslutning.",
    footer="mestring · regelsett followup-v1 · skrevet ut 23.11.2026 av Ola Hansen",
)

LONG_NAME = "Anne-Marie Kristine Østergaard-Haugland Bjørnstad-Åsheim Čuođđa <&> Nordmann-Sæther"
WORST = dataclasses.replace(
    TYPICAL,
    language="nn",
    title=f"Oppfølging – {LONG_NAME}",
    person_name=LONG_NAME,
    study_id="ZZ9X-Q2ZP-7KLM",
    facts=[
        ("Program", "Utvida oppfølging med arbeidsplassmentor og jobbutvikling mot arbeidsgivarar"),
        ("Jobbspesialist", "Ola Kristoffer Hansen-Bråthen"),
        ("Innskrive", "31.01.2026"),
        ("Skrive ut", "23.11.2026"),
        ("Kanal", "E-post og papir"),
    ],
    rows=[
        SheetWaveRow("T1", "Svart", "03.02.2026", "8 (god)", "7,3", "Innan 1 månad"),
        SheetWaveRow("T2", "Svart (papir, retta av tilsett)", "05.05.2026", "6 (moderat)", "5,0", "Innan 2 år"),
        SheetWaveRow("T3", "Svart", "12.02.2027", "3 (dårleg)", "3,7", "Meir enn 5 år"),
        SheetWaveRow("T4", "Svart", "10.08.2027", "2 (dårleg)", "2,0", "Aldri"),
    ],
    chart_points=[
        TrajectoryPoint("T1", 0, 8, 7.33, 1),
        TrajectoryPoint("T2", 3, 6, 5.0, 5),
        TrajectoryPoint("T3", 12, 3, 3.67, 7),
        TrajectoryPoint("T4", 18, 2, 2.0, 8),
    ],
    chart_caption="Arbeidsevne 8, 6, 3 og 2 ved T1–T4; meistringstru 7,3, 5,0, 3,7 og 2,0; forventa tid til "
    "arbeid frå «innan 1 månad» ved T1 til «aldri» ved T4. " * 2,
    suggestion_heading="Forslag: tett oppfølging (poeng 11) – kandidat for arbeidsplassmentor",
    reasons=[
        f"Grunn {k}: arbeidsevne 2 (dårleg), ned frå 8 ved T1 og frå 3 ved T3; ein lang forklaring, nr. {k}."
        for k in range(1, 9)
    ],
    hints=[
        f"Hint {k}: oppfølging på arbeidsplassen, vurder ein arbeidsplassmentor; snakk realistisk om "
        f"arbeidsmarknaden og jobbutvikling mot arbeidsgivarar ({k})."
        for k in range(1, 5)
    ],
    basis=["Byggjer på T1–T4.", "Meistringstru: to av tre spørsmål svart ved T3.", "Registerdata manglar."],
    disclaimer="Dette er eit utgangspunkt for samtalen med jobbsøkjaren, ikkje ei avgjerd. Arbeidsevne avheng "
    "av jobben og arbeidsplassen.",
    footer="mestring · regelsett followup-v1 · skrive ut 23.11.2026 av Ola Kristoffer Hansen-Bråthen, "
    "NAV Grünerløkka – jobbspesialistteamet for utvida oppfølging",
)


def read(data: SheetData) -> tuple[PdfReader, str]:
    pdf = participant_sheet_pdf(data)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(BytesIO(pdf))
    return reader, " ".join(reader.pages[0].extract_text().split())


@pytest.mark.parametrize("data", [TYPICAL, WORST], ids=["typical", "worst case"])
def test_one_a4_page_with_all_the_text(data):
    reader, text = read(data)
    assert len(reader.pages) == 1
    assert [float(v) for v in reader.pages[0].mediabox[2:]] == pytest.approx(A4_POINTS, abs=0.01)
    expected = [data.person_name, data.study_id, data.disclaimer, data.suggestion_heading, *data.reasons, *data.hints]
    expected += [*data.basis, data.footer, *data.table_headings, *(value for value, _ in data.facts)]
    missing = [item for item in expected if " ".join(item.split()) not in text]
    assert missing == []
    assert {"æ", "ø", "å", "–"} <= set(text)


def test_the_chart_is_on_the_page():
    _, text = read(TYPICAL)
    for label in ("Arbeidsevne (0–10)", "I arbeid nå", "Aldri", "Vet ikke", "svært god"):
        assert label in text


def test_the_disclaimer_follows_the_suggestion():
    _, text = read(WORST)
    assert text.index(WORST.suggestion_heading) < text.index(WORST.disclaimer) < text.index(WORST.reasons[0])


def test_letters_beyond_latin_1_survive():
    _, text = read(WORST)
    assert "Čuođđa" in text


def test_metadata_names_the_document_and_the_software_only():
    reader, _ = read(WORST)
    info = reader.metadata
    assert info.title == WORST.title
    assert info.author == "mestring"
    assert info.creator == "mestring"
    assert info.subject == ""
    assert "Ola" not in str(dict(info))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nn"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True


def test_input_far_beyond_a_page_is_cut_but_keeps_one_page_and_the_disclaimer():
    absurd = dataclasses.replace(
        WORST,
        reasons=[f"Grunn {k}: " + "svært lang tekst " * 40 for k in range(40)],
        hints=["Hint: " + "ord " * 300] * 12,
        basis=["Grunnlag"] * 20,
    )
    reader, text = read(absurd)
    assert len(reader.pages) == 1
    assert WORST.disclaimer in text
    assert "Grunn 0:" in text and "…" in text
    assert "Grunn 39:" not in text


def test_six_table_headings_are_required():
    with pytest.raises(ValueError, match="expected 6 table headings"):
        participant_sheet_pdf(dataclasses.replace(TYPICAL, table_headings=HEADINGS[:5]))


def test_empty_lists_and_an_unanswered_chart_are_fine():
    bare = dataclasses.replace(
        TYPICAL,
        facts=[],
        rows=[SheetWaveRow("T1", "Venter", "", "", "", "")],
        chart_points=[TrajectoryPoint("T1", 0, None, None, None)],
        reasons=[],
        hints=[],
        basis=[],
    )
    reader, text = read(bare)
    assert len(reader.pages) == 1
    assert "Ikke besvart" in text and TYPICAL.disclaimer in text
