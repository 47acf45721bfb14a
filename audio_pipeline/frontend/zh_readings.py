"""Mandarin readings in context: one pinyin syllable with a tone digit per Hanzi.

Three sources, each where measurement says it is best (``bench/pronounce``):

* g2pM, a small BiLSTM trained on the CPP benchmark (numpy weights in its wheel), reads every
  polyphone (多音字) in the context of its sentence;
* words: jieba cuts the sentence into words, and pypinyin's phrase dictionary gives a word's
  reading; it overrides g2pM where g2pM is less than sure of its choice or the word is common;
* rules for the function words that both get wrong in speech-like text (地, 得, 为, 都, 还, …) and
  a short word list of our own.

Every other Hanzi is read by pypinyin's dictionaries (its word's reading, else the character's
first). Models and dictionaries load lazily, once per process (about 1 s, jieba's the most).

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


def _version() -> str:
    """This module's source (its rules and word list) and the versions of the models and
    dictionaries it reads: any change of output changes it."""
    import hashlib
    from importlib import metadata
    from pathlib import Path

    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
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
    return _readings(text, RULES)


def _readings(text: str, active: tuple[Rule, ...]) -> list[str | None]:
    """``zh_readings`` with only the ``active`` rules (the bench measures each one)."""
    out: list[str | None] = [None] * len(text)
    if not any(is_hanzi(c) for c in text):
        return out
    chunks = [(m.start(), m.group()) for m in _SENTENCE.finditer(text) if any(is_hanzi(c) for c in m.group())]
    for (start, chunk), sentence in zip(chunks, analyse_all([chunk for _, chunk in chunks])):
        for i, char in enumerate(chunk):
            if not is_hanzi(char):
                continue
            reading = _LEXICAL.get(char) or _decide(sentence, i, active) or sentence.phrase[i] or _single(char)
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

#: Below this probability of its own choice, g2pM gives way to the word's dictionary reading ...
SURE = 0.95
#: ... and so it does, sure or not, in a word at least this common (jieba's word count).
COMMON = 100


@dataclass(frozen=True)
class Sentence:
    """What the rules see of one sentence: its text, words (jieba, with part of speech), and per
    character g2pM's reading and its probability, the readings a polyphone can have, and the
    reading of the dictionary word it stands in (None outside a word of the phrase dictionary):
    the jieba word itself, else the longest dictionary words inside it (学习曲线: 曲线)."""

    text: str
    words: tuple[tuple[int, int, str], ...]  # start, end, part of speech
    word_of: tuple[int, ...]  # index into words, per character
    model: tuple[str | None, ...]
    sureness: tuple[float, ...]
    candidates: tuple[tuple[str, ...], ...]
    phrase: tuple[str | None, ...]
    common: tuple[int, ...]  # how common that dictionary word is (jieba's count; 0: unknown)

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


def analyse_all(texts: list[str]) -> list[Sentence]:
    """Words, g2pM's readings and the dictionary's, for each sentence (g2pM runs on all at once)."""
    out = []
    for text, (model, sureness, candidates) in zip(texts, _g2pm(texts)):
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


def _g2pm(texts: list[str]):
    """Per sentence: g2pM's reading of each polyphone, the probability it gives it, and the
    polyphone's possible readings (empty for other characters)."""
    import numpy as np

    model = _g2pm_model()
    unknown, begin, end = model.char2idx["<UNK>"], model.char2idx["시"], model.char2idx["끝"]
    sequences, targets = [], []
    for text in texts:
        # g2pM's own framing: begin and end tokens around the sentence.
        sequences.append([begin, *(model.char2idx.get(c, unknown) for c in text), end])
        targets.append([i for i, c in enumerate(text) if len(model.cedict.get(c, ())) > 1])
    logits = _logits(model, sequences, targets) if any(targets) else [None] * len(texts)
    out = []
    for text, polys, rows in zip(texts, targets, logits):
        readings: list[str | None] = [None] * len(text)
        sureness = [1.0] * len(text)
        candidates: list[tuple[str, ...]] = [()] * len(text)
        for row, i in zip(rows if rows is not None else (), polys):
            probs = np.exp(row - row.max())
            best = int(np.argmax(row))
            readings[i] = model.idx2class[best].replace("u:", "v")
            sureness[i] = float(probs[best] / probs.sum())
            candidates[i] = tuple(c.replace("u:", "v") for c in model.cedict[text[i]])
        out.append((tuple(readings), tuple(sureness), tuple(candidates)))
    return out


