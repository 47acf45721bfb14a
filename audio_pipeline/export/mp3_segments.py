"""The MP3 episode as a concatenation of independently encoded, cached segments.

LAME (in this process, through lameenc, which writes no Xing/Info frame) turns 576·k input
samples into exactly k + 2 frames whose decoded audio starts 1,105 samples in. Each segment of the
timeline (576·k frames, silent at both ends) is therefore encoded from its samples
``[1105, length − 47)``: decoded and concatenated, the segments give back the timeline sample for
sample. A segment is cached under a hash of its pieces and their offsets, so a re-render
re-encodes only segments that changed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..assemble import FRAME, stitch
from ..cache import PieceCache, scratch_file
from ..errors import ExportError
from ..model import Timeline

PRIMING = 1105  # samples LAME's output lags its input (576 encoder + 529 decoder delay)
PADDING = FRAME * 2 - PRIMING  # samples after the input in the last frame of a 576·k input


def segment_key(paths: list[str], offsets: list[int], length: int, sample_rate: int, bitrate_kbps: int,
                quality: int) -> str:
    """Hash of everything that shapes a segment's encoded bytes: its pieces, where they sit, its length."""
    blob = json.dumps({"v": 1, "encoder": encoder_version(), "rate": sample_rate, "kbps": bitrate_kbps, "q": quality,
                       "length": length, "pieces": [[Path(p).stem, o] for p, o in zip(paths, offsets)]})
    return hashlib.sha256(blob.encode()).hexdigest()


@functools.cache
def encoder_version() -> str:
    """The MP3 encoder that writes segments, for their cache key: a digest of the lameenc build (a
    new build may encode differently; reading its version would import importlib.metadata, 20 ms)."""
    import lameenc

    return "lameenc " + hashlib.sha256(Path(lameenc.__file__).read_bytes()).hexdigest()[:16]


