"""The engine's own words, per language, kept apart from its logic.

Partners may be tired, anxious or unwell when they reply, so every fixed text
is short, plain and warm, and a re-ask always says what *would* work.  Add a
language by adding a key to ``TEXTS`` and ``WORDS``; anything missing falls
back to English, so a half-finished translation never breaks a check-in.
"""

from __future__ import annotations

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
    },
}

#: Words a partner can type at any question (``resume``: while a check-in is paused).
#: English always works too.
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
    },
    "cy": {
        "back": ("yn ôl", "nôl", "yn ol", "nol"),
        "resume": ("ymlaen", "parhau", "mynd ymlaen"),
    },
}


def text(language: str, key: str, **values: object) -> str:
    """A fixed text in ``language`` (falling back to English), with ``{placeholders}`` filled."""
    template = TEXTS.get(language, {}).get(key) or TEXTS[DEFAULT_LANGUAGE][key]
    return template.format(**values) if values else template


def words(language: str, key: str) -> tuple[str, ...]:
    """Typed words meaning ``key`` in ``language``, plus the English ones."""
    local = WORDS.get(language, {}).get(key, ())
    return local + tuple(word for word in WORDS[DEFAULT_LANGUAGE][key] if word not in local)
