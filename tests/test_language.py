"""The transcript's language: front-matter values normalised, speech detected."""

from __future__ import annotations

import pytest

from audio_pipeline.transcript.language import detect_language, normalize_language


@pytest.mark.parametrize("value, code", [("en-US", "en"), ("zh_Hans_CN", "zh"), ("English", "en"), ("DE", "de"),
                                         ("中文", "zh"), ("", ""), ("not a language", "")])
def test_front_matter_values(value, code):
    assert normalize_language(value) == code


@pytest.mark.parametrize("text, code", [
    ("我们今天讨论机器学习系统，以及它们在工业界的应用。", "zh"),
    ("So what I think is that the network is changing, and we have to keep up with it.", "en"),
    ("Guten Tag und herzlich willkommen zu unserer Sendung über freie Software und Datenbanken.", "de"),
    ("Bonjour et bienvenue dans notre émission sur le logiciel libre et les bases de données.", "fr"),
    ("Hola y bienvenidos a nuestro programa sobre software libre y bases de datos abiertas.", "es"),
    ("Ok.", "en"),
])
def test_detected_from_speech(text, code):
    assert detect_language(text) == code
