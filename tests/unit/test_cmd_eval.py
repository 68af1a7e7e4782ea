"""`callrecap eval`: output shape, --out rows, errors, progress bar, the direct fallback."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from callrecap_local.cli import main
from callrecap_local.cmd_eval import Progress
from callrecap_local.evaluation.dialogs import DialogFileError, Split, read_dialogs
from callrecap_local.evaluation.report import percentile
from callrecap_local.evaluation.runner import _direct_extractive


@pytest.fixture
def tweetsumm(shared_data: Path) -> Path:
    return shared_data / "dialogs" / "tweetsumm_dev.jsonl"


def test_json_figures_and_out_rows(
    tweetsumm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "predictions.jsonl"
    status = main(["eval", str(tweetsumm), "--limit", "4", "--split", "report", "--json", "--out", str(out)])

    assert status == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    figures = json.loads(captured.out)
    assert figures["dialogs"] == 4 and figures["failed"] == 0
    assert figures["split"] == "report" and "odd rows" in figures["splitDescription"]
    assert figures["provider"] == "extractive" and figures["model"].startswith("extractive")
    for key in ("prediction", "lead2", "lead3"):
        assert set(figures["rouge"][key]) == {"rouge1", "rouge2", "rougeL"}
        assert all(0.0 <= value <= 1.0 for value in figures["rouge"][key].values())
    assert set(figures["rougeLRatio"]) == {"lead2", "lead3"}
    assert figures["meanSummaryWords"] > 0
    assert figures["llm"] == {
        "calls": 0,
        "callsPerDialog": 0.0,
        "inputTokens": 0,
        "outputTokens": 0,
        "estimatedCostUsd": 0.0,
        "estimatedCostPerDialogUsd": 0.0,
    }
    assert set(figures["latencyMsPerDialog"]) == {"p50", "p95", "max"}

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    expected_ids = [d.id for d in read_dialogs(tweetsumm, split=Split.REPORT, limit=4)]
    assert [row["id"] for row in rows] == expected_ids
    for row in rows:
        assert set(row) == {"id", "prediction", "sections"}
        assert row["prediction"] == row["sections"]["summary"]
        assert {"summary", "topic", "action_items", "resolved", "customer_sentiment"} <= set(row["sections"])


def test_text_output_shows_baselines_and_split(tweetsumm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tweetsumm), "--limit", "2", "--split", "tune"]) == 0
    text = capsys.readouterr().out
    for expected in ("LEAD-2", "LEAD-3", "ROUGE-L vs LEAD-2", "even rows", "latency/dialog", "LLM"):
        assert expected in text


def test_unreadable_file_is_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "turns": "not a list"}\n')
    assert main(["eval", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("callrecap eval: error:") and "bad.jsonl:1" in err and "\n" not in err

    assert main(["eval", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_unknown_provider_is_a_clear_error(tweetsumm: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tweetsumm), "--provider", "nonesuch", "--limit", "1"]) == 2
    assert "nonesuch" in capsys.readouterr().err


def test_splits_are_disjoint_halves(tweetsumm: Path) -> None:
    every = [d.id for d in read_dialogs(tweetsumm, limit=10)]
    tune = [d.id for d in read_dialogs(tweetsumm, split=Split.TUNE, limit=5)]
    report = [d.id for d in read_dialogs(tweetsumm, split=Split.REPORT, limit=5)]
    assert tune == every[0::2] and report == every[1::2]


def test_bad_json_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "turns": [], "summaries": []}\nnot json\n')
    with pytest.raises(DialogFileError, match=r"d\.jsonl:2"):
        list(read_dialogs(path))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_only_on_a_terminal() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(2, stream)
        progress.advance()
        progress.advance()
        progress.close()
    assert "2/2" in terminal.getvalue()
    assert pipe.getvalue() == ""


def test_percentile_interpolates() -> None:
    assert percentile([], 0.5) == 0.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([0.0, 10.0], 0.95) == pytest.approx(9.5)


def test_direct_fallback_fills_every_default_section(tweetsumm: Path) -> None:
    dialog = next(read_dialogs(tweetsumm))
    produced = _direct_extractive()(dialog.id, dialog.turns)
    assert produced.provider == "extractive" and not produced.error
    assert set(produced.sections) == {"summary", "topic", "action_items", "resolved", "customer_sentiment"}


def test_a_prompts_directory_that_does_not_exist_is_one_line(
    tweetsumm: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(tweetsumm), "--prompts", "/nonexistent", "--limit", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["callrecap eval: error: --prompts /nonexistent: no such directory"]


def test_when_every_dialog_fails_eval_fails_with_the_first_reason(
    tweetsumm: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OpenAI-compatible server that is not there: no table of zeros, the reason instead."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CALLRECAP_OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("CALLRECAP_OPENAI_MODEL", "m")
    import callrecap.adapters.http_retry as retry

    monkeypatch.setattr(retry.RetryPolicy, "delay", lambda self, attempt: 0.0)
    status = main(["eval", str(tweetsumm), "--provider", "openai", "--limit", "2", "--json"])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert (
        line.startswith("callrecap eval: error: every dialog failed (2); the first, ")
        and "refused" in line.lower()
    )


def test_disposition_agreement_on_the_sample_calls(capsys: pytest.CaptureFixture[str]) -> None:
    """The offline provider against samples/dispositions.json (people's labels): figures, per call."""
    samples = Path(__file__).resolve().parents[2] / "samples"
    assert main(["eval", "--dispositions", str(samples / "dispositions.json"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["calls"] == 8 and report["agreed"] >= 7  # 7/8 measured: the office move reads as tech
    assert {row["call"] for row in report["rows"]} == {p.name for p in samples.glob("*.jsonl")}


def test_failed_dialogs_are_counted_by_reason_and_the_rest_scored(
    tweetsumm: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model that garbles every other dialog: the figures say how many failed and why, ROUGE
    is over the summarized ones, and only --min-success decides the exit status."""
    import threading

    from tests.helpers.sections import complete
    from tests.helpers.standin import Request, answering, chat_reply

    good = json.dumps(complete({"summary": "The customer asked for help and the agent gave it."}))
    served = []
    lock = threading.Lock()

    def every_other(request: Request) -> Any:
        with lock:
            served.append(1)
            return chat_reply(good if len(served) % 2 else "no JSON here")

    with answering(every_other) as server:
        monkeypatch.setenv("CALLRECAP_OPENAI_BASE_URL", f"{server.url}/v1")
        monkeypatch.setenv("CALLRECAP_OPENAI_MODEL", "m")
        argv = ["eval", str(tweetsumm), "--provider", "openai", "--limit", "4", "--json"]
        assert main(argv) == 1  # default --min-success 1.0: any failure fails the run
        figures = json.loads(capsys.readouterr().out)
        assert main([*argv, "--min-success", "0.5"]) == 0
        capsys.readouterr()
    assert (figures["dialogs"], figures["scored"], figures["failed"]) == (4, 2, 2)
    assert figures["successRatio"] == 0.5 and figures["failedByReason"] == {"INVALID_OUTPUT": 2}
    assert figures["parsedWithoutRepair"] == 2 and figures["repaired"] == 0  # constrained: no repairs
    assert figures["outputFormats"] == {"json_schema": 4}
    assert figures["rouge"]["prediction"]["rouge1"] > 0.0


def test_with_min_success_zero_every_failure_still_prints_the_figures(
    tweetsumm: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A measurement of a model that fails everything (make model-check's `none` run) is a result."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CALLRECAP_OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("CALLRECAP_OPENAI_MODEL", "m")
    import callrecap.adapters.http_retry as retry

    monkeypatch.setattr(retry.RetryPolicy, "delay", lambda self, attempt: 0.0)
    argv = ["eval", str(tweetsumm), "--provider", "openai", "--limit", "2", "--json", "--min-success", "0"]
    assert main(argv) == 0
    figures = json.loads(capsys.readouterr().out)
    assert (figures["scored"], figures["failed"], figures["successRatio"]) == (0, 2, 0.0)
    assert figures["failedByReason"] == {"PROVIDER_ERROR": 2}
