"""Render an English transcript, read it back with an offline recogniser, compare with what inspect says
is spoken. A spoken label, timestamp or URL, or a voice of the wrong language, shows up as errors.

pocketsphinx's wheel carries its US-English acoustic model, language model and dictionary, so nothing
is downloaded. tests/data/short-interview.txt was written for these tests. Word error rates measured (pocketsphinx 5.1.1, eSpeak NG 1.52, tests/data/short-interview.txt,
53 words, the whole episode decoded as one utterance): 0.585 with the automatic English casting, 0.925
with both speakers on the German voice. eSpeak NG is far from natural speech, hence the high floor.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from audio_pipeline.tts.runtime import ffmpeg_exe
from conftest import DATA, run_cli

pocketsphinx = pytest.importorskip("pocketsphinx", reason="pocketsphinx (test extra) is not installed")

#: Between the two measured rates, with room for other eSpeak NG builds.
MAX_WER = 0.75


def recognise(path) -> list[str]:
    """The words pocketsphinx hears in an audio file (decoded to 16 kHz mono by ffmpeg)."""
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "16000", "-"],
                         check=True, capture_output=True).stdout
    decoder = pocketsphinx.Decoder(samprate=16000, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(raw, full_utt=True)
    decoder.end_utt()
    return _words(decoder.hyp().hypstr if decoder.hyp() else "")


def word_error_rate(reference: list[str], heard: list[str]) -> float:
    """Edits (substitutions, insertions, deletions) per reference word."""
    row = list(range(len(heard) + 1))
    for i, word in enumerate(reference, 1):
        diagonal, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (word != other))
    return row[len(heard)] / len(reference)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def _render(tmp_path, name: str, *voice: str):
    result = run_cli("render", str(DATA / "short-interview.txt"), "--voices", "none", "--out", str(tmp_path / name),
                     *voice, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / name / "short-interview.mp3"


def test_word_error_rate_counts_edits():
    assert word_error_rate(["a", "b", "c", "d"], ["a", "x", "c"]) == 0.5
    assert word_error_rate(["a"], ["a"]) == 0.0


@pytest.mark.integration
def test_an_english_render_reads_back_as_its_text_and_a_wrong_voice_does_not(tmp_path):
    doc = run_cli("inspect", str(DATA / "short-interview.txt"), "--json", "--voices", "none", cwd=tmp_path)
    assert doc.returncode == 0, doc.stderr
    reference = _words(" ".join(t["text"] for t in json.loads(doc.stdout)["turns"]))
    assert len(reference) == 53
    rate = word_error_rate(reference, recognise(_render(tmp_path, "en")))
    assert rate <= MAX_WER, f"word error rate {rate:.2f}"
    german = word_error_rate(reference, recognise(_render(tmp_path, "de", "--voice", "M=gmw/de",
                                                          "--voice", "GU=gmw/de+f1")))
    assert german > MAX_WER, f"word error rate with a German voice only {german:.2f}"
