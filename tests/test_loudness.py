"""Levelling: every piece at one loudness, true peak under the ceiling (unit tests, measured with
pyloudnorm and an 8× oversampled peak that is not the leveller's own), and rendered episodes
measured with ffmpeg's ebur128 (integration)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from hypothesis import given, settings as hsettings, strategies as st
from scipy.signal import resample_poly

from audio_pipeline import render
from audio_pipeline.loudness import CEILING_DBTP, LUFS_RANGE, level, loudness, piece_target
from audio_pipeline.model import Voice
from audio_pipeline.settings import Settings
from conftest import run_cli
from loudness_checks import ebur128, speaker_levels

DATA = Path(__file__).parent / "data"
RATE = 22050


def measured(x, rate: int = RATE) -> float:
    """Gated loudness by pyloudnorm, not the leveller's own meter, with the K-weighting designed as
    libebur128 and the leveller design it for 22.05 kHz ("DeMan"; pyloudnorm's default design reads
    about 0.1 LU low there). BS.1770 gates whole 400 ms blocks, 100 ms apart; pyloudnorm also counts
    a last, incomplete one, so the signal is cut where its last whole block ends. Shorter than one
    block: measured looped, to 1.6 s."""
    x = np.asarray(x, dtype=np.float64)
    block, step = int(0.4 * rate), int(0.1 * rate)
    if len(x) < block:
        x = np.tile(x, -(-4 * block // len(x)))
    return pyloudnorm.Meter(rate, filter_class="DeMan").integrated_loudness(x[:block + (len(x) - block) // step * step])


def true_peak_db(x) -> float:
    return 20 * np.log10(np.abs(resample_poly(x, 8, 1)).max())


def pulses(amplitude: float, f0: float, seconds: float, decay: float = 25.0) -> np.ndarray:
    """A buzzy pulse train (each pulse rings like a formant, ``decay`` samples) in syllable-like
    bursts: the high peak-to-loudness ratio of eSpeak's klatt voice."""
    t = np.arange(int(seconds * RATE)) / RATE
    train = np.zeros_like(t)
    train[(np.arange(0, len(t), int(RATE / f0)))] = 1.0
    ring = np.arange(int(6 * decay))
    buzz = np.convolve(train, np.exp(-ring / decay) * np.sin(ring * 0.9), "same")
    bursts = (np.sin(2 * np.pi * 3 * t) > -0.3).astype(float)
    return amplitude * buzz / np.abs(buzz).max() * bursts


