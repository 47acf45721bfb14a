"""``audio-pipeline serve``: the output folder over HTTP, with byte ranges, for browsers and podcast apps.

The standard library's :mod:`http.server` does the HTTP; this module adds what it lacks for audio
(``Range`` → 206 Partial Content, so players can seek), podcast content types, and a stricter idea
of which paths exist: only regular files inside the folder, reached without ``..``, backslashes,
NUL, empty segments, hidden names or a symlink that leads out of it. Anything else is 404.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import AudioPipelineError

CONTENT_TYPES = {
    ".mp3": "audio/mpeg", ".m4b": "audio/mp4", ".m4a": "audio/mp4", ".opus": "audio/ogg", ".ogg": "audio/ogg",
    ".vtt": "text/vtt; charset=utf-8", ".srt": "application/x-subrip", ".json": "application/json",
    ".xml": "application/xml", ".rss": "application/rss+xml", ".html": "text/html; charset=utf-8",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".txt": "text/plain; charset=utf-8",
}
_FEED_NAMES = {"feed.xml"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class ServeError(AudioPipelineError, OSError):
    """The folder cannot be served (missing, not a folder, the port is taken)."""

    exit_code = 1


class _Handler(SimpleHTTPRequestHandler):
    """GET/HEAD of files in ``directory`` with single byte ranges; no listings, no writes."""

    server_version = "audio-pipeline"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # a player's range requests would flood the terminal

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def _respond(self, *, body: bool) -> None:
        path = self._resolve(self.path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        with f:
            stat = os.fstat(f.fileno())
            size, modified = stat.st_size, self.date_time_string(int(stat.st_mtime))
            span = _byte_range(self.headers.get("Range"), size)
            if span and self.headers.get("If-Range", modified) != modified:
                span = None  # the file changed since the client's first part: send it whole
            if span == "unsatisfiable":
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.send_header("Accept-Ranges", "bytes")
                self.end_headers()
                return
            start, end = span if span else (0, size - 1)
            self.send_response(HTTPStatus.PARTIAL_CONTENT if span else HTTPStatus.OK)
            self.send_header("Content-Type", _content_type(path))
            self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Accept-Ranges", "bytes")
            if span:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.send_header("Last-Modified", modified)
            self.send_header("Cache-Control", "no-cache")  # a re-render replaces files in place
            self.end_headers()
            if body and end >= start:
                f.seek(start)
                try:
                    _copy(f, self.wfile, end - start + 1)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # players drop range requests all the time

    def _resolve(self, target: str) -> Path | None:
        """The file a request target names, or None when it must be a 404."""
        root = Path(self.directory)
        raw = urlsplit(target).path if target.startswith("/") else None
        if raw is None:
            return None  # absolute-form (http://…) or '*'
        try:
            decoded = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        if "\\" in decoded or "\0" in decoded:
            return None
        parts = decoded.split("/")[1:]
        if parts and parts[-1] == "":
            parts[-1] = "index.html"  # a folder's page
        if any(p in ("", ".", "..") or p.startswith(".") or ":" in p for p in parts):
            return None  # '..', '//host/abs', hidden files (a render's .part files), drive letters
        path = root.joinpath(*parts) if parts else root / "index.html"
        real, real_root = os.path.realpath(path), os.path.realpath(root)
        if os.path.commonpath([real, real_root]) != real_root or not os.path.isfile(real):
            return None  # a symlink out of the folder, a folder, nothing
        return path


def _byte_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """``(first, last)`` for one satisfiable ``bytes=`` range, ``"unsatisfiable"``, or None for the
    whole file (no header, several ranges, or one we cannot read: RFC 9110 lets a server ignore it)."""
    m = _RANGE.match(header.strip()) if header else None
    if not m or m[1] == m[2] == "":
        return None
    if m[1] == "":  # bytes=-N: the last N bytes
        n = int(m[2])
        return (max(0, size - n), size - 1) if n and size else "unsatisfiable"
    first = int(m[1])
    last = min(int(m[2]), size - 1) if m[2] else size - 1
    if m[2] and int(m[2]) < first:
        return None
    return (first, last) if first < size else "unsatisfiable"


def _content_type(path: Path) -> str:
    if path.name in _FEED_NAMES:
        return "application/rss+xml"
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def _copy(src, dst, length: int) -> None:
    while length > 0:
        chunk = src.read(min(64 * 1024, length))
        if not chunk:
            break
        dst.write(chunk)
        length -= len(chunk)


def make_server(folder: Path, port: int = 8000, bind: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A server for ``folder`` on ``bind:port`` (port 0: any free one), not yet serving."""
    folder = Path(folder)
    if not folder.exists():
        raise ServeError("no such folder", path=str(folder), hint="render an episode first or give another DIR")
    if not folder.is_dir():
        raise ServeError("is not a folder", path=str(folder), hint="give the output folder, e.g. output")

    class _Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in bind else socket.AF_INET
        daemon_threads = True

    handler = _handler_for(folder.resolve())
    try:
        return _Server((bind, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {bind}:{port}: {exc.strerror or exc}",
                         hint="choose another --port (0 = any free port) or --bind address") from None


def _handler_for(root: Path) -> type[_Handler]:
    class Handler(_Handler):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

    return Handler


def urls(server: ThreadingHTTPServer) -> dict[str, list[str]]:
    """The page and feed URLs, for this machine and (bound to all interfaces) for the network."""
    host, port = server.server_address[:2]
    local = "127.0.0.1" if host in ("0.0.0.0", "") else "[::1]" if host == "::" else \
        f"[{host}]" if ":" in host else host
    hosts = [local]
    if host in ("0.0.0.0", "::", ""):
        lan = _lan_address()
        if lan:
            hosts.append(lan)
    bases = [f"http://{h}:{port}/" for h in hosts]
    return {"page": bases, "feed": [b + "feed.xml" for b in bases]}


def _lan_address() -> str | None:
    """This machine's address on its default route (a UDP connect sends no packet)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            return s.getsockname()[0]
    except OSError:
        return None


def serve(folder: Path, port: int = 8000, bind: str = "127.0.0.1",
          announce: Callable[[str], None] = print) -> None:
    """Serve ``folder`` until Ctrl-C, announcing the page and feed URLs first."""
    server = make_server(folder, port, bind)
    found = urls(server)
    folder = Path(folder)
    announce(f"Serving {folder.resolve()}")
    announce(f"  page: {found['page'][0]}" + ("" if (folder / "index.html").is_file() else "  (no index.html yet)"))
    announce(f"  feed: {found['feed'][0]}" + ("" if (folder / "feed.xml").is_file() else "  (no feed.xml yet)"))
    for page, feed in zip(found["page"][1:], found["feed"][1:]):
        announce(f"  on the network: page {page}  feed {feed}")
    announce("Paste the feed URL into a podcast app; Ctrl-C stops.")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
