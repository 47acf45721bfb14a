"""ID3 tags and chapters (CHAP + a top-level CTOC) for an MP3, written with mutagen as ID3v2.3.

v2.3 rather than v2.4: Apple Podcasts hid every chapter of a v2.4 file once a title passed 51
characters. Frames are kept in time order in the file (see :func:`_chapter_frames`).
"""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import (CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPE2, TXXX, USLT, WOAS,
                         CTOCFlags, Encoding)

from .model import Timeline

_ISO639_2 = {"zh": "zho", "en": "eng", "ja": "jpn", "de": "deu", "fr": "fra", "es": "spa"}


def write_id3(path: Path, timeline: Timeline, names: dict[str, str]) -> None:
    """Tag the MP3 at ``path``: title, artists, show, date, source, language, transcript, chapters."""
    meta = timeline.transcript.metadata
    lang = _ISO639_2.get(meta.language, "und")
    tags = ID3()
    enc = Encoding.UTF16
    tags.add(TIT2(encoding=enc, text=[meta.title or Path(timeline.transcript.path).stem]))
    tags.add(TPE1(encoding=enc, text=[names[s.code] for s in timeline.transcript.speakers]))
    if meta.show:
        tags.add(TALB(encoding=enc, text=[meta.show]))
        tags.add(TPE2(encoding=enc, text=[meta.show]))
    if year := meta.date[:4] if meta.date[:4].isdigit() else "":
        tags.add(TDRC(encoding=enc, text=[meta.date[:10] if len(meta.date) >= 10 else year]))
    tags.add(TCON(encoding=enc, text=["Podcast"]))
    tags.add(TLAN(encoding=enc, text=[lang]))
    if meta.source_url:
        tags.add(WOAS(url=meta.source_url))
        tags.add(TXXX(encoding=enc, desc="Source", text=[meta.source_url]))
    voices = "; ".join(f"{names[c]}: {v.describe()}" for c, v in timeline.cast.voices)
    tags.add(COMM(encoding=enc, lang=lang, desc="",
                  text=[f"Synthesized by audio_pipeline from a written transcript"
                        f"{' (' + meta.source_url + ')' if meta.source_url else ''}. Voices: {voices}."]))
    tags.add(USLT(encoding=enc, lang=lang, desc="", text=transcript_text(timeline, names)))
    for frame in _chapter_frames(timeline):
        tags.add(frame)
    tags.save(str(path), v2_version=3, v23_sep="/", padding=lambda info: 0)


def transcript_text(timeline: Timeline, names: dict[str, str]) -> str:
    """The spoken text, one paragraph per turn, each opened by the speaker's name."""
    return "\n\n".join(f"{names[t.speaker]}: " + "\n".join(p.text for p in t.paragraphs)
                       for t in timeline.transcript.turns)


def _chapter_frames(timeline: Timeline) -> list:
    """A CTOC and one CHAP per chapter, padded so mutagen writes them in time order.

    mutagen sorts frames by size, then by hash key (mutagen issue #506), and ffprobe and some
    players list chapters in file order. Element ids are zero-padded and padded to one length so
    every CHAP frame has the same size and the tie-break on the id keeps them in time order.
    """
    chapters = timeline.chapters
    width = max(3, len(str(len(chapters))))
    ids = [f"ch{c.chapter.index:0{width}d}" for c in chapters]
    plain = [CHAP(element_id=i, start_time=timeline.ms(c.start), end_time=timeline.ms(c.end),
                  sub_frames=[TIT2(encoding=Encoding.UTF16, text=[c.chapter.title])])
             for i, c in zip(ids, chapters)]
    sizes = [len(f._writeData(_V23)) for f in plain]
    longest = max(sizes, default=0)
    frames = [CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                   child_element_ids=[i + "_" * (longest - s) for i, s in zip(ids, sizes)],
                   sub_frames=[TIT2(encoding=Encoding.UTF16, text=["Chapters"])])]
    for frame, size in zip(plain, sizes):
        frames.append(CHAP(element_id=frame.element_id + "_" * (longest - size), start_time=frame.start_time,
                           end_time=frame.end_time, sub_frames=list(frame.sub_frames.values())))
    return frames


class _Config:
    v2_version = 3
    v23_separator = "/"


_V23 = _Config()
