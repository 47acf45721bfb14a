"""Cover art: a square image drawn from the show, the episode title and the speakers' names, or the
user's own image, checked.

Text is set in Noto Sans CJK (shipped by the ``noto-cjk-sans-otc`` package, SIL OFL 1.1), which has
Latin, Greek, Cyrillic and the CJK ideographs, kana and hangul. A character that the font lacks is
replaced by its base letter when it has one (``é`` → ``e``) and left out otherwise, so the cover never
shows a glyph box. The image depends only on its inputs and :data:`COVER_VERSION`: the same episode
gets the same bytes, and a drawn cover is kept in the cache so a warm render does not draw it again.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError

#: Bump when the drawing changes, so cached covers are redrawn.
COVER_VERSION = 1
SIZE = 1400
MIN_SIDE, MAX_SIDE = 1400, 3000

#: Face of the collection per language: the glyph shapes each region expects.
_FACES = {"ja": 0, "ko": 1, "zh": 2, "zh-tw": 3, "zh-hk": 4}
_PALETTES = (  # background, accent, text, muted text
    ((24, 32, 56), (242, 169, 59), (245, 245, 240), (178, 186, 204)),
    ((18, 52, 59), (94, 214, 180), (240, 248, 245), (160, 196, 190)),
    ((58, 22, 46), (255, 126, 121), (250, 240, 242), (206, 170, 186)),
    ((30, 30, 30), (120, 190, 255), (246, 246, 246), (180, 180, 180)),
    ((44, 36, 80), (250, 210, 90), (245, 242, 252), (186, 178, 214)),
)


@dataclass(frozen=True)
class Cover:
    """An encoded cover image."""

    data: bytes
    mime: str  # image/png or image/jpeg

    @property
    def extension(self) -> str:
        return "png" if self.mime == "image/png" else "jpg"


@dataclass(frozen=True)
class CoverText:
    """What the cover says, already reduced to characters the font can draw."""

    show: str
    title: str
    names: tuple[str, ...]

    def strings(self) -> tuple[str, ...]:
        return (self.show, self.title, *self.names)


def font_path() -> Path:
    """The font file the cover is set in (a collection of faces)."""
    import noto_cjk_sans_otc

    return Path(str(noto_cjk_sans_otc.FONT_PATH))


def face_index(language: str) -> int:
    """The face of the collection for ``language`` (simplified Chinese unless Japanese, Korean, …)."""
    return _FACES.get(language.lower(), _FACES.get(language.lower().split("-")[0], _FACES["zh"]))


@functools.cache
def font_characters(index: int) -> frozenset[int]:
    """Code points the face has a glyph for (read with fontTools: 0.3 s, hence the cover cache)."""
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(font_path()), lazy=True)
    return frozenset(collection.fonts[index]["cmap"].getBestCmap())


def drawable(text: str, characters: frozenset[int]) -> str:
    """``text`` with only characters the font has: others become their base letter or are left out.

    >>> drawable("Café 🎙 播客", frozenset(map(ord, "Cafe 播客")))
    'Cafe 播客'
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isspace():
            out.append(" ")
        elif ord(ch) in characters and unicodedata.category(ch)[0] != "C":
            out.append(ch)
        else:
            out.extend(c for c in unicodedata.normalize("NFKD", ch)
                       if ord(c) in characters and unicodedata.category(c)[0] not in "CM")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def cover_text(show: str, title: str, names: tuple[str, ...], language: str) -> CoverText:
    """The cover's strings, each drawable in the face for ``language``; a name with nothing
    drawable is left out."""
    chars = font_characters(face_index(language))
    kept = tuple(n for n in (drawable(name, chars) for name in names) if n)
    return CoverText(drawable(show, chars), drawable(title, chars) or "Episode", tuple(dict.fromkeys(kept)))


