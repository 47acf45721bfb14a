"""Real renders: pyttsx3 + eSpeak NG speech and ffmpeg encoding, checked with ffmpeg and mutagen."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from audio_pipeline import render
from audio_pipeline.model import Voice
from audio_pipeline.settings import Settings
from audio_pipeline.tts import load_engine
from audio_checks import decode_pcm, ffmetadata, ffprobe_chapters, median_f0

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"
REPO = Path(__file__).parent.parent
RATE = 22050


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("render")
    s = Settings(transcript=DATA / "short-panel.txt", min_chapter_seconds=0, out_dir=tmp / "out", cache_dir=tmp / "cache", jobs=2)
    result = render(s)
    return result, json.loads(result.manifest.read_text(encoding="utf-8"))


def test_chapters_read_back_by_ffmpeg_match_the_manifest(rendered):
    result, manifest = rendered
    chapters = ffprobe_chapters(result.episode)
    assert [c["title"] for c in chapters] == [c["title"] for c in manifest["chapters"]]
    assert chapters[0]["start"] == 0
    for got, want in zip(chapters, manifest["chapters"]):
        assert got["start"] == pytest.approx(want["start_ms"] / 1000, abs=0.001)
        assert got["end"] == pytest.approx(want["end_ms"] / 1000, abs=0.001)
    assert all(a["end"] == b["start"] for a, b in zip(chapters, chapters[1:]))
    assert chapters[-1]["end"] == pytest.approx(manifest["duration_ms"] / 1000, abs=0.001)


def test_tags_read_back_by_ffmpeg_and_mutagen(rendered):
    result, manifest = rendered
    meta = ffmetadata(result.episode)
    assert "title=Short panel\n" in meta and "album=Test show\n" in meta
    assert "artist=Joseph Gonzalez/Dawn Song/主持人/观众\n" in meta
    assert "date=2017-12-08" in meta and "language=zho" in meta
    assert "Source=http://example.org/panel" in meta and "comment=Synthesized by audio_pipeline" in meta
    assert "lyrics-zho=主持人: 欢迎。你属于哪个社区？" in meta
    tags = ID3(result.episode)
    assert tags.version[:2] == (2, 3)
    toc = tags.getall("CTOC")[0]
    assert toc.flags & 0x03 == 0x03  # top-level and ordered
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    assert [chaps[i].sub_frames["TIT2"].text[0] for i in toc.child_element_ids] == \
        [c["title"] for c in manifest["chapters"]]
    assert tags["WOAS"].url == "http://example.org/panel"
    info = MP3(result.episode).info
    # mutagen averages the Info frame's byte count; each segment restarts LAME's padding pattern,
    # so the average sits within a few bits per second of 64,000 (every frame is 64 kbit/s: below)
    assert abs(info.bitrate - 64000) <= 64 and (info.sample_rate, info.channels) == (22050, 1)
    data = result.episode.read_bytes()
    pos = 10 + sum(b << (7 * (3 - i)) for i, b in enumerate(data[6:10]))  # after the ID3 tag
    bitrates = set()
    while pos < len(data):
        assert data[pos] == 0xFF and data[pos + 1] in (0xF2, 0xF3), "not a whole MPEG-2 layer III frame"
        index = data[pos + 2] >> 4
        bitrates.add(index)
        pos += 72 * (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)[index - 1] * 1000 // 22050 \
            + ((data[pos + 2] >> 1) & 1)
    assert pos == len(data) and bitrates == {8}  # every frame 64 kbit/s: constant bitrate


def test_chap_frames_are_stored_in_time_order(rendered):
    result, _ = rendered
    raw = result.episode.read_bytes()
    ids = [m.group(1) for m in re.finditer(rb"CHAP\x00\x00..\x00\x00(ch\d+_*)\x00", raw, re.S)]
    assert ids == sorted(ids) and len(ids) == 3


def test_decoded_audio_matches_the_manifest_timeline(rendered):
    result, manifest = rendered
    pcm = decode_pcm(result.episode, RATE)
    assert len(pcm) * 1000 == manifest["duration_ms"] * RATE  # sample-exact, on a whole millisecond
    info = MP3(result.episode).info  # the Info frame gives players the exact duration
    assert (info.bitrate_mode, round(info.length * 1000)) == (BitrateMode.CBR, manifest["duration_ms"])

    def rms(start_ms, end_ms):
        seg = pcm[int(start_ms * RATE / 1000):int(end_ms * RATE / 1000)]
        return float(np.sqrt((seg ** 2).mean()))

    for turn in manifest["turns"]:
        assert rms(turn["start_ms"] + 30, turn["end_ms"] - 30) > 600, turn["text"]
    for a, b in zip(manifest["turns"], manifest["turns"][1:]):
        assert rms(a["end_ms"] + 60, b["start_ms"] - 60) < 50  # the pause between turns is silent
    for chapter in manifest["chapters"][1:]:
        assert rms(chapter["start_ms"], chapter["start_ms"] + 300) < 50  # marker sits in the pause


def test_manifest_speakers_are_the_transcript_speakers(rendered):
    _, manifest = rendered
    assert [(s["code"], s["name"]) for s in manifest["speakers"]] == [
        ("JG", "Joseph Gonzalez"), ("DS", "Dawn Song"), ("M", "主持人"), ("A", "观众")]
    assert manifest["render"]["pieces_synthesized"] == manifest["render"]["pieces"]


def test_output_does_not_depend_on_worker_count_or_history(tmp_path, rendered):
    first, _ = rendered
    s = Settings(transcript=DATA / "short-panel.txt", min_chapter_seconds=0, out_dir=tmp_path / "out", cache_dir=None, jobs=1)
    again = render(s)
    assert again.episode.read_bytes() == first.episode.read_bytes()


def test_engine_is_deterministic_and_voices_differ_in_pitch(tmp_path):
    engine = load_engine("pyttsx3")
    text = "我最初从事机器学习，研究概率方法。在博士期间中途，我转向了系统。"
    low, high, low2 = tmp_path / "low.wav", tmp_path / "high.wav", tmp_path / "low2.wav"
    engine.synthesize([text], Voice("sit/cmn", "m3", 170, 45), [str(low)])
    engine.synthesize([text], Voice("sit/cmn", "f4", 172, 72), [str(high)])
    engine.synthesize([text], Voice("sit/cmn", "m3", 170, 45), [str(low2)])
    assert low.read_bytes() == low2.read_bytes()
    f_low, f_high = median_f0(decode_pcm(low)), median_f0(decode_pcm(high))
    assert 70 < f_low < 120 and f_high > 1.6 * f_low


def test_a_run_of_texts_is_reproducible(tmp_path):
    engine = load_engine("pyttsx3")
    texts = ["学术界的角色是什么？", "创新。", "工业扩展它们。"]
    voice = Voice("sit/cmn", "klatt", 178, 60)
    outputs = []
    for attempt in range(3):
        paths = [str(tmp_path / f"{attempt}-{i}.wav") for i in range(3)]
        engine.synthesize(texts, voice, paths)
        outputs.append([Path(p).read_bytes() for p in paths])
    assert outputs[0] == outputs[1] == outputs[2]


def test_every_utterance_of_concurrent_runs_gets_its_voice_settings(tmp_path):
    # pyttsx3's runAndWait used to cancel settings still queued in eSpeak NG's thread: utterances
    # then came out at the default rate of 200, or empty. Durations show which rate was applied.
    engine = load_engine("pyttsx3")
    texts = ["创新。", "工业扩展它们。", "我们在系统方面做得不好。", "谢谢。", "学术界的角色是什么？", "好的。"]

    def run(name: str, rate: int):
        return texts, Voice("sit/cmn", "m3", rate, 50), [str(tmp_path / f"{name}-{i}.wav") for i in range(len(texts))]

    engine.synthesize_runs([run("slow", 100), run("fast", 300), run("slow-again", 100), run("fast-again", 300)])
    for i, text in enumerate(texts):
        slow, fast = (len(decode_pcm(tmp_path / f"{name}-{i}.wav")) for name in ("slow", "fast"))
        assert slow > 1.8 * fast > 0, text
        for name in ("slow", "fast"):
            assert (tmp_path / f"{name}-{i}.wav").read_bytes() == (tmp_path / f"{name}-again-{i}.wav").read_bytes()


def test_engine_reports_mandarin_voice_and_variants():
    info = load_engine("pyttsx3").info()
    assert "sit/cmn" in {v.id for v in info.voices}
    assert {"m3", "f1", "klatt"} <= set(info.variants)
    assert "f2" in info.unstable_variants
    assert info.identity.startswith("pyttsx3-2.") and "+espeak-ng-1." in info.identity


def test_an_early_description_is_the_engine_description():
    from audio_pipeline.tts import pyttsx3_engine
    from audio_pipeline.tts.engine import describe_early

    describe_early("pyttsx3")
    assert pyttsx3_engine._early is not None
    early = load_engine("pyttsx3").info()
    assert pyttsx3_engine._early is None  # collected by the first info()
    assert early == load_engine("pyttsx3").info()  # this one asked its own child


def _f0s(engine, voices, tmp_path):
    text = "我最初从事机器学习，研究概率方法。在博士期间中途，我转向了系统。"
    out = {}
    for code, voice in voices:
        path = tmp_path / f"{code}.wav"
        engine.synthesize([text], voice, [str(path)])
        out[code] = median_f0(decode_pcm(path))
    return out


def _assert_apart(f0s, ratio=1.10):
    ranked = sorted(f0s.items(), key=lambda kv: kv[1])
    for (a, fa), (b, fb) in zip(ranked, ranked[1:]):
        assert fb >= ratio * fa, f"{a} ({fa:.0f} Hz) and {b} ({fb:.0f} Hz) are too close in pitch"


def test_panel_voices_are_pairwise_distinct_in_pitch(example, tmp_path):
    from audio_pipeline.casting import cast_voices
    from audio_pipeline.voices_file import load_casting
    from audio_pipeline.transcript import read_transcript

    engine = load_engine("pyttsx3")
    cast = cast_voices(read_transcript(example), engine.info(), load_casting(REPO / "voices.toml"))
    _assert_apart(_f0s(engine, cast.voices, tmp_path))


def test_auto_cast_voices_are_pairwise_distinct_in_pitch(example, tmp_path):
    from audio_pipeline.casting import cast_voices
    from audio_pipeline.transcript import read_transcript

    engine = load_engine("pyttsx3")
    cast = cast_voices(read_transcript(example), engine.info())
    _assert_apart(_f0s(engine, cast.voices, tmp_path))
