"""Who sounds like what: voices.toml plus automatic casting → :class:`~audio_pipeline.model.Cast`.

Automatic casting picks the engine's voice for the transcript's language and gives each speaker a
different entry of a palette of variant, pitch and rate, chosen (by measuring their pitch and
timbre) to sound clearly apart. Explicit entries in voices.toml win; auto-cast speakers avoid the
voices already taken.
"""

from __future__ import annotations

import random
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CastingError
from .frontend.lexicon import Lexicon, parse_lexicon
from .model import NARRATOR, PSEUDO, Cast, Transcript, Voice
from .tts.engine import EngineInfo

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
_SPEAKER_KEYS = {"name", "voice", "variant", "rate", "pitch", "volume"}
_DEFAULT_KEYS = {"voice", "rate", "volume"}
_TOP_KEYS = {"defaults", "speakers", "lexicon"}
_RANGES = {"rate": (80, 450), "pitch": (0, 99), "volume": (0.0, 1.0)}


@dataclass(frozen=True)
class CastingFile:
    """voices.toml as read: per-speaker settings and defaults, with where it came from."""

    path: str
    defaults: dict
    speakers: dict
    lines: dict
    #: ``[lexicon]`` (under "") and each ``[speakers.X.lexicon]`` (under X), as written.
    lexicons: dict[str, Lexicon] = field(default_factory=dict)


def load_casting(path: str | Path) -> CastingFile:
    """Read and shape-check a casting file (keys and value types; voices are checked later)."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CastingError("no such casting file", path=shown, hint="check --voices") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CastingError(f"cannot be read: {exc}", path=shown) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise CastingError(f"is not valid TOML: {exc}", path=shown, line=int(m[1]) if m else None) from None
    lines = _key_lines(text)
    for key in data:
        if key not in _TOP_KEYS:
            raise CastingError(f"unknown key {key!r}", path=shown, line=lines.get(key),
                               hint=f"allowed: {', '.join(sorted(_TOP_KEYS))}")
    defaults = data.get("defaults", {})
    speakers = data.get("speakers", {})
    if not isinstance(defaults, dict) or not isinstance(speakers, dict):
        raise CastingError("'defaults' and 'speakers' must be tables", path=shown)
    _check_table(defaults, _DEFAULT_KEYS, "defaults", shown, lines)
    lexicons = {"": parse_lexicon(data["lexicon"], "lexicon", shown, lines)} if "lexicon" in data else {}
    for code, table in speakers.items():
        if not isinstance(table, dict):
            raise CastingError(f"speakers.{code} must be a table like [speakers.{code}]", path=shown,
                               line=lines.get(f"speakers.{code}"))
        if "lexicon" in table:
            lexicons[code] = parse_lexicon(table.pop("lexicon"), f"speakers.{code}.lexicon", shown, lines)
        _check_table(table, _SPEAKER_KEYS, f"speakers.{code}", shown, lines)
    return CastingFile(shown, defaults, speakers, lines, lexicons)


def speaker_lexicons(casting: CastingFile | None, transcript: Transcript) -> dict[str, Lexicon]:
    """The lexicon in effect for each speaker of ``transcript``: their own entries (a table under
    an alias counts), then ``[lexicon]``'s."""
    if casting is None or not casting.lexicons:
        return {}
    alias = {a: s.code for s in transcript.speakers for a in s.aliases}
    own: dict[str, Lexicon] = {}
    for key, lexicon in casting.lexicons.items():
        if key:
            code = alias.get(key, key)
            own[code] = own.get(code, Lexicon()).then(lexicon)
    shared = casting.lexicons.get("", Lexicon())
    return {s.code: own.get(s.code, Lexicon()).then(shared) for s in transcript.speakers}


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


def parse_override(text: str) -> tuple[str, dict]:
    """``SPEAKER=VOICE_ID[+VARIANT][,rate=..,pitch=..,volume=..]`` → (speaker, entry)."""
    speaker, sep, rest = text.partition("=")
    if not sep or not speaker.strip() or not rest.strip():
        raise CastingError(f"--voice {text!r}: expected SPEAKER=VOICE_ID[,rate=..,pitch=..]")
    voice, *options = [p.strip() for p in rest.split(",")]
    entry: dict = {}
    if voice:
        entry["voice"], _, variant = voice.partition("+")
        if variant:
            entry["variant"] = variant
    for option in options:
        key, _, value = option.partition("=")
        if key not in _SPEAKER_KEYS - {"voice"}:
            raise CastingError(f"--voice {text!r}: unknown option {key!r}",
                               hint=f"allowed: {', '.join(sorted(_SPEAKER_KEYS - {'voice'}))}")
        try:
            entry[key] = value if key in ("name", "variant") else float(value) if key == "volume" else int(value)
        except ValueError:
            raise CastingError(f"--voice {text!r}: {key} must be a number") from None
    _check_table(entry, _SPEAKER_KEYS, speaker, "--voice", {})
    return speaker.strip(), entry


