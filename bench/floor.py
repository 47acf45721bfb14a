"""What no pipeline can beat on one core: the engine alone synthesizing every sentence into memory
in one process, then one encode of a PCM stream as long as the episode, at our export settings:
with the ffmpeg command line (the default), or with LAME in this process (``--lame``, the way the
pipeline encodes MP3 segments). Usage: floor.py TRANSCRIPT SECONDS_OF_EPISODE OUT.mp3 [--lame]
(times both parts, prints them as JSON)."""

import io
import json
import subprocess
import sys
import threading
import time
import wave
from contextlib import redirect_stdout
from pathlib import Path

import pyttsx3

from audio_pipeline.settings import Settings
from audio_pipeline.text import for_engine, is_speakable, split_long, split_sentences
from audio_pipeline.transcript import read_transcript
from audio_pipeline.tts.runtime import ffmpeg_exe, prepare_espeak

prepare_espeak()
transcript = read_transcript(sys.argv[1])
sentences = [for_engine(p) for t in transcript.turns for para in t.paragraphs
             for s in split_sentences(para.text) for p in split_long(s) if is_speakable(for_engine(p))]
engine = pyttsx3.init()
done = threading.Event()
engine.connect("finished-utterance", lambda **_: done.set())
engine.setProperty("voice", "sit/cmn")
shm = Path("/dev/shm" if Path("/dev/shm").is_dir() else "/tmp") / "floor-piece.wav"
pcm = bytearray()
t0 = time.perf_counter()
with redirect_stdout(io.StringIO()):
    for sentence in sentences:
        done.clear()
        engine.save_to_file(sentence, str(shm))
        engine.runAndWait()
        done.wait()
        with wave.open(str(shm)) as w:
            pcm += w.readframes(w.getnframes())
t1 = time.perf_counter()
settings = Settings()
frames = int(float(sys.argv[2]) * settings.sample_rate)
audio = bytes(pcm[:2 * frames]) + b"\0" * max(0, 2 * frames - len(pcm))
if "--lame" in sys.argv[4:]:
    from audio_pipeline.export.mp3_segments import lame_encoder

    encoder = lame_encoder(settings.sample_rate, settings.bitrate, settings.mp3_quality)
    Path(sys.argv[3]).write_bytes(encoder.encode(audio) + encoder.flush())
else:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "s16le", "-ar", str(settings.sample_rate), "-ac", "1",
                    "-i", "pipe:0", "-c:a", "libmp3lame", "-abr", "0", "-b:a", f"{settings.bitrate}k",
                    "-compression_level", str(settings.mp3_quality), "-f", "mp3", sys.argv[3]], input=audio,
                   check=True)
t2 = time.perf_counter()
print(json.dumps({"synth_s": t1 - t0, "encode_s": t2 - t1, "sentences": len(sentences)}))
