"""Access needs that change how the bot talks to a partner (Person.access_needs,
set by the onboarding flow's profile step or /settings).  Pure functions over
engine values: the conversation applies them to each outcome."""

from __future__ import annotations

from dataclasses import replace

from flows.engine import advance
from flows.model import DONE_VALUE, SKIP_VALUE, Flow
from flows.types import MESSAGE_MAX_CHARS, Context, Input, Outcome, Prompt, State

FEWER, PLAIN_TEXT, ONE_AT_A_TIME = "fewer", "plain_text", "one_at_a_time"


def skip_optional(flow: Flow, outcome: Outcome, ctx: Context) -> Outcome:
    """ "Fewer questions": skippable questions are skipped for the partner, as if
    they had tapped Skip; what the engine said before each stays."""
    while outcome.state.status == "active":
        step = flow.step(outcome.state.step_id)
        if step is None or not step.skippable or step.kind == "info":
            return outcome
        skipped = advance(flow, outcome.state, Input.tapped(step.id, SKIP_VALUE), ctx)
        said = [prompt for prompt in outcome.prompts if prompt.step_id != step.id]
        outcome = replace(
            skipped,
            prompts=said + skipped.prompts,
            answers=outcome.answers + skipped.answers,
            flags=outcome.flags + skipped.flags,
            edit=None,
        )
    return outcome


def one_message(prompts: list[Prompt]) -> list[Prompt]:
    """ "One at a time": everything the bot says in a turn goes in one message,
    ending with the question, so only one message waits for an answer."""
    if len(prompts) < 2:
        return prompts
    merged = Prompt("\n\n".join(p.text for p in prompts), prompts[-1].buttons, prompts[-1].step_id)
    return [merged] if len(merged.text) <= MESSAGE_MAX_CHARS else prompts


def typed_number(flow: Flow, state: State, inp: Input) -> Input:
    """Plain-text partners type the number of an option: read it as that tap
    (numbered as bot.core.telegram_format.typeable_options numbers them)."""
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
