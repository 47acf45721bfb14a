"""Pass ``lexicon``: the user's own readings, from voices.toml's ``[lexicon]`` tables.

A key is a plain word or phrase, matched exactly (case included) and never inside a longer Latin
word or number (``ML`` does not match in ``HTML``; white space in the key matches any white space),
or a regular expression written between slashes (``"/Caffe(\\d)/"``; ``/…/i`` ignores case), whose
value may refer to its groups (``"caffe \\1"``). A value is one of:

- pinyin with a tone digit on every syllable (``"jia3 yang2 qing1"``; ü as ``v`` or ``ü``, 5 for the
  neutral tone): said as written by a Mandarin voice;
- Chinese text (``"贾扬清"``): read like the rest of the transcript (numbers, polyphones);
- anything else, an English reading (``"caffe two"``, ``"I C M L"``): handed to the engine as is.

Entries for a speaker (``[speakers.X.lexicon]``) are tried before those for everyone, and longer keys
before shorter ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from ..errors import CastingError
from .tokens import EN, ZH, Draft, Token, claim

NAME, VERSION = "lexicon", 1

_PINYIN = re.compile(r"(?:[a-zü:]+[1-5])(?:\s+[a-zü:]+[1-5])*", re.IGNORECASE)
_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Entry:
    """One lexicon entry: ``key`` as written in the file, its compiled pattern, and the value."""

    key: str
    value: str
    pattern: re.Pattern[str]
    regex: bool


@dataclass(frozen=True)
class Lexicon:
    """The entries in effect for one speaker, tried in order."""

    entries: tuple[Entry, ...] = ()

    @property
    def identity(self) -> str:
        """A short hash of the entries (part of the front end's cache key)."""
        blob = json.dumps([(e.key, e.value) for e in self.entries], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16] if self.entries else "-"

    def then(self, other: Lexicon) -> Lexicon:
        """This lexicon's entries tried first, then ``other``'s."""
        return Lexicon(self.entries + other.entries)


def parse_lexicon(table: object, label: str, path: str, lines: dict[str, int]) -> Lexicon:
    """Check a ``[lexicon]`` table read from TOML and compile it; errors name the file and line."""
    line = lines.get(label)
    if not isinstance(table, dict):
        raise CastingError(f"{label} must be a table like [{label}]", path=path, line=line)
    entries = []
    for key, value in table.items():
        where = lines.get(f"{label}.{key}", line)
        if not isinstance(value, str) or not value.strip():
            raise CastingError(f"{label}: {key!r} must map to a non-empty string (a respelling, pinyin with "
                               "tones, or the words to say)", path=path, line=where)
        if not key.strip():
            raise CastingError(f"{label}: an empty key matches nothing", path=path, line=where)
        entries.append(_entry(key, value, label, path, where))
    entries.sort(key=lambda e: -len(e.key))
    return Lexicon(tuple(entries))


def _entry(key: str, value: str, label: str, path: str, line: int | None) -> Entry:
    regex = re.fullmatch(r"/(.+)/(i?)", key, re.DOTALL)
    if regex:
        try:
            pattern = re.compile(regex[1], re.IGNORECASE if regex[2] else 0)
        except re.error as exc:
            raise CastingError(f"{label}: {key!r} is not a valid regular expression ({exc})", path=path, line=line,
                               hint="write a plain word without slashes, or fix the expression") from None
        if pattern.search(""):
            raise CastingError(f"{label}: {key!r} matches the empty string", path=path, line=line)
        try:
            pattern.sub(value, "")  # a bad group reference in the value
            for m in [pattern.search(regex[1])]:
                if m:
                    m.expand(value)
        except (re.error, IndexError) as exc:
            raise CastingError(f"{label}: the value of {key!r} refers to a group the expression lacks ({exc})",
                               path=path, line=line) from None
        return Entry(key, value, pattern, True)
    words = r"\s+".join(re.escape(w) for w in key.split())
    start = r"(?<![A-Za-z0-9])" if re.match(r"[A-Za-z0-9]", key) else ""
    end = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", key) else ""
    return Entry(key, value, re.compile(start + words + end), False)


def run(draft: Draft, lexicon: Lexicon | None = None) -> Draft:
    """Claim every match of the lexicon's entries (in order) in the raw tokens."""
    for entry in lexicon.entries if lexicon else ():
        draft = claim(draft, entry.pattern, lambda m, at, e=entry: _token(m, at, e))
    return draft


def _token(m: re.Match[str], at: int, entry: Entry) -> Token:
    value = " ".join((m.expand(entry.value) if entry.regex else entry.value).split())
    if _PINYIN.fullmatch(value):
        pinyin = value.lower().replace("ü", "v").replace("u:", "v")
        return Token(at + m.start(), at + m.end(), m[0], ZH, "", pinyin, tuple(pinyin.split()), by=NAME)
    if _HANZI.search(value):
        return Token(at + m.start(), at + m.end(), m[0], ZH, value, by=NAME)
    return Token(at + m.start(), at + m.end(), m[0], EN, value, value, by=NAME)
