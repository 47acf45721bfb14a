import os
import subprocess
import sys

from audio_pipeline.cache import PieceCache, scratch_file, write_wav_atomic


def test_valid_entry_is_a_hit_and_damaged_entries_are_misses(tmp_path):
    cache = PieceCache(tmp_path, 22050)
    key = "ab" + "0" * 62
    assert cache.frames(key) is None
    path = cache.prepare(key)
    write_wav_atomic(path, b"\1\0" * 1000, 22050, cache.scratch)
    assert cache.frames(key) == 1000
    data = path.read_bytes()
    path.write_bytes(data[:-10])  # truncated
    assert cache.frames(key) is None and not path.exists()
    path.write_bytes(b"garbage")
    assert cache.frames(key) is None
    write_wav_atomic(path, b"\1\0" * 1000, 16000, cache.scratch)  # wrong sample rate
    assert cache.frames(key) is None


def test_temporary_cache_is_removed(tmp_path):
    cache = PieceCache(None, 22050)
    root = cache.root
    assert root.exists()
    cache.close()
    assert not root.exists()


def test_temporary_files_of_dead_processes_are_swept_when_the_cache_opens(tmp_path):
    cache = PieceCache(tmp_path, 22050)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead = cache.scratch / f"{int(gone.stdout)}-1-abc.raw.wav"  # as a killed worker leaves it
    dead.write_bytes(b"partial")
    mine = scratch_file(cache.scratch, "def.wav")
    mine.write_bytes(b"in progress")
    assert mine.name.startswith(f"{os.getpid()}-")
    PieceCache(tmp_path, 22050)
    assert not dead.exists() and mine.exists()
    write_wav_atomic(cache.prepare("cd" + "0" * 62), b"\1\0" * 10, 22050, cache.scratch)
    assert [p.name for p in cache.scratch.iterdir()] == [mine.name]  # the write left nothing behind
