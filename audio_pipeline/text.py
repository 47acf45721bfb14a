"""Sentence splitting and text clean-up shared by the chapter pass and the synthesis plan."""

from __future__ import annotations

import re
import unicodedata

# A sentence ends at 。！？!?； (an ellipsis only before white space), or at . followed by white space; closing quotes
# and brackets stay with the sentence they close.
_SENTENCE_END = re.compile(
    r"(?:[。！？!?；;]+|(?:…+|\.{3,})(?=\s|$)|(?<=[^\W\d_])\.(?=\s))[”’」』）)\]\"']*\s*")
_SOFT_BREAK = re.compile(r"(?<=[，、,：:])\s*|\s+")

#: Longest text handed to the engine at once; longer sentences are cut at commas or spaces.
MAX_PIECE_CHARS = 240


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, keeping every character (joined back they equal ``text``).

    >>> split_sentences("你好。你呢？Fine. Thanks")
    ['你好。', '你呢？', 'Fine. ', 'Thanks']
    """
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start:
            out.append(text[start:m.end()])
            start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def split_long(sentence: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """Cut a sentence longer than ``limit`` at commas or spaces (hard cut as a last resort)."""
    if len(sentence) <= limit:
        return [sentence]
    parts: list[str] = []
    rest = sentence
    while len(rest) > limit:
        window = rest[:limit]
        cut = max((m.end() for m in _SOFT_BREAK.finditer(window) if m.end() > limit // 3), default=limit)
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        parts.append(rest)
    return parts


def is_speakable(text: str) -> bool:
    """True when the text has a letter or digit an engine can say (not only punctuation)."""
    return any(ch.isalnum() for ch in text)


def sentence_gap(before: str) -> str:
    """What separates a sentence from the next: nothing after CJK text, a space after latin."""
    return "" if before and ("\u3000" <= before[-1] <= "\u9fff" or "\uff00" <= before[-1] <= "\uffef") else " "


def normalize_space(text: str) -> str:
    """Runs of white space (line breaks included) as one space, trimmed."""
    return re.sub(r"\s+", " ", text).strip()


def for_engine(text: str) -> str:
    """Text as handed to the engine: one line, control characters removed, markup neutralised.

    eSpeak NG is always called without its SSML and phoneme flags; angle brackets, ``[[`` and
    ``]]`` (runs such as ``[[[`` too) are still replaced so no engine that does parse markup can be
    steered by the transcript.
    """
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = text.replace("<", "‹").replace(">", "›")
    text = re.sub(r"\[(?=\[)", "[ ", re.sub(r"\](?=\])", "] ", text))  # runs too: [[[ → [ [ [
    return re.sub(r"\s+", " ", text).strip()
