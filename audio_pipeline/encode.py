"""PCM stream → compressed audio with ffmpeg: CBR MP3, AAC in M4B (with chapters), Ogg Opus."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import ExportError
from .tts.runtime import ffmpeg_exe


@dataclass(frozen=True)
class AudioFormat:
    """How one container is encoded: file extension, ffmpeg codec options, muxer."""

    name: str
    extension: str
    codec: tuple[str, ...]
    muxer: str


FORMATS = {
    # Constant bitrate: VBR MP3s seek inaccurately in Apple's players.
    "mp3": AudioFormat("mp3", "mp3", ("-c:a", "libmp3lame", "-abr", "0"), "mp3"),
    # Settings that keep the true peak near the input's (the bundled example, levelled to -16 LUFS
    # with its peaks at -3.5 dBTP): ffmpeg's default AAC coder ("twoloop") gave +0.8 dBTP, its "fast"
    # coder -1.1. Hard-CBR Opus ("-vbr off") rang at 4 kHz up to +4.5 dBTP; VBR in its speech mode
    # ("voip") overshot by 3 dB; VBR in its "audio" mode still rang now and then in its full band
    # (to 20 kHz), which eSpeak NG's 22.05 kHz speech leaves empty: held to 12 kHz, -0.7 dBTP (and
    # +0.2 dBTP in one 10 ms window with the pieces' peaks at -4 dBTP, which export/peak_guard.py
    # then dips and encodes again; README, "Loudness").
    "m4b": AudioFormat("m4b", "m4b", ("-c:a", "aac", "-aac_coder", "fast"), "ipod"),
    "opus": AudioFormat("opus", "opus", ("-c:a", "libopus", "-application", "audio", "-cutoff", "12000"), "ogg"),
}


def encode(chunks: Iterable[bytes], sample_rate: int, dest: Path, fmt: AudioFormat, bitrate_kbps: int,
           chapters: Sequence[tuple[int, int, str]] = (), mp3_quality: int = 7) -> None:
    """Encode mono 16-bit PCM into ``dest``; ``chapters`` (start ms, end ms, title) go into M4B.

    Bit-exact flags make the same PCM give the same bytes. Tags are left to mutagen.
    """
    with tempfile.TemporaryDirectory(prefix="audio-pipeline-") as tmp:
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
               "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0"]
        maps = ["-map", "0:a"]
        if chapters and fmt.name == "m4b":
            meta = Path(tmp) / "chapters.txt"
            meta.write_text(_ffmetadata(chapters), encoding="utf-8")
            cmd += ["-f", "ffmetadata", "-i", str(meta)]
            # Metadata from the chapters file (it has only chapter titles): "-1" would drop them.
            maps += ["-map_chapters", "1", "-map_metadata", "1"]
        else:
            maps += ["-map_chapters", "-1", "-map_metadata", "-1"]
        out_rate = 48000 if fmt.name == "opus" else sample_rate
        cmd += [*maps, *fmt.codec, "-b:a", f"{bitrate_kbps}k", "-ar", str(out_rate), "-ac", "1",
                "-fflags", "+bitexact", "-flags:a", "+bitexact"]
        if fmt.name == "mp3":
            cmd += ["-compression_level", str(mp3_quality), "-id3v2_version", "0", "-write_id3v1", "0"]
        if fmt.name == "m4b":
            cmd += ["-movflags", "+faststart"]
        cmd += ["-f", fmt.muxer, str(dest)]
        run_ffmpeg(cmd, chunks, dest)


def _ffmetadata(chapters: Sequence[tuple[int, int, str]]) -> str:
    def esc(text: str) -> str:
        return "".join("\\" + ch if ch in "=;#\\\n" else ch for ch in text)

    out = [";FFMETADATA1"]
    for start, end, title in chapters:
        out += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}", f"title={esc(title)}"]
    return "\n".join(out) + "\n"


def run_ffmpeg(cmd: list[str], chunks: Iterable[bytes], dest: Path) -> None:
    """Run ffmpeg feeding ``chunks`` to its standard input; a failure is an ExportError naming ``dest``."""
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
