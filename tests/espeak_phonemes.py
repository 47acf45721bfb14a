"""eSpeak NG's own phoneme output for texts, read in a separate process.

``spoken(texts)`` synthesizes each text the way the engine adapter does (phoneme input on) and
returns the phonemes eSpeak NG traced while speaking it; ``translated(texts)`` returns
``espeak_TextToPhonemes`` of plain text. Run in a child so the test process never initialises
eSpeak NG (the engine's workers are forked from it).
"""

from __future__ import annotations

import json
import subprocess
import sys

_SYNCHRONOUS, _CHARS_UTF8, _PHONEMES, _ENDPAUSE = 2, 1, 0x100, 0x1000


def spoken(texts: list[str], voice: str = "cmn") -> list[str]:
    """The phonemes eSpeak NG speaks for each text (with phoneme input enabled)."""
    return _run("spoken", texts, voice)


def translated(texts: list[str], voice: str = "cmn") -> list[str]:
    """``espeak_TextToPhonemes`` of each text."""
    return _run("translated", texts, voice)


def _run(mode: str, texts: list[str], voice: str) -> list[str]:
    out = subprocess.run([sys.executable, __file__, mode, voice], input=json.dumps(texts), capture_output=True,
                         text=True, timeout=300, check=True)
    return json.loads(out.stdout)


def _main(mode: str, voice: str) -> None:
    import ctypes
    import os
    import tempfile

    from audio_pipeline.tts.runtime import prepare_espeak

    prepare_espeak()
    lib = ctypes.CDLL("libespeak-ng.so.1")
    lib.espeak_Initialize(_SYNCHRONOUS, 0, None, 0)
    lib.espeak_SetVoiceByName(voice.encode())
    texts = json.loads(sys.stdin.read())
    results = []
    if mode == "translated":
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        for text in texts:
            buffer = ctypes.create_string_buffer(text.encode())
            pointer = ctypes.c_void_p(ctypes.addressof(buffer))
            parts = []
            while pointer.value:
                got = lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, 0)
                parts.append((got or b"").decode())
            results.append(" ".join(parts))
    else:
        libc = ctypes.CDLL(None)
        libc.fopen.restype = ctypes.c_void_p
        libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        libc.fflush.argtypes = [ctypes.c_void_p]
        callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
        callback = callback_type(lambda *_: 0)
        lib.espeak_SetSynthCallback(callback)
        trace = tempfile.NamedTemporaryFile(delete=False)
        stream = libc.fopen(trace.name.encode(), b"w")
        lib.espeak_SetPhonemeTrace.argtypes = [ctypes.c_int, ctypes.c_void_p]
        lib.espeak_SetPhonemeTrace(1, stream)
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                     ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        seen = 0
        for text in texts:
            data = text.encode()
            lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, _CHARS_UTF8 | _PHONEMES | _ENDPAUSE, None, None)
            lib.espeak_Synchronize()
            libc.fflush(stream)
            with open(trace.name, encoding="utf-8", errors="replace") as fh:
                whole = fh.read()
            results.append(" ".join(whole[seen:].split()))
            seen = len(whole)
        os.unlink(trace.name)
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    _main(*sys.argv[1:3])
