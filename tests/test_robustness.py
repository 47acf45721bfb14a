"""Bad input, scale, full disks, missing tools and hostile text: one-line errors or correct renders."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from audio_pipeline import render
from audio_pipeline.settings import Pauses, Settings
from audio_checks import decode_pcm
from conftest import run_cli as run

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


def fake(tmp_path: Path, transcript: Path, **kw) -> Settings:
    return Settings(transcript=transcript, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", engine="fake",
                    jobs=2, **kw)


def one_error_line(result: subprocess.CompletedProcess, code: int, text: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.stderr


def test_a_one_megabyte_turn_renders(tmp_path):
    sentence = "This sentence keeps going without ever reaching a full stop and it goes on" * 3
    src = tmp_path / "big.txt"
    src.write_text("JG: " + " ".join([sentence] * (1_000_000 // len(sentence))) + "\n", encoding="utf-8")
    assert src.stat().st_size > 1_000_000
    result = render(fake(tmp_path, src))
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["render"]["pieces"] > 4000 and manifest["render"]["segments"] > 100
    assert sum(len(t["text"]) for t in manifest["turns"]) >= 990_000


def test_ten_thousand_tiny_turns_render(tmp_path):
    src = tmp_path / "many.txt"
    src.write_text("\n\n".join(f"{'JG' if i % 2 else 'GG'}: 好{i}。" for i in range(10_000)), encoding="utf-8")
    short = Pauses(sentence=20, paragraph=20, turn=20, chapter=100, chapter_lead=20, tail=100)
    result = render(fake(tmp_path, src, pauses=short))
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert len(manifest["turns"]) == 10_000
    # each segment still opens with at least LAME's priming (1,105 samples) of silence
    for segment in result.timeline.segments[1:-1]:  # the last one is the silent tail
        assert result.timeline.pieces[segment.first_piece].start - segment.start >= 1105


def test_two_hundred_speakers_warn_and_all_differ(tmp_path):
    src = tmp_path / "crowd.txt"
    codes = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(200)]
    src.write_text("\n\n".join(f"{c}: 你好。" for c in codes), encoding="utf-8")
    result = render(fake(tmp_path, src))
    assert any("clearly distinct" in w for w in result.warnings)
    voices = [v for _, v in result.timeline.cast.voices]
    assert len(set(voices)) == 200 or any("same voice" in w for w in result.warnings)


@pytest.mark.parametrize("toml, code, text", [
    ("[speakers.JG\n", 3, "is not valid TOML"),
    ('[speakers.JG]\nspeed = 3\n', 3, "unknown key 'speed'"),
    ('[speakers.XX]\npitch = 3\n', 3, "unknown speaker 'XX'"),
    ('[speakers.JG]\nvoice = "klingon"\n', 3, "voice 'klingon' is not offered"),
    ('[speakers.JG]\nrate = 9000\n', 3, "rate = 9000 is out of range"),
    ('[speakers.JG]\npitch = -1\n', 3, "pitch = -1 is out of range"),
    ('[speakers.JG]\nvolume = 1.5\n', 3, "volume = 1.5 is out of range"),
])
def test_casting_errors_on_the_command_line(tmp_path, toml, code, text):
    voices = tmp_path / "v.toml"
    voices.write_text(toml, encoding="utf-8")
    result = run("render", str(DATA / "short-panel.txt"), "--voices", str(voices), "--out", str(tmp_path / "out"),
                 cwd=tmp_path)
    one_error_line(result, code, text)
    assert str(voices) in result.stderr and not (tmp_path / "out").exists()


def test_unwritable_output_folder(tmp_path):
    (tmp_path / "file").write_text("x")
    result = run("render", str(DATA / "short-panel.txt"), "--out", str(tmp_path / "file" / "out"), cwd=tmp_path)
    one_error_line(result, 5, "cannot be written")


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.integration
@pytest.mark.parametrize("warm", [False, True])
def test_full_disk_is_one_line_and_leaves_nothing(tmp_path, warm):
    if warm:
        ok = run("render", str(DATA / "short-panel.txt"), "--out", str(tmp_path / "warmup"), cwd=tmp_path)
        assert ok.returncode == 0, ok.stderr
    result = run("render", str(DATA / "short-panel.txt"), "--out", str(tmp_path / "out"), cwd=tmp_path,
                 preexec=_limit_file_size(40_000))
    one_error_line(result, 5, "cannot write" if not warm else "")
    assert "Traceback" not in result.stderr
    leftovers = [p.name for p in (tmp_path / "out").iterdir()] if (tmp_path / "out").exists() else []
    assert leftovers == [], leftovers


def test_missing_or_broken_ffmpeg_fails_before_any_work_where_it_is_needed(tmp_path):
    for needs_ffmpeg in (["--format", "m4b"], ["--clips"]):
        result = run("render", str(DATA / "short-panel.txt"), "--out", str(tmp_path / "out"), *needs_ffmpeg,
                     cwd=tmp_path, env={"AUDIO_PIPELINE_FFMPEG": str(tmp_path / "no-ffmpeg")})
        one_error_line(result, 5, "ffmpeg was not found")
    broken = tmp_path / "ffmpeg"
    broken.write_text("#!/bin/sh\necho 'ffmpeg: broken build' >&2\nexit 1\n")
    broken.chmod(0o755)
    result = run("render", str(DATA / "short-panel.txt"), "--out", str(tmp_path / "out"), "--format", "opus",
                 cwd=tmp_path, env={"AUDIO_PIPELINE_FFMPEG": str(broken)})
    one_error_line(result, 5, "ffmpeg does not work: ffmpeg: broken build")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "cache").exists()  # nothing was synthesized either


def test_an_mp3_episode_needs_no_ffmpeg(tmp_path):
    result = run("render", str(DATA / "short-panel.txt"), "--out", str(tmp_path / "out"), cwd=tmp_path,
                 env={"AUDIO_PIPELINE_FFMPEG": str(tmp_path / "no-ffmpeg")})
    assert result.returncode == 0, result.stderr
    [episode] = (tmp_path / "out").glob("*.mp3")
    duration_ms = json.loads(episode.with_suffix(".json").read_text(encoding="utf-8"))["duration_ms"]
    assert len(decode_pcm(episode)) * 1000 == duration_ms * 22050  # this process's ffmpeg decodes it


def test_debug_shows_the_traceback(tmp_path):
    result = run("--debug", "render", str(tmp_path / "missing.txt"), cwd=tmp_path)
    assert result.returncode != 0 and "Traceback" in result.stderr


HOSTILE = """# ../../etc/passwd\\CON：<script>alert(1)</script>

