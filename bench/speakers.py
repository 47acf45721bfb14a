#!/usr/bin/env python3
"""Can the speakers of a rendered episode be told apart? Decodes the episode with ffmpeg, measures
each turn's median pitch (F0) and spectrum from the audio alone, and classifies every turn by
leave-one-out nearest centroid. Usage: bench/speakers.py output/<slug>.mp3 (manifest beside it)."""

import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]
from audio_checks import decode_pcm, median_f0  # noqa: E402

RATE = 22050


def main() -> None:
    episode = Path(sys.argv[1])
    manifest = json.loads(episode.with_suffix(".json").read_text(encoding="utf-8"))
    audio = decode_pcm(episode, RATE)
    feats, who = [], []
    for turn in manifest["turns"]:
        seg = audio[turn["start_ms"] * RATE // 1000:turn["end_ms"] * RATE // 1000]
        if len(seg) < RATE:
            continue
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
        freqs = np.fft.rfftfreq(len(seg), 1 / RATE)
        feats.append([np.log(median_f0(seg)), np.log((spec * freqs).sum() / spec.sum())])
        who.append(turn["speaker"])
    x, y = np.array(feats), np.array(who)
    for name, cols in (("pitch", [0]), ("pitch + spectral centroid", [0, 1])):
        z = ((x - x.mean(0)) / x.std(0))[:, cols]
        right = 0
        for i in range(len(z)):
            others = np.arange(len(z)) != i
            centroids = {s: z[others & (y == s)].mean(0) for s in set(y[others])}
            right += min(centroids, key=lambda s: np.linalg.norm(z[i] - centroids[s])) == y[i]
        print(f"{name}: {right}/{len(z)} turns attributed to the right speaker")
    for s in sorted(set(y), key=lambda s: np.exp(x[y == s][:, 0]).min()):
        f0 = np.exp(x[y == s][:, 0])
        print(f"  {s:3} median F0 {f0.min():5.0f}-{f0.max():5.0f} Hz over {len(f0)} turns")


if __name__ == "__main__":
    main()
