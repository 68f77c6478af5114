"""Every button's callback data, built and parsed here and nowhere else.

Each format is a small frozen class: ``data()`` builds the string Telegram
carries back (at most 64 bytes), ``parse()`` reads one (None for anything else,
including data someone tampered with), and ``matches`` is the pattern the
Application routes taps with.  Prefixes are words a person reading the database
or a log can follow.  Buttons sent before 0.2 carry the old one-letter prefixes
(``a:``, ``f:``, ``fu:``, ``i:``, ``inv:``); they still parse, so a partner tapping
last month's message is answered as before.

An answer tap's ``<step id>:<value>`` is kept within
``flows.types.CALLBACK_PAYLOAD_MAX_BYTES`` by the flow checker; its prefix and the
check-in id fit the other ``CALLBACK_PREFIX_BYTES``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal, Self, TypeVar

from flows.types import CALLBACK_DATA_MAX_BYTES, CALLBACK_PREFIX_BYTES


def _fields(data: str, prefixes: tuple[str, ...], count: int) -> list[str] | None:
    """The ``count`` fields after any of ``prefixes`` (the last may contain ':'), or None."""
    for prefix in prefixes:
        if data.startswith(prefix):
            fields = data.removeprefix(prefix).split(":", count - 1)
            return fields if len(fields) == count else None
    return None


class Button:
    """What every format shares: the Application routes a tap with ``matches``."""

    @classmethod
    def parse(cls, data: str) -> Self | None:
        raise NotImplementedError

    @classmethod
    def matches(cls, data: object) -> bool:
        return isinstance(data, str) and cls.parse(data) is not None


N = TypeVar("N", bound=str)


def _choice_and_id(
    data: str, prefix: str, legacy: tuple[str, ...], choices: tuple[N, ...], legacy_choices: dict[str, N]
) -> tuple[N, int] | None:
    """``<prefix><choice>:<id>``, or an old button's ``<legacy prefix><legacy code>:<id>``."""
    fields = _fields(data, (prefix, *legacy), 2)
    if fields is None or not fields[1].isdigit():
        return None
    if data.startswith(legacy):
        choice = legacy_choices.get(fields[0])
    else:
        choice = next((c for c in choices if c == fields[0]), None)
    return (choice, int(fields[1])) if choice is not None else None


def _checked(data: str) -> str:
    assert len(data.encode()) <= CALLBACK_DATA_MAX_BYTES, f"callback data over 64 bytes: {data!r}"
    return data


@dataclass(frozen=True)
class AnswerTap(Button):
    """A partner's answer button: ``ans:<check-in id>:<step id>:<value>``."""

    checkin_id: int
    step_id: str
    value: str

    PREFIX: ClassVar[str] = "ans:"
    LEGACY: ClassVar[tuple[str, ...]] = ("a:",)

    def data(self) -> str:
        head = f"{self.PREFIX}{self.checkin_id}:"
        assert len(head.encode()) <= CALLBACK_PREFIX_BYTES, "check-in ids this large need a shorter prefix"
        return _checked(f"{head}{self.step_id}:{self.value}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, (cls.PREFIX, *cls.LEGACY), 3)
        if fields is None or not fields[0].isdigit():
            return None
        return cls(int(fields[0]), fields[1], fields[2])


@dataclass(frozen=True)
class Consent(Button):
    """Accepting or declining the consent text: ``consent:yes`` / ``consent:no``."""

    accepted: bool

    PREFIX: ClassVar[str] = "consent:"

    def data(self) -> str:
        return f"{self.PREFIX}{'yes' if self.accepted else 'no'}"

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, (cls.PREFIX,), 1)
        return cls(fields[0] == "yes") if fields is not None and fields[0] in ("yes", "no") else None


FlagActionName = Literal["acknowledge", "resolve", "wontfix"]


