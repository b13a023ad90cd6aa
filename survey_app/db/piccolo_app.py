"""Piccolo's registration of our tables and migrations (used by ``piccolo migrations``)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from survey_app.db.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="survey_app",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
