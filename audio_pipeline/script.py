"""Transcript + chapters + cast → the ordered pieces to synthesize, with the pause before each."""

from __future__ import annotations

from .model import PSEUDO, Cast, Chapter, Piece, Transcript
from .settings import Pauses
from .text import for_engine, is_speakable, normalize_space, split_long, split_sentences


def plan_pieces(transcript: Transcript, chapters: tuple[Chapter, ...], cast: Cast,
                pauses: Pauses) -> tuple[Piece, ...]:
    """One piece per sentence (long sentences cut at commas), in speaking order.

    Fragments with nothing to say (a lone ``……``) are spoken with the next piece so no text is
    lost. The pause before a piece is the longest that applies: new chapter, new turn, new
    paragraph, or next sentence. Pseudo-speakers (``Break:``) are never spoken; a chapter that
    opens on one opens on the turn after it.
    """
    chapter_at = {(c.turn, c.paragraph): c.index for c in chapters}
    chapter = chapters[0].index if chapters else 1
    pieces: list[Piece] = []
    pseudo = {s.code for s in transcript.speakers if s.role == PSEUDO}
    for turn in transcript.turns:
        if turn.speaker in pseudo:
            opened = [chapter_at[(turn.index, p)] for p in range(len(turn.paragraphs)) if (turn.index, p) in chapter_at]
            if opened:
                chapter_at.setdefault((turn.index + 1, 0), opened[-1])
            continue
        voice = cast.voice(turn.speaker)
        for p_index, paragraph in enumerate(turn.paragraphs):
            boundary = pauses.turn if p_index == 0 else pauses.paragraph
            if (turn.index, p_index) in chapter_at:
                chapter = chapter_at[(turn.index, p_index)]
                boundary = pauses.chapter
            for text in piece_texts(paragraph.text):
                pause = 0 if not pieces else boundary
                pieces.append(Piece(len(pieces), turn.index, p_index, turn.speaker, text, voice,
                                    chapter, pause, paragraph.line))
                boundary = pauses.sentence
    return tuple(pieces)


def piece_spans(text: str) -> list[tuple[int, int]]:
    """Where each piece of a paragraph lies in it: ``(start, end)`` offsets, in order.

    A piece is a sentence, or a slice of a long one cut at commas. Fragments with nothing to say
    (a lone ``……``) are spoken with the next piece, or with the last one at the end, so no text
    is lost.

    >>> piece_spans("你好。……好的。")
    [(0, 3), (3, 8)]
    """
    spans: list[tuple[int, int]] = []
    start = pos = 0
    for sentence in split_sentences(text):
        for part in split_long(sentence):
            pos += len(part)
            if is_speakable(for_engine(text[start:pos])):
                spans.append((start, pos))
                start = pos
    if start < len(text) and spans:
        spans[-1] = (spans[-1][0], len(text))
    return spans


def piece_texts(text: str) -> list[str]:
    """The text of each piece of a paragraph (white space folded), as :func:`plan_pieces` makes them."""
    return [normalize_space(text[a:b]) for a, b in piece_spans(text)]
