"""voices.toml's [lexicon] tables: validation, matching, and what each kind of value does."""

from __future__ import annotations

from pathlib import Path

import pytest

from audio_pipeline.errors import CastingError
from audio_pipeline.frontend.chain import analyse
from audio_pipeline.model import Metadata, Speaker, Transcript
from audio_pipeline.voices_file import load_casting, speaker_lexicons

REPO = Path(__file__).parent.parent


def casting(tmp_path: Path, text: str):
    path = tmp_path / "voices.toml"
    path.write_text(text, encoding="utf-8")
    return load_casting(path)


def words(text: str, lex, lang: str = "zh") -> list[tuple[str, str, str]]:
    return [(t.text, t.kind, t.reading) for t in analyse(text, lang, lex).tokens if t.kind in ("zh", "en")]


def test_bad_regex_is_one_line_with_file_and_line(tmp_path):
    with pytest.raises(CastingError) as err:
        casting(tmp_path, '[lexicon]\n"ok" = "fine"\n"/Caffe(/" = "caffe"\n')
    assert err.value.line == 3 and err.value.path.endswith("voices.toml")
    assert "not a valid regular expression" in err.value.one_line() and "\n" not in err.value.one_line()


@pytest.mark.parametrize("text, line, message", [
    ('[lexicon]\nICML = 3\n', 2, "must map to a non-empty string"),
    ('[lexicon]\nICML = ""\n', 2, "must map to a non-empty string"),
    ('lexicon = "x"\n', 1, "must be a table"),
    ('[speakers.JG]\npitch = 40\n[speakers.JG.lexicon]\n"/a|/" = "x"\n', 4, "matches the empty string"),
    ('[lexicon]\n"/Caffe(\\\\d)/" = "caffe \\\\2"\n', 2, "refers to a group"),
    ('[lexicons]\nx = "y"\n', 1, "unknown key 'lexicons'"),
])
def test_lexicon_errors(tmp_path, text, line, message):
    with pytest.raises(CastingError) as err:
        casting(tmp_path, text)
    assert message in err.value.message
    assert err.value.line == line


def test_bundled_voices_toml_has_a_valid_lexicon():
    lexicons = load_casting(REPO / "voices.toml").lexicons
    keys = {e.key for e in lexicons[""].entries}
    assert {"Yangqing Jia", "Caffe2", "Chen", "Song"} <= keys


def test_values_are_pinyin_chinese_or_english(tmp_path):
    lex = casting(tmp_path, '[lexicon]\n"Yangqing Jia" = "jia3 yang2 qing1"\n"Caffe2" = "kafei two"\n'
                            '"Song" = "宋"\n"/icml/i" = "I C M L"\n').lexicons[""]
    assert words("Yangqing  Jia 用 Caffe2，Song 去 iCML", lex) == [
        ("Yangqing  Jia", "zh", "jia3 yang2 qing1"), ("用", "zh", "yong4"), ("Caffe2", "en", "kafei two"),
        ("Song", "zh", "song4"), ("去", "zh", "qu4"), ("iCML", "en", "I C M L")]
    assert analyse("Caffe2 可爱", "zh", lex).say == "kafei two ke3ai4"


def test_plain_keys_match_whole_words_only(tmp_path):
    lex = casting(tmp_path, '[lexicon]\nML = "M L"\n').lexicons[""]
    assert words("HTML 和 ML", lex) == [("HTML", "en", "HTML"), ("和", "zh", "he2"), ("ML", "en", "M L")]


def test_regex_values_expand_groups(tmp_path):
    lex = casting(tmp_path, '[lexicon]\n"/GPT-?(\\\\d)/" = "G P T \\\\1"\n').lexicons[""]
    assert words("GPT-4", lex) == [("GPT-4", "en", "G P T 4")]


def test_a_speakers_entries_come_before_everyones(tmp_path):
    file = casting(tmp_path, '[lexicon]\nChen = "chen2"\n[speakers.YQ.lexicon]\nChen = "Chen"\n')
    transcript = Transcript("t.txt", Metadata(language="zh"),
                            (Speaker("YQ", "Yangqing Jia", aliases=("YJ",)), Speaker("JG", "Joseph")), ())
    lexicons = speaker_lexicons(file, transcript)
    assert words("Chen", lexicons["YQ"]) == [("Chen", "en", "Chen")]
    assert words("Chen", lexicons["JG"]) == [("Chen", "zh", "chen2")]


def test_the_lexicon_changes_the_front_ends_cache_key(tmp_path):
    a = casting(tmp_path, '[lexicon]\nChen = "chen2"\n').lexicons[""]
    b = casting(tmp_path, '[lexicon]\nChen = "chen4"\n').lexicons[""]
    assert a.identity != b.identity
