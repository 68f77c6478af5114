"""The check-in state machine: one partner action in, everything to do out.

Pure and total: :func:`advance` never raises on anything a partner can send and
never loses their place.  Unusable replies get one gentle re-ask that says what
would work, together with the question; ``help``, ``back``, ``pause``, ``stop``
and ``skip`` work at every question.  Words typed at a button question that are
not an answer are kept as a note with its answer.  A long message Telegram split
into parts is joined again before it is read.

Two access needs reach the engine through :class:`~flows.types.Context`: *plain
words* asks each step in its ``plain`` text where the flow has one, and *fewer
questions* leaves out skippable steps not marked ``essential`` (kept as skipped)
yet never ends a check-in that asked nothing: when leaving out every such step
would reach the end, the first question is asked.  An info step just before a step
left out is left out with it.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flows import texts
from flows.model import BACK_VALUE, BUTTON_KINDS, DONE_VALUE, END, SKIP_VALUE, Flow, Step
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
#: Telegram splits a message over 4,096 characters into several; typed text at least
#: this long (counted as Telegram counts, in UTF-16 code units) may be one part of
#: such a message, so it is held until the next part or ``Input.flush()``
SPLIT_AT = 4000
#: kinds where typed words that are not an answer are kept as a note with the answer
COMMENT_KINDS = ("choice", "yesno", "scale", "multi", "number")

_NUMBER_ANSWER = re.compile(r"^-?\d+(?:\.\d+)?$")
_LIST_SEPARATORS = re.compile(r",|;|&|\n|\band\b|\+")
#: a reply of numbers only ("7", "9 out of 10", "1, 9"): a try at an answer, not a note
_NUMBERS_ONLY = re.compile(r"[\d\s.,;:&+/£$€%-]*\d[\d\s.,;:&+/£$€%-]*")
_JOINING_WORDS = re.compile(r"\b(?:out of|of|to|and)\b")


def start(flow: Flow, ctx: Context) -> Outcome:
    """Begin a check-in: the intro, any info steps, and the first question."""
    turn = _Turn(flow, State(step_id=None), ctx)
    if flow.intro is not None:
        turn.say(flow.intro)
    turn.go_to(flow.steps[0].id)
    return turn.outcome


def advance(flow: Flow, state: State, user_input: Input, ctx: Context) -> Outcome:
    """Take one partner action; ``state`` is not modified (the Outcome holds the new one)."""
    turn = _Turn(flow, _copy(state), ctx)
    turn.handle(user_input)
    return turn.outcome


def resume(flow: Flow, state: State, ctx: Context) -> Outcome:
    """/resume: go on with a paused check-in, as typing *carry on* does.

    A check-in under way just gets its question again (``event = "resume"`` too);
    one that has ended says so.  ``state`` is not modified.
    """
    turn = _Turn(flow, _copy(state), ctx)
    turn.resume()
    return turn.outcome


def current_question(flow: Flow, state: State, ctx: Context) -> Prompt | None:
    """The question ``state`` is at (active or paused), as it would be asked now, with
    its buttons and no note before it: e.g. for a reminder.  ``None`` when there is none."""
    step = flow.step(state.step_id)
    if state.status not in ("active", "paused") or step is None or step.kind == "info":
        return None
    return _Turn(flow, _copy(state), ctx).question(step)


def _copy(state: State) -> State:
    return State.from_dict(copy.deepcopy(state.to_dict()))


class _Unusable(Exception):
    """A reply that cannot be an answer; carries the fixed text that says what would work."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def _normalise(text: str) -> str:
    """Typed text as it is compared: see :func:`flows.texts.normalise` (accents, apostrophes)."""
    return texts.normalise(text)


