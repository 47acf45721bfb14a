"""SubRip captions: numbered cues with ``00:00:01,000 --> …`` timings; ``Name:`` where a turn starts."""

from __future__ import annotations

import re

from ...model import Transcript
from .cues import read_cues, split_cues

NAME_FORMAT = "srt"
_CUE = re.compile(r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->", re.M)
_TIMING = re.compile(r"^\s*(?:\d{1,2}:)?\d{2}:\d{2}[,.]\d{1,3}\s*-->", re.M)


def _voice(text: str) -> tuple[str | None, str]:
    return None, text


def detect(text: str) -> float:
    """Numbered cues; or timing lines alone (a caption file without its WEBVTT header reads the same)."""
    return 0.95 if _CUE.search(text[:2000]) else 0.9 if _TIMING.search(text[:2000]) else 0.0


def read(text: str, path: str) -> Transcript:
    return read_cues(split_cues(text), path, NAME_FORMAT, _voice)
