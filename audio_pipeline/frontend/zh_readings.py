"""Mandarin readings in context: one pinyin syllable with a tone digit per Hanzi.

The polyphones (多音字) are read by g2pM, a small BiLSTM trained on the CPP benchmark whose numpy
weights ship in its wheel; every other Hanzi by pypinyin, whose phrase dictionary also backs g2pM
where g2pM knows no reading. Both are loaded lazily, once per process.

The readings are *lexical*: 一 is yi1 and 不 is bu4 wherever they stand, and no third-tone sandhi is
applied (eSpeak NG applies 3-3 sandhi itself). ``surface_tones`` gives the 一/不 tone changes a
speaker makes, for text handed to an engine that does not make them.
"""

from __future__ import annotations

import functools
import re

VERSION = "zh-readings-1"

_SYLLABLE = re.compile(r"[a-z]+[1-5]")
# pypinyin's phrase dictionary writes 一 and 不 with the tones they are spoken with (一起 yi4 qi3).
_LEXICAL = {"一": "yi1", "不": "bu4"}


def is_hanzi(char: str) -> bool:
    """Whether ``char`` is a CJK unified ideograph (the basic block or extension A)."""
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def zh_readings(text: str) -> list[str | None]:
    """One pinyin syllable per character of ``text``: lowercase letters and a tone digit 1-5 (5 is
    the neutral tone), ü written ``v``; ``None`` for every character that is not a Hanzi.

    The reading is the one in context (polyphones resolved) with *lexical* tones: no 3-3 sandhi,
    no 一/不 tone change (see ``surface_tones``). Deterministic.

    >>> zh_readings("我们一起走了。")
    ['wo3', 'men5', 'yi1', 'qi3', 'zou3', 'le5', None]
    """
    out: list[str | None] = [None] * len(text)
    if not any(is_hanzi(c) for c in text):
        return out
    base = _pypinyin(text)
    model = _g2pm(text)
    for i, char in enumerate(text):
        if not is_hanzi(char):
            continue
        reading = _LEXICAL.get(char) or (model[i] if model[i] is not None else base[i])
        out[i] = reading if reading is not None and _SYLLABLE.fullmatch(reading) else None
    return out


def surface_tones(readings: list[str | None], text: str) -> list[str | None]:
    """The 一/不 tone changes applied to ``readings`` (those of ``text``), for an engine that reads
    pinyin tones as given. 不 before a fourth tone is bu2; 一 is yi2 before a fourth tone and yi4
    before the other tones, except where it counts (第一, 十一, 一九, a word's last syllable).

    >>> surface_tones(zh_readings("不要一起"), "不要一起")
    ['bu2', 'yao4', 'yi4', 'qi3']
    """
    out = list(readings)
    for i, char in enumerate(text):
        if char not in "一不" or readings[i] not in ("yi1", "bu4"):
            continue
        nxt = readings[i + 1] if i + 1 < len(readings) else None
        if nxt is None or nxt.endswith("5"):
            continue
        if char == "不":
            out[i] = "bu2" if nxt.endswith("4") else "bu4"
            continue
        prev = text[i - 1] if i > 0 else ""
        if prev in _ORDINAL_BEFORE or text[i + 1] in _NUMERALS_AFTER:
            continue
        out[i] = "yi2" if nxt.endswith("4") else "yi4"
    return out


# 一 keeps its first tone where it is a number that counts: after these ...
_ORDINAL_BEFORE = set("第初十零〇一二三四五六七八九百千万周统唯")
# ... and before another digit.
_NUMERALS_AFTER = set("零〇一二三四五六七八九十")


def _pypinyin(text: str) -> list[str | None]:
    from pypinyin import Style, lazy_pinyin

    def _none(chunk: str) -> list[None]:
        return [None] * len(chunk)

    result = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=_none)
    return [r.replace("ü", "v") if r else None for r in result] if len(result) == len(text) else [None] * len(text)


def _g2pm(text: str) -> list[str | None]:
    model = _g2pm_model()
    readings = model(text, char_split=True, tone=True)
    if len(readings) != len(text):  # pragma: no cover - g2pM gives one entry per character
        return [None] * len(text)
    out: list[str | None] = []
    for char, reading in zip(text, readings):
        # Only its polyphones: g2pM's single readings come from an older CC-CEDICT than pypinyin's.
        # It writes ü as "u:".
        out.append(reading.replace("u:", "v") if len(model.cedict.get(char, ())) > 1 else None)
    return out


@functools.cache
def _g2pm_model():
    from g2pM import G2pM

    return G2pM()
