"""The 2 (group) x 2 (time) repeated-measures GLM of hours, against published and independent values.

Sources of the reference numbers:

* [R-t.test] R documentation of ``t.test`` (stats package), example ``t.test(extra ~ group,
  data = sleep, var.equal = TRUE)``: t = -1.8608, df = 18, p-value = 0.07919; mean in group 1
  0.75, mean in group 2 2.33. The sleep data (Cushny & Peebles 1905, R's ``datasets::sleep``).
  With hours_before = 0 and hours_after = extra, and no covariate, the mixed ANOVA's
  group x time test is the pooled t-test of the changes (F = t^2, same p, df 18), its group test
  the same t-test on the mean (extra / 2), and its time test the one-sample test of the
  unweighted mean of the two group means with the same pooled standard error:
  ``t_time = (m1 + m2) / 2 / (SE / 2)`` with ``SE = (m2 - m1) / |t|``, so
  ``F_time = ((m1 + m2) |t| / (m2 - m1))^2`` (Maxwell & Delaney 2004, ch. 14).
* [pingouin-JASP] pingouin's ``mixed_anova`` tests (github.com/raphaelvallat/pingouin,
  tests/test_parametric.py, "Compare with JASP and ezANOVA") on its dataset
  ``datasets/mixed_anova.csv`` (memory scores, subjects 0-29 Control, 30-59 Meditation, times
  August, January, June): Group F = 5.05171 on 1 and 58 df, partial eta squared 0.08012; on the
  unbalanced subset of subjects 0-54: Group F = 3.561, partial eta squared 0.063. The
  between-subject test of a mixed ANOVA depends only on each subject's mean over the times, so
  the three scores go in as a before/after pair with the same mean.
* [long] An independent computation in this file: the univariate split-plot approach on the
  stacked (one row per subject and time) data, by statsmodels OLS with subject fixed effects.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.study_analyses.hours_by_time import HoursByTime, hours_by_time

# [R-t.test] datasets::sleep, extra for group 1 and group 2.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
SLEEP_T, SLEEP_P, SLEEP_M1, SLEEP_M2 = -1.8608, 0.07919, 0.75, 2.33

# [pingouin-JASP] mixed_anova.csv: (subject, August, January, June), scores rounded to 6 decimals.
MEMORY = [
    (0, 5.971435, 5.102160, 4.525764),
    (1, 4.309024, 5.837438, 5.429655),
    (2, 6.932707, 6.547579, 5.807969),
    (3, 5.187348, 6.545938, 5.291501),
    (4, 4.779411, 6.363717, 6.533801),
    (5, 6.387163, 5.377908, 3.099546),
    (6, 6.359588, 5.624713, 7.530604),
    (7, 4.863476, 5.177205, 4.357369),
    (8, 5.515696, 6.341675, 5.711883),
    (9, 3.257315, 7.890961, 6.204721),
    (10, 6.650036, 5.576200, 4.714565),
    (11, 6.491946, 4.933554, 5.962060),
    (12, 6.453324, 5.536142, 6.204228),
    (13, 3.478745, 3.425022, 6.023508),
    (14, 5.165923, 5.747792, 4.573746),
    (15, 5.502118, 4.602843, 7.507843),
    (16, 5.905453, 5.363205, 5.726963),
    (17, 5.789092, 5.518289, 4.347341),
    (18, 6.821158, 6.255414, 6.131979),
    (19, 3.953094, 5.715269, 5.539513),
    (20, 5.297354, 6.341009, 5.964392),
    (21, 4.844031, 4.054190, 1.936483),
    (22, 5.693421, 4.098027, 6.821106),
    (23, 6.053439, 5.399082, 5.652631),
    (24, 6.818152, 4.951758, 5.664530),
    (25, 5.030695, 5.355380, 5.069904),
    (26, 6.175554, 5.854020, 6.267369),
    (27, 3.682973, 5.464487, 6.484920),
    (28, 5.316891, 6.065738, 5.770836),
    (29, 6.558969, 7.045659, 6.891986),
    (30, 5.579842, 5.551568, 6.896143),
    (31, 5.100035, 5.182293, 7.196595),
    (32, 4.472149, 5.117116, 5.925979),
    (33, 4.915282, 6.236258, 6.343304),
    (34, 6.316594, 4.096987, 7.757797),
    (35, 5.418053, 6.193711, 5.595166),
    (36, 5.155234, 5.320676, 4.276380),
    (37, 6.028288, 5.500984, 6.066498),
    (38, 4.431011, 6.494103, 5.513281),
    (39, 4.988119, 6.478630, 6.734198),
    (40, 5.791205, 6.039556, 6.936784),
    (41, 6.066534, 5.951227, 5.656170),
    (42, 6.003592, 6.616127, 6.079796),
    (43, 5.785296, 7.693534, 5.483801),
    (44, 5.984288, 6.439633, 5.540332),
    (45, 6.863482, 4.837971, 6.625985),
    (46, 4.718895, 3.714734, 7.028776),
    (47, 5.031982, 7.730247, 6.586494),
    (48, 6.724574, 4.064651, 7.352478),
    (49, 4.218892, 7.010384, 7.388138),
    (50, 6.375476, 6.597435, 6.327392),
    (51, 3.789285, 5.420189, 5.849397),
    (52, 5.049235, 6.502562, 5.461847),
    (53, 6.249164, 4.949654, 5.160928),
    (54, 5.296067, 6.976812, 6.539683),
    (55, 5.317825, 5.275664, 6.176981),
    (56, 6.180656, 6.500908, 8.523692),
    (57, 3.681501, 6.784188, 6.522273),
    (58, 5.547072, 5.678272, 4.990568),
    (59, 5.894844, 8.165769, 7.822986),
]
CONTROL_SUBJECTS = range(30)


def _subjects(groups, before, after, age=None) -> pd.DataFrame:
    """A frame shaped like ``subjects()``' (only the columns the analysis reads)."""
    n = len(groups)
    return pd.DataFrame(
        {
            "study_id": [f"P{i:04d}" for i in range(n)],
            "group": list(groups),
            "age_at_inclusion": np.full(n, np.nan) if age is None else np.asarray(age, dtype="float64"),
            "hours_before": np.asarray(before, dtype="float64"),
            "hours_after": np.asarray(after, dtype="float64"),
        }
    )


