"""vLLM against hf_causal on the same model: log-likelihoods, greedy outputs, seeded sampling.

Needs a CUDA GPU and `pip install 'benchlab[vllm]'`. On the ~106M Llama of `lm_eval_parity.py`
(or --model DIR), in float32 unless --dtype says otherwise, it scores ARC-Challenge choices with
both backends and prints the max and mean per-item |log-likelihood difference|, how often the
argmax choice and the is_greedy flag agree; then greedy-decodes GSM8K questions with stop
sequences and prints how many outputs are identical; then draws n=4 seeded samples twice with
vLLM and checks they repeat. Exits 1 when a figure is out of bounds (--tolerance nats per item).

    python bench/vllm_parity.py --items 300 --prompts 64
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from accelerator_loglikelihood import arc_requests
from lm_eval_parity import DATA, DEFAULT_MODEL_DIR, build_model


def gsm8k_prompts(n: int) -> list[str]:
    """'Question: ...\\nAnswer:' prompts for the first n GSM8K test questions."""
    rows = (DATA / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    return [f"Question: {json.loads(row)['question']}\nAnswer:" for row in rows]


def main() -> int:
    """Run the comparison and print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="saved causal LM folder")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--items", type=int, default=300, help="ARC-Challenge items")
    parser.add_argument("--prompts", type=int, default=64, help="GSM8K prompts to decode")
    parser.add_argument("--tolerance", type=float, default=1e-3, help="max nats per item")
    parser.add_argument("--tensor-parallel-size", type=int, default=1)
    args = parser.parse_args()

    from benchlab.backends.vllm import vllm_problem

    problem = vllm_problem()
    if problem is not None:
        print(f"vllm_parity: skipped: {problem}")
        return 0
    from benchlab.backends.hf_causal import HFCausalBackend
    from benchlab.backends.vllm import VLLMBackend
    from benchlab.config.schema import ModelSpec
    from benchlab.requests import GenerationRequest

    folder = args.model or build_model(DEFAULT_MODEL_DIR)
    common = {"name": "parity", "path": str(folder), "kind": "causal", "dtype": args.dtype}
    hf_spec = ModelSpec(**common, max_length=1024, batch_size=16)
    vllm_spec = ModelSpec(
        **common,
        max_length=1024,
        backend="vllm",
        backend_options={
            "tensor_parallel_size": args.tensor_parallel_size,
            "gpu_memory_utilization": 0.5,
        },
    )
    hf = HFCausalBackend.from_spec(hf_spec)
    engine = VLLMBackend.from_spec(vllm_spec)

    requests, sizes = arc_requests(args.items)
    started = time.perf_counter()
    reference = hf.loglikelihood(requests)
    hf_seconds = time.perf_counter() - started
    started = time.perf_counter()
    scored = engine.loglikelihood(requests)
    vllm_seconds = time.perf_counter() - started
    diffs = [abs(a.logprob - b.logprob) for a, b in zip(reference, scored, strict=True)]
    greedy_agree = sum(a.is_greedy == b.is_greedy for a, b in zip(reference, scored, strict=True))
    argmax_agree, start = 0, 0
    for size in sizes:
        ref = [r.logprob for r in reference[start : start + size]]
        got = [r.logprob for r in scored[start : start + size]]
        argmax_agree += ref.index(max(ref)) == got.index(max(got))
        start += size
    print(f"loglikelihood: {len(requests)} requests, {len(sizes)} items")
    print(f"  max |diff| {max(diffs):.2e} nats, mean {sum(diffs) / len(diffs):.2e}")
    print(f"  argmax agreement {argmax_agree}/{len(sizes)}, is_greedy {greedy_agree}/{len(diffs)}")
    ratio = hf_seconds / vllm_seconds
    print(f"  seconds hf {hf_seconds:.2f} vllm {vllm_seconds:.2f} ratio {ratio:.2f}")

    stop = ("\n\n", "Question:")
    prompts = gsm8k_prompts(args.prompts)
    greedy = [GenerationRequest(prompt=p, max_new_tokens=64, stop=stop) for p in prompts]
    hf_texts = [r.texts[0] for r in hf.generate(greedy)]
    vllm_texts = [r.texts[0] for r in engine.generate(greedy)]
    same = sum(a == b for a, b in zip(hf_texts, vllm_texts, strict=True))
    print(f"greedy generation: identical {same}/{len(prompts)}")

    sampled = [
        GenerationRequest(prompt=p, max_new_tokens=32, temperature=0.8, num_samples=4, seed=i)
        for i, p in enumerate(prompts[:8])
    ]
    first, second = engine.generate(sampled), engine.generate(sampled)
    pairs = zip(first, second, strict=True)
    repeat = all(a.texts == b.texts and len(a.texts) == 4 for a, b in pairs)
    print(f"seeded sampling n=4: repeats exactly {repeat}")

    ok = max(diffs) <= args.tolerance and argmax_agree == len(sizes) and repeat
    print("vllm_parity:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
