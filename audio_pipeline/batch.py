"""Render a whole archive of transcripts into one output folder, one episode each.

Before any audio is made, every transcript is read once to name and cast the archive
(:mod:`.archive`). Locally, episodes are rendered side by side in worker processes of their own,
one per core, each with synthesis workers that serve all its episodes; on a cluster, a few at a
time in threads of this process, their synthesis handed to the cluster. The text front end's
models are loaded once, in one process that analyses each episode's texts before it is rendered.
A transcript that fails is reported and the rest still render; an episode whose inputs are
unchanged and whose files all exist is skipped.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from .archive import STATE_FILE, archive_voices, episode_slugs, find_transcripts, fingerprint, read_state, write_state
from .episode_worker import has_synthesis_workers, local_episodes, serving, synthesis_workers
from .errors import AudioPipelineError
from .files import check_writable
from .frontend.ahead import Ahead
from .heap import few_malloc_arenas
from .settings import Settings
from .voices_file import load_casting

RENDERED, SKIPPED, FAILED = "rendered", "unchanged", "failed"


@dataclass(frozen=True)
class EpisodeOutcome:
    """What became of one transcript of the batch."""

    source: Path
    slug: str
    status: str
    duration_ms: int = 0
    chapters: int = 0
    pieces_synthesized: int = 0
    pieces_reused: int = 0
    #: For a failure: one line, ``file:line: what is wrong (what to do)``.
    error: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchResult:
    """Every episode's outcome, in the transcripts' order."""

    outcomes: tuple[EpisodeOutcome, ...]
    feed: Path | None = None

    @property
    def failed(self) -> tuple[EpisodeOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == FAILED)


class BatchProgress(Protocol):
    """What a batch reports while it runs (all optional to act on)."""

    def episode_started(self, number: int, total: int, source: Path) -> None: ...

    def pieces(self, done: int, total: int) -> None: ...

    def episode_finished(self, outcome: EpisodeOutcome) -> None: ...


def run_batch(spec: str | Path, settings: Settings, *, executor: Executor | None = None,
              progress: BatchProgress | None = None, at_once: int = 1,
              encoder: Executor | None = None, shared_cache: bool = False) -> BatchResult:
    """Render every transcript of ``spec`` (a folder or a glob) into ``settings.out_dir``.

    ``settings`` applies to every episode (its ``transcript`` and ``slug`` are set per episode).
    A transcript that fails is reported in its outcome and the others still render; an episode
    whose inputs are unchanged since the last batch into the same folder, and whose files exist,
    is skipped. With an ``executor`` (a cluster's), ``at_once`` episodes are rendered side by side
    (each in a thread of this process), so that a cluster has work from the next episode while
    this one is laid out and written. Without one, episodes are rendered side by side in
    ``settings.jobs`` worker processes (:func:`.episode_worker.local_episodes`), each with its share of the cores:
    an episode's serial parts (parsing, the front end's start, the last encodes, the tags) then
    overlap another's synthesis. ``shared_cache``: the executor's workers see this machine's cache
    folder (a cluster started here). ``encoder`` runs the MP3 segment encodes (default: threads of the
    process that renders the episode).
    """
    from .pipeline import render, write_folder_files
    from .transcript import read_transcript
    from .tts.engine import load_engine

    paths = find_transcripts(spec)
    slugs = episode_slugs(paths)
    few_malloc_arenas()
    casting = load_casting(settings.voices) if settings.voices else None
    engine = load_engine(settings.engine).info()
    check_writable(settings.out_dir)
    rosters: list[list[tuple[str, str]] | AudioPipelineError] = []
    for path in paths:  # only the rosters are kept: a thousand parsed transcripts would not be small
        try:
            rosters.append([(s.code, s.name) for s in read_transcript(path).speakers])
        except AudioPipelineError as exc:
            rosters.append(exc)
    good = [r for r in rosters if not isinstance(r, AudioPipelineError)]
    voices = iter(archive_voices(good, engine, casting))
    overrides = [() if isinstance(r, AudioPipelineError) else next(voices) for r in rosters]
    state_path = settings.out_dir / STATE_FILE
    state = read_state(state_path)
    base = replace(settings, voices_explicit=False)  # one casting file covers the whole archive
    if executor is None:
        pool, workers = local_episodes(settings, len(paths))
        base = replace(base, jobs=max(1, settings.jobs // workers))  # the cores shared out
        # Outcomes are taken in the transcripts' order: with only one episode queued per worker, a
        # worker done early would wait for a slower one's episode to be taken.
        at_once = 2 * workers if pool else 1
    else:
        pool, at_once = None, max(1, at_once)
    tally = _Tally(progress)
    outcomes: list[EpisodeOutcome] = []
    in_flight: deque = deque()  # (path, slug, stamp, future) in the transcripts' order
    episodes: list[_Episode] = []
    for number, (path, slug, roster, voice) in enumerate(zip(paths, slugs, rosters, overrides), 1):
        episode = _Episode(number, replace(base, transcript=path, slug=slug), voice)
        if isinstance(roster, AudioPipelineError):
            episode = replace(episode, settled=EpisodeOutcome(path, slug, FAILED, error=roster.one_line()))
        else:
            stamp = fingerprint(episode.settings, voice, engine.identity)
            known = state.get(slug, {})
            if known.get("fingerprint") == stamp and all((settings.out_dir / f).exists() for f in known["files"]):
                episode = replace(episode, settled=EpisodeOutcome(path, slug, SKIPPED, known["duration_ms"],
                                                                  known["chapters"], 0, known["pieces"]))
            else:
                episode = replace(episode, stamp=stamp)
        episodes.append(episode)
    to_render = [e for e in episodes if e.settled is None]

    def finish() -> None:
        path, slug, stamp, future = in_flight.popleft()
        outcome, files = future.result()
        if stamp is not None:
            state.pop(slug, None)
            if outcome.status == RENDERED:
                state[slug] = {"source": str(path), "fingerprint": stamp, "files": files,
                               "duration_ms": outcome.duration_ms, "chapters": outcome.chapters,
                               "pieces": outcome.pieces_synthesized + outcome.pieces_reused}
            write_state(state_path, state)
        if progress:
            progress.episode_finished(outcome)
        outcomes.append(outcome)

    with contextlib.ExitStack() as stack:
        if executor is None and pool is None and len(to_render) > 1:
            # Episodes one at a time in this process: synthesis workers that serve them all, started
            # before this process has drawn covers and encoded episodes (a copy of it each time).
            stack.enter_context(serving(settings.engine, base.jobs))
        threads = stack.enter_context(pool) if pool else (
            stack.enter_context(ThreadPoolExecutor(at_once)) if at_once > 1 else None)
        # The front end's models are loaded once, in one process, which analyses each episode's
        # texts before the episode is rendered; the renders find them in the cache.
        ahead = stack.enter_context(Ahead(settings.cache_dir))
        planned = rendered = 0  # episodes handed to the front end, and to a renderer
        for episode in episodes:
            path, slug = episode.settings.transcript, episode.settings.slug
            while len(in_flight) >= at_once:
                finish()
            if progress:
                progress.episode_started(episode.number, len(paths), path)
            if episode.settled is not None:
                in_flight.append((path, slug, None, _done((episode.settled, []))))
                continue
            while planned < len(to_render) and planned <= rendered + at_once:
                ahead.submit(to_render[planned].number, _front_end_items(to_render[planned]))
                planned += 1
            ahead.wait(episode.number)
            rendered += 1
            # Another process's piece counts cannot reach this one's display: its episode is
            # reported when it ends.
            job = (render, episode.settings, episode.voice, None if pool else tally.reporter(episode.number),
                   executor, encoder, shared_cache)
            in_flight.append((path, slug, episode.stamp, threads.submit(_render_one, *job) if threads
                              else _done(_render_one(*job))))
        while in_flight:
            finish()
    # Once, at the end: feed.xml and index.html list every episode in the folder, earlier ones too.
    return BatchResult(tuple(outcomes), write_folder_files(settings))


@dataclass(frozen=True)
class _Episode:
    """One transcript of the batch: its number (from 1), its settings and archive casting, and
    either the fingerprint it will be rendered under or its outcome, settled without rendering."""

    number: int
    settings: Settings
    voice: tuple[str, ...]
    stamp: str | None = None
    settled: EpisodeOutcome | None = None


def _front_end_items(episode: _Episode) -> list:
    """What the front end analyses for an episode (nothing if it cannot be planned: its render
    then reports why)."""
    from .frontend.preparing import items_of
    from .pipeline import plan_render

    try:
        plan, pieces = plan_render(episode.settings, voice_overrides=episode.voice)
    except AudioPipelineError:
        return []
    return items_of(pieces, plan.lexicons)


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


class _Tally:
    """Pieces done and to do over the episodes in flight, reported as one count."""

    def __init__(self, progress: BatchProgress | None) -> None:
        self._progress = progress
        self._counts: dict[int, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def reporter(self, episode: int) -> Callable[[int, int], None] | None:
        if self._progress is None:
            return None

        def report(done: int, total: int) -> None:
            with self._lock:
                self._counts[episode] = (done, total)
                self._progress.pieces(sum(d for d, _ in self._counts.values()),
                                      sum(t for _, t in self._counts.values()))
                if done == total:  # synthesis over: the episode is being laid out and written
                    del self._counts[episode]
        return report


def _render_one(render: Callable, settings: Settings, voice: tuple[str, ...], pieces,
                executor, encoder, shared_cache: bool = False) -> tuple[EpisodeOutcome, list[str]]:
    """Render one episode; keep only its figures and file names (not its timeline), or its error
    as one line."""
    if executor is None and has_synthesis_workers():
        executor, shared_cache = synthesis_workers(), True
    try:
        result = render(settings, voice_overrides=voice, progress=pieces, executor=executor, encoder=encoder,
                        shared_cache=shared_cache, folder=False)
    except AudioPipelineError as exc:
        return EpisodeOutcome(settings.transcript, settings.slug, FAILED, error=exc.one_line()), []
    except Exception as exc:  # noqa: BLE001 - one transcript's bug must not cost the others
        why = (f"{settings.transcript}: unexpected error: {type(exc).__name__}: {exc} "
               f"(audio-pipeline --debug render {settings.transcript} shows the traceback)")
        return EpisodeOutcome(settings.transcript, settings.slug, FAILED, error=why), []
    files = [f for v in result.files.values() for f in (v if isinstance(v, list) else [v])]
    outcome = EpisodeOutcome(settings.transcript, settings.slug, RENDERED, result.timeline.duration_ms,
                             len(result.timeline.chapters), result.pieces_synthesized, result.pieces_reused,
                             warnings=result.warnings)
    return outcome, files + [result.manifest.name]


