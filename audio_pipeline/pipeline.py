"""The render pipeline, its stages listed in order in :func:`render`."""

from __future__ import annotations

import contextlib
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from .assemble import lay_out
from .cache import PieceCache
from .casting import cast_voices, with_names
from .encode import FORMATS
from .errors import AudioPipelineError, ExportError, TranscriptError, disk_error
from .export.audio import write_clips, write_episode, write_preview
from .export.chapters_json import write_chapters_json
from .export.cover import Cover, episode_cover, write_cover
from .export.feed import FEED_NAME, check_base_url, publish_feed
from .export.manifest import build_manifest, write_manifest
from .export.mp3_segments import EarlyEncoder
from .export.page import write_index, write_page
from .export.subtitles import write_srt, write_vtt
from .frontend.preparing import prepare_pieces, start_preparing
from .frontend.lexicon import Lexicon
from .files import check_writable, slugify, staged_outputs, sweep_stale
from .intro import add_intro
from .loudness import LUFS_RANGE
from .loudness import preload as preload_leveller
from .model import Cast, Chapter, Piece, Timeline, Transcript
from .script import plan_pieces
from .settings import Settings
from .synth import Progress, synthesize
from .transcript import find_chapters, read_transcript
from .tts.engine import EngineInfo, load_engine
from .tts.runtime import check_ffmpeg
from .voices_file import load_casting, parse_override, speaker_lexicons


@dataclass(frozen=True)
class Plan:
    """Everything known before synthesis: what ``inspect`` shows."""

    transcript: Transcript
    chapters: tuple[Chapter, ...]
    engine: EngineInfo
    cast: Cast
    names: dict[str, str] = field(hash=False)
    #: The lexicon in effect for each speaker (voices.toml's ``[lexicon]`` tables), by code.
    lexicons: dict[str, Lexicon] = field(hash=False, default_factory=dict)


@dataclass(frozen=True)
class RenderResult:
    """What a render wrote and how much work it took."""

    episode: Path
    manifest: Path
    files: dict = field(hash=False)
    timeline: Timeline = field(hash=False, default=None)
    pieces_synthesized: int = 0
    pieces_reused: int = 0
    warnings: tuple[str, ...] = ()


def prepare(settings: Settings, *, voice_overrides: tuple[str, ...] = (), recast: int | None = None) -> Plan:
    """Parse, find chapters and cast voices (no synthesis)."""
    transcript = read_transcript(settings.transcript, input_format=settings.input_format, encoding=settings.encoding)
    chapters = find_chapters(transcript, min_seconds=settings.min_chapter_seconds)
    engine = load_engine(settings.engine).info()
    casting = load_casting(settings.voices) if settings.voices else None
    overrides: dict[str, dict] = {}
    for text in voice_overrides:
        code, entry = parse_override(text)
        overrides[code] = {**overrides.get(code, {}), **entry}
    cast = cast_voices(transcript, engine, casting, overrides=overrides, seed=recast,
                       strict=settings.voices_explicit)
    return Plan(transcript, chapters, engine, cast, with_names(cast, transcript), speaker_lexicons(casting, transcript))


