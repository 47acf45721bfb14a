from __future__ import annotations

import os

# As the command line does, before NumPy loads: BLAS on one thread. This process runs the readings'
# models itself (many tests call the front end directly) and then forks front-end and synthesis
# workers, whose BLAS, like the command line's, should not start a thread pool of its own.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import atexit  # noqa: E402
import functools
import json
import shutil
import subprocess
import tempfile
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
    """Run ``python -m audio_pipeline ARGS`` in ``cwd`` with its own cache, as a user would. The
    cache goes beside ``cwd``'s outputs, or, when ``cwd`` is the repository, into a scratch folder:
    the repository must stay clean."""
    import os
    import sys

    repo = Path(__file__).resolve().parent.parent
    cwd_path = Path(cwd).resolve()
    cache = _scratch() / "cache" if repo in (cwd_path, *cwd_path.parents) else cwd_path / "cache"
    full_env = {**os.environ, "PYTHONPATH": str(repo), "AUDIO_PIPELINE_CACHE": str(cache), "COLUMNS": "200",
                **(env or {})}
    return subprocess.run([sys.executable, "-m", "audio_pipeline", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600, preexec_fn=preexec)


@functools.cache
def _scratch() -> Path:
    """A temporary folder for the whole test session, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="audio-pipeline-tests-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder
