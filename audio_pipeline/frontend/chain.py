"""The front end's passes in order, their identity, and a cache of what they computed.

``analyse(text, lang, lexicon)`` runs the chain over one piece's text: the lexicon claims the user's
words first, then numbers are written out, the rest is cut into words, symbols between Chinese
words are said in Chinese, Hanzi get their readings, what eSpeak NG cannot say is respelt, and the
tokens are joined into the engine's utterance. The same function serves a render
(:func:`prepare_pieces`) and ``audio-pipeline pronounce``.

What the chain computes is kept in ``<cache>/frontend/``, keyed by the text, the voice's language,
the lexicon in effect and the chain's names and versions, so a warm render loads neither the
readings' models nor the dictionaries. The audio cache is keyed by the utterance itself: a change of
rule or dictionary re-synthesizes exactly the pieces whose utterance it changes.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ..model import Piece
from . import blindspots, lexicon, numbers, readings, symbols, utterance, words
from .lexicon import Lexicon
from .tokens import Draft, Token, voice_language

#: The passes, in the order they run.
PASSES = (lexicon, numbers, words, symbols, readings, blindspots)


def chain_identity() -> str:
    """The names and versions of the passes and of the last step, e.g. ``lexicon-1,numbers-1,…``."""
    return ",".join(f"{p.NAME}-{p.VERSION}" for p in (*PASSES, utterance))


@dataclass(frozen=True)
class Analysis:
    """A text as the front end prepared it: its tokens and the utterance the engine is given."""

    text: str
    lang: str
    tokens: tuple[Token, ...]
    say: str


def analyse(text: str, lang: str, lex: Lexicon | None = None) -> Analysis:
    """Run the chain over ``text`` for a voice speaking ``lang`` (``zh``, ``en``, …).

    >>> analyse("2017年", "zh").say
    'er4ling2yi1qi1 nian2'
    """
    draft = Draft.start(text, lang)
    for step in PASSES:
        draft = step.run(draft, lex)
    return Analysis(text, lang, draft.tokens, utterance.utterance(draft))


class FrontEnd:
    """``analyse`` with a cache: in memory, and in ``cache_dir/frontend/<chain>/`` when given, one
    small file per analysed text, so a render reads only its own texts whatever the archive's size."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self._dir = (Path(cache_dir) / "frontend" / hashlib.sha256(chain_identity().encode()).hexdigest()[:16]
                     if cache_dir else None)
        self._known: dict[str, list] = {}
        self._new: dict[str, list] = {}
        self._lock = threading.Lock()

    def analyse(self, text: str, lang: str, lex: Lexicon | None = None) -> Analysis:
        """Like :func:`analyse`, from the cache when this text was analysed before."""
        return self.cached(text, lang, lex) or self._keep(analyse(text, lang, lex), lex)

    def cached(self, text: str, lang: str, lex: Lexicon | None = None) -> Analysis | None:
        """The cached analysis of ``text``, or None."""
        if (hit := self._entry(_key(text, lang, lex))) is not None:
            return Analysis(text, lang, tuple(Token(*t[:6], tuple(t[6]), t[7]) for t in hit[1]), hit[0])
        return None

    def utterances(self, items: list[tuple[str, str, Lexicon | None]], jobs: int = 1) -> list[str]:
        """The utterance of every ``(text, lang, lexicon)`` (:meth:`start`, then its result)."""
        with self.start(items, jobs) as pending:
            return pending.result()

    def start(self, items: list[tuple[str, str, Lexicon | None]], jobs: int = 1) -> Pending:
        """Start working out the utterance of every ``(text, lang, lexicon)`` and return at once.
        What is not cached is analysed in up to ``jobs`` forked processes (Linux), so this process
        never loads the readings' models (the synthesis workers forked from it later stay small)
        and is free to prepare the rest of the render meanwhile."""
        return Pending(self, [_key(*item) for item in items], self.missing(items), jobs)

    def missing(self, items: list[tuple[str, str, Lexicon | None]]) -> list[tuple[str, str, Lexicon | None]]:
        """The items (once each) whose analysis is not cached."""
        return list(dict.fromkeys(item for item in items if self._entry(_key(*item)) is None))

    def keep(self, analyses: list[tuple[Analysis, Lexicon | None]]) -> None:
        """Remember analyses made elsewhere (another process's), each with its lexicon; :meth:`save` stores them."""
        for analysis, lex in analyses:
            self._keep(analysis, lex)

    def say(self, key: str) -> str:
        """The utterance of a cached or kept item, by its key."""
        return self._entry(key)[0]

    def _keep(self, result: Analysis, lex: Lexicon | None) -> Analysis:
        entry = [result.say, [_row(t) for t in result.tokens]]
        key = _key(result.text, result.lang, lex)
        with self._lock:
            self._known[key] = self._new[key] = entry
        return result

    def save(self) -> None:
        """Keep what was computed for the next run (each entry atomically; a failure to write only
        costs time)."""
        if not self._dir or not self._new:
            return
        from ..files import write_text_atomic

        with self._lock:
            new, self._new = self._new, {}
        try:
            for key, entry in new.items():
                path = self._path(key)
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(path, json.dumps([key, *entry], ensure_ascii=False, separators=(",", ":")))
        except OSError:
            pass

    def _entry(self, key: str) -> list | None:
        """The cached ``[say, token rows]`` of ``key``, from memory or its file; None if missing or unreadable."""
        entry = self._known.get(key)
        if entry is None and self._dir:
            try:
                stored = json.loads(self._path(key).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            # The file names the key (a hash collision, or an entry of another shape, is a miss).
            if (isinstance(stored, list) and len(stored) == 3 and stored[0] == key and isinstance(stored[1], str)
                    and isinstance(stored[2], list) and all(isinstance(t, list) and len(t) == 8 for t in stored[2])):
                entry = self._known[key] = stored[1:]
        return entry

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self._dir / digest[:2] / f"{digest[2:32]}.json"


class Pending:
    """Utterances being worked out (:meth:`FrontEnd.start`); a context manager that stops the
    workers if the render ends before they are all taken."""

    def __init__(self, front: FrontEnd, keys: list[str], missing: list, jobs: int) -> None:
        self._front, self._keys, self._missing = front, keys, missing
        self._pool = self._arriving = None
        self._workers: set = set()
        if missing and sys.platform.startswith("linux"):
            import multiprocessing

            workers = max(1, min(jobs, 8, -(-len(missing) // _PER_WORKER)))
            before = set(multiprocessing.active_children())
            self._pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker)
            self._workers = set(multiprocessing.active_children()) - before
            # In order and in small chunks: synthesis starts on the first texts while the rest are analysed.
            self._arriving = self._pool.imap(_analyse_items, [missing[i:i + _CHUNK] for i in range(0, len(missing), _CHUNK)])
            self._ready: list[Analysis] = []

    @property
    def busy(self) -> bool:
        """Whether the models are being loaded and texts analysed elsewhere right now."""
        return self._pool is not None

    def utterances(self) -> Iterator[str]:
        """The utterances, in the order of the items, each as soon as it is known."""
        front, missing = self._front, iter(self._missing)
        try:
            for key in self._keys:
                if front._entry(key) is None:  # a missing item's first time: the next one analysed
                    text, lang, lex = next(missing)
                    if self._arriving is not None:
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
        """The next analysis from the workers. A pool whose worker dies (killed, out of memory)
        starts another but loses its texts, and would be waited for forever: that is an error."""
        import multiprocessing

        while not self._ready:
            try:
                self._ready = self._arriving.next(timeout=0.5)[::-1]
            except multiprocessing.TimeoutError:
                if not all(worker.is_alive() for worker in self._workers):
                    from ..errors import AudioPipelineError

                    raise AudioPipelineError("the text front end's process ended before its work was done",
                                             hint="run the same command again (what was done is cached); "
                                                  "if it recurs, check the machine's free memory") from None
        return self._ready.pop()

    def close(self) -> None:
        """Stop the workers (at once, whatever they are doing)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

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
#: Texts a worker sends back at a time: the first reach synthesis after about 10 ms of analysis.
_CHUNK = 8


def _init_worker() -> None:
    """A front-end worker: Ctrl-C is the render's to handle, and g2pM's matrix products run on one
    thread (BLAS's own threads only spin against the render's other processes; the command line
    also asks OpenBLAS for one thread before NumPy loads, which spares the idle thread's spinning)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _row(token: Token) -> list:
    """A token as the cache keeps it (``dataclasses.astuple`` deep-copies: ten times slower)."""
    return [token.start, token.end, token.text, token.kind, token.say, token.reading, list(token.syllables), token.by]


def _key(text: str, lang: str, lex: Lexicon | None) -> str:
    return f"{lang}\t{lex.identity if lex else '-'}\t{text}"


def _analyse_items(items: list[tuple[str, str, Lexicon | None]]) -> list[Analysis]:
    return [analyse(*item) for item in items]


def engine_text(piece: Piece) -> str:
    """What the engine is given for a piece: its ``say``, or the front end's utterance of its text
    (no lexicon) when the piece was planned without :func:`prepare_pieces`."""
    return piece.say or analyse(piece.text, voice_language(piece.voice.voice_id)).say
