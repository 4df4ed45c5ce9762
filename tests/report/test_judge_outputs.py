"""Judge outputs found in a run are embedded as written: table, figure and warnings."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from benchlab.report.build import build_report
from tests.report.run_fixtures import planted_predictions, write_experiment


def test_judge_results_are_embedded(tmp_path: Path) -> None:
    gold, pred = planted_predictions(50, 0.8, seed=1)
    write_experiment(tmp_path, "enc_sent_finetune", gold, pred)
    judge = tmp_path / "judge"
    judge.mkdir()
    (judge / "judge_results.json").write_text(
        json.dumps(
            {
                "judge": "judge-model",
                "reference": "gpt-ref",
                "complete": True,
                "warnings": ["small / code: n=5 < 30: too small to support a claim"],
            }
        )
    )
    (judge / "judge_table.csv").write_text("candidate,category,score\nmine,code,0.6512\n")
    png = b"\x89PNG\r\n\x1a\njudgeplot"
    (judge / "judge_wlt.png").write_bytes(png)
    page = (build_report(tmp_path) / "report.html").read_text()
    assert 'id="judge"' in page and "judge-model" in page and "gpt-ref" in page
    assert "0.6512" in page and "n=5 &lt; 30" in page
    assert base64.b64encode(png).decode() in page


def test_no_judge_section_without_results(tmp_path: Path) -> None:
    gold, pred = planted_predictions(50, 0.8, seed=1)
    write_experiment(tmp_path, "enc_sent_finetune", gold, pred)
    page = (build_report(tmp_path) / "report.html").read_text()
    assert 'id="judge"' not in page
