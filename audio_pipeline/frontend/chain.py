"""The front end's passes in order, their identity, and a cache of what they computed.

``analyse(text, lang, lexicon)`` runs the chain over one piece's text: the lexicon claims the user's
words first, then numbers are written out, the rest is cut into words, symbols between Chinese
words are said in Chinese, Hanzi get their readings, what eSpeak NG cannot say is respelt, and the
tokens are joined into the engine's utterance. The same function serves a render (in processes of
its own: :mod:`.preparing`) and ``audio-pipeline pronounce``.

What the chain computes is kept in ``<cache>/frontend/``, keyed by the text, the voice's language,
the lexicon in effect and the chain's names and versions, so a warm render loads neither the
readings' models nor the dictionaries. The audio cache is keyed by the utterance itself: a change of
rule or dictionary re-synthesizes exactly the pieces whose utterance it changes.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Piece
from . import blindspots, lexicon, numbers, readings, symbols, utterance, words
from .lexicon import Lexicon
from .tokens import Draft, Token, voice_language

if TYPE_CHECKING:
    from .preparing import Pending

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
    return analyse_many([(text, lang, lex)])[0]


def analyse_many(items: list[tuple[str, str, Lexicon | None]]) -> list[Analysis]:
    """:func:`analyse` of every ``(text, lang, lexicon)``, each pass over all of them in turn: a pass
    with a ``run_many`` (the readings) works on them together. Each result is the text's alone."""
    drafts = [Draft.start(text, lang) for text, lang, _ in items]
    lexicons = [lex for _, _, lex in items]
    for step in PASSES:
        together = getattr(step, "run_many", None)
        drafts = together(drafts, lexicons) if together else [step.run(d, lex) for d, lex in zip(drafts, lexicons)]
    return [Analysis(text, lang, draft.tokens, utterance.utterance(draft)) for (text, lang, _), draft in zip(items, drafts)]


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

    def analyse_many(self, items: list[tuple[str, str, Lexicon | None]]) -> list[Analysis]:
        """:meth:`analyse` of every ``(text, lang, lexicon)``; what the cache lacks is analysed
        together (:func:`analyse_many`)."""
        missing = self.missing(items)
        made = {item: self._keep(analysis, item[2]) for item, analysis in zip(missing, analyse_many(missing))}
        return [made.get(item) or self.cached(*item) for item in items]

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
        from .preparing import Pending

        return Pending(self, [_key(*item) for item in items], self.missing(items), jobs)

    def missing(self, items: list[tuple[str, str, Lexicon | None]]) -> list[tuple[str, str, Lexicon | None]]:
        """The items (once each) whose analysis is not cached."""
        return list(dict.fromkeys(item for item in items if not self.knows(_key(*item))))

    def keep(self, analyses: list[tuple[Analysis, Lexicon | None]]) -> None:
        """Remember analyses made elsewhere (another process's), each with its lexicon; :meth:`save` stores them."""
        for analysis, lex in analyses:
            self._keep(analysis, lex)

    def knows(self, key: str) -> bool:
        """Whether the item of this key is cached or kept."""
        return self._entry(key) is not None

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


def _row(token: Token) -> list:
    """A token as the cache keeps it (``dataclasses.astuple`` deep-copies: ten times slower)."""
    return [token.start, token.end, token.text, token.kind, token.say, token.reading, list(token.syllables), token.by]


def _key(text: str, lang: str, lex: Lexicon | None) -> str:
    return f"{lang}\t{lex.identity if lex else '-'}\t{text}"


def engine_text(piece: Piece) -> str:
    """What the engine is given for a piece: its ``say``, or the front end's utterance of its text
    (no lexicon) when the piece was planned without :func:`.preparing.prepare_pieces`."""
    return piece.say or analyse(piece.text, voice_language(piece.voice.voice_id)).say
