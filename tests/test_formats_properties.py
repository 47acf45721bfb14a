"""Contracts of every reader, checked on generated text (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from audio_pipeline.errors import TranscriptError
from audio_pipeline.transcript import parse_transcript
from audio_pipeline.transcript.formats import READERS

# Pieces that exercise every reader's syntax; hypothesis strings them together at random.
TOKENS = ["JG:", "JG：", "Ann Lee:", "**Ann Lee:**", "*FM (0:01:47)*:", "0:00:14.2 **Bob**", "\\[03:51\\]",
          "(0: 00:14)", "(applause)", "（掌声）", "[laughter]", "+ JG: Joseph Gonzalez", "- YQ: Yangqing Jia",
          "# Title", "## Part", "---", "<!--yml", "-->", "WEBVTT", "00:00:01.000 --> 00:00:02.000", "1",
          "00:00:01,000 --> 00:00:02,000", "<v Ann>", "</v>", "NOTE", "{", "}", '"segments"', "[", "]", ":",
          "<cite>", "</cite>", "<p>", "</p>", "<time>", "&amp;", "https://x.org/a", "[t](https://x.org)",
          "![i](p.png)", "`", "*", "_", "\\", "hello", "world.", "你好。", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r"]
any_text = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_text, st.sampled_from([None, *READERS]))
def test_any_text_parses_or_raises_transcript_error_with_a_line(text, fmt):
    try:
        first = parse_transcript(text, path="t.txt", input_format=fmt)
    except TranscriptError as exc:
        assert exc.line is not None and exc.line >= 1 and exc.path == "t.txt"
        return
    assert first.turns and all(turn.paragraphs for turn in first.turns)
    assert parse_transcript(text, path="t.txt", input_format=fmt) == first  # deterministic


NAMES = ["Ann Lee", "Bob Stone", "JG", "GG", "Carla Díaz"]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
LABEL_STYLES = ["{name}: ", "**{name}:** ", "**{name}**: ", "*{name}*: ", "{ts} **{name}** ", "{name} [{ts}]: ",
                "{name}：", "[{ts}] {name}: ", "{name}: {ts}\n\n"]
DECOR = ["", "*{w}*", "**{w}**", "[{w}](https://example.org/{w})", "`{w}`", "_{w}_"]
MARKUP = re.compile(r"[*`\[\]<>\\]|https?:|\d{1,2}:\d{2}|\b(?:Ann Lee|Bob Stone|Carla Díaz)\b|^(?:JG|GG)\b")


@st.composite
def _transcript(draw):
    turns = draw(st.lists(st.tuples(st.sampled_from(NAMES),
                                    st.lists(st.tuples(WORDS, st.sampled_from(DECOR)), min_size=1, max_size=8),
                                    st.sampled_from(LABEL_STYLES), st.booleans()),
                          min_size=1, max_size=8))
    lines, expected = [], []
    for i, (name, words, style, noted) in enumerate(turns):
        ts = f"0:{i:02d}:{i % 60:02d}"
        body = " ".join(d.format(w=w) if d else w for w, d in words) + "."
        if noted:
            body += " (laughs)"
        lines.append(style.format(name=name, ts=ts) + body)
        if expected and expected[-1][0] == name:
            expected[-1][1].extend(w for w, _ in words)
        else:
            expected.append((name, [w for w, _ in words]))
    return "\n\n".join(lines) + "\n", expected


@settings(max_examples=300, deadline=None)
@given(_transcript())
def test_every_word_lands_in_exactly_one_turn_and_no_markup_is_spoken(case):
    text, expected = case
    t = parse_transcript(text)
    got = [(turn.speaker, re.findall(r"[a-z]+", turn.text)) for turn in t.turns]
    names = {s.code: s.name for s in t.speakers}
    assert [names[code] if names[code] in NAMES else code for code, _ in got] == [n for n, _ in expected]
    assert [words for _, words in got] == [w for _, w in expected]
    for turn in t.turns:
        assert not MARKUP.search(turn.text), turn.text
        assert "laughs" not in turn.text


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Ann", "Bob"]), st.lists(WORDS, min_size=1, max_size=12)),
                min_size=1, max_size=8), st.sampled_from(["webvtt", "srt"]), st.integers(1, 4))
def test_caption_cues_merge_into_turns_with_every_word(turns, fmt, per_cue):
    cues, expected, t0 = [], [], 0
    for name, words in turns:
        for k in range(0, len(words), per_cue):
            chunk = " ".join(words[k:k + per_cue])
            if fmt == "webvtt":
                prefix = f"<v {name}>" if k == 0 else ""
                cues.append(f"00:00:{t0:02d}.000 --> 00:00:{t0 + 1:02d}.000\n{prefix}{chunk}")
            else:
                prefix = f"{name}: " if k == 0 else ""
                cues.append(f"{len(cues) + 1}\n00:00:{t0:02d},000 --> 00:00:{t0 + 1:02d},000\n{prefix}{chunk}")
            t0 = (t0 + 1) % 58
        if expected and expected[-1][0] == name:
            expected[-1][1].extend(words)
        else:
            expected.append((name, list(words)))
    text = ("WEBVTT\n\n" if fmt == "webvtt" else "") + "\n\n".join(cues) + "\n"
    t = parse_transcript(text)
    assert t.format == fmt
    assert [(x.speaker, x.text.split()) for x in t.turns] == expected
