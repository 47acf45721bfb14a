"""The ``audio-pipeline`` command: options → Settings → library call; errors → one line + exit code.

What it shows while it works (messages, progress, tables) is :mod:`.display`'s.
"""

from __future__ import annotations

import os
import sys

# The command runs its own processes side by side (front end, synthesis, encoding): BLAS's threads
# would only compete with them, and an idle OpenBLAS thread spins. Read when NumPy loads.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__
from .display import BatchDisplay, ProgressBar, console, inspect_tables, say
from .errors import AudioPipelineError
from .settings import Settings, default_cache_dir, example_transcript

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Turn a written multi-speaker discussion into a podcast episode.")
_debug = False


TranscriptArg = Annotated[Optional[Path], typer.Argument(help="Transcript file (default: the bundled example).",
                                                         show_default=False)]
VoicesOpt = Annotated[Optional[Path], typer.Option("--voices", help="Casting file (default: ./voices.toml if present; "
                                                                     "'none' for automatic casting).")]
InputFormatOpt = Annotated[Optional[str], typer.Option("--input-format", help="Transcript format: labels, markdown, "
                                                     "webvtt, srt, json or html (default: detected).")]
EncodingOpt = Annotated[Optional[str], typer.Option("--encoding", help="Transcript text encoding, e.g. gb18030 "
                                                "(default: detected: UTF-8, UTF-16 with BOM, GB18030, …).")]
MinChapterOpt = Annotated[float, typer.Option("--min-chapter", min=0, help="Merge chapters estimated shorter than "
                                              "this many seconds into the one before (0: keep every question).")]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=0, help="Synthesis workers (default: the number of cores).")]
FormatOpt = Annotated[str, typer.Option("--format", help="Container: mp3, m4b (AAC) or opus.")]
BitrateOpt = Annotated[Optional[int], typer.Option("--bitrate", min=8, max=320,
                                                   help="kbit/s (default: mp3 64, m4b 64, opus 32).")]
BaseUrlOpt = Annotated[Optional[str], typer.Option("--base-url", help="Public address of OUT, for feed.xml's links "
                                                                      "(default: links relative to OUT).")]
LoudnessOpt = Annotated[float, typer.Option("--loudness", min=-36, max=-14, metavar="LUFS",
                                            help="Loudness of every voice and of the episode (EBU R128).")]
VoiceOpt = Annotated[Optional[list[str]], typer.Option("--voice", help="Override one speaker: "
                                                                         "SPEAKER=VOICE_ID[+VARIANT][,rate=..,pitch=..]. Repeatable.")]


