"""WebVTT (webvtt-py) and SubRip (srt) captions, one cue per spoken sentence, timed from the audio."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import srt
import webvtt

from ..files import write_text_atomic
from ..model import Timeline


def _cues(timeline: Timeline):
    names = timeline.names
    for timed in timeline.pieces:
        yield timeline.ms(timed.start), timeline.ms(timed.end), timed.piece.speaker, names[timed.piece.speaker], \
            timed.piece.text


def cues(timeline: Timeline) -> list[tuple[int, int, str, str, str]]:
    """The captions' cues, one per spoken sentence: ``(start_ms, end_ms, code, name, text)``."""
    return list(_cues(timeline))


def _vtt_time(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_vtt(timeline: Timeline, dest: Path) -> Path:
    """WebVTT with a ``<v Speaker Name>`` voice span on every cue (text escaped for WebVTT)."""
    captions = [webvtt.Caption(_vtt_time(start), _vtt_time(end), f"<v {_escape(name)}>{_escape(text)}")
                for start, end, _code, name, text in _cues(timeline)]
    write_text_atomic(dest, webvtt.WebVTT(captions=captions).content)
    return dest


def write_srt(timeline: Timeline, dest: Path) -> Path:
    """SubRip with ``Name:`` before the first cue of each speaker's turn."""
    subs, previous = [], None
    for n, (start, end, code, name, text) in enumerate(_cues(timeline), 1):
        content = f"{name}: {text}" if code != previous else text
        previous = code
        subs.append(srt.Subtitle(n, timedelta(milliseconds=start), timedelta(milliseconds=end), content))
    write_text_atomic(dest, srt.compose(subs, reindex=False))
    return dest
