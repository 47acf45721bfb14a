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
(``encode.FORMATS`` has the encoder settings that keep it this small; README, "Loudness"). Limiting lowers the loudness a little,
so the gain is corrected and the limiter run again until the piece is measured within
:data:`TOLERANCE_LU` of the target (two measurements for most pieces: as synthesized, and as
levelled).
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
LEVELLER_VERSION = 8
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
    envelope = true_peak_envelope(samples)
    gain_db, out, measured = 0.0, samples, current
    for _ in range(_PASSES):
        gain_db, out = _converge(samples, envelope, gain_db, out, measured, target_lufs, sample_rate)
        if gain_db >= _MAX_GAIN_DB or not limited(envelope, gain_db):
            break  # a plain gain moves the loudness by exactly as many dB
        measured = loudness(out, sample_rate)
        if abs(target_lufs - measured) <= TOLERANCE_LU:
            break
    return out


def _converge(samples, envelope, gain_db: float, out, measured: float, target_lufs: float, sample_rate: int):
    """The gain, and its limited output, that bring the piece to ``target_lufs``, starting from
    ``gain_db`` whose output ``out`` measured ``measured`` LUFS.

    Found by the secant method (the limiter gives back less than 1 LU per dB) on a cheap stand-in
    for loudness: the output's energy, offset to agree with the measurement at ``gain_db``. The
    limiter's gain changes slowly, so the K-weighted, gated loudness follows the plain energy
    closely (within 0.4 LU on all but one of 123 of the bundled example's pieces), and
    :func:`level` measures the result again.
    """
    import numpy as np

    def energy(signal) -> float:
        return 10 * np.log10(max(float(np.square(signal).sum()), 1e-30))  # no BLAS: its threads spin

    offset = measured - energy(out)
    out = limit(samples, envelope, 10 ** (gain_db / 20), sample_rate)  # ``out`` may be the raw piece
    previous, slope = None, 1.0
    for _ in range(_SECANT_STEPS):
        estimate = energy(out) + offset
        error = target_lufs - estimate
        if abs(error) <= TOLERANCE_LU / 4 or gain_db >= _MAX_GAIN_DB:
            break
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.1, (estimate - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, estimate)
        gain_db = min(gain_db + error / slope, _MAX_GAIN_DB)
        out = limit(samples, envelope, 10 ** (gain_db / 20), sample_rate)
    return gain_db, out


def limited(envelope, gain_db: float) -> bool:
    """Whether the limiter has work to do on a piece with this true-peak envelope at this gain."""
    return float(envelope.max()) * 10 ** (gain_db / 20) > 10 ** (CEILING_DBTP / 20)


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

    phases = _interpolator()  # (13, 3): one column per oversampled point between two samples
    padded = np.concatenate([np.zeros(6), samples, np.zeros(6)])  # the filter delays by 6 samples
    envelope = np.abs(samples)
    for column in phases.T:
        np.maximum(envelope, np.abs(np.correlate(padded, column, "valid")), out=envelope)
    return envelope


def limit(samples, envelope, gain: float, sample_rate: int):
    """``samples × gain`` with a look-ahead limiter holding the true peak (``envelope × gain``) at
    :data:`CEILING_DBTP`. The gain each 0.5 ms block needs is taken as the minimum over ±window,
    then averaged over one window: never above what any sample needs, and smooth."""
    import numpy as np
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (CEILING_DBTP / 20)
    if float(envelope.max()) * gain <= ceiling:  # a plain gain: nothing to limit
        return samples * gain
    block = max(1, sample_rate // 2000)
    blocks = -(-len(envelope) // block)
    peaks = np.pad(envelope, (0, blocks * block - len(envelope))).reshape(blocks, block).max(axis=1) * gain
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    width = max(1, round(_WINDOW_MS * sample_rate / 1000 / block)) | 1
    smooth = uniform_filter1d(minimum_filter1d(needed, 2 * width + 1, mode="nearest"), width, mode="nearest")
    return samples * (gain * np.repeat(smooth, block)[:len(samples)])


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
