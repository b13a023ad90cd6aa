"""Plain JSON numbers out of pandas/numpy results: NaN and infinities become None."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def number(x) -> float | None:
    """``x`` as a plain Python number, or None when it is missing or not finite.

    Parameters
    ----------
    x : number, numpy scalar, ``pd.NA`` or None

    Returns
    -------
    float, int or None
        Integers (counts, df) stay ``int``; everything else becomes ``float``.
    """
    if x is None or x is pd.NA:
        return None
    if isinstance(x, bool | np.bool_ | int | np.integer):
        return int(x)
    value = float(x)
    return value if math.isfinite(value) else None
