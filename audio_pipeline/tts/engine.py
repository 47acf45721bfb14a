"""The speech-engine protocol and the registry engines are chosen from by name.

An engine writes one mono 16-bit WAV per call. Engines are loaded lazily, so a missing optional
engine fails only when it is asked for, with a one-line error.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Protocol

from ..errors import EngineError
from ..model import Voice


@dataclass(frozen=True)
class EngineVoice:
    """A voice as the engine reports it."""

    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None = None


@dataclass(frozen=True)
class EngineInfo:
    """What an engine offers on this machine; ``identity`` goes into every cache key."""

    identity: str
    voices: tuple[EngineVoice, ...]
    variants: tuple[str, ...] = ()
    #: Variants whose output is not bit-reproducible (eSpeak's breath noise).
    unstable_variants: tuple[str, ...] = ()
    #: True if a text's audio may depend on the texts before it in one ``synthesize`` call.
    stateful: bool = True


class Engine(Protocol):
    """A text-to-speech engine."""

    name: str

    def info(self) -> EngineInfo:
        """Voices, variants and a version string identifying the engine's sound."""

    def synthesize(self, texts: Sequence[str], voice: Voice, wav_paths: Sequence[str]) -> None:
        """Speak each of ``texts`` with ``voice``, in order, into the mono 16-bit WAV beside it.

        One call is one run of the engine: a text's audio may depend on the texts before it in the
        same call, but never on other calls, so renders are reproducible whatever the order or the
        number of workers (callers key each piece by the texts before it).
        """


def synthesize_runs(engine: Engine, runs: Sequence[tuple[Sequence[str], Voice, Sequence[str]]]) -> None:
    """Have ``engine`` speak several runs ``(texts, voice, wav_paths)``, each as one call.

    An engine may overlap them by offering ``synthesize_runs`` itself. An error raised for a piece
    carries ``piece``: its index counted over all the runs.
    """
    if hasattr(engine, "synthesize_runs"):
        engine.synthesize_runs(runs)
        return
    first = 0
    for texts, voice, paths in runs:
        try:
            engine.synthesize(texts, voice, paths)
        except Exception as exc:
            exc.piece = first + getattr(exc, "piece", 0)
            raise
        first += len(texts)


ENGINES: dict[str, str] = {
    "pyttsx3": "audio_pipeline.tts.pyttsx3_engine:Pyttsx3Engine",
}


def load_engine(name: str) -> Engine:
    """Instantiate the engine registered under ``name``."""
    module, attr = _module(name)
    return getattr(module, attr)()


def describe_early(name: str) -> None:
    """Let the engine ``name`` start working out its :meth:`Engine.info` in the background (if its
    module offers ``describe_early``), while the caller loads the rest of the program."""
    module, _ = _module(name)
    if start := getattr(module, "describe_early", None):
        start()


def _module(name: str):
    try:
        target = ENGINES[name]
    except KeyError:
        raise EngineError(f"unknown engine {name!r}", hint=f"choose one of: {', '.join(sorted(ENGINES))}") from None
    module_name, _, attr = target.partition(":")
    try:
        return importlib.import_module(module_name), attr
    except ImportError as exc:
        raise EngineError(f"engine {name!r} is not available: {exc}") from None
