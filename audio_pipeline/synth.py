"""Pieces → audio through the cache; what is missing is synthesized in worker processes.

Pieces are handed to workers a turn at a time: one engine call per turn, its pieces in order. For
an engine whose pieces depend on the ones before them in a call, a piece's cache key includes them.
Each worker speaks a run with the engine, checks every piece holds sound, trims its silent edges
and fades them (pydub), and stores it in the cache.
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
from .tts.engine import ENGINES, EngineInfo

Progress = Callable[[int, int], None]  # (pieces done, pieces in all)


@dataclass(frozen=True)
class _Run:
    texts: tuple[str, ...]
    voice: Voice
    dests: tuple[str, ...]
    sample_rate: int
    fade_ms: int
    trim_dbfs: float
    keep_ms: int


def runs_of(pieces: tuple[Piece, ...]) -> list[list[int]]:
    """Indices of the pieces grouped into engine runs: consecutive pieces of one turn."""
    runs: list[list[int]] = []
    for i, piece in enumerate(pieces):
        if runs and pieces[runs[-1][-1]].turn == piece.turn and pieces[runs[-1][-1]].voice == piece.voice:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def piece_keys(pieces: tuple[Piece, ...], engine: EngineInfo, settings: Settings) -> list[str]:
    """The cache key of every piece (chained within its run when the engine carries state over)."""
    keys = [""] * len(pieces)
    for run in runs_of(pieces):
        before = ""
        for i in run:
            key = settings.piece_key(for_engine(pieces[i].text), pieces[i].voice, engine.identity, before)
            keys[i] = key
            before = key if engine.stateful else ""
    return keys


def synthesize(pieces: tuple[Piece, ...], engine: EngineInfo, settings: Settings, cache: PieceCache,
               progress: Progress | None = None) -> tuple[PieceAudio, ...]:
    """Audio of every piece, from the cache or newly synthesized (``reused`` tells which)."""
    keys = piece_keys(pieces, engine, settings)
    known: dict[str, int] = {}
    todo: list[list[int]] = []
    scheduled: set[str] = set()
    for run in runs_of(pieces):
        frames = [known.get(keys[i]) or cache.frames(keys[i]) for i in run]
        for i, f in zip(run, frames):
            if f is not None:
                known[keys[i]] = f
        if engine.stateful:  # a missing piece means replaying its whole run
            missing = run if any(f is None for f in frames) and keys[run[-1]] not in scheduled else []
        else:
            missing = [i for i, f in zip(run, frames) if f is None and keys[i] not in scheduled]
        if missing:
            todo.append(missing)
            scheduled.update(keys[i] for i in missing)
    made: set[str] = set()
    done = len(pieces) - sum(len(run) for run in todo)
    if progress:
        progress(done, len(pieces))
    if todo:
        target = ENGINES[settings.engine]
        workers = max(1, min(settings.jobs, len(todo)))
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                 initargs=(target,)) as pool:
            futures = {}
            # Longest runs first, so no worker is left with a long one at the end.
            for run in sorted(todo, key=lambda r: -sum(len(pieces[i].text) for i in r)):
                job = _Run(tuple(for_engine(pieces[i].text) for i in run), pieces[run[0]].voice,
                           tuple(str(cache.prepare(keys[i])) for i in run), settings.sample_rate,
                           settings.fade_ms, settings.trim_dbfs, settings.keep_ms)
                futures[pool.submit(_run_job, job)] = run
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in finished:
                    run = futures[future]
                    error = future.exception()
                    if error is not None:
                        for other in pending:
                            other.cancel()
                        piece = pieces[run[getattr(error, "piece", 0)]]
                        message = error.message if isinstance(error, AudioPipelineError) else str(error)
                        raise EngineError(f"speaker {piece.speaker}: {message}", path=str(settings.transcript),
                                          line=piece.line, hint="check the engine and the voice") from None
                    for i, frames in zip(run, future.result()):
                        known[keys[i]] = frames
                        made.add(keys[i])
                    done += len(run)
                    if progress:
                        progress(done, len(pieces))
    out = []
    first_use: set[str] = set()
    for key in keys:
        fresh = key in made and key not in first_use
        first_use.add(key)
        out.append(PieceAudio(str(cache.path(key)), known[key], settings.sample_rate, reused=not fresh))
    return tuple(out)


_engine = None


def _init_worker(target: str) -> None:
    import importlib

    global _engine
    module_name, _, attr = target.partition(":")
    _engine = getattr(importlib.import_module(module_name), attr)()


def _run_job(job: _Run) -> list[int]:
    """Synthesize one run, then check, trim, fade and store each piece; return their lengths."""
    from .tts.runtime import configure_pydub

    configure_pydub()
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

    raws = [Path(d).with_name(f".{Path(d).name}.{os.getpid()}.raw.wav") for d in job.dests]
    lengths = []
    try:
        _engine.synthesize(job.texts, job.voice, [str(r) for r in raws])
        for n, (text, raw, dest) in enumerate(zip(job.texts, raws, job.dests)):
            try:
                segment = AudioSegment.from_wav(str(raw))
            except Exception as exc:
                raise _piece_error(n, f"the engine wrote no readable audio for {text[:40]!r} ({exc})") from None
            segment = segment.set_channels(1).set_sample_width(2).set_frame_rate(job.sample_rate)
            if len(segment) == 0 or segment.max == 0 or segment.max_dBFS < job.trim_dbfs:
                raise _piece_error(n, f"the engine returned no audio for {text[:40]!r}")
            head = detect_leading_silence(segment, job.trim_dbfs)
            tail = detect_leading_silence(segment.reverse(), job.trim_dbfs)
            start = max(0, head - job.keep_ms)
            end = len(segment) - max(0, tail - job.keep_ms)
            segment = segment[start:end].fade_in(job.fade_ms).fade_out(job.fade_ms)
            write_wav_atomic(Path(dest), segment.raw_data, job.sample_rate)
            lengths.append(int(segment.frame_count()))
    finally:
        for raw in raws:
            raw.unlink(missing_ok=True)
    return lengths


def _piece_error(n: int, message: str) -> EngineError:
    error = EngineError(message)
    error.piece = n
    return error
