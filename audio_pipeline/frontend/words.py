"""Pass ``words``: what is left of the text, cut into words by script.

Runs of Hanzi become Chinese words (jieba's dictionary words; an erhua 儿 stays with the word
before it), so that later passes can hand the engine one word
at a time, the way eSpeak NG groups its own dictionary words;
runs of Latin letters and digits become English (or other Latin-script) words; the rest is white
space or punctuation.
"""

from __future__ import annotations

import functools
import re

from .tokens import EN, PUNCT, SPACE, ZH, Draft, Token, claim

NAME, VERSION = "words", 2

HANZI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PATTERN = re.compile(rf"(?P<zh>[{HANZI}]+)|(?P<en>[^\W_{HANZI}]+(?:['’.\-][^\W_{HANZI}]+)*)|(?P<space>\s+)|(?P<punct>.)",
                      re.DOTALL)


def run(draft: Draft, lexicon=None) -> Draft:
    """Claim the rest of the raw tokens; Hanzi runs are split into words."""
    out = []
    for token in claim(draft, _PATTERN, _token).tokens:
        if token.kind == ZH and token.by == NAME and len(token.text) > 1:
            at = token.start
            for word in _segment(token.text):
                out.append(Token(at, at + len(word), word, ZH, word, by=NAME))
                at += len(word)
        else:
            out.append(token)
    return Draft(draft.text, draft.lang, tuple(out))


def _token(m: re.Match[str], at: int) -> Token:
    kind = {"zh": ZH, "en": EN, "space": SPACE, "punct": PUNCT}[m.lastgroup]
    say = " " if kind == SPACE else m[0]
    return Token(at + m.start(), at + m.end(), m[0], kind, say, m[0] if kind == EN else "", by=NAME)


def _segment(text: str) -> list[str]:
    """A Hanzi run cut into jieba's dictionary words (the readings load the same dictionary), an
    erhua 儿 kept with the word before it.

    >>> _segment("我们在行政部门工作"), _segment("一点儿")
    (['我们', '在', '行政部门', '工作'], ['一点儿'])
    """
    out = _jieba().lcut(text, HMM=False)
    for i in range(len(out) - 1, 0, -1):
        if out[i][0] == "儿":  # 儿 opening a word belongs to the one before (erhua, or 女儿)
            out[i - 1] += "儿"
            out[i] = out[i][1:]
    return [w for w in out if w]


@functools.cache
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt
