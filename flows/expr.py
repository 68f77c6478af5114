"""A tiny, safe condition language for branching and flag rules.

Coordinators write conditions like ``paid == 'no'`` or ``'travel' in expenses``
in TOML.  They are tokenised and parsed by hand (recursive descent) and never
passed to ``eval``.  Names are step ids; an unanswered or skipped step is
``None`` and every comparison with ``None`` is false, so a condition can never
fail at run time.

Grammar::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in") operand)?
    operand    := NUMBER | STRING | "true" | "false" | NAME | "(" expr ")" | "[" literals "]"
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false"})
COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in", "not in"})


class ExprError(ValueError):
    """A condition that does not parse; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "string", "name", "op", "keyword", "end"
    text: str
    value: Any
    column: int


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)


def tokenize(source: str) -> list[Token]:
    """Split a condition into tokens, or say at which column it stops making sense."""
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN_RE.match(source, position)
        if match is None:
            char = source[position]
            hint = " (use == to compare)" if char == "=" else ""
            if char in "'\"":
                raise ExprError("this text has no closing quote", position + 1)
            raise ExprError(f"unexpected character {char!r}{hint}", position + 1)
        kind = match.lastgroup or ""
        text = match.group()
        column = position + 1
        position = match.end()
        if kind == "space":
            continue
        if kind == "number":
            tokens.append(Token(kind, text, float(text) if "." in text else int(text), column))
        elif kind == "string":
            tokens.append(Token(kind, text, re.sub(r"\\(.)", r"\1", text[1:-1]), column))
        elif kind == "name" and text in KEYWORDS:
            tokens.append(Token("keyword", text, text, column))
        else:
            tokens.append(Token(kind, text, text, column))
    tokens.append(Token("end", "", None, len(source) + 1))
    return tokens


# --- syntax tree -------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any
    column: int


@dataclass(frozen=True)
class Name:
    id: str
    column: int


@dataclass(frozen=True)
class ListLiteral:
    items: tuple[Literal, ...]
    column: int


@dataclass(frozen=True)
class Not:
    operand: Node
    column: int


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Node
    right: Node
    column: int


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    column: int


Node = Literal | Name | ListLiteral | Not | BoolOp | Compare


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            raise ExprError(f"expected {what} here", self.current.column)
        return self.take()

    def parse(self) -> Node:
        if self.at("end"):
            raise ExprError("the condition is empty", 1)
        node = self.or_expr()
        if not self.at("end"):
            token = self.current
            raise ExprError(f"unexpected {token.text!r} (join conditions with 'and' or 'or')", token.column)
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.at("keyword", "or"):
            column = self.take().column
            node = BoolOp("or", node, self.and_expr(), column)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at("keyword", "and"):
            column = self.take().column
            node = BoolOp("and", node, self.not_expr(), column)
        return node

    def not_expr(self) -> Node:
        if self.at("keyword", "not"):
            column = self.take().column
            return Not(self.not_expr(), column)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        token = self.current
        if token.kind == "op" and token.text in COMPARISONS:
            self.take()
            return Compare(token.text, left, self.operand(), token.column)
        if self.at("keyword", "in"):
            self.take()
            return Compare("in", left, self.operand(), token.column)
        if self.at("keyword", "not") and self.tokens[self.index + 1].text == "in":
            self.index += 2
            return Compare("not in", left, self.operand(), token.column)
        return left

    def operand(self) -> Node:
        token = self.current
        if token.kind in ("number", "string"):
            self.take()
            return Literal(token.value, token.column)
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.take()
            return Literal(token.text == "true", token.column)
        if token.kind == "name":
            self.take()
            return Name(token.text, token.column)
        if self.at("op", "("):
            self.take()
            node = self.or_expr()
            self.expect("op", ")", "a closing ')'")
            return node
        if self.at("op", "["):
            return self.list_literal()
        if token.kind == "end":
            raise ExprError("the condition stops too early", token.column)
        raise ExprError(f"expected a step id, a number or a 'quoted text', not {token.text!r}", token.column)

    def list_literal(self) -> ListLiteral:
        column = self.take().column
        items: list[Literal] = []
        while not self.at("op", "]"):
            item = self.operand()
            if not isinstance(item, Literal):
                raise ExprError("lists may only hold numbers and 'quoted text'", item.column)
            items.append(item)
            if not self.at("op", ","):
                break
            self.take()
        self.expect("op", "]", "a closing ']'")
        return ListLiteral(tuple(items), column)


# --- evaluation --------------------------------------------------------------


def _truthy(value: Any) -> bool:
    return value not in (None, "", False) and value != [] and value != 0


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    return bool(left == right)


def _compare(op: str, left: Any, right: Any) -> bool:
    """Compare two values; anything involving ``None`` or mixed types is simply false."""
    if left is None or right is None:
        return False
    if op in ("in", "not in"):
        if isinstance(right, list):
            found = any(_equal(left, item) for item in right)
        elif isinstance(right, str) and isinstance(left, str):
            found = left.casefold() in right.casefold()
        else:
            return False
        return found if op == "in" else not found
    if op in ("==", "!="):
        same_kind = (_is_number(left) and _is_number(right)) or type(left) is type(right)
        if not same_kind:
            return False
        return _equal(left, right) if op == "==" else not _equal(left, right)
    if not ((_is_number(left) and _is_number(right)) or (isinstance(left, str) and isinstance(right, str))):
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _value(node: Node, answers: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return answers.get(node.id)
    if isinstance(node, ListLiteral):
        return [item.value for item in node.items]
    return _truth(node, answers)


def _truth(node: Node, answers: Mapping[str, Any]) -> bool:
    if isinstance(node, Not):
        return not _truth(node.operand, answers)
    if isinstance(node, BoolOp):
        if node.op == "and":
            return _truth(node.left, answers) and _truth(node.right, answers)
        return _truth(node.left, answers) or _truth(node.right, answers)
    if isinstance(node, Compare):
        return _compare(node.op, _value(node.left, answers), _value(node.right, answers))
    return _truthy(_value(node, answers))


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents first (for load-time checks)."""
    yield node
    if isinstance(node, Not):
        yield from walk(node.operand)
    elif isinstance(node, BoolOp | Compare):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, ListLiteral):
        yield from node.items


@dataclass(frozen=True)
class Expr:
    """A parsed condition, ready to evaluate against one check-in's answers."""

    source: str
    tree: Node

    def evaluate(self, answers: Mapping[str, Any]) -> bool:
        return _truth(self.tree, answers)

    def names(self) -> list[Name]:
        return [node for node in walk(self.tree) if isinstance(node, Name)]

    def comparisons(self) -> list[Compare]:
        return [node for node in walk(self.tree) if isinstance(node, Compare)]


def parse(source: str) -> Expr:
    """Parse a condition; raises :class:`ExprError` with the column of the problem."""
    return Expr(source, _Parser(source).parse())


def evaluate(source: str, answers: Mapping[str, Any]) -> bool:
    """Parse and evaluate in one go (handy in tests and previews)."""
    return parse(source).evaluate(answers)
