"""Config-driven runs: local-model judge and answers through Backend.generate, and the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from typer.testing import CliRunner

from benchlab.backends.base import Backend
from benchlab.cli.main import app
from benchlab.judge.config import load_judge_config
from benchlab.judge.pipeline import run_judge_config
from benchlab.requests import GenerationRequest, GenerationResult
from tests.judge.fake_openai import KEY_ENV, SECRET_KEY, scripted_verdict
from tests.judge.study import EXPECTED, N_PAIRS, PAIRS, write_study


class _LocalModel(Backend):
    """Stands in for a local HF model: judges like the fake server, answers from PAIRS."""

    @property
    def fingerprint(self) -> str:
        return "local-fake"

    def generate(self, requests: Sequence[GenerationRequest]) -> list[GenerationResult]:
        results = []
        for r in requests:
            if "[User Question]" in r.prompt:
                text = scripted_verdict({"messages": [{"content": r.prompt}]})
            else:  # "CATEGORY question ID?" -> the candidate marker for that prompt
                category, _, pid = r.prompt.rstrip("?").split()
                text = f"{PAIRS[category][pid][0]} generated"
            results.append(GenerationResult((text,)))
        return results


def test_local_judge_and_generated_candidate(tmp_path: Path, monkeypatch, chat_server) -> None:
    monkeypatch.setattr("benchlab.judge.pipeline._local_backend", lambda spec: _LocalModel())
    local = {"name": "tiny", "path": "builtin:tiny-causal", "kind": "causal"}
    config_path = write_study(
        tmp_path,
        chat_server.base_url,
        KEY_ENV,
        judge={"model": local, "max_tokens": 64},
        candidates=[{"name": "tiny", "model": local, "max_new_tokens": 32}],
    )
    outcome, _ = run_judge_config(load_judge_config(config_path))
    assert outcome.judge == "backend:local-fake" and outcome.complete
    for name, expected in EXPECTED.items():
        m = outcome.summaries["tiny"].categories[name]
        assert (m.wins, m.losses, m.ties, m.unparseable) == expected
    assert chat_server.requests == []  # nothing went over HTTP
    assert outcome.cost["paid_calls"] >= 2 * N_PAIRS and outcome.cost["spent_usd"] == 0


def test_reference_generated_by_endpoint_is_cached(tmp_path: Path, chat_server) -> None:
    endpoint = {"base_url": chat_server.base_url, "model": "ref-model", "api_key_env": KEY_ENV}
    config_path = write_study(tmp_path, chat_server.base_url, KEY_ENV, repeat_fraction=0)
    data = yaml.safe_load(config_path.read_text())
    data["reference"] = {"name": "api-ref", "endpoint": endpoint, "max_new_tokens": 50}
    config_path.write_text(yaml.safe_dump(data))
    outcome, _ = run_judge_config(load_judge_config(config_path))
    generations = [r for r in chat_server.requests if r["model"] == "ref-model"]
    assert len(generations) == N_PAIRS and generations[0]["max_tokens"] == 50
    assert outcome.reference == "api-ref" and outcome.complete
    # generated answers are paid calls too: counted with the judgments, against one budget
    assert outcome.cost["paid_calls"] == len(chat_server.requests) > 2 * N_PAIRS
    assert outcome.cost["study_spent_usd"] == outcome.cost["spent_usd"] > 0
    before = len(chat_server.requests)
    run_judge_config(load_judge_config(config_path))
    assert len(chat_server.requests) == before


def test_benchlab_judge_command(tmp_path: Path, chat_server) -> None:
    config_path = write_study(tmp_path, chat_server.base_url, KEY_ENV)
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(app, ["judge", str(config_path), "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    assert "knowledge" in result.output and "overall (weighted)" in result.output
    assert SECRET_KEY not in result.output
    summary = json.loads((out / "judge_results.json").read_text())
    quality = summary["judge_quality"]
    for label, key in [
        ("position-flip rate", "position_flip_rate"),
        ("repeat agreement", "repeat_agreement"),
        ("longer-answer share", "longer_answer_share"),
    ]:
        m = quality[key]
        assert m["n"] > 0
        assert re.search(rf"{label}: +{m['value']:5.3f} \[.*\] \(n={m['n']}\)", result.output)
    assert quality["unparseable_reasons"] == {"no_verdict": 2}  # m4, in both orders
    assert "unparseable verdicts: no_verdict 2" in result.output
    assert summary["complete"] and summary["judge"].endswith(":fake-judge")
    saved = (out / "judge_config.json").read_text()
    assert KEY_ENV in saved and SECRET_KEY not in saved


def test_benchlab_judge_user_error_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["judge", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert "judge config not found" in result.output
    assert "Traceback" not in result.output
