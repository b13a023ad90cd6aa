"""The study's statistics over pandas DataFrames: panel frames, descriptives, the group
comparisons and regressions of ``domain/study.md``, power analysis, the follow-up intensity
suggestion and reportlab reports. Pure functions; no web, no database; may import
``instruments`` only."""
