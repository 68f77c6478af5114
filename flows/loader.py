"""Load flow files and check them thoroughly, reporting every problem at once.

Coordinators are not programmers, and a broken flow must never reach a
partner, so each problem names its file, line, the path of the offending key
(steps by id: ``steps.payment.next[0].goto``) and, where it can, the likely fix.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from flows import render
from flows.expr import KEYWORDS, ExprError, ListLiteral, Literal, Name, parse
from flows.model import (
    BACK_VALUE,
    DEFAULT_TEXT_MAX_LENGTH,
    DONE_VALUE,
    END,
    KINDS,
    SKIP_VALUE,
    FlagRule,
    FlagSpec,
    Flow,
    FlowSpec,
    Option,
    OptionSpec,
    Rule,
    RuleSpec,
    Step,
    StepSpec,
)
from flows.profile import PROFILE_KINDS, option_problem
from flows.suggest import did_you_mean
from flows.types import CALLBACK_PAYLOAD_MAX_BYTES, MESSAGE_MAX_CHARS, NEEDS, SEVERITIES

FLOW_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
STEP_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_SCALE_POINTS = 11
PathParts = list[str | int]
SpecT = TypeVar("SpecT", bound=BaseModel)

#: which model describes the table at a path (ints left out), for did-you-mean on keys
_MODEL_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): FlowSpec,
    ("steps",): StepSpec,
    ("steps", "options"): OptionSpec,
    ("steps", "next"): RuleSpec,
    ("steps", "flag"): FlagSpec,
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow file, precise enough to fix without a programmer."""

    file: str
    line: int | None
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = ": ".join(part for part in (where, self.path, self.message) if part)
        return f"{text} ({self.hint})" if self.hint else text


