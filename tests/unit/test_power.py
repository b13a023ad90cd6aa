"""Power analysis against published reference values (R's pwr, G*Power output) and its invariants.

Sources of the reference numbers:

* [pwr-vignette] R package pwr 1.3-0, vignette "Getting started with the pwr package"
  (``inst/doc/pwr-vignette.html`` in github.com/cran/pwr, the printed R output). pwr reports n per
  group; the total N is groups x n.
* [SE-68754] G*Power output quoted in the accepted answer to "Repeated measures ANOVA power analysis
  in G*Power", Cross Validated question 68754 (https://stats.stackexchange.com/posts/68754/revisions).
* [domain] /work/shared/domain/study.md and the chapter it summarises: G*Power, power .80,
  f = .25, alpha .05, repeated measures, two groups, total N 78.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.power import TESTS, PowerResult, achieved_power, power_analysis

# ---------------------------------------------------------------------------------------------
# Two independent groups, t test (pwr.t.test, type = "two.sample", two-sided)


def test_ttest_power_at_given_n_matches_pwr():
    # [pwr-vignette] pwr.t.test(n = 30, d = 0.5, sig.level = 0.05) -> power = 0.4778965
    assert achieved_power("ttest", 0.5, 2 * 30) == pytest.approx(0.4778965, abs=1e-7)
    result = power_analysis("ttest", 0.5, n_total=60)
    assert result.power == pytest.approx(0.4778965, abs=1e-7)
    assert result.details["df"] == 58


@pytest.mark.parametrize(
    ("d", "n_per_group", "n_total"),
    [
        # [pwr-vignette] pwr.t.test(d = 0.5, power = 0.80, sig.level = 0.05) -> n = 63.76561 per group
        (0.5, 63.76561, 128),
        # [pwr-vignette] pwr.t.test(d = 0.75/2.25, power = 0.80, sig.level = 0.05) -> n = 142.2462
        (0.75 / 2.25, 142.2462, 286),
    ],
)
def test_ttest_sample_size_matches_pwr(d, n_per_group, n_total):
    # pwr's fractional n solves power = .80 exactly ...
    assert achieved_power("ttest", d, 2 * n_per_group) == pytest.approx(0.80, abs=1e-6)
    # ... and G*Power rounds up to equal groups: 2 * ceil(n) in total.
    assert n_total == 2 * math.ceil(n_per_group)
    result = power_analysis("ttest", d, power=0.80)
    assert result.n_total == n_total
    assert result.details["n1"] == result.details["n2"] == n_total / 2
    assert result.power >= 0.80


# ---------------------------------------------------------------------------------------------
# One-way ANOVA (pwr.anova.test) and G*Power's "ANOVA: Fixed effects, omnibus, one-way"


@pytest.mark.parametrize(
    ("f", "n_per_group"),
    [
        # [pwr-vignette] pwr.anova.test(k = 3, f = 0.25, sig.level = 0.01, power = 0.9) -> n = 94.48714
        (0.25, 94.48714),
        # [pwr-vignette] pwr.anova.test(k = 3, f = 5/3, sig.level = 0.01, power = 0.9) -> n = 3.842228
        (5 / 3, 3.842228),
    ],
)
def test_anova_sample_size_matches_pwr(f, n_per_group):
    assert achieved_power("anova", f, 3 * n_per_group, alpha=0.01, groups=3) == pytest.approx(0.90, abs=1e-6)
    result = power_analysis("anova", f, alpha=0.01, power=0.90, groups=3)
    assert result.n_total == 3 * math.ceil(n_per_group)  # 285 and 12
    assert result.details["df1"] == 2
    assert result.details["df2"] == result.n_total - 3


def test_anova_matches_gpower_output():
    # [SE-68754] G*Power, three groups, f = .25, alpha = .05, power = .95 -> total sample size 252
    assert power_analysis("anova", 0.25, power=0.95, groups=3).n_total == 252


# ---------------------------------------------------------------------------------------------
# Correlation (pwr.r.test, arctanh approximation)


@pytest.mark.parametrize(
    ("r", "alpha", "tails", "n", "n_total"),
    [
        # [pwr-vignette] pwr.r.test(r = "medium" = 0.3, power = 0.8) -> n = 84.07364
        (0.3, 0.05, 2, 84.07364, 85),
        # [pwr-vignette] pwr.r.test(r = 0.1, sig.level = 0.01, power = 0.8) -> n = 1162.564
        (0.1, 0.01, 2, 1162.564, 1163),
        # [pwr-vignette] pwr.r.test(r = 0.1, sig.level = 0.01, power = 0.8, alternative = "greater") -> n = 999.2054
        (0.1, 0.01, 1, 999.2054, 1000),
    ],
)
def test_correlation_matches_pwr(r, alpha, tails, n, n_total):
    assert achieved_power("correlation", r, n, alpha=alpha, tails=tails) == pytest.approx(0.80, abs=1e-6)
    result = power_analysis("correlation", r, alpha=alpha, power=0.80, tails=tails)
    assert result.n_total == n_total == math.ceil(n)


# ---------------------------------------------------------------------------------------------
# Repeated measures (G*Power "ANOVA: Repeated measures, ...")


def test_rm_within_matches_gpower_output():
    # [SE-68754] G*Power, within factor with three measurements, corr among repeated measures 0,
    # f = .25, alpha = .05, power = .95 -> total sample size 84 (= 252 / 3 measurements)
    result = power_analysis("rm-within", 0.25, power=0.95, groups=1, measurements=3, corr=0.0)
    assert result.n_total == 84
    assert result.details["df1"] == 2
    assert result.details["df2"] == 83 * 2


def test_rm_noncentrality_and_degrees_of_freedom_follow_gpower_formulas():
    # Formulas of G*Power 3.1 (Faul et al., 2007), written out for N = 40, k = 2, m = 3, rho = .5,
    # epsilon = .75, f = .25: these restate the documented formulas, they are not independent values.
    common = {"n_total": 40, "groups": 2, "measurements": 3, "corr": 0.5, "epsilon": 0.75}
    between = power_analysis("rm-between", 0.25, **common).details
    assert between["lambda"] == pytest.approx(0.0625 * 40 * 3 / (1 + 2 * 0.5))
    assert (between["df1"], between["df2"]) == (1, 38)
    within = power_analysis("rm-within", 0.25, **common).details
    assert within["lambda"] == pytest.approx(0.0625 * 40 * 3 * 0.75 / 0.5)
    assert (within["df1"], within["df2"]) == pytest.approx((2 * 0.75, 38 * 2 * 0.75))
    interaction = power_analysis("rm-interaction", 0.25, **common).details
    assert interaction["lambda"] == pytest.approx(within["lambda"])
    assert (interaction["df1"], interaction["df2"]) == pytest.approx((1 * 2 * 0.75, 38 * 2 * 0.75))


def test_rm_between_with_uncorrelated_measures_counts_every_measurement():
    # With rho = 0 each of the m measurements adds a full observation: lambda = m * (one-way ANOVA's f^2 N).
    anova = power_analysis("anova", 0.25, n_total=60, groups=3)
    between = power_analysis("rm-between", 0.25, n_total=60, groups=3, measurements=2, corr=0.0)
    assert between.details["lambda"] == pytest.approx(2 * anova.details["lambda"])
    assert between.details["df2"] == anova.details["df2"]


@pytest.mark.parametrize(
    ("measurements", "corr"),
    [(2, 0.2), (3, 0.4), (4, 0.46)],
)
def test_study_total_n_78_is_the_between_factor_with_these_correlations(measurements, corr):
    # [domain] G*Power, power .80, f = .25, alpha .05, repeated measures, two groups -> total N 78.
    # The chapter gives no correlation; these settings reproduce 78 (see the module docstring).
    result = power_analysis("rm-between", 0.25, power=0.80, groups=2, measurements=measurements, corr=corr)
    assert result.n_total == 78
    assert result.power >= 0.80


def test_study_design_interaction_needs_fewer_than_78_at_a_positive_correlation():
    for corr in (0.0, 0.2, 0.5, 0.8):
        result = power_analysis("rm-interaction", 0.25, power=0.80, groups=2, measurements=2, corr=corr)
        assert result.n_total < 78


# ---------------------------------------------------------------------------------------------
# Result object


def test_result_as_dict_is_flat_and_plain():
    result = power_analysis("rm-between", 0.25, power=0.80, corr=0.2)
    assert isinstance(result, PowerResult)
    flat = result.as_dict()
    assert list(flat)[:5] == ["test", "n_total", "power", "effect", "alpha"]
    assert flat["test"] == "rm-between"
    assert flat["n_total"] == 78
    assert flat["target_power"] == 0.80
    for key in ("lambda", "f_crit", "df1", "df2", "groups", "measurements", "corr", "epsilon"):
        assert type(flat[key]) in (int, float), key
    with pytest.raises(TypeError):
        result.details["lambda"] = 0  # read-only


def test_given_n_has_no_target_power():
    assert "target_power" not in power_analysis("anova", 0.25, n_total=90, groups=3).details


# ---------------------------------------------------------------------------------------------
# Round trip: the N found is the smallest allowed N reaching the target


@st.composite
def designs(draw):
    test = draw(st.sampled_from(sorted(TESTS)))
    kwargs = {"alpha": draw(st.sampled_from([0.01, 0.05, 0.1])), "power": draw(st.floats(0.5, 0.95))}
    if test == "correlation":
        effect = draw(st.floats(0.15, 0.9))
        kwargs["tails"] = draw(st.sampled_from([1, 2]))
    else:
        effect = draw(st.floats(0.15, 1.5))
    if test == "ttest":
        kwargs["tails"] = draw(st.sampled_from([1, 2]))
    elif test in ("anova", "rm-between", "rm-interaction"):
        kwargs["groups"] = draw(st.integers(2, 5))
    elif test == "rm-within":
        kwargs["groups"] = draw(st.integers(1, 4))
    if test.startswith("rm-"):
        m = draw(st.integers(2, 5))
        kwargs["measurements"] = m
        kwargs["corr"] = draw(st.floats(max(-0.5, -1 / (m - 1) + 0.05), 0.9))
        kwargs["epsilon"] = draw(st.floats(1 / (m - 1), 1.0))
    return test, effect, kwargs


@settings(max_examples=60, deadline=None)
@given(designs())
def test_sample_size_round_trips(design):
    test, effect, kwargs = design
    target = kwargs.pop("power")
    found = power_analysis(test, effect, power=target, **kwargs)
    step = 1 if test == "correlation" else kwargs.get("groups", 2)
    assert found.n_total % step == 0
    assert found.power >= target
    again = power_analysis(test, effect, n_total=found.n_total, **kwargs)
    assert again.power == pytest.approx(found.power)
    smaller = found.n_total - step
    minimum = {"correlation": 4, "ttest": 3}.get(test, kwargs.get("groups", 2) + 1)
    if smaller >= minimum:
        assert power_analysis(test, effect, n_total=smaller, **kwargs).power < target


# ---------------------------------------------------------------------------------------------
# Bad input


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("ttest", 0.0), {"power": 0.8}, "effect must be a positive"),
        (("anova", -0.25), {"power": 0.8}, "effect must be a positive"),
        (("anova", float("nan")), {"power": 0.8}, "effect must be a positive"),
        (("correlation", 1.0), {"power": 0.8}, "below 1"),
        (("ttest", 0.5), {"power": 0.8, "alpha": 0.0}, "alpha"),
        (("ttest", 0.5), {"power": 0.8, "alpha": 1.0}, "alpha"),
        (("ttest", 0.5), {"power": 0.8, "n_total": 60}, "exactly one"),
        (("ttest", 0.5), {}, "exactly one"),
        (("ttest", 0.5), {"power": 1.0}, "power must lie"),
        (("ttest", 0.5), {"power": 0.0}, "power must lie"),
        (("t-test", 0.5), {"power": 0.8}, "unknown test 't-test'"),
        (("ttest", 0.5), {"power": 0.8, "groups": 1}, "exactly 2"),
        (("ttest", 0.5), {"power": 0.8, "groups": 3}, "exactly 2"),
        (("ttest", 0.5), {"power": 0.8, "tails": 3}, "tails"),
        (("anova", 0.25), {"power": 0.8, "groups": 1}, "at least 2 groups"),
        (("rm-interaction", 0.25), {"power": 0.8, "groups": 1}, "at least 2 groups"),
        (("rm-within", 0.25), {"power": 0.8, "measurements": 1}, "at least 2 measurements"),
        (("rm-between", 0.25), {"power": 0.8, "measurements": 1}, "at least 2 measurements"),
        (("rm-within", 0.25), {"power": 0.8, "measurements": 4, "epsilon": 0.3}, "epsilon"),
        (("rm-within", 0.25), {"power": 0.8, "measurements": 4, "epsilon": 1.1}, "epsilon"),
        (("rm-interaction", 0.25), {"power": 0.8, "corr": 1.0}, "corr"),
        (("rm-between", 0.25), {"power": 0.8, "corr": -1.0}, "corr"),
        # equal correlations among 4 measures cannot be below -1/3 (the covariance matrix would not be valid)
        (("rm-between", 0.25), {"power": 0.8, "measurements": 4, "corr": -0.5}, r"-1/\(m-1\) = -0.3333"),
        (("anova", 0.25), {"n_total": 2, "groups": 2}, "at least 3"),
        (("anova", 0.25), {"n_total": 60.5, "groups": 2}, "whole number"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_message(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        power_analysis(*args, **kwargs)


def test_epsilon_lower_bound_is_allowed():
    result = power_analysis("rm-within", 0.25, power=0.8, groups=1, measurements=4, epsilon=1 / 3)
    assert result.details["df1"] == pytest.approx(1.0)


def test_unreachable_power_is_an_error():
    with pytest.raises(ValueError, match="not reached"):
        power_analysis("ttest", 1e-6, power=0.8)
