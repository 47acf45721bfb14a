"""Levelling of each synthesized piece to one loudness, with a true-peak-safe limiter.

Every piece is brought to the render's target loudness (ITU-R BS.1770 gated loudness, measured with
pyloudnorm) before it is cached, so speakers sound equally loud whatever their voice, and the
episode lands on the target without a second pass over it: a recast still redoes only the recast
speaker's pieces, and a warm render only joins frames. Why per piece rather than one gain per
voice, with the figures: README, "Loudness".

eSpeak NG voices have a high peak-to-loudness ratio (17–20 dB; 26 dB for ``klatt``), so a piece
raised to −16 LUFS would peak above full scale. A look-ahead limiter on the 4× oversampled
(true-peak) envelope holds every piece at :data:`CEILING_DBTP`, 3 dB below the −1 dBTP limit, as
margin for the encoders' overshoot, which limited speech raises: on the bundled example at the
default bitrates, MP3 0.8 dB, AAC 2.5 dB, Opus 2–3 dB and in a few 10 ms windows 4.2 dB
(``encode.FORMATS`` has the encoder settings that keep it this small; README, "Loudness").
Limiting lowers the loudness a little, so the gain is corrected until the piece is measured within
:data:`TOLERANCE_LU` of the target (two measurements for most pieces: as synthesized, and as
levelled; between them the limiter works on 0.5 ms blocks, not on every sample).
"""

from __future__ import annotations

import functools

#: Loudness of every piece, hence of the episode, unless the render asks otherwise (LUFS).
DEFAULT_LUFS = -16.0
#: Targets a render may ask for (LUFS): below −36 speech drowns in a listener's background noise,
#: above −14 the limiter would have to flatten it (a peak-to-loudness ratio of 12 dB at most).
LUFS_RANGE = (-36.0, -14.0)
#: Joined with the pauses between them, pieces measure lower than each alone: BS.1770's 400 ms
#: blocks that straddle a pause pass its relative gate yet hold less sound. On the bundled example
#: (pieces at −16.0) the episode measured −16.5 LUFS, on a short English panel −16.9; each piece
#: is therefore levelled this much above the episode's target.
JOIN_ALLOWANCE_LU = 0.6
#: The highest true peak a piece may have before encoding (dBTP).
CEILING_DBTP = -4.0
#: Part of every piece's cache key: raised whenever levelling changes the samples it writes.
LEVELLER_VERSION = 9
TOLERANCE_LU = 0.2
_PASSES = 3
_SECANT_STEPS = 8
#: No piece is raised by more than this (a near-silent piece stays near-silent).
_MAX_GAIN_DB = 40.0
#: The limiter's window: gain falls over 5 ms before a peak and recovers over 5 ms after it.
_WINDOW_MS = 5.0
#: BS.1770 gates 400 ms blocks: a shorter piece is measured repeated to that length.
_BLOCK_S = 0.4
_OVERSAMPLE = 4


def level(samples, sample_rate: int, target_lufs: float):
    """``samples`` (float, full scale ±1) brought to ``target_lufs``, true peak at most
    :data:`CEILING_DBTP`; a piece with nothing above the absolute gate (−70 LUFS) is returned as is.

    >>> import numpy as np
    >>> tone = 0.01 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> round(loudness(level(tone, 22050, -20.0), 22050), 1)
    -20.0
    """
    import numpy as np

    current = loudness(samples, sample_rate)
    if not np.isfinite(current):
        return samples
    blocks = _Blocks(samples, true_peak_envelope(samples), sample_rate)
    gain_db, offset = 0.0, current - blocks.energy_db(None)  # as synthesized: not limited
    for _ in range(_PASSES):
        gain_db = _converge(blocks, gain_db, offset, target_lufs)
        out = blocks.output(gain_db)
        if gain_db >= _MAX_GAIN_DB or not blocks.limited(gain_db):
            break  # a plain gain moves the loudness by exactly as many dB
        measured = loudness(out, sample_rate)
        if abs(target_lufs - measured) <= TOLERANCE_LU:
            break
        offset = measured - blocks.energy_db(gain_db)
    return out


