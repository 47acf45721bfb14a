"""Who sounds like what: voices.toml (read by :mod:`.voices_file`) plus automatic casting →
:class:`~audio_pipeline.model.Cast`.

Automatic casting picks the engine's voice for the transcript's language and gives each speaker a
different entry of a palette of variant, pitch and rate, chosen (by measuring their pitch and
timbre) to sound clearly apart. Explicit entries in voices.toml win; auto-cast speakers avoid the
voices already taken.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CastingError
from .model import NARRATOR, PSEUDO, Cast, Transcript, Voice
from .tts.engine import EngineInfo

if TYPE_CHECKING:
    from .voices_file import CastingFile

# (variant, pitch, rate): median F0 measured on Mandarin speech, low and high voices alternating.
PALETTE: tuple[tuple[str, int, int], ...] = (
    # Slots 0-7 are spaced 15-37% apart in pitch from 70 to 300 Hz, with neighbours of contrasting
    # timbre, as measured under both eSpeak NG 1.51 (Debian) and 1.52 (the wheel), whose pitch
    # scales differ; the rest fill in between. Median F0 as 1.51 / 1.52:
    ("m3", 52, 170),      # 84 / 95 Hz
    ("f1", 67, 165),      # 179 / 197 Hz
    ("klatt4", 15, 158),  # 70 / 69 Hz, dark
    ("f4", 85, 175),      # 227 / 242 Hz
    ("m7", 88, 165),      # 124 / 139 Hz, dark
    ("belinda", 78, 170), # 290 / 302 Hz
    ("klatt", 70, 180),   # 106 / 114 Hz, bright
    ("m2", 95, 172),      # 153 / 160 Hz, bright
    ("linda", 35, 160),   # ~180 Hz
    ("aunty", 45, 168),
    ("m8", 30, 166),
    ("grandma", 62, 162),
)
# Pitch changes to the palette for English voices, where m7 and m2 came out too close (153 / 170 Hz,
# 11% apart). Median F0 of slots 0-7 on gmw/en-us (eSpeak NG 1.52, two interview sentences, ffmpeg-
# free autocorrelation as in tests/audio_checks.py) with these: m3 108, f1 214, klatt4 77, f4 262,
# m7 147, belinda 320, klatt 125, m2 178 Hz: 16-40% apart.
_PALETTE_PITCHES = {"en": {"m7": 84, "m2": 99}}
#: What narrators (and pseudo-speakers, which are never spoken) get instead of a palette slot: the
#: plain voice, no variant, so it can never collide with a panelist's.
_NARRATOR_PITCHES = (50, 38, 62, 26, 74)
_NARRATOR_RATE = 160
_FALLBACK_LANGUAGE = "en"
_LANGUAGE_VOICES = {"zh": ("cmn", "zh", "yue"), "en": ("en-us", "en-gb", "en")}


def cast_voices(transcript: Transcript, engine: EngineInfo, casting: CastingFile | None = None, *,
                overrides: dict[str, dict] | None = None, seed: int | None = None,
                strict: bool = True) -> Cast:
    """Give every speaker of ``transcript`` a voice the engine has, all different.

    ``overrides`` (from ``--voice``) win over the file; ``seed`` draws another automatic casting;
    ``strict`` makes entries for speakers the transcript lacks an error (else they are skipped).
    """
    codes = {s.code for s in transcript.speakers}
    alias = {a: s.code for s in transcript.speakers for a in s.aliases}
    warnings: list[str] = []
    explicit: dict[str, dict] = {}
    sources = [(casting.path, casting.speakers, casting.lines) if casting else None,
               ("--voice", overrides or {}, {})]
    for source in filter(None, sources):
        where, table, lines = source
        skipped = []
        for key, entry in table.items():
            code = alias.get(key, key)
            if code not in codes:
                if strict or where == "--voice":
                    raise CastingError(f"unknown speaker {key!r}", path=where, line=lines.get(f"speakers.{key}"),
                                       hint=f"speakers in {Path(transcript.path).name}: {', '.join(sorted(codes))}")
                skipped.append(key)
                continue
            explicit[code] = {**explicit.get(code, {}), **entry}
        if skipped:
            warnings.append(f"{where}: {', '.join(skipped)} not in this transcript; ignored")

    defaults = dict(casting.defaults) if casting else {}
    language = transcript.metadata.language
    if not defaults.get("voice") and not matching_voices(language, engine):
        warnings.append(f"the engine has no voice for language {language!r}: speaking it with the "
                        f"{_FALLBACK_LANGUAGE!r} voice (set [defaults] voice; audio-pipeline voices lists them)")
        language = _FALLBACK_LANGUAGE
    base_id = defaults.get("voice") or language_voice(language, engine)
    voice_ids = {v.id for v in engine.voices}
    where = casting.path if casting else "--voice"

    def check(entry: dict, label: str) -> Voice:
        voice_id = entry.get("voice", base_id)
        if voice_id not in voice_ids:
            raise CastingError(f"{label}: voice {voice_id!r} is not offered by the engine", path=where,
                               line=(casting.lines.get(label) if casting else None),
                               hint=f"voices for '{transcript.metadata.language}': "
                                    f"{', '.join(matching_voices(transcript.metadata.language, engine)) or 'none'}"
                                    " (all: audio-pipeline voices)")
        variant = entry.get("variant")
        if variant is not None and engine.variants and variant not in engine.variants:
            raise CastingError(f"{label}: variant {variant!r} is not offered by the engine", path=where,
                               hint=f"variants: {', '.join(engine.variants[:40])} …")
        if variant in engine.unstable_variants:
            warnings.append(f"{label}: variant {variant!r} adds breath noise that eSpeak NG does not "
                            "render reproducibly; renders will not be byte-identical")
        return Voice(voice_id, variant, int(entry.get("rate", defaults.get("rate", 170))),
                     int(entry.get("pitch", 50)), float(entry.get("volume", defaults.get("volume", 1.0))))

    check({}, "defaults")
    voices: dict[str, Voice] = {code: check(entry, f"speakers.{code}") for code, entry in explicit.items()}
    pitches = _PALETTE_PITCHES.get(_primary(language), {})
    palette = [(v, pitches.get(v, pitch), rate) for v, pitch, rate in PALETTE
               if not engine.variants or v in engine.variants]
    if seed is not None:
        random.Random(seed).shuffle(palette)
    # A speaker's palette slot is its position in the transcript, so re-casting one speaker never
    # moves another; only a collision with an explicit voice sends a speaker to a spare slot.
    taken = {(v.variant, v.pitch) for v in voices.values()}
    off_palette = [s for s in transcript.speakers if s.role in (NARRATOR, PSEUDO)]
    for n, speaker in enumerate(s for s in off_palette if s.code not in voices):
        voices[speaker.code] = Voice(base_id, None, int(defaults.get("rate", _NARRATOR_RATE)),
                                     _NARRATOR_PITCHES[n % len(_NARRATOR_PITCHES)], float(defaults.get("volume", 1.0)))
    panelists = [s for s in transcript.speakers if s not in off_palette]
    slots = palette + _further_variations(palette, max(0, 2 * len(panelists) - len(palette)))
    used: set[int] = set()
    short = []
    for position, speaker in enumerate(panelists):
        if speaker.code in voices:
            continue
        candidates = [position] + list(range(len(panelists), len(slots)))
        slot = next(i for i in candidates if i not in used and (slots[i][0], slots[i][1]) not in taken)
        used.add(slot)
        if slot >= len(palette):
            short.append(speaker.code)
        variant, pitch, rate = slots[slot]
        voices[speaker.code] = Voice(base_id, variant, int(defaults.get("rate", rate)), pitch,
                                     float(defaults.get("volume", 1.0)))
    if short:
        warnings.append(f"{len(panelists)} speakers but only {len(palette)} clearly distinct voices: "
                        f"{', '.join(short)} get pitch and rate variations that may sound alike")
    voices = {s.code: voices[s.code] for s in transcript.speakers}
    seen: dict[Voice, str] = {}
    for s in (s for s in transcript.speakers if s.role != PSEUDO):  # never spoken
        if voices[s.code] in seen:
            warnings.append(f"speakers {seen[voices[s.code]]} and {s.code} have the same voice")
        seen.setdefault(voices[s.code], s.code)
    names = tuple((code, e["name"]) for code, e in explicit.items() if "name" in e)
    return Cast(tuple((s.code, voices[s.code]) for s in transcript.speakers), names, tuple(warnings))


def language_voice(language: str, engine: EngineInfo) -> str:
    """The engine's voice for a language (``zh`` → ``sit/cmn``)."""
    found = matching_voices(language, engine)
    if not found:
        raise CastingError(f"the engine has no voice for language {language!r}",
                           hint="set [defaults] voice in the casting file (audio-pipeline voices lists them)")
    return found[0]


