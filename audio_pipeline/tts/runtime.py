"""Find the native parts: eSpeak NG (system library, else the espeakng-loader wheel) and ffmpeg
(system binary, else the imageio-ffmpeg wheel). Nothing here needs a system package."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import sys

from ..errors import EngineError, ExportError


@functools.cache
def prepare_espeak() -> str:
    """Make ``libespeak-ng.so.1`` loadable by pyttsx3; return where it comes from.

    pyttsx3 dlopens the library by name when its eSpeak driver is imported. With no system
    eSpeak NG, load the wheel's copy first (the loader then finds it already in memory by its
    soname) and point eSpeak at the wheel's data through ``ESPEAK_DATA_PATH``.
    """
    if _system_espeak():
        return "system"
    try:
        import espeakng_loader
    except ImportError:  # pragma: no cover - a dependency of the package
        raise EngineError("eSpeak NG was not found", hint="install espeak-ng or the espeakng-loader wheel") from None
    os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
    try:
        ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        raise EngineError(f"the bundled eSpeak NG library cannot be loaded: {exc}") from None
    return "wheel"


def _system_espeak() -> bool:
    """Whether pyttsx3 will find an eSpeak NG of the system's. On Linux it dlopens the soname, and
    so does this (0.6 ms; ``find_library`` runs ldconfig and took 14 ms)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libespeak-ng.so.1")
        except OSError:
            return False
        return True
    return ctypes.util.find_library("espeak-ng") is not None


@functools.cache
def ffmpeg_exe() -> str:
    """Path of ffmpeg: ``$AUDIO_PIPELINE_FFMPEG``, else the system's on PATH, else the wheel's."""
    if chosen := os.environ.get("AUDIO_PIPELINE_FFMPEG"):
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise ExportError("ffmpeg was not found", path=chosen,
                              hint="AUDIO_PIPELINE_FFMPEG must name an executable ffmpeg")
        return chosen
    if found := shutil.which("ffmpeg"):
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # the wheel raises RuntimeError when its binary is missing
        raise ExportError(f"ffmpeg was not found ({exc})",
                          hint="install ffmpeg or the imageio-ffmpeg wheel") from None


@functools.cache
def check_ffmpeg() -> str:
    """Run ``ffmpeg -version`` once, before any work, so a broken ffmpeg fails fast; return its version."""
    import subprocess

    exe = ffmpeg_exe()
    try:
        proc = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ExportError(f"ffmpeg cannot be run: {exc}", path=exe) from None
    if proc.returncode != 0 or "ffmpeg" not in proc.stdout.lower():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise ExportError(f"ffmpeg does not work: {last[0]}", path=exe, hint="install a working ffmpeg")
    return proc.stdout.splitlines()[0]


@functools.cache
def import_pydub() -> None:
    """Import pydub without its warning about ffmpeg missing from PATH. The pipeline only reads
    and builds WAV with pydub, which needs no ffmpeg, so none is looked up here: finding the
    wheel's ffmpeg runs ``ffmpeg -version`` (20–40 ms), once in every worker process."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        import pydub  # noqa: F401
