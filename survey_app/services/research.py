"""What researchers see in the app: response and attrition per wave, without identifying data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from analysis.charts import svg_markup
from analysis.response_chart import ResponseBar, response_drawing
from survey_app.db.tables import OutgoingMessage, Participant, Wave
from survey_app.i18n import gettext
from survey_app.services.calendar import utcnow
from survey_app.services.studies import current_study
from survey_app.services.study_report import chart_texts
from survey_app.services.wave_states import wave_state


@dataclass(frozen=True)
class ResponseCell:
    programme: str
    wave_label: str
    counts: Counter = field(default_factory=Counter)

    @property
    def due(self) -> int:
        """Waves that have opened for people still taking part (the response rate's base)."""
        return sum(n for state, n in self.counts.items() if state not in ("not_yet_open", "withdrawn"))

    @property
    def response_rate(self) -> float | None:
        return self.counts["answered"] / self.due if self.due else None


async def response_overview(now: dt.datetime | None = None) -> list[ResponseCell]:
    """Counts of wave states by programme and wave (T1..T4), plus an ``all`` programme row."""
    now = now or utcnow()
    rows = await Wave.select(
        Wave.id,
        Wave.label,
        Wave.status,
        Wave.opens_at,
        Wave.closes_at,
        Wave.participant.programme,
    )
    invited = {
        row["wave"]
        for row in await OutgoingMessage.select(OutgoingMessage.wave).where(OutgoingMessage.status == "sent")
    }
    cells: dict[tuple[str, str], ResponseCell] = {}
    for row in rows:
        state = wave_state(row["status"], row["opens_at"], row["closes_at"], now, row["id"] in invited)
        for programme in (row["participant.programme"], "all"):
            key = (programme, row["label"])
            cells.setdefault(key, ResponseCell(programme, row["label"])).counts[state] += 1
    return sorted(cells.values(), key=lambda c: (c.programme == "all", c.programme, c.wave_label))


async def programmes_in_study() -> list[str]:
    """The programmes someone in the current study is enrolled in (the choices for group a)."""
    study = await current_study()
    rows = await Participant.select(Participant.programme).where(Participant.study == study.id).distinct()
    return sorted(row["programme"] for row in rows)


def response_chart_svg(cells: list[ResponseCell], language: str) -> str | None:
    """The page's response chart as inline SVG: per wave and programme (and all together),
    answered of the waves that have opened; None before anyone is enrolled."""
    if not cells:
        return None
    ordered = sorted(cells, key=lambda cell: (cell.wave_label, cell.programme != "all", cell.programme))
    bars = [ResponseBar(cell.wave_label, cell.programme, cell.due, cell.counts["answered"]) for cell in ordered]
    title = gettext(language, "Response rate per wave and programme")
    texts = chart_texts(language, [cell.programme for cell in ordered], title)
    description = "; ".join(
        f"{cell.wave_label}, {texts.series[cell.programme]}: "
        + (texts.rate(cell.response_rate) if cell.response_rate is not None else texts.none_due)
        for cell in ordered
    )
    return svg_markup(response_drawing(bars, texts), title=title, description=description, id_prefix="response")
