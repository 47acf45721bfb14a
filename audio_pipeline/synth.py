"""Pieces → audio through the cache; what is missing is synthesized in worker processes.

A turn's pieces form a *run* (at most ``RUN_LIMIT`` of them): one engine call, its pieces in
order. For an engine whose pieces depend on the ones before them in a call, a piece's cache key
includes them. Each worker speaks its task's runs with the engine (which may overlap them), checks
every piece holds sound, trims its silent edges and fades them (pydub), levels its loudness
(:mod:`.loudness`), and stores it in the cache.

Tasks go to a ``concurrent.futures.Executor``: by default a pool of worker processes on this machine,
which write finished pieces straight into the cache; or any executor passed in (a Dask cluster's),
whose workers share nothing with this process but the installed package: they load the engine once
each, and send every finished piece back as PCM bytes, which this process stores in its cache. Told
that they share the cache folder (a cluster on this machine), they write into it, as local workers do.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from .cache import PieceCache, scratch_file, write_wav_atomic
from .errors import AudioPipelineError, EngineError, disk_error
from .loudness import level, piece_target
from .loudness import preload as preload_leveller
from .model import Piece, PieceAudio, Voice
from .settings import Settings
from .frontend.chain import engine_text
from .tts.engine import ENGINES, EngineInfo

Progress = Callable[[int, int], None]  # (pieces done, pieces in all)


@dataclass(frozen=True)
class _Run:
    """One engine call: texts in one voice, and where each piece goes."""

    texts: tuple[str, ...]
    voice: Voice
    dests: tuple[str, ...]


@dataclass(frozen=True)
class _Task:
    """What one worker does at a time: a few engine calls, and how to finish their pieces."""

    runs: tuple[_Run, ...]
    sample_rate: int
    fade_ms: int
    trim_dbfs: float
    keep_ms: int
    loudness_lufs: float
    scratch: str  #: the cache's folder for temporary files
    #: For a worker that may run on another machine: the engine to load (``module:Class``); the
    #: finished pieces come back as PCM bytes instead of being written to ``dests``.
    engine: str = ""
    #: The engine's identity in the render's process (part of every cache key): such a worker
    #: refuses the task if its own engine differs (another eSpeak NG version speaks differently).
    identity: str = ""
    #: Such a worker shares the cache folder: it writes pieces to ``dests``, as a local worker does.
    shared: bool = False


#: Most pieces in one engine call, so a very long turn still spreads over every worker.
RUN_LIMIT = 24


def runs_of(pieces: tuple[Piece, ...]) -> list[list[int]]:
    """Indices of the pieces grouped into engine runs: consecutive pieces of one turn, at most
    ``RUN_LIMIT`` of them."""
    runs: list[list[int]] = []
    for i, piece in enumerate(pieces):
        last = pieces[runs[-1][-1]] if runs else None
        if last and last.turn == piece.turn and last.voice == piece.voice and len(runs[-1]) < RUN_LIMIT:
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
            key = settings.piece_key(engine_text(pieces[i]), pieces[i].voice, engine.identity, before)
            keys[i] = key
            before = key if engine.stateful else ""
    return keys


def synthesize(pieces: tuple[Piece, ...], engine: EngineInfo, settings: Settings, cache: PieceCache,
               progress: Progress | None = None,
               on_ready: Callable[[int, PieceAudio], None] | None = None,
               executor: Executor | None = None, shared_cache: bool = False) -> tuple[PieceAudio, ...]:
    """Audio of every piece, from the cache or newly synthesized (``reused`` tells which).

    ``on_ready(index, audio)`` is called for each piece as soon as its audio exists. ``executor``
    runs the synthesis tasks (default: ``settings.jobs`` local worker processes, started here);
    ``shared_cache`` says that its workers see this process's cache folder (so pieces need not travel).
    """
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
    waiting: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        waiting.setdefault(key, []).append(i)

    def ready(key: str) -> None:
        for i in waiting.pop(key, ()) if on_ready else ():
            on_ready(i, PieceAudio(str(cache.path(key)), known[key], settings.sample_rate, reused=key not in made))

    if not todo:
        for key in list(known):
            ready(key)
    else:
        target = ENGINES[settings.engine]
        if executor is None:
            preload_leveller()  # once here rather than in every worker
            workers = max(1, min(settings.jobs, len(todo)))
            # Fork on Linux: no fresh interpreter to start, and nothing unsafe is inherited (eSpeak
            # NG is loaded but never initialised in this process). Spawn elsewhere (macOS, Windows).
            context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
            pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                       initargs=(target, os.getpid()))
        else:
            pool = executor
        try:
            futures = {}
            for batch in _batches(todo):
                task = _Task(tuple(_Run(tuple(engine_text(pieces[i]) for i in run), pieces[run[0]].voice,
                                        tuple(str(cache.prepare(keys[i])) for i in run)) for run in batch),
                             settings.sample_rate, settings.fade_ms, settings.trim_dbfs, settings.keep_ms,
                             settings.loudness_lufs, str(cache.scratch),
                             *(("", "") if executor is None else (target, engine.identity, shared_cache)))
                futures[pool.submit(_run_task, task)] = [i for run in batch for i in run]
            for key in list(known):  # only now, with the workers started: this may start threads
                ready(key)
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    indices = futures[future]
                    error = future.exception()
                    if error is not None:
                        piece = pieces[indices[getattr(error, "piece", 0)]]
                        if isinstance(error, OSError):  # the cache could not be written
                            raise disk_error(error, settings.cache_dir) from None
                        message = error.message if isinstance(error, AudioPipelineError) else str(error)
                        raise EngineError(f"speaker {piece.speaker}: {message}", path=str(settings.transcript),
                                          line=piece.line,
                                          hint=getattr(error, "hint", None) or "check the engine and the voice") from None
                    for i, frames in zip(indices, future.result()):
                        if isinstance(frames, bytes):  # from a worker that does not share our cache
                            write_wav_atomic(cache.path(keys[i]), frames, settings.sample_rate, cache.scratch)
                            frames = len(frames) // 2
                        known[keys[i]] = frames
                        made.add(keys[i])
                        ready(keys[i])
                    done += len(indices)
                    if progress:
                        progress(done, len(pieces))
        finally:
            # On an error or Ctrl-C: drop what has not started, let running pieces finish (they
            # are short and land in the cache, so a re-run resumes from them).
            if executor is None:
                pool.shutdown(wait=True, cancel_futures=True)
            else:  # not ours to shut down: only our tasks are dropped
                for future in futures:
                    future.cancel()
    out = []
    first_use: set[str] = set()
    for key in keys:
        fresh = key in made and key not in first_use
        first_use.add(key)
        out.append(PieceAudio(str(cache.path(key)), known[key], settings.sample_rate, reused=not fresh))
    return tuple(out)


def _batches(runs: list[list[int]]) -> list[list[list[int]]]:
    """Runs grouped into worker tasks of about ``RUN_LIMIT`` pieces (many tiny turns travel
    together), in timeline order: the episode's segments then complete one after another, and
    each is encoded while later ones are still being synthesized."""
    batches: list[list[list[int]]] = []
    size = 0
    for run in runs:
        if not batches or size + len(run) > RUN_LIMIT:
            batches.append([])
            size = 0
        batches[-1].append(run)
        size += len(run)
    return batches


_engine = None


def _init_worker(target: str, parent: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with(parent)
    global _engine
    _engine = _load_engine(target)


def prepare_worker(target: str) -> None:
    """Load the engine ``target`` (``module:Class``) and pydub in this worker process, once: a
    cluster's workers do it as they start, or else on their first task."""
    from .tts.runtime import import_pydub

    global _engine
    if _engine is None:
        _engine = _load_engine(target)
    import_pydub()


