"""Mandarin readings in context: one pinyin syllable with a tone digit per Hanzi.

Three sources, each where measurement says it is best (``bench/pronounce``):

* g2pM, a small BiLSTM trained on the CPP benchmark (numpy weights in its wheel), reads every
  polyphone (多音字) in the context of its sentence;
* words: jieba cuts the sentence into words, and pypinyin's phrase dictionary gives a word's
  reading; it overrides g2pM where g2pM is less than sure of its choice or the word is common;
* rules for the function words that both get wrong in speech-like text (地, 得, 为, 都, 还, …) and
  a short word list of our own (:mod:`.zh_rules`).

g2pM's network runs on all the sentences of a text at once (:mod:`.g2pm`).

Every other Hanzi is read by pypinyin's dictionaries (its word's reading, else the character's
first). Models and dictionaries load lazily, once per process (about 1 s, jieba's the most).

The readings are *lexical*: 一 is yi1 and 不 is bu4 wherever they stand, and no third-tone sandhi is
applied (eSpeak NG applies 3-3 sandhi itself). ``surface_tones`` gives the 一/不 tone changes a
speaker makes, for text handed to an engine that does not make them.
"""

from __future__ import annotations

import functools
import re

from .g2pm import g2pm_readings
from .zh_rules import RULES, Rule, Sentence, is_hanzi

__all__ = ["RULES", "VERSION", "is_hanzi", "surface_tones", "zh_readings", "zh_readings_many"]


def _version() -> str:
    """The sources of this module, its rules and word list (``zh_rules.py``) and the way g2pM is run
    (``g2pm.py``), and the versions of the models and dictionaries it reads: any change of output
    changes it."""
    import hashlib
    from importlib import metadata
    from pathlib import Path

    here = Path(__file__).parent
    sources = b"".join((here / name).read_bytes() for name in ("zh_readings.py", "zh_rules.py", "g2pm.py"))
    digest = hashlib.sha256(sources).hexdigest()[:12]
    versions = []
    for package in ("g2pM", "pypinyin", "jieba"):
        try:
            versions.append(f"{package}-{metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package}-none")
    return "+".join([f"zh-readings-{digest}", *versions])


def __getattr__(name: str) -> str:
    """``VERSION``, computed on first use (finding the packages' versions takes tens of ms)."""
    if name == "VERSION":
        globals()["VERSION"] = version = _version()
        return version
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


VERSION: str  # changes whenever a rule, word list, model or dictionary may change the readings

_SYLLABLE = re.compile(r"[a-z]+[1-5]")
# pypinyin's phrase dictionary writes 一 and 不 with the tones they are spoken with (一起 yi4 qi3).
_LEXICAL = {"一": "yi1", "不": "bu4"}
# Sentences are read one by one, as g2pM was trained; a comma does not end one.
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;\n]*|[。！？；!?;\n]+")


def zh_readings(text: str) -> list[str | None]:
    """One pinyin syllable per character of ``text``: lowercase letters and a tone digit 1-5 (5 is
    the neutral tone), ü written ``v``; ``None`` for every character that is not a Hanzi (and for
    the rare Hanzi no dictionary knows). Give whole sentences or more: the context decides.

    The reading is the one in context (polyphones resolved) with *lexical* tones: no 3-3 sandhi,
    no 一/不 tone change (see ``surface_tones``). Deterministic.

    >>> zh_readings("我们一起走了。")
    ['wo3', 'men5', 'yi1', 'qi3', 'zou3', 'le5', None]
    """
    return _readings_many([text], RULES)[0]


def zh_readings_many(texts: list[str]) -> list[list[str | None]]:
    """:func:`zh_readings` of each text, worked out together (g2pM runs on all their sentences at
    once); each text's readings are what it gets alone."""
    return _readings_many(texts, RULES)


def _readings(text: str, active: tuple[Rule, ...]) -> list[str | None]:
    """``zh_readings`` with only the ``active`` rules (the bench measures each one)."""
    return _readings_many([text], active)[0]


