"""The obvious script a user would write with the same packages: the reference for bench/run.

One pyttsx3 engine, save_to_file + runAndWait per turn, episode += AudioSegment in a loop, one
pydub export to MP3. Each speaker gets the voice, rate and pitch the casting file gives them, as
the pipeline does, so both speak the same episode (at pyttsx3's default rate the episode came out 18%
shorter, and so cheaper to make). The only addition is waiting for pyttsx3's finished-utterance
event, without which runAndWait returns before eSpeak NG has written the file (pyttsx3 issue #219)
and the script crashes. Usage: naive.py TRANSCRIPT OUT.mp3 VOICES.toml
"""

import sys
import tempfile
import threading
import tomllib

import pyttsx3
from pydub import AudioSegment

from audio_pipeline.transcript import read_transcript
from audio_pipeline.tts.runtime import ffmpeg_exe, import_pydub, prepare_espeak

prepare_espeak()  # the same eSpeak NG and ffmpeg as the pipeline uses
import_pydub()
AudioSegment.converter = ffmpeg_exe()
transcript = read_transcript(sys.argv[1])
with open(sys.argv[3], "rb") as fh:
    casting = tomllib.load(fh)
defaults, speakers = casting.get("defaults", {}), casting.get("speakers", {})
voices = {}
for s in transcript.speakers:
    entry = {**defaults, **speakers.get(s.code, {})}
    voices[s.code] = (f"{entry.get('voice', 'sit/cmn')}+{entry.get('variant', 'm3')}", entry.get("rate", 170),
                      entry.get("pitch", 50))

engine = pyttsx3.init()
done = threading.Event()
engine.connect("finished-utterance", lambda **_: done.set())
turn_wav = tempfile.mktemp(suffix=".wav")
episode = AudioSegment.empty()
for turn in transcript.turns:
    done.clear()
    voice, rate, pitch = voices[turn.speaker]
    engine.setProperty("voice", voice)
    engine.setProperty("rate", rate)
    engine.setProperty("pitch", pitch)
    engine.save_to_file(turn.text, turn_wav)
    engine.runAndWait()
    done.wait()
    episode += AudioSegment.from_wav(turn_wav) + AudioSegment.silent(700, frame_rate=22050)
episode.export(sys.argv[2], format="mp3", bitrate="64k")
