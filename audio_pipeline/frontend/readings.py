"""Pass ``readings``: every Hanzi gets its reading in context, and a Mandarin voice is given pinyin.

The readings come from :mod:`.zh_readings` (polyphones chosen in context, lexical tones). A Mandarin
voice is then handed tone-digit pinyin for *every* Hanzi, not only for those where eSpeak NG's own
choice differs: eSpeak NG reads ``xing2zheng4`` exactly as given, groups the syllables of one word
as it groups its own dictionary words (one stress, on the last syllable), applies third-tone sandhi
to it as it does to Hanzi, and then never falls back on its greedy dictionary match (在行政 as
zai4 hang2). The 一/不 tone changes, which eSpeak NG does not make in pinyin, are applied here.
Other voices (Cantonese, English) keep the Hanzi; their readings are still reported.
"""

from __future__ import annotations

from dataclasses import replace

from . import zh_readings as zh
from .tokens import EN, PUNCT, SPACE, ZH, Draft, Token

NAME = "readings"
VERSION = f"1+{zh.VERSION}"


def run(draft: Draft, lexicon=None) -> Draft:
    """Fill in ``reading`` (and, for a Mandarin voice, ``syllables``) of every Chinese token."""
    return run_many([draft])[0]


def run_many(drafts: list[Draft], lexicons=None) -> list[Draft]:
    """:func:`run` on each draft, their readings worked out together (:func:`.zh_readings.zh_readings_many`)."""
    todo = [k for k, draft in enumerate(drafts) if any(t.kind == ZH and t.say for t in draft.tokens)]
    contexts = [_context(drafts[k].tokens) for k in todo]
    out = list(drafts)
    for k, (spans, context), lexical in zip(todo, contexts, zh.zh_readings_many([c for _, c in contexts])):
        out[k] = _filled(drafts[k], spans, context, lexical)
    return out


def _filled(draft: Draft, spans: list[tuple[int, int]], context: str, lexical: list[str | None]) -> Draft:
    """The draft with its Chinese tokens' readings, given the readings of its whole context."""
    surface = zh.surface_tones(lexical, context)
    out = []
    for token, span in zip(draft.tokens, spans):
        if token.kind != ZH or not token.say:
            out.append(token)
            continue
        a, b = span
        chars = token.say
        reading = [r or c for r, c in zip(lexical[a:b], chars)]
        said = [s or c for s, c in zip(surface[a:b], chars)]
        if token.by == "numbers":  # a numeral 一 keeps its tone, but for 一百, 一千, 一万, 一亿
            said = [r if c == "一" and chars[i + 1:i + 2] not in ("百", "千", "万", "亿") else s
                    for i, (r, s, c) in enumerate(zip(reading, said, chars))]
        out.append(replace(token, reading=" ".join(_plain(r) for r in reading),
                           syllables=tuple(said) if draft.lang == "zh" else ()))
    return replace(draft, tokens=tuple(out))


def _plain(syllable: str) -> str:
    """A reading as reported: an erhua 儿 read ``r5`` is the syllable er5 of its Hanzi."""
    return "er5" if syllable == "r5" else syllable


def _context(tokens: tuple[Token, ...]) -> tuple[list[tuple[int, int]], str]:
    """The sentence as the readings see it (Chinese tokens as their Hanzi), and each token's span.

    White space counts as one space and none at either end, so a text's readings do not depend on
    how it was folded.
    """
    parts: list[str] = []
    spans = []
    pos = 0
    first = next((i for i, t in enumerate(tokens) if t.kind != SPACE), len(tokens))
    last = max((i for i, t in enumerate(tokens) if t.kind != SPACE), default=-1)
    for i, token in enumerate(tokens):
        if token.kind == ZH:
            part = token.say or " "
        elif token.kind == SPACE:
            part = " " if first < i < last else ""
        elif token.kind in (EN, PUNCT):
            part = token.text if token.kind == PUNCT else token.text
        else:
            part = token.text
        spans.append((pos, pos + len(part)))
        parts.append(part)
        pos += len(part)
    return spans, "".join(parts)
