"""The obvious script a user would write with the same packages: the reference for bench/run.

One pyttsx3 engine, save_to_file + runAndWait per turn, episode += AudioSegment in a loop, one
pydub export to MP3. The only addition is waiting for pyttsx3's finished-utterance event, without
which runAndWait returns before eSpeak NG has written the file (pyttsx3 issue #219) and the script
crashes. Usage: naive.py TRANSCRIPT OUT.mp3
"""

import sys
import tempfile
import threading

import pyttsx3
from pydub import AudioSegment

from audio_pipeline.transcript import read_transcript
from audio_pipeline.tts.runtime import ffmpeg_exe, import_pydub, prepare_espeak

prepare_espeak()  # the same eSpeak NG and ffmpeg as the pipeline uses
import_pydub()
AudioSegment.converter = ffmpeg_exe()
transcript = read_transcript(sys.argv[1])
variants = ["m3", "f1", "klatt4", "f4", "m7", "belinda", "klatt", "m2"]
voices = {s.code: f"sit/cmn+{variants[i % len(variants)]}" for i, s in enumerate(transcript.speakers)}

engine = pyttsx3.init()
done = threading.Event()
engine.connect("finished-utterance", lambda **_: done.set())
turn_wav = tempfile.mktemp(suffix=".wav")
episode = AudioSegment.empty()
for turn in transcript.turns:
    done.clear()
    engine.setProperty("voice", voices[turn.speaker])
    engine.save_to_file(turn.text, turn_wav)
    engine.runAndWait()
    done.wait()
    episode += AudioSegment.from_wav(turn_wav) + AudioSegment.silent(700, frame_rate=22050)
episode.export(sys.argv[2], format="mp3", bitrate="64k")
