"""The language a transcript is in, as a short BCP-47 code (``en``, ``zh``, ``de``)."""

from __future__ import annotations

import re

#: Below this many letters a guess is noise; such transcripts are taken to be English.
_MIN_LETTERS = 24
# English function words: over a fifth of the words in any English speech, a few percent elsewhere.
_ENGLISH = frozenset("the and to of a is that you it in i we this for on with be are was have so but "
                     "not they what do just like it's i'm".split())


def normalize_language(value: str) -> str:
    """``en-US`` → ``en``, ``zh_Hans_CN`` → ``zh``, ``English`` → ``en``; '' if not a language."""
    value = value.strip().lower().replace("_", "-")
    if not value:
        return ""
    names = {"english": "en", "chinese": "zh", "mandarin": "zh", "german": "de", "deutsch": "de",
             "french": "fr", "français": "fr", "spanish": "es", "español": "es", "japanese": "ja",
             "中文": "zh", "汉语": "zh", "普通话": "zh"}
    if value in names:
        return names[value]
    primary = value.split("-")[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


def detect_language(text: str) -> str:
    """The language of the speech: ``zh`` when CJK ideographs dominate, ``en`` when English function
    words make up over a fifth of the words, else py3langid's guess.

    >>> detect_language("我们今天讨论机器学习系统。"), detect_language("Hi.")
    ('zh', 'en')
    """
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if cjk > latin / 4 and cjk:
        return "zh"
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS:
        return "en"
    words = re.findall(r"[a-z']+", text[:4000].lower())
    if words and sum(w in _ENGLISH for w in words) / len(words) > 0.2:
        return "en"  # plainly English: spare loading the model
    import py3langid  # its model ships in the wheel; loading it takes about half a second, so only on need

    code, _score = py3langid.classify(text[:4000])
    return code
