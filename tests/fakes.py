"""A fake speech engine for unit tests: a tone whose pitch follows the voice, length the text."""

from __future__ import annotations

import math
import struct
import time
import wave
from dataclasses import replace

from audio_pipeline.model import Voice
from audio_pipeline.tts.engine import EngineInfo, EngineVoice

RATE = 22050


class FakeEngine:
    name = "fake"

    def info(self) -> EngineInfo:
        voices = (EngineVoice("sit/cmn", "Chinese (Mandarin)", ("cmn",), "Male"),
                  EngineVoice("gmw/en-us", "English (America)", ("en-us",), "Male"),
                  EngineVoice("gmw/en", "English (Great Britain)", ("en-gb",), "Male"),
                  EngineVoice("gmw/de", "German", ("de",), "Male"),
                  EngineVoice("roa/fr", "French (France)", ("fr-fr",), "Male"))
        variants = ("m1", "m2", "m3", "m7", "m8", "f1", "f2", "f4", "klatt", "klatt4", "linda", "belinda",
                    "aunty", "grandma")
        return EngineInfo("fake-1", voices, variants, ("f2",), stateful=False)

    def synthesize(self, texts, voice: Voice, wav_paths) -> None:
        for text, path in zip(texts, wav_paths, strict=True):
            self._one(text, voice, path)

    def _one(self, text: str, voice: Voice, wav_path: str) -> None:
        if "SLOW" in text:
            time.sleep(1.0)
        if "SILENT" in text:
            frames = b"\0\0" * 2000
        else:
            freq = 100 + 3 * voice.pitch
            n = int(RATE * min(0.4, 0.05 * max(1, len(text))))
            period = RATE // freq
            cycle = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * i / period))) for i in range(period))
            frames = (cycle * (n // period + 1))[:2 * n]
        with wave.open(wav_path, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(frames)


class StatefulFakeEngine(FakeEngine):
    """Like the fake engine, but a text's pitch rises with the texts before it in the same call,
    the way eSpeak NG's output depends on what it spoke before."""

    name = "fake-stateful"

    def info(self) -> EngineInfo:
        return replace(super().info(), identity="fake-stateful-1", stateful=True)

    def synthesize(self, texts, voice: Voice, wav_paths) -> None:
        for n, (text, path) in enumerate(zip(texts, wav_paths, strict=True)):
            self._one(text, replace(voice, pitch=voice.pitch + 5 * n), path)
