"""The front end's passes one by one, the utterance they make, and its cache."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from audio_pipeline.frontend import blindspots, words
from audio_pipeline.frontend.chain import FrontEnd, analyse, analyse_many, chain_identity, engine_text
from audio_pipeline.frontend.tokens import Draft, voice_language
from audio_pipeline.model import Piece, Voice


def test_words_cuts_by_script_and_keeps_every_character():
    draft = words.run(Draft.start("在行政部门用 PyTorch, 好!", "zh"))
    assert "".join(t.text for t in draft.tokens) == "在行政部门用 PyTorch, 好!"
    assert [(t.text, t.kind) for t in draft.tokens if t.kind in ("zh", "en")] == [
        ("在", "zh"), ("行政部门", "zh"), ("用", "zh"), ("PyTorch", "en"), ("好", "zh")]


def test_an_erhua_er_stays_with_its_word():
    assert words._segment("我们一点儿也不怕") == ["我们", "一点儿", "也", "不怕"]


def test_mandarin_is_given_pinyin_grouped_by_word_with_tone_changes():
    # 一/不 change tone in speech; eSpeak NG does not apply that to pinyin, so the utterance does
    assert analyse("我们一起去，不要不好。", "zh").say == "wo3men5 yi4qi3 qu4，bu2yao4 bu4hao3。"


def test_polyphones_are_read_in_context():
    readings = {t.text: t.reading for t in analyse("他递交了结案报告。", "zh").tokens}
    assert readings["了"] == "le5"


def test_other_voices_keep_the_hanzi_but_report_readings():
    analysis = analyse("熊猫2个", "yue")
    assert analysis.say == "熊猫两个"
    assert [t.reading for t in analysis.tokens] == ["xiong2 mao1", "liang3", "ge4"]


def test_blind_syllables_and_erhua_are_respelt():
    assert blindspots.respell("xiong2") == "xong2" and blindspots.respell("qiong2") == "qong2"
    assert analyse("英雄去哪儿了", "zh").say == "ying1xong2 qu4 na3er5 le5"
    assert analyse("一点儿", "zh").say == "yi4dian3er5"
    assert analyse("我女儿很好", "zh").say == "wo3 nv3er2 hen3 hao3"  # 女儿: 儿 is a syllable here


def test_transcript_text_never_carries_markup_or_phonemes():
    say = analyse("<speak>[[h@'loU]] ]]x[[ 熊[", "zh").say
    assert "<" not in say and ">" not in say and "[[" not in say and "]]" not in say
    assert "[ [" in say and "xong2" in say


@given(st.text(alphabet=st.sampled_from(list("[]<>熊儿哪a1 。%2年-")), max_size=40))
@settings(max_examples=200, deadline=None)
def test_no_markup_or_phonemes_reach_the_engine(text):
    say = analyse(text, "zh").say
    assert "[[" not in say and "]]" not in say and "<" not in say and ">" not in say


def test_voice_language():
    assert voice_language("sit/cmn") == "zh" and voice_language("sit/cmn-latn-pinyin") == "zh"
    assert voice_language("gmw/en-us") == "en"


def test_engine_text_of_a_piece_planned_without_the_front_end():
    piece = Piece(0, 0, 0, "M", "2017年", Voice("sit/cmn"), 1, 0)
    assert engine_text(piece) == "er4ling2yi1qi1 nian2"


def test_the_cache_returns_what_was_computed(tmp_path):
    first = FrontEnd(tmp_path)
    computed = first.analyse("熊猫2个", "zh")
    first.save()
    files = list((tmp_path / "frontend").rglob("*.json"))
    assert len(files) == 1 and files[0].stat().st_size > 0
    again = FrontEnd(tmp_path)
    assert again.cached("熊猫2个", "zh") == computed
    assert again.cached("熊猫2个", "en") is None  # another voice's language: another entry


def test_one_file_per_text(tmp_path):
    front = FrontEnd(tmp_path)
    assert front.utterances([("好。", "zh", None), ("对。", "zh", None), ("好。", "zh", None)]) == ["hao3。", "dui4。", "hao3。"]
    front.save()
    assert len(list((tmp_path / "frontend").rglob("*.json"))) == 2
    assert FrontEnd(tmp_path).missing([("好。", "zh", None), ("行。", "zh", None)]) == [("行。", "zh", None)]


@pytest.mark.parametrize("broken", ["{not json", "[]", '["another key", "hao3", []]', '["zh\t-\t好", "hao3", [1]]'])
def test_a_broken_cache_file_is_a_miss(tmp_path, broken):
    front = FrontEnd(tmp_path)
    front.analyse("好", "zh")
    front.save()
    next((tmp_path / "frontend").rglob("*.json")).write_text(broken, encoding="utf-8")
    assert FrontEnd(tmp_path).cached("好", "zh") is None
    assert FrontEnd(tmp_path).analyse("好", "zh").say == "hao3"


def test_chain_identity_names_every_pass_with_its_version():
    identity = chain_identity()
    for name in ("lexicon-", "numbers-", "words-", "readings-", "blindspots-", "utterance-"):
        assert name in identity


def test_texts_analysed_together_are_analysed_as_each_alone():
    """``analyse_many`` runs each pass over all the texts (the readings on all of them at once): the
    result is each text's own analysis, whatever its language, lexicon or neighbours."""
    from audio_pipeline.frontend.lexicon import parse_lexicon

    lexicon = parse_lexicon({"ICML": "I C M L", "行长": "hang2 zhang3"}, "lexicon", "voices.toml", {})
    items = [("银行行长说ICML在2017年开了。", "zh", lexicon), ("银行行长说ICML在2017年开了。", "zh", None),
             ("他为大家唱歌，熊猫在这儿。", "zh", None), ("We met in 2017, 10% of us.", "en", None),
             ("我们得走了。", "yue", None), ("", "zh", None), ("十分重要的一行代码。" * 5, "zh", lexicon)]
    assert analyse_many(items) == [analyse(*item) for item in items]


