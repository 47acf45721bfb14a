"""Tags and chapters written with mutagen: ID3v2.3 for MP3, MP4 atoms for M4B, Vorbis comments
for Opus. One set of fields (:func:`episode_fields`) feeds every format.

ID3v2.3 rather than v2.4: Apple Podcasts hid every chapter of a v2.4 file once a title passed 51
characters. CHAP frames are kept in time order in the file (see :func:`_chapter_frames`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import (APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPE2, TRCK, TXXX, USLT,
                         WOAS, CTOCFlags, Encoding)

from .model import PSEUDO, Timeline

_ISO639_2 = {"zh": "zho", "en": "eng", "ja": "jpn", "de": "deu", "fr": "fra", "es": "spa"}


@dataclass(frozen=True)
class Fields:
    """What every output's tags say, whatever the container."""

    title: str
    artists: tuple[str, ...]
    album: str
    date: str
    language: str  # ISO 639-2
    comment: str
    lyrics: str
    source_url: str
    track: tuple[int, int] | None = None
    chapters: tuple[tuple[int, int, str], ...] = ()  # (start ms, end ms, title)
    #: The front cover: (MIME type, image bytes), PNG or JPEG.
    cover: tuple[str, bytes] | None = None


def episode_fields(timeline: Timeline) -> Fields:
    """Tags of the whole episode, with its chapters."""
    meta = timeline.transcript.metadata
    names = timeline.names
    voices = "; ".join(f"{names[c]}: {v.describe()}" for c, v in timeline.cast.voices)
    source = f" ({meta.source_url})" if meta.source_url else ""
    return Fields(
        title=meta.title or Path(timeline.transcript.path).stem,
        artists=tuple(names[s.code] for s in timeline.transcript.speakers if s.role != PSEUDO),
        album=meta.show, date=_date(meta.date), language=_ISO639_2.get(meta.language, "und"),
        comment=f"Synthesized by audio_pipeline from a written transcript{source}. Voices: {voices}.",
        lyrics=transcript_text(timeline), source_url=meta.source_url,
        chapters=tuple((timeline.ms(c.start), timeline.ms(c.end), c.chapter.title) for c in timeline.chapters))


def transcript_text(timeline: Timeline, first: int = 0, last: int | None = None) -> str:
    """The spoken text of turns ``first..last``, one paragraph per turn, opened by the speaker's name."""
    names = timeline.names
    turns = timeline.transcript.turns[first:last]
    return "\n\n".join(f"{names[t.speaker]}: " + "\n".join(p.text for p in t.paragraphs) for t in turns)


def write_tags(path: Path, fmt: str, fields: Fields) -> None:
    """Write ``fields`` into the file at ``path`` in the container's own tag format."""
    from mutagen import MutagenError

    try:
        {"mp3": _write_id3, "m4b": _write_mp4, "opus": _write_vorbis}[fmt](path, fields)
    except MutagenError as exc:  # mutagen wraps a full disk or a size limit: report it as the OSError it is
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            raise cause from None
        raise


def _date(raw: str) -> str:
    return raw[:10] if len(raw) >= 10 and raw[:4].isdigit() else raw[:4] if raw[:4].isdigit() else ""


def _write_id3(path: Path, f: Fields) -> None:
    enc = Encoding.UTF16
    tags = ID3()
    tags.add(TIT2(encoding=enc, text=[f.title]))
    tags.add(TPE1(encoding=enc, text=list(f.artists)))
    if f.album:
        tags.add(TALB(encoding=enc, text=[f.album]))
        tags.add(TPE2(encoding=enc, text=[f.album]))
    if f.date:
        tags.add(TDRC(encoding=enc, text=[f.date]))
    if f.track:
        tags.add(TRCK(encoding=enc, text=[f"{f.track[0]}/{f.track[1]}"]))
    tags.add(TCON(encoding=enc, text=["Podcast"]))
    tags.add(TLAN(encoding=enc, text=[f.language]))
    if f.source_url:
        tags.add(WOAS(url=f.source_url))
        tags.add(TXXX(encoding=enc, desc="Source", text=[f.source_url]))
    tags.add(COMM(encoding=enc, lang=f.language, desc="", text=[f.comment]))
    tags.add(USLT(encoding=enc, lang=f.language, desc="", text=f.lyrics))
    for frame in _chapter_frames(f.chapters):
        tags.add(frame)
    if f.cover:
        tags.add(APIC(encoding=Encoding.LATIN1, mime=f.cover[0], type=3, desc="", data=f.cover[1]))
    tags.save(str(path), v2_version=3, v23_sep="/", padding=lambda info: 0)


