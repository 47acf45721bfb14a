"""Pieces + pauses → the :class:`~audio_pipeline.model.Timeline`, and the episode as a PCM stream.

The episode is laid out in *segments*: runs of whole turns, each starting on the MP3 frame grid
(576 samples) with its own leading pause, so a segment's audio depends only on its own pieces and
can be encoded once and reused. Segments are cut by text length, never by audio length, so
re-voicing one speaker moves later segments in time without changing their contents. The audio is
streamed piece by piece (read with pydub), so memory does not grow with the episode's length.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator

from .model import Cast, Chapter, Piece, PieceAudio, Segment, TimedChapter, TimedPiece, Timeline, Transcript
from .settings import Pauses

#: Samples per MP3 frame at 16–24 kHz (MPEG-2 layer III); segments start on multiples of it.
FRAME = 576
#: A new segment starts at a turn once the current one holds this many characters (~30 s of speech),
#: and at any sentence once it holds ``SEGMENT_MAX_CHARS`` (a very long turn is cut into several).
SEGMENT_CHARS = 200
SEGMENT_MAX_CHARS = 2000
#: Silence before the first word: LAME primes 1,105 samples before the audio starts.
LEAD_IN_MS = 60
_SILENCE_CHUNK = 1 << 16


def lay_out(transcript: Transcript, chapters: tuple[Chapter, ...], cast: Cast, pieces: tuple[Piece, ...],
            audio: tuple[PieceAudio, ...], sample_rate: int, pauses: Pauses) -> Timeline:
    """Place every piece, segment and chapter in time (in frames at ``sample_rate``).

    A chapter starts ``pauses.chapter_lead`` before its first word (inside the pause before it),
    the first chapter at 0; each ends where the next starts and the last at the episode's end.
    Chapter boundaries and the end fall on whole milliseconds that are also whole samples (every
    20 ms at 22.05 kHz), so chapter times in ms — all an ID3 CHAP frame holds — cut clips exactly.
    """
    def frames(ms: int) -> int:
        return ms * sample_rate // 1000

    ms_grid = sample_rate // math.gcd(sample_rate, 1000)
    end_grid = ms_grid * FRAME // math.gcd(ms_grid, FRAME)

    timed: list[TimedPiece] = []
    segments: list[Segment] = []
    starts = _segment_starts(pieces, chapters)
    cursor = 0
    for n, first in enumerate(starts):
        last = starts[n + 1] if n + 1 < len(starts) else len(pieces)
        seg_start = cursor
        for piece, sound in zip(pieces[first:last], audio[first:last], strict=True):
            pause = piece.pause_before_ms if timed else 0
            if piece is pieces[first]:  # LAME's priming must fall in silence
                pause = max(pause, LEAD_IN_MS)
            cursor += frames(pause)
            timed.append(TimedPiece(piece, cursor, cursor + sound.frames))
            cursor += sound.frames
        tail = frames(pauses.tail) if last == len(pieces) else 64  # LAME pads the last 47 samples
        grid = end_grid if last == len(pieces) else FRAME
        cursor = -(-(cursor + tail) // grid) * grid
        segments.append(Segment(seg_start, cursor, first, last))
    total = cursor

    placed_starts: list[tuple[Chapter, int]] = []
    for chapter in chapters:
        first = next((t for t in timed if t.piece.chapter == chapter.index), None)
        if first is None:
            continue  # a chapter with nothing to say (only punctuation) is dropped
        lead = min(frames(pauses.chapter_lead), frames(first.piece.pause_before_ms))
        placed_starts.append((chapter, 0 if not placed_starts else (first.start - lead) // ms_grid * ms_grid))
    placed = tuple(TimedChapter(ch, start, placed_starts[i + 1][1] if i + 1 < len(placed_starts) else total)
                   for i, (ch, start) in enumerate(placed_starts))
    return Timeline(transcript, cast, sample_rate, total, tuple(timed), placed, audio, tuple(segments))


def _segment_starts(pieces: tuple[Piece, ...], chapters: tuple[Chapter, ...]) -> list[int]:
    """Indices of the pieces that open a segment: the first, each chapter's first, turn starts once
    the running segment has ``SEGMENT_CHARS`` characters, any piece once it has ``SEGMENT_MAX_CHARS``."""
    chapter_firsts = {c.index for c in chapters}
    starts: list[int] = []
    chars = 0
    seen_chapters: set[int] = set()
    for i, piece in enumerate(pieces):
        opens_chapter = piece.chapter in chapter_firsts and piece.chapter not in seen_chapters
        seen_chapters.add(piece.chapter)
        opens_turn = i == 0 or piece.turn != pieces[i - 1].turn
        if i == 0 or opens_chapter or (opens_turn and chars >= SEGMENT_CHARS) or chars >= SEGMENT_MAX_CHARS:
            starts.append(i)
            chars = 0
        chars += len(piece.text)
    return starts


def pcm_stream(timeline: Timeline, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The episode (or the frames ``start:end`` of it) as mono 16-bit little-endian PCM chunks."""
    from .tts.runtime import configure_pydub

    configure_pydub()
    from pydub import AudioSegment

    end = timeline.frames if end is None else end
    cursor = start
    first = bisect.bisect_right(timeline.pieces, start, key=lambda t: t.end)
    for timed, sound in zip(timeline.pieces[first:], timeline.audio[first:]):
        if timed.start >= end:
            break
        yield from _silence(max(0, timed.start - cursor))
        segment = AudioSegment.from_wav(sound.path)
        data = segment.raw_data
        lo, hi = max(start, timed.start) - timed.start, min(end, timed.end) - timed.start
        yield data[2 * lo:2 * hi]
        cursor = timed.start + hi
    yield from _silence(max(0, end - cursor))


def _silence(frames: int) -> Iterator[bytes]:
    while frames > 0:
        n = min(frames, _SILENCE_CHUNK)
        yield b"\0\0" * n
        frames -= n
