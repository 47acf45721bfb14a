"""Pass ``symbols``: symbols between Chinese words said in Chinese, or as a pause.

eSpeak NG's Mandarin voice reads ``/`` as the English word "slash" (in Hanzi or pinyin alike:
深度学习/机器学习), ``+`` as "plus", ``&`` as "and", ``*`` as "asterisk". For a Mandarin voice,
``&``, ``+`` and ``=`` between Chinese words become 和, 加 and 等于; ``/`` becomes a pause (a comma),
and ``* # ~ \\ |`` and the middle dots of names (迈克尔·乔丹, 泗川・永春: "Japanese" to eSpeak NG) are
not spoken. Next to Latin letters (C++, AT&T) they are left alone.
"""

from __future__ import annotations

from dataclasses import replace

from .tokens import EN, PUNCT, ZH, Draft, Token

NAME, VERSION = "symbols", 2

_WORDS = {"&": "和", "+": "加", "=": "等于"}
_PAUSE = {"/": "，", "／": "，"}
_SILENT = set("*#~\\|＊＃～・·•‧")


def run(draft: Draft, lexicon=None) -> Draft:
    """Say the symbols of a Mandarin text in Chinese (or not at all)."""
    if draft.lang != "zh":
        return draft
    tokens = list(draft.tokens)
    for i, token in enumerate(tokens):
        if token.kind != PUNCT or not token.text:
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if _next_to_latin(before) or _next_to_latin(after):
            continue
        if token.text in _WORDS:
            tokens[i] = Token(token.start, token.end, token.text, ZH, _WORDS[token.text], by=NAME)
        elif token.text in _PAUSE:
            tokens[i] = replace(token, say=_PAUSE[token.text], by=NAME)
        elif token.text in _SILENT:
            tokens[i] = replace(token, say=" ", by=NAME)
    return replace(draft, tokens=tuple(tokens))


def _next_to_latin(token: Token | None) -> bool:
    return token is not None and (token.kind == EN or token.kind == PUNCT and token.text in _WORDS)
