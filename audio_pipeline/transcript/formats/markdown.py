"""Speaker names in Markdown emphasis: ``**Emma Wedekind:**``, ``*FM (0:01:47)*:``, ``**Name**:``,
and a bold name with no colon after a timestamp (``0:00:14.2 **Adam Garrett-Harris** Welcome…``).

Plain labels (``JG: …``) mixed in are read too.
"""

from __future__ import annotations

import re

from ...model import Transcript
from . import labels
from .labelled import NAME, TS, TSX, Label, leading_time, read_labelled

NAME_FORMAT = "markdown"
_LABEL = re.compile(rf"^(?:(?P<t0>{TSX})\s*)?(?P<m>\*\*|__|\*|_)\s*(?P<name>{NAME})"
                    rf"\s*(?:\\?[\[(（]\s*(?P<t1>{TS})\s*\\?[\])）])?\s*(?P<c1>[:：])?\s*(?P=m)"
                    rf"\s*(?:\\?[\[(（]\s*(?P<t2>{TS})\s*\\?[\])）])?\s*(?P<c2>[:：])?\s*")


def _markdown_label(line: str) -> Label | None:
    m = _LABEL.match(line.strip())
    if not m or not (m["c1"] or m["c2"] or m["t0"] or m["t2"]):
        return None
    return Label(m["name"].rstrip(".").replace("\u00a0", " "), line.strip()[m.end():],
                 leading_time(m["t0"] or m["t1"] or m["t2"] or ""), strong=True)


def match(line: str) -> Label | None:
    """The Markdown (or plain) label a paragraph starts with, if any."""
    return _markdown_label(line) or labels.match(line)


def detect(text: str) -> float:
    """Likely when several paragraphs start with a name in bold or italics."""
    hits = sum(1 for line in text.split("\n")[:400] if _markdown_label(line))
    # One bold label is enough: this reader reads plain labels too, the plain reader no bold ones.
    return 0.8 if hits >= 2 else 0.65 if hits else 0.0


def read(text: str, path: str) -> Transcript:
    return read_labelled(text, path, NAME_FORMAT, match)
