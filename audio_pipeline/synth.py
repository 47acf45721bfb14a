"""Pieces → audio through the cache; what is missing is synthesized in worker processes.

A turn's pieces form a *run* (at most ``RUN_LIMIT`` of them): one engine call, its pieces in
order. For an engine whose pieces depend on the ones before them in a call, a piece's cache key
includes them. What a worker does with a task is :mod:`.synth_worker`'s.

Tasks go to a ``concurrent.futures.Executor``: by default a pool of worker processes on this machine,
which write finished pieces straight into the cache; or any executor passed in (a Dask cluster's),
whose workers share nothing with this process but the installed package: they load the engine once
each, and send every finished piece back as PCM bytes, which this process stores in its cache. Told
that they share the cache folder (a cluster on this machine), they write into it, as local workers do.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait

from .cache import PieceCache, write_wav_atomic
from .errors import AudioPipelineError, EngineError, disk_error
from .loudness import preload as preload_leveller
from .model import Piece, PieceAudio
from .frontend.chain import engine_text
from .settings import Settings
from .synth_worker import Run, Task, init_worker, run_task
from .tts.engine import ENGINES, EngineInfo

Progress = Callable[[int, int], None]  # (pieces done, pieces in all)


#: Most pieces in one engine call, so a very long turn still spreads over every worker.
RUN_LIMIT = 24


def runs_of(pieces: tuple[Piece, ...]) -> list[list[int]]:
    """Indices of the pieces grouped into engine runs: consecutive pieces of one turn, at most
    ``RUN_LIMIT`` of them."""
    return [run for run, _ in _runs(pieces, (p.text for p in pieces))]


def _runs(pieces: tuple[Piece, ...], texts: Iterable[str]) -> Iterator[tuple[list[int], list[str]]]:
    """The runs of :func:`runs_of` with their pieces' texts, each as soon as the texts that close it
    have arrived (a run ends at its ``RUN_LIMIT``-th piece, or when the next one starts another)."""
    run: list[int] = []
    said: list[str] = []
    for i, text in enumerate(texts):
        last = pieces[run[-1]] if run else None
        if last and not (last.turn == pieces[i].turn and last.voice == pieces[i].voice and len(run) < RUN_LIMIT):
            yield run, said
            run, said = [], []
        run.append(i)
        said.append(text)
    if run:
        yield run, said


def piece_keys(pieces: tuple[Piece, ...], engine: EngineInfo, settings: Settings) -> list[str]:
    """The cache key of every piece (chained within its run when the engine carries state over)."""
    return [key for run, texts in _runs(pieces, map(engine_text, pieces))
            for key in _run_keys([pieces[i] for i in run], texts, engine, settings)]


def _run_keys(run: list[Piece], texts: list[str], engine: EngineInfo, settings: Settings) -> list[str]:
    keys, before = [], ""
    for piece, text in zip(run, texts):
        keys.append(settings.piece_key(text, piece.voice, engine.identity, before))
        before = keys[-1] if engine.stateful else ""
    return keys


def synthesize(pieces: tuple[Piece, ...], engine: EngineInfo, settings: Settings, cache: PieceCache,
               progress: Progress | None = None,
               on_ready: Callable[[int, PieceAudio], None] | None = None,
               executor: Executor | None = None, shared_cache: bool = False,
               says: Iterable[str] | None = None) -> tuple[PieceAudio, ...]:
    """Audio of every piece, from the cache or newly synthesized (``reused`` tells which).

    ``on_ready(index, audio)`` is called for each piece as soon as its audio exists. ``executor``
    runs the synthesis tasks (default: ``settings.jobs`` local worker processes, started here);
    ``shared_cache`` says that its workers see this process's cache folder (so pieces need not travel).
    ``says``: the pieces' utterances in order, as the front end works them out (default: each
    piece's own): a run's task is handed out as soon as its pieces' utterances are known.
    """
    work = _Synthesis(pieces, engine, settings, cache, progress, on_ready, executor, shared_cache)
    try:
        for run, texts in _runs(pieces, says if says is not None else map(engine_text, pieces)):
            work.plan(run, texts)
        return work.finish()
    finally:
        work.stop()


class _Synthesis:
    """One :func:`synthesize` call: runs keyed as their utterances arrive, what the cache lacks
    handed out a task at a time, and finished pieces stored and reported."""

    def __init__(self, pieces, engine: EngineInfo, settings: Settings, cache: PieceCache, progress, on_ready,
                 executor: Executor | None, shared_cache: bool) -> None:
        self.pieces, self.engine, self.settings, self.cache = pieces, engine, settings, cache
        self.progress, self.on_ready, self.executor, self.shared_cache = progress, on_ready, executor, shared_cache
        self.target = ENGINES[settings.engine]
        self.keys: list[str] = []
        self.known: dict[str, int] = {}  # frames of every piece found or made, by key
        self.scheduled: set[str] = set()
        self.made: set[str] = set()
        self.waiting: dict[str, list[int]] = {}  # pieces not yet reported, by key
        self.deferred: list[str] = []  # found in the cache before any worker started
        self.batch: list[tuple[list[int], list[str]]] = []  # runs (pieces, utterances) of the next task
        self.batched = 0  # pieces in it
        self.futures: dict = {}  # every task handed out: its pieces
        self.open: set = set()  # tasks whose pieces are not stored yet
        self.pool: Executor | None = None
        self.done = 0

    def plan(self, run: list[int], texts: list[str]) -> None:
        """Key a run's pieces; queue what the cache lacks, a task's worth at a time."""
        pieces = self.pieces
        for i, key in zip(run, _run_keys([pieces[i] for i in run], texts, self.engine, self.settings)):
            self.keys.append(key)
            self.waiting.setdefault(key, []).append(i)
        keys = self.keys
        frames = [self.known.get(keys[i]) or self.cache.frames(keys[i]) for i in run]
        for i, f in zip(run, frames):
            if f is not None:
                self.known[keys[i]] = f
                (self.deferred.append if self.pool is None else self._ready)(keys[i])
        if self.engine.stateful:  # a missing piece means replaying its whole run
            replay = any(f is None for f in frames) and keys[run[-1]] not in self.scheduled
            missing = list(zip(run, texts)) if replay else []
        else:
            missing = [(i, t) for i, t, f in zip(run, texts, frames) if f is None and keys[i] not in self.scheduled]
        self.done += len(run) - len(missing)
        if missing:
            if self.batched + len(missing) > RUN_LIMIT:
                self._submit()
            self.batch.append(([i for i, _ in missing], [t for _, t in missing]))
            self.batched += len(missing)
            self.scheduled.update(keys[i] for i, _ in missing)
            if self.batched == RUN_LIMIT:
                self._submit()

    def finish(self) -> tuple[PieceAudio, ...]:
        """Hand out the last task, wait for every piece; the audio of each, in order."""
        if self.batch:
            self._submit()
        for key in self.deferred:
            self._ready(key)
        if self.progress:
            self.progress(self.done, len(self.pieces))
        self._collect(block=True)
        out, first_use = [], set()
        for key in self.keys:
            fresh = key in self.made and key not in first_use
            first_use.add(key)
            out.append(PieceAudio(str(self.cache.path(key)), self.known[key], self.settings.sample_rate,
                                  reused=not fresh))
        return tuple(out)

    def stop(self) -> None:
        """On an error or Ctrl-C: drop what has not started, let running pieces finish (they are
        short and land in the cache, so a re-run resumes from them)."""
        if self.pool is not None and self.executor is None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        elif self.pool is not None:  # not ours to shut down: only our tasks are dropped
            for future in self.futures:
                future.cancel()

    def _submit(self) -> None:
        s, keys, cache = self.settings, self.keys, self.cache
        if self.pool is None:
            self.pool = self.executor if self.executor is not None else _local_pool(s.jobs, self.target)
        remote = () if self.executor is None else (self.target, self.engine.identity, self.shared_cache)
        task = Task(tuple(Run(tuple(texts), self.pieces[run[0]].voice, tuple(str(cache.prepare(keys[i])) for i in run))
                           for run, texts in self.batch),
                     s.sample_rate, s.fade_ms, s.trim_dbfs, s.keep_ms, s.loudness_lufs, str(cache.scratch), *remote)
        future = self.pool.submit(run_task, task)
        self.futures[future] = [i for run, _ in self.batch for i in run]
        self.open.add(future)
        self.batch.clear()
        self.batched = 0
        while self.deferred:  # only now, with the workers started: this may start threads
            self._ready(self.deferred.pop())
        self._collect(block=False)

    def _collect(self, block: bool) -> None:
        """Store and report the pieces of finished tasks (all of them, if ``block``)."""
        s, keys = self.settings, self.keys
        while self.open:
            finished, _ = wait(self.open, timeout=None if block else 0, return_when=FIRST_COMPLETED)
            if not finished:
                return
            for future in finished:
                self.open.discard(future)
                indices = self.futures[future]
                error = future.exception()
                if error is not None:
                    piece = self.pieces[indices[getattr(error, "piece", 0)]]
                    if isinstance(error, OSError):  # the cache could not be written
                        raise disk_error(error, s.cache_dir) from None
                    message = error.message if isinstance(error, AudioPipelineError) else str(error)
                    raise EngineError(f"speaker {piece.speaker}: {message}", path=str(s.transcript), line=piece.line,
                                      hint=getattr(error, "hint", None) or "check the engine and the voice") from None
                for i, frames in zip(indices, future.result()):
                    if isinstance(frames, bytes):  # from a worker that does not share our cache
                        write_wav_atomic(self.cache.path(keys[i]), frames, s.sample_rate, self.cache.scratch)
                        frames = len(frames) // 2
                    self.known[keys[i]] = frames
                    self.made.add(keys[i])
                    self._ready(keys[i])
                self.done += len(indices)
                if self.progress:
                    self.progress(self.done, len(self.pieces))

    def _ready(self, key: str) -> None:
        """Report the pieces waiting for ``key``, whose audio exists."""
        for i in self.waiting.pop(key, ()) if self.on_ready else ():
            self.on_ready(i, PieceAudio(str(self.cache.path(key)), self.known[key], self.settings.sample_rate,
                                        reused=key not in self.made))


def _local_pool(jobs: int, target: str) -> Executor:
    """``jobs`` worker processes on this machine, which load the engine ``target`` as they start."""
    preload_leveller()  # once here rather than in every worker
    # Fork on Linux: no fresh interpreter to start, and nothing unsafe is inherited (eSpeak NG is
    # loaded but never initialised in this process). Spawn elsewhere (macOS, Windows).
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    return ProcessPoolExecutor(max(1, jobs), mp_context=context, initializer=init_worker,
                               initargs=(target, os.getpid()))


def lasting_workers(jobs: int, engine: str) -> Executor:
    """``jobs`` synthesis worker processes for many renders, started now: for a process that renders
    episode after episode (a batch's), whose renders hand them their tasks as any executor's (with
    ``shared_cache``). Started while that process is still small, they and the engine processes they
    fork stay small too, instead of each starting as a copy of a process that has drawn covers and
    encoded episodes."""
    pool = _local_pool(jobs, ENGINES[engine])
    wait([pool.submit(int) for _ in range(max(1, jobs))])  # forked now
    return pool
