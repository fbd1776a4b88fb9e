"""Reps, phases, sets and holds: one rep engine, an offline and an online driver.

How it works
------------
Each exercise names one *driving signal* (:class:`formcheck.exercises.RepSpec`), a body-relative
feature from :mod:`formcheck.features` oriented so that it grows when the body leaves its rest
position (a squat's hip drop, a calf raise's heel pitch). :class:`RepEngine` is fed that signal
sample by sample:

1. A slow tracker follows the rest level ``r`` while nothing happens.
2. A :class:`~formcheck.signals.Hysteresis` on the low-passed excursion ``x - r`` (on at
   ``0.5 * min_amp``, off at ``0.2 * min_amp``) opens and closes a candidate; shifting weight
   or small bounces never reach it.
3. A candidate that returns to rest (or, once turned, to within a fifth of its own excursion) is a rep
   only if its excursion is at least ``min_amp`` and it lasted between ``min_dur_s`` and ``max_dur_s``.
   One that outlives ``max_dur_s`` or is still open at the end of the clip re-estimates the rest level
   over its samples and replays them (a stance change, a zoom cut or one outlier had set the rest wrong);
   a plain position change (sitting down, walking out of frame) then yields no rep.
4. Phase boundaries are then timed on the *unfiltered* signal by fitting each half of the rep
   (rest -> turning point, turning point -> rest) with a smooth step ``a + (b - a) S((t - t0) / T)``
   whose shape ``S`` runs from a linear ramp through a cubic smoothstep to a minimum-jerk profile
   (fitted, :func:`ease`; the offline driver then refits every rep with one shape pooled over
   the clip). ``t0`` is the start of the phase and ``T`` its duration, both continuous in time, so
   they resolve below the frame period; a pause at the turning point falls in neither phase and
   the turning time (``bottom_s``) is the centre of the pause.
5. Offline, a phase made of several movements with a stop between them (a lunge: step back, sink a little,
   then through the depth) is refitted as two or three sequential smooth steps when that cuts the residual
   summed over the clip's reps to a quarter (:func:`_submovements`); its start is the first one's start.

The online driver (:class:`OnlineRepDetector`) filters causally and emits phase events as they
happen and each rep once the body has settled after it; the offline driver
(:func:`analyze_reps`) filters with zero phase and drives the same engine, then adds what needs
the whole series (partial reps against the set's median, sets and rest, summary, cues).
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray
from scipy import optimize
from scipy import signal as sps
from scipy.ndimage import median_filter

from formcheck import features as ft
from formcheck import signals as sg
from formcheck import skeleton as sk
from formcheck.exercises import HOLD_TOL_S, Exercise, Order, RepSpec, Targets
from formcheck.inview import FEET, OutOfView, ViewWatch, live_cue, out_of_view, unseen_cue, watched
from formcheck.types import Analysis, Event, FormcheckError, Hold, Landmarks, Rep, ShoePitch, Side, VideoMeta

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

ENTER_FRAC = 0.5
"""Hysteresis on-threshold as a fraction of ``min_amp``."""
EXIT_FRAC = 0.2
"""Hysteresis off-threshold as a fraction of ``min_amp``: a rep must come back this close to rest."""
REL_EXIT_FRAC = 0.2
"""A turned candidate also closes once back within this fraction of its own excursion from rest."""
REST_TAU_S = 5.0
"""Time constant (s) with which the rest level follows a slow upward drift."""

MAX_GAP_S = 0.3
"""Longest gap in the landmarks (s) bridged by interpolation."""
ABORT_GAP_S = 2.0
"""A candidate that loses the body for longer than this (s) is dropped."""
LOW_CONFIDENCE = 0.5
"""Reps whose mean landmark confidence is below this are flagged ``low_confidence``."""
FAST_ECC_TOL = 0.15
"""An eccentric shorter than ``(1 - tol) * target`` is flagged ``fast_eccentric``."""
TILT_FLAG_DEG = 5.0
BODY_LINE_FLAG_DEG = 10.0
HEEL_RAISED_DEG = 10.0
"""Foot pitch above the standing baseline (deg) that counts as the heel raised."""
HEEL_OFF_BOX_DEG = 12.0
"""Landmark foot pitch on the box over the step-up's drive, from the standing baseline (deg), above which the heel did
not land. MediaPipe's heel and toe do not separate the classes well (rendered: heel on the box up to 12.4°, heel kept
17° up from 11.7°); the shoe measured on the video (:func:`box_heels`) does, and replaces it where it is measured."""
BOX_DRIVE_FRAC = 0.4
"""A step-up's lead foot is measured on the box (:func:`box_windows`) over this first fraction of the drive, from the
stomp: the lead foot bears the body there alone, before the trailing foot arrives beside it on the box (and is taken
for it). Chosen on two development renders, where the registration held the lead foot over the first 40-50 % of every
drive and jumped to the other foot or a wrong solution after it on 3 of 8 reps (docs/validation.md)."""
HEEL_OFF_BOX_SHOE_DEG = 6.0
"""Lowest pitch of the lead shoe on the box (deg, from flat, heel up positive) above which its heel did not come down:
a heel kept 2.5 cm up on a 26 cm foot is 5.5°. Rendered (80 reps): heels on the box read -3.5 to +0.6°, heels kept
17.2° up 13.4-18.0°."""
SIDE_VIEW_RATIO = 0.3
"""Shoulder width over torso length below which the camera sees the athlete from the side."""
BACK_KNEE_FLAG_DEG = 160.0

_FIDX = {name: i for i, name in enumerate(ft.FEATURES)}


# ----------------------------------------------------------------------------------------------
# Phase model fit
# ----------------------------------------------------------------------------------------------
def ease(s: FloatArray, alpha: float) -> FloatArray:
    """Smooth step from 0 to 1 on ``s`` in [0, 1] (clipped outside).

    ``alpha`` = 0 linear ramp (constant speed), 1 cubic smoothstep ``3s^2 - 2s^3``, 2 minimum-jerk
    ``10s^3 - 15s^4 + 6s^5`` (the classic model of a human point-to-point movement), 3 the 7th-order
    smoothstep (even flatter ends); linear blends in between (a cosine ease is close to ``alpha`` = 1.3).
    """
    s = np.clip(s, 0.0, 1.0)
    cubic = s * s * (3.0 - 2.0 * s)
    if alpha <= 1.0:
        return np.asarray((1.0 - alpha) * s + alpha * cubic)
    mj = s**3 * (10.0 - 15.0 * s + 6.0 * s * s)
    if alpha <= 2.0:
        return np.asarray((2.0 - alpha) * cubic + (alpha - 1.0) * mj)
    s7 = s**4 * (35.0 - 84.0 * s + 70.0 * s * s - 20.0 * s**3)
    return np.asarray((3.0 - alpha) * mj + (alpha - 2.0) * s7)


@dataclass(frozen=True)
class PhaseFit:
    """A fitted phase: starts at ``t0_s``, lasts ``dur_s``; levels ``a`` -> ``b``; ``rms`` residual."""

    t0_s: float
    dur_s: float
    alpha: float
    a: float
    b: float
    rms: float

    @property
    def t1_s(self) -> float:
        return self.t0_s + self.dur_s


def _levels(s: FloatArray, x: FloatArray, a_fixed: float | None) -> tuple[FloatArray, FloatArray]:
    """Levels ``(a, b)`` of ``x ~ a + b s`` by linear least squares in closed form (``a`` fixed when given), and the
    fitted curve. Closed form because it runs inside the optimiser's numeric Jacobian, many times per rep
    (np.linalg.lstsq was most of live mode's cost)."""
    if a_fixed is not None:
        ss = float(s @ s)
        b = float(s @ (x - a_fixed)) / ss if ss > 1e-12 else 0.0
        return np.array([a_fixed, b]), a_fixed + b * s
    sm, xm = float(s.mean()), float(x.mean())
    ds = s - sm
    var = float(ds @ ds)
    b = float(ds @ (x - xm)) / var if var > 1e-12 else 0.0
    a = xm - b * sm
    return np.array([a, b]), a + b * s


def held_at_levels(x: FloatArray, a: float, b: float, deadband: float) -> tuple[NDArray[np.bool_], FloatArray]:
    """Samples of ``x`` within ``deadband`` of either level ``a`` or ``b`` (signal units), and the level each is
    nearer: what a measurement with a dead band holds while the truth is still (or already) within it."""
    lv = np.array([a, b])
    dist = np.abs(x[:, None] - lv[None, :])
    return dist.min(axis=1) < deadband, lv[np.argmin(dist, axis=1)]


def censored_residual(model: FloatArray, x: FloatArray, held: NDArray[np.bool_], level: FloatArray,
                      deadband: float) -> FloatArray:
    """``model - x``, except at ``held`` samples, which say only that the truth was within ``deadband`` of their
    ``level``: there the model's excess over the band, softly (``z - d tanh(z / d)`` of ``z = model - level``,
    about ``z^3 / (3 d^2)`` inside the band and ``z - d sign(z)`` outside)."""
    r = model - x
    z = model[held] - level[held]
    r[held] = z - deadband * np.tanh(z / deadband)
    return r


def fit_phase(t: FloatArray, x: FloatArray, t0_guess: float, dur_guess: float,
              alpha: float | None = None, a_fixed: float | None = None, deadband: float = 0.0) -> PhaseFit | None:
    """Least-squares fit of one monotone phase ``x = a + (b - a) * ease((t - t0) / T, alpha)``.

    Parameters
    ----------
    t, x : (N,) float
        Samples (s, signal units) covering rest before and after the phase (NaN ignored).
    t0_guess, dur_guess : float
        Starting values (s).
    alpha : float, optional
        Fix the profile shape (see :func:`ease`) instead of fitting it.
    a_fixed : float, optional
        Fix the starting level ``a`` (signal units): for a phase whose samples begin at the bottom of a
        counter-movement (no rest before it to set the level, :func:`_valley_bounds`).
    deadband : float
        Half-width (signal units) of a measurement that does not follow small changes near a still level (a shoe
        registered on a compressed video, :data:`SERIES_DEADBAND_DEG`): the least-squares fit is refined with the
        samples within it of either fitted level censored (:func:`held_at_levels`, :func:`censored_residual`), so
        that samples held at rest after the movement began, or snapped back before it ended, do not make the
        profile look shorter and more linear than it was (:func:`phase_duration_sigma_s` uses it to bound the
        timing). 0: plain least squares.

    Returns
    -------
    PhaseFit, or None when there are too few samples. ``rms`` is of the (censored) residuals minimised.
    """
    ok = np.isfinite(x)
    t, x = t[ok], x[ok]
    if t.size < 6 or dur_guess <= 0:
        return None
    span = float(t[-1] - t[0])

    def unpack(p: FloatArray) -> tuple[float, float, float]:
        return float(p[0]), float(p[1]), float(alpha if alpha is not None else p[2])

    def levels(p: FloatArray) -> tuple[FloatArray, FloatArray]:
        t0, T, al = unpack(p)
        return _levels(ease((t - t0) / T, al), x, a_fixed)

    def resid(p: FloatArray) -> FloatArray:
        return levels(p)[1] - x

    lo = np.array([t[0] - span, 0.03, 0.0])
    hi = np.array([t[-1], 2.0 * span + 0.1, 3.0])
    scale = np.array([0.1, 0.1, 0.5])
    starts: tuple[float, ...] = (0.3, 1.2, 2.2) if alpha is None else (float("nan"),)
    n = 3 if alpha is None else 2
    best: PhaseFit | None = None
    held = np.zeros(x.size, bool)
    level = np.zeros(x.size)

    def censored(p: FloatArray) -> FloatArray:
        return censored_residual(levels(p)[1], x, held, level, deadband)

    for a0 in starts:
        p0 = np.clip(np.array([t0_guess, dur_guess, a0])[:n], lo[:n] + 1e-6, hi[:n] - 1e-6)
        try:
            res = optimize.least_squares(resid, p0, bounds=(lo[:n], hi[:n]), x_scale=scale[:n], diff_step=1e-4)
            if deadband > 0:  # the samples at either level of the least-squares fit are censored, then refit
                coef, _ = levels(res.x)
                held[:], level[:] = held_at_levels(x, float(coef[0]), float(coef[0] + coef[1]), deadband)
                p1 = np.clip(res.x, lo[:n] + 1e-9, hi[:n] - 1e-9)
                res = optimize.least_squares(censored, p1, bounds=(lo[:n], hi[:n]), x_scale=scale[:n],
                                             diff_step=1e-4)
        except ValueError:
            continue
        coef, _ = levels(res.x)
        rms = float(np.sqrt(np.mean(res.fun**2)))
        if best is None or rms < best.rms:
            t0, T, al = unpack(res.x)
            best = PhaseFit(t0, T, al, float(coef[0]), float(coef[0] + coef[1]), rms)
    return best


SHAPE_STEP = 0.25
"""Shape change (``alpha`` of :func:`ease`) at which a phase's fit is repeated to measure its duration's sensitivity to
the profile shape and how well the samples fix the shape (:func:`phase_duration_sigma_s`). On the rendered hip-driven
sets (docs/validation.md, "Phase-time uncertainty"), of the eccentric errors 66 % fall within one sigma and 93 % within
two (0.5: 83 % and 97 %; noise only: 57 % and 71 %)."""


def phase_duration_sigma_s(t: FloatArray, x: FloatArray, t0_s: float, dur_s: float, alpha: float,
                           a_fixed: float | None = None, deadband: float = 0.0) -> float:
    """Standard uncertainty (s) of a fitted phase's duration: noise, profile shape and, for a measurement with a dead
    band, what the samples held at a level leave open (:func:`phase_time_sigma_s` of the duration)."""
    return phase_time_sigma_s(t, x, t0_s, dur_s, alpha, a_fixed, deadband, of="duration")


PhaseTime = Literal["start", "duration", "end"]
"""Which time of a fitted phase an uncertainty is for: its start ``t0``, its duration ``T`` or its end ``t0 + T``."""


def phase_time_sigma_s(t: FloatArray, x: FloatArray, t0_s: float, dur_s: float, alpha: float,
                       a_fixed: float | None = None, deadband: float = 0.0, of: PhaseTime = "duration") -> float:
    """Standard uncertainty (s) of a fitted phase's start, duration or end (``of``): noise, profile shape and, for a
    measurement with a dead band, what the samples held at a level leave open.

    Noise: the model of :func:`fit_phase` linearised at ``(t0_s, dur_s)`` with the shape ``alpha`` fixed (the
    levels are solved in closed form at every point), covariance = residual variance times ``(J^T J)^-1``, the
    variance inflated by ``(1 + r) / (1 - r)`` for the residuals' lag-one autocorrelation ``r`` (sway and the pose
    model's noise are not white). Shape: on a smooth onset the duration trades against the shape (docs/validation.md,
    "What the analysis alone can reach"), so the phase is refitted with the shape :data:`SHAPE_STEP` either side;
    the change in the time asked for per unit of shape times the shape's own uncertainty (from how much worse those two
    fits are, in units of the residual variance; at most :data:`SHAPE_STEP`) is added in quadrature. Dead band
    (``deadband`` > 0, signal units): the phase refitted with the samples within ``deadband`` of either level censored
    and its shape free (:func:`fit_phase`); the change in that time is added in quadrature (a video that held the
    shoe still while it had begun to move fits a shorter, more linear profile just as well, docs/validation.md). NaN
    when the window is too short or the model is degenerate there (a sigma longer than the window: 10^7 s read on a
    tib raise timed from the landmarks).
    """
    ok = np.isfinite(x)
    t, x = t[ok], x[ok]
    n = t.size
    n_par = 3 if a_fixed is not None else 4
    if n < n_par + 3 or not (dur_s > 0 and math.isfinite(t0_s) and math.isfinite(alpha)):
        return float("nan")

    def resid(p: FloatArray) -> FloatArray:
        return np.asarray(_levels(ease((t - p[0]) / max(float(p[1]), 1e-3), alpha), x, a_fixed)[1] - x)

    p0 = np.array([t0_s, dur_s])
    r0 = resid(p0)
    jac = np.empty((n, 2))
    for j in range(2):
        dp = np.zeros(2)
        dp[j] = 1e-3
        jac[:, j] = (resid(p0 + dp) - resid(p0 - dp)) / 2e-3
    s2 = float(r0 @ r0) / (n - n_par)
    rho = float(np.corrcoef(r0[:-1], r0[1:])[0, 1]) if np.std(r0) > 0 else 0.0
    rho = min(max(rho if math.isfinite(rho) else 0.0, 0.0), 0.95)
    unit = s2 * (1.0 + rho) / (1.0 - rho)  # one unit of the (autocorrelation-aware) chi-square
    c = np.array({"start": (1.0, 0.0), "duration": (0.0, 1.0), "end": (1.0, 1.0)}[of])

    def time_of(f: PhaseFit | None) -> float:
        return float(c @ np.array([f.t0_s, f.dur_s])) if f is not None else float(c @ p0)

    try:
        var_noise = float(c @ np.linalg.inv(jac.T @ jac) @ c) * unit
    except np.linalg.LinAlgError:
        return float("nan")
    if not (var_noise >= 0 and math.isfinite(var_noise)):
        return float("nan")
    times, rise = [], []
    for al in (alpha - SHAPE_STEP, alpha + SHAPE_STEP):
        f = fit_phase(t, x, t0_s, dur_s, float(np.clip(al, 0.0, 3.0)), a_fixed)
        times.append(time_of(f))
        if f is not None and unit > 0:
            rise.append(max(f.rms**2 * n - float(r0 @ r0), 0.0) / unit)
    # the shape's own uncertainty from how much worse the neighbouring shapes fit (a parabola through the three
    # costs: at +-SHAPE_STEP the cost rises by SHAPE_STEP^2 / sigma_alpha^2), capped at the step itself
    worse = float(np.mean(rise)) if rise else 0.0
    shape = 0.5 * abs(times[1] - times[0]) * min(1.0, 1.0 / math.sqrt(worse) if worse > 0 else 1.0)
    band = 0.0
    if deadband > 0:
        fc = fit_phase(t, x, t0_s, dur_s, None, a_fixed, deadband)
        band = abs(time_of(fc) - float(c @ p0)) if fc is not None else 0.0
    sigma = math.sqrt(var_noise + shape * shape + band * band)
    # longer than the samples themselves: the model is not pinned down there (a degenerate fit), no estimate
    return sigma if sigma <= float(t[-1] - t[0]) else float("nan")


# ----------------------------------------------------------------------------------------------
# The engine
# ----------------------------------------------------------------------------------------------
@dataclass
class RawRep:
    """An excursion accepted by the engine, with its samples and timing.

    Times are seconds; ``feat`` rows follow :data:`formcheck.features.FEATURES`.
    """

    t: FloatArray
    x: FloatArray
    conf: FloatArray
    feat: FloatArray
    rest: float
    peak: float
    start_s: float
    turn_start_s: float
    turn_end_s: float
    end_s: float
    timing: str = "crossings"
    alpha: tuple[float, float] = (float("nan"), float("nan"))
    coarse: tuple[float, float, float, float] | None = None
    fit_end_s: float = math.inf
    """The phase fit uses samples up to here (the valley before the next movement, :func:`_valley_bounds`)."""
    start_level: float | None = None
    """The first phase's starting level when its samples begin at the bottom of a counter-movement (the window's
    head cut at that valley, :func:`_valley_bounds`): with no rest before it, the fit's level and start would trade
    off against each other (a step-up's rise from the dip of the step dated 0.07 s late on exact keypoints)."""
    deadband: float = 0.0
    """Dead band of the driving signal's measurement (signal units), for the phase uncertainty
    (:func:`phase_duration_sigma_s`)."""
    one_step_fit: bool = False
    """Whether both phases had an accepted one-step fit before any was split into sub-movements."""
    split: tuple[bool, bool] = (False, False)
    """Which phases are timed as sub-movements (:func:`_submovements`)."""
    sub_sigma: tuple[float, float] = (float("nan"), float("nan"))
    """Uncertainty (s) of each phase timed as sub-movements (:func:`submovement_duration_sigma_s`)."""

    @property
    def amplitude(self) -> float:
        return self.peak - self.rest

    @property
    def bottom_s(self) -> float:
        return 0.5 * (self.turn_start_s + self.turn_end_s)


def _cross(t: FloatArray, x: FloatArray, level: float, i: int, direction: int) -> float:
    """Interpolated time where x crosses ``level`` between samples ``i - 1`` and ``i``."""
    _ = direction
    return sg.crossing_time(float(t[i - 1]), float(x[i - 1]), float(t[i]), float(x[i]), level)


def _crossings(t: FloatArray, xf: FloatArray, rest: float, peak: float, ip: int) -> tuple[float, float, float, float]:
    """Coarse phase times from the filtered signal: 10 % and 90 % crossings of the rep's own range."""
    A = peak - rest
    lo, hi = rest + 0.1 * A, rest + 0.9 * A
    n = len(t)
    i = ip
    while i > 0 and not (np.isfinite(xf[i - 1]) and xf[i - 1] < lo):
        i -= 1
    start = _cross(t, xf, lo, i, 1) if i > 0 else float(t[0])
    i = ip
    while i > 0 and not (np.isfinite(xf[i - 1]) and xf[i - 1] < hi):
        i -= 1
    turn0 = _cross(t, xf, hi, i, 1) if i > 0 else float(t[0])
    j = ip
    while j < n - 1 and not (np.isfinite(xf[j + 1]) and xf[j + 1] < hi):
        j += 1
    turn1 = _cross(t, xf, hi, j + 1, -1) if j < n - 1 else float(t[-1])
    k = j
    while k < n - 1 and not (np.isfinite(xf[k + 1]) and xf[k + 1] < lo):
        k += 1
    end = _cross(t, xf, lo, k + 1, -1) if k < n - 1 else float(t[-1])
    turn0 = max(turn0, start)
    turn1 = min(max(turn1, turn0), end)
    return start, turn0, turn1, end


class RepEngine:
    """The shared rep state machine; both drivers feed it one sample at a time.

    Parameters
    ----------
    spec : RepSpec
        Exercise signal spec (thresholds in the feature's units).
    refine : bool
        Time the phases by fitting the phase model (default) instead of crossings only.
    shape : (float, float) or None
        Fix the profile shape (``alpha`` of :func:`ease`) of the two phases instead of fitting it:
        one least-squares start per phase instead of three (live mode's budget per frame).
    deadband : float
        Dead band of the driving signal's measurement (signal units), for the phase uncertainty
        (:func:`phase_duration_sigma_s`); 0 for landmark signals.
    pool_shape : bool
        Refit each model-fitted rep with the shape that fits the reps so far best, itself included
        (:func:`_grid_minimum` of their summed :func:`_shape_costs`; ``shape`` only places the first fit): the live
        driver's version of the offline :func:`_common_shape`, which needs the whole set.

    Notes
    -----
    :meth:`push` takes the driving value already oriented (``sign * feature``), its low-passed
    version, a confidence and the full feature vector, and returns events; accepted reps are
    appended to :attr:`reps` once the body has settled after them.
    """

    def __init__(self, spec: RepSpec, refine: bool = True, shape: tuple[float, float] | None = None,
                 deadband: float = 0.0, pool_shape: bool = False) -> None:
        self.spec = spec
        self.refine = refine
        self.shape = shape
        self.pool_shape = pool_shape
        self._shape_cost = np.zeros((2, len(SHAPE_GRID)))
        self._n_pooled = 0
        self.deadband = deadband
        self.hyst = sg.Hysteresis(EXIT_FRAC * spec.min_amp, ENTER_FRAC * spec.min_amp)
        self.rest: float | None = None
        self.t_prev: float | None = None
        self.last_valid_t: float | None = None
        keep_s = spec.max_dur_s + 8.0
        self._keep_s = keep_s
        self.buf: deque[tuple[float, float, float, float, FloatArray]] = deque()
        self.active = False
        self.cand_t0 = 0.0
        self.cand_rest = 0.0
        self.peak = -math.inf
        self.peak_t = 0.0
        self.turned = False
        self.pending: dict[str, Any] | None = None
        self.prev_end_s = -math.inf
        self.reps: list[RawRep] = []
        self.rejected: list[dict[str, Any]] = []
        self._replaying = False
        self.trough: float | None = None
        self._recent: deque[tuple[float, float]] = deque()  # (t, xf) of the last spec.rest_drop_s

    # phase names in the order they happen
    def _names(self) -> tuple[str, str, str, str]:
        if self.spec.order == "ecc_first":
            return "eccentric", "bottom", "concentric", "top"
        return "concentric", "top", "eccentric", "bottom"

    def push(self, t: float, x: float, xf: float, conf: float, feat: FloatArray) -> list[Event]:
        """Feed one sample (``x`` raw, ``xf`` filtered; NaN when the body is missing)."""
        self.buf.append((t, x, xf, conf, feat))
        while self.buf and self.buf[0][0] < t - self._keep_s:
            self.buf.popleft()
        return self._step(t, xf)

    def _step(self, t: float, xf: float) -> list[Event]:
        """The state machine on one (buffered) sample."""
        ev: list[Event] = []
        if self.pending is not None and (t >= self.pending["finalize_at"]):
            ev += self._finalize(t_post=self.pending["post"])
        if not np.isfinite(xf):
            if self.active and self.last_valid_t is not None and t - self.last_valid_t > ABORT_GAP_S:
                self._reject("lost_body", t)
            self.t_prev = t
            return ev
        dt = 0.0 if self.t_prev is None else t - self.t_prev
        self.t_prev = t
        self.last_valid_t = t
        if self.rest is None:
            self.rest = xf
        self._recent.append((t, xf))
        while self._recent[0][0] < t - self.spec.rest_drop_s:
            self._recent.popleft()
        if not self.active:
            held = max(v for _, v in self._recent)  # the lowest level the signal has held for rest_drop_s
            if held < self.rest:
                self.rest = held
            elif xf > self.rest:
                self.rest += (xf - self.rest) * min(1.0, dt / REST_TAU_S)
        was = self.hyst.state
        on = self.hyst.update(xf - self.rest)
        if self.trough is not None:
            # after a relative exit a new rep may only open once the signal rises again from its trough
            self.trough = min(self.trough, xf)
            if xf - self.rest < EXIT_FRAC * self.spec.min_amp or xf > self.trough + ENTER_FRAC * self.spec.min_amp:
                self.trough = None
            else:
                self.hyst.state = on = False
        if on and was and self.active and self.turned and \
                xf - self.cand_rest < REL_EXIT_FRAC * (self.peak - self.cand_rest):
            # back within a fifth of its own excursion: the rep is over even if the rest level was set too
            # low by one deep dip (fast cycles never get back to it)
            self.hyst.state = False
            on = False
            self.trough = xf
        names = self._names()
        if on and not was:
            if self.pending is not None:
                ev += self._finalize(t_post=t)
            self.active = True
            self.cand_t0 = t
            self.cand_rest = self.rest
            self.peak, self.peak_t, self.turned = xf, t, False
            ev.append(Event("phase", t, {"phase": names[0], "live": True}))
        elif self.active and on:
            if xf > self.peak:
                self.peak, self.peak_t = xf, t
            amp = self.peak - self.cand_rest
            if not self.turned and amp >= self.spec.min_amp and xf < self.peak - 0.15 * amp:
                self.turned = True
                ev.append(Event("phase", self.peak_t, {"phase": names[1], "live": True}))
                ev.append(Event("phase", t, {"phase": names[2], "live": True}))
            if t - self.cand_t0 > self.spec.max_dur_s:
                if self._replaying:
                    self._reject("too_long", t)
                    self.rest = xf
                else:
                    ev += self._rebase(t)
        elif self.active and not on:
            self.active = False
            ev.append(Event("phase", t, {"phase": names[3], "live": True}))
            ev += self._close(t)
        return ev

    def _rebase(self, t: float) -> list[Event]:
        """An excursion that lasts too long: re-estimate the rest level over it and replay its samples.

        A candidate outlives ``max_dur_s`` when the rest level was wrong (a stance change, a zoom cut,
        one outlier that pulled the rest down) or when the athlete changed position for good. The new rest
        is the 10th percentile of the filtered signal since the candidate opened; replaying the buffered
        samples with it finds the reps a wrong rest had merged, and finds nothing in a plain position
        change (whose level becomes the new rest). A second overlong excursion during the replay is
        rejected as ``too_long``.
        """
        rows = [r for r in self.buf if self.cand_t0 <= r[0] <= t]
        vals = np.array([r[2] for r in rows])
        vals = vals[np.isfinite(vals)]
        self.rejected.append({"reason": "rest_rebased", "start_s": round(self.cand_t0, 3), "end_s": round(t, 3),
                              "amplitude": round(self.peak - self.cand_rest, 4)})
        self.active = False
        self.hyst.state = False
        if vals.size == 0:
            return []
        self.rest = float(np.percentile(vals, 10))
        self.t_prev = rows[0][0]
        self._recent.clear()
        ev: list[Event] = []
        self._replaying = True
        try:
            for r in rows[1:]:
                ev += self._step(r[0], r[2])
        finally:
            self._replaying = False
        return ev

    def _reject(self, reason: str, t: float) -> None:
        self.rejected.append({"reason": reason, "start_s": round(self.cand_t0, 3), "end_s": round(t, 3),
                              "amplitude": round(self.peak - self.cand_rest, 4)})
        self.active = False
        self.hyst.state = False

    def _close(self, t: float) -> list[Event]:
        amp = self.peak - self.cand_rest
        dur = t - self.cand_t0
        if amp < self.spec.min_amp:
            self.rejected.append({"reason": "too_small", "start_s": round(self.cand_t0, 3), "end_s": round(t, 3),
                                  "amplitude": round(amp, 4)})
            return []
        if dur < self.spec.min_dur_s * 0.5:
            self.rejected.append({"reason": "too_short", "start_s": round(self.cand_t0, 3), "end_s": round(t, 3),
                                  "amplitude": round(amp, 4)})
            return []
        # wait for the body to settle so that the rising phase can be fitted with rest after it
        settle = max(self.spec.settle_s, 0.8 * (t - self.peak_t))
        self.pending = {"t_exit": t, "finalize_at": t + settle, "post": t + settle, "rest": self.cand_rest,
                        "peak": self.peak, "peak_t": self.peak_t, "t_enter": self.cand_t0}
        return []

    def finish(self) -> list[Event]:
        """Flush the pending rep at the end of the stream."""
        ev: list[Event] = []
        if self.active and self.t_prev is not None and self.t_prev - self.cand_t0 > 2.0 * self.spec.min_dur_s:
            # an excursion still open at the end of the clip: the rest level may have been wrong (the clip
            # started mid-movement or with a stance change): rebase and replay it like an overlong one
            ev += self._rebase(self.t_prev)
        if self.pending is not None:
            ev += self._finalize(t_post=self.t_prev if self.t_prev is not None else self.pending["post"])
        if self.active:
            self.rejected.append({"reason": "unfinished", "start_s": round(self.cand_t0, 3),
                                  "end_s": round(self.t_prev or 0.0, 3),
                                  "amplitude": round(self.peak - self.cand_rest, 4)})
            self.active = False
        return ev

    def _finalize(self, t_post: float) -> list[Event]:
        p = self.pending
        assert p is not None
        self.pending = None
        rows = list(self.buf)
        t = np.array([r[0] for r in rows])
        x = np.array([r[1] for r in rows])
        xf = np.array([r[2] for r in rows])
        conf = np.array([r[3] for r in rows])
        feat = np.stack([r[4] for r in rows]) if rows else np.zeros((0, len(ft.FEATURES)))
        pre_lim = max(self.prev_end_s, p["t_enter"] - max(3.0, 2.0 * (p["peak_t"] - p["t_enter"]) + 1.0))
        sel = (t >= pre_lim) & (t <= t_post)
        t, x, xf, conf, feat = t[sel], x[sel], xf[sel], conf[sel], feat[sel]
        okf = np.isfinite(xf)
        if okf.sum() < 4:
            return []
        if not okf.all():  # dropped frames: bridge for the crossing search (the fit ignores them)
            xf = np.interp(t, t[okf], xf[okf])
        i0, i1, counter = _valley_bounds(t, xf, float(p["t_enter"]), float(p["t_exit"]),
                                         float(p["peak"]) - float(p["rest"]))
        fit_end_s = float(t[i1 - 1])
        start_level = float(xf[i0]) if counter else None
        t, x, xf, conf, feat = t[i0:], x[i0:], xf[i0:], conf[i0:], feat[i0:]
        if t.size < 4:
            return []
        # rest level before the rep: the low quantile of the samples before the entry
        before = xf[(t < p["t_enter"]) & np.isfinite(xf)]
        rest = float(np.min(before)) if before.size else float(p["rest"])
        rest = max(rest, float(p["rest"]) - 0.25 * self.spec.min_amp)
        ip = int(np.argmin(np.abs(t - p["peak_t"])))
        peak = float(p["peak"])
        start, turn0, turn1, end = _crossings(t, xf, rest, peak, ip)
        rr = RawRep(t, x, conf, feat, rest, peak, start, turn0, turn1, end, fit_end_s=fit_end_s,
                    start_level=start_level, deadband=self.deadband)
        if self.refine:
            _refine(rr, self.shape)
            if self.pool_shape and rr.timing == "model_fit":
                # live: the shape pooled over the reps so far (rep 1: its own best shape), as offline over the set
                self._shape_cost += _shape_costs(rr)
                self._n_pooled += 1
                _refine(rr, _grid_minimum(self._shape_cost))
        dur = rr.end_s - rr.start_s
        if not (self.spec.min_dur_s <= dur <= self.spec.max_dur_s):
            self.rejected.append({"reason": "duration", "start_s": round(rr.start_s, 3), "end_s": round(rr.end_s, 3),
                                  "amplitude": round(rr.amplitude, 4)})
            self.prev_end_s = rr.end_s
            return []
        self.prev_end_s = rr.end_s
        self.reps.append(rr)
        return [Event("raw_rep", rr.end_s, {"index": len(self.reps) - 1})]


def _valley_bounds(t: FloatArray, xf: FloatArray, t_enter: float, t_exit: float,
                   amp: float) -> tuple[int, int, bool]:
    """Index range ``[i0, i1)`` of a rep's window without the neighbouring reps' movements, and whether ``i0`` is
    the bottom of a counter-movement.

    The window handed to the phase fit runs from the previous rep's end to the settle time after this rep
    (or to the next rep's entry, when the athlete starts the next rep sooner). With a short rest the tail
    then holds the start of the next rep, which the fit of the returning phase has no term for: it stretches
    that fit or, pooled over the set, flattens the shape of every rep (calf raises with 0.6-1 s between reps:
    eccentric 0.12 s short on exact keypoints, even a rise of 5 % of the range matters). The tail is cut at
    the valley: walking back from the window's end while the filtered signal keeps falling (backwards in
    time) stops at the bottom before the next movement, or at the first noise dip of a flat rest (costing
    only rest samples). The head is cut only for a previous movement still falling into the window by more
    than a tenth of this rep's excursion (the level of the coarse phase crossings): a slow sway while
    standing (up to 4 % of the range on the rendered clips) must not shorten the rest before the rep. It is
    also cut at a counter-movement: the last valley before the entry, when the signal fell into it without a
    break by more than a tenth of the excursion (a step-up's hip dips as the lead foot lands on the box, then
    rises; a noise dip in a flat rest is not one): the rep starts from that valley's level
    (``RawRep.start_level``), as the rise does.
    Without this cut the rest level and the start of the fit trade off against each other: the rendered
    step-ups' rise started 0.07 s late on exact keypoints, a unit series with a landing dip before each rep 0.17 s.
    """
    n = t.size
    i1 = n - 1
    lim = int(np.searchsorted(t, t_exit))
    while i1 > lim and xf[i1 - 1] < xf[i1]:
        i1 -= 1
    i0 = 0
    k = int(np.searchsorted(t, t_enter))
    if k > 1:
        # a counter-movement just before the rep (a step-up's dip as the lead foot lands): the last valley before
        # the entry, reached by a steady fall of more than a tenth of the excursion
        v = k - 1
        while v > 0 and xf[v - 1] <= xf[v]:
            v -= 1
        u = v
        while u > 0 and xf[u - 1] >= xf[u]:
            u -= 1
        if xf[u] - xf[v] > 0.1 * amp:
            return v, i1 + 1, True
        v = int(np.argmin(xf[:k]))
        if xf[0] - xf[v] > 0.1 * amp:
            i0 = v
    return i0, i1 + 1, False


def _refine(rr: RawRep, alpha: tuple[float, float] | None = None) -> None:
    """Replace the crossing times of ``rr`` by phase-model fits on the unfiltered signal.

    ``alpha`` fixes the profile shape of the two phases (the offline driver refits every rep with the
    median shape of the set: on a smooth profile the onset is hidden in the noise, and a free shape per
    rep trades duration against shape).
    """
    if rr.timing == "model_fit" and rr.coarse is not None:
        rr.start_s, rr.turn_start_s, rr.turn_end_s, rr.end_s = rr.coarse
    rr.coarse = (rr.start_s, rr.turn_start_s, rr.turn_end_s, rr.end_s)
    (t1, x1, g1, d1, lev1), (t2, x2, g2, d2, lev2) = _phase_windows(rr)  # start and duration guesses
    a1, a2 = (None, None) if alpha is None else alpha
    f1 = fit_phase(t1, x1, g1 - 0.1 * d1, d1 * 1.2, a1, lev1)
    f2 = fit_phase(t2, x2, g2 - 0.1 * d2, d2 * 1.2, a2, lev2)
    A = rr.amplitude

    def good(f: PhaseFit | None, guess: float) -> bool:
        return (f is not None and abs(abs(f.b - f.a) - A) < 0.5 * A and 0.3 * guess < f.dur_s < 3.0 * guess + 0.3
                and f.rms < 0.25 * A)

    # a first phase fitted to start before the samples it saw extrapolates (a slow ramp that began before the
    # clip or before the previous rep ended): keep the crossing times instead
    inside = f1 is not None and t1.size > 0 and f1.t0_s >= float(t1[0]) - EXTRAPOLATE_TOL_S
    if inside and good(f1, d1) and good(f2, d2):
        assert f1 is not None and f2 is not None
        s, e1 = f1.t0_s, f1.t1_s
        s2, e = f2.t0_s, f2.t1_s
        if s2 < e1:  # overlapping fits (no pause): meet at the middle
            mid = 0.5 * (e1 + s2)
            e1 = s2 = mid
        if s <= e1:  # else the second phase was fitted to start before the first: the fits are out of order
            rr.start_s, rr.turn_start_s, rr.turn_end_s, rr.end_s = s, e1, s2, max(e, s2)
            rr.timing = "model_fit"
            rr.alpha = (f1.alpha, f2.alpha)
            return
    rr.timing = "crossings"


# ----------------------------------------------------------------------------------------------
# Turning raw reps into Rep records (shared by both drivers)
# ----------------------------------------------------------------------------------------------
def _fv(rr: RawRep, name: str, t_s: float, half_window_s: float = 0.15) -> float:
    """Median of feature ``name`` over ``t_s ± half_window_s`` (NaN if none)."""
    col = rr.feat[:, _FIDX[name]]
    m = (np.abs(rr.t - t_s) <= half_window_s) & np.isfinite(col)
    if not m.any():
        m = np.isfinite(col)
        if not m.any():
            return float("nan")
        i = int(np.argmin(np.abs(np.where(m, rr.t, np.inf) - t_s)))
        return float(col[i])
    return float(np.median(col[m]))


def _fseg(rr: RawRep, name: str, t0: float, t1: float) -> FloatArray:
    col = rr.feat[:, _FIDX[name]]
    m = (rr.t >= t0) & (rr.t <= t1) & np.isfinite(col)
    return np.asarray(col[m])


SIDE_EDGE_FRAC = 0.3
"""A single-leg rep's working side is judged from the end of its first 30 % of lowering to the start of its last
30 % of rising: the free foot is clearly off the floor there, and a bottom where the model merges the two ankles
is outvoted by the rest of the rep."""


def _decide_side(rr: RawRep, ex: Exercise, targets: Targets) -> Side | None:
    spec = ex.spec
    assert spec is not None
    if targets.side is not None:
        return targets.side
    if spec.side_mode in ("none", "target"):
        return None
    tb = rr.bottom_s
    if spec.side_mode == "stance_leg":
        # the free foot is off the floor; if unclear, the working knee bends more. Judged over the middle of the
        # rep, not at the bottom alone: in a deep single-leg squat seen from the side the model can merge the two
        # ankles for the ±0.15 s around the bottom (rendered box squat, seed 2: left minus right ankle height
        # -0.09 to -0.07 L at the bottom of right-leg reps, +0.07 to +0.09 L over the middle of the rep)
        d1 = rr.turn_start_s - rr.start_s
        d2 = rr.end_s - rr.turn_end_s
        t0, t1 = rr.start_s + SIDE_EDGE_FRAC * d1, rr.end_s - SIDE_EDGE_FRAC * d2
        tm, hw = 0.5 * (t0 + t1), 0.5 * (t1 - t0)
        dh = _fv(rr, "ankle_h_left_L", tm, hw) - _fv(rr, "ankle_h_right_L", tm, hw)
        if np.isfinite(dh) and abs(dh) > 0.05:
            return "right" if dh > 0 else "left"
        dk = _fv(rr, "knee_left_deg", tm, hw) - _fv(rr, "knee_right_deg", tm, hw)
        return "right" if dk > 0 else "left"
    if spec.side_mode == "front_leg":
        dk = _fv(rr, "knee_left_deg", tb) - _fv(rr, "knee_right_deg", tb)
        return "right" if dk > 0 else "left"
    # box_leg: at the start of the step-up the working foot is already on the box (higher ankle)
    ts = rr.start_s
    dh = _fv(rr, "ankle_h_left_L", ts) - _fv(rr, "ankle_h_right_L", ts)
    return "left" if dh > 0 else "right"


def _bottom_tilt_deg(rr: RawRep) -> float:
    """The shoulder line's image tilt at the bottom of a rep (deg, + left shoulder lower): the median over the pause,
    at least ±0.2 s."""
    return _fv(rr, "shoulder_tilt_deg", rr.bottom_s, max(0.2, 0.5 * (rr.turn_end_s - rr.turn_start_s)))


TILT_REFERENCE_MIN_REPS = 3
"""Fewest reps whose median bottom tilt is the reference of the bar tilt (:func:`_tilt_reference`)."""


def _tilt_reference(reps: list[RawRep]) -> float | None:
    """The shoulder line's tilt at a typical bottom of the set (deg): the median of the reps' bottom tilts, or None
    with fewer than :data:`TILT_REFERENCE_MIN_REPS`.

    Unless the camera faces the athlete square on, the squat's posture itself tilts the shoulder line in the image
    (the near and far shoulder go down and forward at different distances from the camera): from 45° the rendered
    offset squats' level reps read -1 to -5.5° against their standing tilt, the same on every rep of a set, which hid
    three of eight planted 8° tilts (read +2.3 to +4.2°). A bar tilt is a rep's departure from the set's typical
    bottom; a lean towards the load changes sign with the loaded side, so over both sides it stays out of the median.
    """
    b = np.array([_bottom_tilt_deg(r) for r in reps])
    b = b[np.isfinite(b)]
    return float(np.median(b)) if b.size >= TILT_REFERENCE_MIN_REPS else None


def _tilt_baseline(ex: Exercise, base: dict[str, float], reps: list[RawRep]) -> tuple[dict[str, float], str | None]:
    """``base`` with the offset squat's bar-tilt reference (:func:`_tilt_reference`) in place of the standing tilt, and
    what the reference is, in words for the report; ``base`` and None for other exercises."""
    if ex.id != "offset_back_squat":
        return base, None
    ref = _tilt_reference(reps)
    if ref is None:
        return base, "standing"
    return {**base, "shoulder_tilt_deg": ref}, f"the median bottom of the set's {len(reps)} reps"


def _phase_sigmas(rr: RawRep) -> tuple[float, float]:
    """Standard uncertainty (s) of the two phase durations of ``rr``: :func:`phase_duration_sigma_s` at a one-step
    fit's start, duration and shape, :func:`submovement_duration_sigma_s` for a phase timed as sub-movements (its
    other phase keeps the one-step estimate when it had an accepted fit); NaN for crossing times (no model behind
    them)."""
    if rr.timing not in ("model_fit", "submovements"):
        return float("nan"), float("nan")
    out = []
    for ph, ((t, x, s0, d, a0), al) in enumerate(zip(_phase_windows(rr), rr.alpha, strict=True)):
        if rr.split[ph]:
            out.append(rr.sub_sigma[ph])
        elif rr.timing == "model_fit" or rr.one_step_fit:
            out.append(phase_duration_sigma_s(t, x, s0, d, al, a0, rr.deadband))
        else:
            out.append(float("nan"))
    return out[0], out[1]


def _rep_record(rr: RawRep, ex: Exercise, targets: Targets, baseline: dict[str, float],
                series: tuple[FloatArray, FloatArray] | None = None) -> Rep:
    """Build a :class:`Rep` with per-exercise metrics and flags from an accepted excursion; ``series`` (offline: frame
    times (s) and feature rows up to the next rep) is where a step-up's lead foot is looked for after the rep's own
    samples end (:func:`_lead_foot_down_s`)."""
    spec = ex.spec
    assert spec is not None
    side = _decide_side(rr, ex, targets)
    end_s = rr.end_s
    hip_end_s = None
    foot_down_sigma_s = float("nan")
    if spec.side_mode == "box_leg":
        foot_down = _lead_foot_down_s(rr, series)
        if foot_down is not None and foot_down[0] > rr.end_s:
            hip_end_s, (end_s, foot_down_sigma_s) = rr.end_s, foot_down
    p1 = rr.turn_start_s - rr.start_s
    p2 = end_s - rr.turn_end_s
    ecc, con = (p1, p2) if spec.order == "ecc_first" else (p2, p1)
    u1, u2 = _phase_sigmas(rr)
    if hip_end_s is not None:  # the step-up ends when the lead foot is down, not with the hip's fitted phase
        u2 = math.hypot(foot_down_sigma_s, LEAD_FOOT_DOWN_MODEL_SIGMA_S)
    ecc_u, con_u = (u1, u2) if spec.order == "ecc_first" else (u2, u1)
    m = (rr.t >= rr.start_s) & (rr.t <= end_s)
    conf = float(np.mean(rr.conf[m])) if m.any() else 0.0
    flags: list[str] = []
    extra: dict[str, Any] = {
        "amplitude": round(rr.amplitude, 4),
        "amplitude_units": "deg" if spec.signal.endswith("_deg") else "L",
        "pause_s": round(rr.turn_end_s - rr.turn_start_s, 4),
        "timing": rr.timing,
    }
    if math.isfinite(ecc_u):
        extra["eccentric_unc_s"] = round(ecc_u, 3)
    if math.isfinite(con_u):
        extra["concentric_unc_s"] = round(con_u, 3)
    if conf < LOW_CONFIDENCE:
        flags.append("low_confidence")
    if targets.eccentric_s is not None and ecc < (1.0 - FAST_ECC_TOL) * targets.eccentric_s:
        flags.append("fast_eccentric")
    if targets.concentric_s is not None and con < (1.0 - FAST_ECC_TOL) * targets.concentric_s:
        flags.append("fast_concentric")
    tb = rr.bottom_s
    ws = side or "left"
    if ex.id in ("single_leg_box_squat", "squat", "offset_back_squat", "lunge"):
        if side is None:
            hk = float(np.nanmean([_fv(rr, "hip_above_knee_left_L", tb), _fv(rr, "hip_above_knee_right_L", tb)]))
            kt = np.nanmax([_fv(rr, "knee_over_toe_left_L", tb), _fv(rr, "knee_over_toe_right_L", tb)])
        else:
            hk = float(_fv(rr, f"hip_above_knee_{ws}_L", tb))
            kt = _fv(rr, f"knee_over_toe_{ws}_L", tb)
        extra["depth_hip_above_knee_L"] = round(float(hk), 4)
        extra["knee_over_toe_L"] = round(float(kt), 4)
        extra["knee_angle_bottom_deg"] = round(float(np.nanmin([_fv(rr, "knee_left_deg", tb),
                                                                _fv(rr, "knee_right_deg", tb)])), 2)
    if ex.id == "offset_back_squat":
        # tilt at the bottom relative to the reference: the set's typical bottom (:func:`_tilt_reference`), else
        # standing
        tilt = _bottom_tilt_deg(rr) - baseline.get("shoulder_tilt_deg", 0.0)
        if _fv(rr, "view_ratio", rr.start_s, 0.3) < SIDE_VIEW_RATIO:  # judged standing: a deep squat skews it
            # seen from the side the two shoulders overlap and their line's angle is noise, not bar tilt
            extra["tilt_deg"] = None
            extra["tilt_note"] = "side view: shoulder line not measurable"
        elif np.isfinite(tilt):
            extra["tilt_deg"] = round(float(tilt), 2)
            extra["tilt_side"] = "left" if tilt > 0 else "right"
            if abs(tilt) > TILT_FLAG_DEG:
                flags.append("bar_tilt")
    if ex.id == "stomping_lunge_step_up":
        extra["step_up_s"] = round(p1, 4)
        extra["hip_down_s"] = None if hip_end_s is None else round(hip_end_s, 4)
        extra["end_timing"] = "lead_foot_down" if hip_end_s is not None else "hip"
        # the lead foot's pitch while it drives the body up from the stomp to the top: that is when "the whole
        # foot lands on the box" matters, and when the model sees it (rendered heel-off rep, 17° true: 14-17°
        # read over the drive, 1-9° in the pause at the top, where the model's foot regresses to flat)
        foot = _fseg(rr, f"heel_up_{ws}_deg", rr.start_s, rr.turn_start_s) - baseline.get(
            f"heel_up_{ws}_deg", 0.0)
        if foot.size:
            dev = float(np.median(foot))
            extra["foot_pitch_on_box_deg"] = round(dev, 2)
            extra["heel_on_box"] = bool(abs(dev) <= HEEL_OFF_BOX_DEG)
            if abs(dev) > HEEL_OFF_BOX_DEG:
                flags.append("heel_off_box")
    if ex.id in ("tib_raise", "calf_raise"):
        units = "range_deg" if ex.id == "tib_raise" else "heel_rise_deg"
        extra[units] = round(rr.amplitude, 2)
        extra["up_s"], extra["down_s"] = round(p1, 4), round(p2, 4)
    if ex.id == "calf_raise":
        bl = _fseg(rr, "body_line_deg", rr.start_s, rr.end_s)
        if bl.size:
            dev = float(np.max(np.abs(bl)))
            extra["body_line_deg"] = round(dev, 2)
            if dev > BODY_LINE_FLAG_DEG:
                flags.append("body_line")
    return Rep(side, float(rr.start_s), float(rr.bottom_s), float(end_s), float(ecc), float(con),
               round(conf, 3), tuple(flags), extra,
               first_phase="eccentric" if spec.order == "ecc_first" else "concentric",
               turn_start_s=float(rr.turn_start_s), turn_end_s=float(rr.turn_end_s))


def box_windows(reps: list[Rep]) -> list[tuple[float, float]]:
    """Where each step-up rep's lead foot is measured on the box (s): the first :data:`BOX_DRIVE_FRAC` of the drive,
    from the stomp (the rep's start) to the top (``turn_start_s``)."""
    out = []
    for r in reps:
        top = r.turn_start_s if r.turn_start_s is not None else r.bottom_s
        out.append((r.start_s, r.start_s + BOX_DRIVE_FRAC * max(top - r.start_s, 0.0)))
    return out


def box_heels(reps: list[Rep], shoe: ShoePitch) -> tuple[list[Rep], int]:
    """Step-up reps with the heel-on-box call made on the lead shoe measured on the video (``shoe``, one row per drive
    window, :func:`formcheck.pipeline.measure_box_heels`), and how many were.

    A rep takes the row whose window overlaps its own (:meth:`ShoePitch.row_for`): the heel landed when the row's
    lowest windowed pitch is below :data:`HEEL_OFF_BOX_SHOE_DEG`, with the normal probability of the margin over the
    reading's uncertainty as ``heel_on_box_confidence``. The landmark reading is kept as
    ``foot_pitch_on_box_landmark_deg``. Reps without a reading keep the landmarks' call.
    """
    out, n = [], 0
    for r, (w0, w1) in zip(reps, box_windows(reps), strict=True):
        hit = shoe.row_for(w0, w1)
        if hit is None:
            out.append(r)
            continue
        v, sig = float(shoe.min_pitch_deg[hit]), float(shoe.sigma_deg[hit])
        off = v > HEEL_OFF_BOX_SHOE_DEG
        flags = tuple(f for f in r.flags if f != "heel_off_box") + (("heel_off_box",) if off else ())
        extra = {**r.extra, "foot_pitch_on_box_landmark_deg": r.extra.get("foot_pitch_on_box_deg"),
                 "foot_pitch_on_box_deg": round(v, 2), "foot_pitch_on_box_sigma_deg": round(sig, 2),
                 "heel_on_box": not off,
                 "heel_on_box_confidence": round(sg.margin_confidence(HEEL_OFF_BOX_SHOE_DEG - v, sig), 3),
                 "heel_on_box_foot": ("left", "right")[int(shoe.foot[hit])], "heel_method": "shoe pitch"}
        out.append(replace(r, flags=flags, extra=extra))
        n += 1
    return out, n


LEAD_FOOT_MIN_DROP_L = 0.1
"""Smallest fall of the lead ankle (leg lengths; a 10 cm step for a 0.9 m leg) that is a step back off the box."""


LEAD_FOOT_DOWN_MODEL_SIGMA_S = 0.09
"""Standard uncertainty (s) of a step-up's lowering that the fit of the lead ankle's landing cannot see
(:func:`_lead_foot_down_s`), added in quadrature to that fit's own: MediaPipe's ankle reads the landing early (median
-0.08 s on rendered step-ups, where the renderer's exact keypoints time it to 0.02 s); the root mean square of the
lowering's error on six development renders (24 reps, docs/validation.md, "The step-up's lowering states its
uncertainty"). The lowering's start, the hip's, is within 0.02 s there."""


LEAD_FOOT_SEARCH_S = 3.0
"""How long after a step-up's hip is down (s) the offline driver looks for the lead foot's landing (at most until
the next rep starts); the lead foot steps off the box 0.3-0.7 s after the hip is down."""


def _series_after(t: FloatArray, feat: FloatArray, reps: list[RawRep], k: int) -> tuple[FloatArray, FloatArray]:
    """Frame times (s) and feature rows from rep ``k``'s first sample until the next rep starts, at most
    :data:`LEAD_FOOT_SEARCH_S` after its end: where the offline driver looks for a step-up's lead foot."""
    rr = reps[k]
    stop = min(reps[k + 1].start_s if k + 1 < len(reps) else float(t[-1]), rr.end_s + LEAD_FOOT_SEARCH_S)
    sel = (t >= rr.t[0]) & (t < stop)
    return t[sel], feat[sel]


def _lead_foot_down_s(rr: RawRep, series: tuple[FloatArray, FloatArray] | None = None) -> tuple[float, float] | None:
    """When the step-up's lead foot is back on the floor (s) and that time's standard uncertainty (s, NaN when not
    estimated: :func:`phase_time_sigma_s` of the fit's end), or None.

    ``series``: frame times (s) and feature rows to search instead of the rep's own samples. The engine closes a
    rep's samples when the next excursion opens, and the small rise of the hip as the lead foot leaves the box
    opens one (rejected as too small): on 4 of 60 rendered reps the samples ended before or just after the landing,
    and the lowering read 0.29-0.81 s short. The offline driver passes the series up to the next rep.

    The hip (the driving signal) is back down when the trailing foot lands; the rep is over once the lead
    foot has stepped off the box too, 0.3-0.7 s later. From shortly before the hip is down the trailing foot
    is on the floor, so the higher of the two ankles is the lead foot whichever label the model gives it
    (the ankles swap labels for a few frames as the feet pass each other). Its height above its floor
    level is fitted with one smooth step (:func:`fit_phase`); the end of the step is the landing.
    """
    # each ankle against its own floor level (10th percentile over the window, which holds standing on both
    # feet): seen from the side the far ankle sits higher in the image than the near one (0.06 L rendered)
    t_all, feat = (rr.t, rr.feat) if series is None else series
    hs = [feat[:, _FIDX[f"ankle_h_{s}_L"]] for s in ("left", "right")]
    if not all(np.isfinite(h).sum() >= 8 for h in hs):
        return None
    col = np.fmax(*[h - np.nanpercentile(h, 10) for h in hs])
    m = (t_all >= max(rr.turn_end_s, rr.end_s - 0.1)) & np.isfinite(col)
    if m.sum() < 8:
        return None
    t, h = t_all[m], col[m]
    # a few frames of left/right ankle swap as the trailing foot passes the lead foot: a running median over
    # ~0.2 s removes them (a step down takes 0.3 s or more)
    k = max(3, int(round(0.2 * sg.sample_rate_hz(t))) | 1)
    if h.size > k:
        h = np.asarray(sps.medfilt(h, k), np.float64)
    i_lo = int(np.argmin(h))
    up = np.flatnonzero(h[i_lo:] > h[i_lo] + 0.5 * LEAD_FOOT_MIN_DROP_L)
    if up.size:  # the next rep's step onto the box: stop before it
        t, h = t[: i_lo + int(up[0])], h[: i_lo + int(up[0])]
    i_hi = int(np.argmax(h[: max(1, h.size // 3)]))
    t_low = float(t[i_lo])
    f = fit_phase(t[i_hi:], -h[i_hi:], 0.5 * (float(t[i_hi]) + t_low), max(0.2, t_low - float(t[i_hi])))
    if f is None or (f.b - f.a) < LEAD_FOOT_MIN_DROP_L or f.t1_s > float(t[-1]) or f.rms > 0.25 * (f.b - f.a):
        return None
    return f.t1_s, phase_time_sigma_s(t[i_hi:], -h[i_hi:], f.t0_s, f.dur_s, f.alpha, of="end")


HOLD_STILL_SPEED = 0.02
"""A hold starts when the driving signal's speed first falls below this (L/s) and ends when it last does."""
HOLD_STILL_NOISE = 4.0
"""... or below this many robust standard deviations of the speed during the hold, if that is larger."""


def _still_times(rr: RawRep, cutoff_hz: float) -> tuple[float, float] | None:
    """When the body stops moving into a hold and starts moving out of it (s), or None.

    The speed of the driving signal, low-passed with zero phase at ``cutoff_hz``, is searched forward from
    the coarse arrival (90 % crossing, still moving) and backward from the coarse departure for the first
    and last time it is below :data:`HOLD_STILL_SPEED` (or the speed noise of the hold, if larger), linearly
    interpolated. Unlike the end of the fitted descent this does not depend on the shape of the whole
    movement into the hold (a step back, then a descent: one smooth step fits it badly and ends late).
    """
    c0, c1 = rr.coarse[1:3] if rr.coarse is not None else (rr.turn_start_s, rr.turn_end_s)
    ok = np.isfinite(rr.x)
    t, x = rr.t[ok], rr.x[ok]
    if t.size < 8 or c1 <= c0:
        return None
    spd = np.abs(np.gradient(np.asarray(sg.lowpass_t(t, x, min(cutoff_hz, 0.45 * sg.sample_rate_hz(t))),
                                        np.float64), t))
    inside = np.flatnonzero((t >= c0) & (t <= c1))
    if inside.size < 4:
        return None
    mid = spd[inside[inside.size // 4: 3 * inside.size // 4 + 1]]
    noise = 1.4826 * float(np.median(np.abs(mid - np.median(mid))))
    v = max(HOLD_STILL_SPEED, HOLD_STILL_NOISE * noise)
    still = inside[spd[inside] < v]
    if still.size == 0:
        return None
    i, j = int(still[0]), int(still[-1])
    s = float(t[i]) if i == 0 else sg.crossing_time(float(t[i - 1]), float(spd[i - 1]), float(t[i]), float(spd[i]), v)
    e = float(t[j]) if j == t.size - 1 else sg.crossing_time(float(t[j]), float(spd[j]), float(t[j + 1]),
                                                              float(spd[j + 1]), v)
    return (s, e) if e > s else None


def _hold_record(rr: RawRep, ex: Exercise, targets: Targets, baseline: dict[str, float]) -> Hold:
    """A lunge hold: the hold runs from reaching the lunge (stopped moving) to starting to rise out of it."""
    side = _decide_side(rr, ex, targets)
    ws = side or "left"
    back = "right" if ws == "left" else "left"
    spec = _spec(ex)
    still = _still_times(rr, spec.cutoff_hz)
    h0, h1 = still if still is not None else (rr.turn_start_s, rr.turn_end_s)
    col = rr.feat[:, _FIDX[f"heel_up_{ws}_deg"]] - baseline.get(f"heel_up_{ws}_deg", 0.0)
    m = (rr.t >= h0) & (rr.t <= h1)
    tt, cc = rr.t[m], col[m]
    ok = np.isfinite(cc)
    raised_s = 0.0
    drop_s: float | None = None
    if ok.sum() >= 2:
        tt, cc = tt[ok], cc[ok]
        if tt.size >= 8:
            cc = np.asarray(sg.lowpass_t(tt, cc, 2.0), np.float64)
        up = sg.hysteresis(cc, HEEL_RAISED_DEG - 2.0, HEEL_RAISED_DEG + 2.0, initial=bool(cc[0] > HEEL_RAISED_DEG))
        for a, b in sg.runs(up):
            ta = h0 if a == 0 else sg.crossing_time(tt[a - 1], cc[a - 1], tt[a], cc[a], HEEL_RAISED_DEG)
            tb = h1 if b == len(tt) else sg.crossing_time(tt[b - 1], cc[b - 1], tt[b], cc[b], HEEL_RAISED_DEG)
            if tb - ta < 0.3:
                continue
            raised_s += tb - ta
            if drop_s is None and b < len(tt):
                drop_s = tb - h0
    knee = _fseg(rr, f"knee_{back}_deg", h0, h1)
    extra: dict[str, Any] = {
        "heel_raised_s": round(raised_s, 3),
        "heel_drop_s": None if drop_s is None else round(drop_s, 3),
        "back_knee_angle_deg": round(float(np.median(knee)), 1) if knee.size else None,
        "front_leg": side,
        "confidence": round(float(np.mean(rr.conf[m])) if m.any() else 0.0, 3),
        "timing": "still" if still is not None else rr.timing,
    }
    return Hold(side, float(h0), float(h1), float(h1 - h0), extra)


# ----------------------------------------------------------------------------------------------
# Shared helpers for the drivers
# ----------------------------------------------------------------------------------------------
def _spec(ex: Exercise) -> RepSpec:
    if ex.spec is None:
        raise FormcheckError(f"exercise {ex.id!r} is not a rep or hold exercise")
    return ex.spec


FLOOR_START_WINDOW_S = 0.5
"""How long (s) from the first frame with a person the start position is judged over (:func:`starting_spec`)."""


def starting_spec(spec: RepSpec, t: FloatArray, feat: FloatArray) -> tuple[RepSpec, bool]:
    """The spec for a set whose first frames are ``feat`` (rows of :data:`formcheck.features.FEATURES` at
    times ``t``), and whether it starts at the bottom.

    With ``spec.floor_start_knee_deg`` set and the straighter knee's median angle over the first
    :data:`FLOOR_START_WINDOW_S` with a person below it, the set starts at the bottom (a deadlift from the
    floor): the bottom is the rest, so the signal's sign and the phase order flip, and the signal becomes
    ``spec.floor_start_signal`` if set. Decided once, from the start; both drivers call this.
    """
    if spec.floor_start_knee_deg is None:
        return spec, False
    knee = np.fmax(feat[:, _FIDX["knee_left_deg"]], feat[:, _FIDX["knee_right_deg"]])
    ok = np.isfinite(knee)
    if not ok.any():
        return spec, False
    sel = ok & (t <= t[ok][0] + FLOOR_START_WINDOW_S)
    if not float(np.median(knee[sel])) < spec.floor_start_knee_deg:
        return spec, False
    order: Order = "con_first" if spec.order == "ecc_first" else "ecc_first"
    signal, min_amp = spec.floor_start_signal or (spec.signal, spec.min_amp)
    return replace(spec, signal=signal, min_amp=min_amp, sign=-spec.sign, order=order, floor_start_knee_deg=None,
                   floor_start_signal=None), True


def _view(view_ratio: FloatArray) -> tuple[str, float]:
    v = view_ratio[np.isfinite(view_ratio)]
    if v.size == 0:
        return "unknown", float("nan")
    r = float(np.median(v))
    return ("side" if r < SIDE_VIEW_RATIO else "front" if r > 0.55 else "oblique"), r


def _fmt_s(x: float) -> str:
    return f"{x:.1f} s"


def _median(vals: list[float]) -> float | None:
    v = [x for x in vals if x is not None and np.isfinite(x)]
    return float(np.median(v)) if v else None


def _sets(reps: list[Rep]) -> list[dict[str, Any]]:
    """Group counted reps into sets: a new set when the side changes or the gap is much longer than a rep."""
    if not reps:
        return []
    dur = float(np.median([r.end_s - r.start_s for r in reps]))
    gap_s = max(6.0, 2.5 * dur)
    sets: list[list[Rep]] = [[reps[0]]]
    for r in reps[1:]:
        prev = sets[-1][-1]
        if (r.side != prev.side) or (r.start_s - prev.end_s > gap_s):
            sets.append([r])
        else:
            sets[-1].append(r)
    out = []
    for i, s in enumerate(sets):
        rest = None if i == 0 else round(s[0].start_s - sets[i - 1][-1].end_s, 3)
        out.append({"set": i + 1, "side": s[0].side, "reps": len(s), "start_s": round(s[0].start_s, 3),
                    "end_s": round(s[-1].end_s, 3), "rest_before_s": rest})
    return out


def _summarize(ex: Exercise, targets: Targets, reps: list[Rep], partial: list[Rep], holds: list[Hold],
               view: tuple[str, float]) -> tuple[dict[str, Any], list[str]]:
    spec = _spec(ex)
    fb: list[str] = []
    summ: dict[str, Any] = {"count": len(reps), "partial_reps": len(partial),
                            "low_confidence_reps": sum("low_confidence" in r.flags for r in reps)}
    summ["target"] = {k: v for k, v in vars(targets).items() if v is not None}
    summ["view"] = {"detected": view[0], "shoulder_width_over_torso": None if not np.isfinite(view[1])
                    else round(view[1], 3), "needed": ex.view}
    if spec.view == "side" and view[0] == "front":
        fb.append(f"{ex.title} needs a side view; the camera looks like a front view "
                  f"(shoulder width {view[1]:.2f} of torso length): timings and checks may be wrong.")
    if spec.view == "front" and view[0] == "side":
        fb.append(f"{ex.title} needs a front or 45° view to see the bar tilt; the camera looks like a side view.")
    sides: list[Side | None] = sorted({r.side for r in reps}, key=lambda s: s or "") if reps else []
    per: dict[str, Any] = {}
    for s in sides:
        rs = [r for r in reps if r.side == s]
        per[s or "all"] = {"reps": len(rs), "eccentric_median_s": _median([r.eccentric_s for r in rs]),
                           "concentric_median_s": _median([r.concentric_s for r in rs])}
    summ["by_side"] = per
    summ["eccentric_median_s"] = _median([r.eccentric_s for r in reps])
    summ["concentric_median_s"] = _median([r.concentric_s for r in reps])
    summ["timing_precision_note"] = ("phase times from a smooth-step fit to every frame of the phase; "
                                     "validated to ~0.1 s on synthetic clips, see docs/validation.md")
    # a single-leg exercise's side is the working leg; the offset squat's (side given by the user) the loaded side
    limb = "side" if spec.side_mode == "target" else "leg"
    if ex.single_leg and not spec.hold and any(r.side is not None for r in reps):
        lc, rc = per.get("left", {}).get("reps", 0), per.get("right", {}).get("reps", 0)
        summ["count_by_side"] = {"left": lc, "right": rc}
        if lc != rc or (targets.reps is not None and (lc != targets.reps or rc != targets.reps)):
            tgt = f" (target {targets.reps} per {limb})" if targets.reps else ""
            fb.append(f"Left {limb}: {lc} reps, right {limb}: {rc}{tgt}.")
        if lc and rc:
            el, er = per["left"]["eccentric_median_s"], per["right"]["eccentric_median_s"]
            summ["asymmetry"] = {"eccentric_left_s": el, "eccentric_right_s": er,
                                 "eccentric_diff_s": round(er - el, 3),
                                 "eccentric_diff_pct": round(100.0 * (er - el) / max(el, er), 1),
                                 "count_diff": rc - lc}
            if abs(er - el) >= max(0.3, 0.1 * max(el, er)):
                fb.append(f"Right {limb} eccentric {er:.1f} s vs left {el:.1f} s.")
    elif targets.reps is not None and not spec.hold and reps and len(reps) != targets.reps:
        sets0 = _sets(reps)
        if not any(s["reps"] == targets.reps for s in sets0):
            fb.append(f"{len(reps)} reps counted; the target is {targets.reps}.")
    sets = _sets(reps)
    summ["sets"] = sets
    summ["rest_s"] = [s["rest_before_s"] for s in sets[1:]]
    if len(sets) > 1:
        fb.append(f"{len(sets)} sets: " + ", ".join(f"{s['reps']}" + (f" {s['side']}" if s["side"] else "")
                                                     for s in sets) + " reps; rest " +
                  ", ".join(_fmt_s(r) for r in summ["rest_s"]) + ".")
    for i, r in enumerate(reps, 1):
        who = f"{r.side.capitalize()} {limb} rep" if (r.side and ex.single_leg) else "Rep"
        n = sum(1 for q in reps[:i] if q.side == r.side) if (r.side and ex.single_leg) else i
        if "fast_eccentric" in r.flags and targets.eccentric_s is not None:
            fb.append(f"{who} {n}: lowering took {r.eccentric_s:.1f} s of the {targets.eccentric_s:g} s target.")
        if "bar_tilt" in r.flags:
            fb.append(f"Bar tilted {abs(r.extra['tilt_deg']):.0f}° to the {r.extra['tilt_side']} on rep {i}.")
        if "heel_off_box" in r.flags:
            pitch = r.extra["foot_pitch_on_box_deg"]
            fb.append(f"{who} {n}: the heel did not land on the box (foot pitch {pitch:.0f}°).")
        if "body_line" in r.flags:
            fb.append(f"Rep {i}: body bent {r.extra['body_line_deg']:.0f}° out of a straight line.")
        if "low_confidence" in r.flags:
            fb.append(f"Rep {i} at {r.start_s:.1f} s was hard to see (confidence {r.confidence:.2f}); check it.")
    for r in partial:
        fb.append(f"A partial rep at {r.start_s:.1f} s was not counted.")
    if spec.hold:
        hs = []
        for h in holds:
            e = h.extra
            hs.append({"side": h.side, "duration_s": round(h.duration_s, 3), "heel_raised_s": e["heel_raised_s"],
                       "heel_drop_s": e["heel_drop_s"], "back_knee_angle_deg": e["back_knee_angle_deg"]})
            who = f"{h.side.capitalize()} leg" if h.side else "Hold"
            tgt_hold = targets.hold_s
            if tgt_hold is not None and h.duration_s < tgt_hold - HOLD_TOL_S:
                fb.append(f"{who}: held {h.duration_s:.1f} s of the {tgt_hold:g} s target.")
            if e["heel_drop_s"] is not None and tgt_hold is not None and e["heel_drop_s"] < tgt_hold - HOLD_TOL_S:
                fb.append(f"{who}: heel dropped after {e['heel_drop_s']:.1f} s of the {tgt_hold:g} s hold.")
            elif e["heel_raised_s"] < 0.5 * h.duration_s:
                fb.append(f"{who}: front heel raised for only {e['heel_raised_s']:.0f} s of {h.duration_s:.0f} s.")
            bk = e["back_knee_angle_deg"]
            if bk is not None and bk < BACK_KNEE_FLAG_DEG:
                fb.append(f"{who}: back knee at {bk:.0f}° (keep the back leg straight).")
        summ["holds"] = hs
        summ["count"] = len(holds)
    return summ, fb


def _baseline(feat: FloatArray, rest_mask: NDArray[np.bool_]) -> dict[str, float]:
    """Median of some features while at rest (standing), for checks relative to the athlete's own posture."""
    out: dict[str, float] = {}
    for name in ("shoulder_tilt_deg", "heel_up_left_deg", "heel_up_right_deg"):
        col = feat[:, _FIDX[name]]
        m = rest_mask & np.isfinite(col)
        out[name] = float(np.median(col[m])) if m.sum() >= 3 else 0.0
    return out


def _split_partial(reps: list[Rep], spec: RepSpec) -> tuple[list[Rep], list[Rep]]:
    """Split off reps whose excursion is below ``partial_frac`` of the median of their side (max of two)."""
    keep: list[Rep] = []
    part: list[Rep] = []
    for r in reps:
        same = [q.extra["amplitude"] for q in reps if q.side == r.side]
        # the set's typical excursion: the median of 3 or more, the larger of 2 (a half-depth bob after a rep)
        med = float(np.median(same)) if len(same) >= 3 else float(max(same)) if len(same) == 2 else 0.0
        (part if r.extra["amplitude"] < spec.partial_frac * med else keep).append(r)
    return keep, part


def _params(spec: RepSpec, extra: dict[str, Any]) -> dict[str, Any]:
    return {"signal": spec.signal, "sign": spec.sign, "order": spec.order, "min_amp": spec.min_amp,
            "enter_threshold": ENTER_FRAC * spec.min_amp, "exit_threshold": EXIT_FRAC * spec.min_amp,
            "min_dur_s": spec.min_dur_s, "max_dur_s": spec.max_dur_s, "partial_frac": spec.partial_frac,
            "lowpass_hz": spec.cutoff_hz, "max_gap_s": MAX_GAP_S,
            "timing": "smooth-step fit (linear..cubic..min-jerk); compound phases as sub-movements (offline)",
            "low_confidence_below": LOW_CONFIDENCE, **extra}


_Window = tuple[FloatArray, FloatArray, float, float, float | None]
"""One phase's samples (s, signal units), start and duration guesses (s) and fixed starting level, if any."""


def _windows(rr: RawRep, start_s: float, turn_start_s: float, turn_end_s: float, end_s: float,
             split_s: float) -> tuple[_Window, ...]:
    """Samples, start guess, duration guess and fixed starting level (or None) of each phase, split at ``split_s``
    (s); the second phase's signal is negated so that both rise."""
    m1 = rr.t <= split_s + 1e-9
    m2 = (rr.t >= split_s - 1e-9) & (rr.t <= rr.fit_end_s)
    d1 = max(turn_start_s - start_s, 0.05)
    d2 = max(end_s - turn_end_s, 0.05)
    return ((rr.t[m1], rr.x[m1], start_s, d1, rr.start_level), (rr.t[m2], -rr.x[m2], turn_end_s, d2, None))


def _phase_windows(rr: RawRep) -> tuple[_Window, ...]:
    return _windows(rr, rr.start_s, rr.turn_start_s, rr.turn_end_s, rr.end_s, rr.bottom_s)


EXTRAPOLATE_TOL_S = 0.3
"""A phase fit may start at most this long (s) before the first sample it was given (adjacent reps)."""


SHAPE_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
"""Profile shapes tried when the offline driver fits one shape to every rep of a clip."""


def _common_shape(reps: list[RawRep]) -> tuple[float, float] | None:
    """The profile shape of each phase that best fits all reps together (None with fewer than 2 reps).

    Pooling the shape over the reps fixes the duration/shape trade-off of single noisy reps: the
    summed squared residual of every rep's two-parameter fit is minimised over :data:`SHAPE_GRID`,
    then refined by a bounded scalar search between the best grid point's neighbours.
    """
    fitted = [r for r in reps if r.timing == "model_fit"]
    if len(fitted) < 2:
        return None
    out = []
    for ph in (0, 1):
        wins = [_phase_windows(r)[ph] for r in fitted]

        def total(al: float, wins: list[_Window] = wins) -> float:
            return sum(_phase_cost(w, al) for w in wins)

        cost = [total(al) for al in SHAPE_GRID]
        k = int(np.argmin(cost))
        lo, hi = SHAPE_GRID[max(k - 1, 0)], SHAPE_GRID[min(k + 1, len(SHAPE_GRID) - 1)]
        res = optimize.minimize_scalar(total, bounds=(lo, hi), method="bounded", options={"xatol": 0.02})
        out.append(float(res.x) if res.fun <= cost[k] else SHAPE_GRID[k])
    return out[0], out[1]


def _phase_cost(win: _Window, alpha: float) -> float:
    """Summed squared residual of one phase window's fit with the shape fixed at ``alpha`` (1e9 when it fails)."""
    t, x, s0, d, a0 = win
    f = fit_phase(t, x, s0, d, alpha, a0)
    return 1e9 if f is None else f.rms**2 * float(np.isfinite(x).sum())


def _shape_costs(rr: RawRep) -> FloatArray:
    """(2, len(SHAPE_GRID)) fit cost of each phase of ``rr`` at every shape of :data:`SHAPE_GRID`; summed over reps,
    the cost :func:`_common_shape` minimises."""
    return np.array([[_phase_cost(w, al) for al in SHAPE_GRID] for w in _phase_windows(rr)[:2]])


def _grid_minimum(costs: FloatArray) -> tuple[float, float]:
    """Each phase's shape at the minimum of its cost over :data:`SHAPE_GRID` (rows of ``costs``), between grid points
    by the parabola through the best point and its neighbours (the live driver's cheap :func:`_common_shape`)."""
    grid = np.asarray(SHAPE_GRID)
    out = []
    for c in costs:
        k = int(np.argmin(c))
        al = float(grid[k])
        if 0 < k < len(grid) - 1:
            den = c[k - 1] - 2 * c[k] + c[k + 1]
            if den > 0:
                step = grid[k + 1] - grid[k]  # the grid is evenly spaced
                al = float(np.clip(grid[k] + 0.5 * step * (c[k - 1] - c[k + 1]) / den, grid[k - 1], grid[k + 1]))
        out.append(al)
    return out[0], out[1]


SUBMOVE_RSS_RATIO = 0.25
"""One more sub-movement per phase is adopted for a clip when it cuts the residual summed over the reps to a
quarter (rms halved). Measured pooled ratios: rendered lunge 0.14-0.19 (exact and model); single-movement
phases with model landmarks (squat, deadlift, box squat) 0.4-0.6: their lag and noise also fit an extra
step, but not this well."""
SUBMOVE_MIN_FRAC = 0.1
"""Every sub-movement must cover at least this fraction of the phase's range (the coarse crossing level)."""
SUBMOVE_MAX_K = 3
"""Most sub-movements a phase is split into."""
SUBMOVE_RCOND = 1e-4
"""Singular values of the sub-movement model's Jacobian below this fraction of the largest are dropped from its
covariance (:func:`submovement_duration_sigma_s`)."""
SUBMOVE_MAX_GAP_S = 0.5
"""Sub-movements more than this far apart (s, still in between) are not one phase: a phase starts with the first
sub-movement after the last such gap and ends with the last one before the first. Found on a held-out rendered
step-up: two sub-movements fitted the previous rep's lead foot stepping off the box (the hip moves 0.06 L) and,
1.5 s later, the rise, and the rep was dated 1.9 s early (docs/validation.md)."""


class SubFit(NamedTuple):
    """A phase fitted as sequential sub-movements (:func:`fit_submovements`)."""

    bounds: FloatArray
    """(k, 2) start and end of each sub-movement (s)."""
    inc: FloatArray
    """(k,) each sub-movement's increment (signal units)."""
    rss: float
    """Residual sum of squares."""
    params: FloatArray
    """The nonlinear parameters ``[s_1, d_1, (gap_2, d_2), ..., alpha]`` (s; shape)."""


def _submove_design(t: FloatArray, p: FloatArray, k: int) -> tuple[FloatArray, FloatArray]:
    """Design matrix (a column of ones, then one smooth step per sub-movement) and the bounds (k, 2) of ``k``
    sequential sub-movements with parameters ``p = [s_1, d_1, (gap_2, d_2), ..., alpha]``."""
    b = np.zeros((k, 2))
    s0 = float(p[0])
    for j in range(k):
        if j:
            s0 = b[j - 1, 1] + float(p[2 * j])
        d = float(p[2 * j + 1])
        b[j] = (s0, s0 + d)
    cols = [np.ones_like(t)] + [ease((t - b[j, 0]) / (b[j, 1] - b[j, 0]), float(p[-1])) for j in range(k)]
    return np.stack(cols, axis=1), b


def _submove_coef(a: FloatArray, x: FloatArray, a_fixed: float | None) -> FloatArray:
    """Levels and increments solved in closed form for the design ``a`` (the starting level fixed if given)."""
    if a_fixed is None:
        return np.asarray(np.linalg.lstsq(a, x, rcond=None)[0])
    c = np.linalg.lstsq(a[:, 1:], x - a_fixed, rcond=None)[0]
    return np.concatenate([[a_fixed], c])


def _submove_resid(t: FloatArray, x: FloatArray, p: FloatArray, k: int, a_fixed: float | None) -> FloatArray:
    a, _ = _submove_design(t, p, k)
    return np.asarray(a @ _submove_coef(a, x, a_fixed) - x)


def fit_submovements(t: FloatArray, x: FloatArray, t0_guess: float, dur_guess: float,
                     k: int, a_fixed: float | None = None) -> SubFit | None:
    """Least-squares fit of a phase as ``k`` sequential smooth steps (sub-movements) with one shape.

    ``x = a + sum_j c_j ease((t - s_j) / d_j, alpha)`` with ``s_j >= s_{j-1} + d_{j-1}``: each sub-movement
    starts when the previous one has stopped, at once or after a still moment (the motor-control model of a
    compound movement: a lunge's back foot steps back, the hips sink a little, then through most of the
    depth). ``k`` = 1 is :func:`fit_phase`. ``a_fixed`` fixes the starting level ``a`` as in :func:`fit_phase`.

    Returns
    -------
    The best :class:`SubFit` over a few starting splits, or None with too few samples.
    """
    ok = np.isfinite(x)
    t, x = t[ok], x[ok]
    if t.size < 4 * k + 4 or dur_guess <= 0:
        return None
    span = float(t[-1] - t[0])
    lo = np.array([t[0] - span, 0.03] + [0.0, 0.03] * (k - 1) + [0.0])
    hi = np.array([t[-1], 2.0 * span + 0.1] + [span, 2.0 * span + 0.1] * (k - 1) + [3.0])
    scale = np.array([0.1] * (2 * k) + [0.5])
    splits = {2: ((0.3, 0.7), (0.7, 0.3)),
              3: ((1 / 3, 1 / 3, 1 / 3), (0.2, 0.2, 0.6), (0.6, 0.2, 0.2), (0.2, 0.6, 0.2))}.get(k, ((1.0,),))
    best: SubFit | None = None
    for sp in splits:
        p0l = [t0_guess, dur_guess * sp[0]]
        for f in sp[1:]:
            p0l += [0.0, dur_guess * f]
        p0 = np.clip(np.array([*p0l, 1.0]), lo + 1e-6, hi - 1e-6)
        try:
            res = optimize.least_squares(lambda q: _submove_resid(t, x, q, k, a_fixed), p0, bounds=(lo, hi),
                                         x_scale=scale, diff_step=1e-4)
        except ValueError:
            continue
        a, b = _submove_design(t, res.x, k)
        c = _submove_coef(a, x, a_fixed)
        rss = float(np.sum(res.fun**2))
        if best is None or rss < best.rss:
            best = SubFit(b, np.asarray(c[1:], np.float64), rss, np.asarray(res.x, np.float64))
    return best


def submovement_duration_sigma_s(t: FloatArray, x: FloatArray, fit: SubFit, ph: int,
                                 a_fixed: float | None = None) -> float:
    """Standard uncertainty (s) of phase ``ph`` (0 first, 1 second) timed as the sub-movements of ``fit`` that make it
    (:func:`_one_chain`: from the start of the first to the end of the last).

    Noise: the model of :func:`fit_submovements` linearised in all its nonlinear parameters (starts, durations, gaps
    and the shape, which is free per rep here: its trade with the durations is in the covariance; a gap held at its
    bound is fixed), the levels solved in closed form at every point; covariance = residual variance times the
    pseudo-inverse of ``J^T J`` (the junction of two flat step tails is barely determined, their sum is), inflated by
    ``(1 + r) / (1 - r)`` for the residuals' lag-one autocorrelation ``r``, as in :func:`phase_duration_sigma_s`.
    The model's own assumptions are added in quadrature (:func:`_submovement_model_sigma_s`). NaN when too few
    samples or a sigma longer than the window.
    """
    first, last = _one_chain(fit.bounds, ph)
    ok = np.isfinite(x)
    t, x = t[ok], x[ok]
    k = fit.bounds.shape[0]
    p0 = fit.params
    n, n_par = t.size, p0.size + k + (1 if a_fixed is None else 0)
    if n < n_par + 3:
        return float("nan")

    def dur(p: FloatArray) -> float:
        b = _submove_design(t, p, k)[1]
        return float(b[last, 1] - b[first, 0])

    r0 = _submove_resid(t, x, p0, k, a_fixed)
    jac = np.empty((n, p0.size))
    grad = np.empty(p0.size)
    for j in range(p0.size):
        dp = np.zeros(p0.size)
        dp[j] = 1e-3
        jac[:, j] = (_submove_resid(t, x, p0 + dp, k, a_fixed) - _submove_resid(t, x, p0 - dp, k, a_fixed)) / 2e-3
        grad[j] = (dur(p0 + dp) - dur(p0 - dp)) / 2e-3
    # a gap held at its bound (the next sub-movement starts at once) is not a free direction of the fit
    free = np.ones(p0.size, bool)
    free[2:2 * k:2] = p0[2:2 * k:2] > 1e-4
    jac, grad = jac[:, free], grad[free]
    s2 = float(r0 @ r0) / (n - n_par)
    rho = float(np.corrcoef(r0[:-1], r0[1:])[0, 1]) if np.std(r0) > 0 else 0.0
    rho = min(max(rho if math.isfinite(rho) else 0.0, 0.0), 0.95)
    try:  # through the pseudo-inverse: a junction of two flat step tails is barely determined, their sum is
        w = np.linalg.pinv(jac, rcond=SUBMOVE_RCOND).T @ grad
        var = float(w @ w) * s2 * (1.0 + rho) / (1.0 - rho)
    except np.linalg.LinAlgError:
        return float("nan")
    if not (var >= 0 and math.isfinite(var)):
        return float("nan")
    sigma = math.hypot(math.sqrt(var), _submovement_model_sigma_s(t, x, fit, k, ph, a_fixed))
    return sigma if sigma <= float(t[-1] - t[0]) else float("nan")


def _coarse_windows(rr: RawRep) -> tuple[_Window, ...]:
    """Like :func:`_phase_windows` but split at the coarse (10 % / 90 % crossing) turning point: a one-step fit
    of a compound phase can put the turning point well off (0.5 s late on rendered lunges)."""
    s0, c0, c1, e0 = rr.coarse if rr.coarse is not None else (rr.start_s, rr.turn_start_s, rr.turn_end_s, rr.end_s)
    return _windows(rr, s0, c0, c1, e0, 0.5 * (c0 + c1))


def _one_chain(bounds: FloatArray, ph: int) -> tuple[int, int]:
    """The first and last of the sub-movements (bounds (k, 2) in s) that make the phase: for the first phase those
    after the last gap longer than :data:`SUBMOVE_MAX_GAP_S`, for the second those before the first."""
    long_gap = np.flatnonzero(bounds[1:, 0] - bounds[:-1, 1] > SUBMOVE_MAX_GAP_S)
    k = bounds.shape[0]
    if long_gap.size == 0:
        return 0, k - 1
    return (int(long_gap[-1]) + 1, k - 1) if ph == 0 else (0, int(long_gap[0]))


def _chain_ok(bounds: FloatArray, inc: FloatArray, t: FloatArray) -> bool:
    """Whether sub-movements (bounds (k, 2) in s, increments (k,)) describe a phase of the samples at ``t``: each covers
    :data:`SUBMOVE_MIN_FRAC` of the range, and they start at most :data:`EXTRAPOLATE_TOL_S` before the first sample and
    end by the last."""
    tot = float(inc.sum())
    return bool(tot > 0 and not np.any(inc < SUBMOVE_MIN_FRAC * tot) and bounds[0, 0] >= float(t[0]) - EXTRAPOLATE_TOL_S
                and bounds[-1, 1] <= float(t[-1]))


def _submovement_model_sigma_s(t: FloatArray, x: FloatArray, fit: SubFit, k: int, ph: int,
                               a_fixed: float | None) -> float:
    """What the sub-movement model's own assumptions leave open in a phase's duration (s), from two refits: with the
    starting level free when it was fixed at a counter-movement's valley (the full change; the level is read off a
    low-passed dip), and with one sub-movement more than the clip's choice (half the change, as the shape term of
    :func:`phase_duration_sigma_s` takes half the spread). Their quadrature sum, 0 when neither applies. Without
    them the stated uncertainty held 16 % / 50 % of the rendered step-ups' concentric errors within one / two sigma
    (docs/validation.md)."""
    j0, j1 = _one_chain(fit.bounds, ph)
    d0 = float(fit.bounds[j1, 1] - fit.bounds[j0, 0])
    start, span = float(fit.bounds[0, 0]), float(fit.bounds[-1, 1] - fit.bounds[0, 0])
    terms = []
    for kk, a0, w in ((k, None, 1.0), (k + 1, a_fixed, 0.5)):
        if (kk == k and a_fixed is None) or kk > SUBMOVE_MAX_K:
            continue
        g = fit_submovements(t, x, start, span, kk, a0)
        if g is not None:
            g0, g1 = _one_chain(g.bounds, ph)
            if _chain_ok(g.bounds[g0:g1 + 1], g.inc[g0:g1 + 1], t):  # an implausible alternative says nothing
                terms.append(w * (float(g.bounds[g1, 1] - g.bounds[g0, 0]) - d0))
    return math.hypot(*terms) if terms else 0.0


def _submovements(reps: list[RawRep]) -> tuple[int, int]:
    """Split phases made of several sub-movements (offline, pooled over the clip like the shape).

    For each phase the one-step fit of every rep is compared with two, then three sequential steps
    (:func:`fit_submovements`); ``k`` + 1 is adopted for the clip when the residual summed over the reps falls
    to :data:`SUBMOVE_RSS_RATIO` of the ``k`` fit's. Each rep then takes the start of its first and the end of
    its last sub-movement if every sub-movement covers :data:`SUBMOVE_MIN_FRAC` of the range and the fit stays
    within the samples; otherwise it keeps its one-step times. Returns the number chosen for each phase.
    """
    fitted = list(reps)  # also reps whose one-step fit was rejected: a compound phase is one reason for that
    for rr in fitted:
        rr.one_step_fit = rr.timing == "model_fit"
    chosen = [1, 1]
    if len(fitted) < 2:
        return chosen[0], chosen[1]
    for ph in (0, 1):
        wins = [_coarse_windows(r)[ph] for r in fitted]
        fits: dict[int, list[SubFit | None]] = {}
        fits[1] = [fit_submovements(tt, xx, s0, d, 1, a0) for tt, xx, s0, d, a0 in wins]
        k = 1
        for k_new in range(2, SUBMOVE_MAX_K + 1):
            fits[k_new] = [fit_submovements(tt, xx, s0, d, k_new, a0) for tt, xx, s0, d, a0 in wins]
            if any(f is None for f in fits[k] + fits[k_new]):
                break
            rss_old = sum(f.rss for f in fits[k] if f is not None)
            rss_new = sum(f.rss for f in fits[k_new] if f is not None)
            if rss_new > SUBMOVE_RSS_RATIO * rss_old:
                break
            k = k_new
        chosen[ph] = k
        if k == 1:
            continue
        for rr, (tt, xx, _, _, a0), f in zip(fitted, wins, fits[k], strict=True):
            assert f is not None
            j0, j1 = _one_chain(f.bounds, ph)
            bounds, inc = f.bounds[j0:j1 + 1], f.inc[j0:j1 + 1]
            t0, t1 = float(bounds[0, 0]), float(bounds[-1, 1])
            if not _chain_ok(bounds, inc, tt) or (t0 > rr.turn_end_s if ph == 0 else t1 < rr.turn_start_s):
                continue  # (the last: out of order with the other phase)
            sig = submovement_duration_sigma_s(tt, xx, f, ph, a0)
            if ph == 0:
                rr.start_s, rr.turn_start_s = t0, min(t1, rr.turn_end_s)
                rr.split, rr.sub_sigma = (True, rr.split[1]), (sig, rr.sub_sigma[1])
            else:
                rr.turn_end_s, rr.end_s = max(t0, rr.turn_start_s), t1
                rr.split, rr.sub_sigma = (rr.split[0], True), (rr.sub_sigma[0], sig)
            rr.timing = "submovements"
    return chosen[0], chosen[1]


# ----------------------------------------------------------------------------------------------
# Offline driver
# ----------------------------------------------------------------------------------------------
def series_features(lm: Landmarks) -> tuple[FloatArray, float, float, dict[str, str]]:
    """Features of every frame, ``(T, len(FEATURES))``, the leg length (px), the floor row (px) and where the hip
    heights came from (``{"hip_floor_L": ..., "hip_h_L": ...}``, words for the report).

    When the landmarks carry a shoe pitch series measured on the video (``lm.foot_pitch``, tib and calf raises),
    it is the ``heel_up_deg`` feature instead of the landmarks' mean foot pitch: MediaPipe's heel and toe read
    the pitch at 0.55-0.78 of its size, with a rest level that moves between reps, the registered shoe at 0.86-1.0
    (rendered raises, docs/validation.md). Gaps up to ``MAX_GAP_S`` are bridged, longer ones stay missing.

    When they carry a hip track (``lm.hip_track``, hip-driven lifts), the hip row is the landmarks' below
    :data:`formcheck.signals.TRACK_CROSSOVER_HZ` and the track's above it (:func:`formcheck.signals.complementary`);
    ``hip_floor_L`` is measured from it, and so is ``hip_h_L`` when the feet held still in the image
    (:func:`feet_still`), against the floor row instead of the noisy per-frame ankle.
    """
    xy = lm.xy_px()
    xy = np.asarray(ft.swap_limbs(xy, ft.inverted_trunk(xy)), np.float64)  # an upside-down fit the right way up
    xy = np.asarray(sg.interpolate_gaps(lm.t, xy, MAX_GAP_S), np.float64)
    L = ft.robust_leg_length_px(xy)
    if not np.isfinite(L) or L <= 0:
        raise FormcheckError("no complete legs in the landmarks: cannot measure reps")
    ank = np.fmax(xy[:, 27, 1], xy[:, 28, 1])
    ank = ank[np.isfinite(ank)]
    floor = float(np.percentile(ank, 95)) if ank.size else float("nan")
    f = ft.frame_features(xy, L, floor)
    if lm.foot_pitch is not None:
        f["heel_up_deg"] = np.asarray(sg.interpolate_gaps(lm.t, lm.foot_pitch.pitch_deg, MAX_GAP_S), np.float64)
    sources = {"hip_floor_L": "landmarks", "hip_h_L": "landmarks"}
    if lm.hip_track is not None:
        hip = 0.5 * (xy[:, sk.LEFT_HIP, 1] + xy[:, sk.RIGHT_HIP, 1])
        steps = np.where(sg.step_disagreement(lm.t, hip, lm.hip_track.dy_px, L) > TRACK_CONTRADICTED_LEG_S,
                         np.nan, lm.hip_track.dy_px)
        bad = ~np.isfinite(steps) & np.isfinite(lm.hip_track.dy_px)
        if bad.any():  # and its neighbours: a region that latched onto something else drifts off before and after
            k = max(1, int(round(TRACK_CONTRADICTED_PAD_S * sg.sample_rate_hz(lm.t))))
            bad = np.convolve(bad, np.ones(2 * k + 1), mode="same") > 0
            steps = np.where(bad, np.nan, steps)
        row = sg.complementary(lm.t, hip, steps)
        tracked = "hip region tracked on the video, above the floor row"
        f["hip_floor_L"] = np.asarray((floor - row) / L, np.float64)
        sources["hip_floor_L"] = tracked
        if feet_still(lm.t, xy, L):
            f["hip_h_L"] = np.asarray((floor - row) / L, np.float64)
            sources["hip_h_L"] = tracked
        else:
            sources["hip_h_L"] = "landmarks (the feet moved in the image: no fixed floor row to measure from)"
    return np.stack([f[n] for n in ft.FEATURES], axis=1), L, floor, sources


TRACK_CONTRADICTED_LEG_S = 1.0
"""A hip-track step whose speed differs from the landmark hip's (low-passed at 3 Hz) by more than this (leg lengths per
second) is not used, nor are its neighbours within ``TRACK_CONTRADICTED_PAD_S``: the landmarks' step stands in. On 37
rendered sets the two never differ by more than 0.73 L/s; on a real front squat the region latched onto something
moving up for 0.1 s (1.1-1.4 L/s) while the hip went down."""
TRACK_CONTRADICTED_PAD_S = 0.1
"""Neighbourhood of a contradicted hip-track step that is dropped with it (s)."""

FEET_STILL_LEG = 0.05
"""The feet held still in the image when the lower ankle's row, median-filtered over ``FEET_STILL_WINDOW_S``, spans at
most this (leg lengths, 5th to 95th percentile) over the frames where the athlete stands (:data:`FEET_STILL_STAND_LEG`):
then the floor row can replace the per-frame ankle as the reference of the hip height; otherwise the camera or the
athlete moved between reps."""
FEET_STILL_WINDOW_S = 1.0
"""Running-median window of :func:`feet_still` (s)."""
FEET_STILL_STAND_LEG = 0.05
"""Frames whose hip stands within this (leg lengths) of its 95th-percentile height above the lower ankle are the ones
:func:`feet_still` compares. During a rep the lower ankle can change feet: in a side-view lunge the near foot steps
back and the far foot, whose ankle perspective draws 5-8 px (0.04-0.06 L) higher, becomes the lower one, so over
every frame a still camera read as moved on one of six rendered lunges (0.061 L; standing frames only: 0.029 L)."""
FEET_STILL_MIN_S = 1.0
"""Fewer standing frames than this (s) and :func:`feet_still` compares every frame."""


def feet_still(t: FloatArray, xy: FloatArray, leg_px: float) -> bool:
    """Whether the lower ankle held its image row between reps (:data:`FEET_STILL_LEG`)."""
    low = np.fmax(xy[:, sk.LEFT_ANKLE, 1], xy[:, sk.RIGHT_ANKLE, 1])
    hip = 0.5 * (xy[:, sk.LEFT_HIP, 1] + xy[:, sk.RIGHT_HIP, 1])
    ok = np.isfinite(low)
    if ok.sum() < 3:
        return False
    fs = sg.sample_rate_hz(t)
    size = max(3, int(round(FEET_STILL_WINDOW_S * fs)) | 1)
    med = median_filter(low[ok], size=size, mode="nearest")
    height = (low[ok] - hip[ok]) / leg_px
    stand = np.isfinite(height)
    if stand.any():
        stand &= height >= np.percentile(height[stand], 95) - FEET_STILL_STAND_LEG
    if stand.sum() >= FEET_STILL_MIN_S * fs:
        med = med[stand]
    lo, hi = np.percentile(med, [5, 95])
    return bool((hi - lo) / leg_px <= FEET_STILL_LEG)


def analyze_reps(lm: Landmarks, exercise: Exercise, targets: Targets) -> Analysis:
    """Count reps (or time holds) and time every phase in a landmark series.

    With a hip track (``lm.hip_track``) on an exercise driven by the hip height, the track's analysis is reported
    only when it finds as many reps as the landmarks and phase-fits at least as many of them (:func:`_fitted`): a fit
    the track's signal refuses falls back to coarse crossing times, which time a phase worse than the landmarks'
    accepted fit (a real 6 s lowering read 4.4 s; docs/validation.md). When every rep of the track's analysis is
    phase-fitted, the landmarks' reps are only counted (the engine without its phase fits, :func:`_run_engine`);
    otherwise, or when the counts differ, the landmarks' whole analysis is run and compared.

    Parameters
    ----------
    lm : Landmarks
        The pose series (image landmarks are used).
    exercise : Exercise
        Catalogue entry with a :class:`~formcheck.exercises.RepSpec`.
    targets : Targets
        The prescription to check against.

    Returns
    -------
    Analysis with ``reps`` (or ``holds``), ``summary``, ``feedback``, ``params`` and ``events``.
    """
    spec = _spec(exercise)
    if lm.hip_track is None or not spec.hip_tracked:
        return _analyze_reps(lm if lm.hip_track is None else replace(lm, hip_track=None), exercise, targets)
    with_track = _analyze_reps(lm, exercise, targets)
    bare = replace(lm, hip_track=None)
    if str(with_track.params.setdefault("hip_source", "landmarks")).startswith("landmarks"):
        return with_track  # the track drove nothing (the feet moved): this is the landmarks' analysis
    n1 = len(with_track.reps) + len(with_track.holds)
    if _fitted(with_track) == n1 and n1 + len(with_track.summary.get("partial", [])) == _count(bare, exercise):
        return with_track
    without = _analyze_reps(bare, exercise, targets)
    n0 = len(without.reps) + len(without.holds)
    if n1 == n0 and _fitted(with_track) >= _fitted(without):
        return with_track
    without.params["hip_source"] = (
        f"landmarks (with the hip track: {n1} reps, {_fitted(with_track)} phase-fitted; without: {n0} reps, "
        f"{_fitted(without)} phase-fitted)")
    return without


def _fitted(a: Analysis) -> int:
    """Reps or holds of an analysis whose phases were fitted (not coarse crossing times)."""
    extras = [r.extra for r in a.reps] + [h.extra for h in a.holds]
    return sum(1 for e in extras if e.get("timing") != "crossings")


SERIES_DEADBAND_DEG = 0.5
"""Dead band (deg) of a shoe pitch series registered on the video (:class:`formcheck.footpitch.SeriesMeter`), for the
phase uncertainty of tib and calf raises (:func:`phase_duration_sigma_s`). A compressed video does not follow a shoe
that barely moves: on the 40 development renders of tib and calf raises the series stayed at its rest value until the
true pitch had left it by 0-1° (median 0.24-0.30°, 90th percentile 0.53-0.66° at 640x360 and 1280x720), and so it
did at the top. A fit that treats those samples as censored dates the reps better on some renders and worse on others
(docs/validation.md: not used for the timing), but how far it moves the duration is the timing's unknown. With 0.5°
(0.3° tried) the stated uncertainty held 64-69 % of the development errors within one sigma and 86-97 % within two
(20-29 % and 46-61 % without it)."""


def _series_foot(lm: Landmarks, spec: RepSpec) -> int | None:
    """The foot (0 left, 1 right) whose shoe pitch series drives ``spec`` (:func:`series_features`); None when the
    driving signal comes from the landmarks."""
    return lm.foot_pitch.foot if spec.signal == "heel_up_deg" and lm.foot_pitch is not None else None


def _deadband(lm: Landmarks, spec: RepSpec) -> float:
    """The dead band of ``spec``'s driving signal (signal units): :data:`SERIES_DEADBAND_DEG` for foot pitch measured
    on the video, 0 for landmark signals."""
    return SERIES_DEADBAND_DEG if _series_foot(lm, spec) is not None else 0.0


def _run_engine(lm: Landmarks, spec: RepSpec, feat: FloatArray, refine: bool = True) -> tuple[RepEngine, list[Event]]:
    """The rep engine run over the whole series on ``spec``'s driving signal (events without the raw reps)."""
    t = lm.t
    x = spec.sign * feat[:, _FIDX[spec.signal]]
    cutoff = min(spec.cutoff_hz, 0.45 * sg.sample_rate_hz(t))
    xf = sg.lowpass_t(t, x, cutoff)
    inv = ft.inverted_trunk(lm.xy_px())
    # a shoe pitch series is one foot's: how well the camera saw that foot, not the far one hidden behind it
    foot = _series_foot(lm, spec)
    seen = spec.signal if foot is None else f"heel_up_{('left', 'right')[foot]}_deg"
    conf = ft.signal_confidence(ft.swap_limbs(lm.visibility, inv), seen)
    conf[~np.isfinite(x)] = 0.0
    eng = RepEngine(spec, refine=refine, deadband=_deadband(lm, spec))
    events: list[Event] = []
    for i in range(len(t)):
        events += eng.push(float(t[i]), float(x[i]), float(xf[i]), float(conf[i]), feat[i])
    events += eng.finish()
    return eng, [e for e in events if e.type != "raw_rep"]


def _count(lm: Landmarks, exercise: Exercise) -> int:
    """Excursions the rep engine accepts in ``lm`` (full and partial reps, or holds), without the phase fits."""
    if len(lm) < 4 or not lm.detected.any():
        return 0
    feat = series_features(lm)[0]
    spec, _ = starting_spec(_spec(exercise), lm.t, feat)
    return len(_run_engine(lm, spec, feat, refine=False)[0].reps)


def _analyze_reps(lm: Landmarks, exercise: Exercise, targets: Targets) -> Analysis:
    """:func:`analyze_reps` on one hip signal (the track's when ``lm`` carries one)."""
    spec = _spec(exercise)
    if len(lm) < 4 or not lm.detected.any():
        return Analysis(summary={"count": 0}, params=_params(spec, {}))
    feat, L, floor, hip_sources = series_features(lm)
    t = lm.t
    # the declared signal's landmarks (a floor start's signal is decided below; its legs are watched either way)
    unseen = out_of_view(t, lm.xyz, _watched(spec), spec.min_dur_s)
    spec, from_floor = starting_spec(spec, t, feat)
    exercise = replace(exercise, spec=spec)
    eng, events = _run_engine(lm, spec, feat)
    shape = _common_shape(eng.reps)
    if shape is not None:
        for rr in eng.reps:
            _refine(rr, shape)
    n_sub = _submovements(eng.reps)
    rest_mask = np.ones(len(t), bool)
    for rr in eng.reps:
        rest_mask &= ~((t >= rr.start_s) & (t <= rr.end_s))
    base = _baseline(feat, rest_mask)
    view = _view(feat[:, _FIDX["view_ratio"]])
    reps: list[Rep] = []
    holds: list[Hold] = []
    partial: list[Rep] = []
    tilt_ref: str | None = None
    heel_source: str | None = None  # step-ups: what judged the heel on the box
    if spec.hold:
        # foot pitch is judged against a flat foot (0°): in a lunge stance the rest frames have one foot on its toes
        holds = [_hold_unseen(_hold_record(rr, exercise, targets, {}), unseen) for rr in eng.reps]
        for h in holds:
            events += [Event("hold_start", h.start_s, {"side": h.side}),
                       Event("hold_end", h.end_s, {"side": h.side, "duration_s": h.duration_s})]
    else:
        rec_base, tilt_ref = _tilt_baseline(exercise, base, eng.reps)
        frame_s = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
        box = spec.side_mode == "box_leg"  # only a step-up looks past its rep's samples (its lead foot)
        allreps = [_flag_unseen(_rep_record(rr, exercise, targets, rec_base,
                                            _series_after(t, feat, eng.reps, k) if box else None),
                                unseen, frame_s) for k, rr in enumerate(eng.reps)]
        if exercise.id == "stomping_lunge_step_up":
            allreps, n_shoe = box_heels(allreps, lm.shoe_pitch) if lm.shoe_pitch is not None else (allreps, 0)
            heel_source = f"lead shoe registered on the video ({n_shoe} of {len(allreps)} reps), else landmarks" \
                if n_shoe else "landmarks"
        reps, partial = _split_partial(allreps, spec)
        for r in reps:
            events.append(Event("rep", r.end_s, r.to_dict()))
    summ, fb = _summarize(exercise, targets, reps, partial, holds, view)
    summ["out_of_view"] = [u.to_dict() for u in unseen]
    fb += [unseen_cue(u, "reps") for u in unseen]
    summ["partial"] = [{"start_s": round(r.start_s, 3), "end_s": round(r.end_s, 3),
                        "amplitude": r.extra["amplitude"]} for r in partial]
    summ["rejected_excursions"] = eng.rejected
    for c in fb:
        events.append(Event("cue", float(t[-1]), {"text": c}))
    events.sort(key=lambda e: e.t_s)
    params = _params(spec, {"leg_length_px": round(L, 2), "floor_y_px": round(floor, 2),
                            "baseline": {k: round(v, 2) for k, v in base.items()},
                            "submovements_per_phase": list(n_sub), "starts_at_bottom": from_floor})
    if spec.signal in ("hip_h_L", "hip_floor_L"):
        params["hip_source"] = hip_sources[spec.signal]
    if tilt_ref is not None:
        params["tilt_reference"] = tilt_ref
    if heel_source is not None:
        params["heel_on_box_source"] = heel_source
    if spec.signal == "heel_up_deg":
        params["foot_pitch_source"] = "landmarks" if lm.foot_pitch is None else \
            f"{('left', 'right')[lm.foot_pitch.foot]} shoe registered on the video"
        params["pitch_deadband_deg"] = _deadband(lm, spec)
    return Analysis(reps=reps, holds=holds, summary=summ, feedback=fb, params=params, events=events)


def _watched(spec: RepSpec) -> tuple[int, ...]:
    """The landmarks whose leaving the picture is reported: the driving signal's, and for a hold the feet too (its
    heel-raise check reads them)."""
    base = watched(spec.signal)
    return base + tuple(i for i in FEET if i not in base) if spec.hold else base


def _hold_unseen(h: Hold, unseen: list[OutOfView]) -> Hold:
    """``h`` with ``out_of_view_s``: how long (s) of it the camera did not see the landmarks it is read from (its heel
    and knee readings there are guesses)."""
    unseen_s = sum(u.overlap_s(h.start_s, h.end_s) for u in unseen)
    return replace(h, extra={**h.extra, "out_of_view_s": round(unseen_s, 3)})


def _flag_unseen(r: Rep, unseen: list[OutOfView], frame_s: float) -> Rep:
    """``r`` flagged ``out_of_view`` when it shares more than a frame period ``frame_s`` (s) with a stretch in which
    the camera did not see its signal (a rep timed to end a few ms into one is still at rest there)."""
    if any(u.overlap_s(r.start_s, r.end_s) > frame_s for u in unseen):
        return replace(r, flags=(*r.flags, "out_of_view"))
    return r


# ----------------------------------------------------------------------------------------------
# Online driver
# ----------------------------------------------------------------------------------------------
@dataclass
class _Causal:
    """Causal Butterworth low-pass with state; NaN input leaves the state untouched."""

    cutoff_hz: float
    fs: float
    sos: FloatArray = field(init=False)
    zi: FloatArray | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.sos = sps.butter(2, min(self.cutoff_hz, 0.45 * self.fs), output="sos", fs=self.fs)

    def __call__(self, v: float) -> float:
        if not np.isfinite(v):
            return float("nan")
        if self.zi is None:
            self.zi = sps.sosfilt_zi(self.sos) * v
        y, self.zi = sps.sosfilt(self.sos, [v], zi=self.zi)
        return float(y[0])


LIVE_SHAPE = (1.3, 1.3)
"""Profile shape (``alpha`` of :func:`ease`) of the live driver's first fit of each rep (close to a cosine ease), which
places the phases; the rep is then refitted with the shape pooled over the reps so far (:func:`_grid_minimum`)."""


class OnlineRepDetector:
    """Frame-by-frame rep detector for live mode (same engine as :func:`analyze_reps`).

    Emits ``phase`` events as phases start (a tempo clock can run from them), ``rep`` events once
    the body has settled after a rep (about 0.6 s later, with fitted phase times), ``hold_start`` /
    ``hold_end`` for holds, and ``cue`` events for faults.
    """

    def __init__(self, meta: VideoMeta, exercise: Exercise, targets: Targets) -> None:
        self.meta = meta
        self.exercise = exercise
        self.targets = targets
        self.spec = _spec(exercise)
        # Live budget: the phase fit runs on the frame that completes a rep. A fixed, cosine-like profile
        # (alpha 1.3) places the phases with one least-squares start per phase; the rep is then refitted with the
        # shape pooled over the reps so far, itself included (14 more fixed-shape fits: 20 -> 50-80 ms on that one
        # frame, rendered deadlifts), as the offline driver refits every rep with the set's own shape.
        self.engine = RepEngine(self.spec, shape=LIVE_SHAPE, pool_shape=True)
        self.filter = _Causal(self.spec.cutoff_hz, meta.fps)
        # a spec that may start at the bottom is decided from the first frames (starting_spec), then replayed
        self._undecided = self.spec.floor_start_knee_deg is not None
        self._held: list[tuple[float, FloatArray, FloatArray]] = []  # (t, features, visibility)
        self._seen_t0: float | None = None  # first frame with a knee angle
        self._legs: deque[float] = deque(maxlen=300)
        self._ank: deque[float] = deque(maxlen=300)
        self._n = 0
        self._L = float("nan")
        self._floor = float("nan")
        self._reps: list[Rep] = []
        # the declared signal's landmarks, as offline (a floor start's signal is decided later)
        self._view = ViewWatch(_watched(self.spec), self.spec.min_dur_s)
        self._t_last = -math.inf

    def update(self, t_s: float, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> list[Event]:
        """Feed one frame (call it for every frame, also with nobody detected)."""
        self._t_last = float(t_s)
        u = self._view.push(float(t_s), xyz)
        cue = [] if u is None else [Event("cue", float(t_s), {"text": live_cue(u, "the whole body")})]
        return cue + self._update(float(t_s), xyz, visibility)

    def _update(self, t_s: float, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> list[Event]:
        xy = np.asarray(xyz, np.float64)[:, :2] * np.array([self.meta.width, self.meta.height])
        inv = ft.inverted_trunk(xy)
        xy = np.asarray(ft.swap_limbs(xy, inv), np.float64)
        vis = np.asarray(ft.swap_limbs(np.asarray(visibility, np.float64), inv))
        if np.isfinite(xy[0, 0]):
            ll = float(ft.leg_length_px(xy))
            if np.isfinite(ll):
                self._legs.append(ll)
            a = float(np.fmax(xy[27, 1], xy[28, 1]))
            if np.isfinite(a):
                self._ank.append(a)
            self._n += 1
            if self._n <= 30 or self._n % 15 == 0:
                if self._legs:
                    self._L = float(np.percentile(self._legs, 90))
                if self._ank:  # the floor is the lowest the ankles have been (a raised heel must not lift it)
                    f95 = float(np.percentile(self._ank, 95))
                    self._floor = f95 if not np.isfinite(self._floor) else max(self._floor, f95)
        if np.isfinite(self._L) and np.isfinite(xy[0, 0]):
            f = ft.frame_features(xy, self._L, self._floor)
            fv = np.array([float(f[n]) for n in ft.FEATURES])
        else:
            fv = np.full(len(ft.FEATURES), np.nan)
        if self._undecided:
            self._held.append((float(t_s), fv, np.array(vis, np.float64)))
            if self._seen_t0 is None and np.isfinite(np.fmax(fv[_FIDX["knee_left_deg"]], fv[_FIDX["knee_right_deg"]])):
                self._seen_t0 = float(t_s)
            if self._seen_t0 is None or t_s < self._seen_t0 + FLOOR_START_WINDOW_S:
                return []
            return self._decide_and_replay()
        return self._push(float(t_s), fv, vis)

    def _decide_and_replay(self) -> list[Event]:
        """Fix the spec from the held first frames (:func:`starting_spec`, as offline), start the engine and
        feed it the held frames."""
        held, self._held = self._held, []
        self.spec, _ = starting_spec(self.spec, np.array([h[0] for h in held]), np.array([h[1] for h in held]))
        self.exercise = replace(self.exercise, spec=self.spec)
        self.engine = RepEngine(self.spec, shape=LIVE_SHAPE, pool_shape=True)
        self._undecided = False
        return [e for h in held for e in self._push(h[0], h[1], h[2])]

    def _push(self, t_s: float, fv: FloatArray, vis: FloatArray) -> list[Event]:
        # the confidence of the decided spec's signal: a held frame is pushed only after starting_spec has chosen it
        x = self.spec.sign * fv[_FIDX[self.spec.signal]]
        conf = float(ft.signal_confidence(vis[None, :], self.spec.signal)[0]) if np.isfinite(x) else 0.0
        ev = self.engine.push(float(t_s), float(x), self.filter(float(x)), conf, fv)
        return self._convert(ev)

    def finish(self) -> list[Event]:
        """Flush the rep still pending at the end of the stream."""
        out = self._decide_and_replay() if self._undecided and self._held else []
        self._view.finish()
        return out + self._convert(self.engine.finish())

    @property
    def out_of_view(self) -> list[OutOfView]:
        """Stretches so far in which the driving signal's landmarks were not all in the picture
        (:mod:`formcheck.inview`; the one still open is added by :meth:`finish`)."""
        return self._view.stretches

    def _convert(self, ev: list[Event]) -> list[Event]:
        out: list[Event] = []
        for e in ev:
            if e.type != "raw_rep":
                out.append(e)
                continue
            rr = self.engine.reps[e.data["index"]]
            if self.spec.hold:
                h = _hold_unseen(_hold_record(rr, self.exercise, self.targets, {}), self._view.so_far(self._t_last))
                out += [Event("hold_start", h.start_s, {"side": h.side}),
                        Event("hold_end", h.end_s, h.to_dict())]
                continue
            # the bar tilt against the typical bottom of the reps so far, as offline once there are enough of them
            r = _rep_record(rr, self.exercise, self.targets, _tilt_baseline(self.exercise, {}, self.engine.reps)[0])
            r = _flag_unseen(r, self._view.so_far(self._t_last), 1.0 / self.meta.fps)
            self._reps.append(r)
            d = r.to_dict()
            d["index"] = len(self._reps)
            out.append(Event("rep", r.end_s, d))
            if "fast_eccentric" in r.flags and self.targets.eccentric_s is not None:
                out.append(Event("cue", r.end_s, {"text": f"Rep {len(self._reps)}: lowering took "
                                                          f"{r.eccentric_s:.1f} s of the "
                                                          f"{self.targets.eccentric_s:g} s target"}))
        return out

    @property
    def reps(self) -> list[Rep]:
        """Reps emitted so far."""
        return list(self._reps)
