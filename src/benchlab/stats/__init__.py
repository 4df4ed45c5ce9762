"""Confidence intervals, paired tests, multiple-comparison control, power and Bradley-Terry.

Statistics never know about models: everything here takes numpy arrays or plain sequences
and needs only numpy and scipy, so it can be used (and tested) on its own.
"""

from benchlab.stats.bootstrap import (
    BootstrapResult,
    bootstrap,
    bootstrap_ci,
    bootstrap_ci_clustered,
    interval_from_draws,
)
from benchlab.stats.bradley_terry import bradley_terry, bradley_terry_with_ci, elo_scale
from benchlab.stats.intervals import (
    ClusteredMean,
    Interval,
    clustered_mean_interval,
    normal_mean_interval,
    wilson_interval,
)
from benchlab.stats.multiple import MultipleTestResult, holm_correction
from benchlab.stats.paired import (
    PairedTestResult,
    mcnemar_exact,
    paired_bootstrap_difference,
    paired_permutation_test,
)
from benchlab.stats.power import minimum_detectable_effect, small_sample_warning

__all__ = [
    "BootstrapResult",
    "ClusteredMean",
    "Interval",
    "MultipleTestResult",
    "PairedTestResult",
    "bootstrap",
    "bootstrap_ci",
    "bootstrap_ci_clustered",
    "bradley_terry",
    "bradley_terry_with_ci",
    "clustered_mean_interval",
    "elo_scale",
    "holm_correction",
    "interval_from_draws",
    "mcnemar_exact",
    "minimum_detectable_effect",
    "normal_mean_interval",
    "paired_bootstrap_difference",
    "paired_permutation_test",
    "small_sample_warning",
    "wilson_interval",
]
