"""``feed.xml``: an RSS 2.0 podcast feed of every episode in the output folder.

Built with feedgen (its iTunes ``podcast`` extension) and :class:`PodcastIndexExtension`, a small
feedgen extension for the Podcasting 2.0 namespace (chapters, transcripts, persons). The feed is
made from the manifests (``<slug>.json``) found in the folder, so a render adds or replaces its
own item and keeps the others.

The same folder gives the same bytes: items are ordered by date then slug, a guid is derived from
the slug, a pubDate is the transcript's date (or, without one, the date the item first got, kept
from the feed already there), and lastBuildDate is the newest pubDate rather than the time of writing.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension

from .. import __version__
from ..errors import ExportError
from ..files import write_bytes_if_changed

FEED_NAME = "feed.xml"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
CHAPTERS_TYPE = "application/json+chapters"
_AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4b": "audio/x-m4a", ".m4a": "audio/x-m4a", ".opus": "audio/ogg"}
#: Podcasting 2.0 person roles (group "cast") by the speaker's role in the transcript.
_PERSON_ROLES = {"moderator": "host", "host": "host", "panelist": "guest", "guest": "guest",
                 "audience": "guest", "narrator": "narrator"}
#: Apple Podcasts' top-level categories: the transcript's category when it is one, else the default.
APPLE_CATEGORIES = ("Arts", "Business", "Comedy", "Education", "Fiction", "Government", "History",
                    "Health & Fitness", "Kids & Family", "Leisure", "Music", "News", "Religion & Spirituality",
                    "Science", "Society & Culture", "Sports", "Technology", "True Crime", "TV & Film")
DEFAULT_CATEGORY = "Technology"


#: The namespace of ``podcast:guid`` values (Podcasting 2.0: a UUIDv5 of the feed's URL).
_FEED_GUID_NS = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


class PodcastIndexExtension(BaseExtension):
    """feedgen extension: the ``podcast`` namespace and the channel's ``podcast:guid``."""

    def __init__(self) -> None:
        self._guid: str | None = None

    def guid(self, feed_url: str) -> str:
        """Set the show's ``podcast:guid`` from its feed URL (scheme and trailing slashes dropped)."""
        bare = re.sub(r"^[a-z][a-z0-9+.-]*://", "", feed_url, flags=re.I).rstrip("/")
        self._guid = str(uuid.uuid5(_FEED_GUID_NS, bare))
        return self._guid

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, feed):
        from feedgen.util import xml_elem

        if self._guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", feed[0]).text = self._guid
        return feed


class PodcastIndexEntryExtension(BaseEntryExtension):
    """feedgen entry extension: ``podcast:chapters``, ``podcast:transcript`` and ``podcast:person``."""

    def __init__(self) -> None:
        self._chapters: dict | None = None
        self._transcripts: list[dict] = []
        self._persons: list[tuple[str, dict]] = []

    def chapters(self, url: str, type: str = CHAPTERS_TYPE) -> None:
        """The episode's chapters file (JSON chapters format)."""
        self._chapters = {"url": url, "type": type}

    def transcript(self, url: str, type: str, language: str | None = None, rel: str | None = None) -> None:
        """One transcript file (repeatable: one per format)."""
        attrs = {"url": url, "type": type}
        if language:
            attrs["language"] = language
        if rel:
            attrs["rel"] = rel
        self._transcripts.append(attrs)

    def person(self, name: str, role: str = "guest", group: str = "cast") -> None:
        """One person who speaks in the episode (repeatable)."""
        self._persons.append((name, {"role": role, "group": group}))

    def extend_rss(self, entry):
        # feedgen.util needs lxml.etree loaded first, which feedgen.feed does (it is running now)
        from feedgen.util import xml_elem

        if self._chapters:
            xml_elem(f"{{{PODCAST_NS}}}chapters", entry).attrib.update(self._chapters)
        for attrs in self._transcripts:
            xml_elem(f"{{{PODCAST_NS}}}transcript", entry).attrib.update(attrs)
        for name, attrs in self._persons:
            person = xml_elem(f"{{{PODCAST_NS}}}person", entry)
            person.attrib.update(attrs)
            person.text = name
        return entry