def render(settings: Settings, *, voice_overrides: tuple[str, ...] = (), recast: int | None = None,
           progress: Progress | None = None, executor: Executor | None = None,
           encoder: Executor | None = None, shared_cache: bool = False, folder: bool = True) -> RenderResult:
    """Render a transcript into the episode, its sidecars, its manifest (and clips on request).

    Stages: parse → chapters → cast (``prepare``) → intro and outro (``--intro``) → plan pieces →
    front end (what the engine is given) → synthesize and level → lay out → export → the folder's
    feed and index.
    Bad input fails before anything is written; every output is written atomically. ``executor``
    runs the synthesis tasks (default: local worker processes; see :mod:`audio_pipeline.cluster`),
    ``encoder`` the MP3 segment encodes (default: threads of this process); ``shared_cache`` says
    that the executor's workers see this machine's cache folder. ``folder=False`` leaves
    the folder's ``feed.xml`` and ``index.html`` as they are (a batch writes them once, at its end).
    """
    if settings.audio_format not in FORMATS:
        raise ExportError(f"unknown format {settings.audio_format!r}", hint=f"choose one of: {', '.join(FORMATS)}")
    low, high = LUFS_RANGE
    if not low <= settings.loudness_lufs <= high:
        raise AudioPipelineError(f"loudness {settings.loudness_lufs:g} LUFS is out of range",
                                 hint=f"choose from {low:g} to {high:g} LUFS (podcasts: -16, EBU R128 broadcast: -23)")
    plan, pieces = plan_render(settings, voice_overrides=voice_overrides, recast=recast)
    if settings.audio_format != "mp3" or settings.clips:  # MP3 episodes are LAME's alone
        check_ffmpeg()
    check_base_url(settings.base_url)
    if not pieces:
        raise TranscriptError("has nothing that can be spoken (only punctuation or symbols)",
                              path=str(settings.transcript), line=plan.transcript.turns[0].line,
                              hint="a turn needs words, e.g. 'JG: Hello.'")
    # The front end works out what the engine is given in a process of its own, while this one
    # checks the cover and the folder and loads what levelling needs; synthesis then takes each
    # run as soon as its utterances are known. One such process analyses about ten times as many
    # pieces a second as the engine speaks: a second would only hold its models beside the synthesis.
    with start_preparing(pieces, plan.lexicons, settings.cache_dir, 1) as preparing:
        cover = episode_cover(plan.transcript, plan.names, settings)  # a bad --cover fails before synthesis
        check_writable(settings.out_dir)
        sweep_stale(settings.out_dir)
        if preparing.busy:  # a cold render: synthesis follows
            preload_leveller()
        with _disk_errors(settings), _cache(settings) as cache:
            early = (EarlyEncoder(pieces, plan.chapters, settings, cache, encoder)  # needs no utterances
                     if settings.audio_format == "mp3" else None)
            try:  # MP3 segments are encoded while the rest is still being synthesized
                audio = synthesize(pieces, plan.engine, settings, cache, progress, early and early.piece_ready,
                                   executor, shared_cache, preparing.utterances())
            except BaseException:
                if early:
                    early.close(cancel=True)
                raise
            if early:
                early.close()
            pieces = preparing.result()
            timeline = lay_out(plan.transcript, plan.chapters, plan.cast, pieces, audio,
                               settings.sample_rate, settings.pauses)
            with staged_outputs():
                files, encoded = export(timeline, settings, cache, early.written if early else set(), cover)
                reused = sum(a.reused for a in audio)
                stats = {"pieces": len(pieces), "pieces_synthesized": len(pieces) - reused, "pieces_reused": reused}
                if settings.audio_format == "mp3":
                    stats |= {"segments": len(timeline.segments), "segments_encoded": encoded,
                              "segments_reused": len(timeline.segments) - encoded}
                manifest_path = settings.out_dir / f"{_slug(timeline, settings)}.json"
                write_manifest(manifest_path, build_manifest(timeline, files, stats))
            if folder:
                write_folder_files(settings)
    return RenderResult(settings.out_dir / files["episode"], manifest_path, files, timeline,
                        len(pieces) - reused, reused, plan.transcript.warnings + plan.cast.warnings)


def plan_render(settings: Settings, *, voice_overrides: tuple[str, ...] = (),
                recast: int | None = None) -> tuple[Plan, tuple[Piece, ...]]:
    """What a render speaks: its plan (``--intro`` included) and its pieces, before the front end."""
    plan = prepare(settings, voice_overrides=voice_overrides, recast=recast)
    if settings.intro:
        plan = _with_intro(plan)
    return plan, plan_pieces(plan.transcript, plan.chapters, plan.cast, settings.pauses)


def write_folder_files(settings: Settings) -> Path:
    """Write what lists every episode in the output folder, this render's included: ``feed.xml``,
    then ``index.html`` (the newest episode's page, in the feed's order); return the feed's path."""
    feed, newest_first = publish_feed(settings.out_dir, settings.base_url)
    write_index(settings.out_dir, newest_first)
    return feed


def _with_intro(plan: Plan) -> Plan:
    """The plan with the narrator's intro and outro (chapters of their own) around the discussion."""
    from dataclasses import replace

    transcript, chapters, cast = add_intro(plan.transcript, plan.chapters, plan.cast, plan.engine)
    return replace(plan, transcript=transcript, chapters=chapters, cast=cast, names=with_names(cast, transcript))


