"""The whole pipeline with the fake engine: timeline, cache reuse, manifest, atomic outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio_pipeline import render
from audio_pipeline.errors import EngineError, ExportError
from audio_pipeline.settings import Settings

DATA = Path(__file__).parent / "data"


def settings(tmp_path: Path, **kw) -> Settings:
    base = dict(transcript=DATA / "short-panel.txt", min_chapter_seconds=0, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                engine="fake", jobs=2)
    return Settings(**{**base, **kw})


def test_render_writes_episode_and_manifest_with_a_consistent_timeline(tmp_path):
    result = render(settings(tmp_path))
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert result.episode.exists() and result.episode.suffix == ".mp3"
    assert [s["code"] for s in manifest["speakers"]] == ["JG", "DS", "M", "A"]
    chapters = manifest["chapters"]
    assert [c["title"] for c in chapters] == ["1. 你属于哪个社区？", "2. 学术界的角色是什么？",
                                             "3. 听众提问：为什么不在生产中使用？"]
    assert chapters[0]["start_ms"] == 0 and chapters[-1]["end_ms"] == manifest["duration_ms"]
    assert all(a["end_ms"] == b["start_ms"] for a, b in zip(chapters, chapters[1:]))
    turns = manifest["turns"]
    assert [t["speaker"] for t in turns] == ["M", "JG", "DS", "M", "JG", "A", "DS"]
    assert all(t["start_ms"] < t["end_ms"] <= u["start_ms"] for t, u in zip(turns, turns[1:]))
    for chapter in chapters:
        inside = [t for t in turns if t["chapter"] == chapter["index"]]
        assert chapter["start_ms"] <= inside[0]["start_ms"] and inside[-1]["end_ms"] <= chapter["end_ms"]
    assert manifest["render"] == {"pieces": 9, "pieces_synthesized": 9, "pieces_reused": 0,
                                  "segments": 4, "segments_encoded": 4, "segments_reused": 0}
    assert not list((tmp_path / "cache" / "tmp").iterdir())  # every temporary file was renamed or removed
    assert not [p for p in result.episode.parent.iterdir() if p.name.startswith(".")]


def test_rerender_reuses_everything_and_recast_redoes_one_speaker(tmp_path):
    first = render(settings(tmp_path))
    again = render(settings(tmp_path))
    assert (again.pieces_synthesized, again.pieces_reused) == (0, 9)
    assert json.loads(again.manifest.read_text())["render"]["segments_encoded"] == 0
    assert again.episode.read_bytes() == first.episode.read_bytes()
    recast = render(settings(tmp_path), voice_overrides=("DS=sit/cmn+m8,pitch=10",))
    assert (recast.pieces_synthesized, recast.pieces_reused) == (2, 7)
    timeline = recast.timeline
    with_ds = [s for s in timeline.segments
               if any(timeline.pieces[i].piece.speaker == "DS" for i in range(s.first_piece, s.last_piece))]
    assert 0 < len(with_ds) < len(timeline.segments) - 1
    assert json.loads(recast.manifest.read_text())["render"]["segments_encoded"] == len(with_ds)


def test_the_tail_is_a_segment_of_silence_ending_on_a_whole_millisecond(tmp_path):
    timeline = render(settings(tmp_path)).timeline
    tail = timeline.segments[-1]
    assert tail.first_piece == tail.last_piece == len(timeline.pieces)
    assert tail.start >= timeline.pieces[-1].end and tail.end == timeline.frames
    assert timeline.frames * 1000 % timeline.sample_rate == 0
    assert all(s.end == t.start for s, t in zip(timeline.segments, timeline.segments[1:]))


def test_no_cache_leaves_no_cache_behind(tmp_path):
    result = render(settings(tmp_path, cache_dir=None))
    assert result.pieces_synthesized == 9
    assert not (tmp_path / "cache").exists()


def test_engine_returning_silence_is_an_error_naming_the_line(tmp_path):
    src = tmp_path / "t.txt"
    src.write_text("JG: fine.\n\nDS: SILENT now.\n", encoding="utf-8")
    with pytest.raises(EngineError, match="no audio") as info:
        render(settings(tmp_path, transcript=src))
    assert info.value.line == 3
    assert not (tmp_path / "out" / "t.mp3").exists()


def test_unwritable_output_folder_fails_before_synthesis(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot be written"):
        render(settings(tmp_path, out_dir=blocker / "out"))
