"""Offices: which office a job specialist belongs to, and who leads it (set by an
administrator). An office lead sees the office's caseloads (see ``access.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from survey_app.db.engine import transactional
from survey_app.db.tables import Staff
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.errors import InvalidInput, NotFound
from survey_app.services.validation import clean_text, fits_row_id

NO_SUCH_SPECIALIST = N_("No job specialist with this number.")
LEAD_NEEDS_OFFICE = N_("Write the office before making the job specialist its lead.")


@transactional
async def set_office(actor: audit.Actor, staff_id: int, raw: Mapping[str, object]) -> bool:
    """Set a job specialist's ``office`` and whether they lead it (``lead`` = "1"); returns
    whether anything changed. Audited with the office name (not identifying a job seeker)."""
    row = None
    if fits_row_id(staff_id):
        row = (
            await Staff.select(Staff.office, Staff.office_lead)
            .where((Staff.id == staff_id) & (Staff.role == "specialist"))
            .first()
        )
    if row is None:
        raise NotFound(NO_SUCH_SPECIALIST)
    office = clean_text(raw.get("office"), 200) or None
    lead = raw.get("lead") == "1"
    if lead and not office:
        raise InvalidInput({"office": LEAD_NEEDS_OFFICE})
    if (row["office"], row["office_lead"]) == (office, lead):
        return False
    await Staff.update({Staff.office: office, Staff.office_lead: lead}).where(Staff.id == staff_id)
    await audit.record(actor, "staff.office", "staff", staff_id, {"office": office, "lead": lead})
    return True