@contextlib.contextmanager
def _disk_errors(settings: Settings):
    """Disk full, read-only, permission denied: one line naming the file, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise disk_error(exc, settings.out_dir) from None


@contextlib.contextmanager
def _cache(settings: Settings):
    cache = PieceCache(settings.cache_dir, settings.sample_rate)
    try:
        yield cache
    finally:
        cache.close()


def export(timeline: Timeline, settings: Settings, cache: PieceCache,
           encoded_early: set[Path] = frozenset(), cover: Cover | None = None) -> tuple[dict, int]:
    """Run every exporter on the timeline; return the files written (relative to the output folder)
    and how many audio segments had to be encoded."""
    out, slug, fmt = settings.out_dir, _slug(timeline, settings), settings.audio_format
    episode = out / f"{slug}.{FORMATS[fmt].extension}"
    cover = cover or episode_cover(timeline.transcript, timeline.names, settings)
    picture = (cover.mime, cover.data)
    encoded = write_episode(timeline, episode, fmt, settings.bitrate, cache=cache, jobs=settings.jobs,
                            mp3_quality=settings.mp3_quality, encoded_early=encoded_early, cover=picture)
    files: dict = {
        "episode": episode,
        "vtt": write_vtt(timeline, out / f"{slug}.vtt"),
        "srt": write_srt(timeline, out / f"{slug}.srt"),
        "chapters": write_chapters_json(timeline, out / f"{slug}.chapters.json"),
        "cover": write_cover(cover, out / f"{slug}.{cover.extension}"),
    }
    if settings.clips:
        files["clips"] = write_clips(timeline, out / slug / "clips", fmt, settings.bitrate, settings.mp3_quality,
                                     cover=picture)
    files["page"] = write_page(timeline, out, files, feed=FEED_NAME)  # last: it links to the files above
    return {k: ([p.relative_to(out).as_posix() for p in v] if isinstance(v, list) else v.relative_to(out).as_posix())
            for k, v in files.items()}, encoded


def preview(settings: Settings, speaker: str, *, voice_overrides: tuple[str, ...] = (), recast: int | None = None,
            seconds: float = 8.0) -> Path:
    """Render about ``seconds`` of ``speaker``'s first turn to ``<out>/preview-<speaker>.mp3``."""
    from dataclasses import replace as vary

    from .errors import CastingError
    from .model import Chapter

    check_writable(settings.out_dir)
    plan = prepare(settings, voice_overrides=voice_overrides, recast=recast)
    alias = {a: s.code for s in plan.transcript.speakers for a in s.aliases}
    code = alias.get(speaker, speaker)
    turn = next((t for t in plan.transcript.turns if t.speaker == code), None)
    if turn is None:
        raise CastingError(f"unknown speaker {speaker!r}", path=str(settings.transcript),
                           hint=f"speakers: {', '.join(s.code for s in plan.transcript.speakers)}")
    one = vary(plan.transcript, turns=(vary(turn, index=0),), stage_directions=())
    chapter = (Chapter(1, f"{plan.names[code]}", "", code, 0, 0),)
    pieces = plan_pieces(one, chapter, plan.cast, settings.pauses)
    if not pieces:
        raise TranscriptError(f"speaker {code} says nothing that can be spoken in their first turn",
                              path=str(settings.transcript), line=turn.line)
    chars_per_second = 5 if plan.transcript.metadata.language == "zh" else 14
    budget, chosen = seconds * chars_per_second, []
    for piece in pieces:
        chosen.append(piece)
        budget -= len(piece.text)
        if budget <= 0:
            break
    chosen = prepare_pieces(tuple(chosen), plan.lexicons, settings.cache_dir)
    with _disk_errors(settings), _cache(settings) as cache:
        audio = synthesize(chosen, plan.engine, settings, cache)
        timeline = lay_out(one, chapter, plan.cast, tuple(chosen), audio, settings.sample_rate, settings.pauses)
        dest = settings.out_dir / f"preview-{code}.{FORMATS[settings.audio_format].extension}"
        write_preview(timeline, dest, settings, seconds)
    return dest


def _slug(timeline: Timeline, settings: Settings) -> str:
    if settings.slug:
        return settings.slug
    return slugify(timeline.transcript.metadata.title, Path(timeline.transcript.path).stem)
