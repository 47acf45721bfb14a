"""Sidecars, clips and other containers, from real renders, read back with independent parsers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pysubs2
import pytest
from mutagen.id3 import ID3

from audio_pipeline import render
from audio_pipeline.export.recut import cut_clips
from audio_pipeline.settings import Settings
from audio_checks import decode_pcm, ffprobe_chapters

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"
RATE = 22050


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    cache = tmp / "cache"
    results = {}
    for fmt in ("mp3", "m4b", "opus"):
        s = Settings(transcript=DATA / "short-panel.txt", min_chapter_seconds=0, out_dir=tmp / fmt, cache_dir=cache, audio_format=fmt,
                     clips=True)
        results[fmt] = render(s)
    return results


def manifest(result):
    return json.loads(result.manifest.read_text(encoding="utf-8"))


def test_vtt_and_srt_parse_and_follow_the_audio_timeline(outputs):
    result = outputs["mp3"]
    m = manifest(result)
    vtt = pysubs2.load(str(result.episode.with_suffix(".vtt")))
    srt = pysubs2.load(str(result.episode.with_suffix(".srt")))
    raw_vtt = result.episode.with_suffix(".vtt").read_text(encoding="utf-8")
    assert raw_vtt.startswith("WEBVTT") and raw_vtt.count("<v 主持人>") == 3 and raw_vtt.count("<v 观众>") == 1
    assert len(vtt) == len(srt) == m["render"]["pieces"]
    assert [(e.start, e.end) for e in vtt] == [(e.start, e.end) for e in srt]
    starts = {t["start_ms"] for t in m["turns"]}
    ends = {t["end_ms"] for t in m["turns"]}
    assert starts <= {e.start for e in srt} and ends <= {e.end for e in srt}
    assert all(a.end <= b.start for a, b in zip(srt, srt[1:]))
    assert srt[-1].end <= m["duration_ms"]
    prefixed = [e.text.split(":")[0] for e in srt if ": " in e.text]
    assert prefixed == [t["name"] for t in m["turns"]]  # a name exactly where the speaker changes


def test_chapters_json_equals_id3_chapters_and_ffmpeg(outputs):
    result = outputs["mp3"]
    doc = json.loads(result.episode.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    assert doc["version"] == "1.2.0"
    chaps = sorted(ID3(result.episode).getall("CHAP"), key=lambda c: c.start_time)
    assert [c["startTime"] for c in doc["chapters"]] == [c.start_time / 1000 for c in chaps]
    assert [c["title"] for c in doc["chapters"]] == [c.sub_frames["TIT2"].text[0] for c in chaps]
    probed = ffprobe_chapters(result.episode)
    assert [c["start"] for c in probed] == pytest.approx([c["startTime"] for c in doc["chapters"]], abs=0.001)
    assert doc["chapters"][-1]["endTime"] * 1000 == manifest(result)["duration_ms"]


@pytest.mark.parametrize("fmt", ["m4b", "opus"])
def test_other_containers_carry_the_same_chapters(outputs, fmt):
    mp3 = ffprobe_chapters(outputs["mp3"].episode)
    other = ffprobe_chapters(outputs[fmt].episode)
    assert [c["title"] for c in other] == [c["title"] for c in mp3]
    assert [c["start"] for c in other] == pytest.approx([c["start"] for c in mp3], abs=0.002)
    pcm = decode_pcm(outputs[fmt].episode, RATE)
    assert len(pcm) / RATE * 1000 == pytest.approx(manifest(outputs[fmt])["duration_ms"], abs=50)


def _similar(a, b, max_lag: int = 0) -> float:
    """Normalised correlation, best over lags up to ``max_lag`` samples (ms-rounded offsets)."""
    best = -1.0
    for lag in range(-max_lag, max_lag + 1):
        x, y = (a[lag:], b) if lag >= 0 else (a, b[-lag:])
        n = min(len(x), len(y))
        best = max(best, float(np.dot(x[:n], y[:n]) / (np.linalg.norm(x[:n]) * np.linalg.norm(y[:n]) + 1e-9)))
    return best


def test_clips_hold_exactly_their_chapter_audio(outputs):
    result = outputs["mp3"]
    m = manifest(result)
    episode = decode_pcm(result.episode, RATE)
    clips = [result.episode.parent / p for p in m["files"]["clips"]]
    assert [p.name for p in clips] == ["01-你属于哪个社区.mp3", "02-学术界的角色是什么.mp3",
                                       "03-听众提问-为什么不在生产中使用.mp3"]
    for clip, chapter in zip(clips, m["chapters"]):
        pcm = decode_pcm(clip, RATE)
        length = (chapter["end_ms"] - chapter["start_ms"]) * RATE / 1000
        assert len(pcm) == pytest.approx(length, abs=RATE * 0.03)
        part = episode[int(chapter["start_ms"] * RATE / 1000):int(chapter["end_ms"] * RATE / 1000)]
        assert _similar(pcm, part) > 0.98  # same samples, apart from MP3 coding noise
        tags = ID3(clip)
        assert tags["TIT2"].text[0] == chapter["question"]
        assert tags["TALB"].text[0] == m["title"]
        assert tags["TRCK"].text[0] == f"{chapter['index']}/3"
        speakers = list(dict.fromkeys(t["name"] for t in m["turns"] if t["chapter"] == chapter["index"]))
        assert "/".join(tags["TPE1"].text) == "/".join(speakers)  # ID3v2.3 joins artists with "/"


def test_clip_command_cuts_the_same_audio_from_the_episode(outputs, tmp_path):
    result = outputs["mp3"]
    m = manifest(result)
    [cut] = cut_clips(result.episode, [2], tmp_path)
    rendered = result.episode.parent / m["files"]["clips"][1]
    assert cut.name == rendered.name
    assert _similar(decode_pcm(cut, RATE), decode_pcm(rendered, RATE)) > 0.98
    assert ID3(cut)["TIT2"].text == ID3(rendered)["TIT2"].text
    assert ID3(cut)["TPE1"].text == ID3(rendered)["TPE1"].text
    cover = (result.episode.parent / m["files"]["cover"]).read_bytes()
    assert [p.data for p in ID3(cut).getall("APIC")] == [p.data for p in ID3(rendered).getall("APIC")] == [cover]


def test_recast_changes_only_that_speakers_turns(tmp_path):
    base = Settings(transcript=DATA / "short-panel.txt", min_chapter_seconds=0, out_dir=tmp_path / "a", cache_dir=tmp_path / "cache",
                    voices=None)
    first = render(base)
    second = render(Settings(**{**base.__dict__, "out_dir": tmp_path / "b"}), voice_overrides=("DS=sit/cmn+m8,pitch=20",))
    assert (second.pieces_synthesized, second.pieces_reused) == (2, 7)
    a, b = decode_pcm(first.episode, RATE), decode_pcm(second.episode, RATE)
    for ta, tb in zip(manifest(first)["turns"], manifest(second)["turns"]):
        sa = a[int(ta["start_ms"] * RATE / 1000):int(ta["end_ms"] * RATE / 1000)]
        sb = b[int(tb["start_ms"] * RATE / 1000):int(tb["end_ms"] * RATE / 1000)]
        if ta["speaker"] == "DS":
            assert _similar(sa, sb, 25) < 0.9
        else:
            assert _similar(sa, sb, 25) > 0.98


@pytest.mark.parametrize("fmt", ["m4b", "opus"])
def test_other_containers_are_reproducible(outputs, tmp_path, fmt):
    again = render(Settings(transcript=DATA / "short-panel.txt", min_chapter_seconds=0, out_dir=tmp_path, cache_dir=None, audio_format=fmt,
                            jobs=1))
    assert again.episode.read_bytes() == outputs[fmt].episode.read_bytes()  # no dates, no random serials
