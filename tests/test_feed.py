"""feed.xml, read back with a podcast client's parser (gPodder's podcastparser), feedparser and a
plain XML parser: items per episode, enclosures, durations, chapters, transcripts and persons."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import podcastparser
import pytest

from audio_pipeline import render
from audio_pipeline.errors import ExportError
from audio_pipeline.export.feed import PODCAST_NS, build_feed, guid, write_feed
from audio_pipeline.settings import Settings

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
P = f"{{{PODCAST_NS}}}"


def settings(tmp_path: Path, transcript: Path = DATA / "short-panel.txt", **kw) -> Settings:
    return Settings(transcript=transcript, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", engine="fake",
                    jobs=1, min_chapter_seconds=0, **kw)


def parse(feed: Path) -> dict:
    with feed.open("rb") as stream:
        return podcastparser.parse(feed.as_uri(), stream)


def local(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def second_transcript(tmp_path: Path, title: str = "Second panel", date: str | None = None) -> Path:
    head = f"<!--yml\ndate: {date}\n-->\n\n" if date else ""
    path = tmp_path / f"{title}.txt"
    path.write_text(f"{head}# {title}：Test show\n\n+   HB: Hannah Bell\n\n+   M: Moderator\n\n"
                    "M: Welcome. What do you work on?\n\nHB: Compilers.\n", encoding="utf-8")
    return path


def test_feed_holds_the_episode_as_podcast_apps_read_it(tmp_path):
    result = render(settings(tmp_path))
    out = result.episode.parent
    feed = parse(out / "feed.xml")
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert feed["title"] == "Test show" and feed["language"] == "zh-cn"
    assert feed["itunes_categories"] == [["Technology"]] and feed["explicit"] is False
    assert local(feed["cover_url"]) == out / "short-panel.png"
    [episode] = feed["episodes"]
    assert episode["title"] == "Short panel" and episode["guid"] == guid("short-panel")
    assert episode["published"] == datetime(2017, 12, 8, tzinfo=UTC).timestamp()
    [enclosure] = episode["enclosures"]
    assert local(enclosure["url"]) == result.episode
    assert enclosure["file_size"] == result.episode.stat().st_size and enclosure["mime_type"] == "audio/mpeg"
    assert episode["total_time"] == round(manifest["duration_ms"] / 1000)
    assert local(episode["episode_art_url"]) == out / manifest["files"]["cover"]


def test_feedparser_reads_chapters_and_enclosure_that_resolve_to_the_files(tmp_path):
    result = render(settings(tmp_path))
    out = result.episode.parent
    parsed = feedparser.parse(str(out / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = parsed.entries
    chapters = out / entry.podcast_chapters["url"]
    assert entry.podcast_chapters["type"] == "application/json+chapters"
    assert json.loads(chapters.read_text(encoding="utf-8"))["chapters"][0]["startTime"] == 0
    [enclosure] = [link for link in entry.links if link.rel == "enclosure"]
    assert (out / enclosure.href).stat().st_size == int(enclosure.length)
    seconds = (json.loads(result.manifest.read_text(encoding="utf-8"))["duration_ms"] + 500) // 1000
    assert entry.itunes_duration == f"00:00:{seconds:02d}" and 5 <= seconds < 60


def test_transcripts_and_persons_follow_the_podcasting_2_namespace(tmp_path):
    result = render(settings(tmp_path))
    out = result.episode.parent
    item = ET.parse(out / "feed.xml").getroot().find("channel/item")
    transcripts = {t.get("type"): t.get("url") for t in item.iter(f"{P}transcript")}
    assert transcripts == {"text/vtt": "short-panel.vtt", "application/x-subrip": "short-panel.srt"}
    assert all((out / url).is_file() for url in transcripts.values())
    persons = [(p.text, p.get("role"), p.get("group")) for p in item.iter(f"{P}person")]
    assert persons == [("Joseph Gonzalez", "guest", "cast"), ("Dawn Song", "guest", "cast"),
                       ("主持人", "host", "cast"), ("观众", "guest", "cast")]


def test_two_transcripts_give_two_items_and_a_rerender_replaces_its_own(tmp_path):
    render(settings(tmp_path))
    second = second_transcript(tmp_path)
    render(settings(tmp_path, second))
    feed = parse(tmp_path / "out" / "feed.xml")
    assert sorted(e["title"] for e in feed["episodes"]) == ["Second panel", "Short panel"]
    before = {e["guid"]: e for e in feed["episodes"]}
    second.write_text(second.read_text(encoding="utf-8") + "\nM: Thanks, and one more question for everyone?\n",
                      encoding="utf-8")
    result = render(settings(tmp_path, second))
    after = {e["guid"]: e for e in parse(tmp_path / "out" / "feed.xml")["episodes"]}
    assert after.keys() == before.keys()
    mine = after[guid("second-panel")]
    assert mine["enclosures"][0]["file_size"] == result.episode.stat().st_size
    assert mine["total_time"] > before[guid("second-panel")]["total_time"]
    assert mine["published"] == before[guid("second-panel")]["published"]  # undated: keeps its first date
    assert after[guid("short-panel")] == before[guid("short-panel")]


def test_rewriting_the_same_folder_gives_the_same_bytes(tmp_path):
    render(settings(tmp_path))
    render(settings(tmp_path, second_transcript(tmp_path)))
    feed = tmp_path / "out" / "feed.xml"
    first = feed.read_bytes()
    write_feed(tmp_path / "out", now=datetime(2030, 1, 1, tzinfo=UTC))
    assert feed.read_bytes() == first


def test_base_url_makes_every_link_absolute(tmp_path):
    render(settings(tmp_path, base_url="https://example.org/pod"))
    root = ET.parse(tmp_path / "out" / "feed.xml").getroot()
    item = root.find("channel/item")
    assert root.findtext("channel/link") == "https://example.org/pod/"
    assert root.findtext(f"channel/{P}guid") == "8aa0692c-04e5-512f-ade5-e8788219ab95"
    assert item.find("enclosure").get("url") == "https://example.org/pod/short-panel.mp3"
    assert item.find(f"{P}chapters").get("url") == "https://example.org/pod/short-panel.chapters.json"
    assert root.find("channel/{http://www.w3.org/2005/Atom}link").get("href") == "https://example.org/pod/feed.xml"
    assert root.find("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}image").get("href") == \
        "https://example.org/pod/short-panel.png"


@pytest.mark.parametrize("url", ["example.org/pod", "ftp://example.org/", "file:///tmp/x", "https://"])
def test_bad_base_url_fails_before_anything_is_written(tmp_path, url):
    with pytest.raises(ExportError, match="not an http"):
        render(settings(tmp_path, base_url=url))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_manifests_that_are_not_episodes_are_ignored(tmp_path):
    render(settings(tmp_path))
    out = tmp_path / "out"
    (out / "notes.json").write_text('{"hello": 1}')
    (out / "broken.json").write_text("{")
    (out / "gone.json").write_text(json.dumps({"manifest_version": 1, "files": {"episode": "gone.mp3"}}))
    write_feed(out)
    assert [e["title"] for e in parse(out / "feed.xml")["episodes"]] == ["Short panel"]


def test_feed_of_a_fixed_timeline_matches_the_golden_file():
    episodes = [json.loads((GOLDEN / "feed-episodes.json").read_text(encoding="utf-8"))]
    data = build_feed(episodes, "https://example.org/pod/", {}, datetime(2030, 1, 1, tzinfo=UTC))
    golden = GOLDEN / "feed.xml"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_bytes(data)
    assert data.decode() == golden.read_text(encoding="utf-8")


def test_show_guid_follows_the_podcasting_2_rule():
    from audio_pipeline.export.feed import PodcastIndexExtension

    # the namespace's own example
    assert PodcastIndexExtension().guid("https://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


@pytest.mark.integration
def test_render_command_takes_base_url(tmp_path):
    from conftest import run_cli

    result = run_cli("render", str(DATA / "short-panel.txt"), "--out", str(tmp_path / "out"),
                     "--base-url", "http://192.168.1.20:8000/", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with (tmp_path / "out" / "feed.xml").open("rb") as stream:
        feed = podcastparser.parse("http://192.168.1.20:8000/feed.xml", stream)
    [enclosure] = feed["episodes"][0]["enclosures"]
    assert enclosure["url"] == "http://192.168.1.20:8000/short-panel.mp3"
    assert enclosure["file_size"] == (tmp_path / "out" / "short-panel.mp3").stat().st_size
