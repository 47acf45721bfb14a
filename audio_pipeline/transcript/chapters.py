"""Transcript → chapters, found after parsing (like a TOC pass).

Which rule applies depends on what the transcript has, first match wins:

- its own section headings (``Transcript.headings``): one chapter per heading, titled by it (a lone
  heading over the whole transcript divides nothing and is passed over);
- a moderator, an audience or a host: one chapter per question they ask. A paragraph asks one when
  one of its last two sentences is interrogative (or it breaks off mid-sentence); an audience turn
  always asks one. A follow-up asked before anyone has answered stays in the open chapter. Speech
  before the first question becomes an opening chapter;
- neither: chapters of roughly equal length, cut at turn boundaries, titled by their first sentence.

Chapters are decided before synthesis, so their length is estimated from the text. A chapter the
rules found that would last under :data:`MIN_CHAPTER_SECONDS` is merged into the one before it (the
first into the one after it); headings are the transcript's own say, and are kept whatever their
length. There is always at least one chapter, the first at turn 0.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..model import AUDIENCE, HOST, MODERATOR, NARRATOR, PSEUDO, Chapter, Transcript
from ..text import split_sentences

# Words that make a Chinese sentence a question even without a question mark.
_ZH_CUES = ("吗", "什么", "如何", "怎么", "怎样", "为什么", "为何", "是否", "能否", "哪", "谁",
            "多远", "多久", "多少", "告诉我", "请问", "问：", "还是")
_EN_CUES = re.compile(r"^(what|why|how|who|whom|where|when|which|is|are|do|does|did|can|could|"
                      r"would|should|will|have|has|tell us|tell me)\b", re.IGNORECASE)
_TERMINAL = "。！？!?.…；;”’」』）)\"'"
_TITLE_LIMIT = 40  # characters; the whole "NN. title" stays under Apple's 51-character limit
# Words a spoken clause opens with that a title does without ("…, and what is this book?").
_FILLER = re.compile(r"^(?:and|but|so|or|well|now|then|okay|ok|alright|all right|cool|yeah)\b[\s,]*",
                     re.IGNORECASE)
_STRIP_PREFIX = re.compile(r"^(?:问|問|Q|Question)\s*[:：]\s*", re.IGNORECASE)

#: Roles whose questions open chapters; narrators and pseudo-speakers neither ask nor answer.
_ASKERS = (MODERATOR, AUDIENCE, HOST)
_SILENT = (NARRATOR, PSEUDO)
#: No chapter the rules find is shorter than this (estimated), unless a heading makes it so.
MIN_CHAPTER_SECONDS = 30.0
#: Transcripts with neither headings nor questions are cut into chapters of about this length.
PLAIN_CHAPTER_SECONDS = 300.0
# Characters spoken per second by eSpeak NG at the palette's rates (158-180, 170 typical), and the
# silence between turns. Measured on real renders (pyttsx3 + eSpeak NG 1.52, voice +m3, rate 170):
# Mandarin, the bundled panel's first 12 turns: 961 characters in 236 s = 4.1/s (3.8 at rate 160,
# 4.4 at 180); English, six interview sentences: 624 characters in 36.1 s = 17.3/s (16.2-18.4);
# German 17.2/s, French 20.6/s. Spaces and punctuation count as characters, as measured. Whole
# renders, chapters as ffmpeg reads them from the MP3 against these estimates: the panel's first 15
# turns 55.2 / 222.5 / 80.7 s for 57.0 / 223.8 / 78.8; a three-question English interview 35.7 / 32.7
# / 32.8 s for 34.0 / 32.6 / 31.3.
_CHARS_PER_SECOND = {"zh": 4.0, "cmn": 4.0, "yue": 4.0, "ja": 4.0}
_DEFAULT_CHARS_PER_SECOND = 17.0
_TURN_PAUSE_SECONDS = 0.75


class _Start(NamedTuple):
    turn: int
    paragraph: int
    title: str
    question: str
    asked_by: str | None


def find_chapters(transcript: Transcript, *, min_seconds: float = MIN_CHAPTER_SECONDS) -> tuple[Chapter, ...]:
    """Derive the chapter list of a transcript, in order, numbered from 1 (never empty).

    ``min_seconds`` is the shortest chapter the rules may make (estimated); headings are exempt.
    """
    seconds = _paragraph_seconds(transcript)
    starts = _heading_starts(transcript)
    if len(starts) == 1 and starts[0].turn == 0:
        starts = []  # one heading over everything ("## Transcript") divides nothing
    if starts:
        if (starts[0].turn, starts[0].paragraph) != (0, 0):
            starts = _merge_short([_opening(transcript)] + starts[:1], seconds, min_seconds) + starts[1:]
    else:
        starts = _question_starts(transcript)
        if starts and (starts[0].turn, starts[0].paragraph) != (0, 0):
            starts.insert(0, _opening(transcript))
        starts = (_merge_short(starts, seconds, min_seconds) if starts
                  else _plain_starts(transcript, seconds, min_seconds))
    return tuple(Chapter(n, _number(n, s.title), s.question, s.asked_by, s.turn, s.paragraph)
                 for n, s in enumerate(starts, 1))


def estimate_seconds(text: str, language: str) -> float:
    """How long eSpeak NG takes to say ``text`` at the usual rates (see the measured figures above)."""
    return len(text) / _CHARS_PER_SECOND.get(language.lower().split("-")[0], _DEFAULT_CHARS_PER_SECOND)


def chapter_seconds(transcript: Transcript, chapters: tuple[Chapter, ...]) -> tuple[float, ...]:
    """Each chapter's estimated spoken length, pauses between turns included."""
    seconds = _paragraph_seconds(transcript)
    bounds = [(c.turn, c.paragraph) for c in chapters] + [(len(transcript.turns), 0)]
    return tuple(sum(v for k, v in seconds.items() if a <= k < b) for a, b in zip(bounds, bounds[1:]))


