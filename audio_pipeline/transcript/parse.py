"""File or text → :class:`~audio_pipeline.model.Transcript`: decoding, then the reader for the format.

Bytes are decoded by their BOM (UTF-8, UTF-16 LE/BE), else as UTF-8, else as the encoding
charset-normalizer recognises (GB18030 and the like), or as ``encoding`` when the user names it.
Line endings (CRLF, CR) are normalised, then :mod:`.formats` picks the reader (labels, Markdown
names, WebVTT, SubRip, Podcasting 2.0 JSON, HTML) unless ``input_format`` names one.
"""

from __future__ import annotations

import codecs
import dataclasses
from pathlib import Path

from ..errors import TranscriptError
from ..model import Transcript
from .formats import read_text

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Encodings a detected guess may be taken from: families seen in real transcripts.
_TRUSTED_GUESSES = {"gb18030": "gb18030", "gbk": "gb18030", "gb2312": "gb18030", "hz": "gb18030",
                    "big5": "big5", "big5hkscs": "big5", "shift_jis": "shift_jis", "cp932": "cp932",
                    "euc_jp": "euc_jp", "euc_kr": "euc_kr", "cp949": "cp949", "cp1252": "cp1252",
                    "latin_1": "cp1252", "iso8859_15": "iso8859_15", "cp1250": "cp1250", "cp1251": "cp1251",
                    "koi8_r": "koi8_r", "utf_16": "utf-16"}

_LATIN = {"cp1252", "cp1250", "iso8859_15"}


def read_transcript(path: str | Path, *, input_format: str | None = None,
                    encoding: str | None = None) -> Transcript:
    """Read and parse a transcript file, with one-line errors that name the file and line."""
    path = Path(path)
    shown = str(path)
    if path.is_dir():
        raise TranscriptError("is a directory, not a transcript", path=shown,
                              hint="pass the transcript file inside it")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TranscriptError("no such file", path=shown, hint="check the path") from None
    except OSError as exc:
        raise TranscriptError(f"cannot be read: {exc.strerror or exc}", path=shown) from None
    text, used = decode(data, shown, encoding)
    return dataclasses.replace(parse_transcript(text, path=shown, input_format=input_format), encoding=used)


def decode(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str]:
    """Bytes → (text, name of the encoding used); binary or undecodable input is a TranscriptError."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise TranscriptError(f"unknown encoding {encoding!r}", path=path,
                                  hint="name one such as utf-8, utf-16, gb18030 or cp1252") from None
        return _strict(data, codec, path, f"is not valid {encoding}",
                       "name its real encoding with --encoding, or leave it out to detect it"), codec
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], name, path, f"is not valid {name.removesuffix('-sig')}",
                           "save the transcript again as UTF-8"), name
    if b"\x00" in data[:4096] or data[:3] == b"ID3" or data[:4] in (b"RIFF", b"OggS", b"fLaC"):
        raise TranscriptError("looks like a binary file, not a text transcript", path=path, line=1,
                              hint="pass the text of the discussion (UTF-8, UTF-16 or GB18030)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        guessed = _guess(data)
        if guessed:
            return data.decode(guessed), guessed
        line = data[: exc.start].count(b"\n") + 1
        raise TranscriptError(f"is not valid UTF-8 (byte 0x{data[exc.start]:02x})", path=path, line=line,
                              hint="save the transcript as UTF-8, or name its encoding with --encoding") from None


def decode_text(data: bytes, path: str) -> str:
    """Bytes → text, as :func:`decode` without the encoding's name."""
    return decode(data, path)[0]


def parse_transcript(text: str, *, path: str = "<text>", input_format: str | None = None) -> Transcript:
    """Parse transcript text into speakers, turns, stage directions and metadata.

    >>> t = parse_transcript("+ JG: Joseph Gonzalez\\n\\nJG: 你好。\\n\\n（掌声）\\n")
    >>> [(s.code, s.name) for s in t.speakers], t.turns[0].text, t.stage_directions[0].text, t.format
    ([('JG', 'Joseph Gonzalez')], '你好。', '掌声', 'labels')
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise TranscriptError("is empty" if not text else "has only white space", path=path, line=1,
                              hint="a transcript has paragraphs like 'JG: …'")
    return read_text(text, path, input_format)


def _strict(data: bytes, codec: str, path: str, message: str, hint: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(codec, errors="replace").count("\n") + 1
        raise TranscriptError(f"{message} (byte 0x{data[exc.start]:02x})", path=path, line=line, hint=hint) from None


def _guess(data: bytes) -> str | None:
    """The encoding charset-normalizer finds, when it is one real transcripts come in."""
    from charset_normalizer import from_bytes

    results = from_bytes(data[:200_000])
    best = results.best()
    codec = _TRUSTED_GUESSES.get(best.encoding) if best is not None else None
    # Short Western texts fit several code pages equally well; Windows' own (cp1252) is the likely one.
    if codec in _LATIN and any(r.encoding == "cp1252" for r in results):
        codec = "cp1252"
    if codec is None:
        return None
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return None
    return codec
