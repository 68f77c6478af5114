"""Access needs that change how the bot talks to a partner (Person.access_needs,
set by the onboarding flow's profile step or /settings).  Pure functions over
engine values: the conversation applies them to each outcome.  *Fewer questions*
and *plain words* change what a flow asks, so they go to the engine in its
Context instead (:func:`flow_context`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from flows.model import DONE_VALUE, SKIP_VALUE, Flow
from flows.types import Context, Input, State

FEWER, PLAIN_TEXT = "fewer", "plain_text"
#: "plain words": the flow's plain texts where it has them
PLAIN = "plain"


def flow_context(ctx: Context, needs: Iterable[str]) -> Context:
    """``ctx`` with the needs the engine honours itself: fewer questions (steps the flow
    marks essential are kept) and plain words (steps' ``plain`` texts)."""
    wanted = set(needs)
    return replace(ctx, fewer_questions=FEWER in wanted, plain_words=PLAIN in wanted)


def typed_number(flow: Flow, state: State, inp: Input) -> Input:
    """Plain-text partners type the number of an option: read it as that tap
    (numbered as bot.core.outgoing.without_buttons numbers them)."""
    step = flow.step(state.step_id)
    if (
        inp.kind != "text"
        or not inp.text.strip().isdigit()
        or step is None
        or step.kind not in ("choice", "multi", "yesno")
    ):
        return inp
    values = ["yes", "no"] if step.kind == "yesno" else list(step.option_values())
    values += [DONE_VALUE] if step.kind == "multi" else []
    values += [SKIP_VALUE] if step.skippable else []
    number = int(inp.text.strip())
    return Input.tapped(step.id, values[number - 1]) if 1 <= number <= len(values) else inp
