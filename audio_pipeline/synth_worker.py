"""What a synthesis worker does with a task (:mod:`.synth` hands the tasks out).

A task is a few runs of texts, each spoken by one fresh engine (which may overlap them). The worker
checks that every piece holds sound, trims its silent edges and fades them (pydub), levels its
loudness (:mod:`.loudness`), and stores it: in the cache folder, or, for a worker that shares no
folder with the render (a Dask cluster's), as PCM bytes sent back. A local pool's worker loads the
engine as it starts (:func:`init_worker`); any other executor's loads it on its first task, or as it
starts (:func:`prepare_worker`, which a cluster's worker plugin calls).
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .cache import scratch_file, write_wav_atomic
from .errors import EngineError
from .loudness import level, piece_target
from .model import Voice


@dataclass(frozen=True)
class Run:
    """One engine call: texts in one voice, and where each piece goes."""

    texts: tuple[str, ...]
    voice: Voice
    dests: tuple[str, ...]


@dataclass(frozen=True)
class Task:
    """What one worker does at a time: a few engine calls, and how to finish their pieces."""

    runs: tuple[Run, ...]
    sample_rate: int
    fade_ms: int
    trim_dbfs: float
    keep_ms: int
    loudness_lufs: float
    scratch: str  #: the cache's folder for temporary files
    #: For a worker that may run on another machine: the engine to load (``module:Class``); the
    #: finished pieces come back as PCM bytes instead of being written to ``dests``.
    engine: str = ""
    #: The engine's identity in the render's process (part of every cache key): such a worker
    #: refuses the task if its own engine differs (another eSpeak NG version speaks differently).
    identity: str = ""
    #: Such a worker shares the cache folder: it writes pieces to ``dests``, as a local worker does.
    shared: bool = False


_engine = None


def init_worker(target: str, parent: int) -> None:
    """A local pool's worker: Ctrl-C is the render's to handle, it ends with ``parent`` (the process
    that started the pool), and it loads the engine ``target`` (``module:Class``) now."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with(parent)
    global _engine
    _engine = _load_engine(target)


def prepare_worker(target: str) -> None:
    """Load the engine ``target`` (``module:Class``) and pydub in this worker process, once: a
    cluster's workers do it as they start, or else on their first task."""
    from .tts.runtime import import_pydub

    global _engine
    if _engine is None:
        _engine = _load_engine(target)
    import_pydub()


@functools.cache
def _identity() -> str:
    return _engine.info().identity


def _load_engine(target: str):
    import importlib

    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)()


_scratch: Path | None = None


def _worker_scratch() -> Path:
    """This worker's own folder for the engine's raw files (removed when the worker exits)."""
    global _scratch
    if _scratch is None:
        import atexit
        import shutil
        import tempfile

        _scratch = Path(tempfile.mkdtemp(prefix="audio-pipeline-worker-"))
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def _die_with(parent: int) -> None:
    """End this worker when the render's process ends. A pool's workers never notice their parent's
    death on their own: killed with SIGKILL (or by the OOM killer), a render left both its workers
    blocked on the task queue for good. Linux only (``prctl``)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def run_task(task: Task) -> list[int] | list[bytes]:
    """Synthesize the task's runs, then check, trim, fade and store each piece; return the length
    of every piece, in order (or, for a task naming its engine without sharing the cache, every
    piece's PCM)."""
    from .tts.engine import synthesize_runs
    from .tts.runtime import import_pydub

    import_pydub()
    scratch = Path(task.scratch)
    if task.engine:  # a worker of any executor: loads the engine on its first task, keeps it
        prepare_worker(task.engine)
        if _identity() != task.identity:
            raise EngineError(f"a worker's speech engine ({_identity()}) is not the render's ({task.identity})",
                              hint="install the same audio-pipeline and eSpeak NG on every machine")
        if not task.shared:
            scratch = _worker_scratch()
    raws = [[scratch_file(scratch, f"{Path(d).stem}.raw.wav") for d in run.dests] for run in task.runs]
    pieces = [piece for run, run_raws in zip(task.runs, raws) for piece in zip(run.texts, run_raws, run.dests)]
    try:
        synthesize_runs(_engine, [(run.texts, run.voice, [str(r) for r in run_raws])
                                  for run, run_raws in zip(task.runs, raws)])
        return [_finish(n, text, raw, dest, task) for n, (text, raw, dest) in enumerate(pieces)]
    finally:
        for _, raw, _ in pieces:
            raw.unlink(missing_ok=True)


def _finish(n: int, text: str, raw: Path, dest: str, task: Task) -> int | bytes:
    """Check that piece ``n`` holds sound, trim its silent edges, fade them, level its
    loudness, store it; its length (or, for a task naming its engine without sharing the cache,
    its PCM: the caller stores it)."""
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

    try:
        segment = AudioSegment.from_wav(str(raw))
    except Exception as exc:
        raise _piece_error(n, f"the engine wrote no readable audio for {text[:40]!r} ({exc})") from None
    segment = segment.set_channels(1).set_sample_width(2).set_frame_rate(task.sample_rate)
    if len(segment) == 0 or segment.max_dBFS < task.trim_dbfs:  # all zeros: -inf dBFS
        raise _piece_error(n, f"the engine returned no audio for {text[:40]!r}")
    head = detect_leading_silence(segment, task.trim_dbfs)
    tail = detect_leading_silence(segment.reverse(), task.trim_dbfs)
    start = max(0, head - task.keep_ms)
    end = len(segment) - max(0, tail - task.keep_ms)
    segment = segment[start:end].fade_in(task.fade_ms).fade_out(task.fade_ms)
    pcm = _levelled(segment.raw_data, task)
    if task.engine and not task.shared:
        return pcm
    write_wav_atomic(Path(dest), pcm, task.sample_rate, Path(task.scratch))
    return int(segment.frame_count())


def _levelled(pcm: bytes, task: Task) -> bytes:
    """16-bit PCM levelled for the task's episode loudness (its true peak kept below full scale)."""
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    out = level(samples, task.sample_rate, piece_target(task.loudness_lufs))
    return np.clip(np.rint(out * 32768.0), -32768, 32767).astype("<i2").tobytes()


def _piece_error(n: int, message: str) -> EngineError:
    error = EngineError(message)
    error.piece = n
    return error
