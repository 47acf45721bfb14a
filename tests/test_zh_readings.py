"""Mandarin readings: hand-labelled polyphones of the bundled panel, tricky cases, the 一/不 tone
changes, and the contract (one entry per character, pinyin with a tone digit for each Hanzi)."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio_pipeline.frontend.zh_readings import VERSION, is_hanzi, surface_tones, zh_readings, zh_readings_many
from audio_pipeline.settings import example_transcript

# The first 60 occurrences in the panel of a character that the CPP dev split reads two ways or
# more, each labelled by hand: the context (the character in brackets), its reading, and why.
PANEL_FIRST = [
    ("克利分[校]）", "xiao4", "分校: branch school, not 校对 jiao4"),
    ("A: [观]众", "guan1", "观众: audience, not 道观 guan4"),
    ("会汇集[了] ML", "le5", "aspect particle after the verb 汇集"),
    ("我想[更]多地转", "geng4", "adverb 'more', not 更新 geng1"),
    ("想更多[地]转向系", "de5", "adverbial 地 between 更多 and the verb 转向"),
    ("克利并[行]实验室", "xing2", "并行: parallel, not a trade (hang2)"),
    ("踢出来[了]。", "le5", "sentence-final particle"),
    ("的主基[地]。", "di4", "基地: base, a noun"),
    ("域，也[将]一直在", "jiang1", "future marker 'will', not 将领 jiang4"),
    ("安全，[过]去从事", "guo4", "过去: the past"),
    ("研究概[率]方法。", "lv4", "概率: probability, not 率领 shuai4"),
    ("我转向[了]系统。", "le5", "aspect particle after 转向"),
    ("转向成[为]一个做", "wei2", "成为: to become"),
    ("们看到[了]大量需", "le5", "aspect particle after 看到"),
    ("到了大[量]需要大", "liang4", "大量: a large amount, not 量体温 liang2"),
    ("大量需[要]大量开", "yao4", "需要: to need"),
    ("需要大[量]开发工", "liang4", "大量 again"),
    ("的研究[角]色是什", "jue2", "角色: role"),
    ("角色是[什]么？", "shen2", "什么: what"),
    ("可以进[行]怎样的", "xing2", "进行: to carry out"),
    ("次的回[答]。", "da2", "回答: answer, not 答应 da1"),
    ("[尽]管恭维", "jin3", "尽管: although"),
    ("恭维不[尽]，我们", "jin4", "不尽: endless, the verb 尽 jin4"),
    ("谷歌做[了]很多好", "le5", "aspect particle after 做"),
    ("了很多[好]工作，", "hao3", "adjective 'good', not 爱好 hao4"),
    (" 推出[了]两个 ", "le5", "aspect particle after 推出"),
    ("底改变[了]这一领", "le5", "aspect particle after 改变"),
    ("神奇之[地]，而工", "di4", "神奇之地: a magical place, a noun"),
    ("它们的[地]方。", "di4", "地方: place"),
    ("一些例[子]。", "zi5", "例子: the noun suffix is neutral"),
    ("势，因[为]你会花", "wei4", "因为: because"),
    ("这[将]在长期", "jiang1", "future marker"),
    ("这将在[长]期内获", "chang2", "长期: long-term, not 长大 zhang3"),
    ("[长]期来看", "chang2", "长期 again"),
    ("习算法[将]被设计", "jiang1", "future marker"),
    ("成不需[要]参数。", "yao4", "需要: to need"),
    ("不需要[参]数。", "can1", "参数: parameter, not 人参 shen1"),
    ("们消除[了]这个超", "le5", "aspect particle after 消除"),
    ("这个超[参]数”。", "can1", "超参数: hyperparameter"),
    ("[当]它们变", "dang1", "当…时: when, not 适当 dang4"),
    ("它们变[得]更自动", "de5", "变得: to become, the complement marker is neutral"),
    ("们变得[更]自动化", "geng4", "adverb 'more'"),
    ("动化、[更]高效时", "geng4", "adverb 'more'"),
    ("的事情[将]会发生", "jiang1", "future marker"),
    ("势，因[为]你将以", "wei4", "因为: because"),
    ("因为你[将]以正确", "jiang1", "future marker"),
    ("一个例[子]是，机", "zi5", "例子: neutral suffix"),
    ("，我们[将]把任何", "jiang1", "future marker"),
    ("们将把[任]何刚学", "ren4", "任何: any"),
    ("模型视[为]固有破", "wei2", "视为: to regard as (copula 为)"),
    ("的，因[为]数据收", "wei4", "因为: because"),
    ("和部署[过]程的一", "guo4", "过程: process"),
    ("化并变[得]无关紧", "de5", "变得: to become"),
    ("无关紧[要]。", "yao4", "无关紧要: unimportant"),
    ("式是你[与]世界互", "yu3", "与: with, not 参与 yu4"),
    ("很容易[地]进行研", "de5", "adverbial 地 after 很容易, before 进行"),
    ("易地进[行]研究，", "xing2", "进行: to carry out"),
    ("中，最[好]不要筹", "hao3", "最好: had better"),
    ("最好不[要]筹集大", "yao4", "不要: do not"),
    ("筹集大[量]资金；", "liang4", "大量: a large amount"),
]

# Further into the panel: the places where g2pM, pypinyin or eSpeak NG alone go wrong.
PANEL_HARD = [
    ("我们与[行]业建立", "hang2", "行业: industry"),
    ("都不擅[长]评估", "chang2", "擅长: to be good at"),
    ("的一部[分]。", "fen4", "部分: part (fen4 in the word, not the verb fen1)"),
    ("它值[得]新的会议", "de5", "值得: to be worth"),
    ("我觉[得]这很令人", "de5", "觉得: to feel"),
    ("系统设计[得]正确", "de5", "complement marker after the verb 设计"),
    ("我会[得]视觉偏头痛", "de2", "得 after a modal: to get (an illness)"),
    ("只是[为]他们提供", "wei4", "preposition 'for' before a verb phrase"),
    ("我们将[为]分布式", "wei4", "preposition 'for'"),
    ("他们[为]流行的作者", "wei4", "preposition 'for'"),
    ("所有东西[都]在", "dou1", "adverb 'all', not 首都 du1"),
    ("我们[还]远远没有", "hai2", "adverb 'still', not 归还 huan2"),
    ("我们如何[调]试这些", "tiao2", "调试: to debug"),
    ("随机权[重]编码", "zhong4", "权重: weight"),
    ("导致了[卷]积神经", "juan3", "卷积: convolution"),
    ("学习[曲]线的阶段", "qu1", "曲线: curve"),
    ("很大的方[差]。", "cha1", "方差: variance"),
    ("两个[了]解此事", "liao3", "了解: to understand"),
    ("一个[了]不起的见解", "liao3", "了不起: remarkable"),
    ("硬编码[了]结构化", "le5", "aspect particle, although 了结 is a word"),
    ("努力[弄]清楚真正", "nong4", "弄清楚: to figure out"),
    ("的事情，[处]于技术", "chu3", "处于: to be in (a state)"),
    ("能够得到适[当]分配", "dang4", "适当: appropriate"),
    ("这种[好]奇心导致", "hao4", "好奇心: curiosity"),
    ("酒吧凳[子]。", "zi5", "凳子: neutral suffix"),
    ("你从[重]叠的领域", "chong2", "重叠: to overlap"),
    ("多少次[重]写规则", "chong2", "重写: to rewrite"),
    ("我们只[要]求十个", "yao1", "要求: to require"),
    ("更恰当[地]停车", "de5", "adverbial 地 after 恰当"),
    ("它根本不会很好[地]工作", "de5", "adverbial 地 after 很好"),
    ("获得更[好]的解决方案", "hao3", "adjective 'better'"),
    ("它[更]像是一个", "geng4", "adverb 'more'"),
    ("在伯克利[教]授数据", "jiao1", "教授 with an object: to teach"),
    ("我[教]了 2", "jiao1", "the verb 教, to teach"),
    ("或者我可以[教]我的特", "jiao1", "the verb 教 after a modal"),
    ("每一[行]代码都", "hang2", "行 counts lines of code"),
    ("我们能在一[行]中编写", "hang2", "一行: one line"),
    ("我们都在成[长]。", "zhang3", "成长: to grow"),
    ("朴素贝叶斯[分]类器", "fen1", "分类器: classifier"),
]


def _panel_lines() -> list[str]:
    return example_transcript().read_text(encoding="utf-8").splitlines()


def _reading_in_panel(context: str) -> str | None:
    """The reading of the bracketed character, read (as a render does) with its whole line."""
    plain = context.replace("[", "").replace("]", "")
    offset = context.index("[")
    matches = [line for line in _panel_lines() if plain in line]
    assert len(matches) >= 1, f"{context!r} is not in the panel"
    line = matches[0]
    return zh_readings(line)[line.index(plain) + offset]


def test_texts_read_together_get_the_readings_each_gets_alone():
    """A render reads many texts at once (g2pM runs their sentences in batches of about the same
    length, with other texts' sentences): each text still gets the readings it gets alone. (g2pM's
    probabilities can differ in their last bit with a batch's size, far below anything a choice
    turns on.)"""
    lines = [line for line in _panel_lines() if any(is_hanzi(c) for c in line)]
    assert len(lines) > 50
    assert zh_readings_many(lines) == [zh_readings(line) for line in lines]
    assert zh_readings_many([]) == [] and zh_readings_many(["", "abc"]) == [[], [None, None, None]]


@pytest.mark.parametrize(("context", "expected", "reason"), PANEL_FIRST + PANEL_HARD,
                         ids=[c for c, _, _ in PANEL_FIRST + PANEL_HARD])
def test_panel_polyphones_labelled_by_hand(context, expected, reason):
    assert _reading_in_panel(context) == expected, reason


@pytest.mark.parametrize(("text", "char", "expected"), [
    ("他递交了结案报告。", "了", ["le5"]),  # 了 + 结案, not the word 了结
    ("这件事终于了结了。", "了", ["liao3", "le5"]),  # 了结: to settle; then the particle
    ("他在行政部门工作。", "行", ["xing2"]),  # 行政, not 在行
    ("银行的行长来了。", "行", ["hang2", "hang2"]),
    ("他很在行。", "行", ["hang2"]),  # 在行: expert at
    ("我们一起步行回家。", "行", ["xing2"]),
    ("他被视为英雄。", "为", ["wei2"]),  # copula after a verb
    ("我们为你骄傲。", "为", ["wei4"]),  # preposition 'for'
    ("他慢慢地走过来。", "地", ["de5"]),
    ("这块地很肥沃。", "地", ["di4"]),
    ("他跑得很快。", "得", ["de5"]),  # complement marker
    ("他得了第一名。", "得", ["de2"]),  # to obtain
    ("我得走了。", "得", ["dei3"]),  # must
    ("头发很长。", "长", ["chang2"]),  # adjective after 很
    ("他是我们的校长。", "长", ["zhang3"]),
    ("这个箱子很重。", "重", ["zhong4"]),
    ("他重新开始了。", "重", ["chong2"]),
    ("我们都是学生。", "都", ["dou1"]),
    ("北京是中国的首都。", "都", ["du1"]),
    ("他看着我。", "着", ["zhe5"]),
    ("他睡着了。", "着", ["zhao2"]),
    ("我还没吃饭。", "还", ["hai2"]),
    ("请把书还给我。", "还", ["huan2"]),
    ("音乐很好听。", "乐", ["yue4"]),
    ("他很快乐。", "乐", ["le4"]),
    ("我和你。", "和", ["he2"]),
    ("我觉得很好。", "觉", ["jue2"]),
    ("他睡了一觉。", "觉", ["jiao4"]),
    ("只有一只猫。", "只", ["zhi3", "zhi1"]),
    ("我们需要调试这个程序。", "调", ["tiao2"]),
    ("他被调到北京工作。", "调", ["diao4"]),
    ("他教我们数学。", "教", ["jiao1"]),
    ("他是大学教授。", "教", ["jiao4"]),
    ("宗教和教育。", "教", ["jiao4", "jiao4"]),
])
def test_tricky_polyphones(text, char, expected):
    readings = zh_readings(text)
    assert [r for c, r in zip(text, readings) if c == char] == expected


def test_lexical_tones_for_yi_and_bu():
    # pypinyin's phrase dictionary writes 一起 yi4 qi3 and 不要 bu2 yao4: the readings are lexical.
    assert zh_readings("我们一起走，不要跑。") == ["wo3", "men5", "yi1", "qi3", "zou3", None,
                                                 "bu4", "yao4", "pao3", None]


@pytest.mark.parametrize(("text", "expected"), [
    ("不是", ["bu2", "shi4"]),
    ("不好", ["bu4", "hao3"]),
    ("一个", ["yi2", "ge4"]),
    ("一天", ["yi4", "tian1"]),
    ("第一次", ["di4", "yi1", "ci4"]),
    ("统一的", ["tong3", "yi1", "de5"]),
    ("一九九七", ["yi1", "jiu3", "jiu3", "qi1"]),
    ("说一", ["shuo1", "yi1"]),
    ("看一看", ["kan4", "yi5", "kan4"]),
])
def test_surface_tones(text, expected):
    assert surface_tones(zh_readings(text), text) == expected


def test_surface_tones_is_pure():
    readings = zh_readings("不是")
    surface_tones(readings, "不是")
    assert readings == ["bu4", "shi4"]


def test_non_hanzi_are_none():
    assert zh_readings("ML 和 GPU，2017年") == [None] * 3 + ["he2"] + [None] * 9 + ["nian2"]
    assert zh_readings("") == []
    assert zh_readings("plain English") == [None] * len("plain English")


def test_version_is_a_string():
    assert isinstance(VERSION, str) and VERSION


_SYLLABLE = re.compile(r"[a-z]+[1-5]")


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("的地得了为都着还行长重只乐和觉一不银子 ，。ABC12")), max_size=30))
def test_contract_one_syllable_per_hanzi(text):
    readings = zh_readings(text)
    assert len(readings) == len(text)
    for char, reading in zip(text, readings):
        if "\u4e00" <= char <= "\u9fff":
            assert reading is not None and _SYLLABLE.fullmatch(reading)
            assert "ü" not in reading
        else:
            assert reading is None
    assert zh_readings(text) == readings  # deterministic


def test_word_tags_are_jieba_posseg_s_own():
    import jieba
    import jieba.posseg

    from audio_pipeline.frontend.zh_readings import word_tags

    jieba.initialize()
    assert word_tags(jieba.dt) == jieba.posseg.dt.word_tag_tab
