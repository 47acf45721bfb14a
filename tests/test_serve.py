"""`serve`: byte ranges, content types and nothing outside the folder, over real HTTP."""

from __future__ import annotations

import http.client
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from audio_pipeline.errors import AudioPipelineError
from audio_pipeline.serve import make_server

BODY = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable
TYPES = {"ep.mp3": "audio/mpeg", "ep.m4b": "audio/mp4", "ep.opus": "audio/ogg", "ep.vtt": "text/vtt",
         "ep.srt": "application/x-subrip", "ep.json": "application/json", "ep.chapters.json": "application/json",
         "feed.xml": "application/rss+xml", "index.html": "text/html", "ep.html": "text/html",
         "ep.jpg": "image/jpeg", "ep.png": "image/png"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("serve")
    (base / "secret.txt").write_text("outside", encoding="utf-8")
    folder = base / "out"
    folder.mkdir()
    for name in TYPES:
        (folder / name).write_bytes(BODY)
    (folder / "sub").mkdir()
    (folder / "sub" / "clip.mp3").write_bytes(BODY[:10])
    (folder / ".ep.mp3.123.abc.part").write_bytes(b"half")
    os.symlink(base / "secret.txt", folder / "leak.txt")
    os.symlink(base, folder / "up")
    os.symlink(folder / "ep.mp3", folder / "alias.mp3")  # inside the folder: fine
    server = make_server(folder, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, path: str, headers: dict | None = None, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})  # the path goes out exactly as written
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_whole_file(site):
    status, headers, body = get(site, "/ep.mp3")
    assert status == 200 and body == BODY
    assert headers["Content-Length"] == str(len(BODY)) and headers["Accept-Ranges"] == "bytes"


@pytest.mark.parametrize(("header", "first", "last"), [("bytes=0-99", 0, 99), ("bytes=100-", 100, 1023),
                                                       ("bytes=-50", 974, 1023), ("bytes=1000-5000", 1000, 1023)])
def test_ranges_are_206_with_the_right_bytes(site, header, first, last):
    status, headers, body = get(site, "/ep.mp3", {"Range": header})
    assert status == 206
    assert headers["Content-Range"] == f"bytes {first}-{last}/{len(BODY)}"
    assert body == BODY[first:last + 1] and headers["Content-Length"] == str(last - first + 1)


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_unsatisfiable_ranges_are_416(site, header):
    status, headers, _ = get(site, "/ep.mp3", {"Range": header})
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(BODY)}"


def test_if_range_with_another_date_sends_the_whole_file(site):
    _, headers, _ = get(site, "/ep.mp3")
    assert get(site, "/ep.mp3", {"Range": "bytes=0-9", "If-Range": headers["Last-Modified"]})[0] == 206
    status, _, body = get(site, "/ep.mp3", {"Range": "bytes=0-9", "If-Range": "Thu, 01 Jan 1970 00:00:00 GMT"})
    assert status == 200 and body == BODY


def test_head_sends_headers_only(site):
    status, headers, body = get(site, "/ep.mp3", {"Range": "bytes=0-9"}, method="HEAD")
    assert status == 206 and headers["Content-Length"] == "10" and body == b""


@pytest.mark.parametrize(("name", "kind"), sorted(TYPES.items()))
def test_content_types(site, name, kind):
    status, headers, _ = get(site, "/" + name)
    assert status == 200 and headers["Content-Type"].split(";")[0] == kind


def test_folder_root_is_the_page_and_subfolders_work(site):
    assert get(site, "/")[2] == BODY  # index.html
    assert get(site, "/sub/clip.mp3")[2] == BODY[:10]
    assert get(site, "/alias.mp3")[0] == 200


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/..", "/sub/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
    "/%2e%2E/secret.txt", "/.%2e/secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt",
    "/..%2Fsecret.txt", "/%2e%2e%2fsecret.txt", "/..%5csecret.txt", "/..\\secret.txt", "/sub\\clip.mp3",
    "//etc/passwd", "/%2fetc/passwd", "/%2Fetc%2Fpasswd", "/etc/passwd", "/C:/Windows/win.ini",
    "/ep.mp3%00", "/ep.mp3%00.txt", "/leak.txt", "/up/secret.txt", "/sub",
    "/.ep.mp3.123.abc.part", "/%ff%fe", "http://127.0.0.1/ep.mp3", "/missing.mp3",
])
def test_nothing_outside_the_folder(site, path):
    status, _, body = get(site, path)
    assert status == 404
    assert b"outside" not in body and b"root:" not in body


def test_missing_or_file_folder_is_our_error(tmp_path):
    with pytest.raises(AudioPipelineError, match="no such folder"):
        make_server(tmp_path / "nope", port=0)
    (tmp_path / "file").write_text("x")
    with pytest.raises(AudioPipelineError, match="not a folder"):
        make_server(tmp_path / "file", port=0)


def _cli(*args: str, **kw) -> subprocess.Popen:
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(repo)}
    return subprocess.Popen([sys.executable, "-m", "audio_pipeline", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_cli_prints_the_feed_url_and_stops_cleanly_on_ctrl_c(tmp_path):
    (tmp_path / "feed.xml").write_text("<rss/>", encoding="utf-8")
    proc = _cli("serve", str(tmp_path), "--port", "0")
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        seen = []
        while not any("feed:" in line for line in seen):
            seen.append(lines.get(timeout=60))  # bounded: a hung server fails the test, not the run
        feed = re.search(r"feed: (http://\S+)", "".join(seen))[1]
        assert feed.startswith("http://127.0.0.1:") and feed.endswith("/feed.xml")
        with urllib.request.urlopen(feed, timeout=10) as response:
            assert response.read() == b"<rss/>"
            assert response.headers["Content-Type"] == "application/rss+xml"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and "Traceback" not in err


def test_cli_missing_folder_is_one_line(tmp_path):
    proc = _cli("serve", str(tmp_path / "nope"), "--port", "0")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and err.strip().count("\n") == 0
    assert err.startswith("error:") and "no such folder" in err
