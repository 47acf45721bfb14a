"""The label-style transcript parser, on the bundled panel and on each of its quirks."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict

import pytest
from hypothesis import given, settings, strategies as st

from audio_pipeline.errors import TranscriptError
from audio_pipeline.transcript import parse_transcript, read_transcript

LABEL_AT_START = re.compile(r"^[A-Z]{1,4}\s*[:：]")


def test_example_speakers_roles_and_turn_counts(example):
    t = read_transcript(example)
    assert [(s.code, s.name, s.role) for s in t.speakers] == [
        ("JG", "Joseph Gonzalez", "panelist"), ("GG", "Garth Gibson", "panelist"),
        ("DS", "Dawn Song", "panelist"), ("JL", "John Langford", "panelist"),
        ("YQ", "Yangqing Jia", "panelist"), ("SB", "Sarah Bird", "panelist"),
        ("M", "主持人", "moderator"), ("A", "观众", "audience")]
    assert t.speaker("YQ").aliases == ("YJ",)
    assert t.speaker("GG").affiliation == "CMU"
    assert Counter(turn.speaker for turn in t.turns) == {
        "GG": 13, "M": 11, "JG": 11, "JL": 10, "YQ": 8, "DS": 8, "A": 4, "SB": 2}


def test_example_metadata_and_stage_directions(example):
    t = read_transcript(example)
    m = t.metadata
    assert (m.title, m.show, m.language) == ("Systems ML workshop panel", "ezyang's 博客", "zh")
    assert m.source_url == "http://blog.ezyang.com/2017/12/systems-ml-workshop-panel/"
    assert (m.date, m.category) == ("2024-07-01 18:16:59", "未分类")
    assert [(d.text, d.line) for d in t.stage_directions] == [("掌声", 99), ("听众提问", 125)]
    assert t.turns[t.stage_directions[1].before_turn].speaker == "A"


def test_example_quirks(example):
    t = read_transcript(example)
    by_line = {p.line: (turn.speaker, p.text) for turn in t.turns for p in turn.paragraphs}
    # full-width colon after a label
    assert by_line[101][0] == "GG" and by_line[101][1].startswith("我认为 AI 民主化")
    # a doubled label "YJ   YJ:" is one Yangqing Jia turn, label text not spoken
    assert by_line[155] == ("YQ", by_line[155][1]) and by_line[155][1].startswith("作为行业")
    # unlabelled paragraphs continue the previous speaker
    assert by_line[49][0] == "JL" and by_line[49][1].startswith("另一个例子")
    assert by_line[83][0] == "JL" and by_line[83][1].startswith("有很多方法")
    assert by_line[165][0] == "M" and by_line[165][1].startswith("由于这是一个小组讨论")


def test_every_spoken_character_is_in_exactly_one_turn(example):
    t = read_transcript(example)
    source = example.read_text(encoding="utf-8")
    body = source[source.index("M: 这个研讨会"):]
    expected = []
    for block in body.split("\n\n"):
        block = block.strip()
        if not block or re.fullmatch(r"（[^）]+）", block):
            continue
        expected.append(re.sub(r"^([A-Z]{1,4})(\s+\1)?\s*[:：]\s*", "", block))
    spoken = [p.text for turn in t.turns for p in turn.paragraphs]
    assert spoken == expected
    assert not any(LABEL_AT_START.match(p) for p in spoken)


def test_parse_golden(example, golden):
    t = read_transcript(example)
    golden("systems-ml-panel.transcript.json",
           {"metadata": asdict(t.metadata), "speakers": [asdict(s) for s in t.speakers],
            "turns": [{"speaker": turn.speaker, "lines": [p.line for p in turn.paragraphs],
                       "chars": len(turn.text)} for turn in t.turns]})


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("  \n\t\n", "has only white space"),
    ("Just some prose.\n\nAnd more prose.\n", "has no speaker turns"),
    ("JG:\n\nGG:   \n", "has speaker labels but no speech"),
])
def test_unusable_text_is_an_error_with_a_line(text, message):
    with pytest.raises(TranscriptError, match=message) as info:
        parse_transcript(text, path="t.txt")
    assert info.value.one_line().startswith("t.txt:1: ")


def test_unclosed_metadata_block_names_its_line():
    with pytest.raises(TranscriptError) as info:
        parse_transcript("\n<!--yml\ndate: 2020\n\nJG: hi\n", path="t.txt")
    assert info.value.line == 2


def test_unknown_label_becomes_a_speaker_and_initials_resolve():
    t = parse_transcript("+ YQ: Yangqing Jia\n\nYJ: 你好。\n\nZZ: 嗯。\n")
    assert [s.code for s in t.speakers] == ["YQ", "ZZ"]
    assert [turn.speaker for turn in t.turns] == ["YQ", "ZZ"]


def test_crlf_bom_and_wrapped_lines():
    t = parse_transcript("\ufeffJG: Hello\r\nthere.\r\n\r\nM: Why?\r\n")
    assert t.turns[0].text == "Hello there."
    assert t.metadata.language == "en"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_any_text_parses_or_raises_transcript_error(text):
    try:
        t = parse_transcript(text)
    except TranscriptError as exc:
        assert exc.line is not None
        return
    assert t.turns and all(turn.paragraphs for turn in t.turns)
    assert {turn.speaker for turn in t.turns} <= {s.code for s in t.speakers}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["JG", "GG", "M", "A"]),
                          st.text(alphabet="你好吗系统。？，abc ", min_size=1, max_size=40)
                          .filter(lambda s: s.strip() and not s.strip().startswith(("（", "(")))),
                min_size=1, max_size=12))
def test_generated_turns_round_trip(turns):
    text = "\n\n".join(f"{code}: {body.strip()}" for code, body in turns)
    t = parse_transcript(text)
    spoken = [(turn.speaker, p.text) for turn in t.turns for p in turn.paragraphs]
    assert spoken == [(code, body.strip()) for code, body in turns]
