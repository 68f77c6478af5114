"""Distress is recognised however it is said, and everyday speech is left alone.

Measured over labelled sets of messages written apart from the rules
(``messages.tsv``, and ``holdout.tsv``, written later by someone who never saw the
rules or the first set): at least 95% of distress recognised, at most 10% false
alarms, in each set and in each language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.distress import recognise

HERE = Path(__file__).parent
SETS = sorted(HERE.glob("*.tsv"))


def labelled(path: Path) -> list[tuple[str, str, str]]:
    """(label, language, message) for each line that is not a comment or the header."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        fields = line.split("\t")
        assert len(fields) == 3 and fields[0] in ("distress", "ok") and fields[1] in ("en", "cy"), (
            f"{path.name}:{number}"
        )
        rows.append((fields[0], fields[1], fields[2]))
    return rows


def rates(rows: list[tuple[str, str, str]]) -> tuple[float, float, list[str], list[str]]:
    distress = [m for label, _, m in rows if label == "distress"]
    ok = [m for label, _, m in rows if label == "ok"]
    missed = [m for m in distress if recognise(m) is None]
    alarms = [m for m in ok if recognise(m) is not None]
    return 1 - len(missed) / len(distress), len(alarms) / len(ok), missed, alarms


def test_there_are_enough_labelled_messages_of_both_kinds_and_both_languages() -> None:
    rows = [row for path in SETS for row in labelled(path)]
    assert len(rows) >= 250
    for language in ("en", "cy"):
        assert sum(1 for label, lang, _ in rows if label == "distress" and lang == language) >= 20
        assert sum(1 for label, lang, _ in rows if label == "ok" and lang == language) >= 20


@pytest.mark.parametrize("path", SETS, ids=[path.name for path in SETS])
@pytest.mark.parametrize("language", ["en", "cy", "all"])
def test_recall_at_least_95_percent_and_false_alarms_at_most_10_percent(path: Path, language: str) -> None:
    rows = [row for row in labelled(path) if language in ("all", row[1])]
    recall, false_alarms, missed, alarms = rates(rows)
    print(f"{path.name} {language}: recall {recall:.1%}, false alarms {false_alarms:.1%}")
    assert recall >= 0.95, f"recall {recall:.1%}; missed: {missed}"
    assert false_alarms <= 0.10, f"false alarms {false_alarms:.1%}: {alarms}"


@pytest.mark.parametrize(
    "message",
    [
        "I want to die",
        "I cant go on",
        "killing myself",
        "self harming",
        "took too many pills",
        "I don't want to be here anymore",
        "I am going to end my life tonight",
        "i wanna dieeee",
        "kms",
        "I'm not safe at home",
        "Dw i eisiau marw",
    ],
)
def test_what_the_issue_names_is_recognised(message: str) -> None:
    assert recognise(message) is not None


@pytest.mark.parametrize(
    "message",
    [
        "hopeless wifi lol",
        "this meeting is killing me haha",
        "Can't go on Tuesday",
        "the session on suicide prevention was useful",
        "I'm dying to see the new plans",
        "my phone died",
        "",
        "   ",
    ],
)
def test_everyday_speech_is_left_alone(message: str) -> None:
    assert recognise(message) is None


def test_configured_phrases_match_as_whole_words_after_the_same_normalisation() -> None:
    phrases = ["feeling unsafe", "bridge"]
    assert recognise("I'm FEELING   unsafe today", phrases) is not None
    assert recognise("the bridge club was fun", phrases) is not None
    assert recognise("cambridge was fun", phrases) is None
    assert recognise("feeling unsettled", phrases) is None
    assert recognise("I'm FEELING   unsafe today", phrases).rule == "configured"  # type: ignore[union-attr]


def test_a_match_names_its_rule() -> None:
    assert recognise("I took an overdose").rule == "en:overdose"  # type: ignore[union-attr]
    assert recognise("Dw i wedi bod yn hunan-niweidio").rule == "cy:hunan-niweidio"  # type: ignore[union-attr]
