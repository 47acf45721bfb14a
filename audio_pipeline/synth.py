"""Pieces → audio through the cache; what is missing is synthesized in worker processes.

Each worker speaks a piece with the engine, checks it holds sound, trims its silent edges and
fades them (pydub), and stores it in the cache. Only pieces the cache lacks are synthesized.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from .cache import PieceCache, write_wav_atomic
from .errors import AudioPipelineError, EngineError
from .model import Piece, PieceAudio, Voice
from .settings import Settings
from .text import for_engine
from .tts.engine import ENGINES

Progress = Callable[[int, int], None]  # (pieces done, pieces in all)


@dataclass(frozen=True)
class _Job:
    text: str
    voice: Voice
    dest: str
    sample_rate: int
    fade_ms: int
    trim_dbfs: float
    keep_ms: int


def synthesize(pieces: tuple[Piece, ...], engine_identity: str, settings: Settings, cache: PieceCache,
               progress: Progress | None = None) -> tuple[PieceAudio, ...]:
    """Audio of every piece, from the cache or newly synthesized (``reused`` tells which)."""
    spoken = [for_engine(p.text) for p in pieces]
    keys = [settings.piece_key(text, p.voice, engine_identity) for text, p in zip(spoken, pieces)]
    known: dict[str, int] = {}
    todo: dict[str, Piece] = {}
    texts: dict[str, str] = {}
    for piece, key, text in zip(pieces, keys, spoken):
        if key in known or key in todo:
            continue
        frames = cache.frames(key)
        if frames is None:
            todo[key] = piece
            texts[key] = text
        else:
            known[key] = frames
    made: set[str] = set()
    counts = {k: keys.count(k) for k in todo}
    done = len(pieces) - sum(counts.values())
    if progress:
        progress(done, len(pieces))
    if todo:
        target = ENGINES[settings.engine]
        workers = max(1, min(settings.jobs, len(todo)))
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                 initargs=(target,)) as pool:
            futures = {}
            for key, piece in todo.items():
                job = _Job(texts[key], piece.voice, str(cache.prepare(key)), settings.sample_rate,
                           settings.fade_ms, settings.trim_dbfs, settings.keep_ms)
                futures[pool.submit(_run_job, job)] = key
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in finished:
                    key = futures[future]
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        piece = todo[key]
                        message = error.message if isinstance(error, AudioPipelineError) else str(error)
                        raise EngineError(f"speaker {piece.speaker}: {message}", path=piece_source(settings),
                                          line=piece.line, hint="check the engine and the voice") from None
                    known[key] = future.result()
                    made.add(key)
                    done += counts[key]
                    if progress:
                        progress(done, len(pieces))
    out = []
    first_use: set[str] = set()
    for key in keys:
        fresh = key in made and key not in first_use
        first_use.add(key)
        out.append(PieceAudio(str(cache.path(key)), known[key], settings.sample_rate, reused=not fresh))
    return tuple(out)


def piece_source(settings: Settings) -> str:
    return str(settings.transcript)


_engine = None


def _init_worker(target: str) -> None:
    import importlib

    global _engine
    module_name, _, attr = target.partition(":")
    _engine = getattr(importlib.import_module(module_name), attr)()


def _run_job(job: _Job) -> int:
    """Synthesize, check, trim, fade and store one piece; return its length in frames."""
    from .tts.runtime import configure_pydub

    configure_pydub()
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

    dest = Path(job.dest)
    raw = dest.with_name(f".{dest.name}.{os.getpid()}.raw.wav")
    try:
        _engine.synthesize(job.text, job.voice, str(raw))
        try:
            segment = AudioSegment.from_wav(str(raw))
        except Exception as exc:
            raise EngineError(f"the engine wrote no readable audio for {job.text[:40]!r} ({exc})") from None
    finally:
        raw.unlink(missing_ok=True)
    segment = segment.set_channels(1).set_sample_width(2).set_frame_rate(job.sample_rate)
    if len(segment) == 0 or segment.max == 0 or segment.max_dBFS < job.trim_dbfs:
        raise EngineError(f"the engine returned no audio for {job.text[:40]!r}")
    head = detect_leading_silence(segment, job.trim_dbfs)
    tail = detect_leading_silence(segment.reverse(), job.trim_dbfs)
    start = max(0, head - job.keep_ms)
    end = len(segment) - max(0, tail - job.keep_ms)
    segment = segment[start:end].fade_in(job.fade_ms).fade_out(job.fade_ms)
    write_wav_atomic(dest, segment.raw_data, job.sample_rate)
    return int(segment.frame_count())
