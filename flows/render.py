"""Render coordinator-written texts as sandboxed Jinja2 templates.

Texts are plain (autoescape off): the bot escapes everything for Telegram HTML
itself.  Every mistake a coordinator can make in a template is caught at load
time by :func:`check_template`; at send time :func:`render` never raises,
because a partner should get the raw text rather than no question at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, cast

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.meta import find_undeclared_variables
from jinja2.sandbox import SandboxedEnvironment

from flows.suggest import did_you_mean
from flows.types import Context

ALLOWED_NAMES = ("first_name", "project_name", "answers", "previous")
#: names whose attributes are step ids
ANSWER_NAMES = ("answers", "previous")


def _blank_for_none(value: Any) -> Any:
    """An unanswered step is ``None``; show it as nothing rather than 'None'."""
    return "" if value is None else value


_environment = SandboxedEnvironment(
    undefined=StrictUndefined,
    autoescape=False,
    finalize=_blank_for_none,
    keep_trailing_newline=False,
)


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _environment.from_string(source)


def check_template(source: str, step_ids: Iterable[str]) -> list[tuple[str, str | None]]:
    """Every problem in one template, as ``(message, hint)`` pairs; empty when fine."""
    try:
        tree = _environment.parse(source)
    except TemplateSyntaxError as error:
        return [(f"this template does not compile: {error.message} (template line {error.lineno})", None)]
    problems: list[tuple[str, str | None]] = []
    for name in sorted(find_undeclared_variables(tree) - set(ALLOWED_NAMES)):
        problems.append((f"unknown variable {name!r}", did_you_mean(name, ALLOWED_NAMES, "names you can use: ")))
    known = set(step_ids)
    for name, step_id in _answer_lookups(tree):
        if step_id not in known:
            problems.append((f"{name}.{step_id}: no step called {step_id!r}", did_you_mean(step_id, sorted(known))))
    return problems


def names_used(source: str) -> set[str]:
    """The template variables a text uses (none if it does not compile)."""
    try:
        return set(find_undeclared_variables(_environment.parse(source)))
    except TemplateSyntaxError:
        return set()


def _answer_lookups(tree: nodes.Template) -> list[tuple[str, str]]:
    """``answers.x`` and ``answers['x']`` in a template, as (name, step id)."""
    found: list[tuple[str, str]] = []
    # find_all yields the node types asked for; its hints give only their common base, Expr
    lookups = cast("Iterator[nodes.Getattr | nodes.Getitem]", tree.find_all((nodes.Getattr, nodes.Getitem)))
    for node in lookups:
        if not (isinstance(node.node, nodes.Name) and node.node.name in ANSWER_NAMES):
            continue
        if isinstance(node, nodes.Getattr):
            found.append((node.node.name, node.attr))
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            found.append((node.node.name, node.arg.value))
    return found


def template_values(ctx: Context, answers: Mapping[str, Any], step_ids: Iterable[str]) -> dict[str, Any]:
    """What a template can see: every step id is present, ``None`` until answered."""
    ids = list(step_ids)
    return {
        "first_name": ctx.first_name,
        "project_name": ctx.project_name,
        "answers": {step_id: answers.get(step_id) for step_id in ids},
        "previous": {step_id: ctx.previous.get(step_id) for step_id in ids},
    }


def render(source: str, values: Mapping[str, Any]) -> str:
    """Render a template; on any failure return the raw text, never raise."""
    if "{" not in source:
        return source
    try:
        return _compile(source).render(values)
    except Exception:
        return source