def unanswered_questions(transcript: Transcript) -> tuple[str, ...]:
    """One warning per question that nobody answers before the next question or the end."""
    roles = {s.code: s.role for s in transcript.speakers}
    starts = _question_starts(transcript)
    out = []
    for start, nxt in zip(starts, starts[1:] + [None]):
        end = nxt.turn if nxt else len(transcript.turns)
        if not any(roles.get(t.speaker) not in _ASKERS + _SILENT for t in transcript.turns[start.turn + 1:end]):
            line = transcript.turns[start.turn].paragraphs[start.paragraph].line
            out.append(f"line {line}: the question {_cut(start.question)!r} has no answer")
    return tuple(out)


def _question_starts(transcript: Transcript) -> list[_Start]:
    """One start per question an asker puts after the previous one was answered."""
    roles = {s.code: s.role for s in transcript.speakers}
    sections = _sections(transcript)
    starts: list[_Start] = []
    answered = True  # has anyone but an asker spoken since the last question?
    for turn in transcript.turns:
        role = roles.get(turn.speaker)
        if role not in _ASKERS:
            answered = True
            continue
        for p_index, paragraph in enumerate(turn.paragraphs):
            question = _question_in(paragraph.text, audience=role == AUDIENCE and p_index == 0)
            if question is None:
                continue
            if answered:
                label = sections.get(turn.index) if role == AUDIENCE else None
                prefix = (f"{label}：" if _has_cjk(label) else f"{label}: ") if label else ""
                title = prefix + _title(question, _TITLE_LIMIT - len(prefix))
                starts.append(_Start(turn.index, p_index, title, question, turn.speaker))
                answered = False
            break  # one question per turn: the rest of the turn elaborates it
    return starts


def _heading_starts(transcript: Transcript) -> list[_Start]:
    """One start per turn a heading opens (the last heading before it titles it)."""
    by_turn: dict[int, str] = {}
    for heading in transcript.headings:
        if 0 <= heading.before_turn < len(transcript.turns) and heading.text.strip():
            by_turn[heading.before_turn] = heading.text.strip()
    return [_Start(turn, 0, _cut(text), text, None) for turn, text in sorted(by_turn.items())]


