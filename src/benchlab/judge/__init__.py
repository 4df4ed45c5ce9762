"""LLM-as-judge: pairwise comparison of candidate models against a reference model.

The core is `run_pairwise_judgement`, which takes prompts by category and answers by prompt id
from anywhere; `run_judge_config` builds those from a YAML config for `benchlab judge`.
"""

from benchlab.judge.cache import ReplyStore
from benchlab.judge.client import (
    BackendJudge,
    BudgetExhaustedError,
    CostLedger,
    EndpointJudge,
    JudgeClient,
    JudgeReply,
    Pricing,
)
from benchlab.judge.pairwise import combine_orders, pairwise_metrics, weighted_overall_score
from benchlab.judge.prompts import DEFAULT_PAIRWISE, DEFAULT_REFERENCE_GUIDED, JudgeTemplate
from benchlab.judge.run import (
    JudgeCategory,
    JudgeOutcome,
    JudgePrompt,
    PairRecord,
    run_pairwise_judgement,
)
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
    "JudgeOutcome",
    "JudgePrompt",
    "JudgeReply",
    "JudgeTemplate",
    "PairRecord",
    "Pricing",
    "ReplyStore",
    "Verdict",
    "combine_orders",
    "pairwise_metrics",
    "parse_verdict",
    "run_pairwise_judgement",
    "weighted_overall_score",
]
