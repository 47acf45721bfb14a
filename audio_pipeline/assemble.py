"""Pieces + pauses → the :class:`~audio_pipeline.model.Timeline`, and the episode as a PCM stream.

The episode is laid out in *segments*: runs of whole turns, each starting on the MP3 frame grid
(576 samples) with its own leading pause, so a segment's audio depends only on its own pieces and
can be encoded once and reused. Segments are cut by text length, never by audio length, so
re-voicing one speaker moves later segments in time without changing their contents. A last
segment of silence holds the episode's tail. The audio is
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
#: A new segment starts at a turn once the current one holds this many characters (~12 s of speech),
#: and at any sentence once it holds ``SEGMENT_MAX_CHARS`` (a very long turn is cut into several).
SEGMENT_CHARS = 60
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
    timed: list[TimedPiece] = []
    segments: list[Segment] = []
    cursor = 0
    for first, last in segment_ranges(pieces, chapters):
        offsets, length = layout_segment(pieces[first:last], [a.frames for a in audio[first:last]], first == 0,
                                         sample_rate)
        for piece, sound, offset in zip(pieces[first:last], audio[first:last], offsets, strict=True):
            timed.append(TimedPiece(piece, cursor + offset, cursor + offset + sound.frames))
        segments.append(Segment(cursor, cursor + length, first, last))
        cursor += length
    # The tail is a segment of its own, silence only: it alone depends on the episode's length
    # (it ends the episode on a whole millisecond), so every spoken segment can be encoded early.
    length = max(2, -(-frames(pauses.tail) // FRAME)) * FRAME
    while (cursor + length) % ms_grid:
        length += FRAME
    segments.append(Segment(cursor, cursor + length, len(pieces), len(pieces)))
    total = cursor + length

    firsts: dict[int, TimedPiece] = {}
    for t in timed:
        firsts.setdefault(t.piece.chapter, t)
    placed_starts: list[tuple[Chapter, int]] = []
    for chapter in chapters:
        first = firsts.get(chapter.index)
        if first is None:
            continue  # a chapter with nothing to say (only punctuation) is dropped
        lead = min(frames(pauses.chapter_lead), frames(first.piece.pause_before_ms))
        placed_starts.append((chapter, 0 if not placed_starts else (first.start - lead) // ms_grid * ms_grid))
    placed = tuple(TimedChapter(ch, start, placed_starts[i + 1][1] if i + 1 < len(placed_starts) else total)
                   for i, (ch, start) in enumerate(placed_starts))
    return Timeline(transcript, cast, sample_rate, total, tuple(timed), placed, audio, tuple(segments))


def segment_ranges(pieces: tuple[Piece, ...], chapters: tuple[Chapter, ...]) -> list[tuple[int, int]]:
    """(first, last) piece indices of every segment, last exclusive; decided by text alone."""
    starts = _segment_starts(pieces, chapters)
    return [(first, starts[n + 1] if n + 1 < len(starts) else len(pieces)) for n, first in enumerate(starts)]


def layout_segment(pieces: tuple[Piece, ...], frames: list[int], opens_episode: bool,
                   sample_rate: int) -> tuple[list[int], int]:
    """Offsets of a segment's pieces from its start, and its length: a function of its own pieces
    only, so it can be computed (and the segment encoded) as soon as they are synthesized."""
    def ms(value: int) -> int:
        return value * sample_rate // 1000

    offsets, cursor = [], 0
    for n, (piece, length) in enumerate(zip(pieces, frames, strict=True)):
        pause = 0 if opens_episode and n == 0 else piece.pause_before_ms
        if n == 0:  # LAME's priming must fall in silence
            pause = max(pause, LEAD_IN_MS)
        cursor += ms(pause)
        offsets.append(cursor)
        cursor += length
    cursor += 64  # LAME pads after its input: the last samples must be silent
    return offsets, -(-cursor // FRAME) * FRAME


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
    end = timeline.frames if end is None else end
    first = bisect.bisect_right(timeline.pieces, start, key=lambda t: t.end)
    spans = ((t.start, t.end, a.path) for t, a in zip(timeline.pieces[first:], timeline.audio[first:]))
    return stitch(spans, start, end)


def stitch(spans, start: int, end: int) -> Iterator[bytes]:
    """PCM of the frames ``start:end`` of pieces placed at ``(start, end, wav path)``, silence between.

    pydub reads each piece; the stream goes to the encoder without ever holding the episode.
    """
    from .tts.runtime import import_pydub

    import_pydub()
    from pydub import AudioSegment

    cursor = start
    for piece_start, piece_end, path in spans:
        if piece_end <= start:
            continue
        if piece_start >= end:
            break
        yield from _silence(max(0, piece_start - cursor))
        data = AudioSegment.from_wav(path).raw_data
        lo, hi = max(start, piece_start) - piece_start, min(end, piece_end) - piece_start
        yield data[2 * lo:2 * hi]
        cursor = piece_start + hi
    yield from _silence(max(0, end - cursor))


def _silence(frames: int) -> Iterator[bytes]:
    while frames > 0:
        n = min(frames, _SILENCE_CHUNK)
        yield b"\0\0" * n
        frames -= n
