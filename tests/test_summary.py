"""inspect --json: the document's schema, its golden for the bundled panel, and what it reports."""

from __future__ import annotations

import json
from dataclasses import replace

from audio_pipeline.casting import cast_voices, with_names
from audio_pipeline.model import GUEST, HOST, PSEUDO, Heading
from audio_pipeline.pipeline import Plan
from audio_pipeline.summary import SCHEMA, count_words, inspect_document
from audio_pipeline.transcript import find_chapters, parse_transcript
from conftest import DATA, run_cli
from fakes import FakeEngine

INFO = FakeEngine().info()
ANSWER = ("Well, it started when I was working on compilers and noticed that nobody measured anything. "
          "So we built the tools ourselves, and that became the company. ") * 4  # ~50 s estimated

_KEYS = {"schema": int, "title": str, "format": str, "encoding": str, "language": str, "speakers": list,
         "turns": list, "chapters": list, "stage_directions": list, "warnings": list}
_SPEAKER = {"code": str, "name": str, "role": str, "aliases": list, "turns": int, "words": int, "voice": str}
_TURN = {"index": int, "speaker": str, "line": int, "source_time": (float, int, type(None)), "text": str}
_CHAPTER = {"index": int, "title": str, "first_turn": int, "first_paragraph": int, "asked_by": (str, type(None)),
            "estimated_seconds": (float, int)}
_STAGE = {"text": str, "line": int, "before_turn": int}


def check_schema(doc: dict) -> None:
    """Every key present, no other, each of its type (JSON round trip included)."""
    doc = json.loads(json.dumps(doc, ensure_ascii=False))
    for value, shape in [(doc, _KEYS), *[(s, _SPEAKER) for s in doc["speakers"]], *[(t, _TURN) for t in doc["turns"]],
                         *[(c, _CHAPTER) for c in doc["chapters"]], *[(d, _STAGE) for d in doc["stage_directions"]]]:
        assert set(value) == set(shape), (set(value) ^ set(shape))
        for key, kind in shape.items():
            assert isinstance(value[key], kind), (key, value[key])
    assert doc["schema"] == SCHEMA
    assert all(isinstance(w, str) and "\n" not in w for w in doc["warnings"])
    assert all(isinstance(a, str) for s in doc["speakers"] for a in s["aliases"])
    assert [t["index"] for t in doc["turns"]] == list(range(len(doc["turns"])))
    assert doc["chapters"] and doc["chapters"][0]["first_turn"] == 0


def plan_of(transcript, **kw) -> Plan:
    chapters = find_chapters(transcript, **kw)
    cast = cast_voices(transcript, INFO)
    return Plan(transcript, chapters, INFO, cast, with_names(cast, transcript))


def interview(text: str, roles: dict):
    t = parse_transcript(text, path="interview.md")
    return replace(t, speakers=tuple(replace(s, role=roles.get(s.code, s.role)) for s in t.speakers))


def test_count_words_counts_hanzi_one_by_one():
    assert count_words("Hello, world! It's 2024.") == 4
    assert count_words("我们在谷歌做了很多好工作") == 12
    assert count_words("ML 是我的主基地。") == 7
    assert count_words("state-of-the-art …") == 1


