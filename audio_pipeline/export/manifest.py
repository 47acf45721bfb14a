"""The manifest: ``<slug>.json``, the episode's structure for other tools (format in README)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..files import write_text_atomic
from ..model import Timeline
from ..text import sentence_gap

MANIFEST_VERSION = 1


def build_manifest(timeline: Timeline, files: dict,
                   render: dict[str, int]) -> dict:
    """The manifest as a dict: metadata, speakers, chapters, turns (split at chapter starts)."""
    meta = timeline.transcript.metadata
    names = timeline.names
    voices = dict(timeline.cast.voices)
    roles = {s.code: s.role for s in timeline.transcript.speakers}
    chapters = [{"index": c.chapter.index, "title": c.chapter.title, "question": c.chapter.question,
                 "asked_by": c.chapter.asked_by, "start_ms": timeline.ms(c.start), "end_ms": timeline.ms(c.end)}
                for c in timeline.chapters]
    turns: list[dict] = []
    key = prev_paragraph = None
    for timed in timeline.pieces:
        piece = timed.piece
        if (piece.turn, piece.chapter) != key:
            key = (piece.turn, piece.chapter)
            turns.append({"turn": piece.turn, "speaker": piece.speaker, "name": names[piece.speaker],
                          "role": roles[piece.speaker], "voice": voices[piece.speaker].spec, "chapter": piece.chapter,
                          "start_ms": timeline.ms(timed.start), "end_ms": timeline.ms(timed.end),
                          "line": piece.line, "source_time": timeline.transcript.turns[piece.turn].source_time,
                          "text": piece.text})
        else:
            turns[-1]["end_ms"] = timeline.ms(timed.end)
            joiner = "\n" if piece.paragraph != prev_paragraph else sentence_gap(turns[-1]["text"])
            turns[-1]["text"] += joiner + piece.text
        prev_paragraph = piece.paragraph
    return {
        "manifest_version": MANIFEST_VERSION,
        "title": meta.title, "show": meta.show, "date": meta.date, "source_url": meta.source_url,
        "language": meta.language, "category": meta.category,
        "input": {"format": timeline.transcript.format, "encoding": timeline.transcript.encoding},
        "duration_ms": timeline.duration_ms, "sample_rate": timeline.sample_rate,
        "files": files,
        "speakers": [{"code": s.code, "name": names[s.code], "role": s.role, "aliases": list(s.aliases),
                      "affiliation": s.affiliation, "voice": asdict(voices[s.code]),
                      "turns": sum(1 for t in timeline.transcript.turns if t.speaker == s.code)}
                     for s in timeline.transcript.speakers],
        "stage_directions": [{"text": d.text, "line": d.line, "before_turn": d.before_turn}
                             for d in timeline.transcript.stage_directions],
        "chapters": chapters,
        "turns": turns,
        "render": render,
    }


def write_manifest(path: Path, manifest: dict) -> None:
    """Write the manifest atomically, UTF-8, stable key order."""
    write_text_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
