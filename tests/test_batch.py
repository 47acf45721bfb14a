"""Batch mode: naming, archive casting, failures, re-runs, and a Dask cluster as the executor."""

from __future__ import annotations

import json
import re
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import Executor
from pathlib import Path

import pytest

from audio_pipeline.archive import archive_voices, episode_slugs, find_transcripts
from audio_pipeline.batch import FAILED, RENDERED, SKIPPED, run_batch
from audio_pipeline.errors import TranscriptError
from audio_pipeline.settings import Settings
from audio_pipeline.tts.engine import EngineInfo
from audio_pipeline.voices_file import parse_override
from audio_checks import decode_pcm, median_f0
from conftest import run_cli

# Two transcripts share a title (and Bob); one has no speaker turns at all.
_GOOD = {
    "Show one.txt": "# Q&A\n\n+   A: Alice\n\n+   B: Bob\n\nA: Hello there. How are you?\n\n"
                    "B: I am fine, and there is nothing much that is new with me.\n",
    "show-one.md": "# Q&A\n\n+   B: Bob\n\n+   C: Carol\n\nC: Good morning. What is new?\n\n"
                   "B: I am fine, and there is nothing much that is new with me.\n",
}
_BROKEN = "# Broken\n\nthere are no speaker turns in this file\n"


def _archive(folder: Path) -> Path:
    folder.mkdir()
    for name, text in _GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "broken.txt").write_text(_BROKEN, encoding="utf-8")
    (folder / "notes.csv").write_text("not a transcript\n", encoding="utf-8")
    return folder


def test_episodes_are_named_after_their_files_and_never_collide(tmp_path):
    paths = [Path("a/qa.txt"), Path("b/qa.txt"), Path("Q A.md"), Path("intro.txt")]
    slugs = episode_slugs(paths)
    assert len(set(slugs)) == 4 and slugs[3] == "intro"
    assert slugs[0].startswith("qa-") and slugs[1].startswith("qa-") and slugs[2] == "q-a"
    assert episode_slugs(paths) == slugs  # stable


def test_find_transcripts_takes_a_folder_or_a_glob(tmp_path):
    folder = _archive(tmp_path / "in")
    assert [p.name for p in find_transcripts(folder)] == ["Show one.txt", "broken.txt", "show-one.md"]
    assert [p.name for p in find_transcripts(f"{folder}/*.md")] == ["show-one.md"]
    with pytest.raises(TranscriptError, match="no transcripts found"):
        find_transcripts(tmp_path / "nothing-*.txt")


def test_recurring_names_keep_their_voice_and_panels_stay_distinct():
    engine = EngineInfo("x", (), ("m3", "f1", "klatt4", "f4", "m7", "belinda", "klatt", "m2"))
    rosters = [[("M", "Host"), ("A", "Ann")], [("M", "Host"), ("B", "Ben"), ("A", "Ann")],
               [("H", "host"), ("C", "Cy"), ("D", "Di")], [("B", "Ben"), ("C", "Cy")]]
    voices = [dict(parse_override(o) for o in r) for r in archive_voices(rosters, engine)]
    sound = [{code: (e["variant"], e["pitch"]) for code, e in v.items()} for v in voices]
    assert sound[0]["M"] == sound[1]["M"] == sound[2]["H"]  # same name, any code, any case
    assert sound[0]["A"] == sound[1]["A"] and sound[1]["B"] == sound[3]["B"] and sound[2]["C"] == sound[3]["C"]
    assert all(len(set(v.values())) == len(v) for v in sound)


def _manifests(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")
            if not p.name.endswith(".chapters.json")}


