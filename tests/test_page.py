"""The episode page: escaping (read back with an HTML parser), index and episode list, golden data."""

from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audio_pipeline import render
from audio_pipeline.export.page import page_data, render_page, write_page
from audio_pipeline.settings import Settings

DATA = Path(__file__).parent / "data"


class _Reader(HTMLParser):
    """Collects what a browser would see: script bodies, cue texts and attributes, image sources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[list] = []
        self.cues: list[dict] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self._in: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append([attrs.get("type"), ""])
        elif tag == "span" and "cue" in (attrs.get("class") or "").split():
            self.cues.append({**attrs, "text": ""})
            tag = "cue"
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "a":
            self.links.append(attrs["href"])
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts[-1][1] += data
        elif self._in == "cue":
            self.cues[-1]["text"] += data


def read_html(text: str) -> _Reader:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("page")
    s = Settings(transcript=DATA / "page-panel.txt", out_dir=tmp / "out", cache_dir=tmp / "cache", engine="fake",
                 jobs=1, min_chapter_seconds=0)
    return render(s).timeline


FILES = {"episode": "ep.mp3", "vtt": "ep.vtt", "srt": "ep.srt", "chapters": "ep.chapters.json"}
NASTY = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("<>&\"'/!-\u2028\u2029"),
                max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=NASTY, name=NASTY, title=NASTY)
def test_any_text_stays_text(timeline, text, name, title):
    pieces = list(timeline.pieces)
    pieces[0] = replace(pieces[0], piece=replace(pieces[0].piece, text="</script><!-- " + text))
    meta = replace(timeline.transcript.metadata, title=title or "t")
    cast = replace(timeline.cast, names=((pieces[0].piece.speaker, name or "n"),))
    nasty = replace(timeline, pieces=tuple(pieces), cast=cast, transcript=replace(timeline.transcript, metadata=meta))
    html = render_page(nasty, FILES)
    assert html.lower().count("</script") == 2 and "<!--" not in html
    page = read_html(html)
    assert [kind for kind, _ in page.scripts] == ["application/json", None]
    assert json.loads(page.scripts[0][1]) == page_data(nasty)
    assert page.cues[0]["text"] == "</script><!-- " + text and page.cues[0]["data-speaker"] == (name or "n")
    assert [c["text"] for c in page.cues] == [c[3] for c in page_data(nasty)["cues"]]


def test_page_data_golden(timeline, golden):
    golden("page-panel.page.json", page_data(timeline))


def test_cover_and_feed_are_used_when_present(timeline, tmp_path):
    bare = read_html(render_page(timeline, FILES))
    assert bare.images == [] and "feed.xml" not in bare.links
    full = read_html(render_page(timeline, {**FILES, "cover": "ep cover.jpg", "feed": "feed.xml"}))
    assert full.images == ["ep%20cover.jpg"] and "feed.xml" in full.links


def test_index_is_the_latest_render_and_lists_the_others(tmp_path):
    out = tmp_path / "out"
    texts = {"first": "# First episode - Show\n\nA: Hello there.\n\nB: Hi.\n",
             "second": "# Second episode - Show\n\nA: Good morning.\n\nB: Morning.\n"}
    for name, text in texts.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
        render(Settings(transcript=tmp_path / f"{name}.txt", out_dir=out, cache_dir=tmp_path / "cache",
                        engine="fake", jobs=1))
    manifest = json.loads((out / "second-episode.json").read_text(encoding="utf-8"))
    assert manifest["files"]["page"] == "second-episode.html"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>Second episode</h1>" in index and "first-episode.html" in read_html(index).links
    assert (out / "first-episode.html").is_file()
    first = read_html((out / "first-episode.html").read_text(encoding="utf-8"))
    assert "second-episode.html" not in first.links and "index.html" in first.links  # its own episode only
    assert "index.html" not in read_html(index).links


def test_write_page_takes_paths_in_the_folder(timeline, tmp_path):
    files = {k: tmp_path / v for k, v in FILES.items()} | {"clips": [tmp_path / "c" / "1.mp3"]}
    dest = write_page(timeline, tmp_path, files)
    assert dest == tmp_path / "ep.html"
    assert '<source src="ep.mp3" type="audio/mpeg">' in dest.read_text(encoding="utf-8")
