"""Pass ``numbers``: digits said as words, the way a speaker of the voice's language reads them.

eSpeak NG reads every digit string as a cardinal: 2017年 comes out as 二千十七年, 10% as 十 and the
English word "percent". This pass writes years digit by digit (2017年 → 二零一七年), dates, times,
percentages, fractions, ranges, signs, thousands separators, ordinals and units out in words, with
cn2an for Chinese numerals and num2words for English, and 2 as 两 before a measure word.
"""

from __future__ import annotations

import re

from .tokens import EN, ZH, Draft, Token, claim

NAME, VERSION = "numbers", 2

_NUM = r"\d+(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?"
_DASH = r"\s*(?:-|–|—|~|～|至|到)\s*"
# One alternative per kind, most specific first; named groups say which matched.
_PATTERN = re.compile(
    r"(?<![A-Za-z\d.])(?:"
    rf"(?P<date>(?P<dy>\d{{4}})[-/.](?P<dm>\d{{1,2}})[-/.](?P<dd>\d{{1,2}})(?![\d.]))"
    rf"|(?P<yrange>(?P<y1>\d{{4}}){_DASH}(?P<y2>\d{{4}})(?=年))"
    r"|(?P<year>\d{4})(?=年(?!龄|纪|级|轻|薪|均|度|华))"
    r"|(?P<time>(?P<hh>\d{1,2})[:：](?P<mm>\d{2})(?:[:：](?P<ss>\d{2}))?(?!\d))"
    rf"|(?P<prange>(?P<p1>{_NUM})\s*[%％]?{_DASH}(?P<p2>{_NUM})\s*[%％])"
    rf"|(?P<percent>(?P<psign>[-+−])?(?P<pn>{_NUM})\s*[%％])"
    r"|(?P<frac>(?P<fa>\d+)/(?P<fb>\d+)(?![\d/]))"
    rf"|(?P<range>(?P<r1>{_NUM}){_DASH}(?P<r2>{_NUM}))"
    rf"|(?P<signed>(?P<sign>(?<![\w)])[-+−])(?P<sn>{_NUM}))"
    rf"|(?P<ordinal>(?P<on>\d+)(?P<osuf>st|nd|rd|th)\b)"
    rf"|(?P<number>{_NUM})"
    r")(?P<unit>\s?(?:km|kg|cm|mm|ms|GHz|MHz|°C|℃|x|×)(?![A-Za-z]))?"
)
_ZH_UNITS = {"km": "公里", "kg": "公斤", "cm": "厘米", "mm": "毫米", "ms": "毫秒", "GHz": "吉赫", "MHz": "兆赫",
             "°C": "摄氏度", "℃": "摄氏度", "x": "倍", "×": "倍"}
_EN_UNITS = {"km": "kilometres", "kg": "kilograms", "cm": "centimetres", "mm": "millimetres",
             "ms": "milliseconds", "GHz": "gigahertz", "MHz": "megahertz", "°C": "degrees Celsius",
             "℃": "degrees Celsius", "x": "times", "×": "times"}
# Measure words before which 2 is said 两 (2个 → 两个), but not after 第 (第2个 → 第二个).
_MEASURE = set("个位种次天件本张条只台名家层倍年周份句篇部辆架把块门项章节组类点步元斤米岁秒度克吨杯碗段批座棵"
               "匹套双对页栋间百千万亿小分")
_ZH_DIGITS = "零一二三四五六七八九"


def run(draft: Draft, lexicon=None) -> Draft:
    """Claim every number of the raw tokens and say it in words."""
    if draft.lang in ("zh", "yue"):
        return claim(draft, _PATTERN, lambda m, at: _zh_token(m, at, draft.text))
    if draft.lang == "en":
        return claim(draft, _PATTERN, lambda m, at: _token(m, at, EN, _en_words(m)))
    return draft


def _token(m: re.Match[str], at: int, kind: str, say: str | None) -> Token | None:
    if say is None:
        return None
    return Token(at + m.start(), at + m.end(), m[0], kind, say, say if kind == EN else "", by=NAME)


def _zh_token(m: re.Match[str], at: int, text: str) -> Token | None:
    say = _zh_words(m, text[at + m.end():at + m.end() + 1], text[max(0, at + m.start() - 1):at + m.start()])
    return _token(m, at, ZH, say)


def zh_number(digits: str) -> str:
    """A number in Chinese words (thousands separators allowed).

    >>> zh_number("2,000"), zh_number("12000"), zh_number("3.5"), zh_number("15"), zh_number("007")
    ('两千', '一万两千', '三点五', '十五', '零零七')
    """
    import cn2an

    digits = digits.replace(",", "")
    whole = digits.split(".")[0]
    if len(whole) > 1 and whole.startswith("0") or len(whole) > 16:
        return zh_digits(digits)
    words = cn2an.an2cn(digits, "low")
    return re.sub(r"(?<![十\d])二(?=[千万亿])", "两", words)


