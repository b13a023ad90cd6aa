"""The study's analyses over the platform's own panel or over a researcher's long-format CSV."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import anyio
import pandas as pd

from analysis.study_analyses.analyse import analyse
from survey_app.services.calendar import utcnow
from survey_app.services.panel_export import panel_batches

MESTRING_VERSION = version("mestring")


async def panel_frame(now: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None):
    """The whole long-format panel of the current study (study IDs only, submitted answers only)."""
    frames = [frame async for frame in panel_batches(now, progress=progress)]
    return pd.concat(frames, ignore_index=True) if frames else None


async def analyse_database(
    group_a: str,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    steps: Callable[[int, int], None] | None = None,
) -> dict:
    """The analyses of the study's panel as it is at ``now``; ``progress`` counts participants
    read, ``steps`` the analyses done."""
    now = now or utcnow()
    long = await panel_frame(now, progress)
    if long is None:
        raise NoPanel()
    # Seconds of pandas and statsmodels on a large panel: off the event loop, so that a web
    # worker goes on answering others meanwhile.
    return await anyio.to_thread.run_sync(
        functools.partial(
            analyse, long, group_a, snapshot=now, source="database", version=MESTRING_VERSION, progress=steps
        )
    )


def read_long_csv(path: Path) -> pd.DataFrame:
    """A long-format panel CSV as text columns (the analyses convert what they use), so that a
    study ID such as ``0042`` keeps its zeros and an empty cell stays empty."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def analyse_file(path: Path, group_a: str, progress: Callable[[int, int], None] | None = None) -> dict:
    """The analyses of a long-format panel CSV; the snapshot time is the file's last change."""
    changed = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return analyse(
        read_long_csv(path),
        group_a,
        snapshot=changed,
        source=f"file:{path.name}",
        version=MESTRING_VERSION,
        progress=progress,
    )


class NoPanel(Exception):
    """The study has no participants yet: there is nothing to analyse."""