def _logits(model, sequences: list[list[int]], targets: list[list[int]]):
    """g2pM's BiLSTM and classifier on a batch of sentences, returning logits for the target
    positions (+1 for the begin token) of each. Its own ``predict`` runs one sentence at a time,
    gives only the argmax, and projects the inputs step by step: this does it all at once."""
    import numpy as np

    lengths = [len(seq) for seq in sequences]
    steps = max(lengths)
    forward = np.zeros((len(sequences), steps), dtype=np.int64)
    backward = np.zeros_like(forward)
    for b, seq in enumerate(sequences):
        forward[b, :len(seq)] = seq
        backward[b, :len(seq)] = seq[::-1]
    w = model
    fw = _lstm(w.embeddings[forward], w.weight_ih, w.weight_hh, w.bias_ih + w.bias_hh)
    bw = _lstm(w.embeddings[backward], w.weight_ih_reverse, w.weight_hh_reverse,
               w.bias_ih_reverse + w.bias_hh_reverse)
    out = []
    for b, (length, polys) in enumerate(zip(lengths, targets)):
        if not polys:
            out.append(None)
            continue
        at = np.array(polys) + 1
        hidden = np.concatenate([fw[b, at], bw[b, length - 1 - at]], axis=1)
        out.append(model.fc_layer(hidden))
    return out


def _lstm(inputs, w_ih, w_hh, bias):
    """One LSTM direction (PyTorch gate order i, f, g, o) over a batch; hidden states per step.
    sigmoid(x) = (1 + tanh(x/2)) / 2, so the halving is folded into the weights and each step
    takes one tanh for all four gates."""
    import numpy as np

    size = w_hh.shape[1]
    scale = np.full(4 * size, 0.5)
    scale[2 * size:3 * size] = 1.0
    projected = (inputs @ w_ih.T + bias) * scale
    recurrent = w_hh.T * scale
    h = np.zeros((inputs.shape[0], size))
    c = np.zeros_like(h)
    out = np.empty((inputs.shape[0], inputs.shape[1], size))
    for t in range(inputs.shape[1]):
        gates = np.tanh(projected[:, t] + h @ recurrent)
        gates[:, :2 * size] += 1.0
        gates[:, 3 * size:] += 1.0
        c = 0.5 * gates[:, size:2 * size] * c + 0.5 * gates[:, :size] * gates[:, 2 * size:3 * size]
        h = 0.5 * gates[:, 3 * size:] * np.tanh(c)
        out[:, t] = h
    return out


@functools.cache
def _g2pm_model():
    from g2pM import G2pM

    return G2pM()


# --- the rules -----------------------------------------------------------------------------------

Rule = Callable[[Sentence, int], "str | None"]

#: Words whose reading pypinyin's phrase dictionary lacks or gets wrong, read as in 现代汉语词典.
WORDS = {
    "样子": "yang4 zi5", "卷积": "juan3 ji1", "方差": "fang1 cha1", "工作坊": "gong1 zuo4 fang1",
    "处在": "chu3 zai4", "弄清楚": "nong4 qing1 chu5", "弄清": "nong4 qing1", "更好": "geng4 hao3",
    "在行": "zai4 hang2", "一觉": "yi1 jiao4", "午觉": "wu3 jiao4",
    "行代码": "hang2 dai4 ma3", "一行代码": "yi1 hang2 dai4 ma3", "一行中": "yi1 hang2 zhong1",
}


def own_words(s: Sentence, i: int) -> str | None:
    """Our own word list (``WORDS``), for a word jieba cuts out whole or in whole words."""
    for word, readings in WORDS.items():
        start = s.text.find(word, max(0, i - len(word) + 1), i + len(word))
        while 0 <= start <= i:
            end = start + len(word)
            if end > i and _on_word_edges(s, start, end):
                return readings.split()[i - start]
            start = s.text.find(word, start + 1, i + len(word))
    return None


def _on_word_edges(s: Sentence, start: int, end: int) -> bool:
    return s.words[s.word_of[start]][0] == start and s.words[s.word_of[end - 1]][1] == end


def word_reading(s: Sentence, i: int) -> str | None:
    """The dictionary word's reading, where g2pM is not sure of its own or the word is common
    (银行 hang2, 因为 wei4, 行业 hang2)."""
    reading = s.phrase[i]
    if not reading or reading == s.model[i] or reading not in s.candidates[i]:
        return None
    return reading if s.sureness[i] < SURE or s.common[i] >= COMMON else None


def _alone(s: Sentence, i: int, char: str) -> bool:
    """Whether character i is ``char`` and jieba cut it out as a word of its own."""
    return s.text[i] == char and s.word(i) == char


def adverbial_de(s: Sentence, i: int) -> str | None:
    """地 after an adverbial and before its verb is the particle de5 (容易地进行, 不断地拆除);
    after a place word or before a pause it is the noun di4 (神奇之地，, 等地，)."""
    if not _alone(s, i, "地"):
        return None
    before, tag = s.neighbour(i, -1)
    after, _ = s.neighbour(i, 1)
    if not after or not is_hanzi(after[0]) or not before or not is_hanzi(before[-1]):
        return None
    if before in _SHORT_ADVERBIALS:
        return "de5"
    if tag in _PLACE_TAGS or before[-1] in "之此该等各两本外内原异基":
        return None
    return "de5" if len(before) > 1 else None


