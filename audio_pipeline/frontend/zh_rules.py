"""Rules for the Mandarin readings that g2pM and the dictionaries get wrong in speech, and a short
word list of our own.

A rule looks at one polyphone of a :class:`Sentence` (its words with their parts of speech, g2pM's
reading and how sure it is, the dictionary word's reading) and returns a reading, or None to leave
the choice to the next rule and in the end to g2pM. :data:`RULES` lists them in the order they are
tried; ``bench/pronounce --rules`` measures what each one buys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