@functools.cache
def _identity() -> str:
    return _engine.info().identity


def _load_engine(target: str):
    import importlib

    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)()


_scratch: Path | None = None


def _worker_scratch() -> Path:
    """This worker's own folder for the engine's raw files (removed when the worker exits)."""
    global _scratch
    if _scratch is None:
        import atexit
        import shutil
        import tempfile

        _scratch = Path(tempfile.mkdtemp(prefix="audio-pipeline-worker-"))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def _die_with(parent: int) -> None:
    """End this worker when the render's process ends. A pool's workers never notice their parent's
    death on their own: killed with SIGKILL (or by the OOM killer), a render left both its workers
    blocked on the task queue for good. Linux only (``prctl``)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _run_task(task: _Task) -> list[int] | list[bytes]:
    """Synthesize the task's runs, then check, trim, fade and store each piece; return the length
    of every piece, in order (or, for a task naming its engine without sharing the cache, every
    piece's PCM)."""
    from .tts.engine import synthesize_runs
    from .tts.runtime import import_pydub

    import_pydub()
    scratch = Path(task.scratch)
    if task.engine:  # a worker of any executor: loads the engine on its first task, keeps it
        prepare_worker(task.engine)
        if _identity() != task.identity:
            raise EngineError(f"a worker's speech engine ({_identity()}) is not the render's ({task.identity})",
                              hint="install the same audio-pipeline and eSpeak NG on every machine")
        if not task.shared:
            scratch = _worker_scratch()
    raws = [[scratch_file(scratch, f"{Path(d).stem}.raw.wav") for d in run.dests] for run in task.runs]
    pieces = [piece for run, run_raws in zip(task.runs, raws) for piece in zip(run.texts, run_raws, run.dests)]
    try:
        synthesize_runs(_engine, [(run.texts, run.voice, [str(r) for r in run_raws])
                                  for run, run_raws in zip(task.runs, raws)])
        return [_finish(n, text, raw, dest, task) for n, (text, raw, dest) in enumerate(pieces)]
    finally:
        for _, raw, _ in pieces:
            raw.unlink(missing_ok=True)


def _finish(n: int, text: str, raw: Path, dest: str, task: _Task) -> int | bytes:
    """Check that piece ``n`` holds sound, trim its silent edges, fade them, level its
    loudness, store it; its length (or, for a task naming its engine without sharing the cache,
    its PCM: the caller stores it)."""
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

    try:
        segment = AudioSegment.from_wav(str(raw))
    except Exception as exc:
        raise _piece_error(n, f"the engine wrote no readable audio for {text[:40]!r} ({exc})") from None
    segment = segment.set_channels(1).set_sample_width(2).set_frame_rate(task.sample_rate)
    if len(segment) == 0 or segment.max_dBFS < task.trim_dbfs:  # all zeros: -inf dBFS
        raise _piece_error(n, f"the engine returned no audio for {text[:40]!r}")
    head = detect_leading_silence(segment, task.trim_dbfs)
    tail = detect_leading_silence(segment.reverse(), task.trim_dbfs)
    start = max(0, head - task.keep_ms)
    end = len(segment) - max(0, tail - task.keep_ms)
    segment = segment[start:end].fade_in(task.fade_ms).fade_out(task.fade_ms)
    pcm = _levelled(segment.raw_data, task)
    if task.engine and not task.shared:
        return pcm
    write_wav_atomic(Path(dest), pcm, task.sample_rate, Path(task.scratch))
    return int(segment.frame_count())


def _levelled(pcm: bytes, task: _Task) -> bytes:
    """16-bit PCM levelled for the task's episode loudness (its true peak kept below full scale)."""
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    out = level(samples, task.sample_rate, piece_target(task.loudness_lufs))
    return np.clip(np.rint(out * 32768.0), -32768, 32767).astype("<i2").tobytes()


def _piece_error(n: int, message: str) -> EngineError:
    error = EngineError(message)
    error.piece = n
    return error
