"""What will be said: a text's words with their readings, and the utterances the engine is given.

The text is cut into pieces as a render cuts a paragraph (:func:`audio_pipeline.script.piece_texts`),
and each piece goes through the same cached front end a render uses (:class:`.chain.FrontEnd`), so
``engine_runs`` are exactly what a render hands the engine for that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..casting import language_voice
from ..errors import CastingError
from ..model import Voice
from ..script import piece_spans
from ..text import normalize_space
from ..voices_file import CastingFile
from .chain import FrontEnd
from .lexicon import Lexicon
from .tokens import EN, ZH, voice_language


@dataclass(frozen=True)
class Speech:
    """The voice a text is spoken in and the lexicon in effect."""

    voice: Voice
    lexicon: Lexicon


def speech_for(casting: CastingFile | None, speaker: str | None, lang: str | None, engine=None) -> Speech:
    """The voice and lexicon ``pronounce`` uses: the speaker's in the casting file (their voice and
    variant, their lexicon before ``[lexicon]``), else the file's default voice, else the engine's
    voice for ``lang`` (Mandarin by default). ``--lang`` wins over the file's default voice."""
    entry: dict = {}
    lexicon = casting.lexicons.get("", Lexicon()) if casting else Lexicon()
    if speaker is not None:
        if casting is None:
            raise CastingError(f"--speaker {speaker}: no casting file to find the speaker in",
                               hint="pass --voices FILE (or run where ./voices.toml is)")
        if speaker not in casting.speakers and speaker not in casting.lexicons:
            raise CastingError(f"unknown speaker {speaker!r}", path=casting.path,
                               hint=f"speakers in the file: {', '.join(sorted(casting.speakers)) or 'none'}")
        entry = casting.speakers.get(speaker, {})
        lexicon = casting.lexicons.get(speaker, Lexicon()).then(lexicon)
    voice_id = entry.get("voice") or (None if lang else (casting.defaults.get("voice") if casting else None))
    if voice_id is None:
        if engine is None:
            from ..tts.engine import load_engine

            engine = load_engine("pyttsx3").info()
        voice_id = language_voice(lang or "zh", engine)
    return Speech(Voice(voice_id, entry.get("variant")), lexicon)


def pronounce(text: str, speech: Speech, front: FrontEnd | None = None) -> dict:
    """The pronunciation report of one input, as ``pronounce --json`` prints it.

    ``tokens`` lists the words (``source``: character offsets into ``text``), ``engine_runs`` the
    utterances in order.

    >>> report = pronounce("2个熊猫。", Speech(Voice("sit/cmn"), Lexicon()))
    >>> [(t["source"], t["reading"]) for t in report["tokens"]]
    [([0, 1], 'liang3'), ([1, 2], 'ge4'), ([2, 4], 'xiong2 mao1')]
    >>> report["engine_runs"]
    [{'voice': 'sit/cmn', 'text': 'liang3 ge4 xong2mao1。'}]
    """
    return pronounce_all([text], speech, front)[0]


def pronounce_all(texts: list[str], speech: Speech, front: FrontEnd | None = None) -> list[dict]:
    """:func:`pronounce` of each text, all their pieces analysed together (as a render's are)."""
    front = front or FrontEnd()
    lang = voice_language(speech.voice.voice_id)
    pieces = [[(start, *_fold(text[start:end])) for start, end in piece_spans(text)] for text in texts]
    analyses = iter(front.analyse_many([(folded, lang, speech.lexicon) for spans in pieces for _, folded, _ in spans]))
    reports = []
    for text, spans in zip(texts, pieces):
        tokens, runs = [], []
        for (start, _, origin), analysis in zip(spans, analyses):
            for token in analysis.tokens:
                if token.kind not in (ZH, EN):
                    continue
                a, b = start + origin[token.start], start + origin[token.end - 1] + 1
                tokens.append({"source": [a, b], "text": text[a:b], "lang": token.kind,
                               "reading": token.reading or token.say})
            runs.append({"voice": speech.voice.spec, "text": analysis.say})
        reports.append({"text": text, "tokens": tokens, "engine_runs": runs})
    return reports


def _fold(text: str) -> tuple[str, list[int]]:
    """``normalize_space(text)`` (as a render folds a piece) and, for each of its characters, where
    it came from in ``text``."""
    chars: list[str] = []
    origin: list[int] = []
    for m in re.finditer(r"\s+|\S", text):
        chars.append(" " if m[0].isspace() else m[0])
        origin.append(m.start())
    while chars and chars[0] == " ":
        chars.pop(0)
        origin.pop(0)
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    folded = "".join(chars)
    assert folded == normalize_space(text)
    return folded, origin


def read_inputs(texts: list[str], file: Path | None) -> list[str]:
    """The inputs of ``pronounce``: each TEXT, then each line of ``file``."""
    from ..errors import TranscriptError

    inputs = list(texts)
    if file is not None:
        try:
            inputs += Path(file).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise TranscriptError("no such file", path=str(file), hint="check --file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise TranscriptError(f"cannot be read: {exc}", path=str(file), hint="give a UTF-8 text file") from None
    return inputs
