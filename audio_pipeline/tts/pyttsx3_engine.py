"""pyttsx3 with its eSpeak NG driver, one fresh process per run.

Three facts about this engine shape the adapter (all measured; see README, "How synthesis works"):

* eSpeak NG keeps state between utterances inside one process, so the same sentence comes out
  with different samples depending on what was spoken before. Each run (a turn's pieces) is
  therefore spoken in a child forked from a process that has loaded, but never initialised,
  eSpeak NG: a piece's audio depends only on its run, never on other runs or on the worker.
* pyttsx3 sends rate, pitch and volume to eSpeak NG's synthesis thread as queued commands, and
  ``runAndWait`` cancels whatever that thread is still doing when it starts (its ``endLoop`` calls
  ``stop``). Started while the settings are still queued, an utterance loses them (it comes out at
  pyttsx3's initial rate), or is itself cancelled and saved empty. We switch that cancel off (we
  never interrupt an utterance), let the thread fall idle after each utterance, and check that the
  settings were applied.
* ``runAndWait`` can return before pyttsx3 has written the file (pyttsx3 issue #219). We wait for
  pyttsx3's ``finished-utterance`` event.
"""

from __future__ import annotations

import functools
import os
import pickle
import signal
import sys
import threading
import time

from ..errors import EngineError
from ..model import Voice
from .engine import EngineInfo, EngineVoice
from .runtime import prepare_espeak

#: Part of the engine's identity, so of every cache key: raised whenever the way a run is spoken
#: changes its samples (2: the voice is loaded once per run).
_ADAPTER_REVISION = 2
_CHILD_TIMEOUT_S = 120
_IN_FLIGHT = 2  # runs a worker speaks at once
_SETTLE_TIMEOUT_S = 30


class Pyttsx3Engine:
    """The ``pyttsx3`` engine (eSpeak NG on Linux)."""

    name = "pyttsx3"

    def __init__(self) -> None:
        self._source = prepare_espeak()
        try:  # imported once here, not in every child (it took a fresh child 9 of its 13 ms of start-up)
            import pyttsx3  # noqa: F401
            import pyttsx3.drivers.espeak  # noqa: F401  (loads the library; initialises nothing)
        except Exception as exc:
            raise EngineError(f"pyttsx3 cannot load eSpeak NG: {exc}") from None
        self._info: EngineInfo | None = None

    def info(self) -> EngineInfo:
        """Voices, variants and version, asked of a throw-away engine in a child process (the one
        :func:`describe_early` started, if any), once per process: a batch renders many episodes."""
        global _early
        if self._info is None:
            if _early is not None:
                (pid, read_fd), _early = _early, None
                self._info = _collect(pid, read_fd)
            elif self._source in _described:
                self._info = _described[self._source]
            else:
                self._info = _in_child(_describe, self._source)
            _described[self._source] = self._info
        return self._info

    def synthesize(self, texts, voice: Voice, wav_paths) -> None:
        """Speak each text into its path (22.05 kHz mono 16-bit, as eSpeak NG produces), in order,
        in one fresh engine."""
        self.synthesize_runs([(texts, voice, wav_paths)])

    def synthesize_runs(self, runs) -> None:
        """Speak several runs ``(texts, voice, wav_paths)``, each in its own fresh engine, two at
        a time: an engine spends part of each utterance waiting on pyttsx3's polling loop. An error
        carries ``piece``, the index of the failed text counted over all the runs."""
        jobs, first = [], 0
        for texts, voice, paths in runs:
            jobs.append((first, list(texts), voice, list(paths)))
            first += len(jobs[-1][1])
        running: dict[int, tuple[int, int]] = {}  # pid → (pipe, index of the run's first piece)
        failure: BaseException | None = None
        while (jobs and failure is None) or running:
            while jobs and failure is None and len(running) < _IN_FLIGHT:
                first, texts, voice, paths = jobs.pop(0)
                pid, pipe = _fork(_speak_run, texts, voice, paths)
                running[pid] = (pipe, first)
            pid = next(iter(running))  # the oldest: only our own children are ever waited for
            pipe, first = running.pop(pid)
            try:
                _collect(pid, pipe)
            except (EngineError, OSError) as exc:
                exc.piece = first + getattr(exc, "piece", 0)
                failure = failure or exc
        if failure is not None:
            raise failure


_described: dict[str, EngineInfo] = {}  # by eSpeak NG source: what info() found in this process
_early: tuple[int, int] | None = None  # (pid, pipe) of the describing child describe_early started


def describe_early() -> None:
    """Start describing the engine in a child now, so that it runs while this process loads the rest
    of the program; the first :meth:`Pyttsx3Engine.info` collects it. The child loads pyttsx3 and
    reads its version itself (20 ms this process no longer waits for)."""
    global _early
    if _early is None:
        _early = _fork(_describe, prepare_espeak())


def _in_child(fn, *args):
    """Run ``fn(*args)`` in a forked child; return its result or raise its error as EngineError."""
    return _collect(*_fork(fn, *args))


def _collect(pid: int, read_fd: int):
    """The result of the child ``pid`` (read whole from its pipe, then waited for)."""
    chunks = []
    with os.fdopen(read_fd, "rb") as pipe:
        while chunk := pipe.read(65536):
            chunks.append(chunk)
    _, wait_status = os.waitpid(pid, 0)
    return _decode(b"".join(chunks), wait_status)


def _decode(payload: bytes, wait_status: int):
    if not payload:
        code = os.waitstatus_to_exitcode(wait_status)
        why = f"signal {-code}" if code < 0 else f"exit status {code}"
        raise EngineError(f"the speech engine process died ({why})")
    kind, value, piece = pickle.loads(payload)
    if kind == "oserror":
        error = OSError(*value)
    elif kind == "error":
        error = EngineError(f"speech engine failed: {value}")
    else:
        return value
    error.piece = piece
    raise error


def _fork(fn, *args) -> tuple[int, int]:
    """Start ``fn(*args)`` in a forked child; return its pid and the pipe its result comes on."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        status = 0
        try:
            os.close(read_fd)
            _quiet()
            signal.alarm(_CHILD_TIMEOUT_S)  # a hung engine dies instead of hanging the render
            payload = pickle.dumps(("ok", fn(*args), 0))
        except OSError as exc:  # disk full and the like: the parent reports it as such
            payload = pickle.dumps(("oserror", (exc.errno, exc.strerror, exc.filename), getattr(exc, "piece", 0)))
            status = 1
        except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
            message = (f"{exc}" or type(exc).__name__)[:2000]
            payload = pickle.dumps(("error", message, getattr(exc, "piece", 0)))
            status = 1
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(write_fd, view):]
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, read_fd


def _quiet() -> None:
    """Silence the child: pyttsx3 prints 'Audio saved to …' and eSpeak may write to stderr."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # fresh objects: no lock held by another thread


def _engine():
    import pyttsx3

    return pyttsx3.init("espeak")


def _describe(source: str) -> EngineInfo:
    import ctypes

    from pyttsx3.drivers import _espeak

    engine = _engine()
    voices = tuple(
        EngineVoice(v.id, v.name, tuple(v.languages or ()), v.gender)
        for v in engine.getProperty("voices")
    )
    info = _espeak.dll.espeak_Info
    info.restype = ctypes.c_char_p
    info.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
    data_path = ctypes.c_char_p()
    version = (info(ctypes.byref(data_path)) or b"?").decode()
    variants, unstable = _variants(os.path.join((data_path.value or b"").decode(), "voices", "!v"))
    from importlib import metadata

    identity = f"pyttsx3-{metadata.version('pyttsx3')}+espeak-ng-{version}+{source}+r{_ADAPTER_REVISION}"
    return EngineInfo(identity, voices, variants, unstable, stateful=True)


