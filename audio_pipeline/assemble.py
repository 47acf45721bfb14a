"""Pieces + pauses → the :class:`~audio_pipeline.model.Timeline`, and the episode as a PCM stream.

The timeline is computed from piece lengths alone; the audio is then streamed piece by piece (read
with pydub) to the encoder, so memory does not grow with the episode's length.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from .model import Cast, Chapter, Piece, PieceAudio, TimedChapter, TimedPiece, Timeline, Transcript
from .settings import Pauses

_SILENCE_CHUNK = 1 << 16  # frames of silence written at a time


def lay_out(transcript: Transcript, chapters: tuple[Chapter, ...], cast: Cast, pieces: tuple[Piece, ...],
            audio: tuple[PieceAudio, ...], sample_rate: int, pauses: Pauses) -> Timeline:
    """Place every piece and chapter in time (in frames at ``sample_rate``).

    A chapter starts ``pauses.chapter_lead`` before its first word (inside the pause before it),
    the first chapter at 0; each ends where the next starts and the last at the episode's end.
    Chapter boundaries and the end fall on whole milliseconds that are also whole samples (every
    20 ms at 22.05 kHz), so chapter times in ms — all an ID3 CHAP frame holds — cut clips exactly.
    """
    def frames(ms: int) -> int:
        return ms * sample_rate // 1000

    grid = sample_rate // math.gcd(sample_rate, 1000)

    timed: list[TimedPiece] = []
    cursor = 0
    for piece, sound in zip(pieces, audio, strict=True):
        cursor += frames(piece.pause_before_ms)
        timed.append(TimedPiece(piece, cursor, cursor + sound.frames))
        cursor += sound.frames
    total = -(-(cursor + frames(pauses.tail)) // grid) * grid

    starts: list[tuple[Chapter, int]] = []
    for chapter in chapters:
        first = next((t for t in timed if t.piece.chapter == chapter.index), None)
        if first is None:
            continue  # a chapter with nothing to say (only punctuation) is dropped
        lead = min(frames(pauses.chapter_lead), frames(first.piece.pause_before_ms))
        starts.append((chapter, 0 if not starts else (first.start - lead) // grid * grid))
    placed = tuple(TimedChapter(ch, start, starts[i + 1][1] if i + 1 < len(starts) else total)
                   for i, (ch, start) in enumerate(starts))
    return Timeline(transcript, cast, sample_rate, total, tuple(timed), placed, audio)


def pcm_stream(timeline: Timeline, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """The episode (or the frames ``start:end`` of it) as mono 16-bit little-endian PCM chunks."""
    from .tts.runtime import configure_pydub

    configure_pydub()
    from pydub import AudioSegment

    end = timeline.frames if end is None else end
    cursor = start
    for timed, sound in zip(timeline.pieces, timeline.audio):
        if timed.end <= start:
            continue
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
