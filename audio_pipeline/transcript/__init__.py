"""Transcript input formats and the passes derived from a parsed transcript."""

from .chapters import estimate_seconds, find_chapters, unanswered_questions
from .parse import parse_transcript, read_transcript

__all__ = ["estimate_seconds", "find_chapters", "unanswered_questions", "parse_transcript", "read_transcript"]
