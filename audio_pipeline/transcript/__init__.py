"""Transcript input formats and the passes derived from a parsed transcript."""

from .chapters import find_chapters
from .parse import parse_transcript, read_transcript

__all__ = ["find_chapters", "parse_transcript", "read_transcript"]