def _readings_many(texts: list[str], active: tuple[Rule, ...]) -> list[list[str | None]]:
    outs: list[list[str | None]] = [[None] * len(text) for text in texts]
    chunks = [(k, m.start(), m.group()) for k, text in enumerate(texts) if any(is_hanzi(c) for c in text)
              for m in _SENTENCE.finditer(text) if any(is_hanzi(c) for c in m.group())]
    for (k, start, chunk), sentence in zip(chunks, analyse_all([chunk for _, _, chunk in chunks])):
        for i, char in enumerate(chunk):
            if not is_hanzi(char):
                continue
            reading = _LEXICAL.get(char) or _decide(sentence, i, active) or sentence.phrase[i] or _single(char)
            outs[k][start + i] = reading if reading and _SYLLABLE.fullmatch(reading) else None
    return outs


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
    """The 一/不 tone changes applied to ``readings`` (``zh_readings(text)``, one per character of
    ``text``), as a new list, for an engine that reads pinyin tones as given. 不 before a fourth
    tone is bu2; 一 is yi2 before a fourth tone and yi4 before the other tones, except where it
    counts (第一, 十一, 一九, 统一) or ends a phrase; between a repeated verb (看一看) it is neutral.

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
        if prev and prev == text[i + 1]:  # 看一看: between a repeated verb, 一 is neutral
            out[i] = "yi5"
            continue
        if prev in _ORDINAL_BEFORE or text[i + 1] in _NUMERALS_AFTER:
            continue
        out[i] = "yi2" if nxt.endswith("4") else "yi4"
    return out


# 一 keeps its first tone where it is a number that counts or ends a word: after these ...
_ORDINAL_BEFORE = set("第初十零〇一二三四五六七八九百千万周统唯")
# ... and before another digit.
_NUMERALS_AFTER = set("零〇一二三四五六七八九十")



# --- the sources ---------------------------------------------------------------------------------

def analyse_all(texts: list[str]) -> list[Sentence]:
    """Words, g2pM's readings and the dictionary's, for each sentence (g2pM runs on all at once)."""
    out = []
    for text, (model, sureness, candidates) in zip(texts, g2pm_readings(texts)):
        words, word_of = _words(text)
        phrase: list[str | None] = [None] * len(text)
        common: list[int] = [0] * len(text)
        for start, end, _ in words:
            for a, b, readings in _dictionary_words(text[start:end]):
                count = _jieba()[0].FREQ.get(text[start + a:start + b], 0)
                for k in range(a, b):
                    phrase[start + k], common[start + k] = readings[k - a], count
        out.append(Sentence(text, words, word_of, model, sureness, candidates, tuple(phrase), tuple(common)))
    return out


def _dictionary_words(word: str) -> list[tuple[int, int, list[str]]]:
    """(start, end, readings) of the phrase-dictionary words covering ``word``: itself if listed,
    else the longest listed words from left to right."""
    phrases = _phrases()
    found, start = [], 0
    while start < len(word) - 1:
        for end in range(len(word), start + 1, -1):
            entry = phrases.get(word[start:end])
            if entry and len(entry) == end - start:
                found.append((start, end, [_tone3(e[0]) for e in entry]))
                start = end
                break
        else:
            start += 1
    return found


def _single(char: str) -> str | None:
    """pypinyin's first reading of a character, outside any word."""
    entry = _characters().get(ord(char))
    return _tone3(entry.split(",")[0]) if entry else None


@functools.cache
def _characters() -> dict:
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@functools.lru_cache(maxsize=4096)
def _tone3(syllable: str) -> str:
    from pypinyin import Style
    from pypinyin.style import convert

    reading = convert(syllable, Style.TONE3, strict=False, neutral_tone_with_five=True).replace("ü", "v")
    return reading if reading[-1:].isdigit() else reading + "5"


def _words(text: str) -> tuple[tuple[tuple[int, int, str], ...], tuple[int, ...]]:
    """jieba's words (dictionary only, no HMM guessing) with the part of speech its dictionary gives
    them: "x" for punctuation, "eng" for Latin letters and digits, "un" for words it lacks."""
    tokenizer, tags = _jieba()
    words, word_of, start = [], [], 0
    for token in tokenizer.lcut(text, HMM=False):
        end = start + len(token)
        word_of += [len(words)] * len(token)
        tag = tags.get(token) or ("un" if is_hanzi(token[0]) else "eng" if token.isalnum() else "x")
        words.append((start, end, tag))
        start = end
    if start != len(text):  # pragma: no cover - jieba keeps every character
        return tuple((k, k + 1, "x") for k in range(len(text))), tuple(range(len(text)))
    return tuple(words), tuple(word_of)


@functools.cache
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt, word_tags(jieba.dt)


def word_tags(tokenizer) -> dict[str, str]:
    """The part of speech jieba's dictionary gives each of its words: ``jieba.posseg``'s table,
    read here from the same file in a third of the time (importing ``jieba.posseg`` loads its HMM
    tables too; together 0.5 s, most of the front end's start-up)."""
    with tokenizer.get_dict_file() as source:
        lines = source.read().decode("utf-8").splitlines()
    return dict(line.split(" ")[::2] for line in lines if line.count(" ") == 2)


@functools.cache
def _phrases() -> dict:
    from pypinyin.phrases_dict import phrases_dict

    return phrases_dict

