"""The episode page in headless Chromium (Debian's, driven by Playwright), served by `serve`.

Skipped, with the reason in pytest's summary, where Playwright or Chromium is missing.
"""

from __future__ import annotations

import html
import json
import shutil
import threading
from pathlib import Path

import pytest
import webvtt

from audio_pipeline import render
from audio_pipeline.serve import make_server
from audio_pipeline.settings import Settings

pytestmark = pytest.mark.integration
DATA = Path(__file__).parent / "data"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    pytest.skip("no Chromium to test the page in: install Debian's chromium (apt-get install chromium; "
                "make test does it when run as root)")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[test]'")
    executable = _chromium()
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as exc:
            pytest.skip(f"Chromium ({executable}) did not start: {str(exc).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A short real render (eSpeak NG, three speakers, three chapters) served over HTTP."""
    tmp = tmp_path_factory.mktemp("page-browser")
    result = render(Settings(transcript=DATA / "page-panel.txt", out_dir=tmp / "out", cache_dir=tmp / "cache",
                             min_chapter_seconds=0))  # a 40-second show with three questions
    server = make_server(tmp / "out", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", result
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser, site):
    """The index page, loaded and its audio's metadata read; fails on any console error afterwards."""
    base, _ = site
    tab = browser.new_page(viewport={"width": 390, "height": 844})
    problems, requests = [], []
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(base)
    tab.wait_for_function("document.getElementById('player').readyState >= 1", timeout=30_000)
    yield tab
    tab.close()
    assert problems == []
    assert all(url.startswith(base) for url in requests), requests  # nothing from the network


def _manifest(site) -> dict:
    return json.loads(site[1].manifest.read_text(encoding="utf-8"))


def _vtt_cues(site) -> list[tuple[float, float, str, str]]:
    """The VTT's cues read back with webvtt-py: (start, end, speaker, text)."""
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    vtt = site[1].episode.with_suffix(".vtt")
    return [(seconds(c.start), seconds(c.end), c.voice, html.unescape(c.text)) for c in webvtt.read(str(vtt))]


def _seek_and_wait(tab, t: float) -> None:
    tab.evaluate("""t => new Promise(done => {
        const audio = document.getElementById('player');
        audio.pause();
        audio.addEventListener('timeupdate', () => done(), {once: true});
        audio.currentTime = t;
    })""", t)


def test_every_chapter_is_listed(page, site):
    titles = page.locator("#chapters .chapter .title").all_inner_texts()
    assert titles == [c["title"] for c in _manifest(site)["chapters"]] and len(titles) >= 3


def test_clicking_chapter_3_seeks_to_its_start(page, site):
    start = _manifest(site)["chapters"][2]["start_ms"] / 1000
    page.evaluate("""() => { window.seekedAt = new Promise(done => document.getElementById('player')
        .addEventListener('seeked', e => done(e.target.currentTime), {once: true})); }""")
    page.locator("#chapters .chapter").nth(2).click()
    assert page.evaluate("window.seekedAt") == pytest.approx(start, abs=0.05)
    assert "current" in page.locator("#chapters .chapter").nth(2).get_attribute("class")


def test_clicking_the_speaker_timeline_seeks(page, site):
    run = page.locator("#timeline .run").nth(3)
    start = float(run.get_attribute("data-start"))
    page.evaluate("""() => { window.seekedAt = new Promise(done => document.getElementById('player')
        .addEventListener('seeked', e => done(e.target.currentTime), {once: true})); }""")
    run.click()
    assert page.evaluate("window.seekedAt") == pytest.approx(start, abs=0.05)
    lanes = page.locator("#timeline .lane-name").all_inner_texts()
    assert sorted(lanes) == sorted(s["name"] for s in _manifest(site)["speakers"])


def test_the_highlighted_cue_follows_the_player(page, site):
    cues = _vtt_cues(site)
    assert len(page.locator("#transcript .cue").all()) == len(cues)
    for start, end, speaker, text in (cues[1], cues[3], cues[len(cues) // 2], cues[-1]):
        _seek_and_wait(page, (start + end) / 2)
        current = page.locator("#transcript .cue.current")
        assert current.count() == 1
        assert current.text_content() == text and current.get_attribute("data-speaker") == speaker
        assert page.locator("#now-speaker").text_content() == speaker
        assert page.locator("#now-text").text_content() == text


def test_markup_in_the_transcript_is_shown_as_text(page):
    assert page.locator("script").count() == 2  # the data and the code, nothing injected
    shown = page.locator("#transcript .cue", has_text="</script>")
    assert shown.count() == 1 and shown.text_content() == "I still type </script> by hand."
    assert page.locator("#transcript .cue", has_text="&").count() == 1


def test_the_cover_is_shown_and_the_feed_linked(page, site):
    cover = _manifest(site)["files"]["cover"]
    image = page.locator("img.cover")
    assert image.get_attribute("src") == cover
    page.wait_for_function("document.querySelector('img.cover').complete", timeout=30_000)
    width, height = page.evaluate("() => { const i = document.querySelector('img.cover');"
                                  " return [i.naturalWidth, i.naturalHeight]; }")
    assert width == height >= 1400  # loaded and decoded by the browser
    assert page.locator("a[href='feed.xml']").count() == 1
