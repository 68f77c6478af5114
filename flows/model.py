"""The shape of a flow file (pydantic, strict) and the compiled flow the engine runs.

The pydantic ``*Spec`` models only check structure: unknown keys, missing keys
and wrong types.  Meaning (step ids, branching, conditions, templates) is
checked by :mod:`flows.loader`, which can then say far more helpful things
than a generic validation error.  :class:`Flow` is what the loader returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.functional_validators import BeforeValidator

from flows.expr import Expr

KINDS = ("choice", "multi", "scale", "yesno", "text", "number", "info")
#: kinds answered with buttons (their values can be typed too)
BUTTON_KINDS = ("choice", "multi", "scale", "yesno")
END = "end"
SKIP_VALUE = "__skip__"
DONE_VALUE = "__done__"
#: the Back button's value: one byte, so ``"<step id>:<"`` fits wherever any button fits
BACK_VALUE = "<"
DEFAULT_SCALE = (1, 5)
#: ``max_length`` is still accepted in flow files, but the engine keeps text answers whole
DEFAULT_TEXT_MAX_LENGTH = 1000


def _text_or_translations(value: Any) -> Any:
    """A text is a string, or a table of translations ``{ en = "...", cy = "..." }``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    raise ValueError('a text must be "a string", or a table of translations like { en = "...", cy = "..." }')


Text = Annotated[str | dict[str, str], BeforeValidator(_text_or_translations)]


def _as_list(value: Any) -> Any:
    """Let a single rule be written without the surrounding list."""
    if isinstance(value, str):
        return [{"goto": value}]
    if isinstance(value, dict):
        return [value]
    return value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True, strict=True)


class OptionSpec(_Spec):
    """One answer to a choice or multi step: ``value`` is stored, ``label`` is shown."""

    value: str = Field(min_length=1)
    label: Text
    plain: Text | None = None


class RuleSpec(_Spec):
    """``{ if = "paid == 'no'", goto = "payment_detail" }``; no ``if`` means always."""

    if_: str | None = Field(default=None, alias="if")
    goto: str


class FlagSpec(_Spec):
    """Open a need for a facilitator when ``if`` holds after this step is answered."""

    if_: str | None = Field(default=None, alias="if")
    need: str
    severity: str
    note: str = ""


class StepSpec(_Spec):
    id: str
    kind: str
    text: Text
    options: list[OptionSpec] | None = None
    min: int | float | None = None
    max: int | float | None = None
    min_label: Text | None = None
    max_label: Text | None = None
    max_length: int | None = None
    skippable: bool = False
    anonymous: bool = False
    to_team: bool = False
    essential: bool = False
    plain: Text | None = None
    profile: str | None = None
    next: Annotated[list[RuleSpec] | None, BeforeValidator(_as_list)] = None
    flag: Annotated[list[FlagSpec] | None, BeforeValidator(_as_list)] = None


class FlowSpec(_Spec):
    id: str
    title: str
    description: str = ""
    language: str = "en"
    languages: list[str] | None = None
    version: str | None = None
    intro: Text | None = None
    outro: Text | None = None
    steps: list[StepSpec]

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        """``version = 3`` is as natural as ``version = "3"``."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# --- compiled flow -------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str | dict[str, str]
    #: the label in plainer words, for partners who asked for plain words
    plain: str | dict[str, str] | None = None


@dataclass(frozen=True)
class Rule:
    condition: Expr | None
    goto: str


@dataclass(frozen=True)
class FlagRule:
    condition: Expr | None
    need: str
    severity: str
    note: str


@dataclass(frozen=True)
class Step:
    """One question (or info message) of a flow, with its rules parsed."""

    id: str
    kind: str
    text: str | dict[str, str]
    options: tuple[Option, ...] = ()
    min: int | float | None = None
    max: int | float | None = None
    min_label: str | dict[str, str] | None = None
    max_label: str | dict[str, str] | None = None
    max_length: int = DEFAULT_TEXT_MAX_LENGTH
    skippable: bool = False
    anonymous: bool = False
    #: text steps only: the answer (when not skipped) must reach the project's team
    to_team: bool = False
    #: kept when a partner asked for fewer questions (their needs, safety): see flows.engine
    essential: bool = False
    #: the question in plainer words, for partners who asked for plain words
    plain: str | dict[str, str] | None = None
    #: a partner setting this answer also updates (see flows.profile)
    profile: str | None = None
    rules: tuple[Rule, ...] = ()
    flags: tuple[FlagRule, ...] = ()

    def scale_values(self) -> list[int]:
        low, high = (
            int(self.min if self.min is not None else DEFAULT_SCALE[0]),
            int(self.max if self.max is not None else DEFAULT_SCALE[1]),
        )
        return list(range(low, high + 1))

    def option_values(self) -> list[str]:
        if self.kind == "yesno":
            return ["yes", "no"]
        if self.kind == "scale":
            return [str(value) for value in self.scale_values()]
        return [option.value for option in self.options]


@dataclass(frozen=True)
class Flow:
    """A checked, ready-to-run flow.

    ``source`` is the TOML text it was built from, so the bot can store it and
    finish an in-flight check-in on exactly the version it began with;
    ``version`` is the optional human version plus a hash of that text.
    """

    id: str
    title: str
    description: str
    language: str
    languages: tuple[str, ...]
    version: str
    source: str
    file: str
    steps: tuple[Step, ...]
    intro: str | dict[str, str] | None = None
    outro: str | dict[str, str] | None = None
    #: whether any text shows the partner's previous answers (the bot then looks them up)
    uses_previous: bool = False
    _by_id: dict[str, Step] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({step.id: step for step in self.steps})

    def step(self, step_id: str | None) -> Step | None:
        return self._by_id.get(step_id) if step_id is not None else None

    def step_after(self, step: Step) -> str:
        """The step that follows ``step`` in file order, or ``end`` after the last."""
        index = self.steps.index(step)
        return self.steps[index + 1].id if index + 1 < len(self.steps) else END

    def pick_language(self, wanted: str | None) -> str:
        return wanted if wanted in self.languages else self.language

    def text(self, value: str | dict[str, str], language: str) -> str:
        """A flow text in ``language``, or the flow's own language if it lacks one."""
        if isinstance(value, str):
            return value
        return value.get(language) or value.get(self.language) or next(iter(value.values()), "")