@dataclass(frozen=True)
class FlagAction(Button):
    """A facilitator's button on a flag: ``flag:<acknowledge|resolve|wontfix>:<flag id>``."""

    action: FlagActionName
    flag_id: int

    PREFIX: ClassVar[str] = "flag:"
    LEGACY: ClassVar[tuple[str, ...]] = ("f:",)
    #: the pre-0.2 action codes
    LEGACY_ACTIONS: ClassVar[dict[str, FlagActionName]] = {"ack": "acknowledge", "res": "resolve", "wf": "wontfix"}
    ACTIONS: ClassVar[tuple[FlagActionName, ...]] = ("acknowledge", "resolve", "wontfix")

    def data(self) -> str:
        return _checked(f"{self.PREFIX}{self.action}:{self.flag_id}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        found = _choice_and_id(data, cls.PREFIX, cls.LEGACY, cls.ACTIONS, cls.LEGACY_ACTIONS)
        return cls(*found) if found is not None else None


@dataclass(frozen=True)
class FollowUp(Button):
    """A partner's answer to "is it sorted now?": ``followup:<flag id>:<yes|no>``."""

    flag_id: int
    met: bool

    PREFIX: ClassVar[str] = "followup:"
    LEGACY: ClassVar[tuple[str, ...]] = ("fu:",)

    def data(self) -> str:
        return _checked(f"{self.PREFIX}{self.flag_id}:{'yes' if self.met else 'no'}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, (cls.PREFIX, *cls.LEGACY), 2)
        if fields is None or not fields[0].isdigit() or fields[1] not in ("yes", "no", "y", "n"):
            return None
        return cls(int(fields[0]), fields[1] in ("yes", "y"))


IdeaOutcomeName = Literal["adopted", "changed", "not_taken_up"]


@dataclass(frozen=True)
class IdeaOutcome(Button):
    """A facilitator's choice of what came of an idea: ``idea:<outcome>:<idea id>``."""

    outcome: IdeaOutcomeName
    idea_id: int

    PREFIX: ClassVar[str] = "idea:"
    LEGACY: ClassVar[tuple[str, ...]] = ("i:",)
    #: the pre-0.2 outcome codes
    LEGACY_OUTCOMES: ClassVar[dict[str, IdeaOutcomeName]] = {"ad": "adopted", "ch": "changed", "no": "not_taken_up"}
    OUTCOMES: ClassVar[tuple[IdeaOutcomeName, ...]] = ("adopted", "changed", "not_taken_up")

    def data(self) -> str:
        return _checked(f"{self.PREFIX}{self.outcome}:{self.idea_id}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        found = _choice_and_id(data, cls.PREFIX, cls.LEGACY, cls.OUTCOMES, cls.LEGACY_OUTCOMES)
        return cls(*found) if found is not None else None


@dataclass(frozen=True)
class SettingsTap(Button):
    """A partner's /settings button: ``set:`` is the menu, ``set:<field>`` opens a
    setting, ``set:<field>:<value>`` chooses (or ticks) a value."""

    field: str = ""
    value: str = ""

    PREFIX: ClassVar[str] = "set:"
    #: the value of a multi-choice setting's "Done" button
    DONE: ClassVar[str] = "=done"

    def data(self) -> str:
        return _checked(self.PREFIX + ":".join(part for part in (self.field, self.value) if part))

    @classmethod
    def parse(cls, data: str) -> Self | None:
        if not data.startswith(cls.PREFIX):
            return None
        field, _, value = data.removeprefix(cls.PREFIX).partition(":")
        return cls(field, value)


@dataclass(frozen=True)
class Forget(Button):
    """The answer to "delete everything about you?": ``forget:yes`` / ``forget:no``."""

    confirmed: bool

    PREFIX: ClassVar[str] = "forget:"

    def data(self) -> str:
        return f"{self.PREFIX}{'yes' if self.confirmed else 'no'}"

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, (cls.PREFIX,), 1)
        return cls(fields[0] == "yes") if fields is not None and fields[0] in ("yes", "no") else None


InviteRole = Literal["partner", "facilitator"]


@dataclass(frozen=True)
class InviteChoice(Button):
    """A coordinator's choice of project for ``/invite``: ``invite:<role>:<project's
    place in the config>`` (project ids may be too long for callback data)."""

    role: InviteRole
    project_index: int

    PREFIX: ClassVar[str] = "invite:"
    LEGACY: ClassVar[tuple[str, ...]] = ("inv:",)
    ROLES: ClassVar[dict[str, InviteRole]] = {
        "partner": "partner",
        "facilitator": "facilitator",
        "p": "partner",
        "f": "facilitator",
    }

    def data(self) -> str:
        return _checked(f"{self.PREFIX}{self.role}:{self.project_index}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, (cls.PREFIX, *cls.LEGACY), 2)
        if fields is None or fields[0] not in cls.ROLES or not fields[1].isdigit():
            return None
        return cls(cls.ROLES[fields[0]], int(fields[1]))


PromptAction = Literal["send", "edit", "cancel"]


@dataclass(frozen=True)
class PromptChoice(Button):
    """A staff member's answer to the preview of what will reach a partner:
    ``prompt:<send|edit|cancel>:<kind>:<subject id>`` (kind: the prompt's short code)."""

    action: PromptAction
    kind: str
    subject_id: int

    PREFIX: ClassVar[str] = "prompt:"
    ACTIONS: ClassVar[tuple[PromptAction, ...]] = ("send", "edit", "cancel")

    def data(self) -> str:
        return _checked(f"{self.PREFIX}{self.action}:{self.kind}:{self.subject_id}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, (cls.PREFIX,), 3)
        if fields is None or not fields[2].isdigit() or not fields[1].isalpha():
            return None
        action = next((a for a in cls.ACTIONS if a == fields[0]), None)
        return cls(action, fields[1], int(fields[2])) if action is not None else None


TeamActionName = Literal["reply", "ack"]


@dataclass(frozen=True)
class TeamAction(Button):
    """A facilitator's button on a partner's message to the team: ``team:<reply|ack>:<message id>``."""

    action: TeamActionName
    message_id: int

    PREFIX: ClassVar[str] = "team:"
    ACTIONS: ClassVar[tuple[TeamActionName, ...]] = ("reply", "ack")

    def data(self) -> str:
        return _checked(f"{self.PREFIX}{self.action}:{self.message_id}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        found = _choice_and_id(data, cls.PREFIX, (), cls.ACTIONS, {})
        return cls(*found) if found is not None else None


@dataclass(frozen=True)
class TeamProject(Button):
    """A partner in several projects choosing whose team their message is for:
    ``teamto:<the project's place in the config>``."""

    project_index: int

    PREFIX: ClassVar[str] = "teamto:"

    def data(self) -> str:
        return _checked(f"{self.PREFIX}{self.project_index}")

    @classmethod
    def parse(cls, data: str) -> Self | None:
        fields = _fields(data, (cls.PREFIX,), 1)
        return cls(int(fields[0])) if fields is not None and fields[0].isdigit() else None