def _sleep() -> HoursByTime:
    groups = ["a"] * len(SLEEP_1) + ["b"] * len(SLEEP_2)
    frame = _subjects(groups, np.zeros(len(groups)), SLEEP_1 + SLEEP_2)
    return hours_by_time(frame, covariate=None)


def test_without_covariate_the_interaction_and_group_tests_are_the_pooled_t_test_r_t_test():
    result = _sleep()
    assert result.note is None
    for effect in (result.group_x_time, result.group):
        assert (effect.df1, effect.df2) == (1, 18)
        assert pytest.approx(SLEEP_T**2, rel=1e-4) == effect.F
        assert effect.p == pytest.approx(SLEEP_P, abs=1e-5)
        assert effect.partial_eta_sq == pytest.approx(SLEEP_T**2 / (SLEEP_T**2 + 18), rel=1e-4)


def test_without_covariate_time_is_the_unweighted_mean_change_r_t_test():
    result = _sleep()
    expected = ((SLEEP_M1 + SLEEP_M2) * abs(SLEEP_T) / (SLEEP_M2 - SLEEP_M1)) ** 2
    assert (result.time.df1, result.time.df2) == (1, 18)
    assert pytest.approx(expected, rel=1e-4) == result.time.F
    assert result.covariate is None and result.covariate_centre is None
    assert result.means.a.hours_before == 0 and result.means.a.hours_after == pytest.approx(SLEEP_M1)
    assert result.means.b.hours_after == pytest.approx(SLEEP_M2)
    assert (result.n.a, result.n.b) == (10, 10)


@pytest.mark.parametrize(
    ("last_subject", "f_value", "eta", "df2", "tolerance"),
    [
        (59, 5.05171, 0.08012, 58, 1e-4),  # [pingouin-JASP] balanced, 30 + 30
        (54, 3.561, 0.063, 53, 1e-3),  # [pingouin-JASP] unbalanced, 30 + 25
    ],
)
def test_without_covariate_the_group_test_matches_jasp(last_subject, f_value, eta, df2, tolerance):
    rows = [row for row in MEMORY if row[0] <= last_subject]
    groups = ["b" if row[0] in CONTROL_SUBJECTS else "a" for row in rows]
    august = np.array([row[1] for row in rows])
    total = np.array([sum(row[1:]) for row in rows])
    # Chosen so that (before + after) / 2 is the mean of the three scores.
    after = 2 * total / 3 - august
    result = hours_by_time(_subjects(groups, august, after), covariate=None)
    assert (result.group.df1, result.group.df2) == (1, df2)
    assert pytest.approx(f_value, abs=tolerance) == result.group.F
    assert result.group.partial_eta_sq == pytest.approx(eta, abs=tolerance)


