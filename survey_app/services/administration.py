"""What the administrator reads: staff accounts and the audit log."""

from __future__ import annotations

from survey_app.db.tables import AuditEvent, Staff


async def staff_accounts() -> list[dict]:
    return (
        await Staff.select(
            Staff.id,
            Staff.email,
            Staff.display_name,
            Staff.role,
            Staff.office,
            Staff.office_lead,
            Staff.active,
            Staff.last_login_at,
        )
        .order_by(Staff.role)
        .order_by(Staff.email)
    )


async def recent_audit_events(limit: int = 200) -> list[dict]:
    return await AuditEvent.select().order_by(AuditEvent.id, ascending=False).limit(limit)
