"""voices, cast and preview commands (real engine) and file-name safety."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from audio_pipeline.casting import cast_voices
from audio_pipeline.files import safe_filename
from audio_pipeline.transcript import read_transcript
from audio_pipeline.tts import load_engine
from audio_pipeline.voices_file import load_casting
from audio_checks import decode_pcm
from conftest import run_cli as run

REPO = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"


@pytest.mark.integration
def test_voices_lists_mandarin_voices_and_variants(tmp_path):
    result = run("voices", "--lang", "zh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sit/cmn" in result.stdout and "gmw/en" not in result.stdout
    assert "klatt4" in result.stdout and "Breathy" in result.stdout


@pytest.mark.integration
def test_cast_writes_a_casting_file_that_round_trips(tmp_path):
    result = run("cast", str(DATA / "short-panel.txt"), "--voices", "none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "my-voices.toml"
    path.write_text(result.stdout, encoding="utf-8")
    transcript = read_transcript(DATA / "short-panel.txt")
    info = load_engine("pyttsx3").info()
    assert cast_voices(transcript, info, load_casting(path)).voices == cast_voices(transcript, info).voices
    assert "[speakers.DS]  # panelist, 2 turns" in result.stdout


@pytest.mark.integration
def test_preview_renders_a_few_seconds_of_the_first_turn(tmp_path):
    result = run("preview", "YJ", "--out", str(tmp_path / "out"), "--seconds", "4", cwd=REPO)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "out" / "preview-YQ.mp3"
    seconds = len(decode_pcm(path)) / 22050
    assert 1.5 < seconds < 5.5


def test_preview_of_unknown_speaker_is_a_one_line_error(tmp_path):
    result = run("preview", "ZZ", "--out", str(tmp_path / "out"), cwd=REPO)
    assert result.returncode == 3 and result.stderr.startswith("error: ") and "ZZ" in result.stderr


@given(st.text(max_size=300))
def test_safe_filename_never_escapes_or_breaks(text):
    name = safe_filename(text)
    assert name and "/" not in name and "\\" not in name and "\0" not in name
    assert name not in (".", "..") and not name.endswith((".", " "))
    assert len(name.encode()) <= 150
    assert not any(ch in name for ch in '<>:"|?*')
    assert name.split(".")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt1"}