def _further_variations(palette: list, count: int) -> list[tuple[str, int, int]]:
    out = []
    for i in range(max(0, count)):
        variant, pitch, rate = palette[i % len(palette)]
        step = i // len(palette) + 1
        out.append((variant, max(0, min(99, pitch + (12 if step % 2 else -12) * ((step + 1) // 2))),
                    max(80, min(450, rate + 15 * step))))
    return out


def _check_table(table: dict, allowed: set, label: str, path: str, lines: dict) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise CastingError(f"{label}: unknown key {key!r}", path=path, line=lines.get(f"{label}.{key}", lines.get(label)),
                               hint=f"allowed: {', '.join(sorted(allowed))}")
        if key in ("name", "voice", "variant"):
            if not isinstance(value, str) or not value.strip():
                raise CastingError(f"{label}.{key} must be a non-empty string", path=path, line=lines.get(label))
        elif key in _RANGES:
            low, high = _RANGES[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise CastingError(f"{label}.{key} = {value!r} is out of range", path=path, line=lines.get(label),
                                   hint=f"{key} takes a number from {low} to {high}")


def _key_lines(text: str) -> dict[str, int]:
    """Line of each ``[table]`` header and key, for error messages (tomllib gives none)."""
    out: dict[str, int] = {}
    table = ""
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if m := re.match(r"^\[\s*([^\]]+?)\s*\]", s):
            table = m[1].replace('"', "").replace(" ", "")
            out.setdefault(table, n)
            out.setdefault(table.split(".")[0], n)
        elif m := re.match(r"""^("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""", s):
            key = _toml_key(m[1])
            out.setdefault(f"{table}.{key}" if table else key, n)
    return out


def _toml_key(written: str) -> str:
    """A key as TOML reads it (a quoted key unquoted, escapes resolved)."""
    if written[:1] in "'\"":
        try:
            return tomllib.loads(f"{written} = 0").popitem()[0]
        except (tomllib.TOMLDecodeError, KeyError):
            return written.strip("'\"")
    return written


def with_names(cast: Cast, transcript: Transcript) -> dict[str, str]:
    """Display name of every speaker: voices.toml's ``name`` if set, else the transcript's."""
    return {s.code: cast.name(s.code, s.name) for s in transcript.speakers}




def casting_file_text(transcript: Transcript, cast: Cast, engine: EngineInfo) -> str:
    """A commented voices.toml reproducing ``cast``, for the user to edit and pass to ``--voices``."""
    import json

    language = transcript.metadata.language
    turns = {s.code: sum(t.speaker == s.code for t in transcript.turns) for s in transcript.speakers}
    base = next(iter(dict(cast.voices).values())).voice_id if cast.voices else language_voice(language, engine)
    stable = [v for v in engine.variants if v not in engine.unstable_variants]
    lines = [
        f"# Casting for {Path(transcript.path).name}: {transcript.metadata.title}",
        f"# Edit, then: audio-pipeline render {Path(transcript.path).name} --voices THIS_FILE",
        "#",
        f"# voice: an engine voice id; for '{language}': {', '.join(matching_voices(language, engine)[:8])}",
        "#        (all: audio-pipeline voices)",
        f"# variant: {', '.join(stable[:30])}{' …' if len(stable) > 30 else ''}",
        f"#          (breathy, not reproducible: {', '.join(engine.unstable_variants)})" if engine.unstable_variants else "#",
        "# pitch 0–99, rate 80–450 words per minute, volume 0.0–1.0; every key is optional.",
        "",
        "[defaults]",
        f"voice = {json.dumps(base)}",
        "",
    ]
    names = dict(cast.names)
    for s in transcript.speakers:
        voice = cast.voice(s.code)
        aliases = f", labelled {'/'.join(s.aliases)}" if s.aliases else ""
        count = f"{turns[s.code]} turn{'s' if turns[s.code] != 1 else ''}"
        lines += [f"[speakers.{s.code}]  # {s.role}, {count}{aliases}",
                  f"name = {json.dumps(names.get(s.code, s.name), ensure_ascii=False)}"]
        if voice.voice_id != base:
            lines.append(f"voice = {json.dumps(voice.voice_id)}")
        if voice.variant:
            lines.append(f"variant = {json.dumps(voice.variant)}")
        lines += [f"pitch = {voice.pitch}", f"rate = {voice.rate}", f"volume = {voice.volume:g}", ""]
    return "\n".join(lines)


__all__ = ["PALETTE", "CastingFile", "cast_voices", "casting_file_text", "language_voice", "load_casting",
           "matching_voices", "parse_override", "speaker_lexicons", "with_names"]


def voice_slots(engine: EngineInfo, count: int) -> list[tuple[str, int, int]]:
    """The first ``count`` automatic voices as (variant, pitch, rate): the palette entries the engine
    offers, in order, then their pitch and rate variations."""
    palette = [p for p in PALETTE if not engine.variants or p[0] in engine.variants]
    return (palette + _further_variations(palette, count - len(palette)))[:max(count, 0)]