def check_base_url(base_url: str | None) -> None:
    """Fail early on a ``--base-url`` that podcast apps cannot fetch from."""
    if base_url is None:
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"base URL {base_url!r} is not an http(s) address",
                          hint="e.g. --base-url https://example.org/podcast/")


def guid(slug: str) -> str:
    """The item's guid: a name-based UUID of its slug, the same on every render and machine.

    >>> guid("systems-ml-workshop-panel")
    'urn:uuid:9ca4e953-07d1-56c1-a0dd-0f1de0bb5bc4'
    """
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'audio-pipeline:episode:{slug}')}"


def write_feed(folder: Path, base_url: str | None = None, *, now: datetime | None = None) -> Path:
    """Write ``folder/feed.xml`` atomically from every manifest in ``folder``; return its path.

    ``base_url`` is the folder's public address; without it every link is relative to the folder.
    ``now`` dates an item whose transcript has no date and that the feed does not hold yet.
    """
    return publish_feed(folder, base_url, now=now)[0]


def publish_feed(folder: Path, base_url: str | None = None, *,
                 now: datetime | None = None) -> tuple[Path, list[dict]]:
    """:func:`write_feed`, also returning the folder's episodes (as :func:`read_episodes` gives them)
    in the feed's order, newest first, for what else lists them (``index.html``): the manifests and
    the old feed are read once."""
    dest = folder / FEED_NAME
    check_base_url(base_url)
    now = now or datetime.now(UTC).replace(microsecond=0)
    dated = _dated(read_episodes(folder), _previous_dates(dest), now)
    data = _feed_bytes(dated, base_url, now)
    write_bytes_if_changed(dest, data)
    return dest, [episode for _, episode in dated]


def read_episodes(folder: Path) -> list[dict]:
    """The manifests in ``folder`` whose episode file is there, each with its ``slug`` and the
    episode's ``length`` in bytes."""
    found = []
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".chapters.json"):
            continue
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict) or "manifest_version" not in manifest:
                continue
            length = (folder / manifest["files"]["episode"]).stat().st_size
            found.append({**manifest, "slug": path.stem, "length": length})
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not ours, its episode deleted, or half a manifest: no item rather than a broken feed
    return found


def build_feed(episodes: list[dict], base_url: str | None, previous: dict[str, datetime], now: datetime) -> bytes:
    """The feed's bytes for ``episodes`` (as :func:`read_episodes` gives them); ``previous`` maps a
    guid to the pubDate it already has."""
    return _feed_bytes(_dated(episodes, previous, now), base_url, now)


def _dated(episodes: list[dict], previous: dict[str, datetime], now: datetime) -> list[tuple[datetime, dict]]:
    """Each episode with its pubDate, newest first (then by slug, so the order is total)."""
    return sorted(((_pub_date(e, previous, now), e) for e in episodes), key=lambda d: (d[0], d[1]["slug"]),
                  reverse=True)


def _feed_bytes(dated: list[tuple[datetime, dict]], base_url: str | None, now: datetime) -> bytes:
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/") + "/" if base_url else ""
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastindex", PodcastIndexExtension, PodcastIndexEntryExtension)
    lead = dated[0][1] if dated else {}
    show = lead.get("show") or lead.get("title") or "audio_pipeline"
    fg.title(show)
    fg.description(f"{show}: written discussions, read by synthesized voices.")
    if base:
        fg.link(href=base + FEED_NAME, rel="self")
        fg.podcastindex.guid(base + FEED_NAME)
    fg.link(href=base or "./")  # feedgen makes the last link the channel's <link>
    fg.language(_language(lead.get("language", "en")))
    fg.generator("audio_pipeline", version=__version__)
    fg.podcast.itunes_author(show)
    fg.podcast.itunes_explicit("no")
    category = lead.get("category") if lead.get("category") in APPLE_CATEGORIES else DEFAULT_CATEGORY
    fg.podcast.itunes_category(category)
    cover = lead.get("files", {}).get("cover")
    if cover:
        fg.image(url=base + quote(cover), title=show, link=base or "./")
        fg.podcast.itunes_image(base + quote(cover))
    fg.lastBuildDate(dated[0][0] if dated else now)
    for published, episode in dated:
        _add_item(fg, episode, published, base)
    return fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)