_SHORT_ADVERBIALS = {"多", "好", "快", "慢", "早"}  # 更多地, 很好地


_PLACE_TAGS = {"ns", "nr", "nt", "nz", "f", "s", "m", "q", "r", "x", "eng"}


def complement_de(s: Sentence, i: int) -> str | None:
    """得 between a verb or adjective and its complement is de5 (设计得正确, 做得不好); between a
    pronoun and a verb it is "must", dei3 (我得走了); after a modal it is the verb de2 (会得偏头痛)."""
    if not _alone(s, i, "得"):
        return None
    before, tag = s.neighbour(i, -1)
    after, after_tag = s.neighbour(i, 1)
    if not after or not is_hanzi(after[0]) or before in _MODALS:
        return None
    if tag == "r" and after_tag == "v" and after != "了":
        return "dei3"
    return "de5" if tag in {"v", "vn", "vd", "a", "ad", "an", "i", "l"} else None


_MODALS = {"会", "能", "要", "可能", "可以", "应该", "将", "想", "愿意", "必须", "就", "才", "也", "都", "没", "不", "只"}


def preposition_wei(s: Sentence, i: int) -> str | None:
    """为 alone, not after a verb, with a verb or adjective later in its clause is the preposition
    wei4 (为他们提供工具, 将为系统编写算法, 为你骄傲); ``X为Y`` and ``V为`` are left to the model (wei2)."""
    if not _alone(s, i, "为"):
        return None
    _, tag = s.neighbour(i, -1)
    if tag in {"v", "vn", "vd"}:
        return None
    k = s.word_of[i] + 1
    seen = 0
    while k < len(s.words) and s.words[k][2] != "x":
        if s.words[k][2] in {"v", "vn", "a"} and seen:
            return "wei4"
        seen += 1
        k += 1
    return None


def adverb(s: Sentence, i: int) -> str | None:
    """The adverbs 都 dou1, 还 hai2, 更 geng4 where jieba cuts them out as adverbs (所有东西都在,
    我们还远远没有, 更像); 首都, 还原, 更新 are words of their own."""
    char = s.text[i]
    if char not in _ADVERBS or not _alone(s, i, char) or s.tag(i) != "d":
        return None
    after, _ = s.neighbour(i, 1)
    if char == "还" and after[:1] in set("给钱款债清原手击乡俗魂"):
        return None
    return _ADVERBS[char]


_ADVERBS = {"都": "dou1", "还": "hai2", "更": "geng4"}


def after_degree(s: Sentence, i: int) -> str | None:
    """长, 重 and 好 alone after a degree adverb are adjectives: chang2, zhong4, hao3 (头发很长)."""
    char = s.text[i]
    if char not in _ADJECTIVES or not _alone(s, i, char):
        return None
    before, _ = s.neighbour(i, -1)
    return _ADJECTIVES[char] if before in _DEGREE else None


_ADJECTIVES = {"长": "chang2", "重": "zhong4", "好": "hao3"}
_DEGREE = {"很", "太", "更", "最", "非常", "特别", "比较", "较", "那么", "这么", "多么", "挺", "极", "十分", "越来越"}


def verb_jiao(s: Sentence, i: int) -> str | None:
    """教 as the verb "teach" is jiao1: alone after a subject, adverb or modal, or before its
    object (我教了, 可以教我的学生); 教授 before its object too (教授数据科学), not the professor."""
    if s.text[i] != "教":
        return None
    before, before_tag = s.neighbour(i, -1)
    after, after_tag = s.neighbour(i, 1)
    if s.word(i) == "教":
        if before_tag in {"r", "d"} or before in _MODALS or after_tag == "r" or after in {"了", "过", "着"}:
            return "jiao1"
    elif s.word(i) == "教授":
        k = s.word_of[i] + 1
        while k < len(s.words) and s.text[s.words[k][0]:s.words[k][1]].isspace():
            k += 1
        if k < len(s.words) and s.words[k][2] in {"n", "nz", "eng"} and \
                s.text[s.words[k][0]:s.words[k][1]] not in {"职位", "职称", "会", "们"}:
            return "jiao1"
    return None


def particle_le(s: Sentence, i: int) -> str | None:
    """了 alone is the particle le5 (编码了结构), except in ``V不了`` (liao3: 做不了)."""
    if not _alone(s, i, "了"):
        return None
    return "liao3" if i > 0 and s.text[i - 1] == "不" else "le5"


RULES: tuple[Rule, ...] = (own_words, adverbial_de, complement_de, preposition_wei, adverb,
                           after_degree, verb_jiao, particle_le, word_reading)
