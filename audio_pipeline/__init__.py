"""audio_pipeline: turn a written multi-speaker discussion into a podcast episode.

>>> from audio_pipeline import parse_transcript, find_chapters
>>> t = parse_transcript("M: What brings you here?\\n\\nJG: Systems.\\n")
>>> [c.title for c in find_chapters(t)]
['1. What brings you here?']
"""

from .casting import cast_voices, load_casting
from .errors import AudioPipelineError, CastingError, EngineError, ExportError, TranscriptError
from .pipeline import Plan, RenderResult, prepare, render
from .settings import Settings
from .transcript import find_chapters, parse_transcript, read_transcript

__version__ = "0.1.0"

__all__ = [
    "AudioPipelineError", "CastingError", "EngineError", "ExportError", "Plan", "RenderResult", "Settings",
    "TranscriptError", "cast_voices", "find_chapters", "load_casting", "parse_transcript", "prepare",
    "read_transcript", "render",
]