> Source: [x](http://example.org/a?b=<c>&d="e")

M: 这是 </script> 和 ]]> 的问题吗？

JG: <speak><audio src="http://x/y.mp3"/></speak> [[h@l'oU]] 好。

M: 名字里有 ../ 和 \\ 和 NUL 吗？

JG: 没有。
"""


@pytest.mark.integration
def test_hostile_text_stays_text(tmp_path):
    src = tmp_path / "hostile.txt"
    src.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out"
    result = run("render", str(src), "--out", str(out), "--clips", "--voices", "none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = [p for p in out.rglob("*") if p.is_file()]
    assert all(out in p.resolve().parents for p in written)
    names = sorted(p.relative_to(out).as_posix() for p in written)
    assert names[0].startswith("etc-passwd-con"), names
    assert not any(n.split("/")[-1].split(".")[0].lower() in {"con", "nul", "aux", "prn"} for n in names)
    vtt = next(out.glob("*.vtt")).read_text(encoding="utf-8")
    # Tags and brackets are markup, never spoken; what is left is escaped in the captions.
    assert "&gt;" in vtt and "</script>" not in vtt and "<speak>" not in vtt and "script" not in vtt
    chapters = json.loads(next(out.glob("*.chapters.json")).read_text(encoding="utf-8"))
    assert chapters["chapters"][0]["title"] == "1. 这是 和 > 的问题吗？"
    manifest = next(p for p in out.glob("*.json") if not p.name.endswith(".chapters.json"))
    assert json.loads(manifest.read_text(encoding="utf-8"))["title"] == "../../etc/passwd\\CON"
