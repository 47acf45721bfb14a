"""The last step: a draft's tokens joined into the one line the engine is given.

Transcript text is neutralised here, as it always was (``text.for_engine``): control characters
become spaces, ``<`` and ``>`` become ``‹`` and ``›``, ``[[`` and ``]]`` are broken apart, so no text
of the transcript can steer the engine with markup or phonemes. The only phoneme input in an
utterance is the one the blindspots pass wrote, set apart by spaces so that no neighbouring bracket
of the transcript can join it.
"""

from __future__ import annotations

import re

from ..text import for_engine
from .tokens import EN, PUNCT, SPACE, ZH, Draft, Token

NAME, VERSION = "utterance", 1


def utterance(draft: Draft) -> str:
    """The engine's text for a draft whose passes have all run.

    >>> from .tokens import Token
    >>> utterance(Draft("熊<b>", "zh", (Token(0, 1, "熊", ZH, "熊", "xiong2", ("[[S;j'ong35]]",)),
    ...                                  Token(1, 4, "<b>", PUNCT, "<b>"))))
    "[[S;j'ong35]] ‹b›"
    """
    parts: list[tuple[str, bool]] = []  # (text, ours: phoneme input written by the front end)
    previous: Token | None = None
    for token in draft.tokens:
        if token.kind == SPACE:
            parts.append((" ", False))
            previous = token
            continue
        if previous is not None and _apart(previous, token):
            parts.append((" ", False))  # one word from the next, as eSpeak NG needs for pinyin
        if token.kind == ZH and token.syllables:
            for syllable in token.syllables:
                if syllable.startswith("[["):
                    parts.append((syllable, True))
                elif syllable:
                    parts.append((syllable, False))
        elif token.kind in (ZH, EN, PUNCT):
            parts.append((token.say or token.text, False))
        else:
            parts.append((token.text, False))
        previous = token
    return _join(parts)


def _apart(before: Token, after: Token) -> bool:
    """Whether two neighbouring tokens need a space between them in the utterance: two words of
    which one is in Latin letters, and pinyin next to anything but punctuation (``C++ he2``)."""
    if before.kind == SPACE or after.kind == SPACE:
        return False
    if before.kind in (ZH, EN) and after.kind in (ZH, EN):
        return _latin(before) or _latin(after)
    return _pinyin(before) and not _punctuation(after) or _pinyin(after) and not _punctuation(before)


def _latin(token: Token) -> bool:
    """Whether the token reaches the engine in Latin letters (English, or pinyin)."""
    return token.kind == EN or _pinyin(token)


def _pinyin(token: Token) -> bool:
    return token.kind == ZH and bool(token.syllables)


def _punctuation(token: Token) -> bool:
    """Punctuation that parts words by itself (，。 , . ( ) “ ”), unlike a symbol (``+``, ``&``)."""
    text = token.say or token.text
    return token.kind == PUNCT and all(ord(c) > 0x2000 or c in ",.!?;:()[]{}\"'" for c in text)


def _join(parts: list[tuple[str, bool]]) -> str:
    out: list[str] = []
    plain: list[str] = []
    for text, ours in parts:
        if ours:
            out.append(for_engine("".join(plain)))
            out.append(text)
            plain = []
        else:
            plain.append(text)
    out.append(for_engine("".join(plain)))
    return re.sub(r"\s+", " ", " ".join(o for o in out if o)).strip()
