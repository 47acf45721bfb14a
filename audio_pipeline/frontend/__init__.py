"""The text front end: what the engine is given to say, and how each Hanzi is read."""
