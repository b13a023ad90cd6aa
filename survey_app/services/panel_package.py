"""The panel as one download for the researcher's page and the API: the data file and its
codebook (CSV and PDF) in a zip, written to a private temporary folder that the caller removes
once the file has been sent."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.panel_export import codebook_path, codebook_pdf_path, write_panel
from survey_app.services.studies import current_study


@dataclass(frozen=True)
class PanelPackage:
    path: Path
    filename: str
    rows: int

    def remove(self) -> None:
        shutil.rmtree(self.path.parent, ignore_errors=True)


async def panel_package(shape: str, file_format: str, lang: str, actor: audit.Actor) -> PanelPackage:
    """Write the panel and its codebook and zip them; the export is audited (who, which layout
    and format, how many rows), never with any of its content."""
    study = await current_study()
    now = utcnow()
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", study.code).strip("-") or "study"
    stem = f"mestring-{code}-{shape}-{now.astimezone(study.timezone):%Y-%m-%d}"
    folder = Path(tempfile.mkdtemp(prefix="mestring-export-"))
    try:
        data = folder / f"{stem}.{file_format}"
        rows = await write_panel(data, shape, file_format, lang, now=now)
        package = folder / f"{stem}-{file_format}.zip"
        # Parquet, .dta and .sav are compressed or binary already; deflating them again costs
        # time for little.
        method = zipfile.ZIP_DEFLATED if file_format == "csv" else zipfile.ZIP_STORED
        with zipfile.ZipFile(package, "w", compression=method) as archive:
            for part in (data, codebook_path(data), codebook_pdf_path(data)):
                archive.write(part, part.name)
                part.unlink()
        await audit.record(
            actor,
            "panel.export",
            "study",
            study.id,
            {"shape": shape, "format": file_format, "lang": lang, "rows": rows},
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return PanelPackage(package, package.name, rows)
