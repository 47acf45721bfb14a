"""PCM stream → compressed audio with ffmpeg (constant bitrate MP3 for speech podcasts)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from .errors import ExportError
from .tts.runtime import ffmpeg_exe


def encode_mp3(chunks: Iterable[bytes], sample_rate: int, dest: Path, bitrate_kbps: int) -> None:
    """Encode mono 16-bit PCM to a CBR MP3 at ``dest`` (no tags: mutagen writes those).

    Constant bitrate, because VBR files seek inaccurately in Apple's players; bit-exact flags,
    so the same PCM always gives the same bytes.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
           "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k", "-ar", str(sample_rate), "-ac", "1",
           "-map_metadata", "-1", "-id3v2_version", "0", "-write_id3v1", "0",
           "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "mp3", str(dest)]
    _run(cmd, chunks, dest)


def _run(cmd: list[str], chunks: Iterable[bytes], dest: Path) -> None:
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as exc:
        raise ExportError(f"ffmpeg cannot be started: {exc}", path=str(dest)) from None
    try:
        for chunk in chunks:
            proc.stdin.write(chunk)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    err = proc.stderr.read().decode(errors="replace").strip()
    if proc.wait() != 0:
        last = err.splitlines()[-1] if err else f"exit status {proc.returncode}"
        raise ExportError(f"ffmpeg failed: {last}", path=str(dest),
                          hint="check free disk space and that the folder is writable")
