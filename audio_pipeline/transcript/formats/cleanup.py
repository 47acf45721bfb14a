"""Text passes every reader shares: timestamps, markup, links, entities and stage directions.

Each reader finds speakers and turns in its own way, then hands the words of a turn to
:func:`clean_speech`, which returns only what is meant to be spoken plus the stage directions it
took out. Bare URLs are spoken as their domain (``github.com``), which keeps a sentence such as
"the code is on https://github.com/x/y" grammatical without reading the path aloud.
"""

from __future__ import annotations

import html
import re

# h:mm:ss(.f), mm:ss; a slip like "0: 00:14" (spaces around a colon) is still a timestamp.
_TS = r"\d{1,2}\s?:\s?\d{1,2}(?:\s?:\s?\d{1,2})?(?:[.,]\d{1,3})?"
TIMESTAMP = re.compile(_TS)
#: A timestamp, bare or in (escaped) brackets, at the start of a text.
LEADING_TIME = re.compile(rf"^\s*(?:\\?[\[(（]\s*(?P<a>{_TS})\s*\\?[\])）]|(?P<b>{_TS})(?![\w:]))\s*")
#: A timestamp in (escaped) brackets anywhere.
_BRACKETED_TIME = re.compile(rf"\\?[\[(（]\s*(?:{_TS})\s*\\?[\])）]")

_OPEN, _CLOSE = "([（［【", ")]）］】"
#: A paragraph wholly in one pair of brackets (escaped Markdown brackets and emphasis allowed).
_WHOLE = re.compile(r"^[*_]*\\?(?P<o>[(\[（［【])(?P<text>.+)\\?(?P<c>[)\]）］】])[*_]*[.。]?$", re.S)
# Words that mark a parenthesis in speech as a note about the recording, not something said.
_DIRECTION_WORDS = re.compile(
    r"laugh|chuckl|giggl|applau|clap|cheer|crosstalk|cross-talk|inaudible|unintelligible|indiscernible"
    r"|music|sigh|cough|pause|silence|noise|sound|beep|intro|outro|jingle|overlap|static|gasp|groan"
    r"|snort|sniff|exhal|inhal|whistl|ding|knock|cross talk|audience|break|transition|end of|theme"
    r"|掌声|鼓掌|笑|音乐|听众|观众|提问|停顿|沉默|咳|叹", re.IGNORECASE)
_INLINE_ROUND = re.compile(r"\\?[(（](?P<text>[^()（）\n]{1,60})\\?[)）]")
_INLINE_SQUARE = re.compile(r"\\?[\[［【](?P<text>[^\[\]［］【】\n]{1,200})\\?[\]］】](?!\()")

_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]")
_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))*)(?:\s+\"[^\"]*\")?\)|\[(?P<ref>[^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<(?P<url>(?:https?|ftp)://[^>\s]+|[^>\s@]+@[^>\s]+)>")
_URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9.-]*(?:\s[^<>]*)?/?>|<!--.*?-->|<\d{1,2}:[\d:.]+>", re.S)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
_EMPHASIS = re.compile(r"\*+|~~|`+|(?<![\w\\])_+(?=\S)|(?<=\S)_+(?![\w])")
_CUT = re.compile(r"[ \t]*\x00[\x00 \t]*")
_CUT_BEFORE_PUNCT = re.compile(r"[ \t]*\x00[\x00 \t]*(?=[,.;:!?，。；：！？)]|$)|^[\x00 \t]+")


