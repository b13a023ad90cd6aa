"""The questionnaire on paper, for job seekers who answer by post: a cover letter, then the
wave's questions with a tick box for every scale point and option, in large clear type.

Every page carries the study ID, the wave and the same as a Code 128 bar code, so a returned
form finds its wave without a name; the name and address appear on the cover letter only (the
part that goes in the window envelope and stays at home). The texts of the questions come from
the instrument in the form's language; every other word comes translated from the caller. A form
without its questionnaire is the letter page alone (a reminder letter), header and bar code included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from analysis.charts import FONT, FONT_BOLD, FONT_ITALIC, register_fonts
from analysis.reports.document import AUTHOR, INK, MUTED
from instruments import Instrument, Item, localize

MARGIN = 18 * mm
HEADER = 20 * mm
WIDTH = A4[0] - 2 * MARGIN
BOX = 6 * mm  # a tick box a shaky hand can hit

_BODY = ParagraphStyle("paper-body", fontName=FONT, fontSize=12, leading=16, textColor=INK, spaceAfter=6)
_TITLE = ParagraphStyle("paper-title", fontName=FONT_BOLD, fontSize=17, leading=22, spaceAfter=10, textColor=INK)
_SECTION = ParagraphStyle("paper-section", fontName=FONT_BOLD, fontSize=15, leading=19, spaceBefore=8, spaceAfter=6)
_QUESTION = ParagraphStyle("paper-question", fontName=FONT_BOLD, fontSize=13, leading=17, spaceAfter=4)
_HINT = ParagraphStyle("paper-hint", fontName=FONT_ITALIC, fontSize=11, leading=14, textColor=MUTED, spaceAfter=4)
_OPTION = ParagraphStyle("paper-option", fontName=FONT, fontSize=12.5, leading=16)
_POINT = ParagraphStyle("paper-point", fontName=FONT, fontSize=11, leading=13, alignment=1)
_ANCHOR = ParagraphStyle("paper-anchor", fontName=FONT, fontSize=10, leading=12, textColor=MUTED)
_ANCHOR_END = ParagraphStyle("paper-anchor-end", parent=_ANCHOR, alignment=2)


@dataclass(frozen=True)
class PaperFormTexts:
    """The words around the questions, in the form's language, from the caller."""

    title: str  # the questionnaire's title on its first page
    study_id: str  # "Study ID", before the ID in the page header
    wave: str  # "Wave", before the wave's label
    page: str  # "Page", before the page number within the form
    tick_one: str  # under a question with one answer
    tick_any: str  # under a question with several answers
    write_number: str  # under a question answered with a number
    only_if: str  # "Answer only if you answered «{answer}» to «{question}».": condition of a follow-up
    end: str  # after the last question: what to do with the form


@dataclass(frozen=True)
class PaperForm:
    """One printed form: whose wave, and the cover letter's parts (from the caller)."""

    study_id: str
    wave: str
    language: str
    address: tuple[str, ...]  # name and postal address, on the cover letter only
    letter: tuple[str, ...]  # the letter's paragraphs: why, how, the deadline, how to withdraw, contact
    questionnaire: bool = True  # False: the letter page only (a reminder letter)

    @property
    def code(self) -> str:
        """What the bar code holds, and what staff type to find the form."""
        return f"{self.study_id} {self.wave}"


def _text(value: str | None, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(value or ""), style)


class _FormStart(Flowable):
    """Marks where a form begins, so that the page decoration knows whose pages follow."""

    def __init__(self, form: PaperForm) -> None:
        super().__init__()
        self.form = form
        self.width = self.height = 0

    def draw(self) -> None:
        document = self.canv._doctemplate
        document.current_form = self.form
        document.form_first_page = document.page


class _TickBox(Flowable):
    """An empty square to tick."""

    def __init__(self, size: float = BOX) -> None:
        super().__init__()
        self.width = self.height = size

    def draw(self) -> None:
        self.canv.setLineWidth(1.2)
        self.canv.setStrokeColor(INK)
        self.canv.rect(0, 0, self.width, self.height)


