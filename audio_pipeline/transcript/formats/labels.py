"""Plain speaker labels: ``JG: …``, ``Joseph Gonzalez：…``, ``[00:01:02] Adam Jonas: …``,
``Speaker 1 (00:00):``, ``Lex Fridman (00:01:02) …`` and Otter's ``Ann Lee  0:00`` line.

The bundled panel's format, generalised: initials or full names followed by ``:`` or ``：``, a
timestamp before the name, in brackets after it (``Name (0:01:47):``) or alone after the colon.
"""

from __future__ import annotations

import re

from ...model import Transcript
from .labelled import NAME, TS, TSX, Label, leading_time, read_labelled

NAME_FORMAT = "labels"
# A doubled label ("YJ   YJ:") is a transcription slip for one label.
# "Emma Wedekind (host):" — a bracket that is not a timestamp annotates the name (a role, a company).
_LABEL = re.compile(rf"^(?:(?P<t0>{TSX})\s*)?(?P<name>{NAME})(?:\s+(?P=name))?"
                    rf"(?:\s*[(（](?P<note>[^()（）:：\d][^()（）:：]{{0,39}})[)）])?"
                    rf"\s*(?:\\?[\[(（]\s*(?P<t1>{TS})\s*\\?[\])）])?\s*[:：](?!//)\s*")


# "Lex Fridman (00:01:02) Words…" and Otter's "Ann Lee  0:00" line: a timestamp stands in for the colon.
_NAME_TIME = re.compile(rf"^(?P<name>{NAME})\s*(?:\\?[\[(（]\s*(?P<t1>{TS})\s*\\?[\])）]|(?P<t2>{TS})$)\s*")


def match(line: str) -> Label | None:
    """The label a paragraph starts with, if any."""
    m = _LABEL.match(line.strip())
    if not m:
        if (t := _NAME_TIME.match(line.strip())) and _capitalised(t["name"]):
            return Label(t["name"].replace("\u00a0", " "), line.strip()[t.end():],
                         leading_time(t["t1"] or t["t2"]), strong=True)
        return None
    return Label(m["name"].replace("\u00a0", " "), line.strip()[m.end():], leading_time(m["t0"] or m["t1"] or ""),
                 strong=bool(m["t0"] or m["t1"]), note=(m["note"] or "").strip())


def detect(text: str) -> float:
    """Likely when several paragraphs start with a label; the fallback reader otherwise."""
    hits = sum(1 for line in text.split("\n")[:400] if match(line))
    return 0.6 if hits >= 2 else 0.3 if hits else 0.05


def read(text: str, path: str) -> Transcript:
    return read_labelled(text, path, NAME_FORMAT, match)


def _capitalised(name: str) -> bool:
    """Every word of a name starts with a capital (or is a number): "Ann Lee", not "meeting at"."""
    return all(w[0].isupper() or w[0].isdigit() for w in name.split())

