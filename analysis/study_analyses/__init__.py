"""The study's analyses (``domain/study.md``, "Analyses"): pure functions over the long-format
panel, each returning a dataclass that turns into its part of ``mestring analyse --json``."""

from analysis.study_analyses.analyse import GROUP_A, analyse

__all__ = ["GROUP_A", "analyse"]