def parse_time(text: str) -> float | None:
    """Seconds of a timestamp such as ``1:02:03.5``, ``03:51`` or ``0: 00:14``; None if not one."""
    m = TIMESTAMP.search(text or "")
    if not m:
        return None
    parts = [p.strip() for p in m.group(0).replace(",", ".").split(":")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return round(seconds, 3)


def take_leading_time(text: str) -> tuple[str, float | None]:
    """Remove the timestamps a text starts with (``\\[03:51\\] …``); return the rest and the first."""
    time = None
    while m := LEADING_TIME.match(text):
        if not m.group(0).strip():
            break
        if time is None:
            time = parse_time(m["a"] or m["b"])
        text = text[m.end():]
    return text, time


def whole_direction(block: str) -> str | None:
    """The note of a paragraph that is wholly in brackets (``（掌声）``, ``\\[laughter\\]``), else None."""
    m = _WHOLE.match(block.strip())
    if not m or _OPEN.index(m["o"]) != _CLOSE.index(m["c"]):
        return None
    inner = m["text"].strip()
    # "(a) … (b)" is two bracketed parts, not one note.
    if any(ch in inner for ch in _OPEN + _CLOSE):
        return None
    inner = _ESCAPE.sub(r"\1", inner).strip(" *_")
    return inner or None


def clean_speech(text: str) -> tuple[str, list[str]]:
    """What is spoken of ``text``, and the stage directions found inline, in order.

    >>> clean_speech("Thanks! \\\\[laughter\\\\] See [the docs](https://x.org) on **www.example.com/a**.")
    ('Thanks! See the docs on example.com.', ['laughter'])
    """
    directions: list[str] = []
    cut = "\x00"  # marks where something was taken out, so only those places get their spaces tidied
    text = _TAG.sub(cut, text.replace(cut, ""))
    text = html.unescape(text)
    text = _IMAGE.sub(cut, text)
    text = _LINK.sub(lambda m: m["text"] or m["ref"], text)
    text = _AUTOLINK.sub(lambda m: _domain(m["url"]), text)
    text = _URL.sub(lambda m: _domain(m.group(0)), text)
    text = _BRACKETED_TIME.sub(cut, text)

    def square(m: re.Match) -> str:
        inner = _ESCAPE.sub(r"\1", m["text"]).strip(" *_\\")
        if inner:
            directions.append(inner)
        return cut

    def round_(m: re.Match) -> str:
        inner = m["text"].strip()
        if _DIRECTION_WORDS.search(inner) and len(inner.split()) <= 6:
            directions.append(_ESCAPE.sub(r"\1", inner).strip(" *_\\"))
            return cut
        return m.group(0)

    text = _INLINE_SQUARE.sub(square, text)
    text = _INLINE_ROUND.sub(round_, text)
    text = _ESCAPE.sub(lambda m: m[1] if m[1] not in "*_`[]\\<>" else cut, text)
    text = _EMPHASIS.sub("", text)
    text = re.sub(r"[\[\]\\]", cut, text)
    if cut in text:
        text = _CUT_BEFORE_PUNCT.sub("", text)
        text = _CUT.sub(" ", text)
    return text.strip(), directions


def clean_title(text: str) -> str:
    """A heading as plain text: link texts, no tags or emphasis, entities decoded; other characters kept.

    >>> clean_title("**Episode 12**: [Rust](https://x.org) &amp; C\\\\D")
    'Episode 12: Rust & C\\\\D'
    """
    text = _LINK.sub(lambda m: m["text"] or m["ref"], _TAG.sub("", text))
    text = re.sub(r"\*\*|__|`+|~~", "", html.unescape(text))
    return _ESCAPE.sub(r"\1", text).strip()


def strip_tags(text: str) -> str:
    """HTML/VTT tags removed and entities decoded (for cue text and HTML paragraphs)."""
    return html.unescape(_TAG.sub("", text))


def _domain(url: str) -> str:
    """``https://www.github.com/a/b.`` → ``github.com.``: the host, and trailing punctuation kept."""
    trail = ""
    while url and url[-1] in ".,;:!?":
        trail, url = url[-1] + trail, url[:-1]
    host = re.sub(r"^(?:(?:https?|ftp)://)?(?:[^@/]+@)?(?:www\.)?", "", url, flags=re.IGNORECASE)
    host = re.split(r"[/?#:]", host, maxsplit=1)[0]
    return host + trail
