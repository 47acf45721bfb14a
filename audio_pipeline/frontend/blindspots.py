"""Pass ``blindspots``: Mandarin that eSpeak NG cannot say from pinyin, respelt so that it can.

eSpeak NG 1.52's Mandarin has no rules for the syllables xiong, qiong and jiong (熊, 兄, 穷, 窘: in
Hanzi or pinyin they fall into its English rules, "k-sheng two"), nor for most erhua syllables
(哪儿 as nar3, 一会儿 as huir4). Measured with ``espeak_TextToPhonemes``, what it does accept:

- ``xong2``, ``qong2``, ``jong3``: its ``S;'ong``, ``tS;h'ong``, ``tS;'ong``, the initial that
  carries the glide of xiong before the final of yong (it has no pinyin for ``S;j'ong``);
- an erhua 儿 as a neutral ``er5`` after its syllable (``na3er5``: ``nA214@r11``), one word with
  it (and reported as er5); eSpeak NG's erhua pinyin (``zher4``) exists only for the e finals.

So the engine is never given phoneme input: the utterance stays plain text that eSpeak NG's own
phoneme output shows spoken with its Mandarin rules, whichever way it is read.
"""

from __future__ import annotations

from dataclasses import replace

from .tokens import ZH, Draft

NAME, VERSION = "blindspots", 3

#: Syllables eSpeak NG has no pinyin for, and the respelling it reads with its Mandarin phonemes.
RESPELL = {"xiong": "xong", "qiong": "qong", "jiong": "jong",
           # interjections (嗯 ng, 呣 m, 噷 hm, 哼 hng) and a rare variant, near enough
           "n": "en", "ng": "en", "m": "mu", "hm": "hen", "hng": "heng", "wong": "weng"}
# 儿 after these is erhua even where the readings give it a full er2 (这儿, 一会儿, 一点儿, 玩儿);
# elsewhere (女儿, 婴儿, 儿子) it is a syllable of its own.
_ERHUA_AFTER = set("这那哪会点玩事今明昨块味活伴空画歌劲词字趟份样边天片兜哥个盖根头号面门")


def run(draft: Draft, lexicon=None) -> Draft:
    """Respell, for a Mandarin voice, every syllable eSpeak NG cannot say from pinyin."""
    if draft.lang != "zh":
        return draft
    out = []
    for token in draft.tokens:
        if token.kind != ZH or not token.syllables:
            out.append(token)
            continue
        chars = token.say or ""
        syllables = [respell(s) for s in token.syllables]
        reading = token.reading.split()
        for i in range(1, len(syllables)):
            if (i < len(chars) and chars[i] == "儿" and syllables[i - 1][-1:].isdigit()
                    and (syllables[i] in ("r5", "er5") or chars[i - 1] in _ERHUA_AFTER)):
                syllables[i] = "er5"
                if len(reading) == len(syllables):
                    reading[i] = "er5"  # reported as said: the erhua 儿 is neutral
        out.append(replace(token, syllables=tuple(syllables), reading=" ".join(reading)))
    return replace(draft, tokens=tuple(out))


def respell(syllable: str) -> str:
    """A pinyin syllable as eSpeak NG can say it.

    >>> respell("xiong2"), respell("jiong3"), respell("ni3"), respell("r5")
    ('xong2', 'jong3', 'ni3', 'er5')
    """
    base, tone = syllable.rstrip("12345"), syllable[len(syllable.rstrip("12345")):]
    if base == "r":  # an erhua 儿 as some readings write it
        return f"er{tone or 5}"
    return RESPELL.get(base, base) + tone
