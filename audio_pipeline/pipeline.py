"""The render pipeline, its stages listed in order in :func:`render`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .assemble import lay_out, pcm_stream
from .cache import PieceCache
from .casting import cast_voices, load_casting, parse_override, with_names
from .encode import encode_mp3
from .export.manifest import build_manifest, write_manifest
from .files import atomic_path, check_writable, slugify
from .model import Cast, Chapter, Timeline, Transcript
from .script import plan_pieces
from .settings import Settings
from .synth import Progress, synthesize
from .tags import write_id3
from .transcript import find_chapters, read_transcript
from .tts.engine import EngineInfo, load_engine


@dataclass(frozen=True)
class Plan:
    """Everything known before synthesis: what ``inspect`` shows."""

    transcript: Transcript
    chapters: tuple[Chapter, ...]
    engine: EngineInfo
    cast: Cast
    names: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class RenderResult:
    """What a render wrote and how much work it took."""

    episode: Path
    manifest: Path
    timeline: Timeline
    pieces_synthesized: int
    pieces_reused: int
    warnings: tuple[str, ...]


def prepare(settings: Settings, *, voice_overrides: tuple[str, ...] = (), recast: int | None = None) -> Plan:
    """Parse, find chapters and cast voices (no synthesis)."""
    transcript = read_transcript(settings.transcript)
    chapters = find_chapters(transcript)
    engine = load_engine(settings.engine).info()
    casting = load_casting(settings.voices) if settings.voices else None
    overrides: dict[str, dict] = {}
    for text in voice_overrides:
        code, entry = parse_override(text)
        overrides[code] = {**overrides.get(code, {}), **entry}
    cast = cast_voices(transcript, engine, casting, overrides=overrides, seed=recast,
                       strict=settings.voices_explicit)
    return Plan(transcript, chapters, engine, cast, with_names(cast, transcript))


def render(settings: Settings, *, voice_overrides: tuple[str, ...] = (), recast: int | None = None,
           progress: Progress | None = None) -> RenderResult:
    """Render a transcript into ``<out>/<slug>.mp3`` and ``<out>/<slug>.json``.

    Stages: parse → chapters → cast → plan pieces → synthesize → lay out → encode + tag → manifest.
    """
    check_writable(settings.out_dir)
    plan = prepare(settings, voice_overrides=voice_overrides, recast=recast)
    pieces = plan_pieces(plan.transcript, plan.chapters, plan.cast, settings.pauses)
    cache = PieceCache(settings.cache_dir, settings.sample_rate)
    try:
        audio = synthesize(pieces, plan.engine.identity, settings, cache, progress)
        timeline = lay_out(plan.transcript, plan.chapters, plan.cast, pieces, audio,
                           settings.sample_rate, settings.pauses)
        slug = slugify(plan.transcript.metadata.title, Path(plan.transcript.path).stem)
        episode = settings.out_dir / f"{slug}.mp3"
        manifest_path = settings.out_dir / f"{slug}.json"
        with atomic_path(episode) as tmp:
            encode_mp3(pcm_stream(timeline), timeline.sample_rate, tmp, settings.bitrate_kbps)
            write_id3(tmp, timeline, plan.names)
    finally:
        cache.close()
    reused = sum(a.reused for a in audio)
    stats = {"pieces": len(pieces), "pieces_synthesized": len(pieces) - reused, "pieces_reused": reused}
    manifest = build_manifest(timeline, plan.names, {"episode": episode.name}, stats)
    write_manifest(manifest_path, manifest)
    return RenderResult(episode, manifest_path, timeline, len(pieces) - reused, reused, plan.cast.warnings)
