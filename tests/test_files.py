"""Atomic outputs: staged renames happen together, the largest last, and nothing on failure."""

from __future__ import annotations

import os

import pytest

from audio_pipeline import files
from audio_pipeline.files import atomic_path, staged_outputs


def test_staged_renames_wait_for_the_block_and_put_the_largest_last(tmp_path, monkeypatch):
    renamed = []
    real_replace = os.replace
    monkeypatch.setattr(files.os, "replace", lambda src, dst: (renamed.append(os.path.basename(dst)),
                                                              real_replace(src, dst)))
    sizes = {"episode.mp3": 50_000, "episode.vtt": 300, "episode.json": 2_000, "episode.srt": 200}
    with staged_outputs():
        for name, size in sizes.items():
            with atomic_path(tmp_path / name) as tmp:
                tmp.write_bytes(b"x" * size)
        assert renamed == [] and not any((tmp_path / name).exists() for name in sizes)
    assert renamed == ["episode.srt", "episode.vtt", "episode.json", "episode.mp3"]
    assert {p.name: p.stat().st_size for p in tmp_path.iterdir()} == sizes


def test_a_failing_block_leaves_the_old_outputs_and_no_temporaries(tmp_path):
    (tmp_path / "episode.mp3").write_bytes(b"old")
    with pytest.raises(RuntimeError), staged_outputs():
        with atomic_path(tmp_path / "episode.mp3") as tmp:
            tmp.write_bytes(b"new")
        with atomic_path(tmp_path / "episode.vtt") as tmp:
            tmp.write_bytes(b"WEBVTT")
        raise RuntimeError("the manifest could not be written")
    assert [p.name for p in tmp_path.iterdir()] == ["episode.mp3"]
    assert (tmp_path / "episode.mp3").read_bytes() == b"old"
