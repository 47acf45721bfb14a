"""Runs and cache keys: what a stateful engine's history does to a piece's key, and the workers."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from audio_pipeline import render

from audio_pipeline.model import Piece, Voice
from audio_pipeline.settings import Settings
from audio_pipeline.synth import RUN_LIMIT, piece_keys, runs_of
from audio_pipeline.tts.engine import EngineInfo
from test_pipeline import settings

VOICE = Voice("sit/cmn", "m3", 170, 50)
OTHER = Voice("sit/cmn", "f1", 165, 67)


def pieces(*turns: tuple[str, ...], voices=None) -> tuple[Piece, ...]:
    out = []
    for t, texts in enumerate(turns):
        for text in texts:
            voice = (voices or {}).get(t, VOICE)
            out.append(Piece(len(out), t, 0, "JG", text, voice, 1, 280))
    return tuple(out)


def keys(ps, stateful: bool) -> list[str]:
    return piece_keys(ps, EngineInfo("test-1", (), stateful=stateful), Settings(cache_dir=None))


def test_a_run_is_one_turn_in_one_voice_and_at_most_run_limit_pieces():
    ps = pieces(("a。", "b。"), ("c。",), tuple(f"{i}。" for i in range(RUN_LIMIT + 3)))
    assert [len(r) for r in runs_of(ps)] == [2, 1, RUN_LIMIT, 3]
    assert [i for r in runs_of(ps) for i in r] == list(range(len(ps)))


def test_a_stateful_engine_keys_a_piece_by_the_pieces_before_it_in_its_run():
    before = pieces(("一。", "二。", "三。"), ("四。",))
    after = pieces(("一。", "改。", "三。"), ("四。",))
    old, new = keys(before, stateful=True), keys(after, stateful=True)
    assert [o == n for o, n in zip(old, new)] == [True, False, False, True]  # the next turn is untouched
    assert keys(before, stateful=False)[2] == keys(after, stateful=False)[2]  # no history: only its own text


def test_the_same_text_in_another_voice_or_position_has_another_key():
    ps = pieces(("一。", "一。"), ("一。",), voices={1: OTHER})
    stateful = keys(ps, stateful=True)
    assert len(set(stateful)) == 3
    assert keys(ps, stateful=False)[0] == keys(ps, stateful=False)[1]
    assert keys(tuple(replace(p, voice=OTHER) for p in ps), stateful=True)[0] != stateful[0]


def test_a_missing_piece_of_a_stateful_run_replays_the_whole_run(tmp_path):
    first = render(settings(tmp_path, engine="fake-stateful"))
    run = next(r for r in runs_of(tuple(t.piece for t in first.timeline.pieces)) if len(r) > 1)
    Path(first.timeline.audio[run[-1]].path).unlink()
    again = render(settings(tmp_path, engine="fake-stateful"))
    assert (again.pieces_synthesized, again.pieces_reused) == (len(run), len(first.timeline.pieces) - len(run))
    assert again.episode.read_bytes() == first.episode.read_bytes()
    one_worker = render(settings(tmp_path / "one", engine="fake-stateful", jobs=1))
    assert one_worker.episode.read_bytes() == first.episode.read_bytes()


def test_progress_is_reported_as_each_task_finishes(tmp_path):
    src = tmp_path / "slow.txt"
    src.write_text("\n\n".join([f"JG: 第{i}句。" for i in range(30)] + ["GG: SLOW 慢。"]), encoding="utf-8")
    seen = []
    render(settings(tmp_path, transcript=src), progress=lambda done, total: seen.append((time.monotonic(), done, total)))
    end = time.monotonic()
    partial = [when for when, done, total in seen if 0 < done < total]
    assert partial and partial[0] < end - 0.5  # the quick task is reported while the slow one still runs
    assert seen[-1][1] == seen[-1][2] and [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)


def _fresh_worker_state():
    from audio_pipeline import synth_worker

    synth_worker._engine = None
    synth_worker._identity.cache_clear()


def test_any_executor_gives_the_local_pools_bytes_with_audio_sent_back(tmp_path):
    """A thread pool stands in for a cluster: its tasks load the engine themselves, return PCM and
    MP3 frames, and this process stores them."""
    from concurrent.futures import ThreadPoolExecutor

    local = render(settings(tmp_path / "local"))
    _fresh_worker_state()
    try:
        with ThreadPoolExecutor(2) as pool:
            other = render(settings(tmp_path / "other"), executor=pool, encoder=pool)
    finally:
        _fresh_worker_state()
    assert other.pieces_synthesized == local.pieces_synthesized > 0
    assert other.episode.read_bytes() == local.episode.read_bytes()
    assert sorted(p.read_bytes() for p in (tmp_path / "other" / "cache").rglob("*.wav")) == \
        sorted(p.read_bytes() for p in (tmp_path / "local" / "cache").rglob("*.wav"))


def test_a_worker_whose_engine_differs_refuses_the_task(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import pytest

    from audio_pipeline import synth_worker
    from audio_pipeline.errors import EngineError

    _fresh_worker_state()
    monkeypatch.setattr(synth_worker, "_identity", lambda: "another-engine-2")
    try:
        with ThreadPoolExecutor(1) as pool, pytest.raises(EngineError, match="same audio-pipeline and eSpeak NG"):
            render(settings(tmp_path), executor=pool)
    finally:
        monkeypatch.undo()
        _fresh_worker_state()


def test_synthesis_starts_before_the_last_utterance_is_known(tmp_path):
    """The front end's utterances stream in: a full task is handed out at once, not when the last
    utterance arrives (here the last one waits until the first task's pieces are in the cache)."""
    from audio_pipeline.cache import PieceCache
    from audio_pipeline.frontend.chain import engine_text
    from audio_pipeline.synth import synthesize
    from audio_pipeline.tts.engine import load_engine

    ps = pieces(tuple(f"{i}。" for i in range(RUN_LIMIT)), ("next。",), ("last。",))

    def says():
        for piece in ps[:-1]:
            yield engine_text(piece)
        deadline = time.monotonic() + 30
        while len(list(tmp_path.rglob("*.wav"))) < RUN_LIMIT:
            assert time.monotonic() < deadline, "nothing synthesized before the last utterance"
            time.sleep(0.01)
        yield engine_text(ps[-1])

    s = Settings(engine="fake", cache_dir=tmp_path, jobs=1)
    engine = load_engine("fake").info()
    cache = PieceCache(tmp_path, s.sample_rate)
    try:
        audio = synthesize(ps, engine, s, cache, says=says())
        assert len(audio) == len(ps) and all(a.frames > 0 and not a.reused for a in audio)
        again = synthesize(ps, engine, s, cache)  # the pieces' own utterances: the same keys
    finally:
        cache.close()
    assert [a.path for a in again] == [a.path for a in audio] and all(a.reused for a in again)
