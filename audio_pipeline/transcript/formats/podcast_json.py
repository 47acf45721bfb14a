"""Podcasting 2.0 JSON transcripts: ``{"version": "1.0.0", "segments": [{speaker, startTime, body}]}``.

Segments may be single words (``text`` and ``start``, as speech recognisers write, stand in for
``body`` and ``startTime``); consecutive segments of one speaker are one turn, their bodies joined
with spaces (a body ending in a line break ends a paragraph).
"""

from __future__ import annotations

import json
import re

from ...errors import TranscriptError
from ...model import Transcript
from .build import TranscriptBuilder
from .cues import UNNAMED

NAME_FORMAT = "json"


def detect(text: str) -> float:
    head = text.lstrip()[:4000]
    return 1.0 if head.startswith("{") and '"segments"' in head else 0.0


def read(text: str, path: str) -> Transcript:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"is not valid JSON: {exc.msg}", path=path, line=exc.lineno,
                              hint="a JSON transcript is {\"segments\": [{\"speaker\": …, \"body\": …}]}") from None
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise TranscriptError("has no 'segments' list", path=path, line=1,
                              hint="a JSON transcript is {\"segments\": [{\"speaker\": …, \"body\": …}]}")
    # json gives no positions: the n-th "body" (or "text") key is on the n-th segment's line.
    lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r'"(?:body|text)"\s*:', text)]
    b = TranscriptBuilder(path, NAME_FORMAT)
    for key in ("title", "language", "lang"):
        if isinstance(data.get(key), str):
            b.meta[key] = data[key]
    speaking, words, first_line = None, [], 1
    for n, seg in enumerate(segments):
        body = seg.get("body", seg.get("text", "")) if isinstance(seg, dict) else None
        if not isinstance(body, str):
            raise TranscriptError(f"segment {n + 1} is not an object with a text 'body'", path=path,
                                  line=lines[n] if n < len(lines) else 1)
        line = lines[n] if n < len(lines) else 1
        name = str(seg.get("speaker") or speaking or UNNAMED).strip() or UNNAMED
        if name != speaking:
            if words:
                b.add_speech(" ".join(words), first_line)
            words = []
            start = seg.get("startTime", seg.get("start"))
            b.start_turn(name, line, float(start) if isinstance(start, (int, float)) else None)
            speaking = name
        if not words:
            first_line = line
        if body.strip():
            words.append(body.strip())
        if body.endswith("\n") and words:
            b.add_speech(" ".join(words), first_line)
            words = []
    if words:
        b.add_speech(" ".join(words), first_line)
    return b.finish()
