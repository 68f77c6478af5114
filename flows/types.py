"""The values that cross the boundary between the flow engine and its callers.

The engine is a pure state machine: the bot turns a Telegram update into an
:class:`Input`, asks the engine for an :class:`Outcome`, stores what it says and
sends its :class:`Prompt` s.  Nothing here knows about Telegram or SQL, and
every value is plain data so that ``State`` can live in a database column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

#: Telegram allows 64 bytes of callback data.  The bot spends at most
#: ``CALLBACK_PREFIX_BYTES`` of them on its own prefix and the check-in id;
#: the rest holds ``"<step_id>:<option value>"`` and is checked at load time.
CALLBACK_DATA_MAX_BYTES = 64
CALLBACK_PREFIX_BYTES = 16
CALLBACK_PAYLOAD_MAX_BYTES = CALLBACK_DATA_MAX_BYTES - CALLBACK_PREFIX_BYTES

#: Telegram's limit on a message's text, after entity parsing.
MESSAGE_MAX_CHARS = 4096

NEEDS = ("payment", "expenses", "access", "support", "trust", "influence", "capacity", "safety", "other")
SEVERITIES = ("info", "low", "high", "urgent")


@dataclass(frozen=True)
class Button:
    """One answer a partner can tap.  ``value`` is stored; ``label`` is shown."""

    label: str
    value: str


@dataclass(frozen=True)
class Prompt:
    """One message for the partner, as plain text (the bot escapes it for HTML).

    ``step_id`` names the question this message asks, so the bot can put it into
    callback data; it is ``None`` for acknowledgements and info messages.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    step_id: str | None = None


@dataclass(frozen=True)
class Input:
    """What the partner did, reduced to what the engine needs.

    kind ``text``: they typed ``text``.  kind ``choice``: they tapped the button
    with ``value`` that belonged to step ``step_id``.  kind ``other``: a sticker,
    photo, voice note or anything else that is not an answer.  kind ``back``: go
    to the previous question (as typing *back* or tapping the Back button does).
    kind ``flush``: no more parts of a long message came, so take the text held
    so far (``State.pending_text``) as one reply.
    """

    kind: Literal["text", "choice", "other", "back", "flush"]
    text: str = ""
    value: str = ""
    step_id: str | None = None

    @classmethod
    def typed(cls, text: str) -> Input:
        return cls(kind="text", text=text)

    @classmethod
    def tapped(cls, step_id: str, value: str) -> Input:
        return cls(kind="choice", value=value, step_id=step_id)

    @classmethod
    def other(cls) -> Input:
        return cls(kind="other")

    @classmethod
    def back(cls) -> Input:
        return cls(kind="back")

    @classmethod
    def flush(cls) -> Input:
        return cls(kind="flush")


@dataclass(frozen=True)
class Context:
    """What coordinator-written templates may use, besides this check-in's answers, and
    the partner's access needs that change which questions and words they get.

    ``previous`` holds the answers of the partner's last finished check-in of the
    same flow (step id -> value), so a question can say "Last time you said ...".
    """

    first_name: str = ""
    project_name: str = ""
    language: str | None = None
    previous: dict[str, Any] = field(default_factory=dict)
    #: the partner asked for fewer questions: skippable steps not marked essential are left out
    fewer_questions: bool = False
    #: the partner asked for plain words: steps and options with a ``plain`` text use it
    plain_words: bool = False


@dataclass
class State:
    """Where a partner is in one check-in.  JSON-serialisable via ``to_dict``."""

    step_id: str | None
    answers: dict[str, Any] = field(default_factory=dict)
    #: options ticked so far on a multiple-choice step, before "Done"
    selected: list[str] = field(default_factory=list)
    #: how many times the current step has been re-asked after an unusable reply
    reasks: int = 0
    #: ``active`` while questions are asked; ``paused`` (resumable: ``step_id``, answers
    #: and history kept) after *pause*; ``finished`` or ``stopped`` once it has ended
    status: Literal["active", "paused", "finished", "stopped"] = "active"
    #: ids of the questions asked before the current one in this check-in, oldest first
    history: list[str] = field(default_factory=list)
    #: text typed at the current button question that was not an answer, kept for its answer
    comment: str = ""
    #: parts of a long message Telegram split, waiting to be joined
    pending_text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A plain dict to store, its containers copied (``dataclasses.asdict`` deep-copies
        every value: a fiftieth of an answer's CPU)."""
        return {
            "step_id": self.step_id,
            "answers": dict(self.answers),
            "selected": list(self.selected),
            "reasks": self.reasks,
            "status": self.status,
            "history": list(self.history),
            "comment": self.comment,
            "pending_text": self.pending_text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        """The state stored by ``to_dict``, by this or an earlier version: keys added
        since (``history``, ``comment``, ``pending_text``) get their defaults, and
        keys this version does not know are left out."""
        known = {item.name for item in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values.setdefault("step_id", None)
        return cls(**values)


@dataclass(frozen=True)
class AnswerRecord:
    """An answer to store: the value and the question exactly as it was asked."""

    step_id: str
    question: str
    value: Any  # str | int | float | list[str] | None when skipped
    display: str  # the answer in words, for digests and /mydata
    anonymous: bool = False
    skipped: bool = False
    #: what the partner typed at a button question besides their answer ("" if nothing)
    comment: str = ""
    #: the step has ``to_team = true`` and was answered: the project's team must see this answer
    to_team: bool = False


@dataclass(frozen=True)
class FlagRequest:
    """A flag rule fired: an unmet need to open (or add evidence to)."""

    need: str
    severity: str
    note: str
    step_id: str  # the answer behind it


@dataclass
class Outcome:
    """Everything one engine call decided.

    ``edit`` replaces the last prompt in place (multiple-choice ticks).
    ``retracted`` lists steps whose earlier answer in this check-in is withdrawn
    (the partner went back to them): delete those stored answers.  ``event``
    tells the bot what the partner's input meant besides any answer:

    - ``help``: they asked for help (the help text comes with the question);
    - ``pause``: the check-in is paused (``state.status == "paused"``), to go on
      when they type *carry on* or send /resume (:func:`flows.engine.resume`);
    - ``stop``: the check-in has ended for good (``state.status == "stopped"``);
    - ``resume``: a paused check-in goes on (the question comes again);
    - ``back``: they went back a question (see ``retracted``);
    - ``waiting``: the input was held, a part of a long message: no prompts; send
      ``Input.flush()`` if no further part arrives within a few seconds;
    - ``not_taken``: the check-in is paused and this input was not for it: route it
      elsewhere.  The state is unchanged and there are no prompts.
    """

    state: State
    prompts: list[Prompt] = field(default_factory=list)
    answers: list[AnswerRecord] = field(default_factory=list)
    flags: list[FlagRequest] = field(default_factory=list)
    edit: Prompt | None = None
    event: Literal["help", "pause", "stop", "resume", "back", "waiting", "not_taken"] | None = None
    retracted: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        """The check-in has ended (finished or stopped); a paused one has not."""
        return self.state.status in ("finished", "stopped")
