"""Codec overshoot: where an encoded file passes the true-peak ceiling, the source is dipped there."""

from __future__ import annotations

import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from audio_pipeline.export.peak_guard import CEILING_DBTP, dipped, encode_within_ceiling, overshoots
from audio_pipeline.tts.runtime import ffmpeg_exe

RATE = 22050


def _pcm(seconds: float, loud_at: float) -> bytes:
    """A quiet tone with 50 ms at full scale starting at ``loud_at`` seconds."""
    t = np.arange(int(seconds * RATE)) / RATE
    level = np.where((t >= loud_at) & (t < loud_at + 0.05), 0.99, 0.2)
    return (np.sin(2 * np.pi * 440 * t) * level * 32767).astype("<i2").tobytes()


def _chunks(pcm: bytes):
    return lambda: (pcm[i:i + 8192] for i in range(0, len(pcm), 8192))


def _write_wav(dest: Path):
    def encode(chunks) -> None:
        with wave.open(str(dest), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            for chunk in chunks:
                w.writeframes(chunk)
    return encode


def _ffmpeg_true_peak(path: Path) -> float:
    err = subprocess.run([ffmpeg_exe(), "-nostats", "-i", str(path), "-af", "ebur128=peak=true:framelog=quiet",
                          "-f", "null", "-"], capture_output=True, text=True).stderr
    return float(re.findall(r"Peak:\s+(-?[\d.]+|-inf) dBFS", err)[-1])


def test_dipped_lowers_only_the_span_and_its_ramps():
    pcm = (np.full(RATE, 10000, dtype="<i2")).tobytes()
    out = np.frombuffer(b"".join(dipped(_chunks(pcm)(), RATE, [(0.5, 0.51, 6.0)])), dtype="<i2")
    assert out[: int(0.47 * RATE)].tolist() == [10000] * int(0.47 * RATE)  # before the 20 ms ramp
    assert out[int(0.54 * RATE):].min() == 10000  # after it
    assert abs(int(out[int(0.505 * RATE)]) - round(10000 * 10 ** (-6 / 20))) <= 1  # the full dip inside
    assert b"".join(dipped(_chunks(pcm)(), RATE, [])) == pcm


@pytest.mark.integration
def test_a_file_over_the_ceiling_is_dipped_where_it_passes_it_and_nowhere_else(tmp_path):
    pcm, dest = _pcm(3.0, 1.2), tmp_path / "x.wav"
    assert _ffmpeg_true_peak(_write_first(dest, pcm)) > -1.0
    dips = encode_within_ceiling(_write_wav(dest), _chunks(pcm), RATE, dest)
    assert dips and all(1.15 <= a and b <= 1.30 for a, b, _ in dips)
    assert _ffmpeg_true_peak(dest) <= CEILING_DBTP + 0.1 <= -1.0  # read back by ffmpeg, not by us
    assert overshoots(dest) == []
    with wave.open(str(dest)) as w:
        out = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    source = np.frombuffer(pcm, dtype="<i2")
    assert np.array_equal(out[: int(1.1 * RATE)], source[: int(1.1 * RATE)])
    assert np.array_equal(out[int(1.35 * RATE):], source[int(1.35 * RATE):])


def test_a_file_under_the_ceiling_is_encoded_once(tmp_path):
    pcm, dest, calls = _pcm(1.0, 0.5), tmp_path / "quiet.wav", []
    quiet = (np.frombuffer(pcm, dtype="<i2") // 4).astype("<i2").tobytes()

    def encode(chunks) -> None:
        calls.append(1)
        _write_wav(dest)(chunks)

    assert encode_within_ceiling(encode, _chunks(quiet), RATE, dest) == [] and calls == [1]


def _write_first(dest: Path, pcm: bytes) -> Path:
    _write_wav(dest)(_chunks(pcm)())
    return dest
