"""What the command line shows: one-line messages, progress bars for a render and for a batch, and
``inspect``'s tables.

Lines of text go out through typer (click): colour on a terminal, plain otherwise. rich, which takes
50 ms to import, is loaded only for what needs it: tables and the progress bars on a terminal.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import typer


def say(text: str, *, mark: str = "", colour: str = "", err: bool = False) -> None:
    """One line: ``mark`` (in ``colour`` on a terminal), a space, then ``text`` as it is."""
    if mark:
        text = f"{typer.style(mark, fg=colour) if colour else mark} {text}"
    typer.echo(text, err=err)


@functools.cache
def console():
    """The rich console tables are printed on (standard output), made on first use."""
    from rich.console import Console

    return Console(soft_wrap=True)


class ProgressBar:
    """A synthesis progress bar on a terminal, shown from the first report (nothing otherwise)."""

    def __init__(self) -> None:
        self._bar = None
        self._task = None

    def __enter__(self) -> ProgressBar:
        return self

    def update(self, done: int, total: int) -> None:
        if done == total and self._bar is None or not sys.stderr.isatty():
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("[bold]Synthesizing"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("synth", total=total)
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


class BatchDisplay:
    """Progress across a batch: on a terminal, bars for episodes (with time left) and the current
    episode's pieces; otherwise one plain line per finished episode."""

    def __init__(self) -> None:
        self._bar = None
        self._total = 0
        self._done = 0
        self._synthesized = 0

    def __enter__(self) -> BatchDisplay:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._bar.start()
            self._episodes = self._bar.add_task("Episodes", total=1, count="")
            self._pieces = self._bar.add_task("Pieces", total=1, count="")
        return self

    def episode_started(self, number: int, total: int, source: Path) -> None:
        self._total = total
        if self._bar is not None:
            self._bar.update(self._pieces, description=f"{source.name[:30]}", completed=0, total=1, count="")
            self._bar.update(self._episodes, total=total, count=f"{self._done}/{total}")

    def pieces(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._pieces, completed=done, total=max(total, 1), count=f"{done}/{total}")
            self._bar.update(self._episodes, completed=self._done + done / max(total, 1))

    def episode_finished(self, outcome) -> None:
        self._done += 1
        self._synthesized += outcome.pieces_synthesized
        if self._bar is not None:
            self._bar.update(self._episodes, completed=self._done,
                             count=f"{self._done}/{self._total}, {self._synthesized} pieces synthesized")
        else:
            what = outcome.error if outcome.error else \
                f"{outcome.status}, {outcome.pieces_synthesized} pieces synthesized, {outcome.pieces_reused} reused"
            say(f"[{self._done}/{self._total}] {outcome.slug}: {what}", err=True)
        if outcome.error and self._bar is not None:
            self._bar.console.print(f"[red]failed:[/] {outcome.error}", highlight=False, markup=True)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


def inspect_tables(plan, doc: dict) -> None:
    """``inspect``'s view on a terminal: speakers, turns, chapters and stage directions as tables,
    then the warnings. ``doc`` is the plan's summary (:mod:`.summary`)."""
    from rich.table import Table

    meta = plan.transcript.metadata
    out = console()
    out.print(f"[bold]{meta.title}[/]  {meta.show}  {meta.date}  ({meta.language})", highlight=False)
    out.print(f"format: {doc['format']}  encoding: {doc['encoding']}  language: {doc['language']}", highlight=False)
    speakers = Table("code", "name", "role", "turns", "words", "voice", title="Speakers")
    for s in doc["speakers"]:
        code = s["code"] + (f" ({', '.join(s['aliases'])})" if s["aliases"] else "")
        speakers.add_row(code, plan.names[s["code"]], s["role"], str(s["turns"]), str(s["words"]), s["voice"])
    out.print(speakers)
    turns = Table("#", "speaker", "line", "time", "spoken text", title="Turns")
    for t in doc["turns"]:
        text = t["text"].replace("\n", " ")
        turns.add_row(str(t["index"]), t["speaker"], str(t["line"]),
                      "" if t["source_time"] is None else f"{t['source_time']:g}",
                      text if len(text) <= 70 else text[:69] + "…")
    out.print(turns)
    chapters = Table("#", "title", "asked by", "line", "~s", title="Chapters")
    for c in doc["chapters"]:
        line = plan.transcript.turns[c["first_turn"]].paragraphs[c["first_paragraph"]].line
        asked = plan.names.get(c["asked_by"], "—") if c["asked_by"] else "—"
        chapters.add_row(str(c["index"]), c["title"], asked, str(line), f"{c['estimated_seconds']:.0f}")
    out.print(chapters)
    if doc["stage_directions"]:
        stages = Table("line", "stage direction", title="Stage directions (not spoken)")
        for d in doc["stage_directions"]:
            stages.add_row(str(d["line"]), d["text"])
        out.print(stages)
    for warning in doc["warnings"]:
        say(warning, mark="warning:", colour="yellow", err=True)