def _variants(folder: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names, unstable = [], []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return (), ()
    for entry in entries:
        names.append(entry)
        try:
            with open(os.path.join(folder, entry), encoding="utf-8", errors="replace") as fh:
                if any(line.split()[:1] == ["breath"] and any(v != "0" for v in line.split()[1:])
                       for line in fh):
                    unstable.append(entry)
        except OSError:
            continue
    return tuple(names), tuple(unstable)


def _speak_run(texts: list[str], voice: Voice, wav_paths: list[str]) -> None:
    """Speak the texts one after another in this (fresh) process's engine."""
    engine = _engine()
    # runAndWait starts by cancelling whatever eSpeak NG's thread has queued (module docstring);
    # we never interrupt an utterance, so that cancel is switched off for this engine.
    try:
        engine.proxy._driver.stop = lambda: None
    except AttributeError:
        from importlib import metadata

        raise RuntimeError(f"pyttsx3 {metadata.version('pyttsx3')} is laid out differently from the "
                           "2.98–2.99 this adapter knows; install pyttsx3 2.99") from None
    done = threading.Event()
    errors: list[BaseException] = []
    engine.connect("finished-utterance", lambda **_: done.set())
    engine.connect("error", lambda exception=None, **_: errors.append(exception))
    # Loading a voice re-reads its language's dictionary (1.5 MB for Chinese): once per run, not
    # before every piece. A piece then carries over the voice state its run left, which its key
    # (chained over the run) already covers.
    engine.setProperty("voice", voice.spec)
    for n, (text, path) in enumerate(zip(texts, wav_paths, strict=True)):
        try:
            _speak(engine, done, errors, text, voice, path)
        except BaseException as exc:
            exc.piece = n
            raise


def _speak(engine, done: threading.Event, errors: list, text: str, voice: Voice, wav_path: str) -> None:
    signal.alarm(_CHILD_TIMEOUT_S)  # per utterance: a hung engine dies instead of hanging the render
    engine.setProperty("rate", voice.rate)
    engine.setProperty("pitch", voice.pitch)
    engine.setProperty("volume", voice.volume)
    done.clear()
    engine.save_to_file(text, wav_path)
    engine.runAndWait()
    _wait_until_saved(done, wav_path)
    _settle()  # the utterance's callback has returned before the next one starts
    if errors:
        raise errors[0]
    _check_applied(voice)
    if not os.path.exists(wav_path):
        raise FileNotFoundError("pyttsx3 wrote no audio file")


def _check_applied(voice: Voice) -> None:
    """Fail rather than keep audio spoken with settings eSpeak NG did not apply."""
    from pyttsx3.drivers import _espeak

    wanted = {_espeak.RATE: voice.rate, _espeak.PITCH: voice.pitch, _espeak.VOLUME: round(voice.volume * 100)}
    applied = {name: _current_parameter()(name, 1) for name in wanted}
    if applied != wanted:
        raise RuntimeError(f"eSpeak NG applied rate/volume/pitch {sorted(applied.items())}, "
                           f"not {sorted(wanted.items())}")


@functools.cache
def _current_parameter():
    """``espeak_GetParameter(parameter, current)``: pyttsx3's binding omits ``current``."""
    import ctypes

    from pyttsx3.drivers import _espeak

    get = _espeak.dll.espeak_GetParameter
    get.argtypes, get.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return get


def _settle() -> None:
    """Wait until eSpeak NG's thread has run every queued command."""
    from pyttsx3.drivers import _espeak

    for _ in range(int(_SETTLE_TIMEOUT_S / 0.001)):
        if not _espeak.IsPlaying():
            return
        time.sleep(0.001)
    raise TimeoutError("eSpeak NG did not finish its queued work")


def _wait_until_saved(done: threading.Event, wav_path: str) -> None:
    """Wait for pyttsx3's finished-utterance; if eSpeak NG falls idle without it, pyttsx3's own
    write failed inside its callback (ctypes swallows the exception): provoke the write error to
    report it, rather than waiting for the timeout."""
    from pyttsx3.drivers import _espeak

    idle = 0
    for _ in range(int((_CHILD_TIMEOUT_S - 5) / 0.02)):
        if done.wait(0.02):
            return
        idle = idle + 1 if not _espeak.IsPlaying() else 0
        if idle >= 50:  # a second with nothing running and nothing saved
            with open(wav_path, "wb") as probe:  # raises OSError if the disk is the problem
                probe.write(bytes(1 << 16))
            os.unlink(wav_path)
            raise RuntimeError("pyttsx3 stopped without saving the audio")
    raise TimeoutError("eSpeak NG did not finish the utterance")
