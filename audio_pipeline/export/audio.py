"""The episode and its per-chapter clips as audio files (MP3, M4B or Opus), tagged."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..assemble import FRAME, pcm_stream
from ..cache import PieceCache
from ..encode import FORMATS, encode
from ..files import atomic_path, safe_filename
from ..model import Timeline
from ..tags import episode_fields, transcript_text, write_tags
from .mp3_segments import append_segments, encode_segments
from .peak_guard import encode_within_ceiling


def write_episode(timeline: Timeline, dest: Path, fmt: str, bitrate_kbps: int, *, cache: PieceCache,
                  jobs: int = 1, mp3_quality: int = 7, encoded_early: set[Path] = frozenset(),
                  cover: tuple[str, bytes] | None = None) -> int:
    """Encode the whole episode with its tags and chapters, atomically; return how many of its MP3
    segments were encoded in this render (here or, ``encoded_early``, during synthesis).

    MP3 is assembled from cached segments (only changed ones are encoded, ``jobs`` at a time);
    M4B and Opus are encoded in one pass, and again where the codec overshot the true-peak ceiling
    (:mod:`.peak_guard`). ``cover`` (MIME type, bytes) is embedded as the front cover.
    """
    fields = replace(episode_fields(timeline), cover=cover)
    encoded = 1
    with atomic_path(dest) as tmp:
        if fmt == "mp3":
            paths, late = encode_segments(timeline, cache, bitrate_kbps, mp3_quality, jobs)
            encoded = len(set(paths) & (late | encoded_early))
            write_tags(tmp, fmt, fields)  # the ID3 tag opens the file: tagged first, the audio is written once
            append_segments(paths, timeline.frames // FRAME, tmp)
        else:
            _encode_span(timeline, 0, timeline.frames, tmp, fmt, bitrate_kbps, chapters=fields.chapters)
            write_tags(tmp, fmt, fields)
    return encoded


def _encode_span(timeline: Timeline, start: int, end: int, dest: Path, fmt: str, bitrate_kbps: int, *,
                 chapters=(), mp3_quality: int = 7) -> None:
    """Encode the frames ``start:end`` of the episode into ``dest`` with ffmpeg; M4B and Opus again
    where the codec overshot the true-peak ceiling (LAME stays within the pieces' margin)."""
    def run(pcm) -> None:
        encode(pcm, timeline.sample_rate, dest, FORMATS[fmt], bitrate_kbps, chapters, mp3_quality=mp3_quality)

    if fmt == "mp3":
        run(pcm_stream(timeline, start, end))
    else:
        encode_within_ceiling(run, lambda: pcm_stream(timeline, start, end), timeline.sample_rate, dest)


def clip_name(index: int, title: str, extension: str) -> str:
    """``NN-<short title>.ext``, the title without its number, safe as a file name."""
    short = title.split(". ", 1)[1] if ". " in title and title.split(". ", 1)[0].isdigit() else title
    return f"{index:02d}-{safe_filename(short, 'chapter')}.{extension}"


def write_clips(timeline: Timeline, folder: Path, fmt: str, bitrate_kbps: int, mp3_quality: int = 7,
                cover: tuple[str, bytes] | None = None) -> list[Path]:
    """One file per chapter holding exactly the chapter's samples, tagged as a track of the episode
    (with the episode's cover)."""
    base = replace(episode_fields(timeline), cover=cover)
    names = timeline.names
    total = len(timeline.chapters)
    written = []
    for placed in timeline.chapters:
        chapter = placed.chapter
        inside = [t.piece for t in timeline.pieces if t.piece.chapter == chapter.index]
        speakers = tuple(dict.fromkeys(names[p.speaker] for p in inside))
        turns = sorted({p.turn for p in inside})
        fields = replace(base, title=chapter.question, album=base.title, artists=speakers,
                         track=(chapter.index, total), chapters=(),
                         lyrics=transcript_text(timeline, turns[0], turns[-1] + 1) if turns else "")
        dest = folder / clip_name(chapter.index, chapter.title, FORMATS[fmt].extension)
        with atomic_path(dest) as tmp:
            _encode_span(timeline, placed.start, placed.end, tmp, fmt, bitrate_kbps, mp3_quality=mp3_quality)
            write_tags(tmp, fmt, fields)
        written.append(dest)
    return written


def write_preview(timeline: Timeline, dest: Path, settings, seconds: float) -> Path:
    """The start of a speaker's first turn, cut at ``seconds`` (with a short fade) if longer."""
    from pydub import AudioSegment

    end = timeline.frames
    if end > (seconds + 1) * timeline.sample_rate:
        end = int(seconds * timeline.sample_rate)
    sound = AudioSegment(b"".join(pcm_stream(timeline, 0, end)), sample_width=2, frame_rate=timeline.sample_rate,
                         channels=1)
    if end < timeline.frames:
        sound = sound.fade_out(400)
    speaker = timeline.pieces[0].piece.speaker
    name, voice = timeline.names[speaker], timeline.cast.voice(speaker)
    fields = replace(episode_fields(timeline), title=f"Preview: {name}", artists=(name,),
                     album=timeline.transcript.metadata.title, comment=f"Voice: {voice.describe()}",
                     lyrics=timeline.pieces[0].piece.text, chapters=())
    with atomic_path(dest) as tmp:
        encode([sound.raw_data], timeline.sample_rate, tmp, FORMATS[settings.audio_format], settings.bitrate,
               mp3_quality=settings.mp3_quality)
        write_tags(tmp, settings.audio_format, fields)
    return dest
