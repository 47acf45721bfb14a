"""HTML transcripts: the Podcasting 2.0 shape (``<cite>Name:</cite> <time>0:00</time> <p>…</p>``),
and pages whose paragraphs start with a name in ``<strong>``/``<b>`` (read like Markdown names)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ...model import Transcript
from . import markdown
from .build import TranscriptBuilder
from .cleanup import parse_time, whole_direction
from .labelled import read_labelled

NAME_FORMAT = "html"
_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "blockquote"}
_SKIP = {"script", "style", "head", "nav", "footer", "figcaption", "figure", "noscript", "template", "svg"}


class _Collector(HTMLParser):
    """Text of the document as (tag, line, text) runs: cite, time, and paragraphs in Markdown-ish form."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[list] = []  # [kind, line, text]
        self._skip = 0
        self._kind = None

    def _new(self, kind: str) -> None:
        self.runs.append([kind, self.getpos()[0], ""])

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skip += 1
        elif tag in ("cite", "time"):
            self._new(tag)
        elif tag in _BLOCK:
            self._new(f"h{tag[1]}" if re.fullmatch(r"h\d", tag) else "p")
        elif tag in ("strong", "b") and self.runs:
            self.runs[-1][2] += "**"
        elif tag in ("em", "i") and self.runs:
            self.runs[-1][2] += "*"

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in ("cite", "time") or tag in _BLOCK:
            self._new("p")
        elif tag in ("strong", "b") and self.runs:
            self.runs[-1][2] += "**"
        elif tag in ("em", "i") and self.runs:
            self.runs[-1][2] += "*"

    def handle_data(self, data):
        if self._skip:
            return
        if not self.runs:
            self._new("p")
        self.runs[-1][2] += data


def detect(text: str) -> float:
    head = text.lstrip()[:4000].lower()
    if "<cite>" in head or "<cite " in head:
        return 0.9
    return 0.7 if head.startswith(("<!doctype html", "<html", "<p", "<div", "<body")) else 0.0


def read(text: str, path: str) -> Transcript:
    parser = _Collector()
    parser.feed(text)
    parser.close()
    runs = [(kind, line, re.sub(r"\s+", " ", t).strip()) for kind, line, t in parser.runs]
    runs = [r for r in runs if r[2]]
    if any(kind == "cite" for kind, _, _ in runs):
        return _read_cited(runs, path)
    # Other pages: one paragraph per block, read like Markdown names.
    blocks = [(line, [("#" * int(kind[1]) + " " if re.fullmatch(r"h\d", kind) else "") + t]) for kind, line, t in runs]
    return read_labelled(text, path, NAME_FORMAT, markdown.match, blocks)


def _read_cited(runs: list[tuple[str, int, str]], path: str) -> Transcript:
    b = TranscriptBuilder(path, NAME_FORMAT)
    for kind, line, t in runs:
        if kind == "cite":
            b.start_turn(t.rstrip(" :："), line)
        elif kind == "time":
            if b.in_turn:
                b.set_time(parse_time(t))
        elif (note := whole_direction(t)) is not None:
            b.add_stage(note, line)
        elif b.in_turn or b.reopen():
            b.add_speech(t, line)
        else:
            b.extra.append(("preamble", t))
    return b.finish()
