"""Mandarin readings in context: one pinyin syllable with a tone digit per Hanzi.

Three sources, each where measurement says it is best (``bench/pronounce``):

* g2pM, a small BiLSTM trained on the CPP benchmark (numpy weights in its wheel), reads every
  polyphone (多音字) in the context of its sentence;
* words: jieba cuts the sentence into words, and pypinyin's phrase dictionary gives a word's
  reading; it overrides g2pM where g2pM is less than sure of its choice;
* rules for the function words that both get wrong in speech-like text (地, 得, 为, 都, 还, …).

Every other Hanzi is read by pypinyin. Models and dictionaries load lazily, once per process.

The readings are *lexical*: 一 is yi1 and 不 is bu4 wherever they stand, and no third-tone sandhi is
applied (eSpeak NG applies 3-3 sandhi itself). ``surface_tones`` gives the 一/不 tone changes a
speaker makes, for text handed to an engine that does not make them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["VERSION", "is_hanzi", "surface_tones", "zh_readings"]

VERSION = "zh-readings-2"

_SYLLABLE = re.compile(r"[a-z]+[1-5]")
# pypinyin's phrase dictionary writes 一 and 不 with the tones they are spoken with (一起 yi4 qi3).
_LEXICAL = {"一": "yi1", "不": "bu4"}
# Sentences are read one by one, as g2pM was trained; a comma does not end one.
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;\n]*|[。！？；!?;\n]+")


def zh_readings(text: str) -> list[str | None]:
    """One pinyin syllable per character of ``text``: lowercase letters and a tone digit 1-5 (5 is
    the neutral tone), ü written ``v``; ``None`` for every character that is not a Hanzi.

    The reading is the one in context (polyphones resolved) with *lexical* tones: no 3-3 sandhi,
    no 一/不 tone change (see ``surface_tones``). Deterministic.

    >>> zh_readings("我们一起走了。")
    ['wo3', 'men5', 'yi1', 'qi3', 'zou3', 'le5', None]
    """
    return _readings(text, RULES)


def _readings(text: str, active: tuple[Rule, ...]) -> list[str | None]:
    """``zh_readings`` with only the ``active`` rules (the bench measures each one)."""
    out: list[str | None] = [None] * len(text)
    if not any(is_hanzi(c) for c in text):
        return out
    base = pypinyin_readings(text)
    for match in _SENTENCE.finditer(text):
        start, chunk = match.start(), match.group()
        if not any(is_hanzi(c) for c in chunk):
            continue
        sentence = analyse(chunk)
        for i, char in enumerate(chunk):
            if not is_hanzi(char):
                continue
            reading = _LEXICAL.get(char) or _decide(sentence, i, active) or base[start + i]
            out[start + i] = reading if reading and _SYLLABLE.fullmatch(reading) else None
    return out


def _decide(sentence: Sentence, i: int, active: tuple[Rule, ...]) -> str | None:
    """The first active rule's reading of a polyphone, else g2pM's; None for other characters."""
    if not sentence.candidates[i]:
        return None
    for rule in active:
        reading = rule(sentence, i)
        if reading is not None:
            return reading
    return sentence.model[i]


def surface_tones(readings: list[str | None], text: str) -> list[str | None]:
    """The 一/不 tone changes applied to ``readings`` (those of ``text``), for an engine that reads
    pinyin tones as given. 不 before a fourth tone is bu2; 一 is yi2 before a fourth tone and yi4
    before the other tones, except where it counts (第一, 十一, 一九, 统一) or ends a phrase.

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


# 一 keeps its first tone where it is a number that counts or ends a word: after these ...
_ORDINAL_BEFORE = set("第初十零〇一二三四五六七八九百千万周统唯")
# ... and before another digit.
_NUMERALS_AFTER = set("零〇一二三四五六七八九十")


# --- the sources ---------------------------------------------------------------------------------

#: Below this probability of its own choice, g2pM gives way to the word's dictionary reading.
SURE = 0.95


@dataclass(frozen=True)
class Sentence:
    """What the rules see of one sentence: its text, words (jieba, with part of speech), and per
    character g2pM's reading and its probability, the readings a polyphone can have, and the
    reading of the dictionary word it stands in (None outside a word of the phrase dictionary)."""

    text: str
    words: tuple[tuple[int, int, str], ...]  # start, end, part of speech
    word_of: tuple[int, ...]  # index into words, per character
    model: tuple[str | None, ...]
    sureness: tuple[float, ...]
    candidates: tuple[tuple[str, ...], ...]
    phrase: tuple[str | None, ...]

    def word(self, i: int) -> str:
        """The word the ``i``-th character stands in."""
        start, end, _ = self.words[self.word_of[i]]
        return self.text[start:end]

    def tag(self, i: int) -> str:
        """Part of speech of the word the ``i``-th character stands in."""
        return self.words[self.word_of[i]][2]

    def neighbour(self, i: int, step: int) -> tuple[str, str]:
        """The word (and its part of speech) ``step`` words before (-1) or after (+1) character i."""
        k = self.word_of[i] + step
        if not 0 <= k < len(self.words):
            return "", ""
        start, end, tag = self.words[k]
        return self.text[start:end], tag


