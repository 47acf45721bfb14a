"""Frozen values passed between the pipeline's stages.

Stages never import each other; they share these types. Vary a value with
:func:`dataclasses.replace`, never by mutation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Roles a speaker can have in a discussion. A host (of an interview) asks the questions, like a
#: moderator; a narrator reads intros and outros; a pseudo-speaker (``Break:``) marks a part of the
#: show rather than a person and is never cast as a panelist.
PANELIST, MODERATOR, AUDIENCE = "panelist", "moderator", "audience"
HOST, GUEST, NARRATOR, PSEUDO = "host", "guest", "narrator", "pseudo"


@dataclass(frozen=True)
class Speaker:
    """A person (or group, like the audience) who speaks in the transcript."""

    code: str
    name: str
    role: str = PANELIST
    affiliation: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of speech, with the 1-based line it starts on."""

    text: str
    line: int


@dataclass(frozen=True)
class Turn:
    """What one speaker says before another speaker takes over."""

    index: int
    speaker: str
    paragraphs: tuple[Paragraph, ...]
    #: Where the turn starts in the source recording, in seconds, when the transcript says so.
    source_time: float | None = None

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def line(self) -> int:
        return self.paragraphs[0].line


@dataclass(frozen=True)
class StageDirection:
    """A non-spoken note such as ``（掌声）``; ``before_turn`` is the turn it precedes."""

    text: str
    line: int
    before_turn: int


@dataclass(frozen=True)
class Heading:
    """A section heading between turns (Markdown ``## …``); ``before_turn`` is the turn it opens."""

    text: str
    line: int
    before_turn: int
    level: int = 2


@dataclass(frozen=True)
class Metadata:
    """What the transcript says about itself."""

    title: str = ""
    show: str = ""
    source_url: str = ""
    date: str = ""
    category: str = ""
    language: str = "en"
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Transcript:
    """A parsed discussion: who speaks, what they say, in order."""

    path: str
    metadata: Metadata
    speakers: tuple[Speaker, ...]
    turns: tuple[Turn, ...]
    stage_directions: tuple[StageDirection, ...] = ()
    headings: tuple[Heading, ...] = ()
    #: The input format that read it (``labels``, ``markdown``, ``webvtt``, ``srt``, …).
    format: str = "labels"
    #: The text encoding it was decoded from (``utf-8``, ``utf-8-sig``, ``utf-16``, ``gb18030``).
    encoding: str = "utf-8"
    #: Things a user may want to check (a label seen once, a question with no answer, …).
    warnings: tuple[str, ...] = ()

    def speaker(self, code: str) -> Speaker:
        for speaker in self.speakers:
            if speaker.code == code:
                return speaker
        raise KeyError(code)


@dataclass(frozen=True)
class Chapter:
    """One discussion question (or the opening), starting at a paragraph of a turn."""

    index: int
    title: str
    question: str
    asked_by: str | None
    turn: int
    paragraph: int = 0


@dataclass(frozen=True)
class Voice:
    """Everything that shapes how a speaker sounds."""

    voice_id: str
    variant: str | None = None
    rate: int = 170
    pitch: int = 50
    volume: float = 1.0

    @property
    def spec(self) -> str:
        """The engine's name for voice plus variant, e.g. ``sit/cmn+m3``."""
        return f"{self.voice_id}+{self.variant}" if self.variant else self.voice_id

    def describe(self) -> str:
        return f"{self.spec} rate={self.rate} pitch={self.pitch} volume={self.volume:g}"


@dataclass(frozen=True)
class Cast:
    """The voice (and display name) of every speaker."""

    voices: tuple[tuple[str, Voice], ...]
    names: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = ()

    def voice(self, code: str) -> Voice:
        return dict(self.voices)[code]

    def name(self, code: str, default: str) -> str:
        return dict(self.names).get(code, default)


@dataclass(frozen=True)
class Piece:
    """One unit of synthesis: a sentence (or a slice of a long one) in one voice.

    ``text`` is the transcript's text (white space folded); ``say`` is what the engine is given,
    as the text front end (``audio_pipeline.frontend``) makes it from ``text``.
    """

    index: int
    turn: int
    paragraph: int
    speaker: str
    text: str
    voice: Voice
    chapter: int
    pause_before_ms: int
    line: int = 0
    say: str = ""


@dataclass(frozen=True)
class PieceAudio:
    """Where a piece's synthesized audio lives and how long it is."""

    path: str
    frames: int
    sample_rate: int
    reused: bool


@dataclass(frozen=True)
class TimedPiece:
    """A piece placed on the episode's timeline (times in samples)."""

    piece: Piece
    start: int
    end: int


@dataclass(frozen=True)
class TimedChapter:
    """A chapter placed on the timeline (times in samples, end exclusive)."""

    chapter: Chapter
    start: int
    end: int


@dataclass(frozen=True)
class Segment:
    """A run of whole turns laid out on its own, starting and ending on the encoder's frame grid.

    Its layout depends only on its own pieces, so it can be encoded once and reused when other
    segments change (frames ``start:end`` of the episode).
    """

    start: int
    end: int
    first_piece: int
    last_piece: int  # exclusive


@dataclass(frozen=True)
class Timeline:
    """The whole episode laid out in time: the one input of every exporter."""

    transcript: Transcript
    cast: Cast
    sample_rate: int
    frames: int
    pieces: tuple[TimedPiece, ...]
    chapters: tuple[TimedChapter, ...]
    audio: tuple[PieceAudio, ...] = field(repr=False, default=())
    segments: tuple[Segment, ...] = ()

    def ms(self, frames: int) -> int:
        """Frames to whole milliseconds, rounded to nearest."""
        return (frames * 1000 + self.sample_rate // 2) // self.sample_rate

    @property
    def duration_ms(self) -> int:
        return self.ms(self.frames)

    @property
    def names(self) -> dict[str, str]:
        """Display name of every speaker (the casting file's ``name`` wins over the roster's)."""
        return {s.code: self.cast.name(s.code, s.name) for s in self.transcript.speakers}
