"""Which per-item column of predictions.jsonl a reported metric is the mean of.

A paired comparison needs a metric item by item. For a metric `name` (or `name/group`, the
same metric on the rows whose `group` is `group`: an MMLU subject, a judge category) the
candidates are, in order: a column called `name`; `correct_<last word of name>` (math's
`exact_match_strict` -> `correct_strict`); `correct`; and for the judge's `score`, the pair
outcome scored win 1, tie 0.5, loss 0. A candidate is accepted only when its mean over the
rows that have a value equals the reported value (and, when the metric records its `n`, it
has that many values), so a column is never compared under the wrong name. A count (its
`ci_method` is "count": math's `no_answer_strict_count`) is a sum, never a mean, so no column
stands for it, even one whose mean happens to equal it (a count of 0 and an all-wrong
`correct`). Rows without a value (an unparseable judge verdict) are left out of that metric's
pairs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from benchlab.judge.pairwise import OUTCOME_SCORE

__all__ = ["JUDGE_SCORE", "item_values", "metric_field", "rows_of_group"]

JUDGE_SCORE = "outcome"


def _number(value: Any) -> float | None:
    """A per-item score: bools and finite numbers count, anything else does not."""
    if isinstance(value, bool | int | float) and math.isfinite(float(value)):
        return float(value)
    return None


def item_values(rows: Sequence[dict[str, Any]], field: str) -> list[float | None]:
    """The field of each row as a number (the judge outcome as its score), None where absent."""
    if field == JUDGE_SCORE:
        return [OUTCOME_SCORE.get(str(row.get(field))) for row in rows]
    return [_number(row.get(field)) for row in rows]


def rows_of_group(rows: Sequence[dict[str, Any]], group: str) -> list[dict[str, Any]]:
    """The rows of one group ('' means all rows)."""
    return list(rows) if not group else [r for r in rows if str(r.get("group")) == group]


def _candidates(base: str) -> list[str]:
    fields = [base, f"correct_{base.rsplit('_', 1)[-1]}", "correct"]
    if base == "score":
        fields.append(JUDGE_SCORE)
    return list(dict.fromkeys(fields))


def metric_field(
    metrics: dict[str, dict[str, Any]], rows: Sequence[dict[str, Any]], metric: str
) -> str | None:
    """The column whose mean over the metric's rows is the reported value, or None."""
    reported = metrics.get(metric) or {}
    value = _number(reported.get("value"))
    if value is None or reported.get("ci_method") == "count":
        return None
    base, _, group = metric.partition("/")
    scoped = rows_of_group(rows, group)
    n = reported.get("n")
    for field in _candidates(base):
        values = [v for v in item_values(scoped, field) if v is not None]
        if not values or (isinstance(n, int) and n != len(values)):
            continue
        if math.isclose(sum(values) / len(values), value, abs_tol=1e-6):
            return field
    return None
