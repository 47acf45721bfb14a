"""Transcript → chapters: one per discussion question, found after parsing (like a TOC pass).

A question is asked by the moderator or the audience. A moderator paragraph asks one when one of
its last two sentences is interrogative (or it breaks off mid-sentence); an audience turn always
asks one. A follow-up asked before any panelist has answered stays in the open chapter. Speech
before the first question becomes an opening chapter.
"""

from __future__ import annotations

import re

from ..model import AUDIENCE, MODERATOR, Chapter, Transcript
from ..text import split_sentences

# Words that make a Chinese sentence a question even without a question mark.
_ZH_CUES = ("吗", "什么", "如何", "怎么", "怎样", "为什么", "为何", "是否", "能否", "哪", "谁",
            "多远", "多久", "多少", "告诉我", "请问", "问：", "还是")
_EN_CUES = re.compile(r"^(what|why|how|who|whom|where|when|which|is|are|do|does|did|can|could|"
                      r"would|should|will|have|has|tell us|tell me)\b", re.IGNORECASE)
_TERMINAL = "。！？!?.…；;”’」』）)\"'"
_TITLE_LIMIT = 40  # characters; the whole "NN. title" stays under Apple's 51-character limit
_STRIP_PREFIX = re.compile(r"^(?:问|問|Q|Question)\s*[:：]\s*", re.IGNORECASE)


def find_chapters(transcript: Transcript) -> tuple[Chapter, ...]:
    """Derive the chapter list of a transcript, in order, numbered from 1."""
    roles = {s.code: s.role for s in transcript.speakers}
    starts: list[tuple[int, int, str, str]] = []  # (turn, paragraph, question, asked_by)
    answered = True  # has a panelist spoken since the last question?
    for turn in transcript.turns:
        role = roles.get(turn.speaker)
        if role not in (MODERATOR, AUDIENCE):
            answered = True
            continue
        for p_index, paragraph in enumerate(turn.paragraphs):
            question = _question_in(paragraph.text, audience=role == AUDIENCE and p_index == 0)
            if question is None:
                continue
            if answered:
                starts.append((turn.index, p_index, question, turn.speaker))
                answered = False
            break  # one question per turn: the rest of the turn elaborates it

    sections = _sections(transcript)
    chapters: list[Chapter] = []
    if not starts or (starts[0][0], starts[0][1]) != (0, 0):
        first = transcript.turns[0]
        chapters.append(Chapter(1, _number(1, _title(_first_sentence(first.paragraphs[0].text), _TITLE_LIMIT)),
                                first.paragraphs[0].text, None, 0, 0))
    for turn_index, p_index, question, asked_by in starts:
        n = len(chapters) + 1
        label = sections.get(turn_index) if roles.get(asked_by) == AUDIENCE else None
        prefix = (f"{label}：" if _has_cjk(label) else f"{label}: ") if label else ""
        title = prefix + _title(question, _TITLE_LIMIT - len(prefix))
        chapters.append(Chapter(n, _number(n, title), question, asked_by, turn_index, p_index))
    return tuple(chapters)


def _question_in(text: str, *, audience: bool) -> str | None:
    """The question sentence a paragraph asks, or None if it asks nothing."""
    sentences = [s.strip() for s in split_sentences(text) if s.strip()]
    if not sentences:
        return None
    asks = any(_interrogative(s) for s in sentences[-2:])
    breaks_off = sentences[-1][-1] not in _TERMINAL
    if not (asks or breaks_off or audience):
        return None
    for sentence in sentences:
        if _interrogative(sentence):
            return _STRIP_PREFIX.sub("", sentence)
    return _STRIP_PREFIX.sub("", sentences[0])


def _interrogative(sentence: str) -> bool:
    s = sentence.strip()
    if s.rstrip("”’」』）)\"' ").endswith(("？", "?")):
        return True
    if _has_cjk(s):
        return any(cue in s for cue in _ZH_CUES)
    return bool(_EN_CUES.match(s))


def _sections(transcript: Transcript) -> dict[int, str]:
    """Turn index → the stage direction that opened its section (``听众提问``), if any."""
    out: dict[int, str] = {}
    label = None
    by_turn = {d.before_turn: d.text for d in transcript.stage_directions
               if any(w in d.text for w in ("提问", "問", "Q&A", "question", "Question"))}
    for turn in transcript.turns:
        label = by_turn.get(turn.index, label)
        if label:
            out[turn.index] = label
    return out


def _title(question: str, limit: int) -> str:
    """The question itself if short; else its shortest tail of clauses that still asks; else a cut."""
    question = re.sub(r"\s+", " ", question).strip().rstrip("。.")
    if len(question) <= limit:
        return question
    clauses = re.split(r"(?<=[，,；;])", question)
    tails = ["".join(clauses[k:]).strip() for k in range(1, len(clauses))]
    fitting = [(t, c) for t, c in zip(tails, clauses[1:]) if len(t) <= limit and _interrogative(t)]
    for tail, first_clause in fitting:  # best: the tail opens with the clause that asks
        if _interrogative(first_clause):
            return tail
    return fitting[0][0] if fitting else _cut(question, limit)


def _first_sentence(text: str) -> str:
    parts = [s.strip() for s in split_sentences(text) if s.strip()]
    return parts[0] if parts else text


def _cut(text: str, limit: int = _TITLE_LIMIT) -> str:
    """A readable cut: the whole text if short, else up to a clause break, else a hard cut + …"""
    text = re.sub(r"\s+", " ", text).strip().rstrip("，,、：:；;")
    if len(text) <= limit:
        return text
    window = text[:limit]
    breaks = [m.end() for m in re.finditer(r"[，,、：:；;—]|\s", window) if m.end() >= limit // 2]
    cut = breaks[-1] if breaks else limit - 1
    return window[:cut].rstrip("，,、：:；;— ") + "…"


def _number(n: int, title: str) -> str:
    return f"{n}. {title}"


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
