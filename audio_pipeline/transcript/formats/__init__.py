"""Transcript input formats: one small reader per format, and the one place that picks a reader.

A reader is a module with ``NAME_FORMAT``, ``detect(text) -> float`` (0 = surely not, 1 = surely) and
``read(text, path) -> Transcript``. Adding a format is one new module and one line in ``READERS``.
"""

from __future__ import annotations

from types import ModuleType

from ...errors import TranscriptError
from ...model import Transcript
from . import html, labels, markdown, podcast_json, srt, webvtt

#: Every reader by name, in the order ties are broken.
READERS: dict[str, ModuleType] = {
    "webvtt": webvtt,
    "srt": srt,
    "json": podcast_json,
    "html": html,
    "markdown": markdown,
    "labels": labels,
}


def pick_reader(text: str, name: str | None = None, path: str | None = None) -> ModuleType:
    """The reader named ``name`` (``--input-format``), else the one whose ``detect`` scores highest."""
    if name:
        try:
            return READERS[name.lower()]
        except KeyError:
            raise TranscriptError(f"unknown input format {name!r}", path=path,
                                  hint=f"choose one of: {', '.join(READERS)}") from None
    scores = {key: reader.detect(text) for key, reader in READERS.items()}
    return READERS[max(scores, key=lambda key: scores[key])]


def read_text(text: str, path: str, input_format: str | None = None) -> Transcript:
    """Parse already decoded text with the reader for its format."""
    return pick_reader(text, input_format, path).read(text, path)