def _words_pattern(words: list[str]) -> str:
    """An alternation of ``words`` (longest first), each whole: not inside a longer word."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return rf"(?<![\w'])(?:{alternatives})(?![\w'])"


@lru_cache(maxsize=32)
def _number_words(languages: tuple[str, ...]) -> tuple[Mapping[str, int], re.Pattern[str]]:
    """Number words in ``languages`` (normalised, the first language's reading first) and
    a pattern finding any of them in normalised text."""
    merged: dict[str, int] = {}
    for language in reversed(languages):
        merged.update(texts.numbers(language))
    return merged, re.compile(_words_pattern(list(merged)))


@lru_cache(maxsize=32)
def _out_of(languages: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A scale answer ("7", "7/10", "saith allan o ddeg" once its words are digits) and a
    pattern finding the words joining numbers, in ``languages``."""
    words = {spelling for language in languages for spelling in texts.spellings(language, "out_of")}
    scale = re.compile(rf"^(-?\d+)(?:\s*(?:/|{_words_pattern(list(words))})\s*\d+)?$")
    return scale, re.compile(rf"{_words_pattern(list(words))}|{_JOINING_WORDS.pattern}")


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _telegram_length(text: str) -> int:
    """A text's length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _join(held: str, part: str) -> str:
    """Join the parts of a split message: as they are where either side has a space or
    line break at the join, else with a line break (Telegram drops the one it split at)."""
    if not held or not part:
        return held + part
    if held[-1].isspace() or part[0].isspace():
        return held + part
    return held + "\n" + part


def _fit(text: str) -> str:
    """A message within Telegram's limit, cut at a word boundary (with "…") if it must be."""
    if len(text) <= MESSAGE_MAX_CHARS:
        return text
    head = text[: MESSAGE_MAX_CHARS - 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space > MESSAGE_MAX_CHARS // 2:
        head = head[:space]
    return head.rstrip() + "…"


class _Turn:
    """One engine call: the flow, the partner's context, and the Outcome being built."""

    def __init__(self, flow: Flow, state: State, ctx: Context) -> None:
        self.flow = flow
        self.ctx = ctx
        self.state = state
        self.language = flow.pick_language(ctx.language)
        #: the languages typed words are understood in: the flow's, then the partner's own
        self.languages = tuple(dict.fromkeys((self.language, ctx.language or self.language)))
        self.outcome = Outcome(state=state)

    # --- words -----------------------------------------------------------------

    def render(self, text: str | dict[str, str]) -> str:
        values = template_values(self.ctx, self.state.answers, (step.id for step in self.flow.steps))
        return _fit(render(self.flow.text(text, self.language), values))

    def fixed(self, key: str, **values: object) -> str:
        return texts.text(self.language, key, **values)

    def say(self, text: str | dict[str, str]) -> None:
        self.outcome.prompts.append(Prompt(self.render(text)))

    def note(self, key: str, **values: object) -> None:
        self.outcome.prompts.append(Prompt(self.fixed(key, **values)))

    def is_word(self, text: str, key: str) -> bool:
        """Whether ``text`` is one of the words for ``key``, in the flow's language or the partner's own."""
        word = _normalise(text)
        return any(
            word in spellings or word.rstrip("?") in spellings
            for spellings in (texts.spellings(language, key) for language in self.languages)
        )

    def number_word(self, text: str) -> int | None:
        """The number ``text`` is as a word ("three", "tri", "tair"), or ``None``."""
        return _number_words(self.languages)[0].get(_normalise(text))

    def digits(self, text: str) -> str:
        """Normalised ``text`` with number words as digits: "tri allan o ddeg" -> "3 allan o 10"."""
        values, pattern = _number_words(self.languages)
        return pattern.sub(lambda match: str(values[match.group(0)]), _normalise(text))

    def numbers_only(self, text: str) -> bool:
        """A reply of numbers only ("7", "nine out of ten", "1, 9"): a try at an answer, not a note."""
        joining = _out_of(self.languages)[1]
        return _NUMBERS_ONLY.fullmatch(joining.sub(" ", self.digits(text))) is not None

    def control_word(self, text: str) -> str | None:
        for control in ("help", "back", "pause", "stop", "skip"):
            if self.is_word(text, control):
                return control
        return None

    # --- asking ------------------------------------------------------------------

    def wording(self, step: Step) -> str | dict[str, str]:
        """The step's text, or its plain one for a partner who asked for plain words."""
        return step.plain if self.ctx.plain_words and step.plain is not None else step.text

    def label(self, step: Step, value: str) -> str:
        if step.kind == "yesno":
            return self.fixed(value)
        for option in step.options:
            if option.value == value:
                plain = self.ctx.plain_words and option.plain is not None
                return self.render(option.plain if plain and option.plain is not None else option.label)
        return value

    def question(self, step: Step, before: str = "") -> Prompt:
        """The question ``step`` asks, after ``before`` (a note in the same message) if given."""
        text = self.render(self.wording(step))
        if step.kind == "scale" and (step.min_label is not None or step.max_label is not None):
            values = step.scale_values()
            ends = [
                f"{values[0]} = {self.render(step.min_label)}" if step.min_label is not None else "",
                f"{values[-1]} = {self.render(step.max_label)}" if step.max_label is not None else "",
            ]
            text += "\n" + ", ".join(end for end in ends if end)
        elif step.kind == "multi":
            text += "\n" + self.fixed("tick_hint")
        if before:
            text = f"{before}\n\n{text}"
        return Prompt(_fit(text), self.buttons(step), step.id)

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
        if rows and self.state.history:  # where buttons are shown; at a bare text question, typing back works
            rows.append((Button(self.fixed("back_button"), BACK_VALUE),))
        return tuple(rows)

    def ask(self, step: Step, before: str = "") -> None:
        self.outcome.prompts.append(self.question(step, before))

    def reask(self, step: Step, key: str, **values: object) -> None:
        """Say kindly what would work and ask the same question again, in one message."""
        self.state.reasks += 1
        message = self.fixed(key, **values)
        if self.state.reasks >= REASKS_BEFORE_REMINDER:
            message += " " + self.fixed("still_stuck_skippable" if step.skippable else "still_stuck")
        self.ask(step, message)

    def what_works(self, step: Step) -> _Unusable:
        if step.kind == "scale":
            values = step.scale_values()
            return _Unusable("works_scale", min=values[0], max=values[-1])
        if step.kind == "number":
            return _Unusable("works_number", range=self.number_range(step))
        if step.kind == "multi":
            return _Unusable("works_multi", options=self.numbered_options(step))
        return _Unusable(f"works_{step.kind}")

    def numbered_options(self, step: Step) -> str:
        """``1 = Travel, 2 = Childcare``: what can be typed to tick each option."""
        return ", ".join(
            f"{number} = {self.label(step, value)}" for number, value in enumerate(step.option_values(), 1)
        )

    def number_range(self, step: Step) -> str:
        if step.min is not None and step.max is not None:
            return self.fixed("works_number_range", min=_number_text(step.min), max=_number_text(step.max))
        if step.min is not None:
            return self.fixed("works_number_min", min=_number_text(step.min))
        if step.max is not None:
            return self.fixed("works_number_max", max=_number_text(step.max))
        return ""

    # --- moving on -----------------------------------------------------------------

    def next_step(self, step: Step, answers: dict[str, Any] | None = None) -> str:
        for rule in step.rules:
            if rule.condition is None or rule.condition.evaluate(self.state.answers if answers is None else answers):
                return rule.goto
        return self.flow.step_after(step)

    def spares(self, step: Step) -> bool:
        """Whether *fewer questions* leaves ``step`` out: a skippable step not marked essential,
        unless nothing has been asked yet and leaving out all such steps would reach the end."""
        if not (self.ctx.fewer_questions and step.skippable and not step.essential):
            return False
        return self.state.step_id is not None or not self.ends_unasked(step)

    def ends_unasked(self, step: Step) -> bool:
        """Whether leaving out ``step`` and every step after it that fewer questions may leave
        out reaches the end of the flow without a question (a loop counts as asking one)."""
        answers = dict(self.state.answers)
        seen: set[str] = set()
        current: Step | None = step
        while current is not None and current.id not in seen:
            seen.add(current.id)
            if current.kind != "info":
                if not current.skippable or current.essential:
                    return False
                answers[current.id] = None
            current = self.flow.step(self.next_step(current, answers))
        return current is None

    def leave_out(self, step: Step) -> None:
        """Keep ``step`` as skipped without asking it (once: coming back past it after Back,
        the answer it has stands)."""
        if step.id not in self.state.answers:
            self.keep(step, None)

    def go_to(self, step_id: str) -> None:
        """Show info steps on the way, leave out what fewer questions spares, then ask the next
        question or end the flow.

        The question being left (if any) goes onto the history, so Back can return to it; a
        step left out does not, so Back goes to the question asked before.  An info step
        speaks of the question after it, so it is left out along with that question.
        """
        leaving = self.flow.step(self.state.step_id)
        info_shown = 0
        left_out: set[str] = set()
        waiting: list[Step] = []  # info steps on the way, said with the question they lead to
        while step_id != END:
            step = self.flow.step(step_id)
            if step is None:
                self.say_info(waiting)
                self.note("lost_place")
                self.finish("stopped")
                return
            if step.kind != "info" and step.id not in left_out and self.spares(step):
                left_out.add(step.id)  # met again in this walk, a loop: then it is asked
                self.leave_out(step)
                waiting.clear()
                step_id = self.next_step(step)
                continue
            if step.kind != "info":
                if leaving is not None and leaving.kind != "info":
                    self.state.history.append(leaving.id)
                self.state.step_id = step.id
                self.state.selected = []
                self.state.reasks = 0
                self.state.comment = ""
                self.say_info(waiting)
                self.ask(step)
                return
            waiting.append(step)
            info_shown += 1
            if info_shown > len(self.flow.steps):
                break  # a loop of info steps: end rather than repeat forever
            step_id = self.next_step(step)
        self.say_info(waiting)
        self.finish("finished")

    def say_info(self, steps: list[Step]) -> None:
        for step in steps:
            self.say(self.wording(step))

    def go_back(self, step: Step) -> None:
        """Back to the previous question: its answer is withdrawn and it is asked again."""
        self.outcome.event = "back"
        if not self.state.history:
            # answers but no history: a check-in begun before the bot kept one
            self.ask(step, self.fixed("back_unavailable" if self.state.answers else "back_first"))
            return
        previous_id = self.state.history.pop()
        previous = self.flow.step(previous_id)
        if previous is None or previous.kind == "info":
            self.note("lost_place")
            self.finish("stopped")
            return
        self.state.answers.pop(previous_id, None)
        if previous_id not in self.outcome.retracted:
            self.outcome.retracted.append(previous_id)
        self.state.step_id = previous_id
        self.state.selected = []
        self.state.reasks = 0
        self.state.comment = ""
        self.ask(previous)

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
        """Keep an answer (``None`` = skipped) with any note typed at it, raise any flags, and move on."""
        self.keep(step, value)
        if value is not None:
            for flag in step.flags:
                if flag.condition is None or flag.condition.evaluate(self.state.answers):
                    self.outcome.flags.append(FlagRequest(flag.need, flag.severity, self.render(flag.note), step.id))
        self.go_to(self.next_step(step))

    def keep(self, step: Step, value: Any) -> None:
        """Keep an answer (``None`` = skipped) with any note typed at it, and the question as asked."""
        question = self.render(self.wording(step))
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
                comment=self.state.comment,
                to_team=step.to_team and not skipped,
            )
        )
        self.state.comment = ""

    def display(self, step: Step, value: Any) -> str:
        if step.kind in ("choice", "yesno"):
            return self.label(step, value)
        if step.kind == "multi":
            return ", ".join(self.label(step, item) for item in value)
        if step.kind == "scale":
            return self.fixed("scale_answer", value=value, max=step.scale_values()[-1])
        if step.kind == "number":
            return _number_text(value)
        return str(value)

    # --- pausing and going on --------------------------------------------------------------

    def pause(self) -> None:
        """Pause where we are: the question, answers, history and any note are all kept."""
        self.outcome.event = "pause"
        self.state.status = "paused"
        self.note("pause")

    def resume(self) -> None:
        """Go on from where the check-in was paused (or, under way, just ask the question again)."""
        if self.state.status not in ("active", "paused"):
            self.note("finished_already")
            return
        step = self.flow.step(self.state.step_id)
        if step is None:
            self.note("lost_place")
            self.finish("stopped")
            return
        self.state.status = "active"
        self.outcome.event = "resume"
        if step.kind == "info":
            self.go_to(self.next_step(step))
            return
        if self.state.pending_text:
            self.reply(step, Input.typed(self.take_pending()))
            return
        self.state.reasks = 0
        self.ask(step, self.fixed("resume"))

    def handle_paused(self, user_input: Input) -> None:
        """While paused only *carry on* (or a tap on the paused question) is for this check-in."""
        resumes = (user_input.kind == "text" and self.is_word(user_input.text, "resume")) or (
            user_input.kind == "choice" and user_input.step_id == self.state.step_id
        )
        if resumes:
            self.resume()
        else:
            self.outcome.event = "not_taken"

    # --- understanding replies ---------------------------------------------------------

    def handle(self, user_input: Input) -> None:
        if user_input.kind == "flush" and not self.state.pending_text:
            return  # nothing held: nothing to do
        if self.state.status == "paused":
            self.handle_paused(user_input)
            return
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
        if user_input.kind == "text" and (self.state.pending_text or _telegram_length(user_input.text) >= SPLIT_AT):
            joined = _join(self.state.pending_text, user_input.text)
            if _telegram_length(user_input.text) >= SPLIT_AT:
                self.state.pending_text = joined
                self.outcome.event = "waiting"
                return
            self.state.pending_text = ""
            self.reply(step, Input.typed(joined))
        elif self.state.pending_text:
            self.reply_after_pending(step, user_input)
        else:
            self.reply(step, user_input)

    def take_pending(self) -> str:
        held, self.state.pending_text = self.state.pending_text, ""
        return held

    def reply_after_pending(self, step: Step, user_input: Input) -> None:
        """Held text first, as one reply; then a tap only if it is still for the question
        being asked (its re-ask, asking for that very tap, is then not sent).  A Back,
        sticker or flush after held text does nothing more: the partner sees where they are."""
        said, answered = len(self.outcome.prompts), len(self.outcome.answers)
        self.reply(step, Input.typed(self.take_pending()))
        still_here = (
            self.state.status == "active" and self.state.step_id == step.id and len(self.outcome.answers) == answered
        )
        if user_input.kind == "choice" and still_here and user_input.step_id == step.id:
            del self.outcome.prompts[said:]
            self.reply(step, user_input)

    def reply(self, step: Step, user_input: Input) -> None:
        """One reply to the question ``step`` asks."""
        try:
            if user_input.kind == "choice":
                self.handle_tap(step, user_input)
            elif user_input.kind == "text":
                self.handle_text(step, user_input.text)
            elif user_input.kind == "back":
                self.go_back(step)
            else:
                raise self.what_works(step)
        except _Unusable as unusable:
            self.reask(step, unusable.key, **unusable.values)

    def handle_tap(self, step: Step, user_input: Input) -> None:
        if user_input.step_id != step.id:
            self.ask(step, self.fixed("stale_button"))
            return
        value = user_input.value
        if value == BACK_VALUE:
            self.go_back(step)
        elif value == SKIP_VALUE:
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
            self.ask(step, self.fixed("help"))
        elif control == "back":
            self.go_back(step)
        elif control == "pause":
            self.pause()
        elif control == "stop":
            self.outcome.event = "stop"
            self.note("stop")
            self.finish("stopped")
        elif control == "skip":
            self.skip(step)
        elif step.kind == "multi" and self.is_word(text, "done"):
            self.finish_multi(step)
        elif step.kind == "multi":
            self.tick_typed(step, self.understand_or_keep(step, text))
        else:
            self.record(step, self.understand_or_keep(step, text))

    def understand_or_keep(self, step: Step, text: str) -> Any:
        """The answer in ``text``; at a button or number question, words that are not an
        answer (and not just numbers, a try at one) are kept as a note with the answer."""
        try:
            return self.understand(step, text)
        except _Unusable:
            if step.kind not in COMMENT_KINDS or not text.strip() or self.numbers_only(text):
                raise
        note = text.strip()
        self.state.comment = f"{self.state.comment}\n{note}" if self.state.comment else note
        if step.kind == "number":
            raise _Unusable("comment_kept_number", range=self.number_range(step))
        if step.kind == "multi":
            raise _Unusable("comment_kept_multi", options=self.numbered_options(step))
        if step.kind == "yesno":
            raise _Unusable("comment_kept_yesno")
        raise _Unusable("comment_kept_buttons")

    def skip(self, step: Step) -> None:
        if not step.skippable:
            raise _Unusable("cannot_skip")
        self.record(step, None)

    def toggle(self, step: Step, value: str) -> None:
        """Tick or untick an option in place; the answer is kept only on Done."""
        selected = set(self.state.selected) ^ {value}
        self.state.selected = [option for option in step.option_values() if option in selected]
        self.outcome.edit = self.question(step)

    def tick_typed(self, step: Step, values: list[str]) -> None:
        """Typed labels or numbers tick (or untick) those options and the partner is told what
        is ticked, with the question again: only Done ends the step, so a typed label is never
        taken as the whole answer and the next "done" as the answer to the next question."""
        selected = set(self.state.selected) ^ set(values)
        self.state.selected = [option for option in step.option_values() if option in selected]
        ticked = ", ".join(self.label(step, value) for value in self.state.selected)
        self.ask(step, self.fixed("ticked_so_far", ticked=ticked) if ticked else self.fixed("ticked_none"))

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
            return answer  # kept whole, however long: max_length is no longer applied
        if step.kind == "number":
            word = self.number_word(text)
            cleaned = str(word) if word is not None else re.sub(r"[\s£$€]", "", text)
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
        match = _out_of(self.languages)[0].match(self.digits(text))
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
            for label in (option.label, option.plain) if option is not None else ():
                if isinstance(label, dict):
                    spellings |= {_normalise(self.render(text)) for text in label.values()}
                elif label is not None:
                    spellings.add(_normalise(self.render(label)))
            if value in ("yes", "no"):
                for language in self.languages:
                    spellings |= texts.spellings(language, value)
            names.append((value, spellings))
        return names

    def match_option(self, step: Step, text: str) -> str | None:
        """By exact value or label, then by 1-based number (in digits or words), then by a
        close typo; a number that is no option's is not taken for a typo of one."""
        typed = _normalise(text)
        if not typed:
            return None
        names = self.option_names(step)
        for value, spellings in names:
            if typed in spellings:
                return value
        number = int(typed) if typed.isdecimal() else self.number_word(typed)
        if number is not None and step.kind != "scale":
            return names[number - 1][0] if 1 <= number <= len(names) else None
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
