from audio_pipeline.cache import PieceCache, write_wav_atomic


def test_valid_entry_is_a_hit_and_damaged_entries_are_misses(tmp_path):
    cache = PieceCache(tmp_path, 22050)
    key = "ab" + "0" * 62
    assert cache.frames(key) is None
    path = cache.prepare(key)
    write_wav_atomic(path, b"\1\0" * 1000, 22050)
    assert cache.frames(key) == 1000
    data = path.read_bytes()
    path.write_bytes(data[:-10])  # truncated
    assert cache.frames(key) is None and not path.exists()
    path.write_bytes(b"garbage")
    assert cache.frames(key) is None
    write_wav_atomic(path, b"\1\0" * 1000, 16000)  # wrong sample rate
    assert cache.frames(key) is None


def test_temporary_cache_is_removed(tmp_path):
    cache = PieceCache(None, 22050)
    root = cache.root
    assert root.exists()
    cache.close()
    assert not root.exists()
