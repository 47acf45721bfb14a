"""What a render would do, as one JSON-able document: ``audio-pipeline inspect --json``.

Built from the plan alone (parse, chapters, casting, the pieces to speak), so it is fast: nothing
is synthesized. Its shape is :data:`SCHEMA` (documented in README, "inspect --json"); a change of
meaning or a removed key bumps it, a new key does not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .script import plan_pieces
from .settings import Pauses
from .text import sentence_gap
from .transcript.chapters import chapter_seconds, unanswered_questions

if TYPE_CHECKING:
    from .pipeline import Plan

#: Version of the document's shape.
SCHEMA = 1

# A word: a run of letters or digits (with inner apostrophes or hyphens), or one Han character or
# kana, since Chinese and Japanese do not separate words with spaces.
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
                   r"|(?:(?![\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])[^\W_])+(?:['’-][^\W_]+)*")


def count_words(text: str) -> int:
    """Words in ``text``, each Han character counting as one.

    >>> count_words("Hello, world! 你好 AI")
    5
    """
    return len(_WORD.findall(text))


def inspect_document(plan: Plan, pauses: Pauses = Pauses()) -> dict:
    """The transcript as the pipeline understands it: speakers, turns as spoken, chapters, warnings."""
    transcript, chapters, cast = plan.transcript, plan.chapters, plan.cast
    spoken = _spoken_text(plan, pauses)
    turns = [{"index": t.index, "speaker": t.speaker, "line": t.line, "source_time": t.source_time,
              "text": spoken.get(t.index, "")} for t in transcript.turns]
    speakers = [{"code": s.code, "name": s.name, "role": s.role, "aliases": list(s.aliases),
                 "turns": sum(t["speaker"] == s.code for t in turns),
                 "words": sum(count_words(t["text"]) for t in turns if t["speaker"] == s.code),
                 "voice": cast.voice(s.code).describe()} for s in transcript.speakers]
    chapter_docs = [{"index": c.index, "title": c.title, "first_turn": c.turn, "first_paragraph": c.paragraph,
                     "asked_by": c.asked_by, "estimated_seconds": round(seconds, 1)}
                    for c, seconds in zip(chapters, chapter_seconds(transcript, chapters))]
    warnings = list(dict.fromkeys([*transcript.warnings, *unanswered_questions(transcript), *cast.warnings]))
    return {
        "schema": SCHEMA,
        "title": transcript.metadata.title,
        "format": transcript.format,
        "encoding": transcript.encoding,
        "language": transcript.metadata.language,
        "speakers": speakers,
        "turns": turns,
        "chapters": chapter_docs,
        "stage_directions": [{"text": d.text, "line": d.line, "before_turn": d.before_turn}
                             for d in transcript.stage_directions],
        "warnings": warnings,
    }


def _spoken_text(plan: Plan, pauses: Pauses) -> dict[int, str]:
    """Turn index → exactly the text its pieces hand to the engine (paragraphs on their own lines)."""
    out: dict[int, str] = {}
    previous = None
    for piece in plan_pieces(plan.transcript, plan.chapters, plan.cast, pauses):
        text = out.get(piece.turn)
        if text is None:
            out[piece.turn] = piece.text
        elif previous is not None and previous.paragraph != piece.paragraph:
            out[piece.turn] = text + "\n" + piece.text
        else:
            out[piece.turn] = text + sentence_gap(text) + piece.text
        previous = piece
    return out


__all__ = ["SCHEMA", "count_words", "inspect_document"]
