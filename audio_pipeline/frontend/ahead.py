"""The front end for many renders in a row: one long-lived process keeps the models loaded and
analyses each render's texts before the render starts, so that no render loads them again.

A batch plans its next episodes in its own process, hands what the front end has not cached to
:class:`Ahead`, and waits for an episode's analyses only when the episode is about to be rendered;
they are then in the cache, where the render finds them. Loading the models costs a process about
1 s of CPU; an episode of the example's size needs about 40 ms of analysis after that.
"""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

from .chain import FrontEnd, analyse_many
from .lexicon import Lexicon
from .preparing import init_worker

Item = tuple[str, str, "Lexicon | None"]


class Ahead:
    """Analyses for renders to come, in one worker process started on first use (spawned: the
    process that asks may run threads, which a fork would copy without)."""

    def __init__(self, cache_dir: Path | None) -> None:
        self._cache_dir = cache_dir
        self._pool = None
        self._broken = False
        self._pending: dict[object, tuple[Future, list[Item]]] = {}

    def submit(self, name: object, items: list[Item]) -> None:
        """Start analysing the items the cache lacks, for the render called ``name``."""
        if self._broken or self._cache_dir is None:
            return
        missing = FrontEnd(self._cache_dir).missing(items)
        if not missing:
            return
        try:
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=init_worker)
            self._pending[name] = (self._pool.submit(analyse_many, missing), missing)
        except Exception:  # noqa: BLE001 - a broken pool: the renders analyse for themselves
            self._broken = True

    def wait(self, name: object) -> None:
        """Wait for ``name``'s analyses and store them in the cache. A failure is left for the
        render to meet (and report) itself."""
        future, missing = self._pending.pop(name, (None, []))
        if future is None:
            return
        try:
            analyses = future.result()
        except Exception:  # noqa: BLE001 - the render analyses what is missing on its own
            return
        front = FrontEnd(self._cache_dir)
        front.keep([(analysis, lex) for analysis, (_, _, lex) in zip(analyses, missing)])
        front.save()

    def close(self) -> None:
        """Drop what has not started and let the worker go."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Ahead:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
