"""The numbers pass: Chinese and English numbers, dates, times and percentages in words.

Expected readings written by hand (the way a Mandarin newsreader says them); the comment says why
where eSpeak NG's own reading differs.
"""

from __future__ import annotations

import pytest

from audio_pipeline.frontend.chain import analyse
from audio_pipeline.frontend.numbers import run
from audio_pipeline.frontend.tokens import Draft


def said(text: str, lang: str = "zh") -> str:
    return "".join(t.say if t.by == "numbers" else t.text for t in run(Draft.start(text, lang)).tokens)


def readings(text: str) -> str:
    return " ".join(t.reading for t in analyse(text, "zh").tokens if t.kind == "zh")


ZH_CASES = [
    # (text, words, pinyin of the whole text)
    ("2017年", "二零一七年", "er4 ling2 yi1 qi1 nian2"),  # a year digit by digit, not 二千十七年
    ("1990年代", "一九九零年代", "yi1 jiu3 jiu3 ling2 nian2 dai4"),  # not 一千九百九十年代
    ("10%", "百分之十", "bai3 fen1 zhi1 shi2"),  # not 十 + English "percent"
    ("3.5%", "百分之三点五", "bai3 fen1 zhi1 san1 dian3 wu3"),
    ("20%-30%", "百分之二十到百分之三十", "bai3 fen1 zhi1 er4 shi2 dao4 bai3 fen1 zhi1 san1 shi2"),
    ("175公里", "一百七十五公里", "yi1 bai3 qi1 shi2 wu3 gong1 li3"),
    ("3.5倍", "三点五倍", "san1 dian3 wu3 bei4"),
    ("第2个", "第二个", "di4 er4 ge4"),  # an ordinal keeps 二
    ("2个人", "两个人", "liang3 ge4 ren2"),  # 2 counting something is 两
    ("2位老师", "两位老师", "liang3 wei4 lao3 shi1"),
    ("2017年3月5日", "二零一七年三月五日", "er4 ling2 yi1 qi1 nian2 san1 yue4 wu3 ri4"),
    ("2024-07-01", "二零二四年七月一日", "er4 ling2 er4 si4 nian2 qi1 yue4 yi1 ri4"),
    ("2017-2018年", "二零一七到二零一八年", "er4 ling2 yi1 qi1 dao4 er4 ling2 yi1 ba1 nian2"),
    ("下午3:05", "下午三点零五分", "xia4 wu3 san1 dian3 ling2 wu3 fen1"),
    ("9:30开会", "九点三十分开会", "jiu3 dian3 san1 shi2 fen1 kai1 hui4"),
    ("3/4的人", "四分之三的人", "si4 fen1 zhi1 san1 de5 ren2"),  # the denominator first
    ("10-20人", "十到二十人", "shi2 dao4 er4 shi2 ren2"),
    ("-5度", "负五度", "fu4 wu3 du4"),
    ("1,000,000元", "一百万元", "yi1 bai3 wan4 yuan2"),  # thousands separators
    ("2000人", "两千人", "liang3 qian1 ren2"),  # 两千, as it is said, not 二千
    ("12000", "一万两千", "yi1 wan4 liang3 qian1"),
    ("0.05", "零点零五", "ling2 dian3 ling2 wu3"),
    ("100km", "一百公里", "yi1 bai3 gong1 li3"),  # a unit in Chinese
    ("5x", "五倍", "wu3 bei4"),
    ("年龄25岁", "年龄二十五岁", "nian2 ling2 er4 shi2 wu3 sui4"),
    ("工作了17年", "工作了十七年", "gong1 zuo4 le5 shi2 qi1 nian2"),  # 17 years, not a year
]


@pytest.mark.parametrize("text, words, pinyin", ZH_CASES, ids=[c[0] for c in ZH_CASES])
def test_chinese_numbers_are_written_out_and_read(text, words, pinyin):
    assert said(text) == words
    assert readings(text) == pinyin


@pytest.mark.parametrize("text, words", [
    ("10% of them", "ten percent of them"),
    ("in 2017", "in twenty seventeen"),
    ("the 2nd time", "the second time"),
    ("at 10:30", "at ten thirty"),
    ("1,000 and 3.5", "one thousand and three point five"),
    ("3/4", "three fourths"),
    ("-5 or 10-20 km", "minus five or ten to twenty kilometres"),
])
def test_english_numbers_are_written_out(text, words):
    assert said(text, "en") == words


def test_digits_inside_latin_words_are_left_to_the_engine():
    assert said("GPT4 和 H100") == "GPT4 和 H100"


def test_other_languages_keep_their_digits():
    assert said("2017", "fr") == "2017"
