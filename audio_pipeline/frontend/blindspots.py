"""Pass ``blindspots``: Mandarin that eSpeak NG cannot say from pinyin, given as its own phonemes.

eSpeak NG 1.52's Mandarin has no rules for the syllables xiong, qiong and jiong (熊, 兄, 穷, 窘: in
Hanzi or pinyin they fall into its English rules, "k-sheng two") nor for erhua (哪儿 nar3, 一会儿).
A word holding one of them is handed to the engine as eSpeak NG phoneme input, ``[[…]]``, spelt
the way eSpeak NG spells its own Mandarin: each syllable as ``espeak_TextToPhonemes`` gives it for
the pinyin (``espeak_pinyin.json``, made by ``bench/espeak_pinyin.py``), the three missing ones as
its yong with the initial before it (``S;j'ong``), erhua as the syllable with its coda dropped and
an ``r`` after the tone, and one stress, on the word's last syllable, as eSpeak NG marks its words.

Only this pass writes ``[[``: transcript text is neutralised before it reaches the engine
(:mod:`.utterance`), and the engine adapter enables phoneme input only for that reason.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import replace
from importlib import resources

from .tokens import ZH, Draft

NAME, VERSION = "blindspots", 1

BLIND = frozenset({"xiong", "qiong", "jiong"})
#: eSpeak NG's Mandarin tone phonemes, by tone digit.
TONES = {"1": "55", "2": "35", "3": "214", "4": "51", "5": "11"}
# 儿 after these is erhua even where the readings give it a full er2 (这儿, 一会儿, 一点儿, 玩儿);
# elsewhere (女儿, 婴儿, 儿子) it is a syllable of its own.
_ERHUA_AFTER = set("这那哪会点玩事今明昨块味活伴空画歌劲词字趟份样边天片兜哥个盖根头号面门")


def run(draft: Draft, lexicon=None) -> Draft:
    """Give the engine phonemes for every Mandarin word eSpeak NG cannot say from pinyin."""
    if draft.lang != "zh":
        return draft
    out = []
    for token in draft.tokens:
        if token.kind != ZH or not token.syllables:
            out.append(token)
            continue
        syllables = list(token.syllables)
        chars = token.say or ""
        erhua = [i for i in range(1, len(syllables))
                 if i < len(chars) and chars[i] == "儿" and syllables[i - 1][-1:].isdigit()
                 and (syllables[i] in ("r5", "er5") or chars[i - 1] in _ERHUA_AFTER)]
        blind = any(_base(s) in BLIND for s in syllables)
        if erhua or blind:
            phonemes = word_phonemes(syllables, erhua)
            if phonemes:
                syllables = [phonemes] + [""] * (len(syllables) - 1)
        out.append(replace(token, syllables=tuple(syllables)))
    return replace(draft, tokens=tuple(out))


def word_phonemes(syllables: list[str], erhua: list[int] = ()) -> str | None:
    """One word's syllables as eSpeak NG phoneme input; ``erhua``: indices of an erhua 儿 (merged
    into the syllable before it). None if a syllable is not pinyin eSpeak NG has phonemes for.

    >>> word_phonemes(["xiong2", "mao1"])
    "[[S;jong35m'Au55]]"
    >>> word_phonemes(["na3", "er2"], [1])
    "[[n'A214r]]"
    """
    table = _table()
    parts = []
    for i, syllable in enumerate(syllables):
        if i in erhua:
            continue
        m = re.fullmatch(r"([a-z]+)([1-5])", syllable)
        if not m or m[1] not in table:
            return None
        template = table[m[1]]
        if i + 1 in erhua:
            template = _rhotic(template)
        parts.append(template.replace("{t}", TONES[m[2]]))
    if not parts:
        return None
    body = "".join(p.replace("'", "") for p in parts[:-1]) + parts[-1]
    return f"[[{body}]]"


def _base(syllable: str) -> str:
    return syllable.rstrip("12345")


def _rhotic(template: str) -> str:
    """A syllable with erhua: its coda (n, i, ng) dropped, an ``r`` after the tone."""
    head, _, coda = template.partition("{t}")
    for old, new in (("uei", "u@"), ("uai", "uA"), ("ai", "A"), ("ei", "@"), ("i.", "@"), ("i[", "@"),
                     ("o-", "@")):
        if head.endswith(old):
            head = head[: -len(old)] + new
            break
    else:
        if coda in ("n", "N") and head.endswith("iE"):
            head = head[:-2] + "iA"
    return head + "{t}r"


@functools.cache
def _table() -> dict[str, str]:
    text = (resources.files(__package__) / "espeak_pinyin.json").read_text(encoding="utf-8")
    return json.loads(text)
