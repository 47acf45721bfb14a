"""One builder every reader feeds: labelled turns in, a :class:`Transcript` out.

Readers report what they see (a roster entry, a turn under a label as written, speech, a stage
direction, a heading, metadata); the builder decides who is who once it has seen every label, so
``FM`` before or after ``Farhad Mehta`` is the same person, and gives speakers their roles.

Roles:
- a name such as ``Break``, ``Intro``, ``Ad`` is a pseudo-speaker: its turns become stage
  directions (never spoken) and it keeps no turn;
- ``Narrator``, ``Announcer``, ``Voiceover`` are narrators; ``M`` / ``Moderator`` / ``主持人`` a
  moderator; ``A`` / ``Audience`` / ``观众`` the audience;
- a host is named so in the roster or front matter (``(host)``, ``hosts:``), or is labelled
  ``Host``, or is the first speaker who says "I'm your host" / "welcome to <Show>" in the first
  three turns, or whom one of those turns introduces as hosting ("… Emma Wedekind. She is going to
  be hosting"); when there is a host and no moderator, the other people are guests.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ...errors import TranscriptError
from ...model import (AUDIENCE, GUEST, HOST, MODERATOR, NARRATOR, PANELIST, PSEUDO, Heading, Metadata, Paragraph,
                      Speaker, StageDirection, Transcript, Turn)
from ..language import detect_language, normalize_language
from .cleanup import clean_speech, clean_title, take_leading_time

_ROLE_BY_NAME = {
    MODERATOR: {"主持人", "主持", "moderator"},
    AUDIENCE: {"观众", "觀眾", "听众", "聽眾", "audience", "audience member", "crowd"},
    PSEUDO: {"break", "intro", "outro", "ad", "ads", "ad break", "advert", "sponsor", "sponsors", "sponsor break",
             "music", "transition", "commercial", "interlude", "midroll", "mid-roll", "preroll", "pre-roll",
             "广告", "片头", "片尾", "休息", "音乐"},
    NARRATOR: {"narrator", "announcer", "voiceover", "voice-over", "voice over", "旁白", "播音"},
    HOST: {"host", "co-host", "cohost", "interviewer", "主播"},
    GUEST: {"guest", "interviewee", "嘉宾"},
}
_HOST_SAYS = re.compile(
    r"\b(?:I'?m|I am|this is|I'm)\s+your\s+(?:co-?)?host|\bwelcome (?:back )?to (?!the stage)(?:the |this |another "
    r"|episode )?[A-Z0-9]|欢迎(?:收听|来到)", re.IGNORECASE)
_ROLE_NAMES = {("zh", MODERATOR): "主持人", ("zh", AUDIENCE): "观众", ("en", MODERATOR): "Moderator",
               ("en", AUDIENCE): "Audience"}
_INITIALS_LABEL = re.compile(r"^[A-Z]{1,4}$")


def _host_named(text: str, speakers: list[Speaker]) -> str | None:
    """The code of a speaker another introduces as the host ("… Emma Wedekind. She is going to be
    hosting", "your host, Emma Wedekind"), else None."""
    for s in speakers:
        if " " not in s.name.strip():
            continue
        name = re.escape(s.name.strip())
        if re.search(rf"{name}\W.{{0,50}}\bhost(?:ing|ed|s)?\b|\bhost(?:ed)?(?: by|,)? {name}\b", text, re.I | re.S):
            return s.code
    return None


def initials(name: str) -> str:
    """``Joseph Gonzalez`` → ``JG``; ``Adam Garrett-Harris`` → ``AG``."""
    return "".join(w[0] for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", name)).upper()


def role_of(name: str) -> str | None:
    """The role a name or note implies (``Break`` → pseudo, ``host`` → host), else None."""
    lowered = name.strip().lower()
    return next((role for role, names in _ROLE_BY_NAME.items() if lowered in names), None)


@dataclass
class _RawTurn:
    label: str
    line: int
    time: float | None
    paragraphs: list[Paragraph] = field(default_factory=list)


class TranscriptBuilder:
    """Collects what a reader finds, in order; :meth:`finish` resolves speakers and builds the value."""

    def __init__(self, path: str, fmt: str) -> None:
        self.path, self.format = path, fmt
        self.meta: dict[str, str] = {}
        self.extra: list[tuple[str, str]] = []
        self.roster: dict[str, Speaker] = {}
        self.roles: dict[str, str] = {}  # name or code (lower case) → role, from front matter
        #: Full names the front matter lists (``speakers:``, ``hosts:``), so ``Martin:`` finds Martin Zumsande.
        self.known_names: list[str] = []
        self._turns: list[_RawTurn] = []
        self._open = False
        self._stages: list[tuple[str, int, int, bool]] = []  # text, line, raw turn after it, inline
        self._headings: list[tuple[str, int, int, int]] = []
        self._notes: list[str] = []

    # What readers report -------------------------------------------------------------------
    def add_roster(self, code: str, text: str) -> None:
        """A roster entry ``JG: Joseph Gonzalez (CMU)``; a bracket naming a role sets the role."""
        name, affiliation = text.strip(), None
        if m := re.match(r"^(?P<name>.+?)\s*[（(](?P<aff>[^（）()]+)[）)]\s*$", name):
            name, affiliation = m["name"].strip(), m["aff"].strip()
        role = (role_of(affiliation or "") or (MODERATOR if code == "M" else AUDIENCE if code == "A" else None)
                or role_of(name) or PANELIST)
        if role_of(affiliation or ""):
            affiliation = None
        self.roster[code] = Speaker(code, name, role, affiliation)

    def start_turn(self, label: str, line: int, time: float | None = None) -> None:
        """A new turn under ``label`` as written (a code, a name or a role word)."""
        self._turns.append(_RawTurn(label.strip(), line, time))
        self._open = True

    def end_turn(self) -> None:
        """Unlabelled speech after this starts no turn of its own (until :meth:`reopen`)."""
        self._open = False

    @property
    def in_turn(self) -> bool:
        return self._open

    @property
    def has_turns(self) -> bool:
        return bool(self._turns)

    @property
    def awaiting_speech(self) -> bool:
        """A turn is open and has no words yet (``Adam Jonas: 00:00:35`` with the speech below)."""
        return self._open and not self._turns[-1].paragraphs

    def reopen(self) -> bool:
        """Continue the last turn (speech right after a stage direction); False if there is none."""
        if self._turns:
            self._open = True
        return self._open

    def set_time(self, seconds: float | None) -> None:
        """Where the open turn starts in the recording, unless its own text already said so."""
        if self._turns and self._turns[-1].time is None:
            self._turns[-1].time = seconds

    def add_speech(self, text: str, line: int) -> None:
        """Words of the open turn, cleaned; inline stage directions are listed at ``line``."""
        turn = self._turns[-1]
        text, time = take_leading_time(text)
        if turn.time is None and not turn.paragraphs and time is not None:
            turn.time = time
        spoken, directions = clean_speech(text)
        for note in directions:
            self._stages.append((note, line, len(self._turns) - 1 if spoken else len(self._turns), True))
        if spoken:
            turn.paragraphs.append(Paragraph(spoken, line))

    def add_stage(self, text: str, line: int) -> None:
        self._open = False
        self._stages.append((text, line, len(self._turns), False))

    def add_heading(self, text: str, level: int, line: int) -> None:
        self._open = False
        self._headings.append((clean_title(text), line, len(self._turns), level))

    def warn(self, text: str) -> None:
        self._notes.append(text)

    # Building --------------------------------------------------------------------------------
    def finish(self) -> Transcript:
        """Resolve labels to speakers, give roles, drop empty turns (with a warning), build."""
        raw = self._turns
        speakers, code_of = self._resolve([t.label for t in raw])
        warnings = list(self._notes)
        stages = list(self._stages)
        kept: list[tuple[int, _RawTurn]] = []
        for i, t in enumerate(raw):
            who = speakers[code_of[t.label]]
            if who.role == PSEUDO:
                words = " ".join(p.text for p in t.paragraphs)
                # A break separates what comes before and after it, even one speaker's words.
                stages.append((f"{who.name}: {words}" if words else who.name, t.line, i + 1, False))
            elif not t.paragraphs:
                warnings.append(f"line {t.line}: {t.label!r} has no words after the label (turn skipped)")
            else:
                kept.append((i, t))
        turns: list[Turn] = []
        first_of: dict[int, int] = {}  # raw index → index of the turn it became
        barriers = {s[2] for s in stages if not s[3]} | {h[2] for h in self._headings}
        for i, t in kept:
            code = code_of[t.label]
            if turns and turns[-1].speaker == code and i not in barriers:
                prev = turns[-1]
                turns[-1] = replace(prev, paragraphs=prev.paragraphs + tuple(t.paragraphs))
            else:
                turns.append(Turn(len(turns), code, tuple(t.paragraphs), t.time))
            first_of[i] = len(turns) - 1
        if not turns:
            if raw:
                raise TranscriptError("has speaker labels but no speech after them", path=self.path, line=raw[0].line,
                                      hint="write the words after the label, e.g. 'JG: Hello.'")
            raise TranscriptError("has no speaker turns", path=self.path, line=1,
                                  hint="start each turn with a speaker label, e.g. 'JG: Hello.'")

        kept_raw = sorted(first_of)

        def at(raw_index: int) -> int:
            """The turn a note before raw turn ``raw_index`` precedes (turns only grow with raw index)."""
            k = bisect.bisect_left(kept_raw, raw_index)
            return first_of[kept_raw[k]] if k < len(kept_raw) else len(turns)

        language = normalize_language(self.meta.get("language") or self.meta.get("lang") or "") or \
            detect_language(" ".join(t.text for t in turns[:60]))
        spoken = {t.speaker for t in turns}
        first = {}
        for i, t in enumerate(raw):
            first.setdefault(code_of[t.label], i)
        roster = list(self.roster)
        listed = sorted((s for s in speakers.values() if s.code in spoken or s.role == PSEUDO and s.code in first),
                        key=lambda s: (0, roster.index(s.code)) if s.code in self.roster else (1, first[s.code]))
        listed = self._with_roles(listed, turns, language)
        warnings += self._label_warnings(raw, code_of, {s.code: s for s in listed})
        title, show = _split_title(self.meta.get("title", Path(self.path).stem))
        metadata = Metadata(title=title, show=self.meta.get("show") or self.meta.get("podcast") or show,
                            source_url=self.meta.get("source_url", ""), date=self.meta.get("date", ""),
                            category=self.meta.get("category", ""), language=language, extra=tuple(self.extra))
        return Transcript(
            self.path, metadata, tuple(listed), tuple(turns),
            tuple(sorted((StageDirection(text, line, at(b)) for text, line, b, _ in stages), key=lambda s: s.line)),
            tuple(Heading(text, line, at(b), level) for text, line, b, level in self._headings),
            format=self.format, warnings=tuple(warnings))

    def _resolve(self, labels: list[str]) -> tuple[dict[str, Speaker], dict[str, str]]:
        """Speakers by code, and the code of every label as written."""
        speakers: dict[str, Speaker] = dict(self.roster)
        code_of: dict[str, str] = {}
        by_name = {s.name.lower(): s.code for s in self.roster.values()}
        order = list(dict.fromkeys(labels))
        for name in dict.fromkeys(self.known_names):
            if name.lower() not in by_name:
                code = self._new_code(name, speakers, order)
                speakers[code] = Speaker(code, name, role_of(name) or PANELIST)
                by_name[name.lower()] = code
        # Full names first, so initials or a first name seen earlier still find their person.
        for label in sorted(order, key=lambda x: " " not in x):  # stable: first seen first
            code = self._match(label, speakers, by_name)
            if code is None:
                code = self._new_code(label, speakers, order)
                role = role_of(label) or (MODERATOR if label == "M" else AUDIENCE if label == "A" else PANELIST)
                speakers[code] = Speaker(code, label, role)
                by_name.setdefault(label.lower(), code)
            code_of[label] = code
        for code, s in speakers.items():
            extra = sorted({lb for lb, c in code_of.items() if c == code and lb != code})
            speakers[code] = replace(s, aliases=tuple(extra))
        return speakers, code_of

    @staticmethod
    def _match(label: str, speakers: dict[str, Speaker], by_name: dict[str, str]) -> str | None:
        if label in speakers:
            return label
        if label.lower() in by_name:
            return by_name[label.lower()]
        if _INITIALS_LABEL.match(label):
            found = [c for c, s in speakers.items() if initials(s.name) == label and " " in s.name.strip()]
        elif " " not in label:
            found = [c for c, s in speakers.items() if s.name.split()[0:1] == [label] and " " in s.name]
        else:
            found = []
        return found[0] if len(found) == 1 else None

    @staticmethod
    def _new_code(label: str, speakers: dict[str, Speaker], labels: list[str]) -> str:
        if " " in label.strip():
            short = initials(label)
            if len(short) >= 2 and short not in speakers:
                return short
        return label

    def _with_roles(self, listed: list[Speaker], turns: list[Turn], language: str) -> list[Speaker]:
        out = []
        for s in listed:
            role = self.roles.get(s.name.lower()) or self.roles.get(s.code.lower()) or s.role
            name = s.name
            if s.code == s.name and role in (MODERATOR, AUDIENCE) and s.code in ("M", "A"):
                name = _ROLE_NAMES.get((language, role), s.code)
            out.append(replace(s, role=role, name=name))
        roles = {s.role for s in out}
        if HOST not in roles and MODERATOR not in roles:
            for t in turns[:3]:
                host = t.speaker if _HOST_SAYS.search(t.text) else _host_named(t.text, out)
                if host:
                    out = [replace(s, role=HOST) if s.code == host and s.role == PANELIST else s for s in out]
                    break
        if any(s.role == HOST for s in out) and MODERATOR not in roles:
            out = [replace(s, role=GUEST) if s.role == PANELIST else s for s in out]
        return out

    def _label_warnings(self, raw: list[_RawTurn], code_of: dict[str, str], speakers: dict[str, Speaker]) -> list[str]:
        """A speaker whose label appears once (a slip for another?), a speaker the roster lacks."""
        out = []
        lines: dict[str, list[int]] = {}
        for t in raw:
            lines.setdefault(code_of[t.label], []).append(t.line)
        for code, seen in lines.items():
            s = speakers.get(code)
            if s is None or s.role in (PSEUDO, NARRATOR, AUDIENCE, MODERATOR):
                continue
            label = next(t.label for t in raw if code_of[t.label] == code)
            if len(seen) == 1 and len(raw) >= 4 and code not in self.roster:
                out.append(f"line {seen[0]}: the label {label!r} appears only once (a slip for another speaker?)")
            if self.roster and code not in self.roster:
                out.append(f"line {seen[0]}: speaker {label!r} is not in the transcript's list of speakers")
        return out


def _split_title(title: str) -> tuple[str, str]:
    """``"Systems ML workshop panel：ezyang's 博客"`` → (episode title, show)."""
    for sep in ("：", " | ", " — ", " - "):
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and tail.strip():
            return head.strip(), tail.strip()
    return title.strip(), ""
