"""Did-you-mean hints: most flow mistakes are typos, so name the likely fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str], otherwise: str | None = None) -> str | None:
    """``"did you mean 'x'?"`` for the closest choice, else ``otherwise`` + all choices."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if otherwise is not None and options:
        return otherwise + ", ".join(options)
    return None
