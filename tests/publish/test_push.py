"""`benchlab publish` pushes with the real huggingface_hub client to a local fake Hub; the token
reaches the server in the Authorization header and nowhere else (files, run dir, logs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchlab.publish.hub import push_folder
from tests.publish.hub_server import FakeHub
from tests.publish.run_fixture import LORA, write_publish_run

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "hf_plantedSecretToken0123456789abcdef"


def _env(hub: FakeHub, home: Path, token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(
        HF_ENDPOINT=hub.endpoint,
        HF_HOME=str(home),
        HF_HUB_DISABLE_XET="1",  # the fake hub speaks the LFS protocol, not Xet
        HF_HUB_DISABLE_TELEMETRY="1",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")]),
        NO_PROXY="127.0.0.1,localhost",
    )
    if token is not None:
        env["HF_TOKEN"] = token
    return env


def _all_bytes(*roots: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for root in roots for p in root.rglob("*") if p.is_file()]


def test_push_uploads_every_file_and_never_writes_the_token(tmp_path: Path) -> None:
    run_dir, out, home = tmp_path / "run", tmp_path / "upload", tmp_path / "hf-home"
    write_publish_run(run_dir, model_path="Qwen/Qwen2-0.5B", hub_benchmark=True)
    # The first create_repo answers 503: benchlab must retry it, not give up.
    with FakeHub(fail_first=("/api/repos/create",)) as hub:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchlab",
                "publish",
                str(run_dir),
                "--experiment",
                LORA,
                "--repo-id",
                "me/llm-lora",
                "--private",
                "--out",
                str(out),
            ],
            env=_env(hub, home, TOKEN),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    logs = done.stdout + done.stderr
    assert done.returncode == 0, logs
    assert f"published: {hub.endpoint}/me/llm-lora" in done.stdout
    assert "retry 1" in done.stdout

    # Every file of the folder arrived, byte for byte; the weights through LFS.
    local = {str(p.relative_to(out)): data for p, data in _all_bytes(out)}
    assert hub.files == local
    assert set(local) >= {
        "README.md",
        "adapter_model.safetensors",
        "tokenizer.json",
        ".eval_results/sentiment.yaml",
    }
    assert hub.lfs_objects, "safetensors went through the LFS batch + PUT path"
    assert hub.created[-1]["visibility"] == "private"

    # The token was used (Authorization header on API calls) ...
    auth = {header for _, path, header in hub.requests if path.startswith("/api/")}
    assert auth == {f"Bearer {TOKEN}"}
    # ... and is nowhere on disk or in the logs.
    assert TOKEN not in logs
    for path, data in _all_bytes(out, run_dir, home):
        assert TOKEN.encode() not in data, path


def test_missing_token_and_hub_errors_are_one_line_without_the_token(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    write_publish_run(run_dir)
    command = [
        sys.executable,
        "-m",
        "benchlab",
        "publish",
        str(run_dir),
        "--experiment",
        LORA,
        "--repo-id",
        "me/llm-lora",
    ]
    with FakeHub() as hub:
        done = subprocess.run(
            command,
            env=_env(hub, tmp_path / "h", None),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 2
    assert "HF_TOKEN is not set" in done.stderr and "Traceback" not in done.stderr
    assert not hub.requests


def test_permanent_errors_are_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    calls = []
    response = httpx.Response(403, request=httpx.Request("POST", "http://127.0.0.1/api/repos"))

    def refuse(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise HfHubHTTPError(f"403 Forbidden for token {TOKEN}", response=response)

    monkeypatch.setenv("HF_TOKEN", TOKEN)
    monkeypatch.setattr(HfApi, "create_repo", refuse)
    from benchlab.publish import PublishError

    with pytest.raises(PublishError) as caught:
        push_folder(tmp_path, "me/x", delay=0, log=lambda _: None)
    assert len(calls) == 1
    assert TOKEN not in str(caught.value) and "***" in str(caught.value)
