"""A local batch's episode workers: processes that render episodes side by side, one per core.

Each is spawned (not forked) and starts its own synthesis workers first, while it is still small;
they serve every episode it renders, and are replaced if one of them dies. :func:`.batch.run_batch`
hands its episodes to the pool :func:`local_episodes` returns; a render in such a worker finds its
synthesis workers through :func:`synthesis_workers`. A batch that renders its episodes one at a
time in its own process (one core, or ``--jobs 1``) keeps synthesis workers the same way, for as
long as :func:`serving` lasts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor

from .heap import few_malloc_arenas
from .settings import Settings

#: An episode worker's synthesis workers, which serve all its episodes (:func:`start_worker`),
#: and what starts them again.
_synthesis: Executor | None = None
_synthesis_args: tuple[int, str] = (1, "pyttsx3")


def local_episodes(settings: Settings, episodes: int) -> tuple[Executor | None, int]:
    """The worker processes that render a local batch's episodes side by side, and how many: one
    episode per core, each with its share of the cores (with every core each, 40 episodes on 2
    cores took 3% less time but their peak memory, summed over the processes, doubled). None (one
    episode at a time, with every core) when there is one core or one episode. The processes are
    spawned, not forked: the batch's process runs the display's threads, and a fork copies none of
    them but keeps whatever lock they held."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(settings.jobs, episodes)
    if workers < 2:
        return None, 1
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=start_worker, initargs=(settings.engine, max(1, settings.jobs // workers)))
    for _ in range(workers):  # started now: they load while the front end loads its models
        pool.submit(int)
    return pool, workers


def start_worker(engine: str, jobs: int) -> None:
    """An episode worker: start its ``jobs`` synthesis workers first, while it is small, then load
    what every render needs (the pipeline, the engine's description, what levelling and the cover
    use), not in its first episode."""
    few_malloc_arenas()
    _start_synthesis(engine, jobs)
    from .export.cover import face_index, font_characters
    from .loudness import preload
    from .pipeline import render  # noqa: F401
    from .tts.engine import load_engine

    load_engine(engine).info()
    preload()
    font_characters(face_index("zh"))  # the face most covers are set in


@contextlib.contextmanager
def serving(engine: str, jobs: int) -> Iterator[None]:
    """This process's ``jobs`` synthesis workers, started now (while it is small) for every render
    within, and stopped after."""
    _start_synthesis(engine, jobs)
    try:
        yield
    finally:
        stop_synthesis_workers()


def _start_synthesis(engine: str, jobs: int) -> None:
    global _synthesis_args
    _synthesis_args = (jobs, engine)
    synthesis_workers()


def has_synthesis_workers() -> bool:
    """Whether this process keeps synthesis workers for its renders (an episode worker, or within
    :func:`serving`)."""
    return _synthesis is not None


def synthesis_workers() -> Executor:
    """The episode worker's synthesis workers: those it has, or new ones if one of them died (a
    crash fails the episode it happened in, as it would with a render's own workers, not the next)."""
    global _synthesis
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing.util import Finalize

    from .synth import lasting_workers

    if _synthesis is not None:
        try:
            _synthesis.submit(int).result()
            return _synthesis
        except BrokenProcessPool:
            _synthesis.shutdown(wait=True)
    _synthesis = lasting_workers(*_synthesis_args)
    Finalize(_synthesis, _synthesis.shutdown, exitpriority=10)  # as this worker ends (atexit is not run)
    return _synthesis


def stop_synthesis_workers() -> None:
    """Shut this process's synthesis workers down."""
    global _synthesis
    if _synthesis is not None:
        _synthesis.shutdown()
    _synthesis = None