def matching_voices(language: str, engine: EngineInfo) -> list[str]:
    """Voice ids for a language tag, best first (exact language before regional or romanised ones).

    ``en-GB`` and ``en_gb`` find the British voice first, then any English one; ``zh-Hans`` finds
    Mandarin.
    """
    tag = language.strip().lower().replace("_", "-")
    primary = _primary(tag)
    wanted = tuple(dict.fromkeys(((tag,) if tag != primary else ()) + _LANGUAGE_VOICES.get(primary, (primary,))))
    ranked = []
    for rank, lang in enumerate(wanted):
        for v in engine.voices:
            for vl in v.languages:
                if vl == lang:
                    ranked.append((rank, 0, v.id))
                elif vl.startswith(lang + "-"):
                    ranked.append((rank, 1, v.id))
    return list(dict.fromkeys(vid for *_, vid in sorted(ranked)))


def _primary(language: str) -> str:
    """``en-GB`` → ``en``."""
    return language.strip().lower().replace("_", "-").split("-")[0]


def _further_variations(palette: list, count: int) -> list[tuple[str, int, int]]:
    out = []
    for i in range(max(0, count)):
        variant, pitch, rate = palette[i % len(palette)]
        step = i // len(palette) + 1
        out.append((variant, max(0, min(99, pitch + (12 if step % 2 else -12) * ((step + 1) // 2))),
                    max(80, min(450, rate + 15 * step))))
    return out


def with_names(cast: Cast, transcript: Transcript) -> dict[str, str]:
    """Display name of every speaker: voices.toml's ``name`` if set, else the transcript's."""
    return {s.code: cast.name(s.code, s.name) for s in transcript.speakers}


def voice_slots(engine: EngineInfo, count: int) -> list[tuple[str, int, int]]:
    """The first ``count`` automatic voices as (variant, pitch, rate): the palette entries the engine
    offers, in order, then their pitch and rate variations."""
    palette = [p for p in PALETTE if not engine.variants or p[0] in engine.variants]
    return (palette + _further_variations(palette, count - len(palette)))[:max(count, 0)]