def _boxes(labels: Sequence[str], anchors: tuple[str, str] | None) -> Table:
    """One row of numbered tick boxes (a scale), the end anchors under the first and last box."""
    count = len(labels)
    column = min(15 * mm, WIDTH / count)
    rows = [[_text(label, _POINT) for label in labels], [_TickBox() for _ in labels]]
    style = [
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if anchors:
        # Each anchor spans the four boxes at its end of the scale (every scale here has 10 or 11).
        span = min(4, count // 2)
        anchor_row: list = [""] * count
        anchor_row[0], anchor_row[count - span] = _text(anchors[0], _ANCHOR), _text(anchors[1], _ANCHOR_END)
        rows.append(anchor_row)
        style += [("SPAN", (0, 2), (span - 1, 2)), ("SPAN", (count - span, 2), (count - 1, 2))]
    table = Table(rows, colWidths=[column] * count, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _option_list(labels: Sequence[str]) -> Table:
    """A tick box before each option, one per line."""
    rows = [[_TickBox(), _text(label, _OPTION)] for label in labels]
    table = Table(rows, colWidths=[BOX + 5 * mm, WIDTH - BOX - 5 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _digit_boxes(digits: int) -> Table:
    """Write-in boxes, one per digit."""
    table = Table([[""] * digits], colWidths=[BOX + 2 * mm] * digits, rowHeights=[BOX + 2 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 1.2, INK)]))
    return table


def _question(item: Item, instrument: Instrument, lang: str, number: int, texts: PaperFormTexts) -> Flowable:
    parts: list[Flowable] = [_text(f"{number}. {item.label(lang)}", _QUESTION)]
    if item.shown_if is not None:
        condition = instrument.item(item.shown_if.item)
        option = condition.option(item.shown_if.equals)
        answer = option.label_in(lang) if option else str(item.shown_if.equals)
        parts.append(_text(texts.only_if.format(answer=answer, question=condition.label(lang)), _HINT))
    help_text = localize(item.help, lang)
    if help_text:
        parts.append(_text(help_text, _HINT))
    if item.kind == "scale":
        points = [str(point) for point in range(item.min, item.max + 1)]
        low, high = localize(item.anchors.get(item.min), lang), localize(item.anchors.get(item.max), lang)
        parts += [_text(texts.tick_one, _HINT), _boxes(points, (low or "", high or "") if low or high else None)]
    elif item.kind in ("single", "yes_no", "multi"):
        labels = [option.label_in(lang) or str(option.code) for option in item.options]
        parts += [_text(texts.tick_any if item.kind == "multi" else texts.tick_one, _HINT), _option_list(labels)]
    else:
        parts += [_text(texts.write_number, _HINT), _digit_boxes(len(str(item.max)))]
    parts.append(Spacer(1, 5 * mm))
    return KeepTogether(parts)


def _questionnaire(form: PaperForm, instrument: Instrument, texts: PaperFormTexts) -> list[Flowable]:
    lang = form.language
    story: list[Flowable] = [PageBreak(), _text(texts.title, _TITLE)]
    number = 0
    for section in instrument.sections_for_wave(form.wave):
        story += [CondPageBreak(60 * mm), _text(localize(section.title, lang), _SECTION)]
        intro = localize(section.intro, lang)
        if intro:
            story.append(_text(intro, _BODY))
        for item in instrument.section_items(section.id, form.wave):
            number += 1
            story.append(_question(item, instrument, lang, number, texts))
    story.append(_text(texts.end, _BODY))
    return story


def _cover(form: PaperForm) -> list[Flowable]:
    # The address sits where a C5/C4 window envelope shows it (about 45 mm from the top).
    return [
        _FormStart(form),
        Spacer(1, 25 * mm - HEADER),
        *(_text(line, _BODY) for line in form.address),
        Spacer(1, 20 * mm),
        *(_text(paragraph, _BODY) for paragraph in form.letter),
    ]


def _decorate(canvas, document) -> None:
    form: PaperForm | None = getattr(document, "current_form", None)
    if form is None:
        return
    texts: PaperFormTexts = document.texts_by_language[form.language]
    canvas.saveState()
    top = A4[1] - 12 * mm
    canvas.setFont(FONT_BOLD, 12)
    canvas.setFillColor(INK)
    canvas.drawString(MARGIN, top, f"{texts.study_id}: {form.study_id}    {texts.wave}: {form.wave}")
    barcode = Code128(form.code, barHeight=9 * mm, barWidth=0.33 * mm, quiet=False)
    barcode.drawOn(canvas, A4[0] - MARGIN - barcode.width, top - 4 * mm)
    canvas.setFont(FONT, 10)
    canvas.setFillColor(MUTED)
    page = document.page - document.form_first_page + 1
    canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"{texts.page} {page}")
    canvas.drawString(MARGIN, 10 * mm, form.code)
    canvas.restoreState()


class _FormsDocument(BaseDocTemplate):
    """A document whose story is made one form at a time, as the previous form is laid out.

    Made whole before the build, the story of 1,000 forms held ~220 MiB of parsed paragraphs and
    tables; made when needed, only one form's flowables exist at a time, and the batch is still
    one reportlab build (one file, page numbers and metadata as reportlab writes them).
    """

    def __init__(self, buffer, forms, instrument, texts, progress, **kwargs) -> None:
        super().__init__(buffer, **kwargs)
        self.forms, self.instrument, self.texts_by_language, self.progress = forms, instrument, texts, progress
        self.queued = 0
        self.story: list[Flowable] = []

    def next_form(self) -> list[Flowable]:
        """The story of the next form (after a page break if it is not the first), or [] at the end."""
        if self.queued == len(self.forms):
            return []
        if self.progress is not None and self.queued:
            self.progress(self.queued, len(self.forms))
        form = self.forms[self.queued]
        self.queued += 1
        story = [PageBreak()] if self.queued > 1 else []
        story += _cover(form)
        if form.questionnaire:
            story += _questionnaire(form, self.instrument, self.texts_by_language[form.language])
        return story

    def handle_flowable(self, flowables: list[Flowable]) -> None:
        super().handle_flowable(flowables)
        if flowables is self.story and not flowables:  # (reportlab also passes its own lists here)
            flowables += self.next_form()


def paper_forms_pdf(
    forms: Sequence[PaperForm],
    instrument: Instrument,
    texts: dict[str, PaperFormTexts],
    title: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Every form in one PDF, each starting on a page of its own (print double-sided per form).

    Parameters
    ----------
    forms : sequence of PaperForm
        Whose waves to print; each in its own language. A form with ``questionnaire=False`` is
        its letter page only.
    instrument : Instrument
        The questionnaire version the waves are given under.
    texts : dict
        :class:`PaperFormTexts` per language used by ``forms``.
    title : str
        The PDF's title in its metadata (never a person's name).
    progress : callable, optional
        Called as ``progress(done, total)`` with the number of forms laid out so far, after each
        form and last with ``(total, total)``.

    Returns
    -------
    bytes

    Notes
    -----
    Why one build with a story made form by form (``_FormsDocument``) rather than parts joined
    afterwards: measured with ``bench/paper_forms.py`` (2 vCPUs), time was linear either way
    (~110 pages/s; 1,000 forms 10 times 100), but the whole story made up front peaked at 327 MiB
    for 1,000 forms, growing ~0.3 MiB a form. Made form by form it peaks at 126 MiB (what still
    grows, ~0.08 MiB a form, is reportlab holding the finished pages until it writes the file).
    Parts of 50 forms joined with pypdf peaked higher (157 MiB: pypdf too holds every page until
    it writes), were no faster and would make pypdf a runtime dependency.
    """
    if not forms:
        raise ValueError("no forms to print")
    missing = sorted({form.language for form in forms} - set(texts))
    if missing:
        raise ValueError(f"no texts for the language(s) {', '.join(missing)}")
    register_fonts()
    buffer = BytesIO()
    document = _FormsDocument(
        buffer, forms, instrument, texts, progress, pagesize=A4, title=title, author=AUTHOR, creator=AUTHOR
    )
    frame = Frame(MARGIN, 16 * mm, WIDTH, A4[1] - 16 * mm - HEADER - 6 * mm, id="body")
    document.addPageTemplates([PageTemplate(id="form", frames=[frame], onPageEnd=_decorate)])
    document.story = document.next_form()
    document.build(document.story)
    if progress is not None:
        progress(len(forms), len(forms))
    return buffer.getvalue()
