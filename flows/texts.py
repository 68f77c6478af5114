"""The engine's own words, per language, kept apart from its logic.

Partners may be tired, anxious or unwell when they reply, so every fixed text
is short, plain and warm, and a re-ask always says what *would* work.  Add a
language by adding a key to ``TEXTS`` and ``WORDS``; anything missing falls
back to English, so a half-finished translation never breaks a check-in.

Typed words (``WORDS``) and number words (``NUMBER_WORDS``) are compared after
:func:`normalise`, the one normalisation the engine applies to what partners type:
case, spacing, accents on Latin letters (``ŵ`` = ``w``, ``ô`` = ``o``) and the kind
of apostrophe (a curly one is a straight one) never matter.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "skip_button": "Skip this one",
        "done_button": "Done",
        "yes": "Yes",
        "no": "No",
        "skipped": "(skipped)",
        "outro": "Thank you. That's everything for now.",
        "tick_hint": "Tick as many as you like, then tap Done.",
        "scale_hint": "{min} = {min_label}, {max} = {max_label}",
        "back_button": "← Back",
        "help": (
            "You can answer by tapping a button or by typing. "
            "Type back to go to the question before, or skip to leave a question out (where that's possible). "
            "Type pause to take a break, or help to see this again. There are no wrong answers."
        ),
        "pause": (
            "Of course. I've paused this check-in here and kept your answers. "
            "When you'd like to go on, type carry on or send /resume."
        ),
        "resume": "Welcome back. Here's where we were:",
        "stop": "No problem, I've stopped this check-in. The answers you gave are kept. Thank you for what you shared.",
        "back_first": "This is the first question, so there's nothing to go back to.",
        "back_unavailable": "Sorry, I can't go back to an earlier question in this check-in. Here's where we are:",
        "cannot_skip": "This one can't be skipped, sorry. Take your time.",
        "stale_button": (
            "That button was for an earlier question, so I've left that answer as it was. Here's where we are now:"
        ),
        "finished_already": "This check-in has finished. Thank you. I'll be in touch again soon.",
        "lost_place": "Sorry, I've lost my place in this check-in, so I've closed it. Nothing you told me is lost.",
        "still_stuck": "If this question doesn't suit you, you can type pause and we'll leave it for now.",
        "still_stuck_skippable": "If this question doesn't suit you, you can type skip or pause.",
        "tick_one": "Tick at least one, then tap Done.",
        "works_choice": "Sorry, I didn't quite catch that. You can tap one of the buttons, or type its number.",
        "works_multi": (
            "Sorry, I didn't quite catch that. "
            "You can tap the buttons, or type a name or number to tick it: {options}. Then type done."
        ),
        "ticked_so_far": "Ticked so far: {ticked}. Tick more, or type done when that's all.",
        "ticked_none": "Nothing is ticked now. Tick the ones that fit, then type done.",
        "works_yesno": "Sorry, I didn't quite catch that. You can tap Yes or No, or just type yes or no.",
        "works_scale": "Sorry, I didn't quite catch that. You can tap a button, or type a number from {min} to {max}.",
        "works_number": "Sorry, I didn't quite catch that. Could you type a number{range}?",
        "works_number_range": " from {min} to {max}",
        "works_number_min": " of {min} or more",
        "works_number_max": " up to {max}",
        "works_text": "I can only keep typed words for this one. Could you type your answer?",
        "works_text_empty": "I didn't get any words there. Could you type your answer?",
        "comment_kept_buttons": (
            "Thank you, I've kept that as a note with your answer. Could you also tap one of the buttons?"
        ),
        "comment_kept_yesno": "Thank you, I've kept that as a note with your answer. Could you also tap Yes or No?",
        "comment_kept_multi": (
            "Thank you, I've kept that as a note with your answer. "
            "Could you also tick the ones that fit ({options}), then type done?"
        ),
        "comment_kept_number": (
            "Thank you, I've kept that as a note with your answer. Could you also type a number{range}?"
        ),
        "scale_answer": "{value} out of {max}",
    },
    # --- Cymraeg ---------------------------------------------------------------------
    # DRAFT for a native speaker's review: written by the project, not yet checked by a
    # first-language Welsh speaker.  "chi" form throughout; the words partners are told
    # to type (yn ôl, hepgor, saib, help, ymlaen, wedi gorffen, ie, na) are in WORDS["cy"].
    "cy": {
        "skip_button": "Hepgor hwn",
        "done_button": "Wedi gorffen",
        "yes": "Ie",
        "no": "Na",
        "skipped": "(wedi'i hepgor)",
        "outro": "Diolch. Dyna'r cyfan am nawr.",
        "tick_hint": "Ticiwch gymaint ag y mynnwch, yna tapiwch Wedi gorffen.",
        "scale_hint": "{min} = {min_label}, {max} = {max_label}",
        "back_button": "← Yn ôl",
        "help": (
            "Gallwch ateb drwy dapio botwm neu drwy deipio. "
            "Teipiwch yn ôl i fynd i'r cwestiwn cynt, neu hepgor i adael cwestiwn allan (lle mae hynny'n bosibl). "
            "Teipiwch saib i gael seibiant, neu help i weld hyn eto. Does dim atebion anghywir."
        ),
        "pause": (
            "Wrth gwrs. Rydw i wedi oedi'r sgwrs hon yma ac wedi cadw eich atebion. "
            "Pan fyddwch chi eisiau mynd ymlaen, teipiwch ymlaen neu anfonwch /resume."
        ),
        "resume": "Croeso'n ôl. Dyma lle'r oedden ni:",
        "stop": (
            "Dim problem, rydw i wedi stopio'r sgwrs hon. Mae'r atebion a roesoch chi wedi'u cadw. "
            "Diolch am yr hyn a rannoch chi."
        ),
        "back_first": "Dyma'r cwestiwn cyntaf, felly does dim byd i fynd yn ôl ato.",
        "back_unavailable": (
            "Mae'n ddrwg gen i, alla i ddim mynd yn ôl at gwestiwn cynharach yn y sgwrs hon. Dyma lle rydyn ni:"
        ),
        "cannot_skip": "Mae'n ddrwg gen i, does dim modd hepgor yr un yma. Cymerwch eich amser.",
        "stale_button": (
            "Roedd y botwm yna ar gyfer cwestiwn cynharach, felly rydw i wedi gadael yr ateb hwnnw fel yr oedd. "
            "Dyma lle rydyn ni nawr:"
        ),
        "finished_already": "Mae'r sgwrs hon wedi dod i ben. Diolch. Bydda i mewn cysylltiad eto cyn bo hir.",
        "lost_place": (
            "Mae'n ddrwg gen i, rydw i wedi colli fy lle yn y sgwrs hon, felly rydw i wedi'i chau. "
            "Does dim byd a ddywedoch chi wrtha i wedi'i golli."
        ),
        "still_stuck": "Os nad yw'r cwestiwn hwn yn addas i chi, gallwch deipio saib a'i adael am nawr.",
        "still_stuck_skippable": "Os nad yw'r cwestiwn hwn yn addas i chi, gallwch deipio hepgor neu saib.",
        "tick_one": "Ticiwch o leiaf un, yna tapiwch Wedi gorffen.",
        "works_choice": (
            "Mae'n ddrwg gen i, wnes i ddim deall hynny'n iawn. Gallwch dapio un o'r botymau, neu deipio ei rif."
        ),
        "works_multi": (
            "Mae'n ddrwg gen i, wnes i ddim deall hynny'n iawn. "
            "Gallwch dapio'r botymau, neu deipio enw neu rif i'w dicio: {options}. Yna teipiwch wedi gorffen."
        ),
        "ticked_so_far": (
            "Wedi'u ticio hyd yma: {ticked}. Ticiwch ragor, neu teipiwch wedi gorffen pan fydd dyna'r cyfan."
        ),
        "ticked_none": "Does dim wedi'i dicio nawr. Ticiwch y rhai sy'n addas, yna teipiwch wedi gorffen.",
        "works_yesno": (
            "Mae'n ddrwg gen i, wnes i ddim deall hynny'n iawn. Gallwch dapio Ie neu Na, neu deipio ie neu na."
        ),
        "works_scale": (
            "Mae'n ddrwg gen i, wnes i ddim deall hynny'n iawn. Gallwch dapio botwm, neu deipio rhif o {min} i {max}."
        ),
        "works_number": "Mae'n ddrwg gen i, wnes i ddim deall hynny'n iawn. Allech chi deipio rhif{range}?",
        "works_number_range": " o {min} i {max}",
        "works_number_min": " sy'n {min} neu fwy",
        "works_number_max": " hyd at {max}",
        "works_text": (
            "Dim ond geiriau wedi'u teipio y galla i eu cadw ar gyfer yr un yma. Allech chi deipio eich ateb?"
        ),
        "works_text_empty": "Ches i ddim geiriau yn y neges yna. Allech chi deipio eich ateb?",
        "comment_kept_buttons": (
            "Diolch, rydw i wedi cadw hynny fel nodyn gyda'ch ateb. Allech chi hefyd dapio un o'r botymau?"
        ),
        "comment_kept_yesno": (
            "Diolch, rydw i wedi cadw hynny fel nodyn gyda'ch ateb. Allech chi hefyd dapio Ie neu Na?"
        ),
        "comment_kept_multi": (
            "Diolch, rydw i wedi cadw hynny fel nodyn gyda'ch ateb. "
            "Allech chi hefyd dicio'r rhai sy'n addas ({options}), yna teipio wedi gorffen?"
        ),
        "comment_kept_number": (
            "Diolch, rydw i wedi cadw hynny fel nodyn gyda'ch ateb. Allech chi hefyd deipio rhif{range}?"
        ),
        "scale_answer": "{value} allan o {max}",
    },
}

#: Words a partner can type at any question (``resume``: while a check-in is paused), and
#: ``out_of`` for a scale answer like "7 out of 10".  English always works too.  One word
#: never means two things in a language (tests/flows/test_welsh_words.py checks).
WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "help": ("help", "?", "help me", "what do i do"),
        "back": ("back", "go back", "previous", "previous question"),
        "resume": ("carry on", "continue", "resume", "go on"),
        "pause": ("pause", "not now", "later"),
        "stop": ("stop", "cancel", "quit", "end"),
        "skip": ("skip", "pass", "skip this", "skip it"),
        "done": ("done", "finished", "that's all", "thats all"),
        "yes": ("yes", "y", "yeah", "yep", "yup", "yes please", "sure", "ok", "okay", "aye", "ya", "yea"),
        "no": ("no", "n", "nope", "nah", "no thanks", "not really", "no thank you"),
        "out_of": ("out of", "of"),
    },
    # Welsh: a draft for a native speaker's review.  A Welsh yes or no echoes the verb of
    # the question (ydw, oes, do, bydd ... / nac ydw, nac oes, naddo, na fydd ...), so the
    # common echoes are all here; "gorffen" is done, never stop.
    "cy": {
        "help": ("help", "helpu", "helpwch", "helpwch fi", "cymorth", "angen help", "beth ydw i'n ei wneud"),
        "back": ("yn ôl", "nôl", "mynd yn ôl", "ewch yn ôl", "blaenorol", "cwestiwn blaenorol"),
        "resume": ("ymlaen", "parhau", "mynd ymlaen", "bwrw ymlaen", "cario ymlaen", "ailddechrau"),
        "pause": ("saib", "oedi", "nid nawr", "ddim nawr", "dim nawr", "nid rŵan", "ddim rŵan", "wedyn", "nes ymlaen"),
        "stop": ("stopio", "stopiwch", "canslo", "diwedd", "rhoi'r gorau iddi"),
        "skip": ("hepgor", "hepgor hwn", "sgipio", "sgipiwch", "neidio", "pasio", "nesaf", "nesa"),
        "done": (
            "wedi gorffen",
            "gorffen",
            "gorffenedig",
            "dyna ni",
            "dyna'r cyfan",
            "dyna i gyd",
            "dyna fe",
            "dyna fo",
        ),
        "yes": (
            "ie",
            "ia",
            "ydw",
            "ydy",
            "ydi",
            "ydyn",
            "ydan",
            "ydych",
            "yndw",
            "do",
            "oes",
            "oedd",
            "roedd",
            "bydd",
            "byddaf",
            "gwnaf",
            "gwnes",
            "hoffwn",
            "iawn",
            "ie plis",
            "wrth gwrs",
            "siŵr",
            "yn sicr",
        ),
        "no": (
            "na",
            "nage",
            "naddo",
            "nac ydw",
            "nac ydy",
            "nac ydi",
            "nac ydyn",
            "nac ydych",
            "nag ydw",
            "nadw",
            "nac oes",
            "nag oes",
            "nac oedd",
            "na fydd",
            "na wnaf",
            "dim",
            "ddim",
            "dim diolch",
            "na diolch",
            "dim felly",
        ),
        "out_of": ("allan o", "mas o", "o"),
    },
}

#: Numbers a partner may type as words, per language, read wherever the engine reads a
#: number (scale and number questions, and an option typed by its number).  English
#: always works too.  Welsh has feminine forms (dwy, tair, pedair), the short forms used
#: before a noun (pum, chwe, deng) and the soft mutations met after "o" ("tri o ddeg").
NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": {
        "zero": 0,
        "nought": 0,
        "nil": 0,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
    },
    "cy": {
        "dim": 0,
        "sero": 0,
        "un": 1,
        "dau": 2,
        "dwy": 2,
        "ddau": 2,
        "ddwy": 2,
        "tri": 3,
        "tair": 3,
        "dri": 3,
        "dair": 3,
        "pedwar": 4,
        "pedair": 4,
        "bedwar": 4,
        "bedair": 4,
        "pump": 5,
        "pum": 5,
        "bump": 5,
        "bum": 5,
        "chwech": 6,
        "chwe": 6,
        "saith": 7,
        "wyth": 8,
        "naw": 9,
        "deg": 10,
        "deng": 10,
        "ddeg": 10,
        "un ar ddeg": 11,
        "un deg un": 11,
        "deuddeg": 12,
        "ddeuddeg": 12,
        "un deg dau": 12,
    },
}

_APOSTROPHES = str.maketrans(dict.fromkeys("’‘ʼ`´′", "'"))


def _plain_letter(char: str) -> str:
    """A Latin letter without its accent (``ŵ`` -> ``w``); any other character as it is."""
    base = unicodedata.normalize("NFD", char)[0]
    return base if base.isascii() and base.isalpha() else char


def normalise(text: str) -> str:
    """Typed text as the engine compares it: NFC, casefolded, accents on Latin letters
    dropped, one kind of apostrophe, single spaces, no punctuation at either end."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_APOSTROPHES)
    if not folded.isascii():
        folded = "".join(_plain_letter(char) for char in folded)
    return " ".join(folded.split()).strip(".!,;:'\"“”‘’ ")


