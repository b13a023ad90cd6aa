"""A priori and post hoc power analysis, computed the way G*Power 3.1 computes it.

One entry point, :func:`power_analysis`, covers the tests the study needs (``domain/study.md``,
analysis 6): the two-group *t* test, the one-way ANOVA, the three F tests of a repeated-measures
ANOVA (between factor, within factor, within-between interaction) and the test of a correlation.
Given a target power it returns the smallest total N that reaches it; given a total N it returns
the power. :func:`achieved_power` is the same calculation for a (possibly non-integer) N.

Power is the upper tail of the noncentral distribution beyond the central critical value
(Faul, Erdfelder, Lang & Buchner, 2007):

* *t* tests: ``power = P(T' > t_crit) + P(T' < -t_crit)`` (two-tailed) with
  ``T' ~ t'(df, delta)`` from :data:`scipy.stats.nct`;
* F tests: ``power = P(F' > F_crit)`` with ``F' ~ F'(df1, df2, lambda)`` from :data:`scipy.stats.ncf`.

Sample size. G*Power rounds N up so that the achieved power is not below the target, keeping equal
group sizes; here too, for every test but the correlation, N is the smallest **multiple of
``groups``** whose power reaches the target (the correlation has no groups; N is the smallest integer).

The study's own power analysis. The chapter reports G*Power with power .80, f = .25, alpha .05,
repeated measures and two groups, giving a total N of 78, but not the correlation among the
repeated measures. With these formulas, 78 is reproduced by the **between-subjects factor** of a
repeated-measures ANOVA (``"rm-between"``, groups = 2) when

* measurements = 2 (before/after, as in the hours analysis) and corr in about [0.18, 0.21],
  e.g. ``power_analysis("rm-between", 0.25, power=0.80, groups=2, measurements=2, corr=0.2)``;
* measurements = 3 and corr in about [0.39, 0.41]; measurements = 4 and corr in about [0.45, 0.47].

The within factor and the within-between interaction need far fewer people at any positive
correlation (34 at corr = .5, m = 2); with two groups and two measurements they give 78 only with a
negative correlation (about -0.2). The between factor with a modest correlation is therefore the
reading that fits; the chapter does not say which test it ran, so this is an inference, not a fact.

References
----------
Faul, F., Erdfelder, E., Lang, A.-G., & Buchner, A. (2007). G*Power 3: A flexible statistical power
analysis program for the social, behavioral, and biomedical sciences. *Behavior Research Methods*,
39(2), 175-191.

Faul, F., Erdfelder, E., Buchner, A., & Lang, A.-G. (2009). Statistical power analyses using
G*Power 3.1: Tests for correlation and regression analyses. *Behavior Research Methods*, 41(4),
1149-1160.

Champely, S. (2020). *pwr: Basic functions for power analysis* (R package 1.3-0): ``pwr.t.test``,
``pwr.anova.test``, ``pwr.r.test``.

Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Erlbaum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from scipy import stats

__all__ = ["TESTS", "PowerResult", "achieved_power", "power_analysis"]

#: The tests :func:`power_analysis` knows, with G*Power's names for them.
TESTS: Mapping[str, str] = MappingProxyType(
    {
        "ttest": "t tests - Means: Difference between two independent means (two groups)",
        "anova": "F tests - ANOVA: Fixed effects, omnibus, one-way",
        "rm-between": "F tests - ANOVA: Repeated measures, between factors",
        "rm-within": "F tests - ANOVA: Repeated measures, within factors",
        "rm-interaction": "F tests - ANOVA: Repeated measures, within-between interaction",
        "correlation": "Correlation: bivariate normal model, H0 rho = 0 (pwr.r.test approximation)",
    }
)

_RM_TESTS = frozenset({"rm-between", "rm-within", "rm-interaction"})
_MAX_N = 10**9  # pwr's uniroot searches n up to 1e9 too


@dataclass(frozen=True)
class PowerResult:
    """The outcome of :func:`power_analysis`.

    Attributes
    ----------
    test : str
        One of :data:`TESTS`.
    n_total : int
        Total sample size (all groups together).
    power : float
        Power achieved at ``n_total`` (at least the target when one was given).
    effect : float
        Effect size: Cohen's d (``ttest``), Cohen's f (ANOVA tests) or the correlation r.
    alpha : float
        Significance level.
    details : Mapping[str, float]
        Noncentrality, critical value, degrees of freedom and the design settings used;
        ``target_power`` when a power was asked for.
    """

    test: str
    n_total: int
    power: float
    effect: float
    alpha: float
    details: Mapping[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """Flat dictionary: ``test``, ``n_total``, ``power``, ``effect``, ``alpha``, then the details."""
        return {
            "test": self.test,
            "n_total": self.n_total,
            "power": self.power,
            "effect": self.effect,
            "alpha": self.alpha,
            **self.details,
        }


def power_analysis(
    test: str,
    effect: float,
    *,
    alpha: float = 0.05,
    power: float | None = None,
    n_total: int | None = None,
    groups: int = 2,
    measurements: int = 2,
    corr: float = 0.5,
    epsilon: float = 1.0,
    tails: int = 2,
) -> PowerResult:
    r"""Required total sample size for a target power, or the power of a given total sample size.

    Give exactly one of ``power`` (a priori analysis: the smallest N reaching it) and ``n_total``
    (post hoc analysis: the power at that N).

    Parameters
    ----------
    test : {"ttest", "anova", "rm-between", "rm-within", "rm-interaction", "correlation"}
        The planned test, see Notes.
    effect : float
        Cohen's d for ``ttest``; Cohen's f for ``anova`` and the ``rm-*`` tests (G*Power's default
        "as in G*Power 3.0" convention); the population correlation r (0 < r < 1) for ``correlation``.
    alpha : float, default 0.05
        Significance level, 0 < alpha < 1.
    power : float, optional
        Target power, 0 < power < 1.
    n_total : int, optional
        Total sample size over all groups.
    groups : int, default 2
        Number of groups k. ``ttest`` needs exactly 2; ``anova``, ``rm-between`` and
        ``rm-interaction`` at least 2; ``rm-within`` at least 1. Not used for ``correlation``.
    measurements : int, default 2
        Number of repeated measurements m (``rm-*`` only), at least 2.
    corr : float, default 0.5
        Correlation rho among the repeated measures (``rm-*`` only), -1/(m-1) < rho < 1 (the range
        in which equal correlations among m measures are possible; -1 < rho < 1 for m = 2).
    epsilon : float, default 1.0
        Nonsphericity correction (``rm-within`` and ``rm-interaction``), 1/(m-1) <= epsilon <= 1.
    tails : {1, 2}, default 2
        One- or two-tailed test (``ttest`` and ``correlation`` only; F tests are one-tailed).

    Returns
    -------
    PowerResult
        ``n_total`` and the achieved ``power``, with the noncentrality parameter, critical value and
        degrees of freedom in ``details``.

    Raises
    ------
    ValueError
        Unknown test, effect <= 0 (or r >= 1), alpha or power outside (0, 1), not exactly one of
        ``power``/``n_total``, a design setting out of range, or a target power that no N up to 1e9
        reaches.

    Notes
    -----
    N is the total sample size, k = ``groups``, m = ``measurements``, rho = ``corr``,
    epsilon = ``epsilon``; formulas as in G*Power 3.1 (Faul et al., 2007):

    * ``ttest``: :math:`\delta = d\sqrt{n_1 n_2 / N}` with n1 = n2 = N/2, df = N - 2;
    * ``anova``: :math:`\lambda = f^2 N`, df1 = k - 1, df2 = N - k;
    * ``rm-between``: :math:`\lambda = f^2 N m / (1 + (m-1)\rho)`, df1 = k - 1, df2 = N - k
      (epsilon does not enter);
    * ``rm-within``: :math:`\lambda = f^2 N m \epsilon / (1-\rho)`, df1 = (m-1) epsilon,
      df2 = (N-k)(m-1) epsilon;
    * ``rm-interaction``: :math:`\lambda = f^2 N m \epsilon / (1-\rho)`, df1 = (k-1)(m-1) epsilon,
      df2 = (N-k)(m-1) epsilon.

    ``correlation`` follows R's ``pwr.r.test`` (Champely, pwr 1.3-0), an approximation to G*Power's
    exact test of H0: rho = 0. The critical r comes from the t test of r,
    :math:`r_c = t_c / \sqrt{t_c^2 + N - 2}` with :math:`t_c = t_{1-\alpha/\text{tails}}(N-2)`; the
    effect goes through Fisher's z with a bias correction, :math:`z_r = \operatorname{atanh} r + r/(2(N-1))`,
    and :math:`\text{power} = \Phi((z_r - \operatorname{atanh} r_c)\sqrt{N-3})` (+
    :math:`\Phi((-z_r - \operatorname{atanh} r_c)\sqrt{N-3})` two-tailed). It is a refinement of
    the textbook closed form :math:`N = ((z_{1-\alpha/2} + z_{1-\beta}) / \operatorname{atanh} r)^2 + 3`
    (Cohen, 1988, ch. 3), which gives slightly larger N (84.9 instead of pwr's 84.07 for r = .3,
    power .80); both round up to 85. G*Power's exact test may differ by one or two people.

    Examples
    --------
    >>> power_analysis("ttest", 0.5, power=0.80).n_total
    128
    >>> round(power_analysis("ttest", 0.5, n_total=60).power, 4)
    0.4779
    >>> power_analysis("rm-between", 0.25, power=0.80, groups=2, measurements=2, corr=0.2).n_total
    78
    """
    _check(test, effect, alpha, power, n_total, groups, measurements, corr, epsilon, tails)
    design = {"groups": groups, "measurements": measurements, "corr": corr, "epsilon": epsilon, "tails": tails}
    if n_total is not None:
        n = n_total
        if n < _min_n(test, groups):
            raise ValueError(f"n_total must be at least {_min_n(test, groups)} for test {test!r}, got {n_total}")
        achieved, details = _power(test, effect, n, alpha, **design)
    else:
        n = _solve_n(test, effect, alpha, power, **design)
        achieved, details = _power(test, effect, n, alpha, **design)
        details["target_power"] = power
    return PowerResult(
        test=test,
        n_total=int(n),
        power=float(achieved),
        effect=float(effect),
        alpha=float(alpha),
        details=MappingProxyType({key: _plain(value) for key, value in details.items()}),
    )


def achieved_power(
    test: str,
    effect: float,
    n_total: float,
    *,
    alpha: float = 0.05,
    groups: int = 2,
    measurements: int = 2,
    corr: float = 0.5,
    epsilon: float = 1.0,
    tails: int = 2,
) -> float:
    """Power of ``test`` at total sample size ``n_total``, which may be non-integer.

    The same calculation as :func:`power_analysis` with ``n_total`` given, without rounding, so
    that it can be compared with the fractional n that R's pwr functions report (pwr counts n per
    group: pass ``n_total = groups * n``).

    Parameters
    ----------
    test, effect, alpha, groups, measurements, corr, epsilon, tails
        As in :func:`power_analysis`.
    n_total : float
        Total sample size over all groups.

    Returns
    -------
    float
        The power.
    """
    _check(test, effect, alpha, None, 0, groups, measurements, corr, epsilon, tails)
    if not n_total > _min_n(test, groups) - 1:
        raise ValueError(f"n_total must be greater than {_min_n(test, groups) - 1} for test {test!r}, got {n_total}")
    value, _ = _power(test, effect, n_total, alpha, groups, measurements, corr, epsilon, tails)
    return float(value)


# --------------------------------------------------------------------------------------------------


def _check(test, effect, alpha, power, n_total, groups, measurements, corr, epsilon, tails) -> None:
    if test not in TESTS:
        raise ValueError(f"unknown test {test!r}; choose one of {', '.join(TESTS)}")
    if not (isinstance(effect, int | float) and math.isfinite(effect) and effect > 0):
        raise ValueError(f"effect must be a positive number, got {effect!r}")
    if test == "correlation" and effect >= 1:
        raise ValueError(f"the correlation r must be below 1, got {effect!r}")
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    if (power is None) == (n_total is None):
        raise ValueError("give exactly one of power (to get the sample size) or n_total (to get the power)")
    if power is not None and not (isinstance(power, int | float) and 0 < power < 1):
        raise ValueError(f"power must lie strictly between 0 and 1, got {power!r}")
    if n_total is not None and (isinstance(n_total, bool) or not isinstance(n_total, int)):
        raise ValueError(f"n_total must be a whole number, got {n_total!r}")
    if test in ("ttest", "correlation") and tails not in (1, 2):
        raise ValueError(f"tails must be 1 or 2, got {tails!r}")
    if test == "correlation":
        return
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise ValueError(f"groups must be a whole number, got {groups!r}")
    if test == "ttest" and groups != 2:
        raise ValueError(f"the t test compares exactly 2 independent groups, got groups={groups}")
    if test == "rm-within" and groups < 1:
        raise ValueError(f"groups must be at least 1, got {groups}")
    if test in ("anova", "rm-between", "rm-interaction") and groups < 2:
        raise ValueError(f"test {test!r} needs at least 2 groups, got groups={groups}")
    if test in _RM_TESTS:
        if isinstance(measurements, bool) or not isinstance(measurements, int) or measurements < 2:
            raise ValueError(f"repeated measures need at least 2 measurements, got measurements={measurements!r}")
        lower = 1 / (measurements - 1)
        # Equal correlations among m measures form a valid (positive definite) covariance matrix only
        # for -1/(m-1) < rho < 1; at or below that bound lambda of the between factor is not defined.
        if not (isinstance(corr, int | float) and -lower < corr < 1):
            raise ValueError(
                f"corr among repeated measures must lie strictly between -1/(m-1) = {-lower:.4g} and 1 "
                f"for {measurements} measurements, got {corr!r}"
            )
        if not (isinstance(epsilon, int | float) and lower - 1e-12 <= epsilon <= 1):
            raise ValueError(
                f"epsilon must lie in [1/(m-1), 1] = [{lower:.4g}, 1] for {measurements} measurements, got {epsilon!r}"
            )


def _plain(value: float) -> float:
    """numpy scalars from scipy as plain Python numbers (ints stay ints), for printing and JSON."""
    return value if isinstance(value, int) else float(value)


def _min_n(test: str, groups: int) -> int:
    """Smallest total N with positive error degrees of freedom (pwr requires n >= 4 for r)."""
    if test == "correlation":
        return 4
    if test == "ttest":
        return 3
    return groups + 1


def _power(
    test: str,
    effect: float,
    n: float,
    alpha: float,
    groups: int,
    measurements: int,
    corr: float,
    epsilon: float,
    tails: int,
) -> tuple[float, dict[str, float]]:
    """Power at total N ``n`` plus the details G*Power prints in its output pane."""
    if test == "ttest":
        n1 = n2 = n / 2
        df = n - 2
        delta = effect * math.sqrt(n1 * n2 / n)
        t_crit = stats.t.isf(alpha / tails, df)
        value = stats.nct.sf(t_crit, df, delta)
        if tails == 2:
            value += stats.nct.cdf(-t_crit, df, delta)
        return value, {"delta": delta, "t_crit": t_crit, "df": df, "n1": n1, "n2": n2, "tails": tails}

    if test == "correlation":
        df = n - 2
        t_crit = stats.t.isf(alpha / tails, df)
        r_crit = math.sqrt(t_crit**2 / (t_crit**2 + df))
        z_r = math.atanh(effect) + effect / (2 * (n - 1))
        z_crit = math.atanh(r_crit)
        scale = math.sqrt(n - 3)
        value = stats.norm.cdf((z_r - z_crit) * scale)
        if tails == 2:
            value += stats.norm.cdf((-z_r - z_crit) * scale)
        return value, {"z_r": z_r, "r_crit": r_crit, "t_crit": t_crit, "df": df, "tails": tails}

    f2 = effect**2
    k, m = groups, measurements
    details: dict[str, float] = {"groups": k}
    if test == "anova":
        lam, df1, df2 = f2 * n, k - 1, n - k
    elif test == "rm-between":
        lam, df1, df2 = f2 * n * m / (1 + (m - 1) * corr), k - 1, n - k
    elif test == "rm-within":
        lam, df1, df2 = f2 * n * m * epsilon / (1 - corr), (m - 1) * epsilon, (n - k) * (m - 1) * epsilon
    else:  # rm-interaction
        lam, df1, df2 = f2 * n * m * epsilon / (1 - corr), (k - 1) * (m - 1) * epsilon, (n - k) * (m - 1) * epsilon
    if test in _RM_TESTS:
        details.update(measurements=m, corr=corr, epsilon=epsilon)
    f_crit = stats.f.isf(alpha, df1, df2)
    value = stats.ncf.sf(f_crit, df1, df2, lam)
    return value, {"lambda": lam, "f_crit": f_crit, "df1": df1, "df2": df2, **details}


def _solve_n(
    test: str,
    effect: float,
    alpha: float,
    target: float,
    groups: int,
    measurements: int,
    corr: float,
    epsilon: float,
    tails: int,
) -> int:
    """Smallest N (a multiple of the group count, except for ``correlation``) with power >= target.

    Power grows with N for all these tests, so the answer is bracketed by doubling and then found
    by bisection over the allowed N.
    """
    step = 1 if test == "correlation" else groups
    lo = -(-_min_n(test, groups) // step)  # smallest multiple index giving a valid N

    def reaches(j: int) -> bool:
        value, _ = _power(test, effect, j * step, alpha, groups, measurements, corr, epsilon, tails)
        return value >= target

    if reaches(lo):
        return lo * step
    hi = lo * 2
    while not reaches(hi):
        lo = hi
        hi *= 2
        if hi * step > _MAX_N:
            raise ValueError(f"power {target} is not reached with any total N up to {_MAX_N:.0e}")
    while hi - lo > 1:  # invariant: not reaches(lo), reaches(hi)
        mid = (lo + hi) // 2
        if reaches(mid):
            hi = mid
        else:
            lo = mid
    return hi * step
