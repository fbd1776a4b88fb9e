"""Pure signal kernels: gaps, filtering, derivatives, hysteresis, runs.

Every function takes arrays with time on axis 0 and real time stamps ``t`` in
seconds (never ``i / fps``) and returns new arrays; nothing here reads files or
logs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import signal as sps

FloatArray = NDArray[np.floating[Any]]


def runs(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Start and stop indices of the runs of True in a 1-D mask.

    Parameters
    ----------
    mask : (T,) bool

    Returns
    -------
    (K, 2) int array of half-open ``[start, stop)`` index pairs, in order.
    Empty (0, 2) when the mask has no True.

    Examples
    --------
    >>> runs(np.array([0, 1, 1, 0, 1], bool)).tolist()
    [[1, 3], [4, 5]]
    """
    m = np.asarray(mask, dtype=bool).ravel()
    if m.size == 0:
        return np.zeros((0, 2), np.int64)
    d = np.diff(np.concatenate(([False], m, [False])).astype(np.int8))
    starts = np.flatnonzero(d == 1)
    stops = np.flatnonzero(d == -1)
    return np.stack([starts, stops], axis=1).astype(np.int64)


def interpolate_gaps(t: FloatArray, x: NDArray[np.floating], max_gap_s: float) -> FloatArray:
    """Linearly fill interior NaN gaps no longer than ``max_gap_s``.

    A gap's length is the time between the last valid sample before it and the
    first valid sample after it. Leading and trailing NaNs are never filled.

    Parameters
    ----------
    t : (T,) float
        Timestamps (s), strictly increasing.
    x : (T, ...) float
        Signal; each trailing column is handled independently.
    max_gap_s : float
        Longest gap to bridge (s).

    Returns
    -------
    (T, ...) float64 copy with short gaps filled.
    """
    t = np.asarray(t, np.float64)
    y = np.array(x, dtype=np.float64, copy=True)
    flat = y.reshape(y.shape[0], -1)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        bad = ~np.isfinite(col)
        if not bad.any() or bad.all():
            continue
        good = np.flatnonzero(~bad)
        for start, stop in runs(bad):
            if start == 0 or stop == len(col):
                continue
            if t[stop] - t[start - 1] <= max_gap_s + 1e-12:
                col[start:stop] = np.interp(t[start:stop], t[good], col[good])
    return y


def is_uniform(t: FloatArray, rtol: float = 0.01) -> bool:
    """True when every frame interval is within ``rtol`` of the median interval."""
    t = np.asarray(t, np.float64)
    if t.size < 3:
        return True
    dt = np.diff(t)
    med = float(np.median(dt))
    return bool(np.all(np.abs(dt - med) <= rtol * med))


def sample_rate_hz(t: FloatArray) -> float:
    """Median sample rate (Hz) of timestamps ``t``."""
    dt = np.diff(np.asarray(t, np.float64))
    if dt.size == 0:
        return float("nan")
    return float(1.0 / np.median(dt))


def resample_uniform(t: FloatArray, x: NDArray[np.floating], fs: float) -> tuple[FloatArray, FloatArray]:
    """Resample onto a uniform grid at ``fs`` Hz starting at ``t[0]``.

    Linear interpolation; a grid point is NaN when either neighbour is NaN.

    Returns
    -------
    tu : (U,) float, the uniform grid (s)
    xu : (U, ...) float, the resampled signal
    """
    t = np.asarray(t, np.float64)
    xa = np.asarray(x, np.float64)
    n = int(np.floor((t[-1] - t[0]) * fs + 1e-9)) + 1
    tu = t[0] + np.arange(n) / fs
    flat = xa.reshape(xa.shape[0], -1)
    out = np.empty((n, flat.shape[1]))
    idx = np.clip(np.searchsorted(t, tu, side="right") - 1, 0, len(t) - 2) if len(t) > 1 else np.zeros(n, int)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        if len(t) == 1:
            out[:, j] = col[0]
            continue
        t0, t1 = t[idx], t[idx + 1]
        w = np.clip((tu - t0) / (t1 - t0), 0.0, 1.0)
        out[:, j] = col[idx] * (1 - w) + col[idx + 1] * w
    return tu, out.reshape((n, *xa.shape[1:]))