def text(language: str, key: str, **values: object) -> str:
    """A fixed text in ``language`` (falling back to English), with ``{placeholders}`` filled."""
    template = TEXTS.get(language, {}).get(key) or TEXTS[DEFAULT_LANGUAGE][key]
    return template.format(**values) if values else template


def words(language: str, key: str) -> tuple[str, ...]:
    """Typed words meaning ``key`` in ``language``, plus the English ones (as written:
    compare them after :func:`normalise`, or use :func:`spellings`)."""
    local = WORDS.get(language, {}).get(key, ())
    return local + tuple(word for word in WORDS[DEFAULT_LANGUAGE][key] if word not in local)


@lru_cache(maxsize=256)
def spellings(language: str, key: str) -> frozenset[str]:
    """:func:`words`, normalised: what a normalised typed reply is compared with."""
    return frozenset(normalise(word) for word in words(language, key))


@lru_cache(maxsize=64)
def numbers(language: str) -> Mapping[str, int]:
    """Number words in ``language`` and English, normalised, each with its value
    (the language's own word wins where both have one)."""
    merged = {normalise(word): value for word, value in NUMBER_WORDS[DEFAULT_LANGUAGE].items()}
    merged.update({normalise(word): value for word, value in NUMBER_WORDS.get(language, {}).items()})
    return MappingProxyType(merged)
