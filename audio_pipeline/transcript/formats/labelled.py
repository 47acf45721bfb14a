"""The paragraph walk shared by the text formats whose turns start with a speaker label.

A reader (plain labels, Markdown names) supplies only how a label looks; this walk handles front
matter, the title, a roster in any bullet style, headings between turns, images and captions,
stage directions, unlabelled continuation paragraphs, and which candidate labels are real.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable, NamedTuple

import yaml

from ...errors import TranscriptError
from ...model import Transcript
from .build import TranscriptBuilder, role_of
from .cleanup import LEADING_TIME, clean_speech, clean_title, parse_time, whole_direction


class Label(NamedTuple):
    """A speaker label found at the start of a paragraph: the name as written, the rest, its time."""

    name: str
    rest: str
    time: float | None
    #: Written in a way prose never is (in bold, or with a timestamp): a label even if seen once.
    strong: bool = False
    #: A bracket after the name that is not a timestamp: ``host`` in ``Emma (host):``.
    note: str = ""


#: Finds a label at the start of a paragraph (or None); the name is a candidate until accepted.
LabelMatcher = Callable[[str], "Label | None"]

_WORD = r"[^\W\d_][\w'’.\-]*"
_PARTICLE = r"van|von|de|der|den|da|di|du|del|la|le|bin|al|el|dos|das|\d{1,2}"
#: A name as written in a label: up to four words (particles and a number such as "Speaker 2" allowed).
NAME = rf"{_WORD}(?:[ \u00a0](?:{_WORD}|{_PARTICLE})){{0,3}}"
TS = r"\d{1,2}\s?:\s?\d{1,2}(?:\s?:\s?\d{1,2})?(?:[.,]\d{1,3})?"
#: A timestamp in (escaped) brackets, or bare.
TSX = rf"(?:\\?[\[(（]\s*{TS}\s*\\?[\])）]|{TS})"

_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*$")
_SOURCE = re.compile(r"^>\s*(?:来源|來源|Source|Original)\s*[:：]\s*(?P<rest>.+)$", re.IGNORECASE)
_SOURCE_URL = re.compile(r"\((?P<url>https?://[^)\s]+)\)|(?P<bare>https?://\S+)")
_ROSTER = re.compile(r"^\s*[+*•‣◦-]\s+(?:\*\*)?(?P<code>[A-Z]{1,4}|[^\W\d_][\w'’.\-]*(?: [^\W\d_][\w'’.\-]*){0,3})"
                     r"(?:\*\*)?\s*[:：=]\s*(?:\*\*)?(?P<name>.+?)(?:\*\*)?\s*$")
_BULLET = re.compile(r"^\s*(?:[+*•‣◦-]|\d{1,3}[.)])\s+")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_IMAGE_ONLY = re.compile(r"^\s*(?:\[?!\[[^\]]*\]\([^)]*\)\]?(?:\([^)]*\))?\s*)+$")
_CAPTION = re.compile(r"^\s*(?:[*_][^*_].*[*_]|(?:caption|image|photo|figure|图)\s*[:：].*)\s*$", re.IGNORECASE)
_ITALIC_NOTE = re.compile(r"^(?P<m>\*|_)(?P<text>[^*_\s](?:[^*_]*[^*_\s])?)(?P=m)[.。]?$")
_YML_OPEN = re.compile(r"^<!--\s*ya?ml\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"^<!--.*-->$")
_INITIALS = re.compile(r"^[A-Z]{1,4}$")
_NOT_NAMES = {"note", "notes", "update", "edit", "example", "summary", "source", "transcript", "warning", "tip",
              "link", "links", "date", "title", "yes", "no", "okay", "ok", "so", "well", "also", "and", "but",
              "answer", "question", "http", "https", "re", "ps", "p.s", "nb", "i.e", "e.g", "step", "todo"}


def read_labelled(text: str, path: str, fmt: str, match: LabelMatcher,
                  blocks: list[tuple[int, list[str]]] | None = None) -> Transcript:
    """Walk ``text`` paragraph by paragraph with ``match`` finding labels; build the transcript.

    A reader that has already cut its input into paragraphs (HTML) passes them as ``blocks``:
    (1-based line, lines of the paragraph).
    """
    b = TranscriptBuilder(path, fmt)
    if blocks is None:
        lines = text.split("\n")
        blocks = list(_blocks(lines, _front_matter(lines, b, path), match))
    found = [(m, block) for block in blocks if (m := match(block[1][0]))]
    counts = Counter(m.name for m, _ in found)
    roster_names = set()
    for _, block_lines in blocks:
        for line in block_lines:
            if r := _ROSTER.match(line):
                roster_names |= {r["code"], r["name"].split("(")[0].split("（")[0].strip().lower()}
    strong = {m.name for m, _ in found if m.strong and m.name.lower().rstrip(".") not in _NOT_NAMES}
    accepted = strong | {name for name in counts if is_speaker_label(name, roster_names)}
    after_image = False
    for line_no, block_lines in blocks:
        first = block_lines[0].strip()
        was_image, after_image = after_image, False
        if m := _HEADING.match(first):
            if len(block_lines) == 1:
                if not b.has_turns and "title" not in b.meta and len(m["hashes"]) == 1:
                    b.meta["title"] = clean_title(m["text"])
                else:
                    b.add_heading(m["text"], len(m["hashes"]), line_no)
                continue
        if m := _SOURCE.match(first):
            if u := _SOURCE_URL.search(m["rest"]):
                b.meta.setdefault("source_url", u["url"] or u["bare"])
            continue
        if _RULE.match(first) or _COMMENT.match(first):
            continue
        if not b.has_turns and all(_ROSTER.match(x) for x in block_lines):
            rows = [_ROSTER.match(x) for x in block_lines]
            if all(_INITIALS.match(r["code"]) or role_of(r["name"].split("(")[0]) for r in rows):
                for r in rows:
                    if _INITIALS.match(r["code"]):
                        b.add_roster(r["code"], r["name"].strip())
                    else:  # "- Host: Emma Wedekind"
                        b.roles[r["name"].split("(")[0].strip().lower()] = role_of(r["code"]) or "panelist"
                continue
        joined = _join(block_lines)
        if _IMAGE_ONLY.match(joined):
            after_image = True
            continue
        if was_image and _CAPTION.match(joined):
            continue
        if (note := whole_direction(joined)) is not None and not LEADING_TIME.fullmatch(joined):
            b.add_stage(note, line_no)
            continue
        label = match(block_lines[0])
        if not label and not b.awaiting_speech and (m := _ITALIC_NOTE.match(joined)) and " " in m["text"]:
            # "*Music fades out.*": a note, not speech (unless it is the words a label is waiting for)
            b.add_stage(clean_speech(m["text"])[0], line_no)
            continue
        if label and label.name in accepted:
            if role_of(label.note):
                b.roles.setdefault(label.name.lower(), role_of(label.note))
            b.start_turn(label.name, line_no, label.time)
            rest = _join([label.rest, *block_lines[1:]]) if label.rest.strip() else _join(block_lines[1:])
            if rest.strip():
                b.add_speech(rest, line_no)
            continue
        if b.in_turn or (b.has_turns and b.reopen()):
            b.add_speech(joined, line_no)
        else:
            b.extra.append(("preamble", joined))
    return b.finish()


def is_speaker_label(name: str, roster: set[str]) -> bool:
    """Is a candidate label a speaker? Initials, role words, roster names, and capitalised names other
    than words that head a note in prose (``Note:``, ``Update:``); a name seen once is still a speaker
    (with a warning), since speaking a label aloud is the worse mistake."""
    if name in roster or name.lower() in roster or role_of(name):
        return True
    if _INITIALS.match(name):
        return True
    if not name[0].isupper() or name.lower().rstrip(".") in _NOT_NAMES:
        return False
    words = name.split()
    if len(words) >= 2:
        return all(w[0].isupper() or w[0].isdigit() or re.fullmatch(_PARTICLE, w) for w in words[1:])
    return True


def _front_matter(lines: list[str], b: TranscriptBuilder, path: str) -> int:
    """Consume a YAML ``---`` block or a ``<!--yml … -->`` block at the top; index of the next line."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        return i
    head = lines[i].strip()
    if head == "---":
        closers = ("---", "...")
    elif _YML_OPEN.match(head):
        closers = ("-->",)
    else:
        return 0
    end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() in closers
                or closers == ("-->",) and lines[j].strip().startswith("-->")), None)
    if end is None:
        if head == "---":
            return 0  # a rule, not front matter
        raise TranscriptError("metadata block '<!--yml' is never closed", path=path, line=i + 1,
                              hint="end it with a line '-->'")
    block = "\n".join(lines[i + 1:end])
    try:
        data = yaml.load(block, Loader=yaml.BaseLoader)  # every value a string: dates stay as written
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        data = {}
        for entry in lines[i + 1:end]:
            key, sep, value = entry.partition(":")
            if sep and key.strip():
                data[key.strip()] = value.strip().strip("'\"")
    for key, value in data.items():
        _meta(b, str(key).strip().lower(), value)
    return end + 1