@pytest.mark.parametrize("signal", [
    0.01 * np.sin(2 * np.pi * 440 * np.arange(3 * RATE) / RATE),  # quiet: a plain gain up
    pulses(0.05, 150, 3.0, decay=40.0),  # peaky and quiet: raised ~20 dB, its peaks limited
    0.9 * np.sin(2 * np.pi * 200 * np.arange(RATE // 5) / RATE),  # 0.2 s: shorter than one 400 ms block
])
def test_level_reaches_the_target_with_its_true_peak_under_the_ceiling(signal):
    out = level(signal, RATE, -16.0)
    assert abs(measured(out, RATE) + 16.0) <= 0.25
    assert true_peak_db(out) <= CEILING_DBTP + 0.2


def test_a_louder_target_and_a_quieter_one():
    x = pulses(0.5, 150, 2.0)
    assert abs(measured(level(x, RATE, -23.0), RATE) + 23.0) <= 0.25
    assert abs(measured(level(x, RATE, -19.0), RATE) + 19.0) <= 0.25
    assert true_peak_db(level(x, RATE, -19.0)) <= CEILING_DBTP + 0.2


def test_a_signal_all_peaks_comes_out_as_loud_as_the_ceiling_allows():
    clicks = pulses(0.99, 110, 3.0, decay=3.0)  # no limiter reaches -16 LUFS on these without clipping
    out = level(clicks, RATE, -16.0)
    at_ceiling = clicks * 10 ** ((CEILING_DBTP - true_peak_db(clicks)) / 20)  # a plain peak-normalising gain
    assert measured(out, RATE) >= measured(at_ceiling, RATE) - 0.5
    assert true_peak_db(out) <= CEILING_DBTP + 0.2


@hsettings(max_examples=15, deadline=None)
@given(amplitude=st.floats(0.01, 1.0), f0=st.floats(80, 400), seconds=st.floats(2.0, 6.0),
       decay=st.floats(3.0, 60.0))
def test_the_meter_agrees_with_pyloudnorm(amplitude, f0, seconds, decay):
    x = pulses(amplitude, f0, seconds, decay)
    assert abs(loudness(x, RATE) - measured(x)) <= 0.1


def test_silence_is_left_alone():
    silence = np.zeros(RATE)
    assert np.array_equal(level(silence, RATE, -16.0), silence)


@hsettings(max_examples=15, deadline=None)
@given(amplitude=st.floats(0.01, 1.0),  # quieter pieces meet the 40 dB cap on the gain
        f0=st.floats(80, 400), seconds=st.floats(0.1, 3.0),
       target=st.floats(*LUFS_RANGE))
def test_level_contract(amplitude, f0, seconds, target):
    """On target, or short of it only when its peaks already sit at the ceiling; never over it."""
    out = level(pulses(amplitude, f0, seconds), RATE, target)
    got, peak = measured(out, RATE), true_peak_db(out)
    assert abs(got - target) <= 0.3 or (got < target and peak >= CEILING_DBTP - 0.5)
    assert peak <= CEILING_DBTP + 0.25


def test_the_target_is_part_of_every_piece_key():
    voice = Voice("sit/cmn", "m3")
    keys = {Settings(cache_dir=None, loudness_lufs=lufs).piece_key("你好。", voice, "e-1") for lufs in (-16, -23)}
    assert len(keys) == 2


def _wav(path: str) -> np.ndarray:
    with wave.open(path) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32768.0


def test_pieces_are_cached_levelled_and_a_new_target_redoes_them(tmp_path):
    base = dict(transcript=DATA / "short-panel.txt", out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                engine="fake", jobs=2)
    first = render(Settings(**base))
    for audio in first.timeline.audio:
        assert abs(measured(_wav(audio.path), RATE) - piece_target(-16.0)) <= 0.3
    quieter = render(Settings(**base, loudness_lufs=-23.0))
    assert quieter.pieces_reused == 0
    for audio in quieter.timeline.audio:
        assert abs(measured(_wav(audio.path), RATE) - piece_target(-23.0)) <= 0.3
    assert render(Settings(**base, loudness_lufs=-23.0)).pieces_synthesized == 0


def test_a_loudness_out_of_range_is_one_line(tmp_path):
    done = run_cli("render", str(DATA / "short-panel.txt"), "--loudness", "-60", "--out", str(tmp_path / "out"),
                   cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr and "-60" in done.stderr
    assert not (tmp_path / "out").exists()


# --- integration: real eSpeak NG voices, a quiet one (klatt) among loud ones, measured by ffmpeg ---

CASTING = '[speakers.AL]\nvariant = "klatt"\npitch = 60\n'


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("loudness")
    (folder / "voices.toml").write_text(CASTING, encoding="utf-8")
    return folder


def _render(workdir: Path, out: str, *args: str) -> tuple[Path, dict]:
    done = run_cli("render", str(DATA / "loud-quiet-panel.txt"), "--voices", "voices.toml", "--out", out, *args,
                   cwd=workdir)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((workdir / out / "loud-and-quiet.json").read_text(encoding="utf-8"))
    return workdir / out / manifest["files"]["episode"], manifest


def _check_levels(episode: Path, manifest: dict, target: float) -> None:
    whole = ebur128(episode)
    assert abs(whole["integrated"] - target) <= 1.0, whole
    assert whole["true_peak"] <= -1.0, whole
    levels = speaker_levels(episode, episode.with_suffix(".json"))
    assert set(levels) == {"M", "AL", "BO"}
    assert max(levels.values()) - min(levels.values()) <= 2.0, levels


@pytest.mark.integration
def test_mp3_voices_even_at_minus_16(workdir):
    episode, manifest = _render(workdir, "mp3")
    assert {s["code"]: s["voice"]["variant"] for s in manifest["speakers"]}["AL"] == "klatt"
    assert all(t["role"] != "narrator" for t in manifest["turns"])  # no intro unless asked
    _check_levels(episode, manifest, -16.0)


@pytest.mark.integration
def test_loudness_option_sets_the_level(workdir):
    episode, manifest = _render(workdir, "quiet", "--loudness", "-23")
    _check_levels(episode, manifest, -23.0)


@pytest.mark.integration
@pytest.mark.parametrize("fmt", ["opus", "m4b"])
def test_other_containers_and_clips_get_the_same_levels(workdir, fmt):
    episode, manifest = _render(workdir, fmt, "--format", fmt, "--clips")
    _check_levels(episode, manifest, -16.0)
    for clip in manifest["files"]["clips"]:
        measured = ebur128(workdir / fmt / clip)
        assert abs(measured["integrated"] + 16.0) <= 1.0 and measured["true_peak"] <= -1.0, (clip, measured)


@hsettings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(0.0, 2.0, width=32), min_size=1, max_size=3000), width=st.integers(0, 12))
def test_the_limiter_s_window_filters_are_scipy_s(values, width):
    """The running maximum and mean the limiter uses, against scipy.ndimage's (float64 reference)."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    from audio_pipeline.loudness import _moving_average, _sliding

    x = np.array(values, dtype=np.float32)
    assert np.array_equal(_sliding(np.maximum, x, width), maximum_filter1d(x, 2 * width + 1, mode="nearest"))
    size = 2 * width + 1
    expected = uniform_filter1d(x.astype(np.float64), size, mode="nearest")
    assert np.allclose(_moving_average(x, size), expected, rtol=1e-6, atol=1e-6)


def test_k_weighting_is_the_filter_itself():
    """Overlap-save FFTs against filtering sample by sample (scipy.signal) with the same sections."""
    from scipy.signal import sosfilt

    from audio_pipeline.loudness import _k_filter, k_weighted

    x = pulses(0.5, 130, 2.5)
    for rate in (RATE, 48000):
        assert np.abs(k_weighted(x, rate) - sosfilt(_k_filter(rate), x)).max() < 1e-5