def test_bundled_panel_document_matches_its_golden(tmp_path, golden):
    result = run_cli("inspect", "--json", "--voices", "none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    check_schema(doc)
    assert (doc["format"], doc["encoding"], doc["language"]) == ("labels", "utf-8", "zh")
    assert [s["code"] for s in doc["speakers"]] == ["JG", "GG", "DS", "JL", "YQ", "SB", "M", "A"]
    assert next(s for s in doc["speakers"] if s["code"] == "YQ")["aliases"] == ["YJ"]
    assert len(doc["turns"]) == 67 and len(doc["chapters"]) == 12
    golden("systems-ml-panel.inspect.json", doc)


def test_interview_chapters_are_the_hosts_questions_and_turns_are_as_spoken():
    t = interview("HO: Welcome to the show. How did you get started?\n\n(laughter)\n\n"
                  f"GU: {ANSWER}\n\nHO: Interesting! What would you do differently?\n\n"
                  f"GU: {ANSWER}\n\nBR: Break\n\nHO: Where next?\n\nGU: {ANSWER}\n",
                  {"HO": HOST, "GU": GUEST, "BR": PSEUDO})
    doc = inspect_document(plan_of(t))
    check_schema(doc)
    assert [(c["title"], c["first_turn"], c["asked_by"]) for c in doc["chapters"]] == [
        ("1. How did you get started?", 0, "HO"), ("2. What would you do differently?", 2, "HO"),
        ("3. Where next?", 5, "HO")]
    assert doc["turns"][0]["text"] == "Welcome to the show. How did you get started?"
    assert doc["turns"][4] == {"index": 4, "speaker": "BR", "line": 11, "source_time": None, "text": ""}
    assert doc["stage_directions"] == [{"text": "laughter", "line": 3, "before_turn": 1}]
    speakers = {s["code"]: s for s in doc["speakers"]}
    assert (speakers["HO"]["role"], speakers["HO"]["turns"], speakers["HO"]["words"]) == ("host", 3, 17)
    assert speakers["GU"]["words"] == 3 * count_words(ANSWER)
    assert "gmw/en-us" in speakers["GU"]["voice"]
    assert all(c["estimated_seconds"] >= 30 for c in doc["chapters"])


def test_headings_title_the_chapters():
    t = interview(f"AA: Hello and welcome.\n\nBB: {ANSWER}\n\nAA: Next part.\n\nBB: Short.\n", {})
    t = replace(t, headings=(Heading("Introduction", 1, 0), Heading("The second part", 5, 2)))
    doc = inspect_document(plan_of(t))
    check_schema(doc)
    assert [(c["title"], c["first_turn"]) for c in doc["chapters"]] == [("1. Introduction", 0),
                                                                       ("2. The second part", 2)]
    assert doc["chapters"][1]["estimated_seconds"] < 30  # headings are the transcript's own say


def test_plain_transcript_has_equal_chapters_of_30_s_or_more(tmp_path):
    body = "\n\n".join(f"AA: On topic {n}, we argued for a long time. {ANSWER}\n\nBB: Indeed. {ANSWER}"
                       for n in range(8))
    path = tmp_path / "plain.txt"
    path.write_text(body, encoding="utf-8")
    result = run_cli("inspect", str(path), "--json", "--voices", "none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    check_schema(doc)
    seconds = [c["estimated_seconds"] for c in doc["chapters"]]
    assert len(seconds) >= 2 and min(seconds) >= 30 and max(seconds) < 1.6 * min(seconds)
    assert doc["chapters"][0]["title"] == "1. On topic 0, we argued for a long time"
    assert all(c["asked_by"] is None for c in doc["chapters"])


def test_warnings_gather_the_transcript_the_questions_and_the_casting():
    t = interview(f"HO: What is it?\n\nGU: {ANSWER}\n\nHO: And then?\n", {"HO": HOST, "GU": GUEST})
    t = replace(t, warnings=("line 1: label 'HX' appears only once",),
                metadata=replace(t.metadata, language="tlh"))
    doc = inspect_document(plan_of(t))
    check_schema(doc)
    assert doc["warnings"][0] == "line 1: label 'HX' appears only once"
    assert "line 5: the question 'And then?' has no answer" in doc["warnings"]
    assert any("'tlh'" in w for w in doc["warnings"]) and len(doc["warnings"]) == 3


def test_table_view_shows_format_encoding_and_language(tmp_path):
    path = tmp_path / "talk.txt"
    path.write_text(f"M: What is it?\n\n(applause)\n\nGU: {ANSWER}\n", encoding="utf-8")
    result = run_cli("inspect", str(path), "--voices", "none", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "format: labels  encoding: utf-8  language: en" in result.stdout
    for heading in ("Speakers", "Turns", "Chapters", "Stage directions"):
        assert heading in result.stdout
    assert "applause" in result.stdout and "What is it?" in result.stdout


def test_bad_input_is_one_line_not_a_document(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")
    result = run_cli("inspect", str(path), "--json", cwd=tmp_path)
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1
