"""The front end in processes of its own, its utterances streamed to synthesis in order.

A cold render's texts are analysed in a forked worker process (so the render's process, and the
synthesis workers forked from it, never hold the models), which sends the utterances back a few at
a time: :func:`start_preparing` returns at once, and synthesis takes each utterance as it comes
(:meth:`Preparing.utterances`). What is in the cache (:class:`.chain.FrontEnd`) is never analysed
again.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..model import Piece
from .chain import Analysis, FrontEnd, analyse_many
from .lexicon import Lexicon
from .tokens import voice_language


class Pending:
    """Utterances being worked out (:meth:`FrontEnd.start`); a context manager that stops the
    workers if the render ends before they are all taken."""

    def __init__(self, front: FrontEnd, keys: list[str], missing: list, jobs: int) -> None:
        self._front, self._keys, self._missing = front, keys, missing
        self._pool = None
        self._workers: set = set()
        self._arriving: deque = deque()
        self._ready: list[Analysis] = []
        if missing and sys.platform.startswith("linux"):
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            workers = max(1, min(jobs, 8, -(-len(missing) // _PER_WORKER)))
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                             initializer=init_worker)
            before = set(multiprocessing.active_children())
            # In order, in small chunks first: synthesis starts on the first texts while the rest are analysed.
            self._arriving.extend(self._pool.submit(analyse_many, chunk) for chunk in _chunks(missing))
            self._workers = set(multiprocessing.active_children()) - before  # forked by the first submit

    @property
    def busy(self) -> bool:
        """Whether the models are being loaded and texts analysed elsewhere right now."""
        return self._pool is not None

    def utterances(self) -> Iterator[str]:
        """The utterances, in the order of the items, each as soon as it is known."""
        front, missing = self._front, iter(self._missing)
        try:
            for key in self._keys:
                if not front.knows(key):  # a missing item's first time: the next one analysed
                    text, lang, lex = next(missing)
                    if self._pool is not None:
                        front.keep([(self._next(), lex)])
                    else:  # not on Linux: analysed here
                        front.analyse(text, lang, lex)
                yield front.say(key)
        finally:
            self.close()

    def result(self) -> list[str]:
        """The utterances, in the order of the items (waits for the workers)."""
        return list(self.utterances())

    def _next(self) -> Analysis:
        """The next analysis from the workers. A worker that dies (killed, out of memory) breaks
        the pool, whose texts are then lost: that is an error, not a wait."""
        from concurrent.futures.process import BrokenProcessPool

        while not self._ready:
            try:
                self._ready = self._arriving.popleft().result()[::-1]
            except BrokenProcessPool:
                from ..errors import AudioPipelineError

                raise AudioPipelineError("the text front end's process ended before its work was done",
                                         hint="run the same command again (what was done is cached); "
                                              "if it recurs, check the machine's free memory") from None
        return self._ready.pop()

    def close(self) -> None:
        """Stop the workers at once, whatever they are doing (loading the models takes a second: a
        render that ends early, or is interrupted, does not wait for it)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            for worker in self._workers:
                worker.terminate()  # the executor sees it die, and nothing waits on its queues' locks
            self._pool = None
            self._arriving.clear()

    def __enter__(self) -> Pending:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Preparing:
    """Pieces whose utterances the front end is working out (:func:`start_preparing`)."""

    def __init__(self, pieces: tuple[Piece, ...], front: FrontEnd, pending: Pending) -> None:
        self._pieces, self._front, self._pending = pieces, front, pending
        self._said: list[str] = []
        self._stream = self._taken()

    @property
    def busy(self) -> bool:
        """Whether the front end is analysing in other processes right now."""
        return self._pending.busy

    def utterances(self) -> Iterator[str]:
        """Each piece's utterance, in order, as soon as it is known: one stream, whose utterances a
        later :meth:`result` does not wait for again."""
        return self._stream

    def result(self) -> tuple[Piece, ...]:
        """Every piece with ``say``, its utterance (waits for the front end; keeps its cache)."""
        for _ in self._stream:
            pass
        return tuple(replace(p, say=say) for p, say in zip(self._pieces, self._said, strict=True))

    def _taken(self) -> Iterator[str]:
        for say in self._pending.utterances():
            self._said.append(say)
            yield say
        self._front.save()

    def __enter__(self) -> Preparing:
        return self

    def __exit__(self, *exc) -> None:
        self._pending.close()


def start_preparing(pieces: tuple[Piece, ...], lexicons: dict[str, Lexicon] | None = None,
                    cache_dir: Path | None = None, jobs: int = 1) -> Preparing:
    """Start the front end on every piece, for its voice's language and its speaker's lexicon
    (``lexicons`` by speaker code), and return at once: :meth:`Preparing.result` has the pieces."""
    front = FrontEnd(cache_dir)
    return Preparing(pieces, front, front.start(items_of(pieces, lexicons), jobs))


def items_of(pieces: tuple[Piece, ...], lexicons: dict[str, Lexicon] | None = None) -> list[tuple[str, str, Lexicon | None]]:
    """What the front end analyses for each piece: ``(text, its voice's language, its speaker's lexicon)``."""
    lexicons = lexicons or {}
    return [(p.text, voice_language(p.voice.voice_id), lexicons.get(p.speaker)) for p in pieces]


def prepare_pieces(pieces: tuple[Piece, ...], lexicons: dict[str, Lexicon] | None = None,
                   cache_dir: Path | None = None, jobs: int = 1) -> tuple[Piece, ...]:
    """Every piece with ``say``, its utterance: the front end run for its voice's language and its
    speaker's lexicon (``lexicons`` by speaker code), in ``jobs`` processes when there is much to do."""
    with start_preparing(pieces, lexicons, cache_dir, jobs) as preparing:
        return preparing.result()


#: Texts to analyse per worker process: loading the models costs a process about 1 s of CPU, a
#: text about 1 ms, so a second process pays only for a thousand texts or more.
_PER_WORKER = 1000
#: Texts a worker sends back at a time: at first a few (they reach synthesis after about 10 ms of
#: analysis), then more, analysed together (:func:`.chain.analyse_many`), which costs less per text.
_FIRST_CHUNK, _LAST_CHUNK = 8, 64


def _chunks(items: list) -> list[list]:
    """``items`` cut into chunks of 8, 16, 32, then 64.

    >>> [len(c) for c in _chunks(list(range(150)))]
    [8, 16, 32, 64, 30]
    """
    out, start, size = [], 0, _FIRST_CHUNK
    while start < len(items):
        out.append(items[start:start + size])
        start, size = start + size, min(2 * size, _LAST_CHUNK)
    return out


def init_worker() -> None:
    """A front-end worker: Ctrl-C is the render's to handle, and g2pM's matrix products run on one
    thread (BLAS's own threads only spin against the render's other processes; the command line
    also asks OpenBLAS for one thread before NumPy loads, which spares the idle thread's spinning)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
