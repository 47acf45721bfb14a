"""Text → :class:`~audio_pipeline.model.Transcript` for label-style transcripts.

The format: optional ``<!--yml … -->`` metadata, a ``# Title`` heading, a ``> 来源：[…](url)``
source line, a roster of ``+   JG: Joseph Gonzalez`` bullets, then paragraphs that start with a
speaker label (``JG: …`` or ``JG：…``). Unlabelled paragraphs continue the previous turn;
paragraphs wholly in brackets (``（掌声）``) are stage directions.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import TranscriptError
from ..model import AUDIENCE, MODERATOR, PANELIST, Metadata, Paragraph, Speaker, StageDirection, Transcript, Turn

_YML_OPEN = re.compile(r"^<!--\s*ya?ml\s*$", re.IGNORECASE)
_HEADING = re.compile(r"^#\s+(?P<title>.+?)\s*#*$")
_SOURCE = re.compile(r"^>\s*(?:来源|來源|Source|Original)\s*[:：]\s*(?P<rest>.+)$", re.IGNORECASE)
_URL = re.compile(r"\((?P<url>https?://[^)\s]+)\)|(?P<bare>https?://\S+)")
_ROSTER = re.compile(r"^[+*-]\s+(?P<code>[A-Z]{1,4})\s*[:：]\s*(?P<name>.+)$")
# A label is 1–4 capitals, possibly doubled by a transcription slip ("YJ   YJ:"), then a colon.
_LABEL = re.compile(r"^(?P<code>[A-Z]{1,4})(?:\s+(?P=code))?\s*[:：]\s*")
_STAGE = re.compile(r"^[（(\[［【](?P<text>[^（）()\[\]［］【】]+)[）)\]］】]$")
_AFFILIATION = re.compile(r"^(?P<name>.+?)\s*[（(](?P<aff>[^（）()]+)[）)]\s*$")

_MODERATOR_NAMES = {"主持人", "moderator", "host", "主持"}
_AUDIENCE_NAMES = {"观众", "觀眾", "听众", "聽眾", "audience", "audience member"}


def read_transcript(path: str | Path) -> Transcript:
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
    return parse_transcript(decode_text(data, shown), path=shown)


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM) → str; binary or undecodable input is a TranscriptError."""
    if b"\x00" in data[:4096] or data[:3] == b"ID3" or data[:4] in (b"RIFF", b"OggS", b"fLaC"):
        raise TranscriptError("looks like a binary file, not a text transcript", path=path, line=1,
                              hint="pass the UTF-8 text of the discussion")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TranscriptError(f"is not valid UTF-8 (byte 0x{data[exc.start]:02x})", path=path,
                              line=line, hint="save the transcript as UTF-8") from None


def parse_transcript(text: str, *, path: str = "<text>") -> Transcript:
    """Parse transcript text into speakers, turns, stage directions and metadata.

    >>> t = parse_transcript("+ JG: Joseph Gonzalez\\n\\nJG: 你好。\\n\\n（掌声）\\n")
    >>> [(s.code, s.name) for s in t.speakers], t.turns[0].text, t.stage_directions[0].text
    ([('JG', 'Joseph Gonzalez')], '你好。', '掌声')
    """
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(line.strip() for line in lines):
        raise TranscriptError("is empty" if not text else "has only white space", path=path, line=1,
                              hint="a transcript has paragraphs like 'JG: …'")
    meta: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    roster: dict[str, Speaker] = {}
    labels: dict[str, str] = {}  # label as written → speaker code
    turns: list[Turn] = []
    stages: list[StageDirection] = []
    current: tuple[str, list[Paragraph]] | None = None

    def close_turn() -> None:
        nonlocal current
        if current is not None:
            turns.append(Turn(len(turns), current[0], tuple(current[1])))
            current = None

    for line_no, block in _paragraphs(lines, meta, extra, path):
        if block.startswith("#") and (m := _HEADING.match(block)) and not turns and current is None:
            meta.setdefault("title", m["title"])
            continue
        if m := _SOURCE.match(block):
            if u := _URL.search(m["rest"]):
                meta.setdefault("source_url", u["url"] or u["bare"])
            continue
        if (m := _ROSTER.match(block)) and current is None and not turns:
            roster[m["code"]] = _roster_speaker(m["code"], m["name"].strip())
            continue
        if m := _STAGE.match(block):
            close_turn()
            stages.append(StageDirection(m["text"].strip(), line_no, len(turns)))
            continue
        if m := _LABEL.match(block):
            label, body = m["code"], block[m.end():].strip()
            code = labels.get(label) or _resolve_label(label, roster)
            labels[label] = code
            if current is None or current[0] != code:
                close_turn()
                current = (code, [])
            if body:
                current[1].append(Paragraph(body, line_no))
            continue
        if current is None and turns and stages and stages[-1].before_turn == len(turns):
            # Speech right after a stage direction continues the speaker before it.
            current = (turns[-1].speaker, list(turns.pop().paragraphs))
        if current is not None:
            current[1].append(Paragraph(block, line_no))
        else:
            extra.append(("preamble", block))
    close_turn()

    turns = [t for t in turns if t.paragraphs]
    if not turns:
        if labels:
            raise TranscriptError("has speaker labels but no speech after them", path=path, line=1,
                                  hint="write the words after the label, e.g. 'JG: Hello.'")
        raise TranscriptError("has no speaker turns", path=path, line=1,
                              hint="start each turn with a speaker label, e.g. 'JG: Hello.'")
    turns = [Turn(i, t.speaker, t.paragraphs) for i, t in enumerate(turns)]
    language = _guess_language("".join(t.text for t in turns[:50]))
    speakers = _speakers(roster, labels, turns, language)
    title, show = _split_title(meta.get("title", Path(path).stem))
    metadata = Metadata(title=title, show=show, source_url=meta.get("source_url", ""),
                        date=meta.get("date", ""), category=meta.get("category", ""),
                        language=language,
                        extra=tuple(extra))
    return Transcript(path, metadata, speakers, tuple(turns), tuple(stages))


