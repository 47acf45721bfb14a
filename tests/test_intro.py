"""The narrator's intro and outro: the stage on its own (fake engine info), and a real render read
back with ffprobe/ffmpeg and the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audio_pipeline.intro import INTRO_TITLE, OUTRO_TITLE, NARRATOR_VOICES, add_intro, script
from audio_pipeline.model import NARRATOR, Cast, Voice
from audio_pipeline.pipeline import prepare
from audio_pipeline.settings import Settings
from audio_checks import ffprobe_chapters
from conftest import run_cli

DATA = Path(__file__).parent / "data"


def plan(name: str, **kw):
    return prepare(Settings(transcript=DATA / name, cache_dir=None, engine="fake", min_chapter_seconds=0), **kw)


def test_intro_and_outro_are_chapters_of_their_own_around_the_discussion():
    p = plan("short-panel.txt")
    transcript, chapters, cast = add_intro(p.transcript, p.chapters, p.cast, p.engine)
    assert [c.title for c in chapters] == [INTRO_TITLE, *[c.title for c in p.chapters], OUTRO_TITLE]
    assert [c.index for c in chapters] == list(range(1, len(p.chapters) + 3))
    assert [t.index for t in transcript.turns] == list(range(len(p.transcript.turns) + 2))
    assert transcript.turns[1:-1] and [t.speaker for t in transcript.turns[1:-1]] == [t.speaker for t in p.transcript.turns]
    narrator = transcript.speakers[-1]
    assert narrator.role == NARRATOR and transcript.turns[0].speaker == transcript.turns[-1].speaker == narrator.code
    for old, new in zip(p.chapters, chapters[1:-1]):
        assert transcript.turns[new.turn].paragraphs == p.transcript.turns[old.turn].paragraphs
    assert [d.before_turn for d in transcript.stage_directions] == [d.before_turn + 1 for d in p.transcript.stage_directions]
    voices = dict(cast.voices)
    assert all(voices[narrator.code].variant != v.variant for code, v in p.cast.voices)


def test_the_intro_speaks_the_transcripts_language():
    p = plan("short-panel.txt")
    intro, outro = script(p.transcript, p.chapters, p.cast)
    assert intro.startswith("欢迎收听Test show。") and "Joseph Gonzalez、Dawn Song和主持人" in intro
    assert "共讨论3个问题" in intro and "感谢收听" in outro
    p = plan("loud-quiet-panel.txt")
    intro, outro = script(p.transcript, p.chapters, p.cast)
    assert intro == ("Welcome to Test show. This episode: Loud and quiet. With Moderator, Alice Lee and Bob Orr. "
                     "2 questions are discussed.")
    assert outro == "That was Loud and quiet, on Test show. Thank you for listening."


def test_the_narrator_avoids_every_variant_in_use():
    p = plan("short-panel.txt")
    taken = tuple((f"S{i}", Voice("sit/cmn", variant, 170, 50)) for i, (variant, _, _) in enumerate(NARRATOR_VOICES))
    crowded = Cast(p.cast.voices + taken)
    _, _, cast = add_intro(p.transcript, p.chapters, crowded, p.engine)
    narrator = dict(cast.voices)["NARRATOR"]
    assert narrator.variant not in {v.variant for _, v in crowded.voices}


@pytest.mark.integration
def test_render_with_intro(tmp_path):
    done = run_cli("render", str(DATA / "loud-quiet-panel.txt"), "--voices", "none", "--intro", "--out", "out", "--min-chapter", "0",
                   "--voice", "AL=gmw/en-us+klatt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    manifest = json.loads((out / "loud-and-quiet.json").read_text(encoding="utf-8"))
    chapters = ffprobe_chapters(out / "loud-and-quiet.mp3")
    assert chapters[0]["title"] == INTRO_TITLE and chapters[0]["start"] == 0
    assert chapters[-1]["title"] == OUTRO_TITLE
    assert [c["title"] for c in chapters[1:-1]] == ["1. What does your community work on?",
                                                    "2. Why is verification hard in production?"]
    sidecar = json.loads((out / "loud-and-quiet.chapters.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in sidecar["chapters"]] == [c["title"] for c in chapters]
    turns = manifest["turns"]
    assert turns[0]["role"] == turns[-1]["role"] == "narrator" and turns[0]["chapter"] == 1
    assert all(t["role"] != "narrator" for t in turns[1:-1])
    assert turns[0]["text"].startswith("Welcome to Test show.") and turns[0]["end_ms"] / 1000 <= chapters[1]["start"]
    voices = {s["code"]: (s["voice"]["voice_id"], s["voice"]["variant"], s["voice"]["pitch"]) for s in manifest["speakers"]}
    narrator = next(s["code"] for s in manifest["speakers"] if s["role"] == "narrator")
    assert all(voices[narrator] != v and voices[narrator][1] != v[1] for code, v in voices.items() if code != narrator)
    vtt = (out / "loud-and-quiet.vtt").read_text(encoding="utf-8")
    assert vtt.index("<v Narrator>Welcome to Test show.") < vtt.index("<v Moderator>")
