"""The web app and everything that touches the database: settings, tables and migrations,
services (enrolment, answering, caseload, messaging), mail, and the Litestar HTTP layer."""