def lowpass(x: NDArray[np.floating], cutoff_hz: float, fs: float, order: int = 2) -> FloatArray:
    """Zero-phase Butterworth low-pass (``sosfiltfilt``) along axis 0, NaN-aware.

    NaNs are bridged by linear interpolation (held constant at the ends) for the
    filtering and put back afterwards. Signals too short to filter are returned as is.

    Parameters
    ----------
    x : (T, ...) float
        Uniformly sampled signal.
    cutoff_hz : float
        -3 dB cut-off frequency of the single pass (Hz); must be below ``fs / 2``.
    fs : float
        Sample rate (Hz).
    order : int
        Filter order of one pass (the zero-phase result has twice the roll-off).
    """
    xa = np.array(x, dtype=np.float64, copy=True)
    if not 0 < cutoff_hz < fs / 2:
        raise ValueError(f"lowpass: cutoff {cutoff_hz} Hz must be in (0, fs/2 = {fs / 2} Hz)")
    sos = sps.butter(order, cutoff_hz, btype="low", output="sos", fs=fs)
    flat = xa.reshape(xa.shape[0], -1)
    n = flat.shape[0]
    padlen = min(3 * (2 * len(sos) + 1), n - 1)
    if n < 4:
        return xa
    idx = np.arange(n)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        bad = ~np.isfinite(col)
        if bad.all():
            continue
        filled = np.interp(idx, idx[~bad], col[~bad]) if bad.any() else col
        res = sps.sosfiltfilt(sos, filled, padlen=padlen)
        res[bad] = np.nan
        flat[:, j] = res
    return xa


def lowpass_t(t: FloatArray, x: NDArray[np.floating], cutoff_hz: float, order: int = 2) -> FloatArray:
    """Zero-phase low-pass of a signal with real (possibly non-uniform) timestamps.

    Uniform series are filtered directly with ``fs`` from the timestamps; a
    non-uniform one is resampled onto a uniform grid at its median rate,
    filtered, and interpolated back onto ``t``.
    """
    t = np.asarray(t, np.float64)
    fs = sample_rate_hz(t)
    cutoff = min(cutoff_hz, 0.45 * fs)
    if is_uniform(t):
        return lowpass(x, cutoff, fs, order)
    tu, xu = resample_uniform(t, x, fs)
    yu = lowpass(xu, cutoff, fs, order)
    flat = yu.reshape(yu.shape[0], -1)
    out = np.empty((len(t), flat.shape[1]))
    for j in range(flat.shape[1]):
        out[:, j] = np.interp(t, tu, flat[:, j])
    xa = np.asarray(x, np.float64)
    res: NDArray[np.float64] = out.reshape(xa.shape)
    res[~np.isfinite(xa)] = np.nan
    return res


TRACK_CROSSOVER_HZ = 0.02
"""Crossover of :func:`complementary` for the hip track (Hz): a 50 s period, slower than any rep, so that the reps'
shape comes from the track and only its drift from the landmarks (0.05 Hz gave 0.15-0.2 s eccentric errors on rendered
squats where 0.02 gave 0.04-0.1 s, docs/validation.md)."""


def step_disagreement(t: FloatArray, absolute: NDArray[np.floating], steps: NDArray[np.floating],
                      scale: float, smooth_hz: float = 3.0) -> FloatArray:
    """Per-sample speed difference between ``steps`` and the low-passed ``absolute`` series, in ``scale`` per second.

    Parameters
    ----------
    t : (T,) float
        Timestamps (s).
    absolute : (T,) float
        Absolute measurement (e.g. MediaPipe's hip row, px).
    steps : (T,) float
        Change since the previous sample (same units).
    scale : float
        Unit of the result per second (e.g. the leg length in px, for leg lengths per second).
    smooth_hz : float
        Low-pass applied to ``absolute`` before differentiating (Hz).

    Returns
    -------
    (T,) float, NaN where either is missing.
    """
    t = np.asarray(t, np.float64)
    fs = sample_rate_hz(t)
    a = lowpass_t(t, np.asarray(absolute, np.float64), min(smooth_hz, 0.45 * fs))
    v_abs = np.diff(a, prepend=np.nan) * fs
    v_steps = np.asarray(steps, np.float64) * fs
    return np.asarray(np.abs(v_steps - v_abs) / scale)


