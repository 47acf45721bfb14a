"""Every real transcript format renders end to end with real speech and encoding (a few turns each),
checked by decoding the episode with ffmpeg and reading its tags back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audio_pipeline import render
from audio_pipeline.settings import Settings
from audio_pipeline.transcript import read_transcript
from audio_checks import decode_pcm, ffmetadata

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data" / "transcripts"
RATE = 22050
NOT_SPOKEN = re.compile(r"[*`\[\]<>\\]|https?://|\b\d{1,2}:\d{2}\b|^\s*[A-Z][\w. -]{0,30}[:：]")

# (file, lines kept so the render stays short, language, ISO 639-2 tag)
CASES = [
    ("changelog-jsparty-75.md", 14, "en", "eng"),
    ("orbitfm-bookbytes-006.txt", 14, "en", "eng"),
    ("podcastindex-example.srt", 40, "en", "eng"),
    ("podcastindex-example.vtt", None, "en", "eng"),
    ("podcastindex-example.json", None, "en", "eng"),
    ("podcastindex-example.html", 6, "en", "eng"),
    ("chaincode-address-relay.md", 40, "en", "eng"),
    ("chaincode-enterprise-wallets.md", 40, "en", "eng"),
    ("interview-aliases.md", None, "en", "eng"),
    ("timestamps-after-colon.txt", None, "en", "eng"),
    ("voices.vtt", None, "en", "eng"),
    ("systems-ml-panel-en.utf16le.md", None, "en", "eng"),
    ("short-panel.gb18030.txt", None, "zh", "zho"),
]


@pytest.mark.parametrize("name, keep, language, tag", CASES, ids=[c[0] for c in CASES])
def test_renders_end_to_end(tmp_path, name, keep, language, tag):
    source = tmp_path / name
    data = (DATA / name).read_bytes()
    if keep:  # the first lines only: a few turns
        data = b"\n".join(data.split(b"\n")[:keep]) + b"\n"
    source.write_bytes(data)
    transcript = read_transcript(source)
    result = render(Settings(transcript=source, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", jobs=2))
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["language"] == language and manifest["input"]["format"] == transcript.format
    assert [s["code"] for s in manifest["speakers"]] == [s.code for s in transcript.speakers]
    assert [t["speaker"] for t in manifest["turns"]] == [transcript.turns[t["turn"]].speaker for t in manifest["turns"]]
    assert {t["turn"] for t in manifest["turns"]} == set(range(len(transcript.turns)))
    for turn in manifest["turns"]:
        assert not NOT_SPOKEN.search(turn["text"]), turn["text"]
    samples = decode_pcm(result.episode, RATE)
    assert abs(len(samples) / RATE * 1000 - manifest["duration_ms"]) < 120
    assert samples.std() > 200  # speech, not silence
    assert f"language={tag}" in ffmetadata(result.episode)