def cover_key(show: str, title: str, names: tuple[str, ...], language: str) -> str:
    """Cache key of a drawn cover: its inputs, the drawing's version and the libraries that draw it."""
    import PIL

    blob = json.dumps([COVER_VERSION, PIL.__version__, font_path().stat().st_size, show, title, list(names),
                       language], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def make_cover(show: str, title: str, names: tuple[str, ...], language: str, cache_dir: Path | None = None) -> Cover:
    """The episode's cover as PNG bytes, drawn (or taken from ``cache_dir`` when drawn before)."""
    cached = cache_dir / "covers" / f"{cover_key(show, title, names, language)}.png" if cache_dir else None
    if cached is not None:
        try:
            data = cached.read_bytes()
            if data.startswith(b"\x89PNG\r\n\x1a\n"):
                return Cover(data, "image/png")
        except OSError:
            pass
    data = draw_cover(cover_text(show, title, names, language), face_index(language))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}.part")
            tmp.write_bytes(data)
            os.replace(tmp, cached)
        except OSError:
            pass  # a cache that cannot be written only costs the next render a redraw
    return Cover(data, "image/png")


_MARGIN = 110
_BARS_TOP = SIZE - _MARGIN - 420


def cover_layout(text: CoverText, face: int) -> list[tuple[tuple[int, int], str, int, str]]:
    """Every string the cover draws: ((x, y), string, font size, colour role), top to bottom.

    The show on top (two lines at most), the title below it in the largest size that fits above
    the bars (its last line cut with an ellipsis if even the smallest does not), the names at the
    bottom (three lines at most).
    """
    width = SIZE - 2 * _MARGIN
    placed = []
    y = _MARGIN
    if text.show:
        for line in wrap(text.show, _font(face, 64), width)[:2]:
            placed.append(((_MARGIN, y), line, 64, "muted"))
            y += 84
    y += 90  # the accent rule sits in this gap
    for size in (132, 116, 100, 88, 76, 64):
        font = _font(face, size)
        lines = wrap(text.title, font, width)
        room = max(1, (_BARS_TOP - 40 - y) // int(size * 1.25))
        if len(lines) <= room:
            break
    if len(lines) > room:
        lines = lines[:room - 1] + [_ellipsize(lines[room - 1], font, width)]
    for line in lines:
        placed.append(((_MARGIN, y), line, size, "ink"))
        y += int(size * 1.25)
    name_lines = wrap_items(text.names, _font(face, 52), width, "  ·  ")[:3]
    y = SIZE - _MARGIN - 66 * len(name_lines) + 10
    for line in name_lines:
        placed.append(((_MARGIN, y), line, 52, "muted"))
        y += 66
    return placed


def draw_cover(text: CoverText, face: int) -> bytes:
    """Draw the cover (:func:`cover_layout`, an accent rule and a row of level bars) as PNG bytes."""
    from PIL import Image, ImageDraw

    seed = hashlib.sha256(f"{text.show}\n{text.title}".encode()).digest()
    bg, accent, ink, muted = _PALETTES[seed[0] % len(_PALETTES)]
    colours = {"ink": ink, "muted": muted}
    image = Image.new("RGB", (SIZE, SIZE), bg)
    draw = ImageDraw.Draw(image)
    rule = _MARGIN + 84 * min(2, len(wrap(text.show, _font(face, 64), SIZE - 2 * _MARGIN))) if text.show else _MARGIN
    draw.rectangle((_MARGIN, rule + 24, _MARGIN + 160, rule + 36), fill=accent)
    for xy, string, size, role in cover_layout(text, face):
        draw.text(xy, string, font=_font(face, size), fill=colours[role])
    _draw_bars(draw, seed, len(text.names) or 1, _MARGIN, _BARS_TOP, SIZE - 2 * _MARGIN, 150, accent, muted)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _draw_bars(draw, seed: bytes, speakers: int, x: int, y: int, width: int, height: int, accent, muted) -> None:
    """A row of level bars, one colour band per speaker: a nod to a waveform, fixed by the seed."""
    count = 48
    step = width / count
    for i in range(count):
        level = 0.2 + 0.8 * seed[(i * 7) % len(seed)] / 255
        h = int(height * level)
        colour = accent if (i * speakers // count) % 2 == 0 else muted
        left = int(x + i * step)
        draw.rectangle((left, y + height - h, left + int(step * 0.6), y + height), fill=colour)


@functools.cache
def _font(face: int, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path()), size, index=face)


def wrap(text: str, font, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``: Latin breaks between words, CJK between characters."""
    tokens = re.findall(r"[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF]|[^\s\u2E80-\u9FFF\uAC00-\uD7AF"
                        r"\uF900-\uFAFF\uFF00-\uFFEF]+|\s+", text)
    lines, line = [], ""
    for token in _split_long(tokens, font, width):
        candidate = line + token
        if line and font.getlength(candidate.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _split_long(tokens: list[str], font, width: int) -> list[str]:
    """Words wider than a line, cut between characters."""
    out = []
    for token in tokens:
        while font.getlength(token) > width and len(token) > 1:
            cut = 1
            while cut < len(token) and font.getlength(token[:cut + 1]) <= width:
                cut += 1
            out.append(token[:cut])
            token = token[cut:]
        out.append(token)
    return out


def wrap_items(items: tuple[str, ...], font, width: int, separator: str) -> list[str]:
    """Lines of ``items`` joined by ``separator``, breaking between items (inside one only if it is
    wider than a line)."""
    lines: list[str] = []
    for item in items:
        candidate = f"{lines[-1]}{separator}{item}" if lines else item
        if lines and font.getlength(candidate) <= width:
            lines[-1] = candidate
        else:
            lines.extend(wrap(item, font, width))
    return lines


def _ellipsize(text: str, font, width: int) -> str:
    """``text`` cut to fit ``width`` with an ellipsis (a character every face of the font has)."""
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def user_cover(path: Path) -> Cover:
    """The user's image as a cover: a readable square JPEG or PNG of 1400–3000 px, kept as it is
    when RGB, converted to RGB otherwise."""
    from PIL import Image, UnidentifiedImageError

    def bad(what: str) -> ExportError:
        return ExportError(what, path=str(path), hint="use a square JPEG or PNG of 1400 to 3000 pixels a side")

    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            fmt, mode, (w, h) = image.format, image.mode, image.size
            if fmt not in ("JPEG", "PNG"):
                raise bad(f"cover is a {fmt} image, not JPEG or PNG")
            if w != h:
                raise bad(f"cover is {w}×{h} pixels, not square")
            if not MIN_SIDE <= w <= MAX_SIDE:
                raise bad(f"cover is {w}×{h} pixels, outside 1400–3000")
            if mode == "RGB":
                image.load()  # a truncated file fails here, not in a podcast app
                return Cover(data, "image/png" if fmt == "PNG" else "image/jpeg")
            try:
                rgb = image.convert("RGBA").convert("RGB") if "A" in mode or mode == "P" else image.convert("RGB")
            except (ValueError, OSError) as exc:
                raise bad(f"cover's colours ({mode}) cannot be converted to RGB: {exc}") from None
    except FileNotFoundError:
        raise bad("cover file not found") from None
    except IsADirectoryError:
        raise bad("cover is a folder, not an image") from None
    except UnidentifiedImageError:
        raise bad("cover is not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ExportError):
            raise
        raise bad(f"cover image is damaged ({exc})") from None
    out = io.BytesIO()
    if fmt == "PNG":
        rgb.save(out, "PNG")
        return Cover(out.getvalue(), "image/png")
    rgb.save(out, "JPEG", quality=92)
    return Cover(out.getvalue(), "image/jpeg")


def episode_cover(transcript, names: dict[str, str], settings) -> Cover:
    """The cover of an episode: the user's (``settings.cover``) or one drawn from its transcript."""
    if settings.cover is not None:
        return user_cover(Path(settings.cover))
    meta = transcript.metadata
    title = meta.title or Path(transcript.path).stem
    people = tuple(names[s.code] for s in transcript.speakers if s.role != "pseudo")  # "Break" is no one
    return make_cover(meta.show, title, people, meta.language, settings.cache_dir)


def write_cover(cover: Cover, dest: Path) -> Path:
    """Write the cover's bytes to ``dest`` atomically."""
    from ..files import atomic_path

    with atomic_path(dest) as tmp:
        tmp.write_bytes(cover.data)
    return dest