def _add_item(fg, episode: dict, published: datetime, base: str) -> None:
    files = episode["files"]
    def folder_url(relative: str) -> str:
        return base + quote(relative)

    title = episode.get("title") or episode["slug"]
    names = [s["name"] for s in episode.get("speakers", []) if s.get("role") != "pseudo"]
    entry = fg.add_entry(order="append")
    entry.guid(guid(episode["slug"]), permalink=False)
    entry.title(title)
    entry.description(_description(episode, names))
    if episode.get("source_url"):
        entry.link(href=episode["source_url"])
    entry.pubDate(published)
    suffix = Path(files["episode"]).suffix.lower()
    entry.enclosure(folder_url(files["episode"]), str(episode["length"]), _AUDIO_TYPES.get(suffix, "audio/mpeg"))
    entry.podcast.itunes_duration(_hms(episode.get("duration_ms", 0)))
    entry.podcast.itunes_explicit("no")
    if files.get("cover"):
        entry.podcast.itunes_image(folder_url(files["cover"]))
    ext = entry.podcastindex
    if files.get("chapters"):
        ext.chapters(folder_url(files["chapters"]))
    language = episode.get("language") or None
    if files.get("vtt"):
        ext.transcript(folder_url(files["vtt"]), "text/vtt", language, "captions")
    if files.get("srt"):
        ext.transcript(folder_url(files["srt"]), "application/x-subrip", language, "captions")
    for speaker in episode.get("speakers", []):
        role = _PERSON_ROLES.get(speaker.get("role", "panelist"))
        if role:
            ext.person(speaker["name"], role)


def _description(episode: dict, names: list[str]) -> str:
    lines = [f"{episode.get('title') or episode['slug']}" + (f" ({episode['show']})" if episode.get("show") else "")]
    if names:
        lines.append("Speakers: " + ", ".join(names) + ".")
    chapters = [c["title"] for c in episode.get("chapters", [])]
    if chapters:
        lines.append("Chapters: " + "; ".join(chapters))
    if episode.get("source_url"):
        lines.append(f"Source: {episode['source_url']}")
    return "\n".join(lines)


def _pub_date(episode: dict, previous: dict[str, datetime], now: datetime) -> datetime:
    """The transcript's date (UTC when it names no zone); else the date the feed already gives the
    item; else ``now``."""
    raw = str(episode.get("date") or "").strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?", raw)
    if m:
        try:
            parts = [int(p) if p else 0 for p in m.groups()]
            return datetime(*parts[:3], parts[3], parts[4], parts[5], tzinfo=UTC)
        except ValueError:
            pass
    return previous.get(guid(episode["slug"]), now)


def _previous_dates(feed: Path) -> dict[str, datetime]:
    """guid → pubDate of the feed already in the folder (nothing if there is none or it is unreadable)."""
    try:
        root = ET.parse(feed).getroot()
    except (OSError, ET.ParseError):
        return {}
    dates = {}
    for item in root.iter("item"):
        key, date = item.findtext("guid"), item.findtext("pubDate")
        try:
            if key and date:
                dates[key.strip()] = parsedate_to_datetime(date.strip()).astimezone(UTC)
        except (TypeError, ValueError):
            continue
    return dates


def _language(code: str) -> str:
    return {"zh": "zh-cn"}.get(code, code or "en")


def _hms(ms: int) -> str:
    seconds = (int(ms) + 500) // 1000
    h, rest = divmod(seconds, 3600)
    return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"
