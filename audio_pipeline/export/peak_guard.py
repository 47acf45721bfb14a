"""Codec overshoot: keep an encoded file's true peak at or below −1 dBTP (EBU R128).

Pieces are limited to −4 dBTP before they are cached (:mod:`audio_pipeline.loudness`), which is
margin enough for LAME. AAC and Opus can overshoot more than that in a few 10 ms windows (libopus at
32 kbit/s by up to 4.2 dB on the bundled example's ``klatt`` voice). So an M4B or Opus file is
decoded once it is written, its true peak scanned (the same 4× oversampling the limiter uses), and
where a window passes the ceiling the source is dipped there, by the excess and a little more, with
short ramps, and encoded again: a few windows quieter by a dB or two, the loudness unchanged.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import ExportError
from ..tts.runtime import ffmpeg_exe

#: The highest true peak an encoded file may have (dBTP): EBU R128's −1, less 0.5 dB for meters that
#: interpolate differently; and how far below it a dip aims.
CEILING_DBTP = -1.5
MARGIN_DB = 0.5
#: Encodes at most: the first, and this many less one with dips.
ATTEMPTS = 3
_WINDOW_S = 0.01
_RAMP_S = 0.02
_DECODE_RATE = 48000
_CHUNK = _DECODE_RATE * 10


def encode_within_ceiling(encode: Callable[[Iterable[bytes]], None], chunks: Callable[[], Iterable[bytes]],
                          sample_rate: int, dest: Path) -> list[tuple[float, float, float]]:
    """Run ``encode`` on the PCM of ``chunks()`` (mono 16-bit at ``sample_rate``) into ``dest``; while
    the result's true peak passes :data:`CEILING_DBTP`, dip the source where it does and encode
    again. Return the dips made: (start s, end s, dB)."""
    dips: list[tuple[float, float, float]] = []
    for _ in range(ATTEMPTS):
        encode(dipped(chunks(), sample_rate, dips))
        over = overshoots(dest)
        if not over:
            break
        dips = _merge(dips, over)
    return dips


def overshoots(path: Path) -> list[tuple[float, float, float]]:
    """Windows of ``path`` whose true peak passes :data:`CEILING_DBTP`: (start s, end s, excess dB)."""
    import numpy as np

    from ..loudness import true_peak_envelope

    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:a",
           "-ac", "1", "-ar", str(_DECODE_RATE), "-f", "f32le", "pipe:1"]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise ExportError(f"ffmpeg cannot be started: {exc}", path=str(path)) from None
    ceiling = 10 ** (CEILING_DBTP / 20)
    window = int(_WINDOW_S * _DECODE_RATE)
    found: list[tuple[float, float, float]] = []
    offset, tail = 0, np.zeros(0, dtype=np.float32)
    while True:
        data = proc.stdout.read(4 * _CHUNK)
        block = np.concatenate([tail, np.frombuffer(data, dtype="<f4")]) if data else tail
        if not len(block):
            break
        # Keep a window's worth back (unless the stream ended): windows stay aligned, and the
        # interpolator sees the samples on both sides of every point it judges.
        usable = len(block) if not data else (len(block) - window) // window * window
        if usable:
            # float32 throughout: twice as fast as float64, and ample for a 0.5 dB decision.
            envelope = true_peak_envelope(block)[:usable]
            whole = len(envelope) // window * window
            peaks = envelope[:whole].reshape(-1, window).max(axis=1)
            for n in np.flatnonzero(peaks > ceiling):
                start = (offset + n * window) / _DECODE_RATE
                found.append((start, start + _WINDOW_S, float(20 * np.log10(peaks[n] / ceiling))))
        offset += usable
        tail = block[usable:]
        if not data:
            break
    err = proc.stderr.read().decode(errors="replace").strip()
    if proc.wait() != 0:
        raise ExportError(f"ffmpeg cannot decode what it wrote: {err.splitlines()[-1] if err else proc.returncode}",
                          path=str(path))
    return found


def dipped(chunks: Iterable[bytes], sample_rate: int, dips: list[tuple[float, float, float]]) -> Iterator[bytes]:
    """The PCM of ``chunks`` with each dip (start s, end s, dB) applied, ramped in and out."""
    if not dips:
        yield from chunks
        return
    import numpy as np

    ramp = int(_RAMP_S * sample_rate)
    spans = [(int(a * sample_rate), int(b * sample_rate), 10 ** (-db / 20)) for a, b, db in dips]
    cursor = 0
    for chunk in chunks:
        samples = np.frombuffer(chunk, dtype="<i2")
        first, last = cursor, cursor + len(samples)
        cursor = last
        touched = [s for s in spans if s[0] - ramp < last and s[1] + ramp > first]
        if not touched:
            yield chunk
            continue
        gain = np.ones(len(samples))
        at = np.arange(first, last)
        for start, end, floor in touched:
            # 1 outside, ``floor`` inside [start, end), linear ramps of ``ramp`` samples either side.
            depth = np.clip(np.minimum(at - (start - ramp), (end + ramp) - at) / max(ramp, 1), 0.0, 1.0)
            np.minimum(gain, 1 - depth * (1 - floor), out=gain)
        yield np.clip(np.round(samples * gain), -32768, 32767).astype("<i2").tobytes()


def _merge(dips: list[tuple[float, float, float]], over: list[tuple[float, float, float]]):
    """Add the new overshoots to the dips: a window dipped again gets the sum (plus the margin)."""
    out = dict(((a, b), db) for a, b, db in dips)
    for a, b, excess in over:
        out[(a, b)] = out.get((a, b), 0.0) + excess + MARGIN_DB
    return sorted((a, b, db) for (a, b), db in out.items())
