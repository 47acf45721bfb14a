"""Independent audio analysis for tests and benchmarks: it reads only decoded samples, never our
own code's idea of what it wrote."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from audio_pipeline.tts.runtime import ffmpeg_exe


def ffmetadata(path: Path) -> str:
    """Tags and chapters as ffmpeg reads them (an independent reader of our files)."""
    return subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                          check=True, capture_output=True, text=True).stdout


def ffprobe_chapters(path: Path) -> list[dict]:
    """Chapters as ffprobe lists them (system ffprobe when present, else parsed from ffmpeg's log)."""
    if probe := shutil.which("ffprobe"):
        out = subprocess.run([probe, "-v", "error", "-show_chapters", "-of", "json", str(path)],
                             check=True, capture_output=True, text=True).stdout
        return [{"start": float(c["start_time"]), "end": float(c["end_time"]),
                 "title": c.get("tags", {}).get("title", "")} for c in json.loads(out)["chapters"]]
    import re

    log = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    out = []
    for m in re.finditer(r"Chapter #\d+:\d+: start ([\d.]+), end ([\d.]+)\n\s+Metadata:\n\s+title\s+: (.*)", log):
        out.append({"start": float(m[1]), "end": float(m[2]), "title": m[3].strip()})
    return out


def decode_pcm(path: Path, rate: int = 22050):
    """Decode any audio file to mono 16-bit samples with ffmpeg (numpy array)."""
    import numpy as np

    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64)



def median_f0(samples, rate: int = 22050) -> float:
    """Median fundamental frequency of voiced 40 ms frames (autocorrelation)."""
    import numpy as np

    frame, hop, found = int(0.04 * rate), int(0.01 * rate), []
    for s in range(0, len(samples) - frame, hop):
        f = samples[s:s + frame]
        if np.sqrt((f ** 2).mean()) < 500:
            continue
        f = f - f.mean()
        ac = np.correlate(f, f, "full")[frame - 1:]
        lo, hi = rate // 400, rate // 60
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.3 * ac[0]:
            found.append(rate / k)
    return float(np.median(found)) if found else 0.0
