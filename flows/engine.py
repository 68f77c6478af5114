"""The check-in state machine: one partner action in, everything to do out.

Pure and total: :func:`advance` never raises on anything a partner can send and
never loses their place.  Unusable replies get a gentle re-ask that says what
would work; ``help``, ``pause``, ``stop`` and ``skip`` work at every question.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from typing import Any

from flows import texts
from flows.model import BUTTON_KINDS, DONE_VALUE, END, SKIP_VALUE, Flow, Step
from flows.render import render, template_values
from flows.types import (
    MESSAGE_MAX_CHARS,
    AnswerRecord,
    Button,
    Context,
    FlagRequest,
    Input,
    Outcome,
    Prompt,
    State,
)

#: how alike a typed word must be to a label to count as a typo of it (difflib ratio)
TYPO_CUTOFF = 0.75
#: Telegram shows up to 8 buttons in a row; longer scales wrap onto two rows
MAX_BUTTONS_PER_ROW = 8
TICK = "✓ "
#: re-asks after which the partner is reminded they can skip or pause
REASKS_BEFORE_REMINDER = 2

_SCALE_ANSWER = re.compile(r"^(-?\d+)(?:\s*(?:/|out of|of)\s*\d+)?$")
_NUMBER_ANSWER = re.compile(r"^-?\d+(?:\.\d+)?$")
_LIST_SEPARATORS = re.compile(r",|;|&|\n|\band\b|\+")


def start(flow: Flow, ctx: Context) -> Outcome:
    """Begin a check-in: the intro, any info steps, and the first question."""
    turn = _Turn(flow, State(step_id=None), ctx)
    if flow.intro is not None:
        turn.say(flow.intro)
    turn.go_to(flow.steps[0].id)
    return turn.outcome


def advance(flow: Flow, state: State, user_input: Input, ctx: Context) -> Outcome:
    """Take one partner action; ``state`` is not modified (the Outcome holds the new one)."""
    turn = _Turn(flow, State.from_dict(copy.deepcopy(state.to_dict())), ctx)
    turn.handle(user_input)
    return turn.outcome


class _Unusable(Exception):
    """A reply that cannot be an answer; carries the fixed text that says what would work."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split()).strip(".!,;:'\"“”‘’ ")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class _Turn:
    """One engine call: the flow, the partner's context, and the Outcome being built."""

    def __init__(self, flow: Flow, state: State, ctx: Context) -> None:
        self.flow = flow
        self.ctx = ctx
        self.state = state
        self.language = flow.pick_language(ctx.language)
        self.outcome = Outcome(state=state)

    # --- words -----------------------------------------------------------------

    def render(self, text: str | dict[str, str]) -> str:
        values = template_values(self.ctx, self.state.answers, (step.id for step in self.flow.steps))
        rendered = render(self.flow.text(text, self.language), values)
        return rendered if len(rendered) <= MESSAGE_MAX_CHARS else rendered[: MESSAGE_MAX_CHARS - 1] + "…"

    def fixed(self, key: str, **values: object) -> str:
        return texts.text(self.language, key, **values)

    def say(self, text: str | dict[str, str]) -> None:
        self.outcome.prompts.append(Prompt(self.render(text)))

    def note(self, key: str, **values: object) -> None:
        self.outcome.prompts.append(Prompt(self.fixed(key, **values)))

    def control_word(self, text: str) -> str | None:
        word = _normalise(text)
        for control in ("help", "pause", "stop", "skip"):
            spellings = texts.words(self.language, control)
            if word in spellings or word.rstrip("?") in spellings:
                return control
        return None

    # --- asking ------------------------------------------------------------------

    def label(self, step: Step, value: str) -> str:
        if step.kind == "yesno":
            return self.fixed(value)
        for option in step.options:
            if option.value == value:
                return self.render(option.label)
        return value

    def question(self, step: Step) -> Prompt:
        text = self.render(step.text)
        if step.kind == "scale" and (step.min_label is not None or step.max_label is not None):
            values = step.scale_values()
            ends = [
                f"{values[0]} = {self.render(step.min_label)}" if step.min_label is not None else "",
                f"{values[-1]} = {self.render(step.max_label)}" if step.max_label is not None else "",
            ]
            text += "\n" + ", ".join(end for end in ends if end)
        elif step.kind == "multi":
            text += "\n" + self.fixed("tick_hint")
        if len(text) > MESSAGE_MAX_CHARS:
            text = text[: MESSAGE_MAX_CHARS - 1] + "…"
        return Prompt(text, self.buttons(step), step.id)

    def buttons(self, step: Step) -> tuple[tuple[Button, ...], ...]:
        rows: list[tuple[Button, ...]] = []
        if step.kind == "choice":
            rows += [(Button(self.label(step, option.value), option.value),) for option in step.options]
        elif step.kind == "multi":
            for option in step.options:
                tick = TICK if option.value in self.state.selected else ""
                rows.append((Button(tick + self.label(step, option.value), option.value),))
            rows.append((Button(self.fixed("done_button"), DONE_VALUE),))
        elif step.kind == "yesno":
            rows.append((Button(self.fixed("yes"), "yes"), Button(self.fixed("no"), "no")))
        elif step.kind == "scale":
            scale = [Button(str(value), str(value)) for value in step.scale_values()]
            per_row = len(scale) if len(scale) <= MAX_BUTTONS_PER_ROW else math.ceil(len(scale) / 2)
            rows += [tuple(scale[i : i + per_row]) for i in range(0, len(scale), per_row)]
        if step.skippable:
            rows.append((Button(self.fixed("skip_button"), SKIP_VALUE),))
        return tuple(rows)

    def ask(self, step: Step) -> None:
        self.outcome.prompts.append(self.question(step))

    def reask(self, step: Step, key: str, **values: object) -> None:
        """Say kindly what would work, then ask the same question again."""
        self.state.reasks += 1
        message = self.fixed(key, **values)
        if self.state.reasks >= REASKS_BEFORE_REMINDER:
            message += " " + self.fixed("still_stuck_skippable" if step.skippable else "still_stuck")
        self.outcome.prompts.append(Prompt(message))
        self.ask(step)

    def what_works(self, step: Step) -> _Unusable:
        if step.kind == "scale":
            values = step.scale_values()
            return _Unusable("works_scale", min=values[0], max=values[-1])
        if step.kind == "number":
            return _Unusable("works_number", range=self.number_range(step))
        return _Unusable(f"works_{step.kind}")

    def number_range(self, step: Step) -> str:
        if step.min is not None and step.max is not None:
            return self.fixed("works_number_range", min=_number_text(step.min), max=_number_text(step.max))
        if step.min is not None:
            return self.fixed("works_number_min", min=_number_text(step.min))
        if step.max is not None:
            return self.fixed("works_number_max", max=_number_text(step.max))
        return ""

    # --- moving on -----------------------------------------------------------------

    def next_step(self, step: Step) -> str:
        for rule in step.rules:
            if rule.condition is None or rule.condition.evaluate(self.state.answers):
                return rule.goto
        return self.flow.step_after(step)

    def go_to(self, step_id: str) -> None:
        """Show info steps on the way, then ask the next question or end the flow."""
        info_shown = 0
        while step_id != END:
            step = self.flow.step(step_id)
            if step is None:
                self.note("lost_place")
                self.finish("stopped")
                return
            if step.kind != "info":
                self.state.step_id = step.id
                self.state.selected = []
                self.state.reasks = 0
                self.ask(step)
                return
            self.say(step.text)
            info_shown += 1
            if info_shown > len(self.flow.steps):
                break  # a loop of info steps: end rather than repeat forever
            step_id = self.next_step(step)
        self.finish("finished")

    def finish(self, status: str) -> None:
        self.state.status = "finished" if status == "finished" else "stopped"
        self.state.step_id = None
        self.state.selected = []
        self.state.reasks = 0
        if status == "finished":
            if self.flow.outro is not None:
                self.say(self.flow.outro)
            else:
                self.note("outro")

    def record(self, step: Step, value: Any) -> None:
        """Keep an answer (``None`` = skipped), raise any flags, and move on."""
        question = self.render(step.text)
        self.state.answers[step.id] = value
        skipped = value is None
        self.outcome.answers.append(
            AnswerRecord(
                step_id=step.id,
                question=question,
                value=value,
                display=self.fixed("skipped") if skipped else self.display(step, value),
                anonymous=step.anonymous,
                skipped=skipped,
            )
        )
        if not skipped:
            for flag in step.flags:
                if flag.condition is None or flag.condition.evaluate(self.state.answers):
                    self.outcome.flags.append(FlagRequest(flag.need, flag.severity, self.render(flag.note), step.id))
        self.go_to(self.next_step(step))

    def display(self, step: Step, value: Any) -> str:
        if step.kind in ("choice", "yesno"):
            return self.label(step, value)
        if step.kind == "multi":
            return ", ".join(self.label(step, item) for item in value)
        if step.kind == "scale":
            return f"{value} out of {step.scale_values()[-1]}"
        if step.kind == "number":
            return _number_text(value)
        return str(value)

    # --- understanding replies ---------------------------------------------------------

    def handle(self, user_input: Input) -> None:
        if self.state.status != "active":
            self.note("finished_already")
            return
        step = self.flow.step(self.state.step_id)
        if step is None:
            self.note("lost_place")
            self.finish("stopped")
            return
        if step.kind == "info":
            self.go_to(self.next_step(step))
            return
        try:
            if user_input.kind == "choice":
                self.handle_tap(step, user_input)
            elif user_input.kind == "text":
                self.handle_text(step, user_input.text)
            else:
                raise self.what_works(step)
        except _Unusable as unusable:
            self.reask(step, unusable.key, **unusable.values)

    def handle_tap(self, step: Step, user_input: Input) -> None:
        if user_input.step_id != step.id:
            self.note("stale_button")
            self.ask(step)
            return
        value = user_input.value
        if value == SKIP_VALUE:
            self.skip(step)
        elif step.kind == "multi" and value == DONE_VALUE:
            self.finish_multi(step)
        elif step.kind == "multi" and value in step.option_values():
            self.toggle(step, value)
        elif step.kind in BUTTON_KINDS and step.kind != "multi" and value in step.option_values():
            self.record(step, int(value) if step.kind == "scale" else value)
        else:
            raise self.what_works(step)

    def handle_text(self, step: Step, text: str) -> None:
        control = self.control_word(text)
        if control == "help":
            self.outcome.event = "help"
            self.note("help")
            self.ask(step)
        elif control in ("pause", "stop"):
            self.outcome.event = "pause" if control == "pause" else "stop"
            self.note(control)
            self.finish("stopped")
        elif control == "skip":
            self.skip(step)
        elif step.kind == "multi" and _normalise(text) in texts.words(self.language, "done"):
            self.finish_multi(step)
        else:
            self.record(step, self.understand(step, text))

    def skip(self, step: Step) -> None:
        if not step.skippable:
            raise _Unusable("cannot_skip")
        self.record(step, None)

    def toggle(self, step: Step, value: str) -> None:
        """Tick or untick an option in place; the answer is kept only on Done."""
        selected = set(self.state.selected) ^ {value}
        self.state.selected = [option for option in step.option_values() if option in selected]
        self.outcome.edit = self.question(step)

    def finish_multi(self, step: Step) -> None:
        if self.state.selected:
            self.record(step, list(self.state.selected))
        elif step.skippable:
            self.record(step, None)
        else:
            raise _Unusable("tick_one")

    def understand(self, step: Step, text: str) -> Any:
        """Turn typed text into an answer for ``step``, or raise :class:`_Unusable`."""
        if step.kind == "text":
            answer = text.strip()
            if not answer:
                raise _Unusable("works_text_empty")
            if len(answer) > step.max_length:
                raise _Unusable("works_text_long", max_length=step.max_length, length=len(answer))
            return answer
        if step.kind == "number":
            cleaned = re.sub(r"[\s£$€]", "", text)
            if not _NUMBER_ANSWER.match(cleaned):
                raise self.what_works(step)
            number: int | float = float(cleaned) if "." in cleaned else int(cleaned)
            if (step.min is not None and number < step.min) or (step.max is not None and number > step.max):
                raise self.what_works(step)
            return number
        if step.kind == "scale":
            return self.understand_scale(step, text)
        if step.kind == "multi":
            return self.understand_many(step, text)
        value = self.match_option(step, text)
        if value is None:
            raise self.what_works(step)
        return value

    def understand_scale(self, step: Step, text: str) -> int:
        values = step.scale_values()
        match = _SCALE_ANSWER.match(_normalise(text))
        if match and int(match.group(1)) in values:
            return int(match.group(1))
        labelled = {values[0]: step.min_label, values[-1]: step.max_label}
        for value, label in labelled.items():
            if label is not None and _normalise(text) == _normalise(self.render(label)):
                return value
        raise self.what_works(step)

    def understand_many(self, step: Step, text: str) -> list[str]:
        chosen: set[str] = set()
        for part in (part.strip() for part in _LIST_SEPARATORS.split(text)):
            if not part:
                continue
            value = self.match_option(step, part)
            if value is not None:
                chosen.add(value)
                continue
            words = [self.match_option(step, word) for word in part.split()]
            if not words or None in words:
                raise self.what_works(step)
            chosen.update(word for word in words if word is not None)
        if not chosen:
            raise self.what_works(step)
        return [value for value in step.option_values() if value in chosen]

    def option_names(self, step: Step) -> list[tuple[str, set[str]]]:
        """Each option value with every way of typing it: value, labels, yes/no words."""
        names: list[tuple[str, set[str]]] = []
        for value in step.option_values():
            spellings = {_normalise(value), _normalise(self.label(step, value))}
            option = next((option for option in step.options if option.value == value), None)
            if option is not None and isinstance(option.label, dict):
                spellings |= {_normalise(label) for label in option.label.values()}
            if value in ("yes", "no"):
                spellings |= {_normalise(word) for word in texts.words(self.language, value)}
            names.append((value, spellings))
        return names

    def match_option(self, step: Step, text: str) -> str | None:
        """By exact value or label, then by 1-based number, then by a close typo."""
        typed = _normalise(text)
        if not typed:
            return None
        names = self.option_names(step)
        for value, spellings in names:
            if typed in spellings:
                return value
        if typed.isdecimal() and step.kind != "scale" and 1 <= int(typed) <= len(names):
            return names[int(typed) - 1][0]
        scores = sorted(
            (
                (max(difflib.SequenceMatcher(None, typed, name).ratio() for name in spellings), value)
                for value, spellings in names
            ),
            reverse=True,
        )
        best_score, best_value = scores[0]
        runner_up = scores[1][0] if len(scores) > 1 else 0.0
        return best_value if best_score >= TYPO_CUTOFF and best_score > runner_up else None
