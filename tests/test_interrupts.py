"""Interrupted renders resume, killed renders leave no partial output, renders are reproducible."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).parent.parent
EXAMPLE = REPO / "audio_pipeline" / "examples" / "systems-ml-panel.txt"
SIDECARS = (".mp3", ".vtt", ".srt", ".chapters.json")


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> Path:
    """The example's first 20 turns: long enough to interrupt, short enough to render quickly."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, body = text.split("\nM: 这个研讨会", 1)
    paragraphs = ("M: 这个研讨会" + body).split("\n\n")[:24]
    path = tmp_path_factory.mktemp("medium") / "medium.txt"
    path.write_text(head + "\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return path


def start(src: Path, out: Path, cache: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "AUDIO_PIPELINE_CACHE": str(cache)}
    return subprocess.Popen([sys.executable, "-m", "audio_pipeline", "render", str(src), "--out", str(out),
                             "--voices", "none", *extra], env=env, cwd=out.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def clean(medium, tmp_path_factory) -> dict[str, bytes]:
    work = tmp_path_factory.mktemp("clean")
    result = finish(start(medium, work / "out", work / "cache"))
    assert result.returncode == 0, result.stderr
    return outputs(work / "out")


def _cached_pieces(cache: Path) -> int:
    return sum(1 for _ in cache.glob("v*/*/*.wav"))


def test_two_clean_renders_are_byte_identical(medium, clean, tmp_path):
    result = finish(start(medium, tmp_path / "out", tmp_path / "cache"))
    assert result.returncode == 0, result.stderr
    again = outputs(tmp_path / "out")
    assert again.keys() == clean.keys()
    for name in again:
        if name.endswith(SIDECARS):
            assert again[name] == clean[name], name
    name = next(n for n in again if n.endswith(".json") and not n.endswith(".chapters.json"))
    assert json.loads(again[name]) == json.loads(clean[name])  # both cold: the render counts agree too


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(medium, clean, tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "out"
    # One worker, interrupted as soon as its first pieces are stored: a render on two idle cores
    # used to finish before a later interrupt arrived. The audio is the same for any worker count.
    proc = start(medium, out, cache, "--jobs", "1")
    deadline = time.time() + 120
    while _cached_pieces(cache) < 1 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, "the render ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    result = finish(proc)
    assert result.returncode == 130, result.stderr
    assert "interrupted" in result.stderr and "resume" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(p.is_file() for p in out.iterdir()) if out.exists() else True
    done_before = _cached_pieces(cache)
    assert done_before >= 1
    resumed = finish(start(medium, out, cache))
    assert resumed.returncode == 0, resumed.stderr
    manifest = next(p for p in out.glob("*.json") if not p.name.endswith(".chapters.json"))
    render = json.loads(manifest.read_text(encoding="utf-8"))["render"]
    assert render["pieces_reused"] >= done_before - 2  # pieces running at Ctrl-C may have finished
    now = outputs(out)
    for name in now:
        if name.endswith(SIDECARS):
            assert now[name] == clean[name], name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sigkill_at_a_random_moment_leaves_old_or_new_outputs_whole(medium, clean, tmp_path, seed):
    cache, out = tmp_path / "cache", tmp_path / "out"
    first = finish(start(medium, out, cache, "--voice", "JG=sit/cmn+m8,pitch=20"))
    assert first.returncode == 0, first.stderr
    before = outputs(out)
    proc = start(medium, out, cache)  # the panel's own voices: JG's pieces are redone
    time.sleep(random.Random(seed).uniform(0.3, 4.0))
    proc.kill()
    proc.wait()
    after = outputs(out)
    assert all(n.startswith(".") for n in after if n.endswith(".part"))  # temporaries are hidden
    visible = {n: d for n, d in after.items() if not n.startswith(".")}
    assert visible == before or {n: d for n, d in visible.items() if n.endswith(SIDECARS)} == \
        {n: d for n, d in clean.items() if n.endswith(SIDECARS)}
    resumed = finish(start(medium, out, cache))
    assert resumed.returncode == 0, resumed.stderr
    final = outputs(out)
    assert not any(n.startswith(".") for n in final)  # the killed render's temporaries are swept
    for name in final:
        if name.endswith(SIDECARS):
            assert final[name] == clean[name], name


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers follow their parent on Linux only")
def test_sigkill_takes_the_synthesis_workers_with_it(medium, tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "out"
    proc = start(medium, out, cache)
    deadline = time.time() + 120
    while (_cached_pieces(cache) < 3 or not _children(proc.pid)) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    workers = _children(proc.pid)
    assert workers and proc.poll() is None, "the render ended before its workers could be seen"
    proc.kill()
    proc.wait()
    deadline = time.time() + 10
    while any(_running(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in workers)
