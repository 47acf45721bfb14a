"""Podcasting 2.0 JSON chapters (``<podcast:chapters>``, version 1.2.0), times as in the ID3 CHAP frames."""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_text_atomic
from ..model import Timeline

CHAPTERS_VERSION = "1.2.0"


def chapters_document(timeline: Timeline) -> dict:
    """The JSON chapters document: start and end in seconds (millisecond precision)."""
    return {"version": CHAPTERS_VERSION,
            "chapters": [{"startTime": timeline.ms(c.start) / 1000, "endTime": timeline.ms(c.end) / 1000,
                          "title": c.chapter.title} for c in timeline.chapters]}


def write_chapters_json(timeline: Timeline, dest: Path) -> Path:
    write_text_atomic(dest, json.dumps(chapters_document(timeline), ensure_ascii=False, indent=2) + "\n")
    return dest
