"""Parity and speed against lm-evaluation-harness on the same local model and the same items.

Builds (once) a ~100M-parameter Llama with random weights and a 32k byte-level BPE trained on the
benchmark text, writes local lm-eval task YAMLs over JSONL copies of the items benchlab parses
from the data folder next to the repo (../shared/data), runs both offline on the CPU and prints,
per task: the max |difference| of per-item log-likelihoods, agreement of acc / acc_norm, and the
wall-time ratio; for GSM8K (8-shot chain of thought, lm-eval's exemplars, first_n) the agreement
of greedy generations and of strict/flexible scores given lm-eval's generations. `mmlu` is 0-shot
MMLU-STEM; `mmlu5` is 5-shot MMLU on eight subjects outside STEM, one lm-eval task per subject
with lm-eval's template and its `first_n` shots from the subject's dev split.

    .venv/bin/python bench/lm_eval_parity.py --n-arc 300 --n-mmlu 304 --n-mmlu5 800 --n-gsm8k 40
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = Path(
    os.environ.get("BENCHLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
#: Where the parity model is built once and reused by the benchmark scripts.
DEFAULT_MODEL_DIR = Path(tempfile.gettempdir()) / "benchlab-parity-llama-106m-bos"
STEM = [
    "abstract_algebra",
    "anatomy",
    "astronomy",
    "college_biology",
    "college_chemistry",
    "college_computer_science",
    "college_mathematics",
    "college_physics",
    "computer_security",
    "conceptual_physics",
    "electrical_engineering",
    "elementary_mathematics",
    "high_school_biology",
    "high_school_chemistry",
    "high_school_computer_science",
    "high_school_mathematics",
    "high_school_physics",
    "high_school_statistics",
    "machine_learning",
]


from lm_eval_parity_tasks import OTHER, write_lm_eval_tasks  # noqa: E402  (bench/ is on the path)

# ------------------------------------------------------------------------------ model


def build_model(directory: Path) -> Path:
    """A Llama (768 wide, 8 layers, ~106M parameters) and a 32k BPE trained on the data.

    Random weights: parity is about computing the same numbers, not about accuracy.
    """
    if (directory / "config.json").is_file():
        return directory
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    def corpus():
        for line in (DATA / "gsm8k" / "train.jsonl").read_text().splitlines():
            yield json.loads(line)["question"] + "\n" + json.loads(line)["answer"]
        for file in sorted((DATA / "mmlu" / "test").glob("*.csv")):
            yield file.read_text()
        yield (DATA / "arc" / "ARC-Easy_test.llm_adapters.json").read_text()

    tokenizer = Tokenizer(models.BPE(unk_token=None))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=32000,
        special_tokens=["<s>", "</s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(corpus(), trainer=trainer)
    # Like Llama's, the tokenizer prepends its start token, so parity covers that path too.
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", tokenizer.token_to_id("<s>"))]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token="<s>", eos_token="</s>", pad_token="<pad>"
    )
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=768,
        intermediate_size=2048,
        num_hidden_layers=8,
        num_attention_heads=12,
        num_key_value_heads=12,
        max_position_embeddings=2048,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    directory.mkdir(parents=True, exist_ok=True)
    LlamaForCausalLM(config).save_pretrained(directory)
    fast.save_pretrained(directory)
    return directory


# ------------------------------------------------------------------------------ items


def _per_subject(examples: list[Any], n: int, subjects: list[str]) -> list[Any]:
    """The first `n // len(subjects)` items of each subject, in the data's order."""
    per_subject = max(1, n // len(subjects))
    chosen, counts = [], {}
    for example in examples:
        if counts.get(example.group, 0) < per_subject:
            counts[example.group] = counts.get(example.group, 0) + 1
            chosen.append(example)
    return chosen


def benchlab_tasks(
    n_arc: int, n_mmlu: int, n_mmlu5: int, n_gsm8k: int, gen_toks: int
) -> dict[str, tuple[Any, list[Any]]]:
    """The benchlab tasks over the real local copies, and the items used from each."""
    from benchlab.tasks.registry import build_task

    arc = build_task(
        "arc_challenge", "arc", {"eval": str(DATA / "arc" / "ARC-Challenge_test.llm_adapters.json")}
    )
    mmlu = build_task(
        "mmlu", "mmlu", {"eval": str(DATA / "mmlu"), "num_fewshot": 0, "subjects": STEM}
    )
    mmlu_items = _per_subject(mmlu.load_split("eval"), n_mmlu, STEM)
    mmlu5 = build_task("mmlu", "mmlu", {"eval": str(DATA / "mmlu"), "subjects": OTHER})
    gsm8k = build_task(
        "gsm8k",
        "gsm8k",
        {
            "eval": str(DATA / "gsm8k" / "test.jsonl"),
            "normalize_decimals": False,
            "max_new_tokens": gen_toks,
        },
    )
    return {
        "arc": (arc, arc.load_split("eval")[:n_arc]),
        "mmlu": (mmlu, mmlu_items),
        "mmlu5": (
            mmlu5,
            sorted(
                _per_subject(mmlu5.load_split("eval"), n_mmlu5, OTHER),
                key=lambda e: OTHER.index(e.group),
            ),
        ),
        "gsm8k": (gsm8k, gsm8k.load_split("eval")[:n_gsm8k]),
    }


# ------------------------------------------------------------------------------ runs


def run_lm_eval(
    model: Any, tokenizer: Any, folder: Path, tasks: list[str], batch_size: int, max_length: int
) -> tuple[list[dict[str, Any]], float, float]:
    """lm-eval's samples (task by task), simple_evaluate's wall time, and its model calls'."""
    from lm_eval import simple_evaluate
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager

    lm = HFLM(
        pretrained=model,
        tokenizer=tokenizer,
        batch_size=batch_size,
        max_length=max_length,
        device="cpu",
    )
    manager = TaskManager(include_path=str(folder))
    model_seconds = []
    for method in ("loglikelihood", "generate_until"):
        original = getattr(lm, method)

        def timed(requests, *args, _original=original, **kwargs):
            started = time.perf_counter()
            answers = _original(requests, *args, **kwargs)
            model_seconds.append(time.perf_counter() - started)
            return answers

        setattr(lm, method, timed)
    started = time.perf_counter()
    output = simple_evaluate(
        model=lm,
        tasks=tasks,
        task_manager=manager,
        log_samples=True,
        bootstrap_iters=0,
        verbosity="ERROR",
    )
    seconds = time.perf_counter() - started
    samples = [
        sample
        for task in tasks
        for sample in sorted(
            output["samples"][task], key=lambda s: (s["doc_id"], s.get("filter", ""))
        )
    ]
    return samples, seconds, sum(model_seconds)


def run_benchlab(
    model: Any,
    tokenizer: Any,
    task: Any,
    examples: list[Any],
    batch_size: int,
    max_length: int,
    plan_window: int = 0,
) -> tuple[list[Any], float]:
    """benchlab's predictions for the same items, evaluated as a run does, and the time."""
    from benchlab.backends.hf_causal import HFCausalBackend
    from benchlab.tasks.base import EvalContext
    from benchlab.tasks.evaluation import evaluate

    backend = HFCausalBackend(
        model,
        tokenizer,
        max_length=max_length,
        batch_size=batch_size,
        fingerprint="parity",
        plan_window=plan_window,
    )
    started = time.perf_counter()
    predictions = evaluate(task, backend, examples, EvalContext())
    return predictions, time.perf_counter() - started


def compare_choices(
    name: str,
    samples: list[dict[str, Any]],
    predictions: list[Any],
    lm_seconds: float,
    bl_seconds: float,
) -> dict[str, Any]:
    """Per-item log-likelihood differences and metric agreement for a multiple-choice task."""
    diffs, acc_same, norm_same = [], 0, 0
    for sample, prediction in zip(samples, predictions, strict=True):
        theirs = [float(r[0][0]) for r in sample["resps"]]
        ours = prediction.details["logprobs"]
        diffs.extend(abs(a - b) for a, b in zip(theirs, ours, strict=True))
        acc_same += float(sample["acc"]) == float(prediction.correct)
        norm_same += float(sample["acc_norm"]) == float(prediction.details["correct_norm"])
    n = len(samples)
    return {
        "task": name,
        "items": n,
        "max_abs_loglik_diff": max(diffs),
        "median_abs_loglik_diff": statistics.median(diffs),
        "loglik_diffs_over_1e-4": sum(d > 1e-4 for d in diffs),
        "acc_agreement": f"{acc_same}/{n}",
        "acc_norm_agreement": f"{norm_same}/{n}",
        "acc": (
            statistics.mean(float(s["acc"]) for s in samples),
            statistics.mean(float(p.correct) for p in predictions),
        ),
        "acc_norm": (
            statistics.mean(float(s["acc_norm"]) for s in samples),
            statistics.mean(float(p.details["correct_norm"]) for p in predictions),
        ),
        "lm_eval_seconds": round(lm_seconds, 2),
        "benchlab_seconds": round(bl_seconds, 2),
        "speedup": round(lm_seconds / bl_seconds, 2),
    }


def compare_gsm8k(
    task: Any,
    examples: list[Any],
    samples: list[dict[str, Any]],
    predictions: list[Any],
    lm_seconds: float,
    bl_seconds: float,
) -> dict[str, Any]:
    """Generation agreement, and benchlab's scores on lm-eval's own generations."""
    from benchlab.requests import GenerationResult

    by_filter: dict[str, dict[int, dict[str, Any]]] = {}
    for sample in samples:
        by_filter.setdefault(sample["filter"], {})[sample["doc_id"]] = sample
    strict_same = flexible_same = generations_same = 0
    for i, (example, prediction) in enumerate(zip(examples, predictions, strict=True)):
        text = by_filter["strict-match"][i]["resps"][0][0]
        generations_same += text == prediction.details["generation"]
        ours = task.score(example, [GenerationResult((text,))]).details
        strict_same += float(ours["correct_strict"]) == by_filter["strict-match"][i]["exact_match"]
        flexible_same += (
            float(ours["correct_flexible"]) == by_filter["flexible-extract"][i]["exact_match"]
        )
    n = len(examples)
    return {
        "task": "gsm8k",
        "items": n,
        "identical_generations": f"{generations_same}/{n}",
        "strict_agreement_on_lm_eval_generations": f"{strict_same}/{n}",
        "flexible_agreement_on_lm_eval_generations": f"{flexible_same}/{n}",
        "lm_eval_seconds": round(lm_seconds, 2),
        "benchlab_seconds": round(bl_seconds, 2),
        "speedup": round(lm_seconds / bl_seconds, 2),
    }


def extraction_parity(task: Any, examples: list[Any]) -> dict[str, Any]:
    """Strict/flexible scores of benchlab and lm-eval's own filters on crafted generations."""
    from lm_eval.api.metrics import exact_match_hf_evaluate
    from lm_eval.filters.extraction import RegexFilter

    from benchlab.requests import GenerationResult
    from benchlab.tasks.math import rationale

    texts, golds, items = [], [], []
    for example in examples:
        solution, gold = example.data["solution"], example.gold
        wrong = str(int(gold.replace(",", "")) + 1) if gold.replace(",", "").isdigit() else "0"
        for text in (
            f"{rationale(solution)} The answer is {gold}.",
            solution,
            f"{rationale(solution)} The answer is {wrong}.\n\nQ:",
            f"So she pays ${gold}.00 in total.",
            f"The answer is {gold}. Then 12 more.",
            "I cannot tell.",
        ):
            texts.append(text)
            golds.append(gold)
            items.append(example)
    strict_filter = RegexFilter(regex_pattern=r"The answer is (\-?[0-9\.\,]+).")
    flexible_filter = RegexFilter(regex_pattern=r"(-?[$0-9.,]{2,})|(-?[0-9]+)", group_select=-1)
    ignore = [",", "\\$", "(?s).*#### ", "\\.$"]
    agree = {"strict": 0, "flexible": 0}
    for kind, regex_filter in (("strict", strict_filter), ("flexible", flexible_filter)):
        extracted = [r[0] for r in regex_filter.apply([[t] for t in texts], [{}] * len(texts))]
        for text, value, gold, example in zip(texts, extracted, golds, items, strict=True):
            theirs = exact_match_hf_evaluate(
                [value], [gold], regexes_to_ignore=ignore, ignore_case=True
            )["exact_match"]
            ours = task.score(example, [GenerationResult((text,))]).details[f"correct_{kind}"]
            agree[kind] += float(ours) == theirs
    n = len(texts)
    return {
        "crafted_generations": n,
        "strict_agreement": f"{agree['strict']}/{n}",
        "flexible_agreement": f"{agree['flexible']}/{n}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=DEFAULT_MODEL_DIR,
    )
    parser.add_argument("--n-arc", type=int, default=300)
    parser.add_argument("--n-mmlu", type=int, default=304)
    parser.add_argument("--n-mmlu5", type=int, default=800)
    parser.add_argument("--n-gsm8k", type=int, default=32)
    parser.add_argument("--gen-toks", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=2048)
    parser.add_argument("--only", nargs="*", default=["arc", "mmlu", "mmlu5", "gsm8k"])
    parser.add_argument(
        "--plan-window",
        type=int,
        default=512,
        help="examples benchlab plans at once (512: a model's default; 0: chunks of 64)",
    )
    parser.add_argument("--benchlab-first", action="store_true", help="alternate the order")
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    torch.manual_seed(0)
    directory = build_model(args.model_dir)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    model = AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float32).eval()
    print(
        f"model: {directory} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f}M "
        f"parameters, vocab {len(tokenizer)}), torch threads {torch.get_num_threads()}"
    )
    tasks = benchlab_tasks(args.n_arc, args.n_mmlu, args.n_mmlu5, args.n_gsm8k, args.gen_toks)
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_lm_eval_tasks(folder, tasks, args.gen_toks)
        for name in args.only:
            task, examples = tasks[name]
            lm_tasks = (
                [f"parity_mmlu5_{s}" for s in OTHER] if name == "mmlu5" else [f"parity_{name}"]
            )

            def ours(task=task, examples=examples):
                return run_benchlab(
                    model,
                    tokenizer,
                    task,
                    examples,
                    args.batch_size,
                    args.max_length,
                    args.plan_window,
                )

            if args.benchlab_first:
                predictions, bl_seconds = ours()
            samples, lm_seconds, lm_model_seconds = run_lm_eval(
                model, tokenizer, folder, lm_tasks, args.batch_size, args.max_length
            )
            if not args.benchlab_first:
                predictions, bl_seconds = ours()
            if name == "gsm8k":
                report = compare_gsm8k(task, examples, samples, predictions, lm_seconds, bl_seconds)
                report.update(extraction_parity(task, tasks["gsm8k"][1]))
            else:
                report = compare_choices(name, samples, predictions, lm_seconds, bl_seconds)
            report["lm_eval_model_call_seconds"] = round(lm_model_seconds, 2)
            report["speedup_vs_model_calls"] = round(lm_model_seconds / bl_seconds, 2)
            print(json.dumps(report), flush=True)
            reports.append(report)
    print(
        "\nspeedup (lm-eval simple_evaluate seconds / benchlab seconds):",
        ", ".join(f"{r['task']} {r['speedup']}x" for r in reports),
    )
    print(
        "speedup (lm-eval model-call seconds only / benchlab seconds):",
        ", ".join(f"{r['task']} {r['speedup_vs_model_calls']}x" for r in reports),
    )


if __name__ == "__main__":
    main()