def zh_digits(digits: str) -> str:
    """Digit by digit, as years and codes are read: ``2017`` → 二零一七."""
    return "".join(_ZH_DIGITS[int(c)] if c.isdigit() else "点" if c == "." else "" for c in digits)


def _zh_words(m: re.Match[str], after: str, before: str) -> str | None:
    unit = _ZH_UNITS.get((m["unit"] or "").strip(), "")
    if m["date"]:
        month, day = int(m["dm"]), int(m["dd"])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return f"{zh_digits(m['dy'])}年{zh_number(str(month))}月{zh_number(str(day))}日"
    if m["yrange"]:
        return f"{zh_digits(m['y1'])}到{zh_digits(m['y2'])}"
    if m["year"]:
        return zh_digits(m["year"])
    if m["time"]:
        hh, mm = int(m["hh"]), int(m["mm"])
        if hh > 24 or mm > 59:
            return None
        minutes = "" if mm == 0 else f"零{zh_number(str(mm))}分" if mm < 10 else f"{zh_number(str(mm))}分"
        seconds = f"{zh_number(str(int(m['ss'])))}秒" if m["ss"] and int(m["ss"]) else ""
        hours = "两" if hh == 2 else zh_number(str(hh))
        return f"{hours}点{minutes}{seconds}" if minutes or seconds else f"{hours}点"
    if m["prange"]:
        return f"百分之{zh_number(m['p1'])}到百分之{zh_number(m['p2'])}"
    if m["percent"]:
        sign = {"-": "负", "−": "负", "+": "正"}.get(m["psign"] or "", "")
        return f"{sign}百分之{zh_number(m['pn'])}"
    if m["frac"]:
        return f"{zh_number(m['fb'])}分之{zh_number(m['fa'])}"
    if m["range"]:
        return f"{zh_number(m['r1'])}到{_zh_counted(m['r2'], after, before)}{unit}"
    if m["signed"]:
        return f"{'正' if m['sign'] == '+' else '负'}{zh_number(m['sn'])}{unit}"
    if m["ordinal"]:
        return None  # an English ordinal suffix: left to the English rules
    return f"{_zh_counted(m['number'], after if not unit else '倍' if unit == '倍' else '', before)}{unit}"


def _zh_counted(digits: str, after: str, before: str) -> str:
    """A cardinal; a lone 2 counting something (2个, not 第2个) is 两."""
    if digits == "2" and after in _MEASURE and before != "第":
        return "两"
    return zh_number(digits)


def _en_words(m: re.Match[str]) -> str | None:
    from num2words import num2words

    def n(text: str) -> str:
        text = text.replace(",", "")
        return num2words(float(text) if "." in text else int(text))

    unit = _EN_UNITS.get((m["unit"] or "").strip(), "")
    tail = f" {unit}" if unit else ""
    if m["date"]:
        month, day = int(m["dm"]), int(m["dd"])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        import calendar

        return f"{calendar.month_name[month]} {num2words(day, to='ordinal')}, {num2words(int(m['dy']), to='year')}"
    if m["year"] or m["yrange"]:
        return None  # 年 is not English
    if m["time"]:
        hh, mm = int(m["hh"]), int(m["mm"])
        if hh > 24 or mm > 59:
            return None
        return f"{n(str(hh))} o'clock" if mm == 0 else f"{n(str(hh))} {'oh ' if mm < 10 else ''}{n(str(mm))}"
    if m["prange"]:
        return f"{n(m['p1'])} to {n(m['p2'])} percent"
    if m["percent"]:
        sign = {"-": "minus ", "−": "minus ", "+": "plus "}.get(m["psign"] or "", "")
        return f"{sign}{n(m['pn'])} percent"
    if m["frac"]:
        a, b = int(m["fa"]), int(m["fb"])
        if b == 2:
            return f"{n(str(a))} half" if a == 1 else f"{n(str(a))} halves"
        if b == 0:
            return None
        return f"{n(str(a))} {num2words(b, to='ordinal')}{'s' if a != 1 else ''}"
    if m["range"]:
        return f"{n(m['r1'])} to {n(m['r2'])}{tail}"
    if m["signed"]:
        return f"{'plus' if m['sign'] == '+' else 'minus'} {n(m['sn'])}{tail}"
    if m["ordinal"]:
        return num2words(int(m["on"]), to="ordinal")
    if re.fullmatch(r"1[1-9]\d\d|20\d\d", m["number"]) and not unit:
        return num2words(int(m["number"]), to="year")
    return f"{n(m['number'])}{tail}"
