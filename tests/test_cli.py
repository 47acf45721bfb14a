"""The command line: one-line errors with exit codes, inspect, and a real render."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import run_cli as run

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


def put(name: str, data: bytes):
    def make(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return make


@pytest.mark.parametrize("make, code, message", [
    (lambda d: d / "missing.txt", 2, "missing.txt: no such file"),
    (lambda d: d, 2, "is a directory"),
    (put("e.txt", b""), 2, "e.txt:1: is empty"),
    (put("w.txt", b" \n\t\n"), 2, "w.txt:1: has only white space"),
    (put("b.mp3", b"ID3\x03\x00" + bytes(200)), 2, "looks like a binary file"),
    (put("u.txt", b"JG: ok\n\nGG: \xff\xfe\n"), 2, "u.txt:3: is not valid UTF-8"),
    (put("p.txt", b"just prose\n"), 2, "has no speaker turns"),
    (put("l.txt", b"JG:\n\nGG:\n"), 2, "has speaker labels but no speech"),
    (put("s.txt", "JG: ……\n\nGG: 😀！\n".encode()), 2, "s.txt:1: has nothing that can be spoken"),
    (put("bom.txt", b"\xef\xbb\xbf"), 2, "bom.txt:1: is empty"),
])
def test_bad_transcripts_give_one_line_and_exit_code(tmp_path, make, code, message):
    work = tmp_path / "work"
    work.mkdir()
    path = make(work)
    result = run("render", str(path), "--out", str(tmp_path / "out"), cwd=work)
    assert result.returncode == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_bad_casting_file_exit_code_and_message(tmp_path):
    voices = tmp_path / "v.toml"
    voices.write_text('[speakers.JG]\nvoice = "nope"\n')
    result = run("render", str(DATA / "short-panel.txt"), "--min-chapter", "0", "--voices", str(voices), "--out", str(tmp_path / "o"),
                 cwd=tmp_path)
    assert result.returncode == 3
    assert "v.toml:1: speakers.JG: voice 'nope' is not offered" in result.stderr
    assert "sit/cmn" in result.stderr


def test_inspect_lists_speakers_voices_and_chapters(tmp_path):
    result = run("inspect", cwd=REPO)
    assert result.returncode == 0, result.stderr
    for text in ("Joseph Gonzalez", "YQ (YJ)", "sit/cmn+klatt", "12. 告诉我你对未来", "听众提问"):
        assert text in result.stdout


def test_render_command_writes_outputs_and_summary(tmp_path):
    result = run("render", str(DATA / "short-panel.txt"), "--min-chapter", "0", "--out", str(tmp_path / "out"), "--voices", "none",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "short-panel.mp3" in result.stdout and "9 synthesized, 0 reused" in result.stdout
    assert "3 chapters" in result.stdout and "4 speakers" in result.stdout
    assert "feed.xml" in result.stdout
    manifest = json.loads((tmp_path / "out" / "short-panel.json").read_text(encoding="utf-8"))
    assert manifest["files"]["episode"] == "short-panel.mp3"


def test_no_generated_audio_or_cache_is_tracked():
    """Renders write audio to output/ and caches elsewhere; none of it belongs in git."""
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    files = tracked.stdout.splitlines()
    assert not [f for f in files if f.rsplit(".", 1)[-1] in ("wav", "mp3", "m4b", "opus", "ogg")]
    assert not [f for f in files if f.startswith(("cache/", "output/")) and f != "output/.gitkeep"]
