"""LLM-as-judge: pairwise comparison of candidate models against a reference model.

The core is `run_pairwise_judgement` (`judge_pairs`, then `summarize_judgement`), which takes
prompts by category and answers by prompt id from anywhere; `run_judge_config` builds those from
a YAML config for `benchlab judge`, and `JudgeSession` keeps a judge open for the matrix task
`pairwise_judge` (benchlab.tasks.pairwise_judge), which judges chunk by chunk.
"""

from benchlab.judge.budget import BudgetExhaustedError, CostLedger, Pricing, budget_scope
from benchlab.judge.cache import ReplyStore
from benchlab.judge.client import (
    BackendJudge,
    EndpointJudge,
    JudgeClient,
    JudgeReply,
    MeteredClient,
)
from benchlab.judge.pairwise import combine_orders, pairwise_metrics, weighted_overall_score
from benchlab.judge.prompts import DEFAULT_PAIRWISE, DEFAULT_REFERENCE_GUIDED, JudgeTemplate
from benchlab.judge.run import (
    JudgeCategory,
    JudgedPairs,
    JudgeOutcome,
    JudgePrompt,
    PairRecord,
    judge_pairs,
    run_pairwise_judgement,
    summarize_judgement,
)
from benchlab.judge.session import JudgeIncompleteError, JudgeSession
from benchlab.judge.verdict import Verdict, parse_verdict

__all__ = [
    "DEFAULT_PAIRWISE",
    "DEFAULT_REFERENCE_GUIDED",
    "BackendJudge",
    "BudgetExhaustedError",
    "CostLedger",
    "EndpointJudge",
    "JudgeCategory",
    "JudgeClient",
    "JudgeIncompleteError",
    "JudgeOutcome",
    "JudgePrompt",
    "JudgeReply",
    "JudgeSession",
    "JudgeTemplate",
    "JudgedPairs",
    "MeteredClient",
    "PairRecord",
    "Pricing",
    "ReplyStore",
    "Verdict",
    "budget_scope",
    "combine_orders",
    "judge_pairs",
    "pairwise_metrics",
    "parse_verdict",
    "run_pairwise_judgement",
    "summarize_judgement",
    "weighted_overall_score",
]
