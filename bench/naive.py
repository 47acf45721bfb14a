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

import pyttsx3

from audio_pipeline.casting import cast_voices
from audio_pipeline.transcript import read_transcript
from audio_pipeline.tts import load_engine
from audio_pipeline.tts.runtime import ffmpeg_exe, import_pydub, prepare_espeak
from audio_pipeline.voices_file import load_casting

prepare_espeak()  # the same eSpeak NG and ffmpeg as the pipeline uses
import_pydub()
from pydub import AudioSegment  # noqa: E402  (after import_pydub, which silences pydub's ffmpeg warning)

AudioSegment.converter = ffmpeg_exe()
transcript = read_transcript(sys.argv[1])
cast = cast_voices(transcript, load_engine("pyttsx3").info(), load_casting(sys.argv[3]))  # as the pipeline casts

engine = pyttsx3.init()
done = threading.Event()
engine.connect("finished-utterance", lambda **_: done.set())
turn_wav = tempfile.mktemp(suffix=".wav")
episode = AudioSegment.empty()
for turn in transcript.turns:
    done.clear()
    voice = cast.voice(turn.speaker)
    engine.setProperty("voice", voice.spec)
    engine.setProperty("rate", voice.rate)
    engine.setProperty("pitch", voice.pitch)
    engine.save_to_file(turn.text, turn_wav)
    engine.runAndWait()
    done.wait()
    episode += AudioSegment.from_wav(turn_wav) + AudioSegment.silent(700, frame_rate=22050)
episode.export(sys.argv[2], format="mp3", bitrate="64k")
