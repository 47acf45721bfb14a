"""Cover art: drawn covers (size, determinism, no glyph the font lacks), the user's image checked,
and the picture embedded in MP3 tags."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTCollection
from hypothesis import given, settings as hsettings, strategies as st
from PIL import Image

from audio_pipeline.errors import ExportError
from audio_pipeline.export import cover as c

PANEL = ("ezyang's 博客", "Systems ML workshop panel",
         ("Joseph Gonzalez", "Garth Gibson", "Dawn Song", "John Langford", "Yangqing Jia", "Sarah Bird",
          "主持人", "观众"))


@pytest.fixture(scope="module")
def sc_characters() -> set[int]:
    """The simplified-Chinese face's characters, read here with fontTools, not through the module."""
    font = TTCollection(str(c.font_path()), lazy=True).fonts[c.face_index("zh")]
    return set(font["cmap"].getBestCmap())


def test_drawn_cover_is_a_square_rgb_png_in_range_and_deterministic():
    first = c.make_cover(*PANEL, "zh")
    second = c.make_cover(*PANEL, "zh")
    assert first.data == second.data and first.mime == "image/png"
    with Image.open(io.BytesIO(first.data)) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        assert image.width == image.height and c.MIN_SIDE <= image.width <= c.MAX_SIDE


def test_cover_differs_with_its_inputs():
    assert c.make_cover(*PANEL, "zh").data != c.make_cover(PANEL[0], "Another title", PANEL[2], "zh").data


