"""Loudness of a rendered episode as ffmpeg's ebur128 filter measures it (ITU-R BS.1770 / EBU R128):
the whole episode, and each speaker's longest turn cut out by the manifest's turn times.

Run as a script to print the table the README shows:
``.venv/bin/python tests/loudness_checks.py output/systems-ml-workshop-panel.mp3``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from audio_pipeline.tts.runtime import ffmpeg_exe


def ebur128(path: Path, start_ms: int | None = None, end_ms: int | None = None) -> dict[str, float]:
    """Integrated loudness (LUFS), loudness range (LU) and true peak (dBTP) of a file, or of the
    span ``start_ms:end_ms`` of it, as ffmpeg's ``ebur128=peak=true`` reports them."""
    cut = []
    if start_ms is not None:
        cut = ["-ss", f"{start_ms / 1000:.3f}", "-to", f"{end_ms / 1000:.3f}"]
    log = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostats", "-nostdin", *cut, "-i", str(path),
                          "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                         capture_output=True, check=True).stderr.decode(errors="replace")
    summary = log[log.rindex("Summary:"):]

    def value(label: str) -> float:
        return float(re.search(rf"{label}:\s+(-?[\d.]+|-inf)", summary)[1])

    return {"integrated": value("I"), "lra": value("LRA"), "true_peak": value("Peak")}


def longest_turns(manifest: dict) -> dict[str, tuple[int, int]]:
    """Each speaker's longest turn span (start, end ms) from the manifest."""
    longest: dict[str, tuple[int, int]] = {}
    for turn in manifest["turns"]:
        span = (turn["start_ms"], turn["end_ms"])
        best = longest.get(turn["speaker"])
        if best is None or span[1] - span[0] > best[1] - best[0]:
            longest[turn["speaker"]] = span
    return longest


def speaker_levels(episode: Path, manifest: Path | None = None) -> dict[str, float]:
    """Integrated loudness of each speaker's longest turn in the episode (LUFS)."""
    data = json.loads((manifest or episode.with_suffix(".json")).read_text(encoding="utf-8"))
    return {code: ebur128(episode, *span)["integrated"] for code, span in longest_turns(data).items()}


def main(argv: list[str]) -> None:
    episode = Path(argv[0])
    whole = ebur128(episode)
    print(f"episode: integrated {whole['integrated']:.1f} LUFS, true peak {whole['true_peak']:.1f} dBTP, "
          f"LRA {whole['lra']:.1f} LU")
    levels = speaker_levels(episode)
    for code, level in sorted(levels.items(), key=lambda kv: -kv[1]):
        print(f"  {code:4} {level:6.1f} LUFS")
    print(f"spread between speakers: {max(levels.values()) - min(levels.values()):.1f} LU")


if __name__ == "__main__":
    main(sys.argv[1:])