def _meta(b: TranscriptBuilder, key: str, value) -> None:
    if key in ("host", "hosts", "guest", "guests", "narrator", "moderator", "moderators", "speakers"):
        names = value if isinstance(value, list) else re.split(r"\s*[,;、]\s*", str(value))
        for name in names:
            if isinstance(name, str) and name.strip():
                b.known_names.append(name.strip())
                if key != "speakers":
                    b.roles[name.strip().lower()] = role_of(key.rstrip("s")) or "panelist"
        return
    if isinstance(value, (list, dict)):
        b.extra.append((key, str(value)))
        return
    key = {"url": "source_url", "link": "source_url", "source": "source_url", "permalink": "source_url"}.get(key, key)
    if key in ("title", "show", "podcast", "date", "category", "language", "lang", "source_url"):
        b.meta.setdefault(key, value.strip())
    else:
        b.extra.append((key, value))


def _blocks(lines: list[str], start: int, match: LabelMatcher):
    """(1-based line, lines) of each paragraph: split at blank lines and before labels and headings."""
    block: list[str] = []
    first = 0
    for i in range(start, len(lines)):
        raw = lines[i].strip()
        if not raw:
            if block:
                yield first, block
            block = []
            continue
        if block and (raw.startswith("#") and _HEADING.match(raw) or match(raw) or _ROSTER.match(raw)
                      and _ROSTER.match(block[-1]) is None):
            yield first, block
            block = []
        if not block:
            first = i + 1
        block.append(raw)
    if block:
        yield first, block


def _join(lines: list[str]) -> str:
    """Lines of one paragraph as one text: quote and bullet markers dropped, CJK wrapped without spaces."""
    parts = [_BULLET.sub("", re.sub(r"^>\s?", "", x)) for x in lines if x.strip()]
    if not parts:
        return ""
    out = parts[0]
    for nxt in parts[1:]:
        if not nxt:
            continue
        out += nxt if (out and _is_cjk(out[-1])) or _is_cjk(nxt[0]) else " " + nxt
    return out


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def leading_time(text: str) -> float | None:
    """Seconds of a timestamp as captured by :data:`TSX`."""
    return parse_time(text) if text else None
