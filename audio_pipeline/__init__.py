"""audio_pipeline: turn a written multi-speaker discussion into a podcast episode.

>>> from audio_pipeline import parse_transcript, find_chapters
>>> t = parse_transcript("M: What brings you here?\\n\\nJG: Systems.\\n")
>>> [c.title for c in find_chapters(t)]
['1. What brings you here?']
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Names are loaded on first use, so worker processes that need one module do not import them all.
_EXPORTS = {
    "AudioPipelineError": "errors", "CastingError": "errors", "EngineError": "errors", "ExportError": "errors",
    "TranscriptError": "errors", "Settings": "settings", "Plan": "pipeline", "RenderResult": "pipeline",
    "prepare": "pipeline", "render": "pipeline", "preview": "pipeline", "cast_voices": "casting",
    "load_casting": "voices_file", "find_chapters": "transcript", "parse_transcript": "transcript",
    "read_transcript": "transcript",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