@pytest.mark.integration
def test_batch_reports_a_broken_transcript_renders_the_rest_and_reruns_only_what_changed(tmp_path):
    _archive(tmp_path / "in")
    first = run_cli("batch", "in", "--out", "out", "--voices", "none", cwd=tmp_path)
    assert first.returncode == 6, first.stderr
    errors = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: in/broken.txt:1: has no speaker turns (start each turn with a speaker label, "
                      "e.g. 'JG: Hello.')"]
    manifests = _manifests(tmp_path / "out")
    assert len(manifests) == 2 and all(s.startswith("show-one-") for s in manifests)  # named after the files
    for slug, manifest in manifests.items():
        audio = decode_pcm(tmp_path / "out" / f"{slug}.mp3")
        assert abs(len(audio) / 22050 * 1000 - manifest["duration_ms"]) < 60
        assert manifest["title"] == "Q&A"
    bob = [next(s["voice"] for s in m["speakers"] if s["name"] == "Bob") for m in manifests.values()]
    assert bob[0] == bob[1]
    pitch = {}  # heard, not just declared: Bob's turns have one pitch, the others' another
    for slug, manifest in manifests.items():
        audio = decode_pcm(tmp_path / "out" / f"{slug}.mp3")
        for turn in manifest["turns"]:
            who = "Bob" if turn["name"] == "Bob" else f"{slug}/{turn['name']}"
            pitch[who, slug] = median_f0(audio[turn["start_ms"] * 22050 // 1000:turn["end_ms"] * 22050 // 1000])
    bobs = [f for (who, _), f in pitch.items() if who == "Bob"]
    others = [f for (who, _), f in pitch.items() if who != "Bob"]
    assert len(bobs) == 2 and abs(bobs[0] - bobs[1]) < 0.03 * bobs[0]
    assert all(abs(f - bobs[0]) > 0.15 * bobs[0] for f in others)
    import podcastparser  # the batch's one feed lists every episode, read by a podcast client's parser

    with open(tmp_path / "out" / "feed.xml", "rb") as fh:
        feed = podcastparser.parse("feed.xml", fh)
    urls = [e["enclosures"][0]["url"].strip("/").rsplit("/", 1)[-1] for e in feed["episodes"]]  # relative links
    assert sorted(urls) == sorted(f"{s}.mp3" for s in manifests)
    stamps = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}

    again = run_cli("batch", "in", "--out", "out", "--voices", "none", cwd=tmp_path)
    assert again.returncode == 6
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")} == \
        {k: v for k, v in stamps.items() if not k.startswith(".")}  # nothing redone
    assert again.stderr.count("unchanged") == 2

    (tmp_path / "in" / "show-one.md").write_text(_GOOD["show-one.md"].replace("Good morning.", "Good evening."),
                                                 encoding="utf-8")
    (tmp_path / "in" / "broken.txt").write_text(_GOOD["Show one.txt"].replace("Q&A", "Fixed"), encoding="utf-8")
    third = run_cli("batch", "in", "--out", "out", "--voices", "none", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    statuses = dict(line.split("] ", 1)[1].split(",")[0].split(": ") for line in third.stderr.splitlines()
                    if line.startswith("["))
    md, txt = (next(s for s in manifests if manifests[s]["speakers"][0]["name"] == who) for who in ("Bob", "Alice"))
    assert statuses == {txt: "unchanged", md: "rendered", "broken": "rendered"}
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out").glob(f"{txt}.*")} == \
        {k: v for k, v in stamps.items() if k.startswith(f"{txt}.")}


class _KillOnce(Executor):
    """Hands tasks to a Dask executor, and kills the worker process running the first one."""

    def __init__(self, inner: Executor, client) -> None:
        self.inner, self.client, self.killed = inner, client, None
        self.pids = client.run(os.getpid)

    def submit(self, fn, *args, **kwargs):
        future = self.inner.submit(fn, *args, **kwargs)
        while self.killed is None and not future.done():
            busy = [w for w, keys in self.client.processing().items() if keys]
            if busy:
                self.killed = busy[0]
                os.kill(self.pids[busy[0]], signal.SIGKILL)
            time.sleep(0.005)
        return future


def _outputs(out: Path) -> dict[str, bytes]:
    """Every output file's bytes; manifests without their ``render`` block (how much was reused)."""
    files = {}
    for path in sorted(out.iterdir()):
        if path.name.startswith("."):
            continue
        if path.name == "feed.xml":  # undated transcripts: each folder's items are dated when first seen
            files[path.name] = re.sub(rb"<(pubDate|lastBuildDate)>[^<]*</", rb"<\1>date</", path.read_bytes())
        elif path.suffix == ".json" and not path.name.endswith(".chapters.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            data.pop("render")
            files[path.name] = json.dumps(data, sort_keys=True).encode()
        else:
            files[path.name] = path.read_bytes()
    return files


@pytest.mark.integration
def test_a_dask_cluster_gives_the_local_pools_bytes_even_when_a_worker_dies(tmp_path):
    from distributed import Client, LocalCluster

    folder = _archive(tmp_path / "in")
    (folder / "broken.txt").unlink()
    base = Settings(voices=None, jobs=2)
    local = run_batch(folder, Settings(**{**base.__dict__, "out_dir": tmp_path / "local",
                                          "cache_dir": tmp_path / "c1"}))
    assert [o.status for o in local.outcomes] == [RENDERED, RENDERED]
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        dask = client.get_executor(pure=False)
        calm = run_batch(folder, Settings(**{**base.__dict__, "out_dir": tmp_path / "dask",
                                             "cache_dir": tmp_path / "c2"}), executor=dask, encoder=dask, at_once=2)
        # Workers on this machine write pieces into the shared cache instead of sending them back.
        shared = run_batch(folder, Settings(**{**base.__dict__, "out_dir": tmp_path / "shared",
                                               "cache_dir": tmp_path / "c4"}), executor=dask, shared_cache=True)
        killer = _KillOnce(client.get_executor(pure=False), client)
        rough = run_batch(folder, Settings(**{**base.__dict__, "out_dir": tmp_path / "killed",
                                              "cache_dir": tmp_path / "c3"}), executor=killer, encoder=killer)
    assert killer.killed is not None
    assert [o.status for o in calm.outcomes] == [o.status for o in rough.outcomes] == [RENDERED, RENDERED]
    expected = _outputs(tmp_path / "local")
    assert len(expected) == 16  # 7 files an episode (audio, 4 sidecars, cover, page), index.html, feed.xml
    assert _outputs(tmp_path / "dask") == expected
    assert [o.status for o in shared.outcomes] == [RENDERED, RENDERED]
    assert _outputs(tmp_path / "shared") == expected
    assert _outputs(tmp_path / "killed") == expected


def _page_faults_of_big_temporaries() -> int:
    """Minor page faults while 200 arrays of 512 kB (levelling's temporaries' size) come and go."""
    import resource

    import numpy as np

    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for _ in range(200):
        np.ones(1 << 17, dtype=np.float32).sum()
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_cluster_workers_keep_freed_memory_instead_of_faulting_it_in_again():
    """A Dask nanny's MALLOC_TRIM_THRESHOLD_ maps every temporary array afresh: each of its pages
    is then faulted in again (26 times as many faults, 14 times the system time, when levelling)."""
    from audio_pipeline.cluster import cluster_executor

    with cluster_executor("local:1") as dask:
        faults = dask.submit(_page_faults_of_big_temporaries).result()
    assert faults < 200 * 128 // 10, faults  # a 512 kB array is 128 pages: not one in ten faulted
    # The same process without the plugin's setting: the cause is real.
    script = ("import sys; sys.path.insert(0, %r); from test_batch import _page_faults_of_big_temporaries as f; "
              "print(f())") % str(Path(__file__).parent)
    bare = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"})
    assert int(bare.stdout) > 200 * 128 // 2, bare.stdout


def test_cluster_without_dask_is_a_one_line_error_naming_the_extra(tmp_path, monkeypatch):
    import builtins

    from audio_pipeline.cluster import cluster_executor
    from audio_pipeline.errors import ClusterError

    real = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.split(".")[0] in ("distributed", "dask"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ClusterError, match=r"audio-pipeline\[cluster\]"):
        with cluster_executor("local:1"):
            pass


def test_a_failed_episode_is_redone_and_an_unchanged_one_skipped(tmp_path):
    folder = _archive(tmp_path / "in")
    settings = Settings(engine="fake", jobs=1, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    first = run_batch(folder, settings)
    assert [o.status for o in first.outcomes] == [RENDERED, FAILED, RENDERED]
    assert first.failed[0].error.startswith(f"{folder / 'broken.txt'}:1: ")
    second = run_batch(folder, settings)
    assert [o.status for o in second.outcomes] == [SKIPPED, FAILED, SKIPPED]
    (tmp_path / "out" / f"{first.outcomes[0].slug}.vtt").unlink()  # a missing output is redone
    third = run_batch(folder, settings)
    assert [o.status for o in third.outcomes] == [RENDERED, FAILED, SKIPPED]
    assert third.outcomes[0].pieces_synthesized == 0  # from the cache