def _sample(seed: int = 20260611, n_a: int = 17, n_b: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_a + n_b
    groups = np.array(["a"] * n_a + ["b"] * n_b)
    age = rng.integers(19, 64, n).astype(float)
    before = np.clip(rng.normal(6, 5, n) + 0.1 * (age - 40), 0, 80).round(1)
    gain = np.where(groups == "a", 6.0, 2.5) - 0.12 * (age - 40)
    after = np.clip(before + gain + rng.normal(0, 4, n), 0, 80).round(1)
    return _subjects(groups, before, after, age)


def _split_plot(frame: pd.DataFrame, centre: float | None) -> dict[str, float]:
    """[long] The univariate split-plot ANCOVA on stacked data, from scratch with statsmodels.

    Within subjects: y = subject_i + time * (b_b + b_ab * a + b_age * (age - centre)) with time
    -1/2 / +1/2 and group dummy-coded (a = 1); ``time`` is the contrast b_b + b_ab / 2 (the
    unweighted mean of the two groups' changes), ``group_x_time`` is b_ab. Between subjects:
    the group sum of squares of the stacked model without subject effects, over the between-subject
    error = its residual minus the within model's residual.
    """
    used = frame.dropna(subset=["hours_before", "hours_after", "age_at_inclusion"]).reset_index(drop=True)
    n = len(used)
    long = pd.concat(
        [
            used.assign(subject=used.index, time=-0.5, y=used["hours_before"]),
            used.assign(subject=used.index, time=0.5, y=used["hours_after"]),
        ],
        ignore_index=True,
    )
    a = (long["group"] == "a").astype(float)
    age = long["age_at_inclusion"] - (used["age_at_inclusion"].mean() if centre is None else centre)
    subjects = pd.get_dummies(long["subject"], prefix="s", dtype=float)
    slopes = pd.DataFrame({"time": long["time"], "time_a": long["time"] * a, "time_age": long["time"] * age})
    within = sm.OLS(long["y"], pd.concat([subjects, slopes], axis=1)).fit()
    assert within.df_resid == n - 3
    contrast = np.zeros(len(within.params))
    contrast[list(within.params.index).index("time")] = 1.0
    contrast[list(within.params.index).index("time_a")] = 0.5
    time = float(within.t_test(contrast).tvalue.item()) ** 2
    interaction = float(within.tvalues["time_a"]) ** 2

    between = pd.concat([pd.DataFrame({"const": 1.0, "a": a, "age": age}), slopes], axis=1)
    full = sm.OLS(long["y"], between).fit()
    without_group = sm.OLS(long["y"], between.drop(columns="a")).fit()
    error = (full.ssr - within.ssr) / (n - 3)
    group = (without_group.ssr - full.ssr) / error
    return {"time": time, "group": group, "group_x_time": interaction}


def test_with_covariate_every_f_matches_the_stacked_split_plot_model():
    frame = _sample()
    result = hours_by_time(frame)
    expected = _split_plot(frame, centre=None)
    assert result.note is None
    for name in ("time", "group", "group_x_time"):
        effect = getattr(result, name)
        assert pytest.approx(expected[name], rel=1e-8) == effect.F, name
        assert (effect.df1, effect.df2) == (1, len(frame) - 3)
        assert 0 < effect.p < 1


def test_the_covariate_is_centred_at_the_mean_of_the_analysed_cases_only():
    frame = _sample()
    analysed_mean = frame["age_at_inclusion"].mean()
    # Two participants who cannot be analysed, with ages that would move a mean over everyone.
    extra = _subjects(["a", "b"], [4.0, np.nan], [np.nan, 7.0], [99.0, 98.0])
    result = hours_by_time(pd.concat([frame, extra], ignore_index=True))
    assert result.covariate == "age_at_inclusion"
    assert result.covariate_centre == pytest.approx(analysed_mean, rel=1e-12)
    assert (result.n.a, result.n.b) == (17, 11)
    assert result.means.b.hours_before == pytest.approx(frame.loc[frame["group"] == "b", "hours_before"].mean())


def test_centring_moves_only_the_time_test_away_from_spss_uncentred_one():
    frame = _sample()
    result = hours_by_time(frame)
    uncentred = _split_plot(frame, centre=0.0)  # SPSS enters age as it is: time at age 0.
    assert pytest.approx(uncentred["time"], rel=1e-3) != result.time.F
    assert pytest.approx(uncentred["group"], rel=1e-8) == result.group.F
    assert pytest.approx(uncentred["group_x_time"], rel=1e-8) == result.group_x_time.F


def test_result_is_the_contracts_json():
    document = json.loads(json.dumps(dataclasses.asdict(hours_by_time(_sample()))))
    assert list(document) == [
        "n",
        "covariate",
        "covariate_centre",
        "means",
        "time",
        "group",
        "group_x_time",
        "note",
    ]
    assert document["n"] == {"a": 17, "b": 11}
    assert set(document["means"]["a"]) == {"hours_before", "hours_after"}
    assert set(document["time"]) == {"F", "df1", "df2", "p", "partial_eta_sq"}
    assert isinstance(document["time"]["df2"], int)


@pytest.mark.parametrize(
    ("groups", "age", "note"),
    [
        (["a"] * 6, [30, 31, 32, 33, 34, 35], "in group b"),
        (["a", "a", "b"], [30, 40, 50], "too few complete cases (3) for 3 parameters"),
        (["a", "a", "b", "b", "a"], [40] * 5, "no variance in age_at_inclusion"),
        (["a", "a", "a", "b", "b", "b"], [30, 30, 30, 50, 50, 50], "collinear"),
    ],
)
def test_nothing_to_test_gives_nulls_and_a_note(groups, age, note):
    n = len(groups)
    result = hours_by_time(_subjects(groups, np.arange(n) % 3, np.arange(n) * 2.0, age))
    assert note in result.note
    for effect in (result.time, result.group, result.group_x_time):
        assert effect.F is None and effect.p is None and effect.partial_eta_sq is None


def test_an_identical_change_for_everyone_leaves_only_the_group_test():
    before = [0, 2, 5, 1, 8, 3, 4]
    result = hours_by_time(_subjects(list("aaabbbb"), before, np.add(before, 5.0), [20, 35, 50, 28, 44, 61, 39]))
    assert result.time.F is None and result.group_x_time.F is None
    assert result.group.F is not None and result.group.F >= 0
    assert "change in hours" in result.note


people = st.lists(
    st.tuples(st.booleans(), st.integers(0, 60), st.integers(0, 60), st.integers(18, 67)), min_size=6, max_size=40
)


def _frame(rows) -> pd.DataFrame:
    return _subjects(
        ["a" if a else "b" for a, *_ in rows], [r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]
    )


def _fs(result: HoursByTime) -> tuple[float, float, float]:
    return result.time.F, result.group.F, result.group_x_time.F


@settings(max_examples=150, deadline=None)
@given(rows=people, shift=st.integers(1, 40))
def test_properties_of_f_and_partial_eta_squared(rows, shift):
    assume(sum(a for a, *_ in rows) >= 2 and sum(not a for a, *_ in rows) >= 2)
    frame = _frame(rows)
    result = hours_by_time(frame)
    assume(result.note is None)
    for effect in (result.time, result.group, result.group_x_time):
        assert effect.F >= 0
        assert 0 <= effect.partial_eta_sq <= 1
        assert 0 <= effect.p <= 1

    both = frame.assign(hours_before=frame["hours_before"] + shift, hours_after=frame["hours_after"] + shift)
    assert _fs(hours_by_time(both)) == pytest.approx(_fs(result), rel=1e-6, abs=1e-9)

    # A constant added to the later time only is a change in time for everyone: the adjusted mean
    # change grows by 1000, so the time F moves (it could stay only if that mean were exactly
    # -500), while the group and interaction tests do not.
    later = hours_by_time(frame.assign(hours_after=frame["hours_after"] + 1000))
    assert pytest.approx(result.time.F, rel=1e-6) != later.time.F
    assert pytest.approx((result.group.F, result.group_x_time.F), rel=1e-6) == (later.group.F, later.group_x_time.F)