def _chapter_frames(chapters) -> list:
    """A CTOC and one CHAP per chapter, padded so mutagen writes them in time order.

    mutagen sorts frames by size, then by hash key (mutagen issue #506), and ffprobe and some
    players list chapters in file order. Element ids are zero-padded and padded to one length so
    every CHAP frame has the same size and the tie-break on the id keeps them in time order.
    """
    if not chapters:
        return []
    width = max(3, len(str(len(chapters))))
    ids = [f"ch{i:0{width}d}" for i in range(1, len(chapters) + 1)]
    plain = [CHAP(element_id=i, start_time=start, end_time=end,
                  sub_frames=[TIT2(encoding=Encoding.UTF16, text=[title])])
             for i, (start, end, title) in zip(ids, chapters)]
    sizes = [len(f._writeData(_V23)) for f in plain]
    longest = max(sizes)
    padded = [i + "_" * (longest - s) for i, s in zip(ids, sizes)]
    frames = [CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=padded,
                   sub_frames=[TIT2(encoding=Encoding.UTF16, text=["Chapters"])])]
    for frame, element_id in zip(plain, padded):
        frames.append(CHAP(element_id=element_id, start_time=frame.start_time, end_time=frame.end_time,
                           sub_frames=list(frame.sub_frames.values())))
    return frames


class _Config:
    v2_version = 3
    v23_separator = "/"


_V23 = _Config()


def _write_mp4(path: Path, f: Fields) -> None:
    from mutagen.mp4 import MP4

    audio = MP4(str(path))
    if audio.tags is None:
        audio.add_tags()
    t = audio.tags
    t["\xa9nam"] = [f.title]
    t["\xa9ART"] = [", ".join(f.artists)]
    if f.album:
        t["\xa9alb"] = [f.album]
        t["aART"] = [f.album]
    if f.date:
        t["\xa9day"] = [f.date]
    if f.track:
        t["trkn"] = [f.track]
    t["\xa9gen"] = ["Podcast"]
    t["\xa9cmt"] = [f.comment]
    t["\xa9lyr"] = [f.lyrics]
    t["stik"] = [2]  # audiobook
    if f.source_url:
        t["----:com.apple.iTunes:Source"] = [f.source_url.encode()]
    t["----:com.apple.iTunes:LANGUAGE"] = [f.language.encode()]
    if f.cover:
        from mutagen.mp4 import MP4Cover

        kind = MP4Cover.FORMAT_PNG if f.cover[0] == "image/png" else MP4Cover.FORMAT_JPEG
        t["covr"] = [MP4Cover(f.cover[1], imageformat=kind)]
    audio.save()


def _write_vorbis(path: Path, f: Fields) -> None:
    from mutagen.oggopus import OggOpus

    audio = OggOpus(str(path))
    t = audio.tags
    t.clear()
    t["TITLE"] = [f.title]
    t["ARTIST"] = list(f.artists)
    if f.album:
        t["ALBUM"] = [f.album]
    if f.date:
        t["DATE"] = [f.date]
    if f.track:
        t["TRACKNUMBER"], t["TRACKTOTAL"] = [str(f.track[0])], [str(f.track[1])]
    t["GENRE"] = ["Podcast"]
    t["LANGUAGE"] = [f.language]
    t["COMMENT"] = [f.comment]
    t["LYRICS"] = [f.lyrics]
    if f.source_url:
        t["CONTACT"] = [f.source_url]
    for n, (start, _end, title) in enumerate(f.chapters, 1):  # Vorbis-comment chapters
        t[f"CHAPTER{n:03d}"] = [_hms(start)]
        t[f"CHAPTER{n:03d}NAME"] = [title]
    if f.cover:
        t["METADATA_BLOCK_PICTURE"] = [_flac_picture(*f.cover)]
    audio.save()


def _flac_picture(mime: str, data: bytes) -> str:
    """A front cover as Vorbis comments carry it: a FLAC picture block, base64 (its size read from
    the image, as the block requires)."""
    import base64
    import io

    from mutagen.flac import Picture
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    picture = Picture()
    picture.type, picture.mime, picture.desc, picture.data = 3, mime, "", data
    picture.width, picture.height, picture.depth = width, height, 24
    return base64.b64encode(picture.write()).decode("ascii")


def _hms(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
