"""Clips cut from an already rendered episode by its own chapters: no synthesis, one decode pass.

Chapters are read back with ffmpeg (so any container we write works); when the episode's manifest
lies beside it, clips get the full question and the names of who speaks in them.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import mutagen

from ..encode import FORMATS, encode
from ..errors import ExportError
from ..files import atomic_path
from ..tags import Fields, write_tags
from ..tts.runtime import ffmpeg_exe
from .audio import clip_name


_CHAPTER = re.compile(r"Chapter #\d+:\d+: start (-?[\d.]+), end (-?[\d.]+)\n(?:\s+Metadata:\n\s+title\s+: (.*)\n)?")


def read_chapters(path: Path) -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) of every chapter, as ffmpeg lists them for the input.

    Not from ffmpeg's ffmetadata output: for MP3 that shifts chapters by the encoder delay.
    """
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True,
                          errors="replace")
    if "Stream #" not in proc.stderr:
        last = proc.stderr.strip().splitlines()[-1:] or ["unknown error"]
        raise ExportError(f"cannot be read as audio: {last[0]}", path=str(path))
    return [(round(float(m[1]) * 1000), round(float(m[2]) * 1000), (m[3] or "").strip())
            for m in _CHAPTER.finditer(proc.stderr)]


def cut_clips(episode: Path, numbers: list[int] | None = None, out_dir: Path | None = None) -> list[Path]:
    """Write clips of the chapters ``numbers`` (1-based; None for all) of ``episode``."""
    fmt = episode.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ExportError(f"unsupported container {fmt!r}", path=str(episode), hint=f"one of {', '.join(FORMATS)}")
    if not episode.is_file():
        raise ExportError("no such episode file", path=str(episode))
    chapters = read_chapters(episode)
    if not chapters:
        raise ExportError("has no chapters to cut", path=str(episode))
    wanted = sorted(set(numbers or range(1, len(chapters) + 1)))
    if bad := [n for n in wanted if not 1 <= n <= len(chapters)]:
        raise ExportError(f"no chapter {bad[0]}", path=str(episode), hint=f"chapters are 1 to {len(chapters)}")
    info = mutagen.File(str(episode))
    rate = getattr(info.info, "sample_rate", 48000)  # Opus always decodes at 48 kHz
    tags = _episode_tags(episode)
    manifest = _manifest(episode)
    cover = _cover(episode, manifest)
    folder = out_dir or episode.parent / episode.stem / "clips"
    decoder = subprocess.Popen([ffmpeg_exe(), "-v", "error", "-i", str(episode), "-f", "s16le", "-ac", "1",
                                "-ar", str(rate), "-"], stdout=subprocess.PIPE)
    written = []
    try:
        position = 0  # frames read so far
        for n in wanted:
            start, end, title = chapters[n - 1]
            first, last = start * rate // 1000, end * rate // 1000
            _skip(decoder.stdout, first - position)
            dest = folder / clip_name(n, title, FORMATS[fmt].extension)
            fields = _clip_fields(n, len(chapters), title, tags, manifest, cover)
            with atomic_path(dest) as tmp:
                encode(_take(decoder.stdout, last - first), rate, tmp, FORMATS[fmt], _bitrate(info))
                write_tags(tmp, fmt, fields)
            written.append(dest)
            position = last
    finally:
        decoder.kill()
        decoder.wait()
    return written


def _skip(stream, frames: int) -> None:
    for _ in _take(stream, frames):
        pass


def _take(stream, frames: int) -> Iterator[bytes]:
    remaining = 2 * max(0, frames)
    while remaining:
        chunk = stream.read(min(remaining, 1 << 16))
        if not chunk:
            yield b"\0" * remaining  # the last chapter may end a few samples past the decoded audio
            return
        remaining -= len(chunk)
        yield chunk


def _bitrate(info) -> int:
    return max(8, round((getattr(info.info, "bitrate", 0) or 64000) / 1000))


def _episode_tags(path: Path) -> dict:
    """Title, artist and date through mutagen's format-neutral "easy" keys."""
    tags = getattr(mutagen.File(str(path), easy=True), "tags", None) or {}

    def first(key: str) -> str:
        try:
            values = tags[key]
        except (KeyError, ValueError):
            return ""
        return str(values[0]) if values else ""

    return {"title": first("title"), "artist": first("artist"), "date": first("date")}


def _manifest(episode: Path) -> dict | None:
    path = episode.with_suffix(".json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if data.get("files", {}).get("episode") == episode.name else None
    except (OSError, ValueError):
        return None


def _cover(episode: Path, manifest: dict | None) -> tuple[str, bytes] | None:
    """The episode's cover file named in its manifest, if it is still beside it."""
    name = (manifest or {}).get("files", {}).get("cover")
    try:
        data = (episode.parent / name).read_bytes() if name else None
    except OSError:
        return None
    return (("image/png" if name.endswith(".png") else "image/jpeg"), data) if data else None


def _clip_fields(n: int, total: int, title: str, tags: dict, manifest: dict | None,
                 cover: tuple[str, bytes] | None = None) -> Fields:
    question, artists, lyrics, language = title, tuple(tags["artist"].split("/")) if tags["artist"] else (), "", "und"
    source = ""
    if manifest:
        source = manifest.get("source_url", "")
        chapter = next((c for c in manifest["chapters"] if c["index"] == n), None)
        question = chapter["question"] if chapter else title
        turns = [t for t in manifest["turns"] if t["chapter"] == n]
        artists = tuple(dict.fromkeys(t["name"] for t in turns))
        lyrics = "\n\n".join(f"{t['name']}: {t['text']}" for t in turns)
        language = {"zh": "zho", "en": "eng"}.get(manifest.get("language", ""), "und")
    return Fields(title=question, artists=artists, album=tags["title"], date=tags["date"], language=language,
                  comment="Clip of a chapter, cut by audio_pipeline", lyrics=lyrics,
                  source_url=source, track=(n, total), cover=cover)
