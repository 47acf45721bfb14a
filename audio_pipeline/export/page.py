"""The episode page: ``<slug>.html`` and ``index.html``, static and self-contained (inline CSS and JS).

A player, the chapters, a speaker timeline and the transcript (the captions' own cues) with the
current sentence highlighted as it plays. Every text from the transcript goes into the HTML through
:func:`html.escape` and into the embedded JSON through :func:`json_for_script`, so ``</script>``,
``<!--`` or ``&`` in a transcript stay text. An episode's page depends on that episode alone;
``index.html`` is the page of the folder's newest episode (in the feed's order) followed by a list of
the others, rewritten from the folder's manifests after each render (once at the end of a batch).
"""

from __future__ import annotations

import colorsys
import json
from html import escape
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from ..files import write_bytes_if_changed, write_text_atomic
from ..model import Timeline
from ..text import sentence_gap
from .subtitles import cues

#: Speaker colours: Tableau's ten (readable on light and dark grounds), then two more.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#17becf", "#bcbd22", "#8c8c8c")
_AUDIO_TYPES = {".mp3": "audio/mpeg", ".m4b": "audio/mp4", ".opus": "audio/ogg"}
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                 0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_for_script(value) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&``,
    U+2028 or U+2029 is left literal, so no text can close the element or open a comment.

    >>> json_for_script({"t": "</script><!-- & \\u2028"})
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003c!-- \\\\u0026 \\\\u2028"}'
    """
    return json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES)


def speaker_colour(index: int) -> str:
    """The colour of the ``index``-th speaker (roster order); past the palette, golden-angle hues."""
    if index < len(PALETTE):
        return PALETTE[index]
    r, g, b = colorsys.hls_to_rgb((index * 0.618034) % 1.0, 0.55, 0.55)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def page_data(timeline: Timeline) -> dict:
    """What the page's script needs: speakers (name, colour), chapters and cues, times in seconds."""
    names = timeline.names
    order = {s.code: i for i, s in enumerate(timeline.transcript.speakers)}
    spoken = []
    for start, end, code, name, text in cues(timeline):
        if code not in order:  # a voice the roster lacks (a narrator) gets the next colour
            order[code] = len(order)
            names = {**names, code: name}
        spoken.append([start / 1000, end / 1000, order[code], text])
    return {
        "duration": timeline.duration_ms / 1000,
        "speakers": [{"code": code, "name": names[code], "colour": speaker_colour(i)} for code, i in order.items()],
        "chapters": [{"title": c.chapter.title, "start": timeline.ms(c.start) / 1000,
                      "end": timeline.ms(c.end) / 1000} for c in timeline.chapters],
        "cues": spoken,
    }


def write_page(timeline: Timeline, out: Path, files: dict, *, feed: str | None = None) -> Path:
    """Write the episode's page ``<slug>.html`` into ``out``; return its path.

    ``files`` are the render's outputs so far (paths in ``out`` or names relative to it): the
    episode, captions, chapters, and a cover when present. ``feed`` names the folder's feed when the
    render writes one (after the page); otherwise an existing ``feed.xml`` is linked.
    """
    names = {k: _relative(v, out) for k, v in files.items() if not isinstance(v, list)}
    slug = Path(names["episode"]).stem
    if feed or (out / "feed.xml").is_file():
        names.setdefault("feed", feed or "feed.xml")
    dest = out / f"{slug}.html"
    write_text_atomic(dest, render_page(timeline, names))
    return dest


def write_index(out: Path, episodes: list[dict]) -> Path | None:
    """Write ``out/index.html``: the page of the first of ``episodes`` (manifests, newest first, as
    :func:`audio_pipeline.export.feed.publish_feed` gives them) and a list of the others. Nothing
    is written when no episode has a page."""
    listed = [e for e in episodes if isinstance(e.get("files", {}).get("page"), str)
              and (out / e["files"]["page"]).is_file()]
    if not listed:
        return None
    page = (out / listed[0]["files"]["page"]).read_text(encoding="utf-8")
    page = page.replace(_ALL_EPISODES, "")
    if others := [_listed(out, e) for e in listed[1:]]:
        page = page.replace("\n</main>\n", "\n" + _episode_list(others) + "\n</main>\n", 1)
    dest = out / "index.html"
    write_bytes_if_changed(dest, page.encode("utf-8"))
    return dest


