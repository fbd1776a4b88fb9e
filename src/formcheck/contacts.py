"""Ground contacts of hopping sets: touchdown, takeoff, contact and flight times, reactive strength, heel touches.

One algorithm, two drivers
--------------------------
:class:`OnlineContactDetector` runs frame by frame (live feedback). For every frame it

1. converts the image landmarks to pixels and repairs left/right leg swaps (a flip of the *relative* left-right
   foot configuration between consecutive frames, which is invariant to the common hopping motion, or a reversal
   of the hip vector of a pelvis facing the camera, which cannot turn through side-on in one frame);
2. takes each foot's sole point (the lower of heel and toe in the image) and its height above the floor in
   leg lengths (hip-knee + knee-ankle, median over the frames so far), the floor being the median sole level of
   the last contacts (before the first contact: a high percentile of the warm-up frames);
3. feeds the lowest reliable foot's height through a two-threshold switch whose thresholds are body-relative
   (leg lengths) and widened to the measured landmark noise; ground phases shorter than ``min_contact_s``
   are glitches, ground phases longer than ``max_gct_s`` are standing, not hops.

:func:`analyze_contacts` drives the same detector over the whole series and then refines the timing with the
whole signal: a robust floor line (height and tilt, plus a slow per-contact correction) fitted to the sole
points of every contact, and for each flight a parabola (ballistic flight: height is quadratic in time)
fitted to the airborne samples and intersected with the floor level of the contacts on either side. That
gives sub-frame touchdown and takeoff times with a one-sigma uncertainty from the fit covariance.

Heel touch: during a contact the foot pitch (heel above toe, from the heel and foot-index landmarks in a side
view) is compared with the flat-foot pitch (measured on a standing phase when there is one, else 0°). A heel
is down when the pitch comes within ``heel_pitch_deg`` of flat. In a front view the foot is foreshortened,
the pitch is not observable and the heel is reported with confidence 0.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck import skeleton as sk
from formcheck.exercises import Exercise
from formcheck.inview import FEET, OutOfView, ViewWatch, live_cue, out_of_view, unseen_cue
from formcheck.signals import margin_confidence, match_nearest, runs
from formcheck.types import (
    Analysis,
    Contact,
    ContactSide,
    Event,
    Landmarks,
    ShoeEvents,
    ShoePitch,
    VideoMeta,
    contact_feet,
)

log = logging.getLogger(__name__)

G_M_S2 = 9.81
"""Standard gravity (m / s²)."""

HIDDEN_MIN_CONTACTS = 4
"""Hidden flights (:func:`split_hidden_flights`) are looked for only in a series with at least this many ordinary
contacts (the hips' bounce depth and timing around a flight are measured on them)."""
HIDDEN_MIN_GCT_RATIO = 1.5
"""A contact is looked at for a hidden flight when it lasts at least this many times the set's median contact."""
HIDDEN_WINDOW_HOPS = 30
"""The live driver measures the hips' bounce on the last this many contacts."""
_JOINTS = ("hip", "knee", "ankle", "heel", "toe")
_HIP, _KNEE, _ANKLE, _HEEL, _TOE = range(5)
_SIDES: tuple[str, str] = ("left", "right")
_IDX = np.array([[sk.SIDE_INDEX[s][j] for j in _JOINTS] for s in _SIDES])  # (2, 5)


@dataclass(frozen=True)
class ContactParams:
    """Thresholds and filters of the contact detector (body-relative units, seconds).

    Attributes
    ----------
    low_min_leg, high_min_leg : float
        Smallest on-ground / airborne thresholds of the sole height (leg lengths).
    noise_k : float
        Thresholds are widened to ``noise_k`` times the landmark noise (leg lengths, one sigma).
    min_contact_s : float
        Ground phases shorter than this are landmark glitches (s).
    max_gct_s : float
        Ground phases longer than this are standing, not hops (s).
    max_gap_s : float
        Longer runs of missing frames reset the detector (s); feet outside the picture this long or longer are
        reported (``summary.out_of_view``, :mod:`formcheck.inview`): contacts there may be missed or mistimed.
    warmup_s : float
        Frames buffered before the first decision (floor, leg length and noise need data) (s).
    vis_min : float
        A foot (heel and toe) with lower visibility is ignored when the other foot is reliable.
    swap_ratio : float
        A frame's legs are swapped back when the swapped left-right configuration is this many times closer
        to the previous frame's than the unswapped one.
    swap_min_leg : float
        ... and the unswapped configuration moved by more than this (leg lengths, summed over 4 joints).
    swap_hip_min_leg : float
        A frame's legs are also swapped back when the hip vector (left hip minus right hip) reversed since the
        previous frame while longer than this in both (leg lengths): the pelvis cannot turn through side-on
        between two frames (a reversal at 0.1 leg against the 0.2-0.3 leg of a pelvis facing the camera is a
        turn of 130° or more, over 4000 °/s at 30 fps), so the model flipped the whole skeleton. This catches
        flips the leg configuration misses when the feet alternate fast (speed step at 30 fps: the feet pass
        each other in height between frames, so the legs' own configuration reverses legitimately).
    heel_pitch_deg : float
        Heel down when the foot pitch comes within this of the flat-foot pitch (degrees): 3° is a heel within
        about 1.4 cm of the floor on a 26 cm foot (heel-to-toe); heels kept up in pogo hops stay 2-4 cm up.
    heel_smooth_s : float
        The foot pitch is averaged over windows of this length (at least 3 frames) before its lowest window is
        taken (s): the lowest raw per-frame pitch would follow the landmark noise. The average is also taken
        over both feet (weighted by their measured noise), so a heel touch is evidence over several frames.
    heel_early_k : float
        Live heel cue: emitted during the contact once the frames so far show the heel down with the lowest window
        at least this many of its own noise sigmas below ``heel_pitch_deg`` (the takeoff decision is the authority).
    heel_early_gct_k : float
        ... and only while the contact has lasted at most this many times the longest of the set's last 5 hop
        contacts (a longer ground phase may be the landing into a stand, heels down but no hop): the first hop
        of a set, and later ones that run longer, are cued at takeoff.
    air_frac : float
        A contact is single-foot (side ``left`` / ``right``) only when the other foot, seen reliably, is clearly
        airborne (above the airborne threshold plus ``noise_k`` times its own measured noise) on at least this
        fraction of the contact's frames.
    same_landing_frames : float
        Two feet whose ground runs start within this many frame periods of each other landed together: the
        contact is two-footed whatever the later frames show.
    min_foot_view : float
        Apparent heel-toe length below this (leg lengths) means a front view: heel not observable.
    flat_max_deg : float
        A standing foot is a flat-foot reference only when its pitch is within this of 0° (degrees): MediaPipe's
        heel point sits a little higher on the heel than the toe point on the toe, so a flat foot reads 0-9° on
        renders and 7° on real side-view footage; a foot standing on its toes (54° measured on
        jumprope_side_chenwr727_1) or with its toes raised (-30°) is not flat.
    flat_view_ratio : float
        ... and only for contacts where the foot's apparent heel-toe length is within this ratio (and its
        inverse) of the length on the stand: a foot seen turned differently has another landmark pitch (a foot
        turned towards the camera on the stand read 16 px long against 30 px in the hops). cos 40° = 0.77, so a
        heel raised up to 40° keeps the reference.
    flat_sys_deg : float
        Systematic uncertainty of a stand's flat-foot pitch as a reference for the contacts (degrees, one sigma),
        added in quadrature to the stand's measured spread: the same flat pose read 3° on one rendered clip and
        6-9° on another (docs/validation.md); 0 for exact landmarks.
    shoe_pitch_max_gap_deg : float
        The pitch measured on the shoe image (:func:`apply_shoe_pitch`) decides a contact's heel only when it is
        within this of the landmark pitch (degrees): the landmarks misread a heel's pitch by up to 7.4° on 15
        rendered sets (docs/validation.md); a registration further off has locked onto something else (the other
        shoe, another face of the shoe).
    uncalibrated_conf_max : float
        Heel confidence cap when no foot has a valid flat-foot reference: the call is made against 0° but the
        flat pitch is anywhere in ``±flat_max_deg``, so it is no better than a coin (reported as not judged).
    fit_margin_k : float
        Samples used in the flight parabola are higher than this many noise sigmas above the floor.
    leg_m : float
        Assumed hip-to-ankle length (m), used only to report the flight parabolas' curvature in m/s².
    rest_speed_leg_s : float
        A descending sole that stops (moves slower than this, plus its noise) below the airborne threshold has
        landed, even above the on-ground threshold (leg lengths / s); a landing foot still falls at 1-2 leg / s.
    max_sigma_leg : float
        Cap of the noise estimate made before any contact is known (leg lengths).
    min_foot_vis : float
        Frames whose better foot (heel and toe) is less visible than this are treated as missing.
    rewarm_gap_s : float
        After a longer run of missing frames the detector warms up again (new scale and floor) (s).
    jump_reset_leg : float
        A hip jump larger than this between consecutive frames (another person, a cut) restarts the detector
        (leg lengths); so does a leg length outside 0.67-1.5 times the estimate for 5 frames (zoom).
    scale_window_s : float
        The leg length is the median over this many seconds of frames (s).
    floor_window_s : float
        Online floor: the lowest sole positions over this many seconds (longer than any hop cycle) (s).
    model_unc_frames : float
        Added in quadrature to every refined event's fit uncertainty: the foot's motion near the floor is not
        exactly ballistic (frames).
    refine_tol_s : float
        A refined event further than this (or 3 frames) from the detector's frame-level estimate is rejected.
    level_sys_leg : float
        Systematic uncertainty of the sole's contact level relative to its flight path (leg lengths), added to
        every refined event's uncertainty through the foot's speed there. MediaPipe's foot points sit 0.5-3.5 px
        (0.005-0.036 leg) off between flight and contact on rendered video with a 97 px leg (docs/validation.md),
        i.e. 5-20 ms at touchdown; 0 for exact landmarks (synthetic arrays).
    foot_level_window_s : float
        Single-foot contacts: each foot's own contact level is a low percentile over this window (s) ...
    foot_level_max_leg : float
        ... at most this far above the lowest foot's floor (leg lengths): in a front view the feet of a
        staggered stance rest at image heights this far apart; a foot held higher is off the ground.
    steps_every_s, steps_window_s : float
        Live single-foot contacts (alternate-foot steps): every ``steps_every_s`` (s) the offline per-foot
        step pass runs over the last ``steps_window_s`` (s) of frames (:meth:`OnlineContactDetector.update`).
    """

    low_min_leg: float = 0.02
    high_min_leg: float = 0.04
    noise_k: float = 3.0
    min_contact_s: float = 0.03
    max_gct_s: float = 1.0
    max_gap_s: float = 0.25
    warmup_s: float = 0.5
    vis_min: float = 0.5
    swap_ratio: float = 0.4
    swap_min_leg: float = 0.15
    swap_hip_min_leg: float = 0.1
    heel_pitch_deg: float = 3.0
    heel_smooth_s: float = 0.03
    heel_early_k: float = 1.0
    heel_early_gct_k: float = 1.5
    air_frac: float = 0.5
    same_landing_frames: float = 2.0
    min_foot_view: float = 0.12
    flat_max_deg: float = 15.0
    flat_view_ratio: float = 0.75
    flat_sys_deg: float = 3.0
    shoe_pitch_max_gap_deg: float = 10.0
    uncalibrated_conf_max: float = 0.5
    fit_margin_k: float = 3.0
    leg_m: float = 0.86
    min_foot_vis: float = 0.3
    rest_speed_leg_s: float = 0.3
    max_sigma_leg: float = 0.01
    rewarm_gap_s: float = 2.0
    jump_reset_leg: float = 1.0
    scale_window_s: float = 5.0
    floor_window_s: float = 1.0
    refine_tol_s: float = 0.06
    foot_level_window_s: float = 2.0
    level_sys_leg: float = 0.01
    foot_level_max_leg: float = 0.15
    model_unc_frames: float = 0.15
    steps_every_s: float = 0.25
    steps_window_s: float = 6.0


@dataclass
class FlatRef:
    """Flat-foot reference of the left and right foot, measured on a standing phase (NaN: none for that foot).

    Attributes
    ----------
    pitch_deg : (2,) float
        Median foot pitch (deg, heel above toe positive) over the middle half of the stand.
    sigma_deg : (2,) float
        Robust spread of that foot's per-frame pitch on the stand (deg, one sigma): the wobble of a still foot's
        landmarks, which averaging frames does not remove.
    view_leg : (2,) float
        Apparent heel-toe length on the stand (leg lengths): the reference holds only for contacts seen alike.
    t_s : (2,) float
        Middle of the stand it came from (s).
    """

    pitch_deg: NDArray[np.float64] = field(default_factory=lambda: np.full(2, np.nan))
    sigma_deg: NDArray[np.float64] = field(default_factory=lambda: np.full(2, np.nan))
    view_leg: NDArray[np.float64] = field(default_factory=lambda: np.full(2, np.nan))
    t_s: NDArray[np.float64] = field(default_factory=lambda: np.full(2, np.nan))

    @property
    def ok(self) -> NDArray[np.bool_]:
        return np.asarray(np.isfinite(self.pitch_deg))


@dataclass
class _Phase:
    """A ground phase found by the online detector (frame indices into the detector's buffers)."""

    start: int  # first ground frame
    seg: int = 0  # detector segment (number of restarts before it)
    stop: int = -1  # first airborne frame after it
    td_s: float = float("nan")
    to_s: float = float("nan")
    truncated: bool = False  # started at the first frame or after a reset: touchdown unknown
    open_end: bool = False  # still on the ground when the stream ended: takeoff unknown
    standing: bool = False
    emitted_td: bool = False
    contact: Contact | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _robust_sigma(x: NDArray[np.float64], min_n: int = 5) -> float:
    x = x[np.isfinite(x)]
    if x.size < min_n:
        return float("nan")
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def _pitch_deg(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Foot pitch (deg, heel above toe positive) from points ``(..., 5, 2)`` in pixels (y down)."""
    d = p[..., _TOE, :] - p[..., _HEEL, :]
    return np.degrees(np.arctan2(d[..., 1], np.abs(d[..., 0])))


def _leg_px(p: NDArray[np.float64]) -> NDArray[np.float64]:
    """Hip-knee + knee-ankle length (px) of points ``(..., 5, 2)``."""
    return np.asarray(
        np.linalg.norm(p[..., _HIP, :] - p[..., _KNEE, :], axis=-1)
        + np.linalg.norm(p[..., _KNEE, :] - p[..., _ANKLE, :], axis=-1)
    )


class OnlineContactDetector:
    """Frame-by-frame ground-contact detector (live feedback); the offline analysis drives the same code.

    Latency: a touchdown is reported ``max(1 frame, min_contact_s)`` after it happens (0.03 s at 240 fps,
    one frame = 0.033 s at 30 fps); a ``heel_touch`` as soon as the contact's frames so far decide it (2-3
    frames after the heel lands at 30 fps; see ``heel_early_k``), else with its contact; a takeoff (with its
    ``contact`` event) once the sole
    has risen above the airborne threshold, typically 1-2 frames plus 0.02-0.04 s after the takeoff (the time
    to rise 0.04 leg lengths at 1-2 m/s); a single-foot contact (alternate-foot steps, :meth:`_steps`)
    0.1-0.35 s after its takeoff, the first of a sequence one step later. Nothing is decided during the first
    ``warmup_s`` (0.5 s); those frames are then replayed, so no event is lost. Online times are frame-level
    estimates (straight-line crossing of the floor level); :func:`analyze_contacts` refines them.

    Parameters
    ----------
    meta : VideoMeta
        The stream (frame size converts normalized landmarks to isotropic pixels).
    exercise : Exercise
        A ``kind == "contacts"`` exercise.
    params : ContactParams, optional
    steps_online : bool
        Report single-foot contacts as they happen (:meth:`_steps`); the offline analysis turns it off and runs
        the same per-foot pass once over the whole series.
    """

    def __init__(self, meta: VideoMeta, exercise: Exercise, params: ContactParams | None = None,
                 steps_online: bool = True) -> None:
        self.meta = meta
        self.steps_online = steps_online
        self.exercise = exercise
        self.p = params or ContactParams()
        self._scale = np.array([meta.width, meta.height], np.float64)
        self.t: list[float] = []
        self.pts: list[NDArray[np.float64]] = []  # (2, 5, 2) px after swap repair
        self.vis: list[NDArray[np.float64]] = []  # (2, 5)
        self.h: list[NDArray[np.float64]] = []  # (3,) sole height left, right, combined (leg lengths)
        self.phases: list[_Phase] = []
        self._view = ViewWatch(FEET, self.p.max_gap_s)
        self.swaps_repaired = 0
        self._swapped = False
        self._legs: list[float] = []
        self._leg_t: list[float] = []
        self._fy_t: list[float] = []
        self._fy: list[float] = []
        self.leg_at: list[float] = []  # leg length (px) used at each frame (NaN before warm-up)
        self.seg_at: list[int] = []  # detector segment (restarts) of each frame
        self._warm: int | None = None
        self._odd_scale = 0
        self.resets = 0
        self.leg_px = float("nan")
        self.floor_y = float("nan")
        self.sigma = float("nan")  # sole-height noise (leg lengths)
        self.sigma_foot = np.full(2, np.nan)  # per-foot contact-level noise, left and right (leg lengths)
        self.low = self.p.low_min_leg
        self.high = self.p.high_min_leg
        self.flat = FlatRef()  # flat-foot reference per foot (from a stand; NaN until one passes the checks)
        self._flat_seg = np.full(2, -1)
        self.flat_rejected: list[dict[str, Any]] = []  # stands that gave no reference for a foot, and why
        self._state: str | None = None  # None (undecided), "air", "ground"
        self._open: _Phase | None = None
        self._ready = False
        self._last_valid = -1
        self._n_hops = 0
        self._pending: list[Event] = []  # takeoffs closing abandoned touchdowns, returned with the next events
        self._air_peak = float("nan")  # highest sole since the last takeoff (NaN: airborne since the start)
        self._steps_next_s = float("-inf")  # media time of the next windowed single-foot pass
        self._steps_last_td = float("-inf")  # touchdown of the last single-foot contact reported

    # ------------------------------------------------------------------ per-frame front end
    def _front(self, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> tuple[
            NDArray[np.float64], NDArray[np.float64]]:
        pts = np.asarray(xyz, np.float64)[_IDX, :2] * self._scale  # (2, 5, 2)
        vis = np.asarray(visibility, np.float64)[_IDX]
        vis = np.where(np.isfinite(vis), vis, 0.0)
        if self._swapped:
            pts = pts[::-1].copy()
            vis = vis[::-1].copy()
        if self._last_valid >= 0:
            prev = self.pts[self._last_valid]
            d_now = pts[0, 1:] - pts[1, 1:]
            d_prev = prev[0, 1:] - prev[1, 1:]
            c_id = float(np.nansum(np.linalg.norm(d_now - d_prev, axis=-1)))
            c_sw = float(np.nansum(np.linalg.norm(d_now + d_prev, axis=-1)))
            leg = self.leg_px if np.isfinite(self.leg_px) else float(np.nanmedian(_leg_px(pts)))
            if np.isfinite(leg) and (self._hips_reversed(pts, prev, leg)
                                     or (c_sw < self.p.swap_ratio * c_id and c_id > self.p.swap_min_leg * leg)):
                self._swapped = not self._swapped
                self.swaps_repaired += 1
                pts = pts[::-1].copy()
                vis = vis[::-1].copy()
        return pts, vis

    def _hips_reversed(self, pts: NDArray[np.float64], prev: NDArray[np.float64], leg: float) -> bool:
        """Whether the hip vector (left minus right hip, px) of ``pts`` points against that of ``prev`` while both are
        longer than ``swap_hip_min_leg`` leg lengths (``leg`` in px): a whole-skeleton left/right flip of the model
        (see :class:`ContactParams`). A pelvis seen side-on (shorter vectors) decides nothing."""
        u_now = pts[0, _HIP] - pts[1, _HIP]
        u_prev = prev[0, _HIP] - prev[1, _HIP]
        bar = self.p.swap_hip_min_leg * leg
        if not (np.all(np.isfinite(u_now)) and np.all(np.isfinite(u_prev))):
            return False
        return bool(np.linalg.norm(u_now) > bar and np.linalg.norm(u_prev) > bar and float(np.dot(u_now, u_prev)) < 0)

    def _heights(self, pts: NDArray[np.float64], vis: NDArray[np.float64]) -> NDArray[np.float64]:
        """Sole heights (leg lengths) of left, right and the lowest reliable foot."""
        if not (np.isfinite(self.floor_y) and np.isfinite(self.leg_px)):
            return np.full(3, np.nan)
        sole_y = np.max(pts[:, (_HEEL, _TOE), 1], axis=1)
        h = (self.floor_y - sole_y) / self.leg_px
        return np.append(h, _combine(h, np.min(vis[:, (_HEEL, _TOE)], axis=1), self.p.vis_min))

    def _refresh_scale(self) -> None:
        """Leg length (px): median over the last ``scale_window_s`` of frames (follows slow zooms)."""
        if self._legs:
            t_now = self._leg_t[-1]
            k = int(np.searchsorted(np.asarray(self._leg_t), t_now - self.p.scale_window_s))
            self.leg_px = float(np.median(self._legs[k:]))

    def _estimate_noise(self, frames: slice) -> None:
        """Sole-height noise (leg lengths, one sigma) and the thresholds derived from it.

        Once ground phases are known: first differences of the sole level inside the last 10 ground phases
        (the sole rests on the floor there). Before: second differences over ``frames`` (inflated by the
        hopping motion at low frame rates, hence capped at ``max_sigma_leg``).
        """
        if not np.isfinite(self.leg_px):
            return
        d: list[float] = []
        for q in self.phases[-10:]:
            idx = self._interior(q)[1:-1]
            ys = [float(np.max(self.pts[k][:, (_HEEL, _TOE), 1][self._reliable(k)])) for k in idx
                  if np.isfinite(self.pts[k][0, 0, 0])]
            d.extend(np.diff(ys).tolist())
        s = float("nan")
        if len(d) >= 8:
            s = _robust_sigma(np.array(d)) / math.sqrt(2.0) / self.leg_px
        else:
            ys_a = np.array([np.max(p[:, (_HEEL, _TOE), 1]) for p in self.pts[frames]])
            ys_a = ys_a[np.isfinite(ys_a)]
            if ys_a.size >= 8:
                s = min(_robust_sigma(np.diff(ys_a, 2)) / math.sqrt(6.0) / self.leg_px, self.p.max_sigma_leg)
        if np.isfinite(s):
            self.sigma = s
        self._estimate_foot_noise()
        s = self.sigma if np.isfinite(self.sigma) else 0.0
        self.low = max(self.p.low_min_leg, self.p.noise_k * s)
        self.high = max(self.p.high_min_leg, self.low + self.p.noise_k * s)

    def _estimate_foot_noise(self) -> None:
        """Per-foot noise of the resting sole level (leg lengths, one sigma), from the last ``2 * foot_level_window_s``.

        Each foot's height above its own contact level (10th percentile over the window); frames where it is
        at most ``low`` above that level are the foot at rest; consecutive rest frames form runs, and the noise
        is the robust spread of the heights about each run's median (runs of 3+ frames). This includes the
        slow wobble of the landmarks, not only the frame-to-frame jitter, and uses every foot's own contacts
        (alternate steps, single-leg hops). Standing still counts too; MediaPipe's points barely move on a still
        image, so a set with long stands gets a smaller noise (the ``high`` threshold is a floor anyway).
        """
        n = len(self.t)
        if n < 8 or not np.isfinite(self.leg_px):
            return
        k0 = bisect.bisect_left(self.t, self.t[-1] - 2 * self.p.foot_level_window_s)
        hh = np.array(self.h[k0:])[:, :2]
        for f in range(2):
            x = hh[:, f]
            ok = np.isfinite(x)
            if ok.sum() < 8:
                continue
            rest = ok & (x <= np.percentile(x[ok], 10) + self.low)
            dev: list[float] = []
            for a, b in runs(rest).tolist():
                if b - a >= 3:
                    dev.extend((x[a:b] - np.median(x[a:b])).tolist())
            if len(dev) >= 8:
                self.sigma_foot[f] = _robust_sigma(np.array(dev))

    # ------------------------------------------------------------------ driver
    def update(self, t_s: float, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> list[Event]:
        """Feed one frame (call it for every frame, with NaN landmarks when nobody was detected).

        Frames may come at irregular times (live mode drops frames when the CPU cannot keep up): every
        decision uses the frames' own times. A ``touchdown`` is always followed by a ``takeoff`` before the next
        ``touchdown``: when its contact cannot be completed (a gap longer than ``max_gap_s``, a restart, a
        ground phase too short to be a contact, the end of the stream) the ``takeoff`` carries ``gct_s: None``
        and ``lost: True``.

        Returns
        -------
        Events revealed by this frame: ``touchdown`` (data: ``hop`` predicted number), ``takeoff``
        (``gct_s``), ``heel_touch`` (``hop``, ``confidence``), ``contact`` (the contact's report dict).
        """
        u = self._view.push(float(t_s), xyz)
        events = self._update(t_s, xyz, visibility)
        if u is not None:
            events.append(Event("cue", float(t_s), {"text": live_cue(u, "them")}))
        if self._pending:
            events = self._pending + events
            self._pending = []
        return events + self._steps(final=False)

    def _steps(self, final: bool) -> list[Event]:
        """Single-foot contacts (alternate-foot steps) found by the offline per-foot pass
        (:func:`_single_foot_contacts`) run on the last ``steps_window_s`` of frames every ``steps_every_s``.

        The combined (lowest-foot) switch misses most steps of a speed-rope set: the other foot is never high
        enough for the combined sole to leave the ground. A step is reported once its takeoff is ``settle``
        (3 frames, at least 0.1 s) old and another step has been seen within ``max_gct_s`` of it (the pass's
        rule that steps come in sequences): 0.1-0.3 s after its takeoff, the first step of a sequence one
        step later. Steps overlapping a two-foot contact already reported are not reported again. The
        offline analysis runs the same function over the whole series.
        """
        p = self.p
        if not self.steps_online or not self._ready or len(self.t) < 8:
            return []
        now = self.t[-1]
        if not final and now < self._steps_next_s:
            return []
        self._steps_next_s = now + p.steps_every_s
        lo = bisect.bisect_left(self.t, now - p.steps_window_s)
        t = np.asarray(self.t[lo:])
        leg_t = np.asarray(self.leg_at[lo:])
        if not np.isfinite(leg_t).any():
            return []
        dt = float(np.median(np.diff(t)))
        sigma, margin = self._fit_noise()
        singles = _single_foot_contacts(self, t, np.array(self.pts[lo:]), np.array(self.vis[lo:]), sigma, margin,
                                        dt, leg_t, float(np.nanmedian(leg_t)), p,
                                        np.array(self.h[lo:])[:, :2], np.asarray(self.seg_at[lo:]))
        settle = 0.0 if final else max(3 * dt, 0.1)
        both = []  # two-foot contacts in the window (phases are in time order: walk back from the newest)
        for ph in reversed(self.phases):
            if ph.to_s < t[0]:
                break
            if ph.contact is not None:
                both.append(ph.contact)
        events: list[Event] = []
        for c in sorted(singles, key=lambda c: c.touchdown_s):
            if c.takeoff_s > now - settle:
                break  # not settled: it and the steps after it wait for a later pass
            if c.touchdown_s <= self._steps_last_td:
                continue  # reported already (a later window may move it by a frame)
            self._steps_last_td = max(c.touchdown_s + p.min_contact_s, 0.5 * (c.touchdown_s + c.takeoff_s))
            if any(_same_contact(c, b) for b in both):
                continue
            self._n_hops += 1
            c = dataclasses.replace(c, extra=c.extra | {"hop": self._n_hops, "online": "steps"})
            events += [Event("touchdown", c.touchdown_s, {"hop": self._n_hops, "side": c.side}),
                       Event("takeoff", c.takeoff_s, {"gct_s": c.gct_s, "standing": False, "side": c.side}),
                       Event("contact", c.touchdown_s, c.to_dict())]
        return events

    def _fit_noise(self) -> tuple[float, float]:
        """Sole-height noise for the timing fits and the margin above a contact level (leg lengths)."""
        sigma = self.sigma if np.isfinite(self.sigma) else 0.005
        return sigma, max(self.p.fit_margin_k * sigma, 0.005)

    def _abandon(self) -> None:
        """Drop the open ground phase; close its announced touchdown with a ``lost`` takeoff."""
        ph = self._open
        self._open = None
        if ph is not None and ph.emitted_td:
            last = self._last_valid if self._last_valid >= ph.start else ph.start
            self._pending.append(Event("takeoff", self.t[last], {"gct_s": None, "standing": False, "lost": True}))

    def _update(self, t_s: float, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> list[Event]:
        i = len(self.t)
        self.t.append(float(t_s))
        self.leg_at.append(float("nan"))
        self.seg_at.append(self.resets)
        xyz_a = np.asarray(xyz)
        vis_raw = np.asarray(visibility, np.float64)[_IDX]
        foot_vis = np.nanmax(np.min(np.where(np.isfinite(vis_raw), vis_raw, 0.0)[:, (_HEEL, _TOE)], axis=1))
        if not np.all(np.isfinite(xyz_a[_IDX, :2])) or foot_vis < self.p.min_foot_vis:
            self.pts.append(np.full((2, 5, 2), np.nan))
            self.vis.append(np.zeros((2, 5)))
            self.h.append(np.full(3, np.nan))
            return []
        if self._last_valid >= 0 and self.t[i] - self.t[self._last_valid] > self.p.rewarm_gap_s:
            self._reset(i)
        pts, vis = self._front(xyz_a, visibility)
        self.pts.append(pts)
        self.vis.append(vis)
        self.h.append(np.full(3, np.nan))
        self.seg_at[i] = self.resets
        legs = _leg_px(pts)
        good = np.min(vis[:, (_HIP, _KNEE, _ANKLE)], axis=1) >= self.p.vis_min
        leg_vals = [float(v) for v in (legs[good] if good.any() else legs) if np.isfinite(v)]
        if self._ready and leg_vals and np.isfinite(self.leg_px):
            ratio = float(np.median(leg_vals)) / self.leg_px
            self._odd_scale = self._odd_scale + 1 if not 0.67 <= ratio <= 1.5 else 0
            prev = self.pts[self._last_valid] if self._last_valid >= 0 else pts
            jump = float(np.linalg.norm(np.mean(pts[:, _HIP] - prev[:, _HIP], axis=0))) / self.leg_px
            if self._odd_scale >= 5 or jump > self.p.jump_reset_leg:
                # another person, a cut or a zoom: start over from here
                self._reset(i)
                self.pts[i], self.vis[i] = pts, vis
                self.seg_at[i] = self.resets
        self._legs.extend(leg_vals)
        self._leg_t.extend([float(t_s)] * len(leg_vals))
        if not self._ready:
            if self._warm is None:
                self._warm = i
            self._last_valid = i
            if self.t[i] - self.t[self._warm] < self.p.warmup_s:
                return []
            return self._start()
        if i % 15 == 0:
            self._refresh_scale()
        self._slide_floor(i)
        self.h[i] = self._heights(pts, vis)
        self.leg_at[i] = self.leg_px
        events = self._step(i)
        self._last_valid = i
        return events

    def _reset(self, i: int) -> None:
        """Forget scale, floor and state; warm up again from frame ``i``."""
        self._ready = False
        self._warm = None
        self._legs, self._leg_t = [], []
        self._state = None
        self._air_peak = float("nan")
        self._abandon()
        self._swapped = False
        self._odd_scale = 0
        self._last_valid = -1
        self.resets += 1

    def _start(self) -> list[Event]:
        """End of warm-up: estimate scale, floor and noise from the buffered frames, then replay them."""
        w = self._warm if self._warm is not None else 0
        self._refresh_scale()
        if not np.isfinite(self.leg_px) or not self._floor_from(w):
            return []
        self._ready = True
        self._warm = None
        self._estimate_noise(slice(w, len(self.t)))
        events: list[Event] = []
        self._last_valid = -1
        self._fy_t, self._fy = [], []
        for k in range(w, len(self.t)):
            if np.isfinite(self.pts[k][0, 0, 0]):
                self._slide_floor(k)
                self.h[k] = self._heights(self.pts[k], self.vis[k])
                self.leg_at[k] = self.leg_px
                events += self._step(k)
                self._last_valid = k
        return events

    def _slide_floor(self, i: int) -> None:
        """Floor = median of the lowest 20 % of sole positions over the last ``floor_window_s``.

        Every hop cycle is shorter than the window and spends a good part of it on the ground, so the lowest
        sole positions of the window are contacts; the window follows travel, zoom and camera drift.
        """
        self._fy_t.append(self.t[i])
        self._fy.append(float(np.max(self.pts[i][:, (_HEEL, _TOE), 1][self._reliable(i)])))
        k = bisect.bisect_left(self._fy_t, self.t[i] - self.p.floor_window_s)
        if k > 4096:
            del self._fy_t[:k], self._fy[:k]
            k = 0
        win = np.asarray(self._fy[k:])
        n_top = max(1, win.size // 5)
        self.floor_y = float(np.median(np.partition(win, win.size - n_top)[-n_top:]))

    def _floor_from(self, first: int) -> bool:
        """Floor = median of the lowest 20 % of sole positions in frames ``first:`` (warm-up, lost floor)."""
        low_y = np.array([np.max(p[:, (_HEEL, _TOE), 1]) for p in self.pts[first:] if np.isfinite(p[0, 0, 0])])
        if low_y.size == 0:
            return False
        top = np.sort(low_y)[-max(1, low_y.size // 5):]
        self.floor_y = float(np.median(top))
        return True

    def _step(self, i: int) -> list[Event]:
        h = float(self.h[i][2])
        t = self.t[i]
        if not np.isfinite(h):
            return []
        prev = self._last_valid
        if prev >= 0 and t - self.t[prev] > self.p.max_gap_s:
            self._abandon()
            self._state = None
            self._air_peak = float("nan")
            prev = -1
        events: list[Event] = []
        if self._state is None:
            if h <= 0.5 * (self.low + self.high):
                self._state = "ground"
                self._open = _Phase(start=i, seg=self.resets, td_s=t, truncated=True)
            else:
                self._state = "air"
        elif self._state == "air" and h <= self.low:
            self._state = "ground"
            self._open = _Phase(start=i, seg=self.resets, td_s=self._floor_touchdown(prev, i),
                                truncated=self._no_flight())
        elif (self._state == "ground" and self._open is not None and "rest_y_px" in self._open.extra
              and h <= self.low and self._rest_now(self._open) - h > self.high - self.low):
            # a "landing" above the airborne threshold (_stopped_by_ground) that went on down to the floor was the
            # landmarks pausing in the air (the rendered 60 fps pogo sample: 3 frames at 0.11-0.10 leg before a
            # heel-touch landing made that contact 190 ms too long): the contact starts here. Its rest is compared
            # as an image row, so a floor that moves during a real raised contact does not trigger this.
            ph = self._open
            ph.start, ph.td_s = i, self._floor_touchdown(prev, i)
            del ph.extra["rest_y_px"]
        elif (self._state == "air" and prev >= 0 and not self._came_to_rest(prev, i)
              and self._stopped_by_ground(prev, i)):
            # landed and stopped above the airborne threshold (see _stopped_by_ground): ground since its first
            # resting frame; the touchdown is where the descent before it crosses the resting level
            self._state = "ground"
            no_flight = self._no_flight()
            a = self._valid_before(prev)
            rest = float(np.median([float(self.h[k][2]) for k in (a, prev, i)]))
            td = self.t[a]
            b = self._valid_before(a)
            if b >= 0:
                hb, ha = float(self.h[b][2]), float(self.h[a][2])
                if hb > ha:
                    w = (hb - rest) / (hb - ha)
                    td = self.t[b] + float(np.clip(w, 0.0, 1.0)) * (self.t[a] - self.t[b])
            self._open = _Phase(start=a, seg=self.resets, td_s=td, truncated=no_flight)
            # kept as an image row: the online floor moves while this contact lasts (the stand leaving its window)
            self._open.extra["rest_y_px"] = self.floor_y - rest * self.leg_px
        elif self._state == "air" and prev >= 0 and self._came_to_rest(prev, i):
            # landed above the on-ground threshold: the floor level still comes from a flat-footed stand while the
            # hops land on the balls of the feet, whose lowest landmark rests higher (0.03 leg on a rendered
            # clip, the first hop after the stand was missed); the sole stopped inside the band: ground since prev
            self._state = "ground"
            no_flight = self._no_flight()
            hp = float(self.h[prev][2])
            td = self.t[prev]
            pp = self._valid_before(prev)
            if pp >= 0:
                hpp = float(self.h[pp][2])
                if hpp > hp:  # the descent from the last airborne frame, crossing the level it came to rest at
                    w = (hpp - 0.5 * (hp + h)) / (hpp - hp)
                    td = self.t[pp] + float(np.clip(w, 0.0, 1.0)) * (self.t[prev] - self.t[pp])
            self._open = _Phase(start=prev, seg=self.resets, td_s=td, truncated=no_flight)
            self._open.extra["rest_leg"] = 0.5 * (hp + h)  # the level it rests at (leg lengths above the floor)
        elif self._state == "ground" and self._open is not None and h >= self._takeoff_level(self._open):
            self._state = "air"
            ph = self._open
            self._open = None
            # the level the sole rested at during this contact: a contact that touched the on-ground threshold
            # once and then rested between the thresholds (the floor is the median of the lowest soles, so about
            # half the contacts rest above it) is timed against its own level, not the floor: crossing 0 on the
            # way up collapsed such contacts to zero duration and dropped them as glitches (missed double-unders)
            rest = float(ph.extra.pop("rest_leg", np.nan))
            if "rest_y_px" in ph.extra:
                rest = max(self._rest_now(ph), 0.0)
            if not np.isfinite(rest):
                hs = np.array([float(self.h[k][2]) for k in range(ph.start, i)])
                hs = hs[np.isfinite(hs) & (hs < self.high)]
                rest = max(float(np.median(hs)), 0.0) if hs.size else 0.0
            # last ground frame: the latest frame at or below the on-ground threshold, or within half the
            # hysteresis band (noise-widened, >= 0.01 leg) of the resting level: the online noise estimate can be
            # far below the hops' resting wobble (0.0007 leg after a still stand on doubleunder_1, against
            # 0.005-0.01 leg per foot), which cut a contact's takeoff to its first frame
            on = max(self.low, rest + 0.5 * (self.high - self.low)) if rest > 0 else self.low
            j = prev
            while j > ph.start and not (float(self.h[j][2]) <= on):
                j -= 1
            hj = float(self.h[j][2])
            slope = (h - hj) / (t - self.t[j]) if t > self.t[j] else 0.0
            to = t - (h - rest) / slope if slope > 0 else self.t[j]
            ph.to_s = float(np.clip(to, self.t[j], t))
            ph.stop = i
            self._air_peak = h
            events += self._close(ph)
        elif self._state == "ground" and self._open is None:
            self._open = _Phase(start=i, seg=self.resets, td_s=t, truncated=True)
        if self._state == "air" and np.isfinite(self._air_peak):
            self._air_peak = max(self._air_peak, h)
        cur = self._open
        if (self._state == "ground" and cur is not None and not cur.emitted_td and not cur.truncated
                and t - cur.td_s >= self.p.min_contact_s):
            cur.emitted_td = True
            events.append(Event("touchdown", cur.td_s, {"hop": self._n_hops + 1}))
        if (self._state == "ground" and cur is not None and cur.emitted_td and "heel_cue" not in cur.extra
                and t - cur.td_s <= self._hop_gct_bound()):
            events += self._heel_early(cur, i)
        return events

    def _hop_gct_bound(self) -> float:
        """How long a contact of the current set can last and still be a hop, for the live heel cue (s):
        ``heel_early_gct_k`` times the longest of the last 5 hop contacts of this detector segment; 0 (no early
        cue) before the set's first hop. A landing into a stand also puts the heels down, but stays longer."""
        gct = [q.to_s - q.td_s for q in self.phases[-5:]
               if q.seg == self.resets and not (q.truncated or q.standing or q.contact is None)]
        return self.p.heel_early_gct_k * max(gct) if gct else 0.0

    def _heel_early(self, ph: _Phase, i: int) -> list[Event]:
        """Heel cue during the contact, as soon as the windowed evidence of the frames so far decides it.

        The decision of :func:`heel_decision` on the frames from touchdown to ``i``: its lowest window can only
        go lower as the contact goes on, so a heel touch seen on the frames so far is one on the whole contact.
        The cue waits until the window's mean is below ``heel_pitch_deg`` by ``heel_early_k`` times the window's
        own noise (the reference's error is common to both decisions), a margin for what changes by the takeoff
        (leg length, noise estimates). At 30 fps that is the frame that completes the first 3-frame window with
        the heel down, 2-3 frames after it lands. The contact's decision at takeoff stays the authority.
        """
        idx = np.arange(ph.start, i + 1)
        if idx.size < 3:
            return []
        heel = heel_decision(np.array([self.t[k] for k in idx]), np.array([self.pts[k] for k in idx]),
                             np.array([self.vis[k] for k in idx]), self.leg_px, self._heel_sigma(), self.flat,
                             self.p)
        if not heel["heel_touch"]:
            return []
        margin = self.p.heel_pitch_deg - float(heel["min_pitch_deg"])
        if margin < self.p.heel_early_k * float(heel["heel_window_sigma_deg"]):
            return []
        ph.extra["heel_cue"] = float(heel["heel_t_s"])
        return [Event("heel_touch", float(heel["heel_t_s"]),
                      {"hop": self._n_hops + 1, "confidence": heel["heel_confidence"], "early": True})]

    def _no_flight(self) -> bool:
        """The sole left the ground and came back without clearing the airborne threshold by half the hysteresis
        band (noise-widened, >= 0.01 leg): the threshold crossed by the landmark noise while the foot rose slowly
        (a heel peeling off at the end of a stand), not a flight. The ground phase that follows is kept as ground
        but reported like one whose touchdown was not seen (no contact, no touchdown event)."""
        return bool(self._air_peak < self.high + 0.5 * (self.high - self.low))

    def _came_to_rest(self, prev: int, i: int) -> bool:
        """The sole came down and stopped inside the band between the two thresholds: frames ``prev`` and ``i``
        both below ``high`` and moving less than ``rest_speed_leg_s`` plus ``noise_k`` times the height noise of
        a frame difference (a landing still falls at 1-2 leg lengths / s there)."""
        hp, h = float(self.h[prev][2]), float(self.h[i][2])
        if not (hp < self.high and h < self.high) or not self.t[i] > self.t[prev]:
            return False
        s = self.sigma if np.isfinite(self.sigma) else 0.0
        tol = self.p.rest_speed_leg_s * (self.t[i] - self.t[prev]) + self.p.noise_k * math.sqrt(2.0) * s
        return abs(h - hp) <= tol

    def _floor_touchdown(self, prev: int, i: int) -> float:
        """Touchdown time (s) of a descent from frame ``prev`` (airborne) to frame ``i`` (on the floor)."""
        h, hp, t = float(self.h[i][2]), float(self.h[prev][2]), self.t[i]
        w = hp / (hp - h) if hp > h else 1.0
        td = self.t[prev] + float(np.clip(w, 0.0, 1.0)) * (t - self.t[prev])
        # the line to a frame already on the floor crosses late, more so when frames were dropped before
        # it: also extrapolate the descent of the last two airborne frames to the floor; take the earlier
        pp = self._valid_before(prev)
        if pp >= 0:
            v = (float(self.h[pp][2]) - hp) / (self.t[prev] - self.t[pp])  # descent speed (leg / s)
            if v > 0 and hp > 0:
                td = min(td, self.t[prev] + hp / v)
        return td

    def _valid_before(self, k: int) -> int:
        """The last valid frame before ``k`` within 10 frames and in the same detector segment, else -1."""
        j = k - 1
        while j >= 0 and k - j <= 10 and not np.isfinite(self.h[j][2]):
            j -= 1
        return j if j >= 0 and k - j <= 10 and self.seg_at[j] == self.resets else -1

    def _stopped_by_ground(self, prev: int, i: int) -> bool:
        """The sole came down and stopped above the airborne threshold where a fall could not have stopped it.

        The online floor is the lowest soles of the last ``floor_window_s``; after a stand it still holds the
        stand, and the first landings can rest higher in the image (doubleunder_front_hooneybadger_2: 0.08-0.09
        leg, the athlete a step further from the camera). Three consecutive valid frames ending at ``i`` are
        such a landing when all are at most ``foot_level_max_leg`` above the floor and at or above ``high``
        (below it :meth:`_came_to_rest` decides), each step moved less than ``rest_speed_leg_s`` plus the
        frame-difference noise, and a free fall from the flight's highest sole would pass their level faster
        than that by ``noise_k`` noise sigmas: only the ground stops a falling foot below its apex. Three frames,
        not two: a foot's path in the air is not ballistic (tucked and extended legs), and a double-under's feet
        pause for one frame-pair on the way down (doubleunder_front_hooneybadger_1 frames 164-165, 0.145 leg,
        then the floor); a contact lasts longer.
        """
        a = self._valid_before(prev)
        if a < 0 or not np.isfinite(self._air_peak):
            return False
        ks = (a, prev, i)
        hs = [float(self.h[k][2]) for k in ks]
        if not (self.high <= min(hs) and max(hs) <= self.p.foot_level_max_leg):
            return False
        s = self.sigma if np.isfinite(self.sigma) else 0.0
        v_max = 0.0
        for k0, k1, h0, h1 in zip(ks[:-1], ks[1:], hs[:-1], hs[1:], strict=True):
            dt = self.t[k1] - self.t[k0]
            if not dt > 0:
                return False
            noise = self.p.noise_k * math.sqrt(2.0) * s / dt  # speed noise of a frame difference (leg / s)
            if abs(h1 - h0) / dt > self.p.rest_speed_leg_s + noise:
                return False
            v_max = max(v_max, self.p.rest_speed_leg_s + 2.0 * noise)
        g_leg = G_M_S2 / self.p.leg_m  # gravity in leg lengths / s^2
        v_fall = math.sqrt(2.0 * g_leg * max(self._air_peak - max(hs), 0.0))
        return v_fall > v_max

    def _takeoff_level(self, ph: _Phase) -> float:
        """Sole height at which an open ground phase has taken off (leg lengths above the floor): the airborne
        threshold, or for a landing that came to rest above it (:meth:`_stopped_by_ground`) its resting level
        plus the hysteresis band."""
        rest = self._rest_now(ph)
        if np.isfinite(rest) and rest >= self.high:
            return rest + (self.high - self.low)
        return self.high

    def _rest_now(self, ph: _Phase) -> float:
        """Resting level of a contact started by :meth:`_stopped_by_ground` above the current floor (leg lengths;
        NaN for other contacts). Stored as an image row: after a stand the floor drops out of the stand's level
        while the contact lasts (0.1 leg in 5 frames on jumprope_side_quva000_1, smoothed cache), and a level kept
        in floor-relative units then held the takeoff threshold 0.1 leg too high: 7 hops merged into one stand."""
        y = float(ph.extra.get("rest_y_px", np.nan))
        return (self.floor_y - y) / self.leg_px if np.isfinite(y) else float("nan")

    def _close(self, ph: _Phase) -> list[Event]:
        gct = ph.to_s - ph.td_s
        if not ph.truncated and gct < self.p.min_contact_s:
            # a glitch, not a contact; a touchdown already announced is closed as lost
            lost = Event("takeoff", ph.to_s, {"gct_s": None, "standing": False, "lost": True})
            return [lost] if ph.emitted_td else []
        ph.standing = gct > self.p.max_gct_s
        self.phases.append(ph)
        self._update_noise()
        if ph.standing:
            self._calibrate_flat(ph)
        data: dict[str, Any] = {"gct_s": None if ph.truncated else gct, "standing": ph.standing}
        if "heel_cue" in ph.extra and ph.standing:
            data["heel_cue_withdrawn"] = True  # cued as a hop's heel touch, but the ground phase was a stand
        events = [Event("takeoff", ph.to_s, data)]
        if ph.truncated or ph.standing:
            return events
        self._n_hops += 1
        prev = self._flight_from(len(self.phases) - 1)
        flight = ph.td_s - prev.to_s if prev is not None else None
        heel = self._heel(ph)
        cued = ph.extra.get("heel_cue")
        ph.extra.update(heel)
        side = self._side(ph)
        ph.contact = Contact(
            touchdown_s=ph.td_s, takeoff_s=ph.to_s, gct_s=gct, flight_s=flight,
            heel_touch=bool(heel["heel_touch"]), side=side,
            touchdown_unc_s=self._frame_period() / 2, takeoff_unc_s=self._frame_period() / 2,
            heel_confidence=float(heel["heel_confidence"]), extra={"hop": self._n_hops},
        )
        if cued is not None and not heel["heel_touch"]:
            # the contact as a whole decides (a changed leg length or noise estimate moved the evidence back)
            log.debug("hop %d: heel cued during the contact, not a heel touch over the whole contact", self._n_hops)
            ph.contact.extra["heel_cue_withdrawn"] = True
        parts = self._hidden_flights(ph.contact)
        if len(parts) > 1:  # the hips bounced twice on one long ground phase: report each part, flights between
            events = []
            for i, c in enumerate(parts):
                if i:
                    self._n_hops += 1
                    events.append(Event("touchdown", c.touchdown_s, {"hop": self._n_hops, "hidden_flight": True}))
                c = dataclasses.replace(c, extra=c.extra | {"hop": self._n_hops})
                events.append(Event("takeoff", c.takeoff_s, {**data, "gct_s": c.gct_s}))
                if c.heel_touch and cued is None:
                    events.append(Event("heel_touch", float(c.extra.get("heel_t_s") or c.touchdown_s),
                                        {"hop": self._n_hops, "confidence": c.heel_confidence, "early": False}))
                events.append(Event("contact", c.touchdown_s, c.to_dict()))
            return events
        if heel["heel_touch"] and cued is None:
            events.append(Event("heel_touch", float(heel["heel_t_s"]),
                                {"hop": self._n_hops, "confidence": heel["heel_confidence"], "early": False}))
        events.append(Event("contact", ph.td_s, ph.contact.to_dict()))
        return events

    def _hidden_flights(self, c: Contact) -> list[Contact]:
        """The live driver of :func:`split_hidden_flights`: the contact just closed, judged against the two-foot
        contacts of the last :data:`HIDDEN_WINDOW_HOPS` hops (the offline analysis judges every contact against
        the whole set, with refined times). Returns ``[c]`` or its parts."""
        prev = [ph.contact for ph in self.phases[-HIDDEN_WINDOW_HOPS:] if ph.contact is not None]
        if len(prev) <= HIDDEN_MIN_CONTACTS or c.gct_s < HIDDEN_MIN_GCT_RATIO * float(
                np.median([x.gct_s for x in prev])):
            return [c]
        lo = bisect.bisect_left(self.t, prev[0].touchdown_s - 1.0)
        t = np.asarray(self.t[lo:])
        leg_t = np.asarray(self.leg_at[lo:])
        if not np.isfinite(leg_t).any():
            return [c]
        out = _split_hidden(prev, t, np.array(self.pts[lo:]), np.array(self.vis[lo:]), leg_t,
                            float(np.nanmedian(leg_t)), self._frame_period(), self, self.p)
        return [x for x in out if x.touchdown_s >= c.touchdown_s - 1e-9]

    def finish(self) -> list[Event]:
        """Flush: a contact still open at the end of the stream has no takeoff and is not reported (its
        announced touchdown, if any, is closed by a ``lost`` takeoff at the last frame).

        If the stream ended during warm-up, the buffered frames are processed first.
        """
        events: list[Event] = []
        self._view.finish()
        if not self._ready and self.t:
            events = self._start()
        if self._open is not None:
            ph = self._open
            if ph.emitted_td:
                events.append(Event("takeoff", self.t[-1], {"gct_s": None, "standing": False, "lost": True}))
            ph.stop = len(self.t)
            ph.to_s = self.t[-1]
            ph.open_end = True
            ph.standing = ph.to_s - ph.td_s > self.p.max_gct_s
            if ph.standing:
                self._calibrate_flat(ph)
            self.phases.append(ph)
            self._open = None
        return events + self._steps(final=True)

    @property
    def out_of_view(self) -> list[OutOfView]:
        """Stretches so far in which the feet were outside the picture or nobody was seen (:mod:`formcheck.inview`;
        the one still open is added by :meth:`finish`)."""
        return self._view.stretches

    # ------------------------------------------------------------------ helpers
    def _frame_period(self) -> float:
        if len(self.t) < 2:
            return float("nan")
        return float(np.median(np.diff(self.t[-300:])))

    def _previous_phase(self, k: int) -> _Phase | None:
        """The ground phase before phase ``k`` if the flight between them is clean (no detector reset)."""
        if k == 0:
            return None
        prev = self.phases[k - 1]
        cur = self.phases[k]
        if cur.truncated or prev.stop < 0 or prev.seg != cur.seg:
            return None
        return prev

    def _flight_from(self, k: int) -> _Phase | None:
        """The hop contact whose takeoff starts the flight before phase ``k``; None for the first contact of a
        set (after a stand, at the start of the series, after a restart or a contact whose touchdown was not
        seen): report ``flight_s`` is "the flight before this contact, null for the first"."""
        prev = self._previous_phase(k)
        if prev is None or prev.standing or prev.truncated:
            return None
        return prev

    def _interior(self, ph: _Phase) -> NDArray[np.int64]:
        stop = ph.stop if ph.stop >= 0 else len(self.t)
        return np.arange(ph.start, stop)

    def _update_noise(self) -> None:
        self._refresh_scale()
        lo = max(0, len(self.t) - int(2.0 / max(self._frame_period(), 1e-3)))
        self._estimate_noise(slice(lo, len(self.t)))

    def _reliable(self, k: int) -> NDArray[np.bool_]:
        v = np.min(self.vis[k][:, (_HEEL, _TOE)], axis=1)
        ok = v >= self.p.vis_min
        if not ok.any():
            ok = v >= v.max()
        return np.asarray(ok)

    @property
    def flat_calibrated(self) -> bool:
        """True when at least one foot has a flat-foot reference."""
        return bool(self.flat.ok.any())

    @property
    def flat_pitch_deg(self) -> float:
        """Median flat-foot pitch of the feet with a reference (deg; NaN when none)."""
        v = self.flat.pitch_deg[self.flat.ok]
        return float(np.median(v)) if v.size else float("nan")

    def _calibrate_flat(self, ph: _Phase) -> None:
        """Flat-foot reference of each foot from the middle half of a standing phase.

        The first stand of each detector segment that passes the checks gives a foot its reference (a later
        stand can be the landing of the last hop, heels still coming down). A foot is a reference only when it
        is seen reliably (visibility ``vis_min``) on at least half of the frames and 5 of them, seen from the side
        (apparent length at least ``min_foot_view``) and its median pitch is within ``flat_max_deg`` of 0°:
        people stand in a staggered stance, one foot up on its toes or with its toes raised, and such a foot is
        no flat reference (on jumprope_side_chenwr727_1 the rear foot stood at 54°, which made every hop a
        "heel touch" at -30°). Rejections are kept in ``flat_rejected``.
        """
        idx = self._interior(ph)
        n = idx.size
        mid = idx[n // 4: n - n // 4] if n >= 8 else idx
        mid = np.array([k for k in mid if np.isfinite(self.pts[k][0, 0, 0])], int)
        if mid.size == 0 or not np.isfinite(self.leg_px):
            return
        pts = np.array([self.pts[k] for k in mid])
        fvis = np.array([np.min(self.vis[k][:, (_HEEL, _TOE)], axis=1) for k in mid])
        pitch = _pitch_deg(pts)  # (K, 2)
        for f in range(2):
            if self.flat.ok[f] and self._flat_seg[f] == ph.seg:
                continue
            good = fvis[:, f] >= self.p.vis_min
            why = None
            if good.sum() < max(5, 0.5 * mid.size):
                why = "foot not seen reliably"
            else:
                view = float(np.median(np.abs(pts[good, f, _TOE, 0] - pts[good, f, _HEEL, 0]))) / self.leg_px
                med = float(np.median(pitch[good, f]))
                if view < self.p.min_foot_view:
                    why = f"foot not seen from the side ({view:.2f} leg long)"
                elif abs(med) > self.p.flat_max_deg:
                    why = f"foot not flat (pitch {med:.0f}°)"
            if why is not None:
                self.flat_rejected.append({"t_s": round(0.5 * (ph.td_s + ph.to_s), 3), "foot": _SIDES[f],
                                           "reason": why})
                continue
            self.flat.pitch_deg[f] = med
            self.flat.sigma_deg[f] = max(_robust_sigma(pitch[good, f]), 0.1) if good.sum() >= 5 else 1.0
            self.flat.view_leg[f] = view
            self.flat.t_s[f] = 0.5 * (ph.td_s + ph.to_s)
            self._flat_seg[f] = ph.seg

    def foot_bar(self, f: int) -> float:
        """Height above its own contact level (leg lengths) above which foot ``f`` is clearly airborne: the
        airborne threshold plus ``noise_k`` times that foot's measured noise."""
        s = self.sigma_foot[f] if np.isfinite(self.sigma_foot[f]) else (self.sigma if np.isfinite(self.sigma) else 0.0)
        return self.high + self.p.noise_k * float(s)

    def _side(self, ph: _Phase) -> ContactSide:
        """``left`` / ``right`` only when the other foot is clearly airborne through the contact (see
        :func:`_other_foot_airborne`), each foot's height taken above its own contact level (a low percentile
        of its heights over the last ``foot_level_window_s``); otherwise ``both``."""
        idx = np.array([k for k in self._interior(ph) if np.isfinite(self.pts[k][0, 0, 0])], int)
        if idx.size == 0:
            return "both"
        stop = int(idx[-1]) + 1
        k0 = bisect.bisect_left(self.t, self.t[stop - 1] - self.p.foot_level_window_s, 0, stop)
        hist = np.array([self.h[k][:2] for k in range(k0, stop)])
        hist = hist[np.isfinite(hist).all(axis=1)]
        lev = np.zeros(2)
        if hist.shape[0] >= 5:
            lev = np.clip(np.percentile(hist, 10, axis=0), 0.0, self.p.foot_level_max_leg)
        hh = np.array([self.h[k][:2] for k in idx]) - lev
        fvis = np.array([np.min(self.vis[k][:, (_HEEL, _TOE)], axis=1) for k in idx])
        up = []
        for f in range(2):
            seen = np.isfinite(hh[:, f]) & (fvis[:, f] >= self.p.vis_min)
            up.append(_other_foot_airborne(hh[:, f], seen, self.foot_bar(f), self.p.air_frac))
        if up[0] and not up[1]:
            return "right"
        if up[1] and not up[0]:
            return "left"
        return "both"

    def _heel(self, ph: _Phase) -> dict[str, Any]:
        return heel_decision(
            np.array([self.t[k] for k in self._interior(ph)]),
            np.array([self.pts[k] for k in self._interior(ph)]),
            np.array([self.vis[k] for k in self._interior(ph)]),
            self.leg_px, self._heel_sigma(), self.flat, self.p,
        )

    def _heel_sigma(self) -> NDArray[np.float64]:
        """Per-foot sole-level noise for the heel decision (the combined noise where a foot's is unknown)."""
        return np.where(np.isfinite(self.sigma_foot), self.sigma_foot, self.sigma)


def _other_foot_airborne(h: NDArray[np.float64], seen: NDArray[np.bool_], bar: float, air_frac: float) -> bool:
    """Clear, sustained evidence that a foot is off the ground during another foot's contact.

    ``h`` are the foot's heights above its own contact level over the contact's frames (leg lengths); the foot
    must be seen reliably on at least half of them and above ``bar`` (airborne threshold plus its measured noise
    margin) on at least ``air_frac`` of the seen ones. Anything less is a two-foot contact: landmark jitter of a
    grounded foot, or a foot that lands a frame later, must not turn a two-foot contact into a single-foot one.
    """
    if h.size == 0 or float(np.mean(seen)) < 0.5:
        return False
    return float(np.mean(h[seen] >= bar)) >= air_frac


def _combine(h: NDArray[np.float64], foot_vis: NDArray[np.float64], vis_min: float) -> float:
    """Height of the lowest reliable foot (a foot is ignored when it is hidden and the other is seen)."""
    ok = np.isfinite(h) & (foot_vis >= vis_min)
    if not ok.any():
        ok = np.isfinite(h) & (foot_vis >= np.max(foot_vis))
    if not ok.any():
        return float("nan")
    return float(np.min(h[ok]))


def heel_decision(
    t: NDArray[np.float64], pts: NDArray[np.float64], vis: NDArray[np.float64], leg_px: float,
    sigma_leg: float | NDArray[np.float64], flat: FlatRef | None, p: ContactParams,
) -> dict[str, Any]:
    """Whether the heel came down during one contact, from the foot pitch over the whole contact.

    Each foot seen from the side (apparent heel-toe length at least ``min_foot_view`` leg, visibility at least
    ``min_foot_vis``) gives a pitch per frame relative to its flat-foot reference; the feet are averaged per frame
    with inverse-variance weights (each foot's pitch noise follows from its measured sole-level noise and its
    apparent length), then over windows of ``heel_smooth_s`` (at least 3 frames). The lowest window is the
    evidence: a heel touch when it is below ``heel_pitch_deg``.

    A foot's reference is used only when the contact sees it alike (apparent length within ``flat_view_ratio``
    of the stand's); feet with a usable reference are judged, the others left out. The confidence is the normal
    probability of the margin over the window's noise and the reference's uncertainty (its spread on the stand
    and ``flat_sys_deg``). With no usable reference for either foot the call is made against 0°, reported as not
    judged (``heel_judged`` False) and its confidence capped at ``uncalibrated_conf_max``.

    Parameters
    ----------
    t : (K,) frame times (s) of the contact's ground frames.
    pts : (K, 2, 5, 2) leg points (px) of both feet; vis : (K, 2, 5) visibilities (0 to ignore a foot).
    leg_px : leg length (px); sigma_leg : sole-level noise (leg lengths, one sigma), one value or one per foot.
    flat : flat-foot references (None: none measured).

    Returns
    -------
    dict with ``heel_touch`` (bool), ``heel_confidence`` ([0, 1]), ``heel_t_s`` (middle of the lowest window),
    ``min_pitch_deg`` (its pitch relative to flat), ``heel_pitch_sigma_deg`` (window noise and reference
    uncertainty), ``heel_ref_sigma_deg`` (reference part), ``heel_window_sigma_deg`` (window part),
    ``heel_observable``, ``heel_judged``.
    """
    out: dict[str, Any] = {"heel_touch": False, "heel_confidence": 0.0, "heel_t_s": float("nan"),
                           "min_pitch_deg": float("nan"), "heel_observable": False, "heel_judged": False}
    ok_frames = np.isfinite(pts[:, 0, 0, 0])
    if ok_frames.sum() == 0 or not np.isfinite(leg_px):
        return out
    t, pts, vis = t[ok_frames], pts[ok_frames], vis[ok_frames]
    sig = np.broadcast_to(np.asarray(sigma_leg, np.float64), (2,))
    ref = flat if flat is not None else FlatRef()
    foot_vis = np.min(vis[:, :, (_HEEL, _TOE)], axis=2)  # (K, 2)
    feet: list[tuple[int, NDArray[np.float64], float, bool, float]] = []  # foot, pitch, s_deg, calibrated, ref sd
    views = []
    for f in range(2):
        good = foot_vis[:, f] >= p.vis_min
        if good.mean() < 0.5:
            continue
        view = float(np.median(np.abs(pts[good, f, _TOE, 0] - pts[good, f, _HEEL, 0]))) / leg_px
        views.append(view)
        if view < p.min_foot_view:
            continue
        s_leg = sig[f] if np.isfinite(sig[f]) else 0.005
        s_deg = max(math.degrees(math.sqrt(2.0) * s_leg / view), 0.1)  # pitch noise of one frame (deg)
        cal = bool(ref.ok[f]) and p.flat_view_ratio <= view / float(ref.view_leg[f]) <= 1.0 / p.flat_view_ratio
        ref_pitch = float(ref.pitch_deg[f]) if cal else 0.0
        ref_sd = math.hypot(float(ref.sigma_deg[f]), p.flat_sys_deg) if cal else p.flat_max_deg
        pitch = np.where(good, _pitch_deg(pts[:, f]) - ref_pitch, np.nan)
        feet.append((f, pitch, s_deg, cal, ref_sd))
    if not feet:
        out["foot_view_leg"] = float(np.max(views)) if views else float("nan")
        return out
    calibrated = any(c for _, _, _, c, _ in feet)
    if calibrated:
        feet = [x for x in feet if x[3]]  # judge with the referenced feet only
    num = np.zeros(t.size)
    den = np.zeros(t.size)
    den_ref = np.zeros(t.size)  # weight times the reference sd (a weighted mean of the feet's reference sd)
    for _, pitch, s_deg, _, ref_sd in feet:
        w = np.where(np.isfinite(pitch), 1.0 / s_deg**2, 0.0)
        num += w * np.where(w > 0, pitch, 0.0)
        den += w
        den_ref += w * ref_sd
    dt = float(np.median(np.diff(t))) if t.size >= 2 else float("nan")
    n_w = max(3, int(round(p.heel_smooth_s / dt))) if np.isfinite(dt) and dt > 0 else 3
    n_w = min(n_w, t.size)
    best, best_k, best_den, best_ref = float("inf"), 0, 0.0, 0.0
    for k in range(t.size - n_w + 1):
        d = den[k:k + n_w]
        if np.count_nonzero(d) * 2 < n_w:
            continue
        v = float(np.sum(num[k:k + n_w]) / np.sum(d))  # inverse-variance mean over the window and the feet
        if v < best:
            best, best_k, best_den = v, k, float(np.sum(d))
            best_ref = float(np.sum(den_ref[k:k + n_w]) / best_den)
    if not np.isfinite(best):
        return out
    sig_win = 1.0 / math.sqrt(best_den)
    # the reference's error is common to every frame of the window: it does not average out
    sig_deg = math.hypot(sig_win, best_ref)
    delta = p.heel_pitch_deg - best
    conf = margin_confidence(delta, sig_deg)
    if not calibrated:
        conf = min(conf, p.uncalibrated_conf_max)
    out.update(heel_touch=bool(delta > 0), heel_confidence=round(conf, 3),
               heel_t_s=float(np.mean(t[best_k:best_k + n_w])), min_pitch_deg=round(best, 2),
               heel_pitch_sigma_deg=round(sig_deg, 2), heel_ref_sigma_deg=round(best_ref, 2),
               heel_window_sigma_deg=round(sig_win, 3), heel_observable=True,
               heel_judged=calibrated, heel_feet=[_SIDES[f] for f, *_ in feet])
    return out


# ====================================================================== offline refinement
@dataclass(frozen=True)
class _Fit:
    t_s: float
    unc_s: float
    method: str


def _fit_floor(det: OnlineContactDetector, pts: NDArray[np.float64], leg: float,
               phase_ids: list[int]) -> tuple[float, float, NDArray[np.float64], NDArray[np.float64]]:
    """Robust floor line ``y = a + b x`` (px) through the sole points of the given ground phases.

    Returns a, b, and the per-phase residual level (px) at each phase's mid time for a slow correction.
    """
    xs, ys, ph_id = [], [], []
    for n in phase_ids:
        ph = det.phases[n]
        for k in det._interior(ph):
            if not np.isfinite(pts[k, 0, 0, 0]) or not float(det.h[k][2]) <= det.low:
                continue
            rel = det._reliable(k)
            for f in np.flatnonzero(rel):
                j = _HEEL if pts[k, f, _HEEL, 1] >= pts[k, f, _TOE, 1] else _TOE
                xs.append(pts[k, f, j, 0])
                ys.append(pts[k, f, j, 1])
                ph_id.append(n)
    x, y, pid = np.array(xs), np.array(ys), np.array(ph_id)
    fin = np.isfinite(x) & np.isfinite(y)
    x, y, pid = x[fin], y[fin], pid[fin]
    if x.size < 3:
        return det.floor_y, 0.0, np.zeros(0), np.zeros(0)
    a, b = float(np.median(y)), 0.0
    if np.percentile(x, 95) - np.percentile(x, 5) > 0.5 * leg:
        # Huber IRLS; only lower (ground-touching) points carry the floor, a foot above it is an outlier
        A = np.stack([np.ones_like(x), x], axis=1)
        w = np.ones_like(x)
        for _ in range(20):
            sw = np.sqrt(w)
            try:
                a_n, b_n = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
            except np.linalg.LinAlgError:
                break
            if not (np.isfinite(a_n) and np.isfinite(b_n)):
                break
            a, b = float(a_n), float(b_n)
            r = y - (a + b * x)
            s_r = _robust_sigma(r)
            if not np.isfinite(s_r):
                break
            w = np.minimum(1.0, 1.5 * max(s_r, 1e-6) / np.maximum(np.abs(r), 1e-12))
    r = y - (a + b * x)
    phs = [det.phases[n] for n in phase_ids]
    t_mid = np.array([0.5 * (det.t[ph.start] + det.t[max(ph.start, (ph.stop if ph.stop >= 0 else len(det.t)) - 1)])
                      for ph in phs])
    lev = np.array([float(np.median(r[pid == n])) if np.any(pid == n) else np.nan for n in phase_ids])
    # a slow correction: running median over 5 phases (camera drift, uneven floor, depth changes)
    corr = np.array([np.nanmedian(lev[max(0, m - 2): m + 3]) if np.isfinite(lev[max(0, m - 2): m + 3]).any()
                     else 0.0 for m in range(lev.size)])
    return float(a), float(b), t_mid, corr


def _parabola_events(t: NDArray[np.float64], h: NDArray[np.float64], sigma: float, c_prev: float, c_next: float,
                     margin: float, model_unc_s: float,
                     level_sys_leg: float = 0.0) -> tuple[_Fit | None, _Fit | None, dict[str, Any]]:
    """Fit a flight's airborne samples with a parabola; return (takeoff, touchdown) at the contact levels."""
    ok = np.isfinite(h) & (h > max(c_prev, c_next) + margin)
    info: dict[str, Any] = {"n": int(ok.sum())}
    if ok.sum() < 4:
        return None, None, info
    tt, hh = t[ok], h[ok]
    tc = float(np.mean(tt))
    u = tt - tc
    X = np.stack([u**2, u, np.ones_like(u)], axis=1)

    def solve(sel: NDArray[np.bool_], deg: int) -> tuple[NDArray[np.float64], NDArray[np.float64], float] | None:
        if sel.sum() < deg + 2:
            return None
        Xs = X[sel][:, 3 - (deg + 1):]
        coef, *_ = np.linalg.lstsq(Xs, hh[sel], rcond=None)
        res = hh[sel] - Xs @ coef
        dof = max(int(sel.sum()) - (deg + 1), 1)
        s2 = max(float(res @ res) / dof, sigma**2)
        cov = s2 * np.linalg.pinv(Xs.T @ Xs)
        c3 = np.zeros(3)
        c3[3 - (deg + 1):] = coef
        C3 = np.zeros((3, 3))
        C3[3 - (deg + 1):, 3 - (deg + 1):] = cov
        return c3, C3, math.sqrt(float(res @ res) / dof)

    def root(c3: NDArray[np.float64], C3: NDArray[np.float64], level: float, sigma_level: float,
             later: bool, method: str) -> _Fit | None:
        a, b, c = c3
        if abs(a) < 1e-12:
            if abs(b) < 1e-12:
                return None
            r = (level - c) / b
        else:
            disc = b * b - 4 * a * (c - level)
            if disc < 0:
                return None
            r1 = (-b - math.sqrt(disc)) / (2 * a)
            r2 = (-b + math.sqrt(disc)) / (2 * a)
            r = max(r1, r2) if later else min(r1, r2)
        slope = 2 * a * r + b
        if abs(slope) < 1e-9 or (later and slope > 0) or (not later and slope < 0):
            return None
        gvec = np.array([r * r, r, 1.0])
        var_h = float(gvec @ C3 @ gvec) + sigma_level**2
        return _Fit(tc + r, math.hypot(math.sqrt(var_h) / abs(slope), model_unc_s), method)

    glob = solve(np.ones(ok.sum(), bool), 2)
    if glob is None:
        return None, None, info
    c3, C3, rms = glob
    info["rms_leg"] = rms
    info["curv_leg_s2"] = 2 * c3[0]
    s_lev = math.hypot(sigma / 2, level_sys_leg)
    if c3[0] < 0 and rms <= 2.0 * sigma + 0.003:
        to = root(c3, C3, c_prev, s_lev, False, "parabola")
        td = root(c3, C3, c_next, s_lev, True, "parabola")
        return to, td, info
    # not one parabola (feet tucked, knees pulled up): local fits on each side of the apex
    apex = u[int(np.argmax(hh))]
    out: list[_Fit | None] = []
    for later, sel in ((False, u <= apex), (True, u >= apex)):
        loc_u = u[sel]
        near = np.zeros(sel.shape, bool)
        # the 6 samples nearest the floor on this side
        order = np.argsort(loc_u)[::-1] if later else np.argsort(loc_u)
        keep = np.flatnonzero(sel)[order[:6]]
        near[keep] = True
        fit = solve(near, 2) if near.sum() >= 5 else solve(near, 1)
        if fit is None:
            out.append(None)
            continue
        lev = c_next if later else c_prev
        out.append(root(fit[0], fit[1], lev, s_lev, later, "local"))
    return out[0], out[1], info


def _linear_event(t: NDArray[np.float64], h: NDArray[np.float64], level: float, later: bool,
                  dt: float) -> _Fit | None:
    """Straight-line crossing of ``level`` by the two samples around it (fallback when no parabola fits)."""
    ok = np.flatnonzero(np.isfinite(h))
    if ok.size < 2:
        return None
    tt, hh = t[ok], h[ok]
    idx = range(len(tt) - 1, 0, -1) if not later else range(1, len(tt))
    for k in idx:
        a, b = (k - 1, k)
        if (later and hh[a] > level >= hh[b]) or (not later and hh[a] <= level < hh[b]):
            w = (hh[a] - level) / (hh[a] - hh[b])
            return _Fit(float(tt[a] + w * (tt[b] - tt[a])), (tt[b] - tt[a]) / math.sqrt(12.0), "linear")
    return None


def analyze_contacts(lm: Landmarks, exercise: Exercise, params: ContactParams | None = None) -> Analysis:
    """Find every ground contact in ``lm`` and time it below the frame period.

    Runs :class:`OnlineContactDetector` over every frame, then refines each touchdown and takeoff with the
    whole signal (floor line, flight parabolas). See the module docstring. When ``lm`` carries MediaPipe's
    tracked pass (``lm.tracked``), both series are analysed and :func:`fuse_contacts` joins them: contacts
    are counted on both, timed on the unsmoothed one.

    Returns
    -------
    Analysis with ``contacts`` (hops only, standing phases excluded), ``events``, ``summary``, ``feedback``,
    ``params``.
    """
    p = params or ContactParams()
    if lm.tracked is None:
        raw, det, dt = _analyze_series(lm, exercise, p)
        if (lm.shoe_events is None and lm.shoe_pitch is None) or not raw.contacts:
            return raw
        contacts, params_out = raw.contacts, raw.params
    else:
        raw, det, dt = _analyze_series(dataclasses.replace(lm, tracked=None), exercise, p)
        trk = _analyze_series(lm.tracked, exercise, p)[0]
        contacts, info = fuse_contacts(raw.contacts, trk.contacts, frame_s=dt)
        params_out = raw.params | {"tracked_pass": info}
    if lm.shoe_events is not None and contacts:
        contacts = apply_shoe_events(contacts, lm.shoe_events)
        params_out = params_out | {"shoe_flow": {
            "touchdowns": sum(c.extra.get("touchdown_method") == "shoe flow" for c in contacts),
            "takeoffs": sum(c.extra.get("takeoff_method") == "shoe flow" for c in contacts),
            "of": len(contacts)}}
    if lm.shoe_pitch is not None and contacts:
        contacts = apply_shoe_pitch(contacts, lm.shoe_pitch, p)
        params_out = params_out | {"shoe_pitch": {
            "heels": sum(c.extra.get("heel_method") == "shoe pitch" for c in contacts), "of": len(contacts)}}
    unseen = _out_of_view(lm, det, p)
    return Analysis(contacts=contacts, summary=_summary(contacts, det, dt, exercise, unseen),
                    feedback=_feedback(contacts, det, dt, exercise, unseen), params=params_out,
                    events=_events(contacts))


def _out_of_view(lm: Landmarks, det: OnlineContactDetector, p: ContactParams) -> list[OutOfView]:
    """Stretches in which the feet were outside the picture or nobody was seen: the unsmoothed series' detector's,
    or, with MediaPipe's tracked pass, the two series together (a frame the unsmoothed model missed is read from the
    tracker, which keeps a small athlete the other loses: double-under 4 would show eight false "nobody" stretches)."""
    if lm.tracked is None:
        return det.out_of_view
    xyz = np.where(lm.detected[:, None, None], lm.xyz, lm.tracked.xyz)
    return out_of_view(lm.t, xyz, FEET, p.max_gap_s)


def fuse_contacts(raw: list[Contact], tracked: list[Contact], tol_frac: float = 0.4,
                  max_tol_s: float = 0.12, frame_s: float = 0.0) -> tuple[list[Contact], dict[str, Any]]:
    """Join the contacts found on the unsmoothed series and on MediaPipe's tracked, smoothed series.

    The tracked series keeps the athlete where unsmoothed detection loses them, but its events lag (20-60 ms
    on rendered hops). So: contacts are paired one-to-one by touchdown (within ``tol_frac`` of the median
    interval between tracked contacts, at most ``max_tol_s``, after removing the median lag of a first
    pairing); a pair keeps the unsmoothed contact; a tracked contact with no partner is kept, moved earlier by
    the median lag, its uncertainty widened by the spread of the lag, unless it then overlaps a kept pair's
    contact of the same side or leaves less than a frame period between them (no frame can have seen that foot
    in the air in between: the same ground phase, landed 1-3 frames apart in the two series; a contact on both
    feet is not matched against a single foot: in fast steps the model merges two steps into one); an unsmoothed
    contact with no partner is kept when it overlaps no tracked contact.

    Parameters
    ----------
    raw, tracked : list of Contact
        Contacts of the unsmoothed and tracked series, in time order.
    tol_frac : float
        Pairing window as a fraction of the median interval between tracked contacts.
    max_tol_s : float
        Largest pairing window (s).
    frame_s : float
        Frame period (s): a tracked-only contact this close to a kept contact of the same side is the same one.

    Returns
    -------
    The joined contacts (renumbered, flights recomputed) with ``extra["source"]`` set to ``"unsmoothed"``,
    ``"tracked"`` or ``"unsmoothed only"``, and a summary of the join (counts, lag in s).
    """
    if not tracked:
        return raw, {"paired": 0, "raw": len(raw), "tracked": 0}
    td_t = np.array([c.touchdown_s for c in tracked])
    td_r = np.array([c.touchdown_s for c in raw])
    interval = float(np.median(np.diff(td_t))) if td_t.size > 2 else max_tol_s / tol_frac
    tol = min(max_tol_s, tol_frac * interval)
    lag = 0.0
    pairs = match_nearest(td_r, td_t, max_tol_s) if td_r.size else []
    if pairs:
        lag = float(np.median([td_t[j] - td_r[i] for i, j in pairs]))
    pairs = match_nearest(td_r + lag, td_t, tol) if td_r.size else []
    d = np.array([td_t[j] - td_r[i] for i, j in pairs])
    if d.size >= 3:
        lag = float(np.median(d))
        lag_sd = max(1.4826 * float(np.median(np.abs(d - lag))), 1e-3)
    else:  # too few pairs to measure the lag: the rendered-hop range, 20-60 ms
        lag, lag_sd = 0.04, 0.02
    partner = {j: i for i, j in pairs}
    out: list[Contact] = []
    kept = [raw[partner[j]] for j in range(len(tracked)) if j in partner]
    duplicates = 0
    for j, c in enumerate(tracked):
        if j in partner:
            r = raw[partner[j]]
            out.append(dataclasses.replace(r, extra=r.extra | {"source": "unsmoothed"}))
            continue
        a, b = c.touchdown_s - lag, c.takeoff_s - lag
        if any(c.side == r.side and min(b, r.takeoff_s) + frame_s > max(a, r.touchdown_s) for r in kept):
            duplicates += 1  # a foot on the ground in a kept contact cannot land again: the same ground phase
            continue
        extra = c.extra | {"source": "tracked", "lag_corrected_s": lag}
        if c.extra.get("heel_t_s") is not None:
            extra["heel_t_s"] = float(c.extra["heel_t_s"]) - lag
        out.append(dataclasses.replace(
            c, touchdown_s=c.touchdown_s - lag, takeoff_s=c.takeoff_s - lag, extra=extra,
            touchdown_unc_s=math.hypot(c.touchdown_unc_s, lag_sd), takeoff_unc_s=math.hypot(c.takeoff_unc_s, lag_sd)))
    used = set(partner.values())
    spans = [(c.touchdown_s - lag, c.takeoff_s - lag) for c in tracked]
    lone = 0
    for i, c in enumerate(raw):
        if i in used or any(min(c.takeoff_s, b) >= max(c.touchdown_s, a) for a, b in spans):
            continue
        out.append(dataclasses.replace(c, extra=c.extra | {"source": "unsmoothed only"}))
        lone += 1
    out.sort(key=lambda c: c.touchdown_s)
    joined: list[Contact] = []
    last_off: float | None = None
    for n, c in enumerate(out):
        flight = None if c.flight_s is None or last_off is None else max(0.0, c.touchdown_s - last_off)
        joined.append(dataclasses.replace(c, flight_s=flight, extra=c.extra | {"hop": n + 1}))
        last_off = c.takeoff_s if last_off is None else max(last_off, c.takeoff_s)
    info = {"raw": len(raw), "tracked": len(tracked), "paired": len(pairs),
            "tracked_only": len(tracked) - len(pairs) - duplicates, "tracked_duplicates": duplicates,
            "unsmoothed_only": lone, "lag_s": lag, "lag_sd_s": lag_sd, "pair_window_s": tol}
    return joined, info


def _analyze_series(lm: Landmarks, exercise: Exercise, p: ContactParams) -> tuple[Analysis, OnlineContactDetector,
                                                                                   float]:
    """:func:`analyze_contacts` on one series; also returns its detector and frame period (s)."""
    det = OnlineContactDetector(lm.meta, exercise, p, steps_online=False)
    online_events: list[Event] = []
    for k in range(len(lm)):
        online_events += det.update(float(lm.t[k]), lm.xyz[k], lm.visibility[k])
    online_events += det.finish()
    dt = float(np.median(np.diff(lm.t))) if len(lm) > 1 else float("nan")
    base_params = _params_dict(p, det, dt)
    if not det.phases or not np.isfinite(det.leg_px):
        return Analysis(summary=_summary([], det, dt, exercise), feedback=_feedback([], det, dt, exercise),
                        params=base_params, events=online_events), det, dt

    t = np.asarray(det.t)
    pts = np.array(det.pts)  # (T, 2, 5, 2)
    vis = np.array(det.vis)
    leg_t = np.asarray(det.leg_at)
    seg = np.asarray(det.seg_at)
    sole_j = np.where(pts[:, :, _HEEL, 1] >= pts[:, :, _TOE, 1], _HEEL, _TOE)  # (T, 2)
    sole = np.take_along_axis(pts, sole_j[:, :, None, None], axis=2)[:, :, 0, :]  # (T, 2, 2)
    hf = np.full((len(t), 2), np.nan)
    floors = []
    for sid in np.unique(seg):
        ids = [n for n, ph in enumerate(det.phases) if ph.seg == sid]
        fr = seg == sid
        if not ids or not np.isfinite(leg_t[fr]).any():
            continue
        leg_s = float(np.nanmedian(leg_t[fr]))
        a, b, t_mid, corr = _fit_floor(det, pts, leg_s, ids)
        floor_corr = np.interp(t[fr], t_mid, corr) if t_mid.size else np.zeros(int(fr.sum()))
        leg_f = np.where(np.isfinite(leg_t[fr]), leg_t[fr], leg_s)
        hf[fr] = (a + b * sole[fr, :, 0] + floor_corr[:, None] - sole[fr, :, 1]) / leg_f[:, None]
        floors.append({"segment": int(sid), "a_px": a, "slope": b, "tilt_deg": math.degrees(math.atan(b)),
                       "leg_px": leg_s})
    leg = float(np.nanmedian(leg_t)) if np.isfinite(leg_t).any() else det.leg_px
    fvis = np.min(vis[:, :, (_HEEL, _TOE)], axis=2)
    h = np.array([_combine(hf[k], fvis[k], p.vis_min) for k in range(len(t))])
    sigma, margin = det._fit_noise()

    phases = det.phases
    levels, lev_n = [], []
    for ph in phases:
        idx = det._interior(ph)
        inner = idx[1:-1] if idx.size > 3 else idx
        v = h[inner][np.isfinite(h[inner]) & (h[inner] <= det.low)]
        if v.size == 0:  # a contact that came to rest above the on-ground threshold (see _came_to_rest)
            v = h[inner][np.isfinite(h[inner]) & (h[inner] < det.high)]
        levels.append(float(np.median(v)) if v.size else 0.0)
        lev_n.append(max(v.size, 1))
    refined_td: dict[int, _Fit] = {}
    refined_to: dict[int, _Fit] = {}
    flights: list[dict[str, Any]] = []
    for n in range(len(phases) - 1):
        if det._previous_phase(n + 1) is None:
            continue
        lo = max(phases[n].stop - 2, phases[n].start)
        hi = min(phases[n + 1].start + 2, len(t))
        win = slice(lo, hi)
        to_fit, td_fit, info = _parabola_events(t[win], h[win], sigma, levels[n], levels[n + 1], margin,
                                                p.model_unc_frames * dt, p.level_sys_leg)
        if to_fit is None:
            to_fit = _linear_event(t[win], h[win], levels[n] + 0.5 * margin, False, dt)
        if td_fit is None:
            td_fit = _linear_event(t[win], h[win], levels[n + 1] + 0.5 * margin, True, dt)
        # a refined time must stay near the detector's frame-level estimate
        tol = max(3 * dt, p.refine_tol_s)
        if to_fit is not None and abs(to_fit.t_s - phases[n].to_s) <= tol:
            refined_to[n] = to_fit
        if td_fit is not None and abs(td_fit.t_s - phases[n + 1].td_s) <= tol:
            refined_td[n + 1] = td_fit
        info["index"] = n
        flights.append(info)

    contacts: list[Contact] = []
    hop = 0
    for n, ph in enumerate(phases):
        if ph.truncated or ph.standing or ph.contact is None:
            continue
        hop += 1
        td = refined_td.get(n, _Fit(ph.td_s, dt / 2, "frame"))
        to = refined_to.get(n, _Fit(ph.to_s, dt / 2, "frame"))
        if not to.t_s >= td.t_s:
            td, to = _Fit(ph.td_s, dt / 2, "frame"), _Fit(ph.to_s, dt / 2, "frame")
        prev = det._flight_from(n)
        flight = None
        if prev is not None:
            prev_to = refined_to.get(n - 1, _Fit(prev.to_s, dt / 2, "frame"))
            flight = td.t_s - prev_to.t_s
        idx = det._interior(ph)
        leg_c = float(np.nanmedian(leg_t[idx])) if np.isfinite(leg_t[idx]).any() else leg
        heel = heel_decision(t[idx], pts[idx], vis[idx], leg_c, det._heel_sigma(), det.flat, p)
        contacts.append(_contact(td, to, flight, heel, ph.contact.side, hop))
    singles = _single_foot_contacts(det, t, pts, vis, sigma, margin, dt, leg_t, leg, p)
    if singles:
        breaks = [0.5 * (ph.td_s + ph.to_s) for ph in det.phases if ph.standing or ph.truncated]
        breaks += [det.t[k] for k in range(1, len(det.t)) if det.seg_at[k] != det.seg_at[k - 1]]
        contacts = _merge_single_foot(contacts, singles, sorted(breaks))
    n_seen = len(contacts)
    contacts = _split_hidden(contacts, t, pts, vis, leg_t, leg, dt, det, p)
    events = _events(contacts)
    out_params = base_params | {
        "single_foot_contacts": sum(c.side != "both" for c in contacts),
        "hidden_flights": len(contacts) - n_seen,
        "floor": floors,
        "fit_margin_leg": margin,
    }
    return Analysis(contacts=contacts, summary=_summary(contacts, det, dt, exercise),
                    feedback=_feedback(contacts, det, dt, exercise), params=out_params, events=events), det, dt


def _split_hidden(contacts: list[Contact], t: NDArray[np.float64], pts: NDArray[np.float64],
                  vis: NDArray[np.float64], leg_t: NDArray[np.float64], leg: float, dt: float,
                  det: OnlineContactDetector, p: ContactParams) -> list[Contact]:
    """:func:`split_hidden_flights` on one series' contacts, with the hips' height (mean of the hips seen, leg
    lengths, up positive) and each part's heel judged on its own frames; hops renumbered."""
    hy = np.where(vis[:, :, _HIP] >= p.vis_min, pts[:, :, _HIP, 1], np.nan)
    seen = np.isfinite(hy).any(axis=1)
    hip = np.full(len(t), np.nan)
    hip[seen] = -np.nanmean(hy[seen], axis=1) / leg

    def heel_of(t0: float, t1: float, side: ContactSide) -> dict[str, Any]:
        idx = np.flatnonzero((t >= t0) & (t <= t1))
        if idx.size == 0:
            idx = np.array([int(np.argmin(np.abs(t - 0.5 * (t0 + t1))))])
        v1 = vis[idx].copy()
        if side != "both":
            v1[:, 1 if side == "left" else 0] = 0.0  # judge this foot's heel only
        leg_c = float(np.nanmedian(leg_t[idx])) if np.isfinite(leg_t[idx]).any() else leg
        return heel_decision(t[idx], pts[idx], v1, leg_c, det._heel_sigma(), det.flat, p)

    out = split_hidden_flights(contacts, t, hip, dt, heel_of)
    if len(out) == len(contacts):
        return contacts
    return [dataclasses.replace(c, extra=c.extra | {"hop": n + 1}) for n, c in enumerate(out)]


def _foot_valleys(t: NDArray[np.float64], x: NDArray[np.float64], seg: NDArray[np.int64], low: float,
                  high: float) -> list[tuple[int, int, int]]:
    """Ground phases of one foot from a trough-relative two-threshold switch (leg lengths).

    The foot's height must fall by ``high`` from its last peak (it was off the ground) and rise by ``high`` from
    the lowest point after it (it left again); the ground phase is the run of frames around that lowest point
    within ``low`` of it. The thresholds move with the foot's own troughs, not a floor: a foot resting higher in
    the image (depth, travel) or a floor estimate that lags is no obstacle. Returns (first ground frame, first
    frame after the run, lowest frame); phases cut by a restart or an end of the series are left out.
    """
    out: list[tuple[int, int, int]] = []
    state: str | None = None
    ext = -1
    last_seg = -1
    fin = np.isfinite(x)
    for k in range(t.size):
        if not fin[k]:
            continue
        if seg[k] != last_seg:
            state, ext, last_seg = "up", k, int(seg[k])
            continue
        if state == "up":
            if x[k] > x[ext]:
                ext = k
            elif x[k] <= x[ext] - high:
                state, ext = "down", k
        else:
            if x[k] < x[ext]:
                ext = k
            elif x[k] >= x[ext] + high:
                b = ext
                a = b
                j = b - 1
                while j >= 0 and seg[j] == seg[b] and (not fin[j] or x[j] <= x[b] + low):
                    if fin[j]:
                        a = j
                    j -= 1
                e = b + 1
                while e < k and (not fin[e] or x[e] <= x[b] + low):
                    e += 1
                if j >= 0 and seg[j] == seg[b]:
                    out.append((a, e, b))
                state, ext = "up", k
    return out


def _approached(x: NDArray[np.float64], valleys: list[tuple[int, int, int]], n: int, low: float) -> bool:
    """Valley ``n`` (one ground frame) was approached and left through the frames around it: each neighbour lies more
    than ``low`` below the foot's peak on its side (between the neighbouring valleys). A foot stepping down at 30 fps
    shows on one frame, its neighbours on the way down and up; a landmark dropping for one frame from the top of a
    flight has both neighbours at the peak."""
    a, b, _ = valleys[n]
    if a < 1 or b >= x.size or not (np.isfinite(x[a - 1]) and np.isfinite(x[b])):
        return False
    lo = valleys[n - 1][1] if n > 0 else max(0, a - 10)
    hi = valleys[n + 1][0] if n + 1 < len(valleys) else min(x.size, b + 10)
    return bool(x[a - 1] <= np.nanmax(x[lo:a]) - low and x[b] <= np.nanmax(x[b:max(hi, b + 1)]) - low)


def _valley_noise(t: NDArray[np.float64], x: NDArray[np.float64], seg: NDArray[np.int64], s0: float,
                  p: ContactParams) -> float:
    """Resting noise of one foot's sole height (leg lengths, one sigma): robust spread of the frame-to-frame
    changes inside its ground phases (:func:`_foot_valleys`, thresholds widened to the estimate; two passes)."""
    s_f = s0 if np.isfinite(s0) else 0.0
    out = float("nan")
    for _ in range(2):
        low = max(p.low_min_leg, p.noise_k * s_f)
        high = max(p.high_min_leg, low + p.noise_k * s_f)
        d: list[float] = []
        for a0, e0, _b in _foot_valleys(t, x, seg, low, high):
            v = x[a0:e0]
            d.extend(np.diff(v[np.isfinite(v)]).tolist())
        if len(d) < 8:
            break
        out = s_f = _robust_sigma(np.array(d)) / math.sqrt(2.0)
    return out


def _foot_level(t: NDArray[np.float64], h: NDArray[np.float64], seg: NDArray[np.int64], window_s: float,
                cap_leg: float) -> NDArray[np.float64]:
    """Per-foot contact level (leg lengths): 10th percentile of each foot's height over a centred window,
    clipped to ``[0, cap_leg]`` (a foot that never comes down is not made to look grounded)."""
    out = np.zeros_like(h)
    for f in range(h.shape[1]):
        for k in range(t.size):
            lo = int(np.searchsorted(t, t[k] - window_s / 2))
            hi = int(np.searchsorted(t, t[k] + window_s / 2, side="right"))
            v = h[lo:hi, f][(seg[lo:hi] == seg[k]) & np.isfinite(h[lo:hi, f])]
            out[k, f] = float(np.clip(np.percentile(v, 10), 0.0, cap_leg)) if v.size >= 5 else 0.0
    return out


def _single_foot_contacts(det: OnlineContactDetector, t: NDArray[np.float64], pts: NDArray[np.float64],
                          vis: NDArray[np.float64], sigma: float, margin: float, dt: float,
                          leg_t: NDArray[np.float64], leg: float, p: ContactParams,
                          h: NDArray[np.float64] | None = None, seg: NDArray[np.int64] | None = None) -> list[Contact]:
    """Contacts of one foot while the other is clearly off the ground (alternate-foot steps, single-leg hops).

    Each foot gets its own trough-relative two-threshold switch (:func:`_foot_valleys`) with thresholds from its
    own resting noise (:func:`_valley_noise`): ``low = max(low_min_leg, noise_k σ)``, ``high = max(high_min_leg,
    low + noise_k σ)``, the same rule as the detector's but measured per foot on the whole series and relative to
    each trough, not to the lowest-foot floor. A foot's ground phase is a single-foot contact only when

    - the foot is seen reliably on half of it, and it can have lasted ``min_contact_s`` (the interval between the
      frames around it; at 30 fps a speed step's contact often shows on one frame only);
    - the other foot is clearly airborne through it (:func:`_other_foot_airborne`), its height taken above its
      own contact level (interpolated between its ground phases: travel, depth and a lagging floor move it);
    - the other foot, seen, did not land within ``same_landing_frames`` frames of it (a two-foot landing);
    - another single-foot contact lies within ``max_gct_s`` of it: steps come in sequences; a lone dip of one
      foot amid two-foot hops or a stand is a landmark glitch (doubleunder_front_hooneybadger_2 frames 945, 995).

    Two-foot contacts stay with the combined detector. Times are the straight-line crossings of the foot's
    contact level (frame-level precision, ``dt / sqrt(12)``).
    """
    # (T, 2) left, right sole heights above the (lowest-foot) online floor; ``h``/``seg`` given: a window of them
    h = np.array(det.h)[:, :2] if h is None else h
    seg = np.asarray(det.seg_at) if seg is None else seg
    fvis = np.min(vis[:, :, (_HEEL, _TOE)], axis=2)  # (T, 2)
    fallback = det.sigma if np.isfinite(det.sigma) else 0.0
    sf = np.array([_valley_noise(t, h[:, f], seg, float("nan"), p) for f in range(2)])
    sf = np.where(np.isfinite(sf), sf, fallback)
    low_f = np.maximum(p.low_min_leg, p.noise_k * sf)
    high_f = np.maximum(p.high_min_leg, low_f + p.noise_k * sf)
    valleys = [_foot_valleys(t, h[:, f], seg, float(low_f[f]), float(high_f[f])) for f in range(2)]
    # each foot's own contact level: in a front view the feet rest at different image heights (one nearer the
    # camera) and move with travel; interpolated between the foot's ground phases (a low percentile where none)
    level = np.zeros_like(h)
    for f in range(2):
        for sid in np.unique(seg):
            knots = [(t[b0], float(np.nanmedian(h[a0:e0, f]))) for a0, e0, b0 in valleys[f] if seg[b0] == sid]
            fr = seg == sid
            if knots:
                level[fr, f] = np.interp(t[fr], [x for x, _ in knots], [y for _, y in knots])
            else:
                level[fr, f] = _foot_level(t[fr], h[fr, f:f + 1], seg[fr], p.foot_level_window_s,
                                           p.foot_level_max_leg)[:, 0]
    hrel = h - level
    bars = high_f  # clearly airborne: above its own airborne threshold (noise-widened) over its contact level
    seen_ok = [[np.mean(fvis[a0:e0, f] >= p.vis_min) >= 0.5 for a0, e0, _ in valleys[f]] for f in range(2)]
    out: list[Contact] = []
    for f in range(2):
        o = 1 - f
        for n_v, ((a, b, _bot), seen_f) in enumerate(zip(valleys[f], seen_ok[f], strict=True)):
            if t[b] - t[max(a - 1, 0)] < p.min_contact_s or t[b] - t[a] > p.max_gct_s:
                continue
            if not seen_f:
                continue  # an occluded foot's dips are landmark noise, not steps
            if b - a == 1 and not _approached(h[:, f], valleys[f], n_v, float(low_f[f])):
                continue  # one frame down from the top of a flight and back: a landmark glitch
            other = hrel[a:b, o]
            seen = np.isfinite(other) & (fvis[a:b, o] >= p.vis_min)
            if not _other_foot_airborne(other, seen, float(bars[o]), p.air_frac):
                continue
            if any(abs(t[a2] - t[a]) <= p.same_landing_frames * dt
                   for (a2, _, _), ok2 in zip(valleys[o], seen_ok[o], strict=True) if ok2):
                continue  # both feet landed together
            run = h[a:b, f][np.isfinite(h[a:b, f])]
            base = float(np.min(run)) if run.size else 0.0
            lev = float(np.median(run[run <= base + low_f[f]])) + 0.5 * margin if run.size else 0.5 * margin
            lo = a - 1  # back to the last airborne frame (the airborne threshold above the trough) before it
            while lo > 0 and not h[lo, f] >= base + high_f[f]:
                lo -= 1
            td = _linear_event(t[max(lo, 0):a + 1], h[max(lo, 0):a + 1, f], lev, True, dt)
            to = _linear_event(t[a:b + 1], h[a:b + 1, f], lev, False, dt)
            if td is None:
                td = _Fit(float(t[a]), dt / 2, "frame")
            if to is None:
                to = _Fit(float(t[b]), dt / 2, "frame")
            if not to.t_s > td.t_s:
                continue
            idx = np.arange(a, b)
            v1 = vis[idx].copy()
            v1[:, o] = 0.0  # judge this foot's heel only
            leg_c = float(np.nanmedian(leg_t[idx])) if np.isfinite(leg_t[idx]).any() else leg
            heel = heel_decision(t[idx], pts[idx], v1, leg_c, det._heel_sigma(), det.flat, p)
            out.append(_contact(td, to, None, heel, "left" if f == 0 else "right"))
    td_all = np.array([c.touchdown_s for c in out])
    return [c for c in out if np.sum(np.abs(td_all - c.touchdown_s) <= p.max_gct_s) >= 2]


def _contact(td: _Fit, to: _Fit, flight: float | None, heel: dict[str, Any], side: ContactSide,
             hop: int | None = None) -> Contact:
    """A contact record from its refined events, the flight before it (s, None if unknown), the heel decision
    (:func:`heel_decision`) and its side; jump height and reactive strength follow from the flight."""
    gct = to.t_s - td.t_s
    extra: dict[str, Any] = {} if hop is None else {"hop": hop}
    extra.update({
        "touchdown_method": td.method,
        "takeoff_method": to.method,
        "min_pitch_deg": heel["min_pitch_deg"],
        "heel_observable": heel["heel_observable"],
        "heel_judged": heel["heel_judged"],
        "heel_t_s": heel["heel_t_s"],
        **_jump(flight, gct),
    })
    return Contact(touchdown_s=td.t_s, takeoff_s=to.t_s, gct_s=gct, flight_s=flight,
                   heel_touch=bool(heel["heel_touch"]), side=side, touchdown_unc_s=td.unc_s,
                   takeoff_unc_s=to.unc_s, heel_confidence=float(heel["heel_confidence"]), extra=extra)


def _jump(flight: float | None, gct: float) -> dict[str, float | None]:
    """Jump height from the flight time (h = g t^2 / 8, m) and reactive strength (height / GCT, flight / GCT)."""
    return {
        "jump_height_m": None if flight is None else G_M_S2 * flight**2 / 8.0,
        "rsi": None if flight is None or gct <= 0 else G_M_S2 * flight**2 / 8.0 / gct,
        "rsi_ft": None if flight is None or gct <= 0 else flight / gct,
    }


SHOE_FEET_ERROR_CORRELATION = 0.8
"""Correlation of the two feet's shoe-timed errors at one event: 0.80 over 378 two-foot events of 16 rendered sets at
120-240 fps (median |left - right| 0.2 ms against a median |mean| error of 1.1 ms, docs/validation.md). Treating them
as independent shrank the contact's uncertainty by 1.4 and left 13 % of events outside two sigma."""


def _shoe_time(shoe: ShoeEvents, kind: int, feet: tuple[int, ...], estimate_s: float, tol_s: float,
               later: bool) -> tuple[float, float, int] | None:
    """The shoe-timed event matching a contact's event (``kind`` at ``estimate_s``, within ``tol_s``).

    One foot: its time. Both feet: the mean of the two, weighted by their uncertainties, when they agree within
    twice their combined uncertainty; else the first foot down (touchdown) or the last up (takeoff, ``later``);
    the one foot that was timed when the other was not. The mean's uncertainty counts the two feet's errors as
    correlated (:data:`SHOE_FEET_ERROR_CORRELATION`): most of an event's error is shared by both shoes. Returns
    (t_s, unc_s, points) or None.
    """
    got = []
    for f in feet:
        m = (shoe.kind == kind) & (shoe.foot == f) & (np.abs(shoe.estimate_s - estimate_s) <= tol_s)
        m &= np.isfinite(shoe.t_s)
        if m.any():
            k = int(np.flatnonzero(m)[np.argmin(np.abs(shoe.estimate_s[m] - estimate_s))])
            got.append((float(shoe.t_s[k]), float(shoe.unc_s[k]), int(shoe.n_points[k])))
    if not got:
        return None
    if len(got) == 1:
        return got[0]
    (ta, ua, na), (tb, ub, nb) = got
    if abs(ta - tb) <= 2.0 * math.hypot(ua, ub):
        wa, wb = 1.0 / ua**2, 1.0 / ub**2
        rho = SHOE_FEET_ERROR_CORRELATION
        var = (wa**2 * ua**2 + wb**2 * ub**2 + 2.0 * rho * wa * wb * ua * ub) / (wa + wb) ** 2
        return (wa * ta + wb * tb) / (wa + wb), math.sqrt(var), na + nb
    return max(got) if later else min(got)


def apply_shoe_events(contacts: list[Contact], shoe: ShoeEvents) -> list[Contact]:
    """Re-time contacts with the events measured on the shoes (:mod:`formcheck.footflow`).

    Each touchdown and takeoff that has a shoe-timed event measured around it (the shoe measurement's
    ``estimate_s`` within the event's uncertainty, at least 1 ms) takes that time and uncertainty; contact
    and flight times, jump height and reactive strength follow. The landmark times are kept in ``extra``
    (``touchdown_landmark_s``, ``takeoff_landmark_s``); the methods become ``"shoe flow"``.
    A flight keeps its reference: the contact whose takeoff it was measured from.
    """
    out: list[Contact] = []
    for i, c in enumerate(contacts):
        feet = contact_feet(c.side)
        td = _shoe_time(shoe, 0, feet, c.touchdown_s, max(c.touchdown_unc_s, 1e-3), later=False)
        to = _shoe_time(shoe, 1, feet, c.takeoff_s, max(c.takeoff_unc_s, 1e-3), later=True)
        td_s, td_unc = (td[0], td[1]) if td else (c.touchdown_s, c.touchdown_unc_s)
        to_s, to_unc = (to[0], to[1]) if to else (c.takeoff_s, c.takeoff_unc_s)
        if not to_s >= td_s:
            td = to = None
            td_s, td_unc, to_s, to_unc = c.touchdown_s, c.touchdown_unc_s, c.takeoff_s, c.takeoff_unc_s
        extra = dict(c.extra)
        if td:
            extra.update(touchdown_method="shoe flow", touchdown_landmark_s=c.touchdown_s, touchdown_points=td[2])
        if to:
            extra.update(takeoff_method="shoe flow", takeoff_landmark_s=c.takeoff_s, takeoff_points=to[2])
        flight = c.flight_s
        if flight is not None:
            ref = c.touchdown_s - flight  # the takeoff the flight was measured from
            prev = [j for j in range(i) if abs(contacts[j].takeoff_s - ref) < 1e-6]
            ref_new = out[prev[-1]].takeoff_s if prev else ref
            flight = max(0.0, td_s - ref_new) if flight > 0 or prev else flight
        out.append(dataclasses.replace(c, touchdown_s=td_s, takeoff_s=to_s, gct_s=to_s - td_s, flight_s=flight,
                                       touchdown_unc_s=td_unc, takeoff_unc_s=to_unc,
                                       extra=extra | _jump(flight, to_s - td_s)))
    return out


def apply_shoe_pitch(contacts: list[Contact], pitch: ShoePitch, p: ContactParams | None = None) -> list[Contact]:
    """Decide each contact's heel touch from the foot pitch measured on the shoe image (:mod:`formcheck.footpitch`).

    A contact takes the measurement whose frames overlap it by more than half of the shorter of the two (and, for
    a one-foot contact, of the same foot): heel touch when the lowest pitch is below ``heel_pitch_deg``, with the
    normal probability of the margin over the measurement's uncertainty as the confidence. The landmark decision
    is kept in ``extra`` (``heel_touch_landmark``, ``heel_confidence_landmark``, ``min_pitch_landmark_deg``);
    ``heel_method`` becomes ``"shoe pitch"``. Contacts without a measurement keep the landmark decision, and so
    do contacts whose measurement is more than ``shoe_pitch_max_gap_deg`` from the landmark pitch (kept as
    ``heel_shoe_pitch_rejected_deg``).
    """
    p = p or ContactParams()
    out: list[Contact] = []
    for c in contacts:
        hit = pitch.row_for(c.touchdown_s, c.takeoff_s, contact_feet(c.side))
        if hit is None:
            out.append(c)
            continue
        v, sig = float(pitch.min_pitch_deg[hit]), float(pitch.sigma_deg[hit])
        lm_pitch = c.extra.get("min_pitch_deg")
        if lm_pitch is not None and np.isfinite(lm_pitch) and abs(v - lm_pitch) > p.shoe_pitch_max_gap_deg:
            out.append(dataclasses.replace(c, extra=c.extra | {"heel_shoe_pitch_rejected_deg": round(v, 2)}))
            continue
        delta = p.heel_pitch_deg - v
        conf = margin_confidence(delta, sig)
        extra = dict(c.extra)
        extra.update(heel_touch_landmark=c.heel_touch, heel_confidence_landmark=c.heel_confidence,
                     min_pitch_landmark_deg=c.extra.get("min_pitch_deg"), min_pitch_deg=round(v, 2),
                     heel_pitch_sigma_deg=round(sig, 2), heel_t_s=float(pitch.heel_t_s[hit]),
                     heel_observable=True, heel_judged=True, heel_method="shoe pitch",
                     heel_frames=int(pitch.n_frames[hit]), heel_feet=[_SIDES[int(pitch.foot[hit])]])
        out.append(dataclasses.replace(c, heel_touch=bool(delta > 0), heel_confidence=round(conf, 3), extra=extra))
    return out


def _same_contact(a: Contact, b: Contact) -> bool:
    """Whether two contacts overlap by more than half of the shorter one (one contact seen two ways)."""
    return _mostly_overlap(a.touchdown_s, a.takeoff_s, b.touchdown_s, b.takeoff_s)


def _mostly_overlap(a0: float, a1: float, b0: float, b1: float) -> bool:
    """Whether intervals ``[a0, a1]`` and ``[b0, b1]`` (s) overlap by more than half of the shorter one."""
    return min(a1, b1) - max(a0, b0) > 0.5 * min(a1 - a0, b1 - b0)


def _merge_single_foot(both: list[Contact], singles: list[Contact], breaks: list[float] | None = None) -> list[Contact]:
    """Two-foot contacts plus single-foot ones; a two-foot contact that overlaps a single-foot contact is that
    foot's step seen through the lowest-foot signal and is dropped. Renumbers hops, sets flights (time with
    both feet off the ground before each touchdown, 0 when the previous contact had not ended; None for the
    first contact and after any of the ``breaks`` (s): stands, unseen touchdowns, detector restarts)."""
    keep = [c for c in both if not any(_same_contact(c, s) for s in singles)]
    merged = sorted(keep + singles, key=lambda c: c.touchdown_s)
    out: list[Contact] = []
    last_off: float | None = None
    breaks = breaks or []
    for n, c in enumerate(merged):
        if last_off is not None and any(last_off <= b <= c.touchdown_s for b in breaks):
            last_off = None  # a new set
        if c.side == "both":
            flight = c.flight_s if last_off is not None else None
        else:
            flight = None if last_off is None else max(0.0, c.touchdown_s - last_off)
        out.append(dataclasses.replace(c, flight_s=flight, extra=c.extra | {"hop": n + 1}))
        last_off = c.takeoff_s if last_off is None else max(last_off, c.takeoff_s)
    return out


@dataclass(frozen=True)
class _HipBounce:
    """The hips' bounce in a series' ordinary hops (leg lengths, s): median apex-to-bottom depth, median time from
    takeoff to the hips' apex and from the apex to touchdown, their robust spreads, and the median contact period."""

    depth_leg: float
    rise_s: float
    fall_s: float
    rise_sd_s: float
    fall_sd_s: float
    period_s: float


def _hip_bounce(contacts: list[Contact], t: NDArray[np.float64], hip: NDArray[np.float64]) -> _HipBounce | None:
    """The hips' bounce measured on the ordinary contacts: flights before them seen and contact times no longer
    than 1.5 times the median. None when fewer than :data:`HIDDEN_MIN_CONTACTS` give a measurement."""
    if len(contacts) < HIDDEN_MIN_CONTACTS + 1:
        return None
    gct_med = float(np.median([c.gct_s for c in contacts]))
    depth, rise, fall, period = [], [], [], []
    ordinary = HIDDEN_MIN_GCT_RATIO * gct_med
    for prev, c in itertools.pairwise(contacts):
        if c.gct_s > ordinary or prev.gct_s > ordinary or not c.touchdown_s > prev.takeoff_s:
            continue
        air = (t >= prev.takeoff_s) & (t <= c.touchdown_s) & np.isfinite(hip)
        ground = (t >= c.touchdown_s) & (t <= c.takeoff_s) & np.isfinite(hip)
        if air.sum() < 2 or not ground.any():
            continue
        k = int(np.flatnonzero(air)[np.argmax(hip[air])])
        t_apex = _hip_apex(t, hip, k, prev.takeoff_s, c.touchdown_s)
        depth.append(float(hip[k] - np.min(hip[ground])))
        rise.append(t_apex - prev.takeoff_s)
        fall.append(c.touchdown_s - t_apex)
        period.append(c.touchdown_s - prev.touchdown_s)
    if len(depth) < HIDDEN_MIN_CONTACTS:
        return None
    return _HipBounce(float(np.median(depth)), float(np.median(rise)), float(np.median(fall)),
                      _robust_sigma(np.asarray(rise), HIDDEN_MIN_CONTACTS),
                      _robust_sigma(np.asarray(fall), HIDDEN_MIN_CONTACTS), float(np.median(period)))


def _hip_apex(t: NDArray[np.float64], hip: NDArray[np.float64], k: int, t0: float, t1: float) -> float:
    """Time of the hips' apex (s): the vertex of a parabola fitted to the hip heights in ``[t0, t1]`` (a flight
    is ballistic), or the highest frame ``t[k]`` when fewer than four frames or no downward curvature."""
    m = (t >= t0) & (t <= t1) & np.isfinite(hip)
    if m.sum() < 4:
        return float(t[k])
    x = t[m] - t[k]
    c2, c1, _ = np.polyfit(x, hip[m], 2)
    if not c2 < 0:
        return float(t[k])
    return float(t[k] + np.clip(-c1 / (2 * c2), x.min(), x.max()))


def split_hidden_flights(contacts: list[Contact], t: NDArray[np.float64], hip: NDArray[np.float64], dt: float,
                         heel_of: Callable[[float, float, ContactSide], dict[str, Any]], depth_frac: float = 0.5,
                         min_gct_ratio: float = HIDDEN_MIN_GCT_RATIO,
                         min_depth_leg: float = 0.05, noise_k: float = 3.0) -> list[Contact]:
    """Split contacts that hold two bounces of the hips: a flight the feet did not show.

    One ground contact of a bouncing athlete holds one dip of the hips (landing, then push-off). When the feet
    clear the floor by less than the landmarks' noise (a jump-rope skipper clears it by 2-5 cm, 5 px at 480×360)
    the detector sees one long contact, while the hips, a large and steady target, still rise to a full apex and
    dip again. A contact at least ``min_gct_ratio`` times the set's median contact time is split at an apex of
    the hips inside it when the hips fall at least ``depth_frac`` of the set's typical bounce depth on both sides
    of it and the two dips are at least half the set's contact period apart. The hidden takeoff and touchdown are
    the apex minus and plus the median takeoff-to-apex and apex-to-touchdown times of the set's seen flights; their
    uncertainty is those times' robust spread and half a frame in quadrature. The events are marked with the
    method ``"hips"``.

    Parameters
    ----------
    contacts : list of Contact
        One series' contacts, in time order.
    t, hip : ndarray
        Frame times (s) and hip height (leg lengths, up positive, NaN where unseen).
    dt : float
        Frame period (s).
    heel_of : callable
        ``heel_of(t0_s, t1_s, side)`` gives the heel decision (:func:`heel_decision`) of a contact's frames.
    """
    hb = _hip_bounce(contacts, t, hip)
    d2 = np.diff(hip[np.isfinite(hip)], 2)
    noise = _robust_sigma(d2) / math.sqrt(6.0) if d2.size >= 10 else float("inf")
    if hb is None or not hb.depth_leg >= max(min_depth_leg, 2 * noise_k * noise):
        return contacts  # the hips do not visibly bounce on each hop (alternate-foot steps): nothing to read
    gct_med = float(np.median([c.gct_s for c in contacts]))
    unc_to = math.hypot(hb.rise_sd_s, dt / 2)
    unc_td = math.hypot(hb.fall_sd_s, dt / 2)
    out: list[Contact] = []
    todo = list(contacts)
    while todo:
        c = todo.pop(0)
        if c.gct_s < min_gct_ratio * gct_med:
            out.append(c)
            continue
        fr = np.flatnonzero((t >= c.touchdown_s) & (t <= c.takeoff_s) & np.isfinite(hip))
        if fr.size < 5 or any(d is not c and d.takeoff_s > c.touchdown_s and d.touchdown_s < c.takeoff_s
                              for d in contacts):
            out.append(c)  # another contact inside it: the hips' second dip may be that foot's landing
            continue
        x = hip[fr]
        best, m_best = 0.0, -1
        for m in range(1, fr.size - 1):
            left, right = int(np.argmin(x[:m])), m + 1 + int(np.argmin(x[m + 1:]))
            drop = min(x[m] - x[left], x[m] - x[right])
            apart_s = t[fr[right]] - t[fr[left]]
            if drop >= max(depth_frac * hb.depth_leg, noise_k * noise) and apart_s >= 0.5 * hb.period_s and drop > best:
                best, m_best = drop, m
        if m_best < 0:
            out.append(c)
            continue
        k_apex = int(fr[m_best])
        apex = _hip_apex(t, hip, k_apex, float(t[k_apex]) - hb.rise_s, float(t[k_apex]) + hb.fall_s)
        to1, td2 = apex - hb.rise_s, apex + hb.fall_s
        if not (to1 >= c.touchdown_s + dt and td2 <= c.takeoff_s - dt and td2 > to1):
            out.append(c)
            continue
        td_a = _Fit(c.touchdown_s, c.touchdown_unc_s, str(c.extra.get("touchdown_method", "frame")))
        to_b = _Fit(c.takeoff_s, c.takeoff_unc_s, str(c.extra.get("takeoff_method", "frame")))
        first = _contact(td_a, _Fit(to1, unc_to, "hips"), c.flight_s, heel_of(c.touchdown_s, to1, c.side), c.side)
        second = _contact(_Fit(td2, unc_td, "hips"), to_b, td2 - to1, heel_of(td2, c.takeoff_s, c.side), c.side)
        out.append(dataclasses.replace(first, extra=c.extra | first.extra))
        todo.insert(0, dataclasses.replace(second, extra=c.extra | second.extra))
    return out


def _events(contacts: list[Contact]) -> list[Event]:
    ev: list[Event] = []
    for c in contacts:
        hop = c.extra.get("hop")
        ev.append(Event("touchdown", c.touchdown_s, {"hop": hop, "unc_s": c.touchdown_unc_s}))
        if c.heel_touch:
            ev.append(Event("heel_touch", float(c.extra.get("heel_t_s") or c.touchdown_s),
                            {"hop": hop, "confidence": c.heel_confidence}))
        ev.append(Event("takeoff", c.takeoff_s, {"hop": hop, "gct_s": c.gct_s, "unc_s": c.takeoff_unc_s}))
        ev.append(Event("contact", c.touchdown_s, c.to_dict()))
    return ev


def _params_dict(p: ContactParams, det: OnlineContactDetector, dt: float) -> dict[str, Any]:
    return {
        "detector": asdict(p),
        "leg_px": det.leg_px,
        "sigma_leg_online": det.sigma,
        "low_leg": det.low,
        "high_leg": det.high,
        "swaps_repaired": det.swaps_repaired,
        "flat_pitch_deg": det.flat_pitch_deg,
        "flat_pitch_calibrated": det.flat_calibrated,
        "flat_reference": {side: None if not det.flat.ok[f] else {
            "pitch_deg": round(float(det.flat.pitch_deg[f]), 2), "sigma_deg": round(float(det.flat.sigma_deg[f]), 2),
            "view_leg": round(float(det.flat.view_leg[f]), 3), "t_s": round(float(det.flat.t_s[f]), 3)}
            for f, side in enumerate(_SIDES)},
        "flat_rejected": det.flat_rejected,
        "frame_period_s": dt,
        "timing": "flight parabola intersected with the floor level (sub-frame); straight-line crossing fallback",
    }


def _theil_sen(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    i, j = np.triu_indices(x.size, 1)
    dx = x[j] - x[i]
    ok = dx != 0
    return float(np.median((y[j] - y[i])[ok] / dx[ok])) if ok.any() else float("nan")


def _summary(contacts: list[Contact], det: OnlineContactDetector, dt: float, ex: Exercise,
             unseen: list[OutOfView] | None = None) -> dict[str, Any]:
    n = len(contacts)
    s: dict[str, Any] = {
        "contacts": n,
        "frame_period_s": dt,
        "fps": 1.0 / dt if dt and np.isfinite(dt) else None,
        "standing_phases": sum(ph.standing for ph in det.phases),
        "swaps_repaired": det.swaps_repaired,
        "out_of_view": [u.to_dict() for u in (det.out_of_view if unseen is None else unseen)],
    }
    if n == 0:
        return s
    gct = np.array([c.gct_s for c in contacts])
    fl = np.array([c.flight_s for c in contacts if c.flight_s is not None])
    td_unc = np.array([c.touchdown_unc_s for c in contacts])
    to_unc = np.array([c.takeoff_unc_s for c in contacts])
    gct_unc = np.sqrt(td_unc**2 + to_unc**2)
    heel = [int(c.extra["hop"]) for c in contacts if c.heel_touch and c.extra.get("heel_judged")]  # as the cues
    s.update(
        median_gct_s=float(np.median(gct)),
        median_flight_s=float(np.median(fl)) if fl.size else None,
        gct_precision_s=float(np.median(gct_unc)),
        touchdown_precision_s=float(np.median(td_unc)),
        takeoff_precision_s=float(np.median(to_unc)),
        heel_touches=len(heel),
        heel_touch_hops=heel,
        heel_observable=bool(any(c.extra.get("heel_observable") for c in contacts)),
        heel_judged=bool(any(c.extra.get("heel_judged") for c in contacts)),
        heel_judged_contacts=sum(bool(c.extra.get("heel_judged")) for c in contacts),
        heel_reference="stand" if det.flat_calibrated else "none",
        hidden_flight_hops=[int(c.extra["hop"]) for c in _hidden(contacts)],
    )
    if fl.size:
        jh = G_M_S2 * np.median(fl) ** 2 / 8.0
        s.update(median_jump_height_m=float(jh), rsi=float(jh / np.median(gct)),
                 rsi_ft=float(np.median(fl) / np.median(gct)))
    if n >= 2:
        td = np.array([c.touchdown_s for c in contacts])
        intervals = np.diff(td)
        s["hop_frequency_hz"] = float(1.0 / np.median(intervals))
    if n >= 4:
        slope = _theil_sen(np.arange(n, dtype=float), gct)
        third = max(n // 3, 1)
        s.update(
            gct_drift_s_per_10_hops=10.0 * slope,
            gct_drift_pct_per_10_hops=100.0 * 10.0 * slope / float(np.median(gct)),
            gct_first_third_s=float(np.median(gct[:third])),
            gct_last_third_s=float(np.median(gct[-third:])),
        )
    return s


def _hidden(contacts: list[Contact]) -> list[Contact]:
    """Contacts whose landing was read from the hips (:func:`split_hidden_flights`): the feet did not show the
    flight before them."""
    return [c for c in contacts if c.extra.get("touchdown_method") == "hips"]


def fmt_duration(x_s: float, precision_s: float) -> str:
    """A duration rounded to what the measurement supports, e.g. ``"182 ms"`` or ``"about 180 ms (±20 ms)"``."""
    prec_ms = precision_s * 1000.0 if np.isfinite(precision_s) else 33.0
    ms = x_s * 1000.0
    if prec_ms <= 3.0:
        return f"{ms:.0f} ms"
    step = 5.0 if prec_ms <= 8.0 else (10.0 if prec_ms <= 20.0 else 20.0)
    tol = step * math.ceil(prec_ms / step)
    return f"about {step * round(ms / step):.0f} ms (±{tol:.0f} ms)"


def _hops_text(hops: list[int]) -> str:
    if len(hops) == 1:
        return f"hop {hops[0]}"
    return "hops " + ", ".join(str(h) for h in hops[:-1]) + f" and {hops[-1]}"


def _feedback(contacts: list[Contact], det: OnlineContactDetector, dt: float, ex: Exercise,
              unseen: list[OutOfView] | None = None) -> list[str]:
    unseen_cues = [unseen_cue(u, "contacts") for u in (det.out_of_view if unseen is None else unseen)]
    if not contacts:
        return ["No ground contacts found: film the whole body, feet included, from the side.", *unseen_cues]
    cues: list[str] = []
    gct = np.array([c.gct_s for c in contacts])
    prec = float(np.median(np.sqrt(np.array([c.touchdown_unc_s**2 + c.takeoff_unc_s**2 for c in contacts]))))
    prec = max(prec, 0.0)
    med = float(np.median(gct))
    cues.append(f"{len(contacts)} contacts, median contact time {fmt_duration(med, prec)}.")
    observable = any(c.extra.get("heel_observable") for c in contacts)
    judged = [c for c in contacts if c.extra.get("heel_judged")]
    heel = [int(c.extra["hop"]) for c in judged if c.heel_touch]
    unjudged = sum(bool(c.extra.get("heel_observable")) and not c.extra.get("heel_judged") for c in contacts)
    if not observable:
        cues.append("Heel touches not judged: the feet are not seen from the side.")
    elif not judged:
        cues.append("Heel touches not judged: no flat-foot reference. Stand still for a second before the set, "
                    "both feet flat and side-on to the camera.")
    else:
        note = (f" ({unjudged} contact{'s' if unjudged > 1 else ''} not judged: the feet were seen differently from "
                "the stand)") if unjudged else ""
        if heel:
            cues.append(f"Heels touched down on {_hops_text(heel)}{note}.")
        else:
            cues.append(f"Heels stayed up on every {'judged ' if unjudged else ''}contact{note}.")
    n = len(contacts)
    if n >= 6:
        third = n // 3
        first, last = float(np.median(gct[:third])), float(np.median(gct[-third:]))
        rise = (last - first) / first
        if rise >= 0.1 and last - first > 2 * prec:
            cues.append(f"Contact time rose from {fmt_duration(first, prec)} to {fmt_duration(last, prec)} over the "
                        "set: stop the set when it rises 20 %.")
    hidden = _hidden(contacts)
    if hidden:
        unc = float(np.median([c.touchdown_unc_s for c in hidden]))
        cues.append(f"Before {_hops_text([int(c.extra['hop']) for c in hidden])} the feet barely left the floor (less "
                    f"than the camera resolves): those flights were read from the hips, ±{1000 * unc:.0f} ms.")
    if ex.id in ("pogo_hops", "jump_rope") and med > 0.2 + prec:
        cues.append("Shorten contacts: aim below 200 ms.")
    if np.isfinite(dt) and dt > 1 / 100:
        cues.append(f"Timing precision about ±{1000 * prec:.0f} ms at {1 / dt:.0f} fps: film at 120-240 fps for "
                    "contact times to a few ms.")
    return cues + unseen_cues