def _locate(cache: PieceCache, spans: list[tuple[int, int, str]], length: int, sample_rate: int,
            bitrate_kbps: int, quality: int) -> tuple[Path, bool]:
    """A segment's path in the cache, and whether it has to be encoded (no valid file there yet).
    ``spans`` are its pieces as ``(start, end, wav path)``, in frames from the segment's start."""
    paths, offsets = [p for _, _, p in spans], [o for o, _, _ in spans]
    dest = cache.segment_path(segment_key(paths, offsets, length, sample_rate, bitrate_kbps, quality))
    return dest, not _valid(dest, length // FRAME)


def lame_encoder(sample_rate: int, bitrate_kbps: int, quality: int):
    """A LAME encoder (lameenc) for mono 16-bit PCM at our settings: constant bitrate, no resampling."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate_kbps)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_out_sample_rate(sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(quality)
    return encoder


def encode_segments(timeline: Timeline, cache: PieceCache, bitrate_kbps: int, quality: int,
                    jobs: int) -> tuple[list[Path], set[Path]]:
    """Encode the segments the cache lacks (``jobs`` at a time); return all paths and those encoded."""
    todo, paths = [], []
    for segment in timeline.segments:
        span = range(segment.first_piece, segment.last_piece)
        spans = [(timeline.pieces[i].start - segment.start, timeline.pieces[i].end - segment.start,
                  timeline.audio[i].path) for i in span]
        length = segment.end - segment.start
        path, missing = _locate(cache, spans, length, timeline.sample_rate, bitrate_kbps, quality)
        paths.append(path)
        if missing:
            todo.append((spans, length, path))
    if todo:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            for future in [pool.submit(_encode_one, *job, timeline.sample_rate, bitrate_kbps, quality, cache.scratch)
                           for job in todo]:
                future.result()
    return paths, {job[2] for job in todo}


def encode_pcm(pcm: bytes, sample_rate: int, bitrate_kbps: int, quality: int) -> bytes:
    """A segment's MP3 frames from its samples ``[PRIMING, length − PADDING)``, in any process: a
    task for a cluster's workers, which share no files with the render."""
    encoder = lame_encoder(sample_rate, bitrate_kbps, quality)
    return encoder.encode(pcm) + encoder.flush()


class EarlyEncoder:
    """Encodes MP3 segments while synthesis runs, each as soon as all its pieces exist, into the
    cache, where :func:`encode_segments` then finds them. Purely a head start: a failure here is
    ignored, and the export stage redoes (and reports) it.

    Segments are encoded on ``settings.jobs`` threads here, or, given an ``executor`` (a cluster's),
    as tasks that take the segment's samples and return its frames, which are stored here."""

    def __init__(self, pieces, chapters, settings, cache: PieceCache, executor=None) -> None:
        from ..assemble import segment_ranges

        self._pieces, self._settings, self._cache = pieces, settings, cache
        self._ranges = segment_ranges(pieces, chapters)
        self._owner = {i: n for n, (first, last) in enumerate(self._ranges) for i in range(first, last)}
        self._missing = [last - first for first, last in self._ranges]
        self._audio: dict[int, object] = {}
        self._executor = executor
        self._pool = ThreadPoolExecutor(max(1, settings.jobs))
        self._futures = []
        self._remote = []  # (cluster future, dest, length)

    def piece_ready(self, index: int, audio) -> None:
        """Called (from the synthesizing thread) when piece ``index`` has its audio."""
        from ..assemble import layout_segment

        self._audio[index] = audio
        n = self._owner[index]
        self._missing[n] -= 1
        first, last = self._ranges[n]
        if self._missing[n]:
            return
        s = self._settings
        offsets, length = layout_segment(self._pieces[first:last], [self._audio[i].frames for i in range(first, last)],
                                         first == 0, s.sample_rate)
        spans = [(o, o + self._audio[i].frames, self._audio[i].path) for i, o in zip(range(first, last), offsets)]
        dest, missing = _locate(self._cache, spans, length, s.sample_rate, s.bitrate, s.mp3_quality)
        if missing and self._executor is not None:
            pcm = b"".join(stitch(spans, PRIMING, length - PADDING))
            future = self._executor.submit(encode_pcm, pcm, s.sample_rate, s.bitrate, s.mp3_quality)
            self._remote.append((future, dest, length))
        elif missing:
            future = self._pool.submit(_encode_one, spans, length, dest, s.sample_rate, s.bitrate,
                                       s.mp3_quality, self._cache.scratch)
            self._futures.append((future, dest))

    def close(self, cancel: bool = False) -> None:
        """Wait for the queued encodes (or, on an error or interrupt, drop those not started)."""
        self._pool.shutdown(wait=True, cancel_futures=cancel)
        for future, dest, length in self._remote:
            if cancel:
                future.cancel()
            else:
                self._futures.append((self._store(future, dest, length), dest))

    def _store(self, future, dest: Path, length: int):
        """Store a cluster's encoded frames in the cache, checked as :func:`_encode_one` checks its own."""
        from concurrent.futures import Future

        done: Future = Future()
        try:
            frames = future.result()
            tmp = scratch_file(self._cache.scratch, dest.name)
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_bytes(frames)
                if not _valid(tmp, length // FRAME):
                    raise ExportError("the encoder returned an unexpected number of frames", path=str(dest))
                os.replace(tmp, dest)
            finally:
                tmp.unlink(missing_ok=True)
            done.set_result(None)
        except Exception as exc:  # noqa: BLE001 - a head start only: export redoes and reports it
            done.set_exception(exc)
        return done

    @property
    def written(self) -> set[Path]:
        """Segments this encoder wrote (failed or cancelled ones are redone at export)."""
        return {dest for f, dest in self._futures if f.done() and not f.cancelled() and f.exception() is None}


def append_segments(paths: list[Path], frames: int, dest: Path) -> None:
    """Append an Info frame, then the segments' ``frames`` frames one after another, to ``dest``
    (empty, or holding only the ID3 tag, which must come first).

    The frame count comes from the timeline (every segment was validated against it), so the
    segments are read once, to be copied.
    """
    audio_bytes = sum(path.stat().st_size for path in paths)
    with open(paths[0], "rb") as first:
        header = first.read(4)
    info = info_frame(header, frames, audio_bytes)
    with open(dest, "ab") as out:
        out.write(info)
        for path in paths:
            with open(path, "rb") as segment:
                shutil.copyfileobj(segment, out, 1 << 20)


def info_frame(header: bytes, frames: int, audio_bytes: int) -> bytes:
    """A silent frame carrying a Xing "Info" tag (constant bitrate): the frame and byte counts, so
    players know the exact duration. No LAME extension, so no decoder trims any samples.

    The frame has the audio's format and bitrate, or the lowest higher bitrate whose frame can hold
    the tag (at 8 kbit/s and 22,050 Hz a frame has 26 bytes)."""
    mpeg1 = (header[1] >> 3) & 3 == 3
    mono = (header[3] >> 6) == 3
    side_info = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    first = bytes([header[0], header[1], header[2] & ~0x02, header[3]])  # same format, no padding
    while (_frame_size(first) or 0) < 4 + side_info + 16 and first[2] >> 4 < 14:
        first = bytes([first[0], first[1], first[2] + 0x10, first[3]])  # next bitrate index
    size = _frame_size(first)
    tag = b"Info" + (3).to_bytes(4, "big") + frames.to_bytes(4, "big") + (audio_bytes + size).to_bytes(4, "big")
    return first + bytes(side_info) + tag + bytes(size - 4 - side_info - len(tag))


def _encode_one(spans: list[tuple[int, int, str]], length: int, dest: Path, sample_rate: int,
                bitrate_kbps: int, quality: int, scratch: Path) -> None:
    """Encode one segment (its pieces' ``spans`` as :func:`_locate` takes them) with LAME in this
    process (it releases the GIL, so encoder threads run side by side) into ``scratch``, check its
    frame count, and move it into place."""
    tmp = scratch_file(scratch, dest.name)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        encoder = lame_encoder(sample_rate, bitrate_kbps, quality)
        with open(tmp, "wb") as out:
            for chunk in stitch(spans, PRIMING, length - PADDING):
                out.write(encoder.encode(chunk))
            out.write(encoder.flush())
        if not _valid(tmp, length // FRAME):
            raise ExportError(f"the encoder returned an unexpected number of frames (wanted {length // FRAME})",
                              path=str(dest))
        os.replace(tmp, dest)
    except ExportError:
        raise
    except OSError as exc:
        raise ExportError(f"cannot encode a segment: {exc.strerror or exc}", path=exc.filename or str(dest),
                          hint="check free disk space and that the cache folder is writable") from None
    except RuntimeError as exc:  # lameenc's way of reporting a setting LAME refused
        raise ExportError(f"the MP3 encoder failed: {exc}", path=str(dest)) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


_BITRATES = {1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
             2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def count_frames(path: Path) -> int | None:
    """Number of frames in a constant-bitrate MPEG layer III file (as LAME writes here) if it is
    nothing but whole frames, else None.

    One pass of the regular-expression engine: frames whose header is the first frame's, with or
    without padding, must tile the whole file (every match starts where the last one ended, or
    bytes are left over)."""
    data = path.read_bytes()
    if not data:
        return 0
    plain = bytes([data[0], data[1], data[2] & ~0x02, data[3]]) if len(data) >= 4 else b""
    size = _frame_size(plain)
    if size is None:
        return None
    rest, count = _frame_pattern(plain, size).subn(b"", data)
    return None if rest else count


@functools.lru_cache(maxsize=8)
def _frame_pattern(plain: bytes, size: int) -> re.Pattern[bytes]:
    padded = bytes([plain[0], plain[1], plain[2] | 0x02, plain[3]])
    return re.compile(re.escape(plain) + b".{%d}|" % (size - 4) + re.escape(padded) + b".{%d}" % (size - 3),
                      re.DOTALL)


def _frame_size(header: bytes) -> int | None:
    """Length in bytes of the MPEG layer III frame whose 4-byte header this is, or None."""
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
        return None
    version = (header[1] >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    if version == 1 or ((header[1] >> 1) & 3) != 1:
        return None
    index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if index in (0, 15) or rate_index == 3:
        return None
    kbps = _BITRATES[1 if version == 3 else 2][index]
    rate = _RATES[version][rate_index]
    return (144 if version == 3 else 72) * kbps * 1000 // rate + ((header[2] >> 1) & 1)


def _valid(path: Path, frames: int) -> bool:
    """A cached segment counts only if it is exactly the frames a segment of this length encodes to.
    Each file version is read once per process: a render checks a segment when its pieces are
    ready and again before joining, and a fresh encode is checked under its temporary name, which
    keeps its inode when renamed into place."""
    try:
        stat = path.stat()
        version = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if version not in _counted:
            if len(_counted) > 10_000:
                _counted.clear()
            _counted[version] = count_frames(path)
        return _counted[version] == frames
    except OSError:
        return False


_counted: dict[tuple, int | None] = {}