def render_page(timeline: Timeline, files: dict[str, str]) -> str:
    """The page as one HTML string (``files`` relative to the page's folder)."""
    meta = timeline.transcript.metadata
    data = page_data(timeline)
    episode = files["episode"]
    title = meta.title or Path(episode).stem
    head = f"{title} — {meta.show}" if meta.show else title
    parts = [_hero(timeline, data, files, title),
             f'<section class="player" aria-label="Player"><audio id="player" controls preload="metadata">'
             f'<source src="{_href(episode)}" type="{_AUDIO_TYPES.get(Path(episode).suffix, "audio/mpeg")}">'
             f'</audio><p class="now" aria-live="off"><span id="now-speaker"></span> <span id="now-text">'
             f'</span></p></section>',
             _speaker_timeline(data), _chapters(data), _transcript(data), _ALL_EPISODES]
    assets = resources.files(__package__) / "page_assets"
    css = (assets / "page.css").read_text(encoding="utf-8")
    js = (assets / "page.js").read_text(encoding="utf-8")
    return (f'<!DOCTYPE html>\n<html lang="{_attr(meta.language or "en")}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="color-scheme" content="light dark">\n<link rel="icon" href="data:,">\n<title>{escape(head)}</title>\n'
            f'<style>\n{css}</style>\n</head>\n<body>\n<main>\n' + "\n".join(parts) +
            f'\n</main>\n<footer>Made with audio_pipeline: offline voices (eSpeak NG), chapters from the '
            f'discussion\'s questions.</footer>\n'
            f'<script type="application/json" id="episode-data">{json_for_script(data)}</script>\n'
            f'<script>\n{js}</script>\n</body>\n</html>\n')


def _hero(timeline: Timeline, data: dict, files: dict[str, str], title: str) -> str:
    meta = timeline.transcript.metadata
    if files.get("cover"):
        cover = f'<img class="cover" src="{_href(files["cover"])}" alt="Cover of {_attr(title)}">'
    else:
        initial = (meta.show or title or "·").strip()[:1]
        cover = f'<div class="cover blank" aria-hidden="true">{escape(initial)}</div>'
    facts = [meta.date.split(" ")[0] if meta.date else "", _clock(data["duration"]),
             f'{len(data["speakers"])} speakers', f'{len(data["chapters"])} chapters']
    people = "".join(f'<li><span class="dot" style="--c:{s["colour"]}"></span>{escape(s["name"])}</li>'
                     for s in data["speakers"])
    links = [(_href(files["episode"]), f'Download {Path(files["episode"]).suffix[1:].upper()}'),
             *((_href(files[k]), label) for k, label in (("vtt", "Captions (VTT)"), ("srt", "Captions (SRT)"),
                                                        ("chapters", "Chapters (JSON)"), ("feed", "Podcast feed"))
               if files.get(k))]
    if meta.source_url.startswith(("http://", "https://")):
        links.append((_attr(meta.source_url), "Source"))
    nav = " · ".join(f'<a href="{href}"{" download" if label.startswith("Download") else ""}>{escape(label)}</a>'
                     for href, label in links if href)
    return (f'<header class="hero">{cover}<div class="intro">'
            + (f'<p class="show">{escape(meta.show)}</p>' if meta.show else "")
            + f'<h1>{escape(title)}</h1><p class="facts">{escape(" · ".join(f for f in facts if f))}</p>'
            f'<ul class="people">{people}</ul><nav class="links">{nav}</nav></div></header>')