def _plain_starts(transcript: Transcript, seconds: dict[tuple[int, int], float], minimum: float) -> list[_Start]:
    """Chapters of about :data:`PLAIN_CHAPTER_SECONDS`, cut where the turn starting nearest falls."""
    per_turn = [sum(s for (turn, _), s in seconds.items() if turn == t.index) for t in transcript.turns]
    total = sum(per_turn)
    count = max(1, min(round(total / PLAIN_CHAPTER_SECONDS), int(total // max(minimum, 1.0))))
    elapsed, begins = 0.0, []
    for value in per_turn:
        begins.append(elapsed)
        elapsed += value
    cuts = {0}
    for k in range(1, count):
        target = total * k / count
        cuts.add(min(range(1, len(begins)), key=lambda i: abs(begins[i] - target), default=0))
    starts = [_Start(i, 0, _plain_title(transcript, i), "", None) for i in sorted(cuts)]
    return _merge_short(starts, seconds, minimum)


def _merge_short(starts: list[_Start], seconds: dict[tuple[int, int], float], minimum: float) -> list[_Start]:
    """Fold each chapter estimated under the minimum into the one before (the first into the next)."""
    keys = sorted(seconds)
    bounds = [(s.turn, s.paragraph) for s in starts] + [(len(keys) and keys[-1][0] + 1, 0)]
    lengths = [sum(seconds[k] for k in keys if a <= k < b) for a, b in zip(bounds, bounds[1:])]
    kept: list[_Start] = []
    kept_lengths: list[float] = []
    for start, length in zip(starts, lengths):
        if kept and length < minimum:
            kept_lengths[-1] += length
            continue
        kept.append(start)
        kept_lengths.append(length)
    if len(kept) > 1 and kept_lengths[0] < minimum:
        kept[1] = kept[1]._replace(turn=kept[0].turn, paragraph=kept[0].paragraph)
        kept.pop(0)
    return kept


def _paragraph_seconds(transcript: Transcript) -> dict[tuple[int, int], float]:
    """(turn, paragraph) → its estimated spoken length, with the pause before a turn."""
    roles = {s.code: s.role for s in transcript.speakers}
    language = transcript.metadata.language
    out: dict[tuple[int, int], float] = {}
    for turn in transcript.turns:
        spoken = roles.get(turn.speaker) != PSEUDO
        for p_index, paragraph in enumerate(turn.paragraphs):
            pause = _TURN_PAUSE_SECONDS if p_index == 0 else 0.0
            out[(turn.index, p_index)] = (estimate_seconds(paragraph.text, language) + pause) if spoken else 0.0
    return out


def _opening(transcript: Transcript) -> _Start:
    first = transcript.turns[0].paragraphs[0].text
    return _Start(0, 0, _title(_first_sentence(first), _TITLE_LIMIT), first, None)


def _plain_title(transcript: Transcript, turn: int) -> str:
    """The first sentence from ``turn`` on that says something (four words, or eight Hanzi)."""
    sentences = [s.strip() for t in transcript.turns[turn:turn + 5] for p in t.paragraphs
                 for s in split_sentences(p.text) if s.strip()]
    for sentence in sentences:
        if len(sentence.split()) >= 4 or sum(_has_cjk(ch) for ch in sentence) >= 8:
            return _cut(sentence.rstrip("。."))
    return _cut((sentences[0] if sentences else transcript.turns[turn].text).rstrip("。."))


def _question_in(text: str, *, audience: bool) -> str | None:
    """The question sentence a paragraph asks, or None if it asks nothing."""
    sentences = [s.strip() for s in split_sentences(text) if s.strip()]
    if not sentences:
        return None
    asks = any(_interrogative(s) for s in sentences[-2:])
    breaks_off = sentences[-1][-1] not in _TERMINAL
    if not (asks or breaks_off or audience):
        return None
    asking = [s for s in sentences if _interrogative(s)]
    chosen = min(asking, key=_earnestness) if asking else sentences[0]
    return _STRIP_PREFIX.sub("", chosen)


def _earnestness(sentence: str) -> int:
    """0 for a real question, 1 for a statement with a tag ("…, right?"), 2 for a bare tag ("Right?")."""
    last_clause = re.split(r"[，,；;]", sentence)[-1]
    if _has_cjk(sentence) or _substantive(last_clause) or _EN_CUES.match(_FILLER.sub("", sentence.strip())):
        return 0
    return 1 if _substantive(sentence) else 2


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
    tails = [_capital(_FILLER.sub("", "".join(clauses[k:]).strip())) for k in range(1, len(clauses))]
    fitting = [(t, c) for t, c in zip(tails, clauses[1:])
               if len(t) <= limit and _interrogative(t) and _substantive(t)]
    for tail, first_clause in fitting:  # best: the tail opens with the clause that asks
        if _interrogative(_FILLER.sub("", first_clause.strip())):
            return tail
    if fitting:
        return fitting[0][0]
    asking = [t for t, c in zip(tails, clauses[1:]) if _interrogative(_FILLER.sub("", c.strip()))]
    return _cut(asking[0] if asking and not _interrogative(clauses[0]) else question, limit)


def _substantive(text: str) -> bool:
    """Three words or more (four Hanzi): enough to title a chapter."""
    return len(text.split()) >= 3 or sum(_has_cjk(ch) for ch in text) >= 4


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


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