def test_cover_is_cached_and_the_cached_bytes_are_the_drawn_ones(tmp_path):
    drawn = c.make_cover(*PANEL, "zh", tmp_path)
    cached = list((tmp_path / "covers").glob("*.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == drawn.data
    assert c.make_cover(*PANEL, "zh", tmp_path).data == drawn.data
    cached[0].write_bytes(b"not a png")  # a damaged entry is redrawn, never used
    assert c.make_cover(*PANEL, "zh", tmp_path).data == drawn.data


def test_every_drawn_string_has_only_characters_the_font_has(sc_characters):
    text = c.cover_text("Pódcast 🎙 ezyang's 博客", "Systems ML：workshop panel ✨\u200b",
                        ("Zoë", "مرحبا", "主持人", "😀", "Ａｌｉｃｅ", "观众"), "zh")
    for string in text.strings():
        assert string and all(ord(ch) in sc_characters for ch in string), string
    assert text.names == ("Zoë", "主持人", "Ａｌｉｃｅ", "观众")  # Arabic and emoji have no glyph: left out
    assert text.show == "Pódcast ezyang's 博客"


@pytest.mark.parametrize("title, names", [
    (PANEL[1], PANEL[2]),
    ("一个很长的中文标题，用来测试换行是否正确处理各种情况 ✨ " * 8, PANEL[2] * 4),  # cut with an ellipsis
    ("🎙🎙🎙", ("😀", "مرحبا")),
])
def test_every_string_the_layout_draws_is_in_the_font(sc_characters, title, names):
    placed = c.cover_layout(c.cover_text(PANEL[0], title, names, "zh"), c.face_index("zh"))
    assert placed
    for (x, y), string, size, _role in placed:
        assert string and all(ord(ch) in sc_characters for ch in string), string
        assert 0 <= x and 0 <= y and y + size < c.SIZE
        assert c._font(c.face_index("zh"), size).getlength(string) <= c.SIZE - 2 * x


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_drawable_keeps_only_characters_the_font_has(text):
    chars = c.font_characters(c.face_index("zh"))
    assert all(ord(ch) in chars for ch in c.drawable(text, chars))


def test_lines_fit_the_cover_width():
    font = c._font(c.face_index("zh"), 100)
    for text in ("Systems ML workshop panel", "一个很长的中文标题" * 6, "a" * 80, "词 word 词 word" * 8):
        lines = c.wrap(text, font, 1180)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(font.getlength(line) <= 1180 for line in lines if len(line) > 1)


def test_names_break_between_names():
    font = c._font(c.face_index("zh"), 52)
    lines = c.wrap_items(PANEL[2], font, 1180, "  ·  ")
    assert all(font.getlength(line) <= 1180 for line in lines)
    assert [n for line in lines for n in line.split("  ·  ")] == list(PANEL[2])


def image_file(path: Path, size=(1400, 1400), mode="RGB", fmt="PNG") -> Path:
    Image.new(mode, size, "red" if mode in ("RGB", "RGBA") else 0).save(path, fmt)
    return path


def test_users_rgb_cover_is_kept_byte_for_byte(tmp_path):
    for fmt, mime in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        path = image_file(tmp_path / f"c.{fmt.lower()}", fmt=fmt)
        got = c.user_cover(path)
        assert got.data == path.read_bytes() and got.mime == mime


@pytest.mark.parametrize("mode, fmt", [("RGBA", "PNG"), ("P", "PNG"), ("L", "PNG"), ("CMYK", "JPEG")])
def test_users_cover_in_other_colours_is_converted_to_rgb(tmp_path, mode, fmt):
    got = c.user_cover(image_file(tmp_path / "c", mode=mode, fmt=fmt))
    with Image.open(io.BytesIO(got.data)) as image:
        assert image.mode == "RGB" and image.size == (1400, 1400) and image.format == fmt


@pytest.mark.parametrize("make, message", [
    (lambda d: image_file(d / "wide.png", (1600, 1400)), "1600×1400 pixels, not square"),
    (lambda d: image_file(d / "small.png", (1000, 1000)), "outside 1400–3000"),
    (lambda d: image_file(d / "huge.jpg", (3200, 3200), fmt="JPEG"), "outside 1400–3000"),
    (lambda d: image_file(d / "c.gif", fmt="GIF"), "GIF image, not JPEG or PNG"),
    (lambda d: d / "missing.png", "not found"),
    (lambda d: d, "a folder"),
    (lambda d: (d / "text.png").write_text("hello") and d / "text.png", "not an image"),
])
def test_bad_user_cover_is_one_clear_error(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(ExportError) as err:
        c.user_cover(path)
    line = err.value.one_line()
    assert "\n" not in line and message in line and str(path) in line and "square JPEG or PNG" in line


def test_truncated_user_cover_is_an_error(tmp_path):
    path = image_file(tmp_path / "t.png")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ExportError, match="damaged"):
        c.user_cover(path)


def test_mp3_tag_carries_the_front_cover(tmp_path):
    from mutagen.id3 import ID3

    from audio_pipeline.tags import Fields, write_tags

    cover = c.make_cover(*PANEL, "zh")
    path = tmp_path / "e.mp3"
    path.write_bytes(b"")
    write_tags(path, "mp3", Fields("t", ("a",), "s", "", "eng", "", "", "", cover=(cover.mime, cover.data)))
    pictures = ID3(path).getall("APIC")
    assert len(pictures) == 1 and pictures[0].type == 3 and pictures[0].mime == "image/png"
    assert pictures[0].data == cover.data


def test_render_with_a_bad_cover_is_one_line_exit_5_and_writes_nothing(tmp_path):
    from conftest import run_cli

    path = image_file(tmp_path / "small.png", (800, 800))
    result = run_cli("render", str(Path(__file__).parent / "data" / "short-panel.txt"), "--cover", str(path),
                     "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 5
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "800×800 pixels, outside 1400–3000" in lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_render_with_a_users_cover_embeds_and_writes_it(tmp_path):
    from mutagen.id3 import ID3

    from audio_pipeline import render
    from audio_pipeline.settings import Settings

    path = image_file(tmp_path / "mine.jpg", (1600, 1600), fmt="JPEG")
    result = render(Settings(transcript=Path(__file__).parent / "data" / "short-panel.txt", out_dir=tmp_path / "out",
                             cache_dir=tmp_path / "cache", engine="fake", jobs=1, cover=path))
    assert result.files["cover"] == "short-panel.jpg"
    assert (tmp_path / "out" / "short-panel.jpg").read_bytes() == path.read_bytes()
    [picture] = ID3(result.episode).getall("APIC")
    assert picture.mime == "image/jpeg" and picture.data == path.read_bytes()
