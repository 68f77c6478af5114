"""Recognising distress in what a person types, however they say it.

Pure: no database, no Telegram.  ``recognise(text)`` returns the rule that
matched, or None.  Recall matters more than precision (a missed "I cant go on"
is worse than a kind message sent once too often), but every false alarm costs
trust, so everyday speech ("hopeless wifi", "this meeting is killing me haha",
"can't go on Tuesday", "the session on suicide prevention was useful") must not
fire.

How a message is read:

1. normalised: accents and case folded, curly apostrophes straightened and then
   dropped ("can't" and "cant" alike), letters typed three or more times cut
   down ("sooo", "diiie"), common misspellings and chat shorthand mapped to
   words ("suicde", "myslef", "wanna", "kms"), contractions spelled out
   ("dont" -> "do not");
2. split into clauses at punctuation, so "Can't go on Tuesday, sorry" and
   "I can't go on." read differently;
3. each English word reduced to its stem by the Snowball stemmer (the
   ``snowballstemmer`` package), so one rule covers kill / killing / killed
   myself, overdose / overdosed, self harm / self-harming / harmed myself;
4. matched against the rules in ``distress_rules.toml``, written as word
   patterns (see :func:`_compile`), each with exceptions for the everyday
   phrases that share its words; Welsh rules list mutated forms (lladd / ladd,
   byw / fyw) instead of stems.  Configured phrases (``[safety] distress_phrases``) match on top, as
   whole words after the same normalisation.

``checkin safety test`` prints which rule matched each line it is given, so a
coordinator can try their own wordings."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

#: the rules and spellings, as data: bot/core/distress_rules.toml says how to read and write them
RULES_FILE = Path(__file__).with_name("distress_rules.toml")
_STEMMER = snowballstemmer.stemmer("english")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]{}\"“”\n\r\t…]+|\s[-–—]+\s|\s-\s")
_NOT_WORD = re.compile(r"[^\w\s]+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_DOUBLE = re.compile(r"(\w)\1")
#: long words people misspell in many ways: one typo away (a letter wrong, missing, extra or swapped) still counts
_KEY_TERMS = (
    "suicide",
    "suicidal",
    "overdose",
    "overdosed",
    "myself",
    "paracetamol",
    "hopeless",
    "worthless",
    "goodbye",
)


@dataclass(frozen=True)
class Rule:
    """A named pattern, and the phrases that look like it but are everyday speech.
    ``cues``: words one of which any clause it matches must contain (an index, so a
    message is tried only against the few patterns its words could match)."""

    name: str
    pattern: re.Pattern[str]
    unless: tuple[re.Pattern[str], ...] = ()
    cues: frozenset[str] = frozenset()

    def matches(self, clause: str) -> bool:
        return self.pattern.search(clause) is not None and not any(u.search(clause) for u in self.unless)


@dataclass(frozen=True)
class Recognised:
    """What matched: the rule's name (``en:self-harm``, ``configured``, ...)."""

    rule: str


#: words whose stems would merge with words they must not match ("suicidal" and "suicide" both stem to "suicid")
_UNSTEMMED = frozenset({"suicidal", "suicidality", "suicide", "suicides"})


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word) if word.isalpha() and word not in _UNSTEMMED else word


#: words too common to index a pattern by
_COMMON = frozenset(
    [
        "i",
        "me",
        "my",
        "am",
        "is",
        "are",
        "be",
        "not",
        "no",
        "to",
        "the",
        "a",
        "an",
        "of",
        "it",
        "do",
        "can",
        "will",
        "would",
        "have",
        "was",
        "and",
        "in",
        "on",
        "for",
        "you",
    ]
)


def _cues(pattern: str, stem: bool) -> frozenset[str]:
    """The first words of one required slot's alternatives, the least common slot chosen."""
    slots = []
    for slot in pattern.split():
        if slot in ("^", "$", "*", "**", "#") or slot.endswith("?"):
            continue
        firsts = set()
        for alternative in slot.split("/"):
            first = " ".join(_spellings().get(w, w) for w in alternative.split("_")).split()[0]
            firsts.add(_stem(first) if stem else first)
        slots.append((bool(firsts & _COMMON), len(firsts), frozenset(firsts)))
    return min(slots, key=lambda slot: slot[:2])[2] if slots else frozenset()


def _compile(pattern: str, stem: bool) -> re.Pattern[str]:
    """A word pattern as a regular expression over a clause's words, each followed by one space.

    Words are separated by spaces; ``a/b/c`` is any one of them (``a_b`` is the
    two words "a b" as one alternative); a trailing ``?``
    makes a word optional; ``*`` is any one word or none, ``**`` up to three, ``#`` a number; ``^``
    and ``$`` are the clause's start and end.  English words are stemmed like the
    message, so ``kill myself`` also matches "killing myself" and "killed myself"."""
    parts = [r"(?:^| )"]
    for slot in pattern.split():
        if slot == "^":
            parts = ["^"]
        elif slot == "$":
            parts.append("$")
        elif slot == "*":
            parts.append(r"(?:\S+ )?")
        elif slot == "**":
            parts.append(r"(?:\S+ ){0,3}")
        elif slot == "#":
            parts.append(r"\d+ ")
        else:
            optional = slot.endswith("?")
            words = []
            for alternative in slot.rstrip("?").split("/"):
                normal = " ".join(_spellings().get(w, w) for w in alternative.split("_"))
                words.append(" ".join(_stem(w) if stem else w for w in normal.split()))
            group = "(?:" + "|".join(r"\d+ " if w == "#" else re.escape(w) + " " for w in dict.fromkeys(words)) + ")"
            parts.append(group + ("?" if optional else ""))
    return re.compile("".join(parts))


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    with RULES_FILE.open("rb") as file:
        return tomllib.load(file)


