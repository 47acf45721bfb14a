"""Speech engines behind one protocol, chosen by name."""

from .engine import ENGINES, Engine, EngineInfo, EngineVoice, load_engine

__all__ = ["ENGINES", "Engine", "EngineInfo", "EngineVoice", "load_engine"]
