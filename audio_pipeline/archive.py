"""An archive of transcripts as a batch sees it: which files, what each episode is called, which
voice each speaker has across the archive, and what each episode was made from.

Each episode is named after its transcript's file (the slug of its stem), so equal titles never
collide. A speaker who appears in several transcripts under the same name keeps one voice
throughout, while the speakers of any one episode stay distinct. A small state file in the output
folder remembers a fingerprint of each episode's inputs, so a re-run skips what is unchanged.
"""

from __future__ import annotations

import glob
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from . import __version__
from .casting import voice_slots
from .errors import TranscriptError
from .files import slugify, write_text_atomic
from .settings import Settings

#: The transcript files a folder is searched for.
SUFFIXES = (".txt", ".md", ".vtt", ".srt")
#: Where, in the output folder, the batch remembers what each episode was made from.
STATE_FILE = ".audio-pipeline-batch.state"
_STATE_VERSION = 1

def find_transcripts(spec: str | Path) -> list[Path]:
    """The transcripts of a folder (its ``*.txt *.md *.vtt *.srt`` files) or of a glob, sorted."""
    folder = Path(spec)
    if folder.is_dir():
        found = [p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()]
    else:
        found = [Path(p) for p in glob.glob(str(spec), recursive=True) if Path(p).is_file()]
    if not found:
        raise TranscriptError("no transcripts found", path=str(spec),
                              hint=f"give a folder holding {' '.join('*' + s for s in SUFFIXES)} files, or a glob")
    return sorted(found)


def episode_slugs(paths: list[Path]) -> list[str]:
    """One distinct file name per transcript, from its file name alone: the slug of its stem, or,
    when several stems give the same slug, that slug and a short hash of the transcript's path.

    >>> episode_slugs([Path("a/Q&A.txt"), Path("b/q-a.md"), Path("intro.txt")])
    ['q-a-2b3c76', 'q-a-e2744f', 'intro']
    """
    plain = [slugify(p.stem, "episode", 50) for p in paths]
    counts = {s: plain.count(s) for s in plain}
    return [s if counts[s] == 1 else f"{s}-{hashlib.sha256(p.as_posix().encode()).hexdigest()[:6]}"
            for s, p in zip(plain, paths)]


def archive_voices(rosters: list[list[tuple[str, str]]], engine, casting=None) -> list[tuple[str, ...]]:
    """For each transcript's roster of ``(code, name)``, the ``--voice`` overrides that cast it so
    that a name met in several transcripts has one voice everywhere and no two speakers of one
    transcript share a voice. Speakers the casting file lists are left to it.

    Names are taken in order of first appearance; each gets the first automatic voice that no name
    it shares a transcript with already has (a greedy colouring of who-meets-whom), so an archive
    needs only as many voices as its largest panel, about.
    """
    listed = set(casting.speakers) if casting else set()
    defaults = casting.defaults if casting else {}
    order: list[str] = []
    meets: dict[str, set[str]] = {}
    for roster in rosters:
        names = [_who(code, name, roster) for code, name in roster if code not in listed]
        for name in names:
            if name not in meets:
                order.append(name)
            meets.setdefault(name, set()).update(n for n in names if n != name)
    slot: dict[str, int] = {}
    for name in order:
        taken = {slot[n] for n in meets[name] if n in slot}
        slot[name] = next(i for i in range(len(order) + 1) if i not in taken)
    slots = voice_slots(engine, max(slot.values(), default=-1) + 1)
    out = []
    for roster in rosters:
        entries = []
        for code, name in roster:
            if code in listed:
                continue
            variant, pitch, rate = slots[slot[_who(code, name, roster)]]
            entries.append(f"{code}=,variant={variant},pitch={pitch},rate={defaults.get('rate', rate)}")
        out.append(tuple(entries))
    return out


def _who(code: str, name: str, roster: list[tuple[str, str]]) -> str:
    """A speaker's identity across the archive: the name, unless two speakers of one transcript share it."""
    key = " ".join(name.split()).casefold()
    return key if sum(" ".join(n.split()).casefold() == key for _, n in roster) == 1 else f"{key}\0{code}"


def fingerprint(settings: Settings, voice: tuple[str, ...], engine_identity: str) -> str:
    """Everything an episode's files depend on, hashed: its transcript and casting file (their
    bytes), its archive casting, the settings that shape the output, the tool and engine versions."""
    shaping = {k: v for k, v in asdict(settings).items()
               if k not in ("transcript", "voices", "voices_explicit", "out_dir", "cache_dir", "jobs")}
    blob = json.dumps({"tool": __version__, "engine": engine_identity, "settings": shaping, "voice": voice,
                       "transcript": _digest(settings.transcript),
                       "casting": _digest(settings.voices) if settings.voices else None},
                      sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


def read_state(path: Path) -> dict:
    """The episodes the last batch into this folder rendered; an unreadable state is an empty one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return dict(data["episodes"]) if data.get("version") == _STATE_VERSION else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_state(path: Path, episodes: dict) -> None:
    """Remember, atomically, what each episode of the folder was made from."""
    write_text_atomic(path, json.dumps({"version": _STATE_VERSION, "episodes": episodes},
                                       ensure_ascii=False, indent=1, sort_keys=True))
