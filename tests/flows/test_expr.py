import pytest

from flows.expr import ExprError, evaluate, parse

ANSWERS = {"paid": "no", "kinds": ["travel", "food"], "heard": 2, "note": "Need a LIFT", "skipped": None}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("paid == 'no'", True),
        ('paid == "No"', True),  # text compares without caring about case
        ("paid != 'no'", False),
        ("heard <= 2", True),
        ("heard > 2", False),
        ("heard >= 2.0", True),
        ("'travel' in kinds", True),
        ("'childcare' not in kinds", True),
        ("paid in ['no', 'late']", True),
        ("paid not in ['no', 'late']", False),
        ("'lift' in note", True),
        ("heard < 3 and paid == 'no'", True),
        ("heard > 3 or paid == 'no'", True),
        ("not (heard > 3 or paid == 'yes')", True),
        ("not paid == 'yes'", True),
        ("true", True),
        ("false or kinds", True),
        ("skipped", False),
        ("not skipped", True),
        ("heard", True),
    ],
)
def test_evaluates(source: str, expected: bool) -> None:
    assert evaluate(source, ANSWERS) is expected


@pytest.mark.parametrize(
    "source",
    [
        "skipped == 'no'",
        "skipped != 'no'",
        "skipped < 3",
        "'a' in skipped",
        "skipped in ['a']",
        "skipped not in ['a']",
        "unknown == 1",
        "heard == '2'",
        "paid < 3",
        "heard in 'abc'",
    ],
)
def test_null_and_mixed_types_are_false_never_errors(source: str) -> None:
    assert evaluate(source, ANSWERS) is False


def test_precedence_and_binds_tighter_than_or() -> None:
    assert evaluate("true or false and false", {}) is True
    assert evaluate("(true or false) and false", {}) is False


@pytest.mark.parametrize(
    ("source", "column", "words"),
    [
        ("paid = 'no'", 6, "use =="),
        ("paid ==", 8, "stops too early"),
        ("(paid == 'no'", 14, "closing ')'"),
        ("paid 'no'", 6, "join conditions"),
        ("paid == 'no", 9, "no closing quote"),
        ("paid in [heard]", 10, "lists may only hold"),
        ("", 1, "empty"),
        ("paid == and", 9, "expected a step id"),
        ("paid $ 1", 6, "unexpected character"),
    ],
)
def test_parse_errors_give_the_column(source: str, column: int, words: str) -> None:
    with pytest.raises(ExprError) as caught:
        parse(source)
    assert caught.value.column == column
    assert words in caught.value.message


def test_names_and_comparisons_are_listed_for_load_checks() -> None:
    expr = parse("paid == 'no' and 'travel' in kinds")
    assert [name.id for name in expr.names()] == ["paid", "kinds"]
    assert [compare.op for compare in expr.comparisons()] == ["==", "in"]


def test_never_evaluates_python() -> None:
    with pytest.raises(ExprError):
        parse("__import__('os').system('true')")
