"""MP3 segments: frame counting checked against ffmpeg's decoder, damaged cache entries redone."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audio_checks import decode_pcm
from audio_pipeline import render
from audio_pipeline.assemble import FRAME
from audio_pipeline.errors import ExportError
from audio_pipeline.export.mp3_segments import _encode_one, count_frames
from test_pipeline import settings


def _segments(cache) -> list:
    return sorted(cache.glob("segments-v*/*/*.mp3"))


def test_count_frames_agrees_with_the_decoder_and_rejects_damage(tmp_path):
    render(settings(tmp_path))
    segments = _segments(tmp_path / "cache")
    assert segments
    for path in segments:
        frames = count_frames(path)
        assert frames is not None and len(decode_pcm(path)) == frames * FRAME  # no Info frame: every frame decodes
    data = segments[0].read_bytes()
    second = len(data) // count_frames(segments[0])  # the second frame starts within a byte of this
    second = next(i for i in (second - 1, second, second + 1) if data[i] == 0xFF and data[i + 1] >> 5 == 7)
    damaged = tmp_path / "damaged.mp3"
    for broken in (data[:-1], data[:second + 2], b"ID3" + data, data[:second] + bytes(4) + data[second + 4:]):
        damaged.write_bytes(broken)
        assert count_frames(damaged) is None
    damaged.write_bytes(b"")
    assert count_frames(damaged) == 0


def test_a_damaged_cached_segment_is_encoded_again(tmp_path):
    first = render(settings(tmp_path))
    victim = _segments(tmp_path / "cache")[0]
    victim.write_bytes(victim.read_bytes()[:-10])
    again = render(settings(tmp_path))
    assert json.loads(again.manifest.read_text())["render"]["segments_encoded"] == 1
    assert again.episode.read_bytes() == first.episode.read_bytes()


def test_a_segment_decodes_to_its_samples_and_failures_are_one_line_errors(tmp_path):
    import wave

    import numpy as np

    rate, length = 22050, FRAME * 40
    tone = (3000 * np.sin(np.arange(FRAME * 30) * 2 * np.pi * 440 / rate)).astype("<i2")
    piece = tmp_path / "piece.wav"
    with wave.open(str(piece), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(rate), w.writeframes(tone.tobytes())
    dest = tmp_path / "segments" / "one.mp3"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _encode_one([(FRAME * 5, FRAME * 5 + len(tone), str(piece))], length, dest, rate, 64, 7, scratch)
    assert count_frames(dest) == length // FRAME
    decoded = decode_pcm(dest)  # by ffmpeg's decoder: the timeline, sample for sample
    assert len(decoded) == length
    start = FRAME * 5
    ref = tone.astype(float)
    got = decoded[start:start + len(tone)].astype(float)
    assert np.dot(ref, got) / (np.linalg.norm(ref) * np.linalg.norm(got)) > 0.99
    assert not list(scratch.iterdir())

    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ExportError, match="cannot encode a segment") as caught:
        _encode_one([(0, len(tone), str(piece))], length, tmp_path / "file" / "x.mp3", rate, 64, 7, scratch)
    assert caught.value.hint and "\n" not in str(caught.value)
    with pytest.raises(ExportError, match="MP3 encoder failed"):
        _encode_one([(0, len(tone), str(piece))], length, dest.with_name("odd.mp3"), 1234, 64, 7, scratch)
    assert not (tmp_path / "segments" / "odd.mp3").exists() and not list(scratch.iterdir())


@given(st.lists(st.tuples(st.booleans(), st.binary(min_size=8, max_size=8)), max_size=40), st.integers(1, 207))
def test_count_frames_counts_any_tiling_of_whole_frames_and_nothing_else(tmp_path_factory, frames, cut):
    plain = bytes.fromhex("fff380c4")  # MPEG-2 layer III, 64 kbit/s, 22,050 Hz, mono: 208 bytes (+1 padded)
    padded = bytes([plain[0], plain[1], plain[2] | 0x02, plain[3]])
    data = b"".join((padded if pad else plain) + (fill * 27)[:205 if pad else 204] for pad, fill in frames)
    path = tmp_path_factory.mktemp("frames") / "x.mp3"
    path.write_bytes(data)
    assert count_frames(path) == len(frames)
    if data:
        path.write_bytes(data[:-cut])
        assert count_frames(path) is None


@pytest.mark.parametrize("kbps", [8, 160])
def test_the_lowest_and_highest_bitrates_give_an_episode_of_the_exact_length(tmp_path, kbps):
    from mutagen.mp3 import MP3

    result = render(settings(tmp_path, bitrate_kbps=kbps))
    duration_ms = json.loads(result.manifest.read_text(encoding="utf-8"))["duration_ms"]
    assert len(decode_pcm(result.episode)) * 1000 == duration_ms * 22050  # ffmpeg reads the Info frame
    info = MP3(result.episode).info
    assert round(info.length * 1000) == duration_ms and abs(info.bitrate - kbps * 1000) < 8
