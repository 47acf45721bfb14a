"""``bench/run --batch [--episodes N]``: batch throughput on a synthetic archive, locally and on Dask.

The archive is N episodes made from the bundled example: each takes a sample of its turns in a
shuffled order (a moderator question first), and every sentence of episode k ends with the number
k, so no two episodes share a piece and the cache hides nothing. It is rendered cold (empty cache)
with 1 worker and with every core, by the local process pool and by a local Dask cluster
(``--cluster local:N``, whose start-up counts), and its largest episode alone, for peak memory.
One worker is not one core: its episode's MP3 encoding (threads) and the front end's process run
beside its synthesis worker. So the one-worker batch is also run held to one core (CPU affinity),
which gives the speed-up from one core to all of them.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
from pathlib import Path

_LABEL = re.compile(r"^[A-Z]{1,4}\s*[:：]")


def make_archive(source: Path, folder: Path, episodes: int, turns: int = 10) -> list[Path]:
    """Write ``episodes`` transcripts of ``turns`` turns each, sampled from ``source``, into ``folder``."""
    text = source.read_text(encoding="utf-8")
    head, body = text.split("\nM: 这个研讨会", 1)
    groups: list[list[str]] = []
    for paragraph in ("M: 这个研讨会" + body).split("\n\n"):
        if _LABEL.match(paragraph) or not groups:
            groups.append([paragraph])
        else:
            groups[-1].append(paragraph)
    questions = [g for g in groups if g[0].startswith("M")]
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(1, episodes + 1):
        rng = random.Random(k)
        chosen = [rng.choice(questions)] + rng.sample(groups, turns - 1)
        spoken = "\n\n".join("\n\n".join(g) for g in chosen)
        spoken = re.sub(r"([。？！])", rf" {k}\1", spoken)
        title = head.replace("# Systems ML workshop panel", f"# Systems ML workshop panel, part {k}")
        path = folder / f"part-{k:03d}.txt"
        path.write_text(title + "\n" + spoken + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def run(measure, repo: Path, work: Path, episodes: int) -> None:
    """Render the archive in each configuration and print episodes per minute and speed-ups."""
    from audio_pipeline.settings import example_transcript

    cores = os.cpu_count() or 1
    archive = work / "archive"
    make_archive(example_transcript(), archive, episodes)
    # The batch's peak is its largest episode's: compare it with that episode rendered alone.
    single = work / "single"
    single.mkdir()
    largest = max(archive.iterdir(), key=lambda p: p.stat().st_size)
    (single / largest.name).write_bytes(largest.read_bytes())
    print(f"machine: {cores} cores; archive: {episodes} episodes of 10 turns sampled from the example\n")

    def batch(name: str, folder: Path, jobs: int, cluster: str | None = None, one_core: bool = False) -> dict:
        cache, out = work / f"cache-{name}", work / f"out-{name}"
        shutil.rmtree(cache, ignore_errors=True)
        pin = [sys.executable, "-c", "import os, sys; os.sched_setaffinity(0, {0}); os.execv(sys.argv[1], sys.argv[1:])"]
        cmd = [*(pin if one_core else []), sys.executable, "-m", "audio_pipeline", "batch", str(folder), "--out",
               str(out), "--cache-dir", str(cache), "--voices", "none", "--jobs", str(jobs),
               *(["--cluster", cluster] if cluster else [])]
        result = measure(name, cmd)
        shutil.rmtree(cache, ignore_errors=True)
        return result

    one = batch("largest alone", single, cores)
    results = {}
    for jobs in sorted({1, cores}):
        results[("local", jobs)] = batch(f"local -j{jobs}", archive, jobs)
        results[("dask", jobs)] = batch(f"dask local:{jobs}", archive, jobs, f"local:{jobs}")
    pinned = batch("local -j1, 1 core", archive, 1, one_core=True) if cores > 1 and hasattr(os, "sched_setaffinity") else None
    print(f"\nepisodes per minute ({episodes} episodes, cold cache):")
    for (kind, jobs), r in results.items():
        print(f"  {kind:<6} {jobs} worker(s)  {episodes / r['wall'] * 60:7.1f}")
    top = max(j for _, j in results)
    if top > 1:
        print(f"\nspeed-up from 1 to {top} workers: local {results[('local', 1)]['wall'] / results[('local', top)]['wall']:.2f}"
              f"  dask {results[('dask', 1)]['wall'] / results[('dask', top)]['wall']:.2f}   [local >= 1.7 on 2 cores]")
        lone = results[("local", 1)]
        print(f"  (the 1-worker batch kept {lone['cpu'] / lone['wall']:.2f} cores busy on average)")
        if pinned:
            print(f"speed-up from 1 core (-j1 held to one core) to {top}: local "
                  f"{pinned['wall'] / results[('local', top)]['wall']:.2f}")
    for jobs in sorted({1, cores}):
        ratio = results[("dask", jobs)]["wall"] / results[("local", jobs)]["wall"]
        print(f"dask / local wall time at {jobs} worker(s): {ratio:.2f}   [<= 1.15]")
    print(f"peak memory, {episodes} episodes / one episode (local -j{cores}): "
          f"{results[('local', cores)]['peak_mb'] / one['peak_mb']:.2f}   [<= 1.5]")
