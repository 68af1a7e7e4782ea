"""The quality report's figures against hand-computed values, and the correction measures."""

from __future__ import annotations

from typing import Any

from callrecap.adapters.prompt_files import load_prompt_set
from callrecap.domain.models import Summary, SummaryKind, SummaryStatus
from callrecap.domain.summaries.approval import corrections
from callrecap.domain.summaries.quality import format_rows, quality_rows
from callrecap.domain.summaries.similarity import edit_distance, normalized_edit_distance, rouge_l, words


def approved(model: str, figures: dict[str, Any], wrap_up: int, prompt: str = "sha256:p1") -> Summary:
    return Summary(
        call_id="c",
        version=2,
        kind=SummaryKind.APPROVED,
        status=SummaryStatus.COMPLETED,
        provider="bedrock",
        model=model,
        prompt_hash=prompt,
        corrections=figures,
        wrap_up_seconds=wrap_up,
    )


def figures(
    unchanged: bool, summary: float, topic: float, disposition: tuple[str, str] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "unchanged": unchanged,
        "sections": {"summary": {"editDistance": summary}, "topic": {"editDistance": topic}},
    }
    if disposition:
        result["disposition"] = {"from": disposition[0], "to": disposition[1]}
    return result


def test_rows_per_model_and_prompt_with_hand_computed_figures() -> None:
    nova = "amazon.nova-lite-v1:0"
    versions = [
        approved(nova, figures(True, 0.0, 0.0), 30),
        approved(nova, figures(False, 0.5, 0.0, ("billing", "complaint")), 90),
        approved(nova, figures(False, 0.25, 1.0, ("billing", "complaint")), 60),
        approved(nova, figures(False, 0.25, 0.0, ("other", "billing")), -1),  # end time unknown
        approved("anthropic.claude-3-haiku", figures(True, 0.0, 0.0), 10),
        approved(nova, figures(True, 0.0, 0.0), 20, prompt="sha256:p2"),  # another prompt version
        Summary(
            "c", 1, SummaryKind.FINAL, SummaryStatus.COMPLETED, provider="bedrock", model=nova
        ),  # no approval
    ]
    rows = quality_rows(versions)
    assert [(r["model"], r["promptHash"], r["approvals"]) for r in rows] == [
        (nova, "sha256:p1", 4),
        (nova, "sha256:p2", 1),  # ties: by provider, model, prompt hash
        ("anthropic.claude-3-haiku", "sha256:p1", 1),
    ]
    first = rows[0]
    assert first["unchangedShare"] == 0.25  # 1 of 4
    assert first["meanEditDistance"] == {"summary": 0.25, "topic": 0.25}  # (0+.5+.25+.25)/4, (0+0+1+0)/4
    assert first["dispositionChangeRate"] == 0.75  # 3 of 4
    assert first["dispositionChanges"][0] == {"from": "billing", "to": "complaint", "count": 2}
    assert first["medianWrapUpSeconds"] == 60  # of 30, 90, 60 (the unknown one left out)
    text = format_rows(rows)
    assert "approved unchanged   25%" in text and "billing -> complaint (2)" in text
    assert format_rows([]) == "no approved summaries in that time"


def test_word_measures() -> None:
    assert edit_distance(words("the refund was sent"), words("the refund is sent today")) == 2
    assert normalized_edit_distance(words("a b c d"), words("a b c d")) == 0.0
    assert normalized_edit_distance(words("a b"), words("c d")) == 1.0
    assert round(rouge_l(words("a b c d"), words("a c d e")), 4) == 0.75  # LCS 3 of 4 and 4
    assert rouge_l([], []) == 1.0


def test_corrections_of_an_edit() -> None:
    sections = load_prompt_set().sections
    draft = {
        "summary": "Refund sent.",
        "topic": "Refund",
        "action_items": ["Agent emails."],
        "disposition": "billing",
    }
    edit = {
        "summary": "Refund sent!",  # punctuation only: no correction
        "topic": "Double charge",
        "action_items": ["Agent emails", "Customer checks June"],
        "disposition": "complaint",
    }
    found = corrections(draft, edit, sections)
    assert found["changedSections"] == ["topic", "action_items", "disposition"]
    assert found["sections"]["summary"] == {"changed": False, "editDistance": 0.0, "rougeL": 1.0}
    assert found["sections"]["topic"]["editDistance"] == 1.0
    assert found["disposition"] == {"from": "billing", "to": "complaint"}
    assert found["actionItems"] == {"added": 1, "removed": 0}
    assert not found["unchanged"]
