"""The value the front end's passes work on: a text cut into tokens that cover it end to end.

A :class:`Draft` starts as one ``raw`` token holding the whole text. Each pass claims spans of the
raw tokens it understands (a lexicon entry, a number, a word) and fills in what later passes and the
engine need; no pass ever changes the source spans, so every token can be traced back to the
characters it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

#: Token kinds. ``raw``: not claimed by any pass yet.
RAW, ZH, EN, SPACE, PUNCT = "raw", "zh", "en", "space", "punct"


@dataclass(frozen=True)
class Token:
    """A span of the analysed text and how it is said."""

    start: int
    end: int
    #: The source characters, ``text[start:end]`` of the analysed text.
    text: str
    kind: str
    #: What is said, in the token's own script: Hanzi for ``zh`` (二零一七年 for 2017年), words for
    #: ``en``, the characters themselves for punctuation.
    say: str = ""
    #: Pinyin with tone digits, one syllable per Hanzi of ``say`` (``zh``); the words (``en``).
    reading: str = ""
    #: What the engine is given for each Hanzi of a ``zh`` token: its pinyin, with the 一/不 tone
    #: changes and the respellings eSpeak NG needs. Empty until the readings pass, and for voices
    #: that are given the Hanzi.
    syllables: tuple[str, ...] = ()
    #: The pass that claimed the token.
    by: str = ""


@dataclass(frozen=True)
class Draft:
    """A text being prepared for the engine: its tokens and the language the voice speaks."""

    text: str
    #: The voice's language: ``zh`` (Mandarin), ``yue``, ``en``, … (see :func:`voice_language`).
    lang: str
    tokens: tuple[Token, ...]

    @classmethod
    def start(cls, text: str, lang: str) -> Draft:
        return cls(text, lang, (Token(0, len(text), text, RAW),) if text else ())


def voice_language(voice_id: str) -> str:
    """The language a voice speaks, as the front end needs it (``sit/cmn`` → ``zh``).

    >>> voice_language("sit/cmn"), voice_language("gmw/en-us"), voice_language("sit/yue")
    ('zh', 'en', 'yue')
    """
    name = voice_id.rsplit("/", 1)[-1].lower()
    if name.startswith(("cmn", "zh")):
        return "zh"
    return name.split("-")[0]


def claim(draft: Draft, pattern: re.Pattern[str], make: Callable[[re.Match[str], int], Token | None]) -> Draft:
    """Split every raw token at the matches of ``pattern``; ``make(match, offset)`` turns a match
    into a token (``offset`` is the raw token's start in the text) or declines it with ``None``."""
    out: list[Token] = []
    for token in draft.tokens:
        if token.kind != RAW:
            out.append(token)
            continue
        pos = 0
        for m in pattern.finditer(token.text):
            if m.end() == m.start():
                continue
            made = make(m, token.start)
            if made is None:
                continue
            if m.start() > pos:
                out.append(_raw(token, pos, m.start()))
            out.append(made)
            pos = m.end()
        if pos < len(token.text):
            out.append(_raw(token, pos, len(token.text)))
    return replace(draft, tokens=tuple(out))


def _raw(token: Token, a: int, b: int) -> Token:
    return Token(token.start + a, token.start + b, token.text[a:b], RAW)


def word_tokens(tokens: Iterable[Token]) -> list[Token]:
    """The tokens that say something (not white space or punctuation)."""
    return [t for t in tokens if t.kind in (ZH, EN)]
