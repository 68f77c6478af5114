"""Play a flow in a terminal as a partner would see it, for coordinators.

Buttons are shown as numbered choices; typing works exactly as on Telegram
(the same engine runs), and the flags that would open are shown as notes, so a
coordinator can walk every branch before partners see it.  Type ``back`` to go
back a question, ``pause`` then ``carry on`` to try pausing.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.engine import advance, start
from flows.model import BACK_VALUE, DONE_VALUE, SKIP_VALUE, Flow
from flows.types import Context, Input, Outcome, Prompt

OTHER_INPUT = "/sticker"
#: buttons shown with the word that does the same, not a number
WORD_BUTTONS = {SKIP_VALUE: "skip", DONE_VALUE: "done", BACK_VALUE: "back"}


def preview(
    flow: Flow,
    read_line: Callable[[], str],
    write: Callable[[str], None],
    ctx: Context | None = None,
) -> Outcome:
    """Run ``flow`` until it ends or input runs out; returns the last Outcome.

    On a multiple-choice step a button's number ticks it (like a tap); type
    ``/sticker`` to send something that is not text.
    """
    context = ctx or Context(first_name="Sam", project_name="Preview project")
    outcome = start(flow, context)
    _show(outcome, write)
    while not outcome.finished:
        try:
            line = read_line()
        except EOFError:
            break
        current = outcome.edit or next((p for p in reversed(outcome.prompts) if p.step_id), None)
        outcome = advance(flow, outcome.state, _as_input(line, current, flow), context)
        _show(outcome, write)
    return outcome


def _as_input(line: str, current: Prompt | None, flow: Flow) -> Input:
    if line.strip() == OTHER_INPUT:
        return Input.other()
    step = flow.step(current.step_id) if current else None
    buttons = (
        [button for row in current.buttons for button in row if button.value not in WORD_BUTTONS] if current else []
    )
    if step is not None and step.kind == "multi" and line.strip().isdigit() and 1 <= int(line) <= len(buttons):
        return Input.tapped(step.id, buttons[int(line) - 1].value)
    return Input.typed(line)


def _show(outcome: Outcome, write: Callable[[str], None]) -> None:
    for record in outcome.answers:
        extras = "".join(
            (
                ", anonymous" if record.anonymous else "",
                ", for the team" if record.to_team else "",
                f", note: {record.comment}" if record.comment else "",
            )
        )
        write(f"  (kept {record.step_id} = {record.display}{extras})")
    for flag in outcome.flags:
        write(f"  (would open a {flag.severity} {flag.need} flag: {flag.note})")
    for prompt in [*outcome.prompts, *([outcome.edit] if outcome.edit else [])]:
        write(_format(prompt))
    for step_id in outcome.retracted:
        write(f"  (withdrawn: the answer to {step_id})")
    if outcome.event:
        write(f"  (event: {outcome.event})")
    if outcome.finished:
        write(f"  (check-in {outcome.state.status})")


def _format(prompt: Prompt) -> str:
    lines = [prompt.text]
    number = 0
    for row in prompt.buttons:
        cells = []
        for button in row:
            if button.value in WORD_BUTTONS:
                cells.append(f"[{WORD_BUTTONS[button.value]}] {button.label}")
                continue
            number += 1
            cells.append(f"[{number}] {button.label}")
        lines.append("   " + "   ".join(cells))
    return "\n".join(lines)