def _spellings() -> dict[str, str]:
    spellings: dict[str, str] = _table()["spellings"]
    return spellings


def _rules(language: str, stem: bool) -> list[Rule]:
    """One Rule per pattern, each with its rule's exceptions."""
    rules: list[Rule] = []
    for entry in _table()[language]:
        unless = tuple(_compile(u, stem) for u in entry.get("unless", []))
        name = f"{language}:{entry['name']}"
        rules.extend(Rule(name, _compile(p, stem), unless, _cues(p, stem)) for p in entry["patterns"])
    return rules


#: a message that says nothing but goodbye to everyone ("bye everyone", "goodbye all, sorry for
#: everything"); a goodbye with anything else in it ("bye all, see you Tuesday") is everyday
_FAREWELL = _compile("^ goodbye/bye/farewell/bye_bye everyone/everybody/all/world/forever/yall/guys/folks $", True)
_FAREWELL_CY = _compile("^ hwyl fawr/fowr pawb/bawb/i_bawb/am_byth $", False)
_BESIDE_FAREWELL = (
    _compile("^ i? am? sorry for everything $", True),
    _compile("^ thank/thanks you? for everything $", True),
    _compile("^ i? love you all $", True),
    _compile("^ take care everyone/everybody/all/of_yourselves $", True),
)


def _farewell_only(clauses: list[str]) -> bool:
    def goodbye(clause: str) -> bool:
        return bool(_FAREWELL.search(_stemmed(clause)) or _FAREWELL_CY.search(clause + " "))

    def beside(clause: str) -> bool:
        return any(pattern.search(_stemmed(clause)) for pattern in _BESIDE_FAREWELL)

    return any(goodbye(c) for c in clauses) and all(goodbye(c) or beside(c) for c in clauses)


@lru_cache(maxsize=1)
def _builtin_rules() -> dict[str, tuple[tuple[int, Rule], ...]]:
    """The rules by cue word, each with its place in the rules file (the first that matches is named)."""
    index: dict[str, list[tuple[int, Rule]]] = {}
    for place, rule in enumerate(_rules("en", True) + _rules("cy", False)):
        for cue in rule.cues:
            index.setdefault(cue, []).append((place, rule))
    return {cue: tuple(rules) for cue, rules in index.items()}


def _clauses(text: str) -> list[str]:
    """The message folded and split into clauses, each as its words, spelled out."""
    folded = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES)).casefold()
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    clauses = []
    for clause in _CLAUSE_BREAK.split(folded):
        clause = clause.replace("'", "")
        words = []
        for word in _NOT_WORD.sub(" ", clause).split():
            word = _REPEATS.sub(r"\1\1", word)
            spelled = _spellings().get(word)
            if spelled is None and word not in _vocabulary() and _DOUBLE.search(word):
                single = _DOUBLE.sub(r"\1", word)
                spelled = _spellings().get(single, single if single in _vocabulary() else None)
            if spelled is None and len(word) >= 6 and word not in _vocabulary():
                spelled = _near_key_term(word)
            words.extend((spelled or word).split())
        if words:
            clauses.append(" ".join(words))
    return clauses


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every word the rules name: a typed word with a doubled letter is read as one of these if it can be."""
    words: set[str] = set()
    for entry in _table()["en"] + _table()["cy"]:
        for pattern in entry["patterns"] + entry.get("unless", []):
            for slot in pattern.split():
                words.update(w for a in slot.rstrip("?").split("/") for w in a.split("_") if w.isalpha())
    return frozenset(words)


def _near_key_term(word: str) -> str | None:
    """The key term ``word`` is one typo away from, if any."""
    for term in _KEY_TERMS:
        if abs(len(term) - len(word)) <= 1 and _one_edit(word, term):
            return term
    return None


def _one_edit(a: str, b: str) -> bool:
    """At most one letter inserted, deleted, replaced, or two neighbours swapped."""
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diffs) == 1 or (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _stemmed(clause: str) -> str:
    return " ".join(_stem(word) for word in clause.split()) + " "


@lru_cache(maxsize=16)
def _configured(phrases: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Configured phrases as whole-word patterns over the normalised (not stemmed) clause."""
    compiled = []
    for phrase in phrases:
        words = " ".join(" ".join(_clauses(phrase)).split())
        if words:
            compiled.append(re.compile(r"(?:^| )" + re.escape(words) + " "))
    return tuple(compiled)


def recognise(text: str, phrases: Iterable[str] = ()) -> Recognised | None:
    """The first rule ``text`` matches, or None.  ``phrases``: the configured
    ``[safety] distress_phrases``, matched as whole words on top of the rules."""
    if not text or not text.strip():
        return None
    clauses = _clauses(text)
    if _farewell_only(clauses):
        return Recognised("goodbye")
    configured = _configured(tuple(phrases))
    index = _builtin_rules()
    for clause in clauses:
        words, stems = clause + " ", _stemmed(clause)
        if any(pattern.search(words) for pattern in configured):
            return Recognised("configured")
        candidates = {entry for word in {*words.split(), *stems.split()} for entry in index.get(word, ())}
        for _, rule in sorted(candidates, key=lambda entry: entry[0]):
            if rule.matches(stems if rule.name.startswith("en:") else words):
                return Recognised(rule.name)
    return None