def _settings(transcript: Path | None, voices: Path | None, **kw) -> Settings:
    explicit = voices is not None
    if voices is not None and str(voices).lower() == "none":
        voices, explicit = None, True
    elif voices is None and Path("voices.toml").is_file():
        voices = Path("voices.toml")
    return Settings(transcript=transcript or example_transcript(), voices=voices, voices_explicit=explicit, **kw)


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
          version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False) -> None:
    global _debug
    _debug = debug
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command()
def render(transcript: TranscriptArg = None, voices: VoicesOpt = None, voice: VoiceOpt = None,
           out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("output"),
           cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Cache of synthesized pieces.")] = None,
           no_cache: Annotated[bool, typer.Option("--no-cache", help="Synthesize everything; keep nothing.")] = False,
           recast: Annotated[Optional[int], typer.Option("--recast", help="Draw another automatic casting.")] = None,
           jobs: JobsOpt = 0, audio_format: FormatOpt = "mp3", bitrate: BitrateOpt = None,
           clips: Annotated[bool, typer.Option("--clips", help="Also write one clip per chapter into OUT/<slug>/clips/.")] = False,
           cover: Annotated[Optional[Path], typer.Option("--cover", help="Cover image: square JPEG or PNG, 1400-3000 px "
                                                                            "(default: one drawn from the title and speakers).")] = None,
           base_url: BaseUrlOpt = None,
           min_chapter: MinChapterOpt = 30.0,
           input_format: InputFormatOpt = None, encoding: EncodingOpt = None,
           loudness: LoudnessOpt = -16.0,
           intro: Annotated[bool, typer.Option("--intro", help="Open with a narrator's intro (its own chapter) and close with an outro.")] = False) -> None:
    """Render TRANSCRIPT into OUT/<slug>.mp3 (tags, chapters), .vtt, .srt, .chapters.json and .json."""
    from .tts.engine import describe_early

    extra = {"jobs": jobs} if jobs else {}
    settings = _settings(transcript, voices, out_dir=out_dir, audio_format=audio_format.lower(),
                         bitrate_kbps=bitrate, clips=clips, cover=cover, base_url=base_url,
                         min_chapter_seconds=min_chapter, input_format=input_format, encoding=encoding,
                         loudness_lufs=loudness, intro=intro,
                         cache_dir=None if no_cache else (cache_dir or default_cache_dir()), **extra)
    describe_early(settings.engine)  # runs while the pipeline's modules load
    from .pipeline import render as run

    try:
        with ProgressBar() as bar:
            result = run(settings, voice_overrides=tuple(voice or ()), recast=recast, progress=bar.update)
    except KeyboardInterrupt:
        say("interrupted: the pieces synthesized so far are cached; run the same command again to resume", err=True)
        raise typer.Exit(130) from None
    for warning in result.warnings:
        say(warning, mark="warning:", colour="yellow", err=True)
    t = result.timeline
    minutes, seconds = divmod(t.duration_ms // 1000, 60)
    say(f"{result.episode}  ({minutes}:{seconds:02d}, {len(t.transcript.speakers)} speakers, {len(t.chapters)} chapters)",
         mark="✓", colour="green")
    others = [f for key, f in result.files.items() if key not in ("episode", "clips")]
    say(f"  also {', '.join(others)} and {result.manifest.name} in {result.episode.parent}")
    if "clips" in result.files:
        say(f"  {len(result.files['clips'])} clips in {result.episode.parent / Path(result.files['clips'][0]).parent}")
    say(f"  pieces: {result.pieces_synthesized} synthesized, {result.pieces_reused} reused")
    say(f"  podcast feed of every episode in the folder: {result.episode.parent / 'feed.xml'}")


@app.command()
def batch(transcripts: Annotated[str, typer.Argument(help="A folder (its *.txt *.md *.vtt *.srt files) or a glob.")],
          voices: VoicesOpt = None,
          out_dir: Annotated[Path, typer.Option("--out", help="Output folder for every episode.")] = Path("output"),
          cache_dir: Annotated[Optional[Path], typer.Option("--cache-dir", help="Cache of synthesized pieces.")] = None,
          jobs: JobsOpt = 0,
          cluster: Annotated[Optional[str], typer.Option("--cluster", help="Run synthesis on a Dask cluster: "
                                                         "tcp://HOST:PORT, or local:N to start N local workers.")] = None,
          audio_format: FormatOpt = "mp3", bitrate: BitrateOpt = None,
          clips: Annotated[bool, typer.Option("--clips", help="Also write one clip per chapter.")] = False,
          base_url: BaseUrlOpt = None, loudness: LoudnessOpt = -16.0,
          at_once: Annotated[int, typer.Option("--episodes-at-once", min=1,
                                               help="With --cluster: episodes rendered side by side.")] = 2) -> None:
    """Render every transcript of a folder (or glob) into OUT, one episode each, named after its file."""
    from rich.table import Table

    from .batch import FAILED, run_batch
    from .cluster import cluster_executor
    from .tts.engine import describe_early

    extra = {"jobs": jobs} if jobs else {}
    settings = _settings(None, voices, out_dir=out_dir, audio_format=audio_format.lower(), bitrate_kbps=bitrate,
                         clips=clips, base_url=base_url, loudness_lufs=loudness,
                         cache_dir=cache_dir or default_cache_dir(), **extra)
    describe_early(settings.engine)
    try:
        with cluster_executor(cluster, settings.engine) as executor, BatchDisplay() as display:
            # A cluster's workers encode too; a local one's share this machine's cores with this
            # process, so shipping samples to them would only add copies.
            here = bool(cluster) and cluster.startswith("local:")
            remote = executor if cluster and not here else None
            # A cluster started here sees this machine's cache folder: its workers write pieces
            # into it rather than send them back.
            result = run_batch(transcripts, settings, executor=executor, progress=display, at_once=at_once,
                               encoder=remote, shared_cache=here)
    except KeyboardInterrupt:
        say("interrupted: finished episodes are kept and pieces are cached; run the same command again to resume",
             err=True)
        raise typer.Exit(130) from None
    table = Table("episode", "duration", "chapters", "synthesized", "reused", "status", title="Batch")
    for o in result.outcomes:
        minutes, seconds = divmod(o.duration_ms // 1000, 60)
        table.add_row(o.slug, f"{minutes}:{seconds:02d}" if o.duration_ms else "—", str(o.chapters or "—"),
                      str(o.pieces_synthesized), str(o.pieces_reused),
                      "[red]failed[/]" if o.status == FAILED else o.status)
    console().print(table)
    warnings = list(dict.fromkeys(f"{o.slug}: {w}" for o in result.outcomes for w in o.warnings))
    for warning in warnings[:10]:
        say(warning, mark="warning:", colour="yellow", err=True)
    if len(warnings) > 10:
        say(f"and {len(warnings) - 10} more", mark="warning:", colour="yellow", err=True)
    for o in result.failed:
        say(o.error, mark="error:", colour="red", err=True)
    done = len(result.outcomes) - len(result.failed)
    if result.feed:
        say(f"podcast feed of every episode in the folder: {result.feed}")
    say(f"{done} of {len(result.outcomes)} episodes in {settings.out_dir}", mark="✓" if not result.failed else "✗",
         colour="green" if not result.failed else "red")
    if result.failed:
        raise typer.Exit(BATCH_FAILED)


#: Exit code of a batch in which some transcripts failed (each is reported; the others were rendered).
BATCH_FAILED = 6


@app.command()
def inspect(transcript: TranscriptArg = None, voices: VoicesOpt = None, voice: VoiceOpt = None,
            recast: Annotated[Optional[int], typer.Option("--recast")] = None,
            as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document (schema: README).")] = False,
            min_chapter: MinChapterOpt = 30.0,
            input_format: InputFormatOpt = None, encoding: EncodingOpt = None) -> None:
    """Show speakers, their voices, turns as spoken, chapters and warnings, without synthesizing."""
    from .pipeline import prepare
    from .summary import inspect_document

    settings = _settings(transcript, voices, min_chapter_seconds=min_chapter, input_format=input_format,
                         encoding=encoding)
    plan = prepare(settings, voice_overrides=tuple(voice or ()), recast=recast)
    doc = inspect_document(plan, settings.pauses)
    if as_json:
        import json

        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    inspect_tables(plan, doc)


@app.command()
def voices(lang: Annotated[Optional[str], typer.Option("--lang", help="Only voices for this language (zh, cmn, en, …).")] = None) -> None:
    """List the voices the speech engine offers on this machine."""
    from rich.table import Table

    from .casting import matching_voices
    from .tts import load_engine

    info = load_engine("pyttsx3").info()
    wanted = set(matching_voices(lang, info)) if lang else None
    table = Table("id", "name", "languages", "gender", title=f"Voices ({info.identity})")
    shown = 0
    for v in info.voices:
        if wanted is None or v.id in wanted:
            table.add_row(v.id, v.name, ", ".join(v.languages), v.gender or "")
            shown += 1
    console().print(table)
    stable = [v for v in info.variants if v not in info.unstable_variants]
    say(f"{shown} voices. Variants (voices.toml 'variant'): {', '.join(stable)}")
    if info.unstable_variants:
        say(f"Breathy variants, not reproducible: {', '.join(info.unstable_variants)}")


@app.command()
def cast(transcript: TranscriptArg = None, voices: VoicesOpt = None, voice: VoiceOpt = None,
         recast: Annotated[Optional[int], typer.Option("--recast")] = None,
         input_format: InputFormatOpt = None, encoding: EncodingOpt = None) -> None:
    """Print a commented casting file for TRANSCRIPT's speakers (edit it, pass it back with --voices)."""
    from .voices_file import casting_file_text
    from .pipeline import prepare

    plan = prepare(_settings(transcript, voices, input_format=input_format, encoding=encoding),
                   voice_overrides=tuple(voice or ()), recast=recast)
    sys.stdout.write(casting_file_text(plan.transcript, plan.cast, plan.engine))


@app.command()
def preview(speaker: Annotated[str, typer.Argument(help="Speaker code, e.g. JG.")],
            transcript: Annotated[Optional[Path], typer.Option("--transcript", help="Default: the bundled example.")] = None,
            voices: VoicesOpt = None, voice: VoiceOpt = None,
            recast: Annotated[Optional[int], typer.Option("--recast")] = None,
            out_dir: Annotated[Path, typer.Option("--out")] = Path("output"),
            seconds: Annotated[float, typer.Option("--seconds", min=1, max=120)] = 8.0,
            input_format: InputFormatOpt = None, encoding: EncodingOpt = None) -> None:
    """Render a few seconds of SPEAKER's first turn, to audition a voice."""
    from .pipeline import preview as run

    path = run(_settings(transcript, voices, out_dir=out_dir, input_format=input_format, encoding=encoding), speaker,
               voice_overrides=tuple(voice or ()), recast=recast, seconds=seconds)
    say(str(path), mark="✓", colour="green")


@app.command()
def pronounce(texts: Annotated[Optional[list[str]], typer.Argument(help="Text to check (repeatable).", show_default=False)] = None,
              file: Annotated[Optional[Path], typer.Option("--file", help="Also check each line of this file.")] = None,
              lang: Annotated[Optional[str], typer.Option("--lang", help="Language of the voice (zh, en, …).")] = None,
              voices: VoicesOpt = None,
              speaker: Annotated[Optional[str], typer.Option("--speaker", help="Use this speaker's voice and lexicon.")] = None,
              as_json: Annotated[bool, typer.Option("--json", help="One JSON object per input, one per line.")] = False) -> None:
    """Show what will be said: each word with its reading, and the utterances the engine is given."""
    import json

    from .voices_file import load_casting
    from .frontend.chain import FrontEnd
    from .frontend.pronounce import pronounce_all, read_inputs, speech_for

    settings = _settings(None, voices)
    inputs = read_inputs(list(texts or ()), file)
    if not inputs:
        raise typer.BadParameter("give a TEXT or --file")
    speech = speech_for(load_casting(settings.voices) if settings.voices else None, speaker, lang)
    front = FrontEnd(default_cache_dir())
    reports = pronounce_all(inputs, speech, front)
    front.save()
    if as_json:
        for item in reports:
            typer.echo(json.dumps(item, ensure_ascii=False))
        return
    from rich.markup import escape
    from rich.table import Table

    for item in reports:
        table = Table("word", "lang", "reads as", title=escape(item["text"]), title_justify="left")
        for token in item["tokens"]:
            table.add_row(escape(token["text"]), token["lang"], escape(token["reading"]))
        console().print(table)
        for run in item["engine_runs"]:
            console().print(f"  [dim]{escape(run['voice'])}:[/] {escape(run['text'])}", highlight=False)


@app.command()
def clip(episode: Annotated[Path, typer.Argument(help="A rendered episode (.mp3, .m4b or .opus).")],
         chapter: Annotated[Optional[list[int]], typer.Option("--chapter", "-c", help="Chapter number (repeatable).")] = None,
         all_chapters: Annotated[bool, typer.Option("--all", help="Every chapter.")] = False,
         out_dir: Annotated[Optional[Path], typer.Option("--out", help="Default: EPISODE's folder/<name>/clips.")] = None) -> None:
    """Cut clips from an already rendered episode by its chapters (no synthesis)."""
    from .export.recut import cut_clips

    if not chapter and not all_chapters:
        raise typer.BadParameter("give --chapter N (repeatable) or --all")
    for path in cut_clips(episode, None if all_chapters else list(chapter), out_dir):
        say(str(path), mark="✓", colour="green")


@app.command()
def serve(folder: Annotated[Path, typer.Argument(help="The output folder to serve.")] = Path("output"),
          port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")] = 8000,
          bind: Annotated[str, typer.Option("--bind", help="Address to listen on (0.0.0.0: every interface).")]
          = "127.0.0.1") -> None:
    """Serve FOLDER over HTTP (byte ranges for seeking) and print the page and feed URLs."""
    from .serve import serve as run

    run(folder, port, bind, announce=say)
    say("stopped")


def main() -> None:
    """Console entry point: run the app, turning our errors into one line and an exit code."""
    try:
        app()
    except AudioPipelineError as exc:
        if _debug:
            raise
        say(exc.one_line(), mark="error:", colour="red", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        say("interrupted: pieces synthesized so far are cached; run the same command again to resume", err=True)
        sys.exit(130)
