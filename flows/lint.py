"""Plain-language warnings for flow texts: long sentences, jargon, hard reading.

Partners may be unwell, tired or reading in a second language, so texts should
be short and plain.  These are warnings, not errors: a flow still loads.
Reading ease is Flesch's formula with a rough syllable count; it is a nudge,
not a verdict, and is only computed for English texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from flows.loader import Problem
from flows.model import Flow

DEFAULT_JARGON = (
    "co-production",
    "coproduction",
    "stakeholder",
    "engagement",
    "leverage",
    "facilitate",
    "utilise",
    "utilize",
    "deliverable",
    "outcomes framework",
    "service user",
    "pathway",
    "synergy",
    "capacity building",
    "empower",
    "holistic",
    "best practice",
    "going forward",
    "touch base",
    "bandwidth",
    "paradigm",
    "robust",
)
MAX_SENTENCE_WORDS = 20
#: Flesch reading ease below this is "fairly difficult" or worse
MIN_READING_EASE = 60.0

_TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_TEMPLATE_VALUE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")


def lint(flow: Flow, jargon: list[str] | None = None) -> list[Problem]:
    """Warnings for every partner-facing English text of ``flow``."""
    words_to_avoid = [word.lower() for word in (jargon if jargon is not None else DEFAULT_JARGON)]
    warnings: list[Problem] = []
    for path, line, text in _texts(flow):
        plain = _TEMPLATE_VALUE.sub("Sam", _TEMPLATE_CODE.sub(" ", text))
        for sentence in _sentences(plain):
            count = len(_WORD.findall(sentence))
            if count > MAX_SENTENCE_WORDS:
                warnings.append(
                    Problem(
                        flow.file,
                        line,
                        path,
                        f"a sentence of {count} words",
                        f"try to keep sentences under {MAX_SENTENCE_WORDS} words",
                    )
                )
        lowered = plain.lower()
        for word in words_to_avoid:
            if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered):
                warnings.append(
                    Problem(flow.file, line, path, f"jargon: {word!r}", "say what it means in everyday words")
                )
        ease = reading_ease(plain)
        if ease is not None and ease < MIN_READING_EASE:
            warnings.append(
                Problem(
                    flow.file,
                    line,
                    path,
                    f"hard to read (reading ease {ease:.0f} of 100)",
                    "use shorter words and sentences; 60 or more is plain English",
                )
            )
    return warnings


def reading_ease(text: str) -> float | None:
    """Flesch reading ease (higher is easier); ``None`` for texts too short to judge."""
    words = _WORD.findall(text)
    if len(words) < 5:
        return None
    sentences = max(1, len(_sentences(text)))
    syllables = sum(count_syllables(word) for word in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syllables / len(words))


def count_syllables(word: str) -> int:
    """A rough English syllable count: vowel groups, less a silent final e."""
    word = word.lower().strip("'’-")
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(1, count)


def _sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+|\n+", text) if _WORD.search(part)]


def _texts(flow: Flow) -> Iterator[tuple[str, int | None, str]]:
    """(path, line, text) for each English text partners see, plain variants included."""
    languages = [language for language in flow.languages if language.startswith("en")]
    lines = flow.source.splitlines()

    def line_of(step_id: str | None) -> int | None:
        if step_id is None:
            return None
        pattern = re.compile(rf"^\s*id\s*=\s*[\"']{re.escape(step_id)}[\"']")
        return next((number + 1 for number, line in enumerate(lines) if pattern.match(line)), None)

    def variants(
        path: str, line: int | None, value: str | dict[str, str] | None
    ) -> Iterator[tuple[str, int | None, str]]:
        if value is None:
            return
        for language in languages:
            yield path, line, flow.text(value, language)

    yield from variants("intro", None, flow.intro)
    yield from variants("outro", None, flow.outro)
    for step in flow.steps:
        line = line_of(step.id)
        yield from variants(f"steps.{step.id}.text", line, step.text)
        yield from variants(f"steps.{step.id}.plain", line, step.plain)
        for number, option in enumerate(step.options):
            yield from variants(f"steps.{step.id}.options[{number}].label", line, option.label)
            yield from variants(f"steps.{step.id}.options[{number}].plain", line, option.plain)
