"""Caption cues (WebVTT, SubRip) merged into turns: the shared half of the two caption readers.

Cues are split by hand rather than through webvtt-py or srt so every turn keeps the line it starts
on, and so a file those libraries reject (an unclosed tag, a missing index) still reads.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from ...model import Transcript
from .build import TranscriptBuilder
from .cleanup import parse_time, strip_tags, whole_direction
from .labelled import is_speaker_label
from .labels import match as plain_label

ARROW = re.compile(r"^\s*(?P<start>[\d:.,]+)\s*-->\s*(?P<end>[\d:.,]+)")
_CHEVRONS = re.compile(r"^\s*(?:>>|&gt;&gt;)\s*")
#: Name of a speaker when a caption file names nobody.
UNNAMED = "Speaker"


@dataclass(frozen=True)
class Cue:
    """One caption: the line its text starts on, its start in seconds, its text lines."""

    line: int
    start: float | None
    lines: tuple[str, ...]


def split_cues(text: str) -> list[Cue]:
    """Every block with a ``-->`` timing line, in order; headers, NOTE and STYLE blocks have none."""
    cues: list[Cue] = []
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*text.split("\n"), ""], start=1):
        if line.strip():
            block.append((number, line.rstrip()))
            continue
        timing = next((k for k, (_, x) in enumerate(block) if ARROW.match(x)), None)
        if timing is not None and not block[0][1].startswith(("NOTE", "STYLE", "REGION")):
            body = tuple(x for _, x in block[timing + 1:])
            first = block[timing + 1][0] if len(block) > timing + 1 else block[timing][0]
            cues.append(Cue(first, parse_time(ARROW.match(block[timing][1])["start"]), body))
        block = []
    return cues


def read_cues(cues: list[Cue], path: str, fmt: str, voice: Callable[[str], tuple[str | None, str]]) -> Transcript:
    """Merge cues into turns: a cue naming a speaker starts a turn; others continue it.

    ``voice(text)`` returns the speaker a cue's text names (a ``<v Name>`` tag) and the text without it.
    """
    b = TranscriptBuilder(path, fmt)
    parsed = []
    previous: tuple[str, ...] = ()
    for cue in cues:
        lines = list(cue.lines)
        # Rolling captions (YouTube) repeat the previous cue's last line first.
        head = strip_tags(lines[0]).strip() if lines else ""
        if previous and head and strip_tags(previous[-1]).strip().endswith(head) and len(lines) > 1:
            lines = lines[1:]
        previous = cue.lines
        # Broadcast captions mark a change of speaker with ">>".
        name, rest = voice(_CHEVRONS.sub("", " ".join(lines)))
        label = plain_label(rest) if name is None else None
        parsed.append((cue, name, rest, label))
    counts = Counter(label.name for *_, label in parsed if label)
    accepted = {name for name in counts if is_speaker_label(name, set())}
    speaking: str | None = None
    words: list[str] = []
    start_line = 0

    def flush() -> None:
        nonlocal words
        if words:
            b.add_speech(" ".join(words), start_line)
        words = []

    for cue, name, rest, label in parsed:
        if label and label.name in accepted:
            name, rest = label.name, label.rest
        rest = strip_tags(rest).strip()
        if (note := whole_direction(rest)) is not None:
            flush()
            b.add_stage(note, cue.line)
            if speaking is not None:
                b.reopen()
            continue
        if name is None and speaking is None:
            name = UNNAMED
        if name is not None and name != speaking:
            flush()
            b.start_turn(name, cue.line, cue.start)
            speaking = name
        if not words:
            start_line = cue.line
        if rest:
            words.append(rest)
    flush()
    return b.finish()
