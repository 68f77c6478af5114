"""Typed answers in the partner's language: one table of words per language (flows/texts.py)."""

from __future__ import annotations

import re
from itertools import combinations

import pytest

from flows import texts
from flows.engine import advance, start
from flows.model import Flow
from flows.types import Context, Input, Outcome

from .conftest import make_flow

WELSH = Context(first_name="Siân", language="cy")
ENGLISH = Context(first_name="Sam")

#: a flow in English and Welsh with one question of each kind a typed word can answer
BOTH = """
    [[steps]]
    id = "ready"
    kind = "yesno"
    text = { en = "Ready?", cy = "Barod?" }
    skippable = true

    [[steps]]
    id = "mood"
    kind = "scale"
    text = { en = "How are you?", cy = "Sut ydych chi?" }
    min = 0
    max = 10
    skippable = true

    [[steps]]
    id = "kinds"
    kind = "multi"
    text = { en = "What did you spend on?", cy = "Ar beth wnaethoch chi wario?" }
    options = [
      { value = "travel", label = { en = "Travel", cy = "Teithio" } },
      { value = "care", label = { en = "Childcare", cy = "Gofal plant" } },
      { value = "food", label = { en = "Food", cy = "Bwyd" } },
    ]
    skippable = true

    [[steps]]
    id = "place"
    kind = "choice"
    text = { en = "Where?", cy = "Ble?" }
    options = [
      { value = "home", label = { en = "At home", cy = "Gartref" } },
      { value = "hall", label = { en = "The hall", cy = "Y neuadd" } },
      { value = "online", label = { en = "Online", cy = "Ar-lein" } },
    ]

    [[steps]]
    id = "hours"
    kind = "number"
    text = { en = "How many hours?", cy = "Sawl awr?" }
    min = 0
    max = 12
"""


@pytest.fixture(scope="module")
def flow() -> Flow:
    return make_flow(BOTH, 'id = "t"\ntitle = "T"\nlanguages = ["en", "cy"]\n')


def at(flow: Flow, step_id: str, ctx: Context) -> Outcome:
    """The check-in at ``step_id``, every question before it skipped (or, if it cannot be, tapped)."""
    outcome = start(flow, ctx)
    while outcome.state.step_id not in (step_id, None):
        step = flow.step(outcome.state.step_id)
        assert step is not None
        tap = Input.tapped(step.id, step.option_values()[0]) if not step.skippable else Input.typed("skip")
        outcome = advance(flow, outcome.state, tap, ctx)
    assert outcome.state.step_id == step_id
    return outcome


def answer(flow: Flow, step_id: str, typed: str, ctx: Context) -> Outcome:
    return advance(flow, at(flow, step_id, ctx).state, Input.typed(typed), ctx)


# (step, typed, what it means): "yes"/"no"/a number/an option = the answer kept;
# "help"/"back"/"pause"/"stop" = that event; "skip" = kept as skipped; "done" = the ticks kept
TABLE = [
    # yes and no, as a Welsh speaker echoes the question's verb
    ("ready", "ie", "yes"),
    ("ready", "Ydw", "yes"),
    ("ready", "ydy", "yes"),
    ("ready", "ydyn", "yes"),
    ("ready", "Do!", "yes"),
    ("ready", "oes", "yes"),
    ("ready", "iawn", "yes"),
    ("ready", "wrth gwrs", "yes"),
    ("ready", "siwr", "yes"),
    ("ready", "yes", "yes"),
    ("ready", "yeah", "yes"),
    ("ready", "na", "no"),
    ("ready", "Naddo", "no"),
    ("ready", "nac ydw", "no"),
    ("ready", "Nac  oes.", "no"),
    ("ready", "nag oes", "no"),
    ("ready", "dim", "no"),
    ("ready", "dim diolch", "no"),
    ("ready", "nope", "no"),
    # words that work at any question
    ("ready", "hepgor", "skip"),
    ("ready", "sgipio", "skip"),
    ("ready", "skip", "skip"),
    ("ready", "saib", "pause"),
    ("ready", "nid nawr", "pause"),
    ("ready", "wedyn", "pause"),
    ("ready", "pause", "pause"),
    ("ready", "help", "help"),
    ("ready", "cymorth", "help"),
    ("ready", "helpu", "help"),
    ("ready", "stopio", "stop"),
    ("ready", "canslo", "stop"),
    ("mood", "yn ôl", "back"),
    ("mood", "nôl", "back"),
    ("mood", "back", "back"),
    # number words at a scale
    ("mood", "tri", 3),
    ("mood", "Tair", 3),
    ("mood", "three", 3),
    ("mood", "dim", 0),
    ("mood", "zero", 0),
    ("mood", "dwy", 2),
    ("mood", "pedair", 4),
    ("mood", "pump", 5),
    ("mood", "chwech", 6),
    ("mood", "saith", 7),
    ("mood", "wyth", 8),
    ("mood", "naw", 9),
    ("mood", "nine", 9),
    ("mood", "deg", 10),
    ("mood", "ten", 10),
    ("mood", "saith allan o ddeg", 7),
    ("mood", "seven out of ten", 7),
    ("mood", "8/10", 8),
    # an option by its number, in words
    ("place", "dau", "hall"),
    ("place", "tri", "online"),
    ("place", "one", "home"),
    ("place", "gartref", "home"),
    # number words at a number question
    ("hours", "pedwar", 4),
    ("hours", "four", 4),
    ("hours", "dim", 0),
    ("hours", "12", 12),
    ("hours", "un ar ddeg", 11),
    ("hours", "deuddeg", 12),
    ("hours", "twelve", 12),
]


