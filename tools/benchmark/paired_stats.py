"""Paired-difference statistics for the quality benchmark.

A method and its baseline are trained with the same seed from the same
initial student weights and data order (``PairedInitHook``), so the unit of
evidence is the per-seed difference ``d_s = method_s - baseline_s``. Over the
``n`` seeds present in both, the gain is reported as the mean of the ``d_s``,
their sample standard deviation ``sd`` and the two-sided 95 % Student-t
interval

    mean ± t(0.975, n - 1) · sd / sqrt(n)

(the paired t-test's interval). A gain is *significant* when that interval
excludes 0. With fewer than two pairs there is no spread and no interval.

No scipy at run time (it is not a dependency of mmlkd): the t quantiles come
from a table.
"""
import math
import statistics
from typing import Dict, List, NamedTuple, Optional, Sequence

# Two-sided 95 % critical values t(0.975, df) of Student's t distribution,
# three decimals, as printed in the standard t-table (e.g. the 0.025
# upper-tail column of NIST/SEMATECH e-Handbook of Statistical Methods,
# section 1.3.6.7.2, "Critical values of the Student's t distribution").
# df 1..30, then 40, 60 and 120. tests/test_tools/test_quality_benchmark.py
# checks them against scipy.stats.t.ppf where scipy is installed.
_T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    11: 2.201,
    12: 2.179,
    13: 2.160,
    14: 2.145,
    15: 2.131,
    16: 2.120,
    17: 2.110,
    18: 2.101,
    19: 2.093,
    20: 2.086,
    21: 2.080,
    22: 2.074,
    23: 2.069,
    24: 2.064,
    25: 2.060,
    26: 2.056,
    27: 2.052,
    28: 2.048,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    120: 1.980,
}


def t_quantile_975(df: int) -> float:
    """t(0.975, df): the two-sided 95 % critical value for ``df`` degrees
    of freedom.

    Between the tabulated rows above 30 the next lower row is used: its
    value is the larger, so the interval errs on the wide side.
    """
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f't_quantile_975: degrees of freedom must be an '
                         f'integer >= 1, got {df!r}')
    if df in _T975:
        return _T975[df]
    if df > max(_T975):
        # Beyond 120 the table's next row is the normal limit; keep the
        # 120 row (wider) rather than jump to it.
        return _T975[120]
    return _T975[max(k for k in _T975 if k <= df)]


class PairedGain(NamedTuple):
    """Mean paired gain over ``n`` pairs; ``std`` and the interval are None
    when ``n < 2``."""
    n: int
    mean: float
    std: Optional[float]
    half_width: Optional[float]

    @property
    def low(self) -> Optional[float]:
        return None if self.half_width is None else self.mean - self.half_width

    @property
    def high(self) -> Optional[float]:
        return None if self.half_width is None else self.mean + self.half_width

    @property
    def significant(self) -> Optional[bool]:
        """True when the 95 % interval excludes 0, None without one."""
        if self.half_width is None:
            return None
        return self.low > 0 or self.high < 0


def paired_differences(method: Dict[int, float],
                       baseline: Dict[int, float]) -> List[float]:
    """``method[s] - baseline[s]`` for every seed ``s`` in both, by seed.

    Seeds present on one side only have no partner and are left out.
    """
    return [method[s] - baseline[s] for s in sorted(method) if s in baseline]


def paired_gain(diffs: Sequence[float]) -> PairedGain:
    """Mean, sample std and 95 % t-interval half-width of paired
    differences."""
    diffs = [float(d) for d in diffs]
    if not diffs:
        raise ValueError('paired_gain: no paired differences (no seed has '
                         'both the method and its baseline)')
    if not all(math.isfinite(d) for d in diffs):
        raise ValueError(f'paired_gain: non-finite difference in {diffs}')
    n = len(diffs)
    mean = statistics.fmean(diffs)
    if n < 2:
        return PairedGain(n, mean, None, None)
    std = statistics.stdev(diffs)
    return PairedGain(n, mean, std, t_quantile_975(n - 1) * std / math.sqrt(n))