class _Blocks:
    """A piece cut into 0.5 ms blocks, the limiter's unit: each block's true peak and energy, so the
    limiter's gain and the output's energy can be worked out without touching every sample."""

    def __init__(self, samples, envelope, sample_rate: int) -> None:
        import numpy as np

        self.samples, self.sample_rate = samples, sample_rate
        self.size = max(1, sample_rate // 2000)
        count = -(-len(samples) // self.size)

        def per_block(values):
            return np.pad(values, (0, count * self.size - len(values))).reshape(count, self.size)

        self.peaks = per_block(envelope).max(axis=1)
        self.energy = np.square(per_block(samples)).sum(axis=1)

    def limited(self, gain_db: float) -> bool:
        """Whether the limiter has work to do at this gain."""
        return float(self.peaks.max()) * 10 ** (gain_db / 20) > 10 ** (CEILING_DBTP / 20)

    def gains(self, gain_db: float):
        """Each block's gain: the piece's gain, lowered by the limiter where a peak needs it."""
        return 10 ** (gain_db / 20) * limiter_gains(self.peaks * 10 ** (gain_db / 20), self.size, self.sample_rate)

    def energy_db(self, gain_db: float | None) -> float:
        """The output's energy at this gain (``None``: the piece as it is, not limited), in dB.
        No ``np.dot``: BLAS threads spin on a loaded machine."""
        import numpy as np

        weights = 1.0 if gain_db is None else np.square(self.gains(gain_db))
        return 10 * np.log10(max(float((weights * self.energy).sum()), 1e-30))

    def output(self, gain_db: float):
        import numpy as np

        return self.samples * np.repeat(self.gains(gain_db), self.size)[:len(self.samples)]


def _converge(blocks: _Blocks, gain_db: float, offset: float, target_lufs: float) -> float:
    """The gain that brings the piece to ``target_lufs``, starting from ``gain_db``.

    Found by the secant method (the limiter gives back less than 1 LU per dB) on a cheap stand-in
    for loudness: the output's energy plus ``offset``, which makes it agree with the last
    measurement. The
    limiter's gain changes slowly, so the K-weighted, gated loudness follows the plain energy
    closely (within 0.4 LU on all but one of 123 of the bundled example's pieces), and
    :func:`level` measures the result again.
    """
    previous, slope = None, 1.0
    for _ in range(_SECANT_STEPS):
        estimate = blocks.energy_db(gain_db) + offset
        error = target_lufs - estimate
        if abs(error) <= TOLERANCE_LU / 4 or gain_db >= _MAX_GAIN_DB:
            break
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.1, (estimate - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, estimate)
        gain_db = min(gain_db + error / slope, _MAX_GAIN_DB)
    return gain_db


def piece_target(episode_lufs: float) -> float:
    """The loudness each piece is levelled to, so the joined episode measures ``episode_lufs``."""
    return episode_lufs + JOIN_ALLOWANCE_LU


def loudness(samples, sample_rate: int) -> float:
    """Integrated (gated) loudness in LUFS per ITU-R BS.1770-4 (pyloudnorm); a piece shorter than one
    400 ms block is measured repeated to that length; −inf for silence."""
    import numpy as np

    if len(samples) == 0:
        return float("-inf")
    block = int(_BLOCK_S * sample_rate) + 1
    if len(samples) < block:
        samples = np.tile(samples, -(-block // len(samples)))
    return float(_meter(sample_rate).integrated_loudness(samples))


def true_peak_envelope(samples):
    """The true peak near each sample: the largest magnitude among it and the three points that
    4× oversampling puts after it (BS.1770-4 Annex 2; a 49-tap polyphase interpolator)."""
    import numpy as np
    from scipy.ndimage import correlate1d

    envelope = np.abs(samples)
    for column in _interpolator().T:  # (13, 3): one column per oversampled point between two samples
        # Centred on tap 6, the filter's delay; outside the piece is silence.
        np.maximum(envelope, np.abs(correlate1d(samples, column, mode="constant")), out=envelope)
    return envelope


def limiter_gains(peaks, block: int, sample_rate: int):
    """The look-ahead limiter: the gain (≤ 1) of each block of ``block`` samples whose true peaks are
    ``peaks``, holding them at :data:`CEILING_DBTP`. The gain a block needs is taken as the minimum
    over ±window, then averaged over one window: never above what any sample needs, and smooth."""
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (CEILING_DBTP / 20)
    if float(peaks.max()) <= ceiling:  # nothing to limit
        return np.ones_like(peaks)
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    width = max(1, round(_WINDOW_MS * sample_rate / 1000 / block)) | 1
    return uniform_filter1d(minimum_filter1d(needed, 2 * width + 1, mode="nearest"), width, mode="nearest")


@functools.cache
def _meter(sample_rate: int):
    import pyloudnorm

    return pyloudnorm.Meter(sample_rate)


@functools.cache
def _interpolator():
    """The low-pass interpolator split into its phases 1–3 (phase 0 is the samples themselves),
    each reversed for use as a dot product with 13 consecutive samples."""
    import numpy as np
    from scipy.signal import firwin

    # 49 taps (odd, so its delay is a whole number of samples), padded to 13 per phase.
    taps = np.append(firwin(12 * _OVERSAMPLE + 1, 1 / _OVERSAMPLE) * _OVERSAMPLE, [0.0] * 3)
    return taps.reshape(13, _OVERSAMPLE)[::-1, 1:].copy()


def preload() -> None:
    """Import the measuring libraries now (once, in the process that forks the synthesis workers)."""
    _meter(22050)
    _interpolator()
    import scipy.ndimage  # noqa: F401
