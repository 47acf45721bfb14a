"""Levelling of each synthesized piece to one loudness, with a true-peak-safe limiter.

Every piece is brought to the render's target loudness (ITU-R BS.1770-4 gated loudness) before it is
cached, so speakers sound equally loud whatever their voice, and the episode lands on the target
without a second pass over it: a recast still redoes only the recast speaker's pieces, and a warm
render only joins frames. Why per piece rather than one gain per voice, with the figures: README,
"Loudness".

eSpeak NG voices have a high peak-to-loudness ratio (17–20 dB; 26 dB for ``klatt``), so a piece
raised to −16 LUFS would peak above full scale. A look-ahead limiter on the 4× oversampled
(true-peak) envelope holds every piece at :data:`CEILING_DBTP`, 3 dB below the −1 dBTP limit, as
margin for the encoders' overshoot, which limited speech raises: on the bundled example at the
default bitrates, MP3 0.8 dB, AAC 2.5 dB, Opus 2–3 dB and in a few 10 ms windows 4.2 dB
(``encode.FORMATS`` has the encoder settings that keep it this small; README, "Loudness").

A piece is analysed once (:class:`Analysis`): its K-weighted energy and its true peak in 0.5 ms
blocks. The limiter works on those blocks, and the output's gated loudness at any gain is worked
out from them without filtering the piece again, so the gain that lands on the target is found in
a few cheap steps. The measurement is BS.1770-4's (K-weighting with libebur128's coefficients for
any sample rate, 400 ms gating blocks, absolute and relative gates); the tests check it, and the
levelled pieces, against pyloudnorm, and the episodes against ffmpeg's ebur128.
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
LEVELLER_VERSION = 11
TOLERANCE_LU = 0.2
_SECANT_STEPS = 8
#: No piece is raised by more than this (a near-silent piece stays near-silent).
_MAX_GAIN_DB = 40.0
#: The limiter's window: gain falls over 5 ms before a peak and recovers over 5 ms after it.
_WINDOW_MS = 5.0
#: BS.1770's gating block (s), and its step (a quarter: 75% overlap).
_GATE_S = 0.4
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_OVERSAMPLE = 4


def level(samples, sample_rate: int, target_lufs: float):
    """``samples`` (float, full scale ±1) brought to ``target_lufs``, true peak at most
    :data:`CEILING_DBTP` (float32); a piece with nothing above the absolute gate (−70 LUFS) is
    returned as it is.

    >>> import numpy as np
    >>> tone = 0.01 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)
    >>> round(loudness(level(tone, 22050, -20.0), 22050), 1)
    -20.0
    """
    piece = Analysis(samples, sample_rate)
    current = piece.loudness(None)
    if current == float("-inf"):
        return samples
    return piece.output(_converge(piece, min(target_lufs - current, _MAX_GAIN_DB), target_lufs))


def loudness(samples, sample_rate: int) -> float:
    """Integrated (gated) loudness in LUFS per ITU-R BS.1770-4; a piece shorter than one 400 ms
    block is measured repeated, as if it were looped; −inf for silence."""
    return Analysis(samples, sample_rate).loudness(None)


class Analysis:
    """A piece cut into 0.5 ms blocks, the limiter's unit: each block's true peak and K-weighted
    energy, so the limiter's gain and the output's loudness can be worked out at any gain without
    touching every sample again."""

    def __init__(self, samples, sample_rate: int) -> None:
        import numpy as np

        self.samples = np.asarray(samples, dtype=np.float32)
        self.sample_rate = sample_rate
        self.size = max(1, sample_rate // 2000)
        count = -(-len(self.samples) // self.size)
        whole = np.zeros(count * self.size, dtype=np.float32)
        whole[:len(self.samples)] = k_weighted(self.samples, sample_rate) if len(self.samples) else 0
        blocks = whole.reshape(count, self.size)
        self.energy = np.einsum("ij,ij->i", blocks, blocks).astype(np.float64)
        whole[:len(self.samples)] = true_peak_envelope(self.samples) if len(self.samples) else 0
        self.peaks = _column_max(blocks)
        self.gate = max(1, round(_GATE_S * sample_rate))  # samples per gating block
        self.width = max(1, round(_WINDOW_MS * sample_rate / 1000 / self.size)) | 1  # limiter window
        # The highest peak within a window either side of each block: what the limiter answers to.
        self.reach = _sliding(np.maximum, self.peaks, self.width) if count else self.peaks
        self.highest = float(self.peaks.max()) if count else 0.0

    def limited(self, gain_db: float) -> bool:
        """Whether the limiter has work to do at this gain."""
        return self.highest * 10 ** (gain_db / 20) > 10 ** (CEILING_DBTP / 20)

    def gains(self, gain_db: float):
        """Each block's gain: the piece's gain, lowered by the limiter where a peak needs it.

        The look-ahead limiter: the gain a block needs to hold every true peak within a window
        either side of it at :data:`CEILING_DBTP`, averaged over one window: never above what any
        sample needs, and smooth (gain falls over 5 ms before a peak, recovers over 5 ms after)."""
        import numpy as np

        gain = 10 ** (gain_db / 20)
        ceiling = 10 ** (CEILING_DBTP / 20)
        if not self.limited(gain_db):
            return np.full(len(self.peaks), gain)
        needed = np.minimum(1.0, ceiling / np.maximum(self.reach * gain, 1e-12))
        return gain * _moving_average(needed, self.width)

    def loudness(self, gain_db: float | None) -> float:
        """The gated loudness of the output at this gain (``None``: the piece as it is), in LUFS.
        The limiter's gain moves slowly next to the K-weighting filter's memory, so the output's
        weighted energy is the piece's times the square of the block's gain (against measuring the
        limited output itself, on 185 of the bundled example's pieces: within 0.02 LU for 95% of
        them, 0.07 LU at most)."""
        import numpy as np

        energy = self.energy if gain_db is None else self.energy * np.square(self.gains(gain_db))
        if not len(energy) or not energy.any():
            return float("-inf")
        length = len(self.samples)
        if length < self.gate:  # shorter than one gating block: measured repeated (to 1.6 s)
            energy = np.tile(energy, -(-4 * self.gate // (len(energy) * self.size)))
            length = len(energy) * self.size
        # Gating blocks of exactly 400 ms every 100 ms, only whole ones, as BS.1770 has them: a
        # block's energy is the blocks of ``size`` samples it spans, the two at its ends in part.
        sums = np.concatenate(([0.0], np.cumsum(energy)))
        starts = np.arange(0, length - self.gate + 1, max(1, self.gate // 4))
        power = (self._energy_to(sums, energy, starts + self.gate) - self._energy_to(sums, energy, starts)) / self.gate
        power = power[_lufs(power) > _ABSOLUTE_GATE_LUFS]
        if not len(power):
            return float("-inf")
        power = power[_lufs(power) > _lufs(power.mean()) + _RELATIVE_GATE_LU]
        return float(_lufs(power.mean()))

    def _energy_to(self, sums, energy, ends):
        """The energy of the samples before each of ``ends`` (``sums``: ``energy``'s running total),
        a block cut in two sharing its energy in proportion."""
        import numpy as np

        whole, part = np.divmod(ends, self.size)
        return sums[whole] + energy[np.minimum(whole, len(energy) - 1)] * (part / self.size)

    def output(self, gain_db: float):
        """The piece at this gain, limited (float32)."""
        import numpy as np

        gains = np.repeat(self.gains(gain_db).astype(np.float32), self.size)[:len(self.samples)]
        return self.samples * gains


def _column_max(rows):
    """The largest value of each row of a narrow 2-D array (``max(axis=1)`` is ten times slower)."""
    import numpy as np

    out = rows[:, 0].copy()
    for j in range(1, rows.shape[1]):
        np.maximum(out, rows[:, j], out=out)
    return out


def _lufs(power):
    import numpy as np

    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(power)


def _converge(piece: Analysis, gain_db: float, target_lufs: float) -> float:
    """The gain that brings the piece to ``target_lufs``, starting from ``gain_db``: found by the
    secant method, since the limiter gives back less than 1 LU per dB."""
    previous, slope = None, 1.0
    for _ in range(_SECANT_STEPS):
        if not piece.limited(gain_db):  # a plain gain moves the loudness by exactly as many dB
            return gain_db
        estimate = piece.loudness(gain_db)
        error = target_lufs - estimate
        if abs(error) <= TOLERANCE_LU / 2 or gain_db >= _MAX_GAIN_DB:
            break
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.1, (estimate - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, estimate)
        gain_db = min(gain_db + error / slope, _MAX_GAIN_DB)
    return gain_db


def piece_target(episode_lufs: float) -> float:
    """The loudness each piece is levelled to, so the joined episode measures ``episode_lufs``."""
    return episode_lufs + JOIN_ALLOWANCE_LU


def k_weighted(samples, sample_rate: int):
    """``samples`` through BS.1770's K-weighting filter (a high shelf, then a high pass), float32.

    The filter's impulse response, cut where its energy is below 1e-19 of the whole, applied by
    overlap-save FFTs (``scipy.fft``): as fast as filtering sample by sample, and ``scipy.signal``,
    which would do that, takes 0.6 s to import, in every render that synthesizes."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy import fft

    response = _k_response(sample_rate)
    hop = _FFT_SIZE - _K_TAPS
    count = max(1, -(-len(samples) // hop))
    padded = np.zeros(_K_TAPS + count * hop, dtype=np.float32)
    padded[_K_TAPS:_K_TAPS + len(samples)] = samples
    frames = sliding_window_view(padded, _FFT_SIZE)[::hop]  # each holds its hop and what precedes it
    spectra = fft.rfft(frames, axis=-1)
    spectra *= response
    return fft.irfft(spectra, _FFT_SIZE, axis=-1)[:, _K_TAPS:].reshape(-1)[:len(samples)]


#: Overlap-save: FFT length, and the samples of the K-weighting's impulse response kept (at 22.05 kHz
#: its energy beyond them is 4e-20 of the whole; beyond 48 kHz it is still below 1e-9).
_FFT_SIZE, _K_TAPS = 8192, 2048


@functools.cache
def _k_response(sample_rate: int):
    """The spectrum of the K-weighting's impulse response (first :data:`_K_TAPS` samples), as the
    overlap-save FFTs multiply it."""
    import numpy as np
    from scipy import fft

    z = np.exp(-2j * np.pi * np.arange(_FFT_SIZE // 2 + 1) / _FFT_SIZE)  # z^-1 at each bin
    response = np.ones_like(z)
    for b0, b1, b2, a0, a1, a2 in _k_filter(sample_rate):
        response *= (b0 + b1 * z + b2 * z * z) / (a0 + a1 * z + a2 * z * z)
    impulse = fft.irfft(response, _FFT_SIZE)[:_K_TAPS]
    return fft.rfft(impulse, _FFT_SIZE).astype(np.complex64)


@functools.cache
def _k_filter(sample_rate: int):
    """The K-weighting filter as second-order sections (b0 b1 b2 a0 a1 a2 each), designed for
    ``sample_rate`` as libebur128 does it (at 48 kHz: BS.1770-4's own coefficients)."""
    import math

    import numpy as np

    f0, gain, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10 ** (gain / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0,
             1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1 + k / q + k * k
    high_pass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, high_pass])


def true_peak_envelope(samples):
    """The true peak near each sample: the largest magnitude among it and the three points that
    4× oversampling puts after it (BS.1770-4 Annex 2; a 49-tap polyphase interpolator), float32.
    Plain multiply-adds rather than a matrix product: BLAS threads spin on a loaded machine."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float32)
    taps = _interpolator()
    half = (len(taps) - 1) // 2
    padded = np.pad(x, (half, half))  # outside the piece is silence
    envelope = np.abs(x)
    point, term = np.empty_like(x), np.empty_like(x)
    for phase in taps.T:  # (13, 3): one column per oversampled point between two samples
        np.multiply(padded[:len(x)], phase[0], out=point)
        for j in range(1, len(phase)):
            np.multiply(padded[j:j + len(x)], phase[j], out=term)
            point += term
        np.maximum(envelope, np.abs(point, out=point), out=envelope)
    return envelope


def _sliding(combine, values, width: int):
    """``combine`` (``np.maximum``…) over ``width`` blocks either side of each, edges repeated."""
    import numpy as np

    padded = np.pad(values, width, mode="edge")
    out = padded[:len(values)].copy()
    for shift in range(1, 2 * width + 1):
        combine(out, padded[shift:shift + len(values)], out=out)
    return out


def _moving_average(values, width: int):
    """The mean over ``width`` (odd) blocks centred on each, edges repeated."""
    import numpy as np

    half = width // 2
    sums = np.concatenate(([0.0], np.cumsum(np.pad(values, half, mode="edge"), dtype=np.float64)))
    return (sums[width:] - sums[:-width]) / width


@functools.cache
def _interpolator():
    """The low-pass interpolator split into its phases 1–3 (phase 0 is the samples themselves),
    each reversed for use as a dot product with 13 consecutive samples (float32)."""
    import numpy as np

    # 49 taps (odd, so its delay is a whole number of samples): a Hamming-windowed sinc cut at the
    # original Nyquist frequency, padded to 13 per phase.
    n = 12 * _OVERSAMPLE + 1
    t = np.arange(n) - (n - 1) / 2
    taps = np.sinc(t / _OVERSAMPLE) * np.hamming(n)
    taps = np.append(taps / taps.sum() * _OVERSAMPLE, [0.0] * 3)
    return taps.reshape(13, _OVERSAMPLE)[::-1, 1:].astype(np.float32)


def preload() -> None:
    """Import what levelling uses now (once, in the process that forks the synthesis workers)."""
    _interpolator()
    _k_response(22050)
