"""The last step: a draft's tokens joined into the one line the engine is given.

The text is neutralised here, as it always was (``text.for_engine``): control characters become
spaces, ``<`` and ``>`` become ``‹`` and ``›``, ``[[`` and ``]]`` are broken apart, so no text of the
transcript can steer the engine with markup or phonemes; the engine is never given either.
"""

from __future__ import annotations

from ..text import for_engine
from .tokens import EN, PUNCT, SPACE, ZH, Draft, Token

NAME, VERSION = "utterance", 2


def utterance(draft: Draft) -> str:
    """The engine's text for a draft whose passes have all run.

    >>> from .tokens import Token
    >>> utterance(Draft("熊<b>", "zh", (Token(0, 1, "熊", ZH, "熊", "xiong2", ("xong2",)),
    ...                                  Token(1, 4, "<b>", PUNCT, "<b>"))))
    'xong2 ‹b›'
    """
    parts: list[str] = []
    previous: Token | None = None
    for token in draft.tokens:
        if previous is not None and _apart(previous, token):
            parts.append(" ")  # one word from the next, as eSpeak NG needs for pinyin
        if token.kind == SPACE:
            parts.append(" ")
        elif token.kind == ZH and token.syllables:
            parts.append("".join(token.syllables))
        elif token.kind in (ZH, EN, PUNCT):
            parts.append(token.say or token.text)
        else:
            parts.append(token.text)
        previous = token
    return for_engine("".join(parts))


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
