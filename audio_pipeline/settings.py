"""Every knob of a render in one frozen object, which also derives the cache keys."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

from .loudness import DEFAULT_LUFS, LEVELLER_VERSION
from .model import Voice

#: Bump when the meaning of a cached piece changes (its processing, its file layout).
CACHE_FORMAT = 3


def example_transcript() -> Path:
    """The bundled example: the Systems-ML workshop panel, in Chinese."""
    return Path(str(resources.files("audio_pipeline") / "examples" / "systems-ml-panel.txt"))


def default_cache_dir() -> Path:
    """The per-user cache folder (``$XDG_CACHE_HOME/audio-pipeline`` and the like)."""
    if env := os.environ.get("AUDIO_PIPELINE_CACHE"):
        return Path(env)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "audio-pipeline"


@dataclass(frozen=True)
class Pauses:
    """Silence between pieces, in milliseconds (the longest applicable one is used)."""

    sentence: int = 280
    paragraph: int = 500
    turn: int = 750
    chapter: int = 1400
    #: A chapter marker sits this far before its first word, inside the pause.
    chapter_lead: int = 350
    #: Silence after the last word.
    tail: int = 800


@dataclass(frozen=True)
class Settings:
    """How to render: inputs, outputs, engine, audio format and timing."""

    transcript: Path = field(default_factory=example_transcript)
    voices: Path | None = None
    #: True when ``voices`` was chosen by the user rather than found by default.
    voices_explicit: bool = False
    out_dir: Path = Path("output")
    cache_dir: Path | None = field(default_factory=default_cache_dir)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    engine: str = "pyttsx3"
    sample_rate: int = 22050
    #: Container of the episode and clips: mp3, m4b or opus.
    audio_format: str = "mp3"
    #: Kilobits per second; None picks the format's speech default (MP3 64, M4B 64, Opus 32).
    bitrate_kbps: int | None = None
    #: LAME's speed/quality trade-off for MP3 (0 best … 9 fastest); see README, "Encoder settings".
    mp3_quality: int = 7
    #: Also write one clip per chapter into ``<out>/<slug>/clips/``.
    clips: bool = False
    pauses: Pauses = Pauses()
    #: Chapters estimated shorter than this (seconds) are merged into the one before; 0 keeps every
    #: question as a chapter. Headings are kept whatever their length.
    min_chapter_seconds: float = 30.0
    #: Fade at each piece's edges so cuts never click.
    fade_ms: int = 8
    #: Leading/trailing audio quieter than this is trimmed from each piece.
    trim_dbfs: float = -50.0
    #: Silence kept at each trimmed edge.
    keep_ms: int = 30
    #: The user's cover image (square JPEG or PNG, 1400–3000 px); None draws one.
    cover: Path | None = None
    #: Public address of the output folder, for the feed's links; None makes them relative.
    base_url: str | None = None
    #: The transcript's format (``labels``, ``markdown``, ``webvtt``, …); None detects it.
    input_format: str | None = None
    #: The transcript's text encoding; None detects it (BOM, UTF-8, GB18030, …).
    encoding: str | None = None
    #: Name of the episode's files (``<slug>.mp3``, ``<slug>.json``, …); None: from the title.
    slug: str | None = None
    #: Loudness of every piece, so of the episode (LUFS, ITU-R BS.1770); true peak stays ≤ −2 dBTP.
    loudness_lufs: float = DEFAULT_LUFS
    #: Open with a narrator's spoken intro (a chapter of its own) and close with an outro.
    intro: bool = False

    @property
    def bitrate(self) -> int:
        """The bitrate actually used, in kbit/s."""
        return self.bitrate_kbps or {"opus": 32}.get(self.audio_format, 64)

    def piece_key(self, text: str, voice: Voice, engine_identity: str, before: str = "") -> str:
        """Cache key of one synthesized piece: everything that shapes its sound, hashed.

        ``before`` is the key of the piece spoken just before it in the same engine run (its turn),
        since the engine's state carries over within a run.
        """
        shaping = {
            "format": CACHE_FORMAT,
            "before": before,
            "engine": engine_identity,
            "text": text,
            "voice": asdict(voice),
            "sample_rate": self.sample_rate,
            "fade_ms": self.fade_ms,
            "trim_dbfs": self.trim_dbfs,
            "keep_ms": self.keep_ms,
            "loudness": [self.loudness_lufs, LEVELLER_VERSION],
        }
        blob = json.dumps(shaping, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()