def complementary(t: FloatArray, absolute: NDArray[np.floating], steps: NDArray[np.floating],
                  crossover_hz: float = TRACK_CROSSOVER_HZ, fill_hz: float = 3.0) -> FloatArray:
    """One series from an absolute but noisy measurement and a precise but drifting one given as steps.

    The steps are summed (a missing step takes the step of the absolute series low-passed at ``fill_hz``, or 0 where
    that is missing too: its raw step would add its noise to every later sample until the crossover removes it);
    the low-passed difference between the absolute series and that sum is added back, so that the result follows
    the steps above ``crossover_hz`` and the absolute series below it.

    Parameters
    ----------
    t : (T,) float
        Timestamps (s).
    absolute : (T,) float
        The absolute measurement (e.g. MediaPipe's hip row, px); NaN where missing.
    steps : (T,) float
        Change since the previous sample (same units; ``steps[0]`` unused); NaN where not measured.
    crossover_hz : float
        Crossover frequency (Hz).
    fill_hz : float
        Low-pass of the absolute series whose steps fill missing ones (Hz).

    Returns
    -------
    (T,) float, NaN where ``absolute`` is missing; all NaN when it is missing everywhere.
    """
    t = np.asarray(t, np.float64)
    a = np.asarray(absolute, np.float64)
    d = np.asarray(steps, np.float64).copy()
    ok = np.isfinite(a)
    if not ok.any():
        return np.full(a.shape, np.nan)
    own = np.diff(lowpass_t(t, a, fill_hz), prepend=np.nan) if ok.sum() > 1 else np.full(a.shape, np.nan)
    d[0] = 0.0
    d = np.where(np.isfinite(d), d, own)
    d = np.where(np.isfinite(d), d, 0.0)
    cum = np.cumsum(d)
    diff = a - cum
    idx = np.arange(len(a))
    diff = np.interp(idx, idx[ok], diff[ok])
    # a crossover this slow spans the whole clip: the ends are padded by mirroring the whole series, so that the
    # slow part is not pinned to the noise of the first and last samples (the default odd padding of 9 samples is)
    fs = sample_rate_hz(t)
    base = float(np.median(diff))
    if len(a) > 3 and 0 < crossover_hz < fs / 2:
        sos = sps.butter(2, crossover_hz, btype="low", output="sos", fs=fs)
        slow = sps.sosfiltfilt(sos, diff - base, padtype="even", padlen=len(a) - 1) + base
    else:
        slow = np.full(len(a), base)
    out = cum + slow
    out[~ok] = np.nan
    return np.asarray(out)


def derivative(t: FloatArray, x: NDArray[np.floating]) -> FloatArray:
    """Time derivative along axis 0 in units of x per second (central differences on real ``t``)."""
    t = np.asarray(t, np.float64)
    xa = np.asarray(x, np.float64)
    if len(t) < 2:
        return np.zeros_like(xa)
    return np.asarray(np.gradient(xa, t, axis=0))


@dataclass
class Hysteresis:
    """Online two-threshold switch (Schmitt trigger).

    The state turns on when the input rises to ``high`` or above and off when it
    falls to ``low`` or below; in between, and for NaN input, it keeps its state.

    Attributes
    ----------
    low, high : float
        Thresholds, ``low < high``.
    state : bool
        Current state.
    """

    low: float
    high: float
    state: bool = False

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"Hysteresis: expected low < high, got {self.low} >= {self.high}")

    def update(self, value: float) -> bool:
        """Feed one sample; returns the state after it."""
        if value >= self.high:
            self.state = True
        elif value <= self.low:
            self.state = False
        return self.state


def hysteresis(x: NDArray[np.floating], low: float, high: float, initial: bool = False) -> NDArray[np.bool_]:
    """Offline driver of :class:`Hysteresis`: the state after each sample of ``x``."""
    h = Hysteresis(low, high, initial)
    return np.array([h.update(float(v)) for v in np.asarray(x, np.float64)], dtype=bool)


def crossing_time(t0: float, x0: float, t1: float, x1: float, level: float) -> float:
    """Time at which the straight line between two samples crosses ``level`` (s)."""
    if x1 == x0:
        return 0.5 * (t0 + t1)
    w = (level - x0) / (x1 - x0)
    return float(t0 + np.clip(w, 0.0, 1.0) * (t1 - t0))


def match_nearest(a_s: list[float] | NDArray[np.floating[Any]], b_s: list[float] | NDArray[np.floating[Any]],
                  tol_s: float) -> list[tuple[int, int]]:
    """One-to-one pairs of event times, closest first, each within ``tol_s`` (greedy matching).

    Parameters
    ----------
    a_s, b_s : sequences of float
        Event times (s), e.g. detected and labelled touchdowns.
    tol_s : float
        Largest time difference of a pair (s).

    Returns
    -------
    ``(i, j)`` index pairs into ``a_s`` and ``b_s``, sorted by ``i``; each index at most once.

    Examples
    --------
    >>> match_nearest([1.0, 2.0, 3.0], [2.02, 0.99, 5.0], 0.05)
    [(0, 1), (1, 0)]
    """
    cand = sorted((abs(float(a) - float(b)), i, j) for i, a in enumerate(a_s) for j, b in enumerate(b_s)
                  if abs(float(a) - float(b)) <= tol_s)
    used_a: set[int] = set()
    used_b: set[int] = set()
    out: list[tuple[int, int]] = []
    for _, i, j in cand:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            out.append((i, j))
    return sorted(out)


def margin_confidence(delta: float, sigma: float) -> float:
    """Confidence in a call made on a ``delta`` margin over its threshold with one-sigma uncertainty ``sigma`` (same
    units): the normal probability that the margin's sign is right.

    Examples
    --------
    >>> round(margin_confidence(0.0, 1.0), 3), round(margin_confidence(-2.0, 1.0), 3)
    (0.5, 0.977)
    """
    return 0.5 * (1.0 + math.erf(abs(delta) / (max(sigma, 1e-3) * math.sqrt(2.0))))
