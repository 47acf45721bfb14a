"""Episode workers of a local batch: their synthesis workers outlive an episode, and are replaced
when one dies."""

import os
import signal
from dataclasses import replace

from test_batch import _archive

from audio_pipeline import episode_worker
from audio_pipeline.batch import RENDERED, _render_one
from audio_pipeline.pipeline import render
from audio_pipeline.settings import Settings


def test_an_episode_worker_replaces_synthesis_workers_that_died(tmp_path):
    """An episode worker's synthesis workers serve all its episodes: one that dies (here killed
    between two episodes) costs no later episode, whose render starts new ones."""
    folder = _archive(tmp_path / "in")
    first, second = folder / "Show one.txt", folder / "show-one.md"
    base = Settings(engine="fake", voices=None, jobs=1, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    try:
        episode_worker.start_worker("fake", 1)
        outcome, _ = _render_one(render, replace(base, transcript=first, slug="one"), (), None, None, None)
        assert outcome.status == RENDERED, outcome.error
        assert episode_worker.has_synthesis_workers()
        workers = episode_worker.synthesis_workers()
        for pid in list(workers._processes):
            os.kill(pid, signal.SIGKILL)
        outcome, _ = _render_one(render, replace(base, transcript=second, slug="two"), (), None, None, None)
        assert outcome.status == RENDERED, outcome.error
        assert episode_worker.synthesis_workers() is not workers
    finally:
        episode_worker.stop_synthesis_workers()