def is_hanzi(char: str) -> bool:
    """Whether ``char`` is a CJK unified ideograph (the basic block, extension A, compatibility)."""
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def analyse(text: str) -> Sentence:
    """Words, g2pM's readings and the dictionary's, for one sentence."""
    words, word_of = _words(text)
    model, sureness, candidates = _g2pm(text)
    phrase: list[str | None] = [None] * len(text)
    phrases = _phrases()
    for start, end, _ in words:
        entry = phrases.get(text[start:end]) if end - start > 1 else None
        if entry and len(entry) == end - start:
            for k in range(start, end):
                phrase[k] = _tone3(entry[k - start][0])
    return Sentence(text, words, word_of, model, sureness, candidates, tuple(phrase))


def pypinyin_readings(text: str) -> list[str | None]:
    """pypinyin's reading of each character (its own word segmentation), None where it has none."""
    from pypinyin import Style, lazy_pinyin

    def _none(chunk: str) -> list[None]:
        return [None] * len(chunk)

    result = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=_none)
    if len(result) != len(text):  # pragma: no cover - one entry per character with this errors=
        return [None] * len(text)
    return [r.replace("ü", "v") if r else None for r in result]


def _tone3(syllable: str) -> str:
    from pypinyin import Style
    from pypinyin.style import convert

    reading = convert(syllable, Style.TONE3, strict=False, neutral_tone_with_five=True).replace("ü", "v")
    return reading if reading[-1:].isdigit() else reading + "5"


def _words(text: str) -> tuple[tuple[tuple[int, int, str], ...], tuple[int, ...]]:
    import jieba.posseg

    words, word_of, start = [], [], 0
    for token in _jieba().lcut(text, HMM=False):
        end = start + len(token.word)
        word_of += [len(words)] * len(token.word)
        words.append((start, end, token.flag))
        start = end
    if start != len(text):  # pragma: no cover - jieba keeps every character
        return tuple((k, k + 1, "x") for k in range(len(text))), tuple(range(len(text)))
    return tuple(words), tuple(word_of)


@functools.cache
def _jieba():
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.posseg.dt


@functools.cache
def _phrases() -> dict:
    from pypinyin.phrases_dict import phrases_dict

    return phrases_dict


def _g2pm(text: str):
    """g2pM's reading of each polyphone, the probability it gives it, and the polyphone's readings."""
    import numpy as np

    model = _g2pm_model()
    ids, polys = [], []
    for i, char in enumerate(text):
        ids.append(model.char2idx.get(char, model.char2idx["<UNK>"]))
        if len(model.cedict.get(char, ())) > 1:
            polys.append(i)
    readings: list[str | None] = [None] * len(text)
    sureness = [1.0] * len(text)
    candidates: list[tuple[str, ...]] = [()] * len(text)
    if not polys:
        return tuple(readings), tuple(sureness), tuple(candidates)
    # g2pM's own framing: begin and end tokens around the sentence.
    inputs = np.array([[model.char2idx["시"], *ids, model.char2idx["끝"]]], dtype=np.int32)
    logits = _logits(model, inputs, [i + 1 for i in polys])
    for row, i in zip(logits, polys):
        probs = np.exp(row - row.max())
        probs /= probs.sum()
        best = int(np.argmax(row))
        readings[i] = model.idx2class[best].replace("u:", "v")
        sureness[i] = float(probs[best])
        candidates[i] = tuple(c.replace("u:", "v") for c in model.cedict[text[i]])
    return tuple(readings), tuple(sureness), tuple(candidates)


def _logits(model, inputs, targets):
    """g2pM's ``predict`` up to its logits (it returns only the argmax)."""
    import numpy as np

    length = inputs.shape[1]
    reverse = model.reverse_sequence(inputs, [length])
    forward_emb, backward_emb = model.get_embedding(inputs), model.get_embedding(reverse)
    forward_states = backward_states = None
    forward_h, backward_h = [], []
    for t in range(length):
        forward_states = model.fw_lstm_cell(forward_emb[:, t, :], forward_states)
        backward_states = model.bw_lstm_cell(backward_emb[:, t, :], backward_states)
        forward_h.append(forward_states[0])
        backward_h.append(backward_states[0])
    backward = model.reverse_sequence(np.stack(backward_h, axis=1), [length])
    hidden = np.concatenate([np.stack(forward_h, axis=1), backward], axis=2)[0]
    return model.fc_layer(hidden[targets])


@functools.cache
def _g2pm_model():
    from g2pM import G2pM

    return G2pM()


# --- the rules -----------------------------------------------------------------------------------

Rule = Callable[[Sentence, int], "str | None"]


def word_reading(s: Sentence, i: int) -> str | None:
    """The dictionary word's reading, where g2pM is not sure of its own (银行 hang2, 因为 wei4)."""
    reading = s.phrase[i]
    if reading and reading != s.model[i] and reading in s.candidates[i] and s.sureness[i] < SURE:
        return reading
    return None


RULES: tuple[Rule, ...] = (word_reading,)