@pytest.mark.parametrize(("step_id", "typed", "meaning"), TABLE)
def test_typed_words_in_welsh_and_english(flow: Flow, step_id: str, typed: str, meaning: object) -> None:
    outcome = answer(flow, step_id, typed, WELSH)
    if meaning in ("help", "back", "pause", "stop"):
        assert outcome.event == meaning and not outcome.answers
    elif meaning == "skip":
        assert [(record.step_id, record.skipped) for record in outcome.answers] == [(step_id, True)]
    else:
        assert [(record.step_id, record.value) for record in outcome.answers] == [(step_id, meaning)]


@pytest.mark.parametrize("typed", ["wedi gorffen", "Dyna'r cyfan", "dyna’r cyfan", "dyna ni", "gorffen", "done"])
def test_done_words_end_a_multi_select(flow: Flow, typed: str) -> None:
    ticked = answer(flow, "kinds", "un, tri", WELSH)
    assert ticked.state.selected == ["travel", "food"] and not ticked.answers
    assert ticked.prompts[0].text.startswith("Wedi'u ticio hyd yma: Teithio, Bwyd.")
    done = advance(flow, ticked.state, Input.typed(typed), WELSH)
    assert [(record.step_id, record.value) for record in done.answers] == [("kinds", ["travel", "food"])]


def test_welsh_words_work_for_a_welsh_partner_in_an_english_only_flow() -> None:
    flow = make_flow('[[steps]]\nid = "a"\nkind = "yesno"\ntext = "Ready?"\n')
    assert answer(flow, "a", "naddo", WELSH).answers[0].value == "no"
    assert answer(flow, "a", "ydw", WELSH).answers[0].value == "yes"
    assert answer(flow, "a", "naddo", ENGLISH).answers == []  # Welsh words are for Welsh partners


def test_a_welsh_partner_hears_welsh_and_a_scale_answer_in_welsh(flow: Flow) -> None:
    asked = at(flow, "mood", WELSH)
    assert asked.prompts[-1].text == "Sut ydych chi?"
    kept = advance(flow, asked.state, Input.typed("tri"), WELSH)
    assert kept.answers[0].display == "3 allan o 10"
    unclear = advance(flow, asked.state, Input.typed("pedwar ar hugain"), WELSH)
    assert unclear.prompts[0].text.startswith("Diolch, rydw i wedi cadw hynny fel nodyn")


def test_a_number_word_out_of_range_is_a_try_not_a_note(flow: Flow) -> None:
    at_place = at(flow, "place", WELSH)
    reasked = advance(flow, at_place.state, Input.typed("naw"), WELSH)
    assert reasked.state.comment == "" and reasked.state.step_id == "place"
    assert reasked.prompts[0].text.startswith("Mae'n ddrwg gen i, wnes i ddim deall")


def test_accents_and_apostrophes_do_not_matter() -> None:
    assert texts.normalise("  Yn ÔL! ") == "yn ol"
    assert texts.normalise("Siŵr") == texts.normalise("siwr") == "siwr"
    assert texts.normalise("Dyna’r cyfan") == texts.normalise("dyna'r cyfan")
    assert texts.normalise("ŷ â ê î ô û ŵ") == "y a e i o u w"
    assert texts.normalise("नमस्ते") == "नमस्ते"  # marks that are not accents on Latin letters stay


CONTROL_KEYS = ("help", "back", "resume", "pause", "stop", "skip", "done", "yes", "no")


@pytest.mark.parametrize("language", sorted(texts.WORDS))
def test_no_word_means_two_things(language: str) -> None:
    for first, second in combinations(CONTROL_KEYS, 2):
        clash = texts.spellings(language, first) & texts.spellings(language, second)
        assert not clash, f"{language}: {sorted(clash)} mean both {first} and {second}"
    controls = set().union(*(texts.spellings(language, key) for key in CONTROL_KEYS if key not in ("yes", "no")))
    assert not controls & set(texts.numbers(language)), "a number word is also a word that works at any question"


@pytest.mark.parametrize("language", sorted(texts.WORDS))
def test_every_language_has_every_kind_of_word(language: str) -> None:
    assert set(texts.WORDS[language]) == set(texts.WORDS["en"])
    assert set(range(11)) <= set(texts.NUMBER_WORDS[language].values())


def test_welsh_has_every_english_text_with_the_same_placeholders() -> None:
    english, welsh = texts.TEXTS["en"], texts.TEXTS["cy"]
    assert sorted(set(english) - set(welsh)) == [], "missing in Welsh"
    assert sorted(set(welsh) - set(english)) == [], "in Welsh only"
    for key, text in english.items():
        assert set(re.findall(r"{(\w+)}", welsh[key])) == set(re.findall(r"{(\w+)}", text)), key


def test_words_welsh_texts_tell_partners_to_type_are_understood() -> None:
    help_text = texts.normalise(texts.TEXTS["cy"]["help"])
    for key, word in [("back", "yn ôl"), ("skip", "hepgor"), ("pause", "saib"), ("help", "help")]:
        assert texts.normalise(word) in help_text and texts.normalise(word) in texts.spellings("cy", key)
    assert "ymlaen" in texts.spellings("cy", "resume") and "ymlaen" in texts.TEXTS["cy"]["pause"]
    assert "wedi gorffen" in texts.spellings("cy", "done") and "wedi gorffen" in texts.TEXTS["cy"]["ticked_so_far"]
    assert {"ie", "na"} <= texts.spellings("cy", "yes") | texts.spellings("cy", "no")
