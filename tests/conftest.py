from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from audio_pipeline.settings import example_transcript
from audio_pipeline.tts.engine import ENGINES

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"

ENGINES.setdefault("fake", "fakes:FakeEngine")
ENGINES.setdefault("fake-stateful", "fakes:StatefulFakeEngine")


@pytest.fixture
def example() -> Path:
    return example_transcript()


@pytest.fixture
def golden():
    """Compare a JSON-able value with tests/golden/NAME (UPDATE_GOLDEN=1 rewrites it)."""
    import os

    def check(name: str, value) -> None:
        path = GOLDEN / name
        value = json.loads(json.dumps(value))  # tuples → lists, as JSON has them
        text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
        if os.environ.get("UPDATE_GOLDEN"):
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"missing golden file {path}; create it with UPDATE_GOLDEN=1 and review it"
        assert json.loads(path.read_text(encoding="utf-8")) == value

    return check


def run_cli(*args: str, cwd: Path, env: dict | None = None, preexec=None) -> subprocess.CompletedProcess:
    """Run ``python -m audio_pipeline ARGS`` in ``cwd`` with its own cache, as a user would."""
    import os
    import sys

    full_env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent),
                "AUDIO_PIPELINE_CACHE": str(cwd / "cache"), "COLUMNS": "200", **(env or {})}
    return subprocess.run([sys.executable, "-m", "audio_pipeline", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600, preexec_fn=preexec)
