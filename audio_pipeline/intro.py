"""The narrator's intro and outro (``render --intro``): a stage between casting and planning pieces.

It adds a narrator (role ``narrator``) whose voice differs from every speaker's, a turn before the
discussion (the show, the episode's title, the speakers by name, the number of questions) and one
after it (a closing line), each a chapter of its own, titled ``Intro`` and ``Outro``. Chapters are
numbered by position, so the Intro is chapter 1 and the last question's chapter is followed by the
Outro; question titles keep their question numbers (``1. …`` is chapter 2). Spoken in the
transcript's language: Chinese for a Chinese transcript, English otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from .casting import language_voice
from .model import AUDIENCE, NARRATOR, PSEUDO, Cast, Chapter, Paragraph, Speaker, Transcript, Turn, Voice
from .tts.engine import EngineInfo

INTRO_TITLE, OUTRO_TITLE = "Intro", "Outro"
#: Narrator voices, most fitting first: (variant, pitch, rate). The first whose variant no speaker
#: uses is taken, so the narrator never sounds like one of the speakers.
NARRATOR_VOICES: tuple[tuple[str, int, int], ...] = (
    ("announcer", 50, 165), ("m5", 45, 160), ("m4", 55, 160), ("m6", 50, 160), ("m1", 40, 160),
    ("edward", 50, 160), ("steph", 60, 160),
)
_CODE = "NARRATOR"


def add_intro(transcript: Transcript, chapters: tuple[Chapter, ...], cast: Cast,
              engine: EngineInfo) -> tuple[Transcript, tuple[Chapter, ...], Cast]:
    """The transcript, chapters and cast with the narrator's intro and outro added."""
    code = _free_code(transcript)
    zh = transcript.metadata.language == "zh"
    narrator = Speaker(code, "旁白" if zh else "Narrator", NARRATOR)
    intro, outro = script(transcript, chapters, cast)
    turns = (Turn(0, code, (Paragraph(intro, 0),)),
             *(replace(t, index=t.index + 1) for t in transcript.turns),
             Turn(len(transcript.turns) + 1, code, (Paragraph(outro, 0),)))
    shifted = replace(transcript, speakers=(*transcript.speakers, narrator), turns=turns,
                      stage_directions=tuple(replace(d, before_turn=d.before_turn + 1)
                                             for d in transcript.stage_directions),
                      headings=tuple(replace(h, before_turn=h.before_turn + 1) for h in transcript.headings))
    numbered = (Chapter(1, INTRO_TITLE, "", code, 0, 0),
                *(replace(c, index=c.index + 1, turn=c.turn + 1) for c in chapters),
                Chapter(len(chapters) + 2, OUTRO_TITLE, "", code, len(turns) - 1, 0))
    voices = (*cast.voices, (code, narrator_voice(cast, transcript.metadata.language, engine)))
    return shifted, numbered, replace(cast, voices=voices)


def script(transcript: Transcript, chapters: tuple[Chapter, ...], cast: Cast) -> tuple[str, str]:
    """The intro's and the outro's text, in the transcript's language."""
    meta = transcript.metadata
    names = [cast.name(s.code, s.name) for s in transcript.speakers if s.role not in (AUDIENCE, PSEUDO, NARRATOR)]
    questions = sum(1 for c in chapters if c.asked_by is not None)
    if meta.language == "zh":
        who = "、".join(names[:-1]) + "和" + names[-1] if len(names) > 1 else "".join(names)
        intro = (f"欢迎收听{meta.show}。" if meta.show else "欢迎收听。") + (f"本期节目：{meta.title}。" if meta.title else "")
        intro += (f"参与讨论的有{who}。" if who else "") + f"本期共讨论{questions}个问题。"
        outro = f"以上就是本期{meta.show}的全部内容。感谢收听，我们下期再见。" if meta.show else "以上就是本期的全部内容。感谢收听，我们下期再见。"
    else:
        who = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
        intro = (f"Welcome to {meta.show}. " if meta.show else "Welcome. ") + (f"This episode: {meta.title}. " if meta.title else "")
        intro += (f"With {who}. " if who else "") + f"{questions} question{'s' if questions != 1 else ''} are discussed."
        intro = intro.replace("1 question are", "1 question is")
        outro = (f"That was {meta.title}" if meta.title else "That was this episode") + (f", on {meta.show}." if meta.show else ".")
        outro += " Thank you for listening."
    return intro, outro


def narrator_voice(cast: Cast, language: str, engine: EngineInfo) -> Voice:
    """A voice unlike every speaker's: the speakers' most common engine voice (else the language's),
    with a variant none of them uses."""
    ids = Counter(v.voice_id for _, v in cast.voices)
    voice_id = ids.most_common(1)[0][0] if ids else language_voice(language, engine)
    used = {v.variant for _, v in cast.voices}
    offered = [c for c in NARRATOR_VOICES if not engine.variants or c[0] in engine.variants]
    spare = [v for v in engine.variants if v not in used and v not in engine.unstable_variants]
    for variant, pitch, rate in offered:
        if variant not in used:
            return Voice(voice_id, variant, rate, pitch)
    if spare:
        return Voice(voice_id, spare[0], 160, 50)
    taken = {(v.variant, v.pitch) for _, v in cast.voices}  # every variant in use: another pitch
    variant, _, rate = offered[0] if offered else (None, 50, 160)
    pitch = next(p for p in range(0, 100, 7) if (variant, p) not in taken)
    return Voice(voice_id, variant, rate, pitch)


def _free_code(transcript: Transcript) -> str:
    codes = {s.code for s in transcript.speakers} | {a for s in transcript.speakers for a in s.aliases}
    code, n = _CODE, 1
    while code in codes:
        n += 1
        code = f"{_CODE}{n}"
    return code
