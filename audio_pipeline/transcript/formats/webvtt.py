"""WebVTT captions: ``<v Name>`` voice tags (on every cue or only a turn's first), unclosed tags,
plain ``Name:`` prefixes mixed in, cue settings, NOTE/STYLE/REGION blocks."""

from __future__ import annotations

import re

from ...model import Transcript
from .cues import read_cues, split_cues

NAME_FORMAT = "webvtt"
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*\s+(?P<name>[^>]+?)\s*>")


def voice(text: str) -> tuple[str | None, str]:
    """The speaker a ``<v Name>`` tag names, and the text without the tag."""
    m = _VOICE.search(text)
    if not m:
        return None, text
    return m["name"].strip(), (text[:m.start()] + text[m.end():]).replace("</v>", " ")


def detect(text: str) -> float:
    return 1.0 if text.lstrip().startswith("WEBVTT") else 0.0


def read(text: str, path: str) -> Transcript:
    return read_cues(split_cues(text), path, NAME_FORMAT, voice)