class FlowError(Exception):
    """Raised with *every* problem found, so a coordinator can fix them in one go."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def content_version(source: str, human_version: str | None = None) -> str:
    """``"3+1a2b3c4d5e6f"``: the human version (if any) plus a hash of the exact text."""
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]
    return f"{human_version}+{digest}" if human_version else digest


def load_flow_source(source: str, filename: str = "<flow>") -> Flow:
    """Build a flow from TOML text (e.g. the source stored with an in-flight check-in)."""
    flow, problems = check_flow_source(source, filename)
    if problems or flow is None:
        raise FlowError(problems)
    return flow


def check_flow_source(source: str, filename: str = "<flow>") -> tuple[Flow | None, list[Problem]]:
    """Check TOML text; the flow is ``None`` whenever there is any problem."""
    flow, problems = _FileChecker(source, filename).run()
    return flow, sorted(problems, key=lambda problem: problem.line or 0)


def load_flows(paths: Iterable[Path]) -> dict[str, Flow]:
    """Load every ``*.toml`` in the given folders (or the given files), keyed by flow id.

    Raises :class:`FlowError` listing every problem in every file, including
    two files that use the same flow id.
    """
    flows: dict[str, Flow] = {}
    problems: list[Problem] = []
    for file in _flow_files(paths, problems):
        try:
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(file), None, "", f"cannot read this file: {error}"))
            continue
        flow, file_problems = check_flow_source(source, str(file))
        problems.extend(file_problems)
        if flow is None:
            continue
        if flow.id in flows:
            line = _FileChecker(source, str(file)).locate(["id"])
            problems.append(
                Problem(
                    str(file),
                    line,
                    "id",
                    f"flow id {flow.id!r} is already used by {flows[flow.id].file}",
                    "give each flow its own id",
                )
            )
            continue
        flows[flow.id] = flow
    if problems:
        raise FlowError(problems)
    return flows


#: English words of a question that asks what a partner needs or wants the team to know
_OPEN_QUESTION = re.compile(
    r"\bneed(?:s|ed)?\b|\banything else\b|\b(?:like|want|wish)\s+(?:us|the team|someone)\s+to\s+(?:know|hear)\b",
    re.IGNORECASE,
)


def flow_warnings(flow: Flow) -> list[Problem]:
    """Things worth a second look that do not stop a flow loading (``checkin flows
    check`` prints them and still succeeds).

    A text step whose English question asks what the partner needs or would like
    us to know, with neither ``to_team = true`` nor a flag rule: nobody on the
    team would be sure to read the answer.
    """
    warnings: list[Problem] = []
    english = [language for language in flow.languages if language.startswith("en")]
    checker = _FileChecker(flow.source, flow.file)
    for index, step in enumerate(flow.steps):
        if step.kind != "text" or step.to_team or step.flags:
            continue
        if any(_OPEN_QUESTION.search(flow.text(step.text, language)) for language in english):
            warnings.append(
                Problem(
                    flow.file,
                    checker.locate(["steps", index, "text"]),
                    f"steps.{step.id}",
                    "this question asks what the partner needs or wants us to know, "
                    "but nothing makes sure the team sees the answer",
                    "add to_team = true, or a flag rule",
                )
            )
    return warnings


def _flow_files(paths: Iterable[Path], problems: list[Problem]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), None, "", "no such file or folder"))
    return files


class _FileChecker:
    """Checks one file, collecting problems rather than stopping at the first."""

    def __init__(self, source: str, filename: str) -> None:
        self.source = source
        self.filename = filename
        self.lines = source.splitlines()
        self.problems: list[Problem] = []
        self.raw: dict[str, Any] = {}
        self.languages: tuple[str, ...] = ("en",)
        self.all_step_ids: list[str] = []
        #: each step's structure, or ``None`` where it has structural problems
        self.step_specs: list[StepSpec | None] = []
        #: the first valid step with each id, for checking conditions against options
        self.specs: dict[str, StepSpec] = {}
        #: template variables used anywhere in the file
        self.names_used: set[str] = set()

    # --- reporting -------------------------------------------------------------

    def add(self, parts: PathParts, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(self.filename, self.locate(parts), self.format_path(parts), message, hint))

    def format_path(self, parts: PathParts) -> str:
        """``['steps', 2, 'next', 0]`` -> ``steps.payment.next[0]`` (steps named by id)."""
        text = ""
        current: Any = self.raw
        for position, part in enumerate(parts):
            if isinstance(part, int):
                if not isinstance(current, list):
                    continue  # a single table written without its list: no index to show
                step_id = current[part].get("id") if part < len(current) and isinstance(current[part], dict) else None
                if position == 1 and parts[0] == "steps" and isinstance(step_id, str) and step_id:
                    text += f".{step_id}"
                else:
                    text += f"[{part}]"
                current = current[part] if part < len(current) else None
            else:
                text += f".{part}" if text else part
                current = current.get(part) if isinstance(current, dict) else None
        return text

    def locate(self, parts: PathParts) -> int | None:
        """The 1-based line of the key at ``parts``, by a simple scan of the source."""
        if not parts:
            return None
        headers = [i for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*steps\s*\]\]", line)]
        rest = list(parts)
        found: int | None = None
        start, end = 0, len(self.lines)
        if rest[0] == "steps" and len(rest) > 1 and isinstance(rest[1], int):
            if rest[1] >= len(headers):
                return None
            start = found = headers[rest[1]]
            end = headers[rest[1] + 1] if rest[1] + 1 < len(headers) else len(self.lines)
            rest = rest[2:]
        elif rest[0] != "steps" and headers:
            end = headers[0]
        occurrence = 0
        for position, part in enumerate(rest):
            if isinstance(part, int):
                occurrence = part
                if position == len(rest) - 1 and found is not None:
                    found = self.list_item_line(found, end, part)
                continue
            key = re.escape(part)
            pattern = re.compile(rf'(^|[\s{{,])"?{key}"?\s*=|^\s*\[\[?\s*steps\.{key}\s*\]')
            hits = [i for i in range(start, end) if pattern.search(self.lines[i])]
            if not hits:
                break
            found = start = hits[min(occurrence, len(hits) - 1)]
            occurrence = 0
        return found + 1 if found is not None else None

    def list_item_line(self, key_line: int, end: int, index: int) -> int:
        """In an array written one ``{ ... }`` per line, the line of item ``index``."""
        items = []
        for number in range(key_line + 1, end):
            line = self.lines[number]
            if re.match(r"\s*\{", line):
                items.append(number)
            elif re.match(r"\s*[A-Za-z_\"]+\s*=|\s*\[", line):
                break
        return items[index] if index < len(items) else key_line

    # --- the checks --------------------------------------------------------------

    def run(self) -> tuple[Flow | None, list[Problem]]:
        try:
            self.raw = tomllib.loads(self.source)
        except tomllib.TOMLDecodeError as error:
            message = str(error)
            match = re.search(r"\(at line (\d+), column (\d+)\)", message)
            line = int(match.group(1)) if match else None
            message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
            hint = "check the quotes, brackets and '=' on this line"
            self.problems.append(Problem(self.filename, line, "", f"this is not valid TOML: {message}", hint))
            return None, self.problems
        top, has_steps = self.check_structure()
        if top is not None:
            self.check_top(top)
        elif isinstance(self.raw.get("language"), str):
            self.languages = (self.raw["language"],)
        if not has_steps:
            return None, self.problems
        steps = self.check_steps()
        if self.problems or top is None:
            return None, self.problems
        return self.build(top, steps), self.problems

    def pydantic_problems(self, error: ValidationError, prefix: PathParts) -> None:
        for detail in error.errors():
            loc: PathParts = prefix + list(detail["loc"])
            kind = detail["type"]
            if kind == "extra_forbidden":
                key = str(loc[-1])
                model = _MODEL_AT.get(tuple(p for p in loc[:-1] if isinstance(p, str)), FlowSpec)
                allowed = [info.alias or name for name, info in model.model_fields.items()]
                self.add(loc, f"unknown key {key!r}", did_you_mean(key, allowed, "keys allowed here: "))
            elif kind == "missing":
                self.add(loc, f"missing required key {loc[-1]!r}")
            else:
                message = str(detail["msg"]).removeprefix("Value error, ")
                got = repr(detail.get("input"))
                got = got if len(got) <= 60 else got[:57] + "..."
                self.add(loc, f"{message[:1].lower()}{message[1:]} (got {got})")

    def validate(self, model: type[SpecT], raw: dict[str, Any], prefix: PathParts) -> SpecT | None:
        """Validate one table, reporting problems; unknown keys are then dropped so the
        rest of it can still be checked (one typo should not hide every other problem)."""
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            self.pydantic_problems(error, prefix)
        known = {info.alias or name for name, info in model.model_fields.items()}
        try:
            return model.model_validate({key: value for key, value in raw.items() if key in known})
        except ValidationError:
            return None

    def check_structure(self) -> tuple[FlowSpec | None, bool]:
        """Check the top level and each step separately; says whether there are steps to check."""
        raw_steps = self.raw.get("steps")
        top = self.validate(FlowSpec, {**self.raw, "steps": []}, [])
        if raw_steps is None:
            self.add([], "this flow has no steps", "add at least one [[steps]] table")
            return top, False
        if not isinstance(raw_steps, list) or not all(isinstance(step, dict) for step in raw_steps):
            self.add(["steps"], "steps must be written as [[steps]] tables")
            return top, False
        if not raw_steps:
            self.add(["steps"], "this flow has no steps", "add at least one [[steps]] table")
            return top, False
        self.all_step_ids = list(dict.fromkeys(step["id"] for step in raw_steps if isinstance(step.get("id"), str)))
        for index, raw_step in enumerate(raw_steps):
            spec = self.validate(StepSpec, raw_step, ["steps", index])
            self.step_specs.append(spec)
            if spec is not None:
                self.specs.setdefault(spec.id, spec)
        return top, True

    def check_top(self, top: FlowSpec) -> None:
        if not FLOW_ID_RE.match(top.id):
            self.add(["id"], f"flow id {top.id!r} may only use lower-case letters, digits, - and _")
        self.languages = tuple(top.languages) if top.languages else (top.language,)
        if top.languages is not None:
            if not top.languages:
                self.add(
                    ["languages"], "languages is empty", f'list at least the flow\'s own language, ["{top.language}"]'
                )
                self.languages = (top.language,)
            elif top.language not in top.languages:
                self.add(["languages"], f"the flow's language {top.language!r} is not in languages")
            if len(set(self.languages)) != len(self.languages):
                self.add(["languages"], "a language is listed twice")
        for key in ("intro", "outro"):
            value = getattr(top, key)
            if value is not None:
                self.check_text([key], value)

    def check_steps(self) -> list[Step | None]:
        """Check each step; returns compiled steps (``None`` for a step with problems)."""
        seen: dict[str, int] = {}
        compiled: list[Step | None] = []
        for index, spec in enumerate(self.step_specs):
            if spec is None:
                compiled.append(None)
                continue
            before = len(self.problems)
            if spec.id in seen:
                self.add(
                    ["steps", index, "id"],
                    f"another step is already called {spec.id!r} (step {seen[spec.id] + 1})",
                    "give each step its own id",
                )
            seen.setdefault(spec.id, index)
            self.check_step(index, spec)
            compiled.append(self.compile_step(spec) if len(self.problems) == before else None)
        valid = [spec for spec in self.step_specs if spec is not None]
        if valid and len(valid) == len(self.step_specs) and len(seen) == len(valid):
            self.check_graph(valid)
        return compiled

    def check_step(self, index: int, spec: StepSpec) -> None:
        at: PathParts = ["steps", index]
        if not STEP_ID_RE.match(spec.id) or spec.id in KEYWORDS or spec.id == END:
            self.add(
                at + ["id"],
                f"step id {spec.id!r} can't be used",
                "a step id starts with a lower-case letter and uses only a-z, 0-9 and _ "
                "(and is not end, and, or, not, in, true or false), because conditions name steps by id",
            )
        self.check_text(at + ["text"], spec.text)
        if spec.plain is not None:
            self.check_plain(at + ["plain"], spec.plain)
        if spec.kind in KINDS:
            self.check_kind_fields(at, spec)
            self.check_buttons(at, spec)
        else:
            self.add(at + ["kind"], f"unknown kind {spec.kind!r}", did_you_mean(spec.kind, KINDS, "kinds: "))
        if spec.profile is not None:
            self.check_profile(at, spec)
        for number, rule in enumerate(spec.next or []):
            self.check_rule(at + ["next", number], rule, is_last=number == len(spec.next or []) - 1)
        for number, flag in enumerate(spec.flag or []):
            self.check_flag(at + ["flag", number], flag)

    def check_kind_fields(self, at: PathParts, spec: StepSpec) -> None:
        kind = spec.kind
        if kind in ("choice", "multi"):
            if not spec.options or len(spec.options) < 2:
                self.add(
                    at + ["options"] if spec.options else at,
                    f"a {kind} step needs at least two options",
                    'like options = [{ value = "yes", label = "Yes" }, { value = "no", label = "No" }]',
                )
            values: set[str] = set()
            for number, option in enumerate(spec.options or []):
                if option.value in values:
                    self.add(at + ["options", number, "value"], f"two options have the value {option.value!r}")
                values.add(option.value)
                if option.value.startswith("__"):
                    self.add(
                        at + ["options", number, "value"],
                        "option values can't start with '__' (kept for Skip and Done)",
                    )
                elif option.value == BACK_VALUE:
                    self.add(at + ["options", number, "value"], f"the option value {BACK_VALUE!r} is kept for Back")
                self.check_text(at + ["options", number, "label"], option.label)
                if option.plain is not None:
                    self.check_plain(at + ["options", number, "plain"], option.plain)
        elif spec.options is not None:
            self.add(at + ["options"], "options only apply to choice and multi steps")
        if kind == "scale":
            low, high = spec.min if spec.min is not None else 1, spec.max if spec.max is not None else 5
            if not (isinstance(low, int) and isinstance(high, int)):
                self.add(at + ["min"], "a scale's min and max must be whole numbers")
            elif not 2 <= high - low + 1 <= MAX_SCALE_POINTS:
                self.add(
                    at + ["max"],
                    f"a scale needs from 2 to {MAX_SCALE_POINTS} points, and min below max (got {low} to {high})",
                )
            for key in ("min_label", "max_label"):
                value = getattr(spec, key)
                if value is not None:
                    self.check_text(at + [key], value)
        else:
            for key in ("min_label", "max_label"):
                if getattr(spec, key) is not None:
                    self.add(at + [key], f"{key} only applies to scale steps")
        if kind == "number":
            if spec.min is not None and spec.max is not None and spec.min > spec.max:
                self.add(at + ["min"], f"min ({spec.min}) is above max ({spec.max})")
        elif kind != "scale":
            for key in ("min", "max"):
                if getattr(spec, key) is not None:
                    self.add(at + [key], f"{key} only applies to scale and number steps")
        if kind == "text":
            if spec.max_length is not None and not 1 <= spec.max_length <= MESSAGE_MAX_CHARS:
                self.add(at + ["max_length"], f"max_length must be from 1 to {MESSAGE_MAX_CHARS}")
        elif spec.max_length is not None:
            self.add(at + ["max_length"], "max_length only applies to text steps")
        if kind != "text" and "to_team" in self.raw_step(at):
            self.add(
                at + ["to_team"],
                "to_team only applies to text steps",
                "to tell the team about a button answer, give the step a flag rule",
            )
        if kind == "info":
            for key in ("skippable", "anonymous", "essential", "flag"):
                if key in self.raw_step(at):
                    self.add(at + [key], f"an info step has no answer, so {key} does not apply")

    def check_profile(self, at: PathParts, spec: StepSpec) -> None:
        """A profile step's answers must mean something the bot can apply."""
        kinds = PROFILE_KINDS.get(spec.profile or "")
        if kinds is None:
            self.add(
                at + ["profile"],
                f"unknown profile setting {spec.profile!r}",
                did_you_mean(spec.profile or "", PROFILE_KINDS, "settings: "),
            )
            return
        if spec.kind not in kinds:
            self.add(at + ["profile"], f"profile = {spec.profile!r} needs a {' or '.join(kinds)} step, not {spec.kind}")
            return
        if spec.anonymous:
            self.add(at + ["anonymous"], "a profile answer belongs to the partner, so it can't be anonymous")
        for number, option in enumerate(spec.options or []):
            problem = option_problem(spec.profile or "", option.value)
            if problem:
                self.add(at + ["options", number, "value"], problem)

    def raw_step(self, at: PathParts) -> dict[str, Any]:
        return self.raw["steps"][at[1]]

    def check_buttons(self, at: PathParts, spec: StepSpec) -> None:
        """Telegram's callback data is small: ``<step id>:<value>`` must fit (every
        question may have a Back button)."""
        if spec.kind == "info":
            return
        values: list[tuple[PathParts, str]] = []
        if spec.kind in ("choice", "multi"):
            values += [(at + ["options", n, "value"], option.value) for n, option in enumerate(spec.options or [])]
        elif spec.kind == "yesno":
            values += [(at + ["id"], "yes"), (at + ["id"], "no")]
        elif spec.kind == "scale" and isinstance(spec.min, int | None) and isinstance(spec.max, int | None):
            values += [(at + ["id"], str(spec.max if spec.max is not None else 5))]
        if spec.kind == "multi":
            values.append((at + ["id"], DONE_VALUE))
        if spec.skippable:
            values.append((at + ["id"], SKIP_VALUE))
        if not values:  # Back's value is the shortest, so it only needs checking on its own
            values.append((at + ["id"], BACK_VALUE))
        for parts, value in values:
            payload = f"{spec.id}:{value}"
            size = len(payload.encode("utf-8"))
            if size > CALLBACK_PAYLOAD_MAX_BYTES:
                self.add(
                    parts,
                    f"the button data {payload!r} is {size} bytes; Telegram leaves room for "
                    f"{CALLBACK_PAYLOAD_MAX_BYTES}",
                    "use a shorter step id or option value",
                )

    def check_rule(self, at: PathParts, rule: RuleSpec, is_last: bool) -> None:
        if rule.goto != END and rule.goto not in self.all_step_ids:
            self.add(
                at + ["goto"],
                f"no step called {rule.goto!r}",
                did_you_mean(rule.goto, self.all_step_ids + [END], "steps: "),
            )
        if rule.if_ is not None:
            self.check_condition(at + ["if"], rule.if_)
            if is_last:
                self.add(
                    at,
                    "the last rule must have no 'if', so there is always somewhere to go",
                    'end the list with a default, like { goto = "end" }',
                )
        elif not is_last:
            self.add(
                at[:-1] + [at[-1] + 1],  # type: ignore[operator]
                "this rule can never be used: the rule before it has no 'if', so it always applies",
                "put rules with 'if' first and the default last",
            )

    def check_flag(self, at: PathParts, flag: FlagSpec) -> None:
        if flag.need not in NEEDS:
            self.add(at + ["need"], f"unknown need {flag.need!r}", did_you_mean(flag.need, NEEDS, "needs: "))
        if flag.severity not in SEVERITIES:
            self.add(
                at + ["severity"],
                f"unknown severity {flag.severity!r}",
                did_you_mean(flag.severity, SEVERITIES, "severities: "),
            )
        if flag.if_ is not None:
            self.check_condition(at + ["if"], flag.if_)
        self.check_template(at + ["note"], flag.note)

    def check_condition(self, at: PathParts, source: str) -> None:
        try:
            expr = parse(source)
        except ExprError as error:
            self.add(
                at,
                f"this condition does not make sense at column {error.column}: {error.message}",
                f"the condition is: {source}",
            )
            return
        for name in expr.names():
            if name.id not in self.all_step_ids:
                self.add(
                    at,
                    f"no step called {name.id!r} (column {name.column})",
                    did_you_mean(name.id, self.all_step_ids, "steps: ") or "text in conditions needs 'quotes'",
                )
        for compare in expr.comparisons():
            for side, other in ((compare.left, compare.right), (compare.right, compare.left)):
                if isinstance(side, Name) and isinstance(other, Literal | ListLiteral):
                    self.check_compared_values(at, side.id, other)

    def check_compared_values(self, at: PathParts, step_id: str, other: Literal | ListLiteral) -> None:
        """Catch conditions that could never be true: a misspelt option, or text against a number."""
        spec = self.specs.get(step_id)
        if spec is None or spec.kind not in KINDS:
            return
        values = [other.value] if isinstance(other, Literal) else [item.value for item in other.items]
        if spec.kind in ("choice", "multi", "yesno"):
            options = ["yes", "no"] if spec.kind == "yesno" else [option.value for option in spec.options or []]
            for value in values:
                if isinstance(value, str) and value.casefold() not in {option.casefold() for option in options}:
                    self.add(
                        at, f"{value!r} is not an option of step {step_id!r}", did_you_mean(value, options, "options: ")
                    )
                elif not isinstance(value, str):
                    self.add(
                        at,
                        f"step {step_id!r} is answered with text options, so comparing it with {value!r} is never true",
                        did_you_mean(str(value), options, "options: "),
                    )
        elif spec.kind in ("scale", "number"):
            for value in values:
                if isinstance(value, str):
                    self.add(
                        at,
                        f"step {step_id!r} is answered with a number, so comparing it with {value!r} is never true",
                        "write the number without quotes",
                    )

    def check_text(self, at: PathParts, value: str | dict[str, str]) -> None:
        if isinstance(value, str):
            if len(self.languages) > 1:
                example = ", ".join(f'{language} = "..."' for language in self.languages)
                self.add(
                    at,
                    f"this text needs a translation for each language ({', '.join(self.languages)})",
                    f"write it as {{ {example} }}",
                )
            variants = {self.languages[0]: value}
        else:
            missing = [language for language in self.languages if language not in value]
            if missing:
                self.add(at, f"missing translation: {', '.join(missing)}")
            for language in value:
                if language not in self.languages:
                    self.add(
                        at + [language],
                        f"{language!r} is not one of this flow's languages ({', '.join(self.languages)})",
                        did_you_mean(language, self.languages),
                    )
            variants = value
        for language, text in variants.items():
            where = at + [language] if isinstance(value, dict) else at
            if len(text) > MESSAGE_MAX_CHARS:
                self.add(where, f"this text is {len(text)} characters; Telegram allows {MESSAGE_MAX_CHARS}")
            self.check_template(where, text)

    def check_plain(self, at: PathParts, value: str | dict[str, str]) -> None:
        """A plain text is what partners who asked for plain words see instead, so it must say something."""
        texts = value.values() if isinstance(value, dict) else [value]
        if any(not text.strip() for text in texts):
            self.add(at, "a plain text can't be empty", "write the words more plainly, or leave plain out")
        self.check_text(at, value)

    def check_template(self, at: PathParts, text: str) -> None:
        self.names_used |= render.names_used(text)
        for message, hint in render.check_template(text, self.all_step_ids):
            self.add(at, message, hint)

    def check_graph(self, steps: list[StepSpec]) -> None:
        """Every step reachable, the end always reachable, and no endless info-only loop.

        A rule list without a default falls through to the following step (as the
        engine does), and a goto to an unknown step (reported already) counts as the end.
        """
        ids = [step.id for step in steps]
        index = {step.id: position for position, step in enumerate(steps)}
        edges: dict[str, list[str]] = {}
        for position, step in enumerate(steps):
            following = steps[position + 1].id if position + 1 < len(steps) else END
            rules = step.next or []
            targets = [rule.goto if rule.goto in index else END for rule in rules]
            if not rules or rules[-1].if_ is not None:
                targets.append(following)
            edges[step.id] = targets
        reachable = _reach(steps[0].id, edges)
        for step in steps:
            if step.id not in reachable:
                self.add(
                    ["steps", index[step.id]],
                    "nothing leads to this step, so nobody would ever see it",
                    "point a 'next' or 'goto' at it, or remove it",
                )
        reverse: dict[str, list[str]] = {step_id: [] for step_id in [*ids, END]}
        for source, targets in edges.items():
            for target in targets:
                reverse[target].append(source)
        can_end = _reach(END, reverse)
        stuck = [step_id for step_id in ids if step_id in reachable and step_id not in can_end]
        if stuck:
            self.add(
                ["steps", index[stuck[0]]],
                f"these steps loop with no way out, so the check-in could never end: {', '.join(stuck)}",
                "give one of them a rule that goes elsewhere, or to 'end'",
            )
        info_edges = {
            step.id: [t for t in edges[step.id] if t in index and steps[index[t]].kind == "info"]
            for step in steps
            if step.kind == "info"
        }
        for step_id in info_edges:
            if step_id in _reach_after(step_id, info_edges):
                self.add(
                    ["steps", index[step_id]],
                    "this info step is in a loop of info steps with no question between, which could repeat forever",
                    "put a question in the loop, or break it",
                )
                break

    def compile_step(self, spec: StepSpec) -> Step:
        return Step(
            id=spec.id,
            kind=spec.kind,
            text=spec.text,
            options=tuple(Option(option.value, option.label, option.plain) for option in spec.options or []),
            min=spec.min,
            max=spec.max,
            min_label=spec.min_label,
            max_label=spec.max_label,
            max_length=spec.max_length or DEFAULT_TEXT_MAX_LENGTH,
            skippable=spec.skippable,
            anonymous=spec.anonymous,
            to_team=spec.to_team,
            essential=spec.essential,
            plain=spec.plain,
            profile=spec.profile,
            rules=tuple(Rule(parse(rule.if_) if rule.if_ else None, rule.goto) for rule in spec.next or []),
            flags=tuple(
                FlagRule(parse(flag.if_) if flag.if_ else None, flag.need, flag.severity, flag.note)
                for flag in spec.flag or []
            ),
        )

    def build(self, top: FlowSpec, steps: list[Step | None]) -> Flow:
        return Flow(
            id=top.id,
            title=top.title,
            description=top.description,
            language=top.language,
            languages=self.languages,
            version=content_version(self.source, top.version),
            source=self.source,
            file=self.filename,
            steps=tuple(step for step in steps if step is not None),
            intro=top.intro,
            outro=top.outro,
            uses_previous="previous" in self.names_used,
        )


def _reach(start: str, edges: dict[str, list[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for target in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _reach_after(start: str, edges: dict[str, list[str]]) -> set[str]:
    """Nodes reachable in one or more steps (so ``start`` is in it only on a cycle)."""
    seen: set[str] = set()
    for target in edges.get(start, []):
        seen |= _reach(target, edges)
    return seen
