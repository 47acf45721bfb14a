from hypothesis import given, strategies as st

from audio_pipeline.text import for_engine, is_speakable, split_long, split_sentences


@given(st.text(max_size=400))
def test_sentences_keep_every_character(text):
    assert "".join(split_sentences(text)) == text


@given(st.text(min_size=1, max_size=2000), st.integers(10, 300))
def test_long_sentences_are_cut_without_loss(text, limit):
    parts = split_long(text, limit)
    assert "".join(parts) == text
    assert all(len(p) <= limit for p in parts)


def test_markup_is_never_engine_markup():
    spoken = for_engine('<speak><audio src="x"/></speak> [[h@l"oU]] ok')
    assert "<" not in spoken and "[[" not in spoken and "ok" in spoken


def test_speakable():
    assert is_speakable("系统。") and is_speakable("ok") and not is_speakable("……")
