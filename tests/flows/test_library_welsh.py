"""The bundled flows in Welsh: every text a partner sees has a Welsh version, and a
partner who reads Welsh goes through each flow without meeting one of the flow's
English sentences (the bot's own words, in ``flows/texts.py``, are checked elsewhere)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.engine import advance, start
from flows.loader import load_flows
from flows.model import Flow
from flows.types import Context, Input, Outcome, Prompt

LIBRARY = Path(__file__).parents[2] / "flows" / "library"
FILES = sorted(LIBRARY.glob("*.toml"))
DRAFT_NOTE = "# Welsh (cy): a draft for a native speaker's review; not yet reviewed by one."
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def _load(file: Path) -> Flow:
    (flow,) = load_flows([file]).values()
    return flow


def _partner_texts(flow: Flow) -> Iterator[tuple[str, str | dict[str, str]]]:
    """Every text a partner may see, with where it is (flag notes are for staff)."""
    for key in ("intro", "outro"):
        if getattr(flow, key) is not None:
            yield key, getattr(flow, key)
    for step in flow.steps:
        yield f"{step.id}.text", step.text
        for key in ("plain", "min_label", "max_label"):
            if getattr(step, key, None) is not None:
                yield f"{step.id}.{key}", getattr(step, key)
        for option in step.options:
            yield f"{step.id}.{option.value}.label", option.label
            if option.plain is not None:
                yield f"{step.id}.{option.value}.plain", option.plain


def _english_sentences(flow: Flow) -> set[str]:
    """The literal English sentences of the flow's texts, templates taken out."""
    sentences = set()
    for _, value in _partner_texts(flow):
        english = value["en"] if isinstance(value, dict) else value
        for piece in TAG.split(english):
            sentences |= {s.strip() for s in SENTENCE_END.split(piece) if len(s.strip()) >= 8}
    return sentences


def _english_labels(flow: Flow) -> set[str]:
    labels = set()
    for step in flow.steps:
        for option in step.options:
            for value in (option.label, option.plain):
                if isinstance(value, dict):
                    labels.add(value["en"])
    return labels


@pytest.mark.parametrize("file", FILES, ids=lambda file: file.stem)
def test_every_partner_text_has_welsh(file: Path) -> None:
    flow = _load(file)
    assert "cy" in flow.languages
    assert DRAFT_NOTE in file.read_text(encoding="utf-8").splitlines()[:3]
    texts = list(_partner_texts(flow))
    assert any(where.endswith(".plain") for where, _ in texts)
    for where, value in texts:
        assert isinstance(value, dict), f"{where} has no translations"
        assert value.get("cy", "").strip(), f"{where} has no Welsh"
        assert value["cy"] != value["en"], f"{where}: the Welsh is the English"


def _answer(flow: Flow, out: Outcome, ctx: Context, turn: int) -> list[Outcome]:
    """Answer the current question, choosing by ``turn`` so runs take different branches."""
    step = flow.step(out.state.step_id)
    assert step is not None
    if step.kind == "choice":
        return [advance(flow, out.state, Input.tapped(step.id, step.options[turn % len(step.options)].value), ctx)]
    if step.kind == "multi":
        ticked = advance(flow, out.state, Input.tapped(step.id, step.options[turn % len(step.options)].value), ctx)
        return [ticked, advance(flow, ticked.state, Input.tapped(step.id, "__done__"), ctx)]
    if step.kind == "yesno":
        return [advance(flow, out.state, Input.tapped(step.id, ("yes", "no")[turn % 2]), ctx)]
    if step.kind == "scale":
        low, high = int(step.min if step.min is not None else 1), int(step.max if step.max is not None else 5)
        return [advance(flow, out.state, Input.tapped(step.id, str(low + turn % (high - low + 1))), ctx)]
    if step.kind == "number":
        return [advance(flow, out.state, Input.typed("3"), ctx)]
    return [advance(flow, out.state, Input.typed("Mae popeth yn iawn, diolch."), ctx)]


def _play(flow: Flow, ctx: Context, turn: int) -> tuple[list[Prompt], set[str]]:
    out = start(flow, ctx)
    shown, asked = list(out.prompts), set()
    for _ in range(100):
        if out.finished:
            break
        asked.add(out.state.step_id)
        for step_out in _answer(flow, out, ctx, turn):
            shown += step_out.prompts + ([step_out.edit] if step_out.edit else [])
        out = step_out
    assert out.finished
    return shown, asked


@pytest.mark.parametrize("file", FILES, ids=lambda file: file.stem)
def test_in_welsh_no_english_sentence_of_the_flow_is_shown(file: Path) -> None:
    flow = _load(file)
    sentences, labels = _english_sentences(flow), _english_labels(flow)
    assert sentences and labels
    reached: set[str] = set()
    widest = max(len(step.options) for step in flow.steps if step.options)
    for plain_words in (False, True):
        for previous in ({}, {step.id: "no" for step in flow.steps}):
            for turn in range(widest):
                ctx = Context(
                    first_name="Sam",
                    project_name="Llais Gofalwyr",
                    language="cy",
                    previous=previous,
                    plain_words=plain_words,
                )
                prompts, asked = _play(flow, ctx, turn)
                reached |= asked
                for prompt in prompts:
                    for sentence in sentences:
                        assert sentence not in prompt.text, f"English in Welsh: {sentence!r} in {prompt.text!r}"
                    for row in prompt.buttons:
                        for button in row:
                            label = button.label.removeprefix("✓").strip()
                            assert label not in labels, f"English button in Welsh: {button.label!r}"
    assert reached >= {step.id for step in flow.steps if step.kind != "info"}, "some steps were never played"