def test_forked_workers_make_the_same_utterances(tmp_path):
    from audio_pipeline.frontend.preparing import prepare_pieces

    texts = [f"第{n}个熊猫在这儿，{n * 7}%的人。" for n in range(80)]
    pieces = tuple(Piece(i, i, 0, "M", text, Voice("sit/cmn"), 1, 0) for i, text in enumerate(texts))
    serial = prepare_pieces(pieces, jobs=1)
    forked = prepare_pieces(pieces, cache_dir=tmp_path, jobs=2)
    assert serial == forked and all(p.say for p in forked)
    assert prepare_pieces(pieces, cache_dir=tmp_path, jobs=2) == forked  # from the cache


def test_utterances_stream_in_order_and_the_result_takes_the_same(tmp_path):
    """Synthesis takes the utterances one by one as the workers send them; repeated texts and texts
    already in the cache come in their places; the pieces' result then waits for nothing again."""
    from dataclasses import replace

    from audio_pipeline.frontend.preparing import start_preparing

    texts = [f"第{n % 7}个熊猫在这儿。" for n in range(40)]
    pieces = tuple(Piece(i, i, 0, "M", text, Voice("sit/cmn"), 1, 0) for i, text in enumerate(texts))
    front = FrontEnd(tmp_path)
    front.analyse(texts[3], "zh")
    front.save()
    with start_preparing(pieces, cache_dir=tmp_path, jobs=1) as preparing:
        assert preparing.busy
        streamed = list(preparing.utterances())
        assert preparing.result() == tuple(replace(p, say=say) for p, say in zip(pieces, streamed))
    assert streamed == [analyse(text, "zh").say for text in texts]


def test_a_front_end_process_that_dies_is_an_error_not_a_wait(tmp_path):
    """Killed (say, by the OOM killer) while it works or sends its results, the front end's process
    loses its texts: the render stops with one line, instead of waiting for them (or, with a
    multiprocessing.Pool, for the lock the dead worker held) forever."""
    import multiprocessing
    import os
    import signal
    import threading

    from audio_pipeline.errors import AudioPipelineError
    from audio_pipeline.frontend.preparing import start_preparing

    pieces = tuple(Piece(i, i, 0, "M", f"第{i}个熊猫在这儿。", Voice("sit/cmn"), 1, 0) for i in range(400))
    before = set(multiprocessing.active_children())
    outcome: list = []
    with start_preparing(pieces, cache_dir=tmp_path, jobs=1) as preparing:
        stream = preparing.utterances()
        next(stream)  # the models are loaded and the first texts analysed
        for worker in set(multiprocessing.active_children()) - before:
            os.kill(worker.pid, signal.SIGKILL)

        def drain() -> None:
            try:
                outcome.append(len(list(stream)))
            except AudioPipelineError as exc:
                outcome.append(exc)

        waiter = threading.Thread(target=drain, daemon=True)
        waiter.start()
        waiter.join(60)
    assert outcome and isinstance(outcome[0], AudioPipelineError), outcome
    assert "front end" in outcome[0].one_line()


def test_ahead_analyses_in_its_own_process_into_the_cache(tmp_path):
    """What a batch's long-lived front-end process analyses is in the cache when the render looks,
    the same as analysing it here."""
    from audio_pipeline.frontend.ahead import Ahead

    items = [("第2个熊猫在这儿。", "zh", None), ("好。", "zh", None)]
    with Ahead(tmp_path) as ahead:
        ahead.submit("one", items)
        ahead.wait("one")
    front = FrontEnd(tmp_path)
    assert front.missing(items) == []
    assert [front.cached(*item) for item in items] == [analyse(*item) for item in items]


def test_ahead_without_a_cache_does_nothing():
    from audio_pipeline.frontend.ahead import Ahead

    with Ahead(None) as ahead:
        ahead.submit("one", [("好。", "zh", None)])
        ahead.wait("one")
        assert ahead._pool is None
