"""Log-likelihood scoring on an accelerator: packed rows against one row per choice.

Scores real ARC-Challenge items (context "Question: ...\\nAnswer:", continuations " <choice>")
with `HFCausalBackend` on the ~106M Llama of `lm_eval_parity.py`, three ways on the same model:
a plain unbatched forward per request (the reference, as lm-evaluation-harness computes each
choice), one padded row per choice (`share_prefix=False`, lm-eval's batching), and every choice
of a question packed into one row behind a branch mask (`share_prefix=True`, benchlab's default).
Per dtype it prints the max |difference| of each batched path against the reference, whether
the argmax choice agrees, and the wall time of each path (median of --repeats) with the ratio.

    python bench/accelerator_loglikelihood.py --items 1172 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lm_eval_parity import DATA, DEFAULT_MODEL_DIR, build_model


def arc_requests(n_items: int) -> tuple[list[Any], list[int]]:
    """Requests for the first `n_items` ARC-Challenge items, and each item's number of choices."""
    from benchlab.requests import LoglikelihoodRequest
    from benchlab.tasks.mc_formats import parse_rows, read_local_rows
    from benchlab.tasks.mc_prompts import choice_continuations, loglikelihood_context

    path = DATA / "arc" / "ARC-Challenge_test.llm_adapters.json"
    items = parse_rows(read_local_rows(path), "auto", str(path))[:n_items]
    requests, sizes = [], []
    for item in items:
        context = loglikelihood_context(item, "question_answer")
        continuations = choice_continuations(item, "question_answer")
        requests.extend(LoglikelihoodRequest(context, c) for c in continuations)
        sizes.append(len(continuations))
    return requests, sizes


def reference_logprobs(model: Any, tokenizer: Any, requests: list[Any]) -> list[float]:
    """One unpadded forward pass per request over context + continuation, lm-eval's way."""
    import torch

    from benchlab.backends.hf_causal import encode_pair

    device = next(model.parameters()).device
    totals = []
    with torch.inference_mode():
        for request in requests:
            context_ids, continuation_ids = encode_pair(
                tokenizer, request.context, request.continuation
            )
            ids = torch.tensor([context_ids + continuation_ids], device=device)[:, :-1]
            logprobs = torch.log_softmax(model(ids).logits.float(), dim=-1)[0]
            window = logprobs[len(context_ids) - 1 :]
            target = torch.tensor(continuation_ids, device=device)
            totals.append(window.gather(1, target.unsqueeze(1)).sum().item())
    return totals


def argmax_per_item(values: list[float], sizes: list[int]) -> list[int]:
    """Index of the highest-scoring choice of each item."""
    picks, start = [], 0
    for size in sizes:
        chunk = values[start : start + size]
        picks.append(max(range(size), key=chunk.__getitem__))
        start += size
    return picks


def timed_scores(backend: Any, requests: list[Any], repeats: int) -> tuple[list[float], float]:
    """Log-likelihoods and the median wall time over `repeats` runs (device synchronised)."""
    import torch

    seconds, results = [], []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        started = time.perf_counter()
        results = backend.loglikelihood(requests)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        seconds.append(time.perf_counter() - started)
    return [r.logprob for r in results], statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=DEFAULT_MODEL_DIR,
    )
    parser.add_argument("--items", type=int, default=1172)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--dtypes", nargs="*", default=["float32", "bfloat16"])
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from benchlab.backends.hf_causal import HFCausalBackend

    device = "cuda" if torch.cuda.is_available() else "cpu"
    directory = build_model(args.model_dir)
    tokenizer = AutoTokenizer.from_pretrained(directory)
    requests, sizes = arc_requests(args.items)
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    print(f"device {name}; {len(sizes)} ARC-Challenge items, {len(requests)} requests")
    for dtype in args.dtypes:
        model = AutoModelForCausalLM.from_pretrained(
            directory, dtype=getattr(torch, dtype), attn_implementation="sdpa"
        )
        model = model.to(device).eval()
        reference = reference_logprobs(model, tokenizer, requests)
        report: dict[str, Any] = {"dtype": dtype, "attention": "sdpa"}
        timings = {}
        for label, share in (("one_row_per_choice", False), ("packed", True)):
            backend = HFCausalBackend(
                model,
                tokenizer,
                max_length=2048,
                batch_size=args.batch_size,
                fingerprint=label,
                share_prefix=share,
            )
            backend.loglikelihood(requests[: 4 * args.batch_size])  # warm-up
            scores, seconds = timed_scores(backend, requests, args.repeats)
            timings[label] = seconds
            diff = max(abs(a - b) for a, b in zip(scores, reference, strict=True))
            same = sum(
                a == b
                for a, b in zip(
                    argmax_per_item(scores, sizes), argmax_per_item(reference, sizes), strict=True
                )
            )
            report[label] = {
                "seconds": round(seconds, 3),
                "max_abs_diff_vs_reference": diff,
                "argmax_agreement": f"{same}/{len(sizes)}",
            }
        report["speedup_packed_vs_one_row_per_choice"] = round(
            timings["one_row_per_choice"] / timings["packed"], 2
        )
        print(json.dumps(report), flush=True)
        del model
        if device == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
