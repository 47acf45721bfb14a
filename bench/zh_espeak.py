"""eSpeak NG's own reading of Chinese text, as pinyin with tone digits.

eSpeak NG (voice ``cmn``) is asked for its phonemes with ``espeak_TextToPhonemes`` in a child
process (the library keeps state, and the caller stays clean). The phonemes of every pinyin
syllable, each given to eSpeak as ``hang2``, form an inventory; a run of Hanzi's phonemes is cut
into as many syllables of that inventory as the run has characters, which gives one pinyin per
Hanzi. A run whose phonemes hold a language switch (``(en)``) fell into eSpeak's English rules.

Usage from Python: ``EspeakReader().readings(["银行", ...])``; ``python bench/zh_espeak.py TEXT``
prints eSpeak's phonemes and readings of TEXT.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_SEP = ord("|") << 8  # phoneme mode: eSpeak's ASCII names, "|" between phonemes
_TONE = re.compile(r"\d")


@dataclass(frozen=True)
class RunReading:
    """eSpeak's reading of one run of Hanzi: one pinyin (or None) per character."""

    phonemes: str
    readings: tuple[str | None, ...]
    english: bool  # eSpeak switched to its English rules somewhere in the run


class EspeakReader:
    """Phonemes from one child process per call; the syllable inventory is built once."""

    def __init__(self) -> None:
        self._inventory: dict[str, str] | None = None

    def phonemes(self, texts: list[str]) -> list[str]:
        """eSpeak's phonemes of each text (voice ``cmn``), its clauses joined by ``" || "``."""
        return _child_phonemes(texts)

    def inventory(self) -> dict[str, str]:
        """Phonemes of a syllable (stress marks removed) → its pinyin, for every syllable eSpeak
        reads as Mandarin."""
        if self._inventory is None:
            syllables = [base + tone for base in _pinyin_bases() for tone in "12345"]
            inventory: dict[str, str] = {}
            for syllable, phon in zip(syllables, self.phonemes(syllables)):
                if "(" not in phon:
                    inventory.setdefault(_key(phon), syllable)
            self._inventory = inventory
        return self._inventory

    def readings(self, runs: list[str]) -> list[RunReading]:
        """eSpeak's reading of each run of Hanzi (give only Hanzi: digits and Latin letters add
        syllables of their own)."""
        inventory = self.inventory()
        longest = max(k.count("|") + 1 for k in inventory)
        out = []
        for run, phon in zip(runs, self.phonemes(runs)):
            english = "(en)" in phon
            sylls = _segment(phon, inventory, longest) if not english else None
            if sylls is None or len(sylls) != len(run):
                sylls = [None] * len(run)
            out.append(RunReading(phon, tuple(sylls), english))
        return out


def _key(phonemes: str) -> str:
    tokens = [t for t in phonemes.replace("'", "").replace(",", "").split("|") if t.strip("_ ")]
    return "|".join(t.strip() for t in tokens)


def _segment(phonemes: str, inventory: dict[str, str], longest: int) -> list[str] | None:
    """Cut each word of ``phonemes`` into syllables of the inventory (fewest syllables first)."""
    out: list[str] = []
    for word in re.split(r"_|\s+", phonemes.replace("'", "").replace(",", "")):
        tokens = [t for t in word.split("|") if t]
        if not tokens:
            continue
        best: list[list[str] | None] = [[]] + [None] * len(tokens)
        for end in range(1, len(tokens) + 1):
            for start in range(max(0, end - longest), end):
                if best[start] is None:
                    continue
                syllable = inventory.get("|".join(tokens[start:end]))
                if syllable and (best[end] is None or len(best[start]) + 1 < len(best[end])):
                    best[end] = best[start] + [syllable]
        if best[-1] is None:
            return None
        out += best[-1]
    return out


def _pinyin_bases() -> list[str]:
    """Every toneless pinyin syllable of pypinyin's character dictionary (ü as v)."""
    from pypinyin import Style, pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    bases = set()
    for code in pinyin_dict:
        for reading in pinyin(chr(code), heteronym=True, style=Style.TONE3, neutral_tone_with_five=True)[0]:
            reading = reading.replace("ü", "v")
            if re.fullmatch(r"[a-z]+[1-5]", reading):
                bases.add(reading[:-1])
    return sorted(bases)


def _child_phonemes(texts: list[str]) -> list[str]:
    proc = subprocess.run([sys.executable, __file__, "--child"], input=json.dumps(texts), text=True,
                          capture_output=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    if proc.returncode != 0:
        raise RuntimeError(f"eSpeak NG child failed: {proc.stderr.strip()[-500:]}")
    return json.loads(proc.stdout)


def _serve() -> None:
    """In the child: phonemes of each text of the JSON list on stdin, as a JSON list on stdout."""
    import ctypes

    import espeakng_loader

    from audio_pipeline.tts.runtime import prepare_espeak

    source = prepare_espeak()
    lib = ctypes.CDLL("libespeak-ng.so.1" if source == "system" else espeakng_loader.get_library_path())
    data = os.environ.get("ESPEAK_DATA_PATH")
    if lib.espeak_Initialize(0x02, 0, data.encode() if data else None, 0) < 0:  # synchronous, no audio
        raise SystemExit("espeak_Initialize failed")
    if lib.espeak_SetVoiceByName(b"cmn") != 0:
        raise SystemExit("eSpeak NG has no voice cmn")
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    out = []
    for text in json.load(sys.stdin):
        buffer = ctypes.create_string_buffer(text.encode())
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while pointer.value:
            clauses.append(lib.espeak_TextToPhonemes(ctypes.byref(pointer), 1, _SEP).decode())  # 1: UTF-8
        out.append(" || ".join(clauses))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _serve()
    else:
        reader = EspeakReader()
        for text in sys.argv[1:]:
            (result,) = reader.readings([text])
            print(result.phonemes)
            print(" ".join(r or "?" for r in result.readings), "(en)" if result.english else "")