def _paragraphs(lines: list[str], meta: dict[str, str], extra: list, path: str):
    """Yield (line number, paragraph text), consuming the ``<!--yml … -->`` block into meta."""
    block: list[str] = []
    start = 0
    i = 0
    while i < len(lines):
        raw = lines[i]
        if not block and _YML_OPEN.match(raw.strip()):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("-->")), None)
            if end is None:
                raise TranscriptError("metadata block '<!--yml' is never closed", path=path, line=i + 1,
                                      hint="end it with a line '-->'")
            for entry in lines[i + 1:end]:
                key, sep, value = entry.partition(":")
                if sep and key.strip():
                    meta.setdefault(key.strip().lower(), value.strip().strip("'\""))
            i = end + 1
            continue
        if raw.strip():
            if not block:
                start = i + 1
            block.append(raw.strip())
        elif block:
            yield start, _join(block)
            block = []
        i += 1
    if block:
        yield start, _join(block)


def _join(lines: list[str]) -> str:
    out = lines[0]
    for nxt in lines[1:]:
        # CJK text wraps without spaces; latin text needs one.
        out += nxt if (out and _is_cjk(out[-1])) or _is_cjk(nxt[0]) else " " + nxt
    return out


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


def _roster_speaker(code: str, text: str) -> Speaker:
    name, affiliation = text, None
    if m := _AFFILIATION.match(text):
        name, affiliation = m["name"].strip(), m["aff"].strip()
    lowered = name.lower()
    role = PANELIST
    if code == "M" or lowered in _MODERATOR_NAMES:
        role = MODERATOR
    elif code == "A" or lowered in _AUDIENCE_NAMES:
        role = AUDIENCE
    return Speaker(code, name, role, affiliation)


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][A-Za-z'-]*", name)).upper()


def _resolve_label(label: str, roster: dict[str, Speaker]) -> str:
    """A label the roster lacks may be a speaker's initials (``YJ`` for Yangqing Jia, listed as YQ)."""
    if label in roster:
        return label
    matches = [code for code, s in roster.items() if _initials(s.name) == label]
    return matches[0] if len(matches) == 1 else label


_ROLE_NAMES = {("zh", MODERATOR): "主持人", ("zh", AUDIENCE): "观众", ("en", MODERATOR): "Moderator",
               ("en", AUDIENCE): "Audience"}


def _speakers(roster: dict[str, Speaker], labels: dict[str, str], turns: list[Turn],
              language: str) -> tuple[Speaker, ...]:
    aliases: dict[str, list[str]] = {}
    for label, code in labels.items():
        if label != code:
            aliases.setdefault(code, []).append(label)
    spoken = {t.speaker for t in turns}
    out = []
    for code, speaker in roster.items():
        if code in spoken:
            out.append(Speaker(speaker.code, speaker.name, speaker.role, speaker.affiliation,
                               tuple(sorted(aliases.get(code, ())))))
    for code in dict.fromkeys(t.speaker for t in turns):
        if code not in roster:
            role = MODERATOR if code == "M" else AUDIENCE if code == "A" else PANELIST
            out.append(Speaker(code, _ROLE_NAMES.get((language, role), code), role))
    return tuple(out)


def _split_title(title: str) -> tuple[str, str]:
    """``"Systems ML workshop panel：ezyang's 博客"`` → (episode title, show)."""
    for sep in ("：", " | ", " — ", " - "):
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and tail.strip():
            return head.strip(), tail.strip()
    return title.strip(), ""


def _guess_language(text: str) -> str:
    """BCP-47-ish code of the speech: ``zh`` when CJK ideographs dominate the letters."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "zh" if cjk > latin / 4 else "en"
