"""``audio-pipeline pronounce``: the JSON schema, source offsets, and the same path as a render."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from audio_pipeline.frontend.chain import FrontEnd
from audio_pipeline.frontend.preparing import prepare_pieces
from audio_pipeline.frontend.lexicon import Lexicon
from audio_pipeline.frontend.pronounce import Speech, pronounce, pronounce_all
from audio_pipeline.model import Metadata, Paragraph, Speaker, Transcript, Turn, Voice
from audio_pipeline.script import plan_pieces
from audio_pipeline.model import Cast
from audio_pipeline.settings import Pauses
from conftest import run_cli

MANDARIN = Speech(Voice("sit/cmn", "m3"), Lexicon())


def test_json_has_one_object_per_input_in_order(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("熊猫很可爱。\n\n2017年。10%的人。\n", encoding="utf-8")
    voices = tmp_path / "voices.toml"
    voices.write_text('[defaults]\nvoice = "sit/cmn"\n[lexicon]\n"ICML" = "I C M L"\n', encoding="utf-8")
    result = run_cli("pronounce", "在 ICML 上", "--file", str(lines), "--voices", str(voices), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["text"] for o in objects] == ["在 ICML 上", "熊猫很可爱。", "", "2017年。10%的人。"]
    for o in objects:
        assert set(o) == {"text", "tokens", "engine_runs"}
        for token in o["tokens"]:
            assert set(token) == {"source", "text", "lang", "reading"}
            a, b = token["source"]
            assert o["text"][a:b] == token["text"]
        for run in o["engine_runs"]:
            assert set(run) == {"voice", "text"} and run["voice"] == "sit/cmn"
    assert objects[0]["tokens"][1] == {"source": [2, 6], "text": "ICML", "lang": "en", "reading": "I C M L"}
    assert objects[2] == {"text": "", "tokens": [], "engine_runs": []}
    year = objects[3]["tokens"][0]
    assert year == {"source": [0, 4], "text": "2017", "lang": "zh", "reading": "er4 ling2 yi1 qi1"}
    assert len(objects[3]["engine_runs"]) == 2  # two sentences, two utterances, as a render cuts them


def test_table_view_shows_words_and_readings(tmp_path):
    result = run_cli("pronounce", "熊猫在这儿", "--voices", "none", "--lang", "zh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "│" in line]
    assert any("熊猫" in row and "xiong2 mao1" in row for row in rows)
    assert any("这儿" in row and "zhe4 er5" in row for row in rows)
    assert "sit/cmn: xong2mao1 zai4 zhe4er5" in result.stdout  # the utterance


def test_a_speakers_lexicon_and_voice(tmp_path):
    voices = tmp_path / "voices.toml"
    voices.write_text('[lexicon]\nChen = "chen2"\n[speakers.YQ]\nvariant = "klatt"\n[speakers.YQ.lexicon]\nChen = "Chen"\n',
                      encoding="utf-8")
    result = run_cli("pronounce", "Chen", "--voices", str(voices), "--speaker", "YQ", "--json", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert report["engine_runs"] == [{"voice": "sit/cmn+klatt", "text": "Chen"}]
    other = json.loads(run_cli("pronounce", "Chen", "--voices", str(voices), "--json", cwd=tmp_path).stdout)
    assert other["tokens"][0]["reading"] == "chen2"


def test_errors_are_one_line(tmp_path):
    result = run_cli("pronounce", "--file", "missing.txt", "--voices", "none", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: missing.txt") and result.stderr.count("\n") == 1
    voices = tmp_path / "voices.toml"
    voices.write_text('[lexicon]\n"/(/" = "x"\n', encoding="utf-8")
    result = run_cli("pronounce", "x", "--voices", str(voices), cwd=tmp_path)
    assert result.returncode == 3 and "voices.toml:2:" in result.stderr


def test_many_inputs_are_analysed_together_as_each_alone(tmp_path):
    """``pronounce --file`` analyses every input's pieces at once (the render's way): each report is
    the one its input gets alone, and what was analysed is cached."""
    texts = ["银行行长说行。", "", "熊猫在这儿。我们得走了！他为大家唱歌。", "2017年，10%的人。" * 3, "ICML"]
    front = FrontEnd(tmp_path)
    together = pronounce_all(texts, MANDARIN, front)
    assert together == [pronounce(text, MANDARIN, FrontEnd()) for text in texts]
    assert front.missing([("银行行长说行。", "zh", MANDARIN.lexicon), ("ICML", "zh", MANDARIN.lexicon)]) == []


def test_engine_runs_are_what_a_render_gives_the_engine():
    text = "M: 2017年，你去哪儿了？这儿有熊猫……  还有 ICML。"
    turn = Turn(0, "M", (Paragraph(text, 1),))
    transcript = Transcript("t.txt", Metadata(language="zh"), (Speaker("M", "主持人"),), (turn,))
    cast = Cast((("M", Voice("sit/cmn", "m3")),))
    pieces = prepare_pieces(plan_pieces(transcript, (), cast, Pauses()))
    report = pronounce(text, MANDARIN)
    assert [r["text"] for r in report["engine_runs"]] == [p.say for p in pieces]


@given(st.text(alphabet=st.sampled_from(list("熊猫哪儿行长2017年%.,。？ \n\tab AI[]<>")), max_size=60))
@settings(max_examples=150, deadline=None)
def test_source_spans_lie_in_the_input_and_are_ordered(text):
    report = pronounce(text, MANDARIN, FrontEnd())
    end = 0
    for token in report["tokens"]:
        a, b = token["source"]
        assert end <= a < b <= len(text)
        assert text[a:b] == token["text"]
        end = b