def _speaker_timeline(data: dict) -> str:
    total = data["duration"] or 1
    runs: list[list] = []  # [speaker, start, end]: consecutive cues of one speaker
    for start, end, who, _text in data["cues"]:
        if runs and runs[-1][0] == who:
            runs[-1][2] = end
        else:
            runs.append([who, start, end])
    lanes = []
    for i, speaker in enumerate(data["speakers"]):
        blocks = "".join(
            f'<button class="run" data-start="{start:.3f}" style="left:{100 * start / total:.3f}%;'
            f'width:{max(0.25, 100 * (end - start) / total):.3f}%" title="{_attr(speaker["name"])} at '
            f'{_clock(start)}" aria-label="{_attr(speaker["name"])} at {_clock(start)}"></button>'
            for who, start, end in runs if who == i)
        if blocks:
            lanes.append(f'<div class="lane" style="--c:{speaker["colour"]}"><span class="lane-name">'
                         f'{escape(speaker["name"])}</span><div class="track">{blocks}</div></div>')
    marks = "".join(f'<span class="mark" style="left:{100 * c["start"] / total:.3f}%"></span>'
                    for c in data["chapters"][1:])
    return (f'<section id="timeline" aria-label="Who speaks when"><h2>Who speaks when</h2>'
            f'<div class="lanes">{"".join(lanes)}<div class="overlay" aria-hidden="true">{marks}'
            f'<span id="playhead"></span></div></div></section>')


def _chapters(data: dict) -> str:
    items = "".join(f'<li><button class="chapter" data-start="{c["start"]:.3f}"><span class="time">'
                    f'{_clock(c["start"])}</span> <span class="title">{escape(c["title"])}</span></button></li>'
                    for c in data["chapters"])
    return f'<section id="chapters"><h2>Chapters</h2><ol class="chapters">{items}</ol></section>'


def _transcript(data: dict) -> str:
    rows, previous = [], None
    for n, (start, end, who, text) in enumerate(data["cues"]):
        speaker = data["speakers"][who]
        if who != previous:
            if previous is not None:
                rows.append("</div>")
            rows.append(f'<div class="turn" style="--c:{speaker["colour"]}"><p class="who">'
                        f'{escape(speaker["name"])} <span class="time">{_clock(start)}</span></p>')
            previous = who
        rows.append(f'<span class="cue" id="cue-{n}" data-start="{start:.3f}" data-end="{end:.3f}" '
                    f'data-speaker="{_attr(speaker["name"])}">{escape(text)}</span>{sentence_gap(text)}')
    if rows:
        rows.append("</div>")
    return (f'<section id="transcript"><h2>Transcript</h2><div class="cues" tabindex="0">{"".join(rows)}'
            f'</div></section>')


#: The link from an episode's page to the folder's index (left out of the index itself).
_ALL_EPISODES = '<p class="all-episodes"><a href="index.html">All episodes</a></p>'


def _episode_list(others: list[dict]) -> str:
    items = "".join(f'<li><a href="{_href(o["href"])}">{escape(o["title"])}</a>'
                    f'<span class="facts">{escape(o["facts"])}</span></li>' for o in others)
    return f'<section id="episodes"><h2>More episodes</h2><ul class="episodes">{items}</ul></section>'


def _listed(out: Path, manifest: dict) -> dict:
    """How the index lists an episode: a link to its page, its title, date and duration."""
    date = str(manifest.get("date") or "")
    facts = " · ".join(f for f in (date.split(" ")[0], _clock((manifest.get("duration_ms") or 0) / 1000)) if f)
    return {"href": manifest["files"]["page"], "title": str(manifest.get("title") or manifest["slug"]),
            "facts": facts}


def _relative(value, out: Path) -> str:
    path = Path(value)
    return (path.relative_to(out) if path.is_absolute() or path.parts[:len(out.parts)] == out.parts
            else path).as_posix()


def _href(name: str) -> str:
    """A file name in the folder as an escaped relative URL."""
    return _attr(quote(name))


def _attr(text: str) -> str:
    return escape(str(text), quote=True)


def _clock(seconds: float) -> str:
    """``m:ss`` or ``h:mm:ss``."""
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
