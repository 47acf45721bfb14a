"""Cover and feed from real renders (eSpeak NG voices, LAME and ffmpeg), read back with ffmpeg,
mutagen, podcastparser and feedparser."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
from PIL import Image

from audio_pipeline import render
from audio_pipeline.settings import Settings
from audio_pipeline.tts.runtime import ffmpeg_exe

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("publish")
    return {fmt: render(Settings(transcript=DATA / "short-panel.txt", out_dir=tmp / fmt, cache_dir=tmp / "cache",
                                 audio_format=fmt))
            for fmt in ("mp3", "m4b", "opus")}


def attached_pictures(path: Path) -> list[tuple[str, int, int]]:
    """(codec, width, height) of every attached-picture stream, as ffmpeg reports them."""
    log = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    return [(m[1], int(m[2]), int(m[3]))
            for m in re.finditer(r"Stream #\S+.*?: Video: (\w+)\b.*?, (\d+)x(\d+)\b.*\(attached pic\)", log)]


def embedded_cover(path: Path, fmt: str) -> bytes:
    """The front cover's bytes as mutagen reads them from each container."""
    if fmt == "mp3":
        from mutagen.id3 import ID3

        [picture] = [p for p in ID3(path).getall("APIC") if p.type == 3]
        return picture.data
    if fmt == "m4b":
        from mutagen.mp4 import MP4

        [picture] = MP4(path).tags["covr"]
        return bytes(picture)
    import base64

    from mutagen.flac import Picture
    from mutagen.oggopus import OggOpus

    [block] = OggOpus(path).tags["METADATA_BLOCK_PICTURE"]
    picture = Picture(base64.b64decode(block))
    assert picture.type == 3 and (picture.width, picture.height) == (1400, 1400)
    return picture.data


@pytest.mark.parametrize("fmt", ["mp3", "m4b", "opus"])
def test_cover_is_embedded_square_and_equal_to_the_file_beside_the_episode(rendered, fmt):
    result = rendered[fmt]
    assert attached_pictures(result.episode) == [("png", 1400, 1400)]
    beside = result.episode.parent / result.files["cover"]
    assert embedded_cover(result.episode, fmt) == beside.read_bytes()
    with Image.open(io.BytesIO(beside.read_bytes())) as image:
        assert image.size == (1400, 1400) and image.mode == "RGB"


def test_cover_leaves_the_audio_playable_from_its_first_frame(rendered):
    result = rendered["mp3"]
    decoded = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(result.episode), "-map", "0:a", "-f", "null", "-"],
                             capture_output=True, text=True)
    assert decoded.returncode == 0 and decoded.stderr == ""


@pytest.mark.parametrize("fmt", ["mp3", "m4b", "opus"])
def test_feed_of_a_real_render_reads_back(rendered, fmt):
    result = rendered[fmt]
    out = result.episode.parent
    with (out / "feed.xml").open("rb") as stream:
        feed = podcastparser.parse((out / "feed.xml").as_uri(), stream)
    [episode] = feed["episodes"]
    [enclosure] = episode["enclosures"]
    assert Path(enclosure["url"].removeprefix("file://")) == result.episode
    assert enclosure["file_size"] == result.episode.stat().st_size
    assert abs(episode["total_time"] - result.timeline.duration_ms / 1000) <= 0.5
    parsed = feedparser.parse(str(out / "feed.xml"))
    assert not parsed.bozo
    assert (out / parsed.entries[0].podcast_chapters["url"]) == out / result.files["chapters"]
