"""Content-addressed store of synthesized pieces: ``<root>/v<format>/<k[:2]>/<key>.wav``.

Writes go to a temporary file in ``<root>/tmp`` and are renamed into place. A temporary file is
named after the process that writes it, so whatever a killed process left there is removed the
next time the cache is opened. An entry that is missing, truncated or not the WAV we write is a
miss (and is removed), never an error.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import wave
from pathlib import Path

from .files import process_alive
from .settings import CACHE_FORMAT

_HEADER = 44  # bytes of the canonical PCM WAV header that the wave module writes


class PieceCache:
    """Synthesized pieces (and encoded segments) by key. ``root=None`` makes a throw-away cache
    (``--no-cache``)."""

    def __init__(self, root: Path | None, sample_rate: int) -> None:
        self._temporary = root is None
        self.root = Path(tempfile.mkdtemp(prefix="audio-pipeline-")) if root is None else Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.sample_rate = sample_rate
        self._dir = self.root / f"v{CACHE_FORMAT}"
        self.scratch = self.root / "tmp"
        self.scratch.mkdir(exist_ok=True)
        _sweep(self.scratch)

    def path(self, key: str) -> Path:
        return self._dir / key[:2] / f"{key}.wav"

    def frames(self, key: str) -> int | None:
        """Frames of a valid entry, or None (a bad entry is deleted so it gets redone)."""
        path = self.path(key)
        try:
            with wave.open(str(path), "rb") as w:
                ok = (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, self.sample_rate)
                frames = w.getnframes()
            if ok and frames > 0 and path.stat().st_size == _HEADER + 2 * frames:
                return frames
        except FileNotFoundError:
            return None
        except (OSError, EOFError, wave.Error):
            pass
        path.unlink(missing_ok=True)
        return None

    def segment_path(self, key: str) -> Path:
        """Where an encoded segment (raw MP3 frames) with this key lives."""
        return self.root / f"segments-v{CACHE_FORMAT}" / key[:2] / f"{key}.mp3"

    def prepare(self, key: str) -> Path:
        """Create the entry's folder and return its final path."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def close(self) -> None:
        if self._temporary:
            shutil.rmtree(self.root, ignore_errors=True)


def scratch_file(scratch: Path, name: str) -> Path:
    """A temporary path in the cache's scratch folder, owned by this process and thread."""
    return scratch / f"{os.getpid()}-{threading.get_ident()}-{name}"


def _sweep(scratch: Path) -> None:
    """Remove the temporary files of processes that are gone (killed mid-write)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(scratch):
            owner = entry.name.split("-", 1)[0]
            if not owner.isdigit() or not process_alive(int(owner)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def write_wav_atomic(path: Path, pcm: bytes, sample_rate: int, scratch: Path) -> None:
    """Write mono 16-bit PCM as a WAV under a temporary name in ``scratch``, then rename it into place."""
    tmp = scratch_file(scratch, path.name)
    try:
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            w.writeframes(pcm)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
