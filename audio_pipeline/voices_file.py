"""voices.toml: read and checked (each mistake reported with its line), ``--voice`` overrides, and
a commented voices.toml written from a cast for the user to edit.

The file's shape (tables, keys, value types and ranges) is checked here; whether the engine offers
a voice or variant is checked when the transcript is cast (:func:`.casting.cast_voices`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CastingError
from .frontend.lexicon import Lexicon, parse_lexicon
from .model import Cast, Transcript
from .tts.engine import EngineInfo

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


def casting_file_text(transcript: Transcript, cast: Cast, engine: EngineInfo) -> str:
    """A commented voices.toml reproducing ``cast``, for the user to edit and pass to ``--voices``."""
    import json

    from .casting import language_voice, matching_voices

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
