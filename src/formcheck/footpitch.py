"""Foot pitch from the video: each contact's shoe registered against the same shoe standing flat.

Whether the heel reached the floor is a question of a few degrees of foot pitch (a heel kept 2.5 cm up on a
26 cm foot is 5.5°), and MediaPipe's heel and toe points read it with a bias that changes with the posture: the
stand's flat foot and a bent-knee landing's flat foot differ by 2-4° on rendered hops, so a fixed threshold
misjudged 32 of 180 rendered contacts (docs/validation.md). The shoe's image does not have that bias. For the foot
nearer the camera during the contacts (its sole lower in the image), on a standing phase of that foot with the
foot flat (landmark pitch within ``FLAT_MAX_DEG``):

1. the *template* is the mean of the stand's frames over a box around the shoe's sole (``MARGIN_FOOT`` of the
   heel-toe length before and behind it, ``ABOVE_FOOT`` above the sole line, ``BELOW_FOOT`` below it): the sole,
   the lower shoe and the floor line under it, not the shin;
2. each frame of a contact is registered to the template with OpenCV's ECC (rotation and translation), starting
   from MediaPipe's heel-toe angle and toe position and from the previous frame's result, the better correlation
   kept; frames whose correlation is below ``MIN_CC_RATIO`` of the contact's median are dropped (ECC that
   wandered off the shoe);
3. the rotation is the pitch relative to flat; the contact's pitch is the lowest median over windows of
   ``WINDOW_S`` (at least 3 frames), as ``heel_smooth_s`` for the landmark decision in :mod:`formcheck.contacts`.

The uncertainty is the window's noise (from the frames' scatter) and ``SYS_DEG`` in quadrature. The still floor
and wall inside the box hold the registration back by about 5 % of the pitch (14° reads 13.3° on a synthetic
shoe), which matters little next to a 3° threshold. Needs a stand of the nearer foot (the flat reference of
:mod:`formcheck.contacts`) and a side view (a foot at least ``MIN_FOOT_PX`` long in the image); contacts where
the measured foot is not the nearer one are left out, and :func:`formcheck.contacts.apply_shoe_pitch` ignores a
reading far from the landmarks'. Otherwise the landmark decision stands. Pure array code: grey frames come in
as a stream keyed by frame index (:class:`PitchMeter`), only small crops are held.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck import signals as sg
from formcheck import skeleton as sk
from formcheck.features import foot_pitch_deg
from formcheck.types import Contact, FootPitchSeries, Landmarks, ShoePitch

FloatArray = NDArray[np.float64]

MARGIN_FOOT = 0.3
"""Template box: this far before the toe and behind the heel (heel-toe lengths)."""
ABOVE_FOOT = 0.2
"""Template box: this far above the sole line (heel-toe lengths); higher, the shin turns with the knee."""
BELOW_FOOT = 0.15
"""Template box: this far below the sole line (heel-toe lengths): the floor line the sole rests on."""
SEARCH_FOOT = 0.5
"""Crop held per contact frame: the template box moved with MediaPipe's toe, widened by this (heel-toe lengths)."""
STAND_HALF_S = 0.1
"""Stand frames averaged into the template: this far either side of the stand's middle (s)."""
MIN_FOOT_PX = 12.0
"""Shortest heel-toe length in the image (px) worth registering (a front view or a tiny athlete is not)."""
MIN_CC_RATIO = 0.9
"""Frames whose ECC correlation is below this fraction of the contact's median are dropped."""
SYS_DEG = 1.0
"""Systematic uncertainty of a registered pitch (deg): flat heel-touch contacts of the eight development renders read
-0.8 to +1.4° (docs/validation.md)."""
FLAT_MAX_DEG = 15.0
"""The stand's foot is a template only when its landmark pitch is within this of 0° (deg), as
``ContactParams.flat_max_deg``: MediaPipe reads a flat foot at 0-9°."""
SERIES_ABOVE_FOOT = 0.35
"""Template box of a pitch series (:class:`SeriesMeter`): this far above the sole line (heel-toe lengths). Chosen
from 0.2, 0.35 and 0.5 on eight development renders of tib and calf raises (docs/validation.md); more of the shoe's
upper outweighs the still floor and wall in the box, which pull the registration towards flat."""
SERIES_BELOW_FOOT = 0.15
"""Template box of a pitch series: this far below the sole line (heel-toe lengths)."""
MIN_AGREEMENT = 0.8
"""A pitch series whose correlation with the landmarks' pitch of the same foot is below this is not used: 0.96-0.995
on ten rendered tib and calf raise sets (docs/validation.md)."""
SERIES_FOOT_PX = 36.0
"""A pitch series is registered with the images scaled down so that the foot is at most this long (px)."""
WINDOW_S = 0.03
"""Window over which the pitch is summarised (s, at least 3 frames); as ``ContactParams.heel_smooth_s``."""
LEG_MASK_FOOT = 0.25
"""A contact's registration leaves out the lower leg: MediaPipe's knee-to-ankle line, this far either side of it
(heel-toe lengths), in the template and in every frame. With the knee bent on a landing the shin's image moves over
the top of the shoe; on one rendered athlete it reached 0.1 foot lengths above the sole and pulled every reading
4-5° towards toes-up (heel touches at -3.4 and -4.2°, heels kept up at 0.7-3.2°; docs/validation.md)."""

_ECC_CRITERIA = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
_HEELS = (sk.SIDE_INDEX["left"]["heel"], sk.SIDE_INDEX["right"]["heel"])
_TOES = (sk.SIDE_INDEX["left"]["toe"], sk.SIDE_INDEX["right"]["toe"])
_KNEES = (sk.SIDE_INDEX["left"]["knee"], sk.SIDE_INDEX["right"]["knee"])
_ANKLES = (sk.SIDE_INDEX["left"]["ankle"], sk.SIDE_INDEX["right"]["ankle"])


@dataclass(frozen=True)
class PitchPlan:
    """What to measure: the stand's frames, the foot, the template box and each contact's frames (none for a pitch
    series, :func:`series_plan`).

    Attributes
    ----------
    foot : int
        0 left, 1 right: the foot nearer the camera (its sole lower in the image).
    stand : (int, int)
        Frame index range ``[a, b)`` averaged into the template.
    box : (int, int, int, int)
        Template box ``x0, y0, x1, y1`` (px) in the stand's frames.
    heel_px, toe_px : (2,) float
        The foot's heel and toe on the stand (px, median over the stand frames).
    contacts : list of (touchdown_s, takeoff_s, a, b)
        Each contact and its frame index range ``[a, b)``.
    feet : tuple of int
        The foot measured in each contact (0 left, 1 right; :func:`box_plan`); empty: ``foot`` in every one.
    """

    foot: int
    stand: tuple[int, int]
    box: tuple[int, int, int, int]
    heel_px: FloatArray
    toe_px: FloatArray
    contacts: list[tuple[float, float, int, int]] = field(default_factory=list)
    feet: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.feet and len(self.feet) != len(self.contacts):
            raise ValueError(f"PitchPlan.feet: {len(self.feet)} feet for {len(self.contacts)} contacts")

    def foot_of(self, n: int) -> int:
        """The foot measured in contact ``n``."""
        return self.feet[n] if self.feet else self.foot

    @property
    def foot_px(self) -> float:
        """Heel-toe length on the stand (px)."""
        return float(np.hypot(*(self.toe_px - self.heel_px)))

    def frames_needed(self) -> set[int]:
        """Frame indices whose images :class:`PitchMeter` needs."""
        need = set(range(*self.stand))
        for _, _, a, b in self.contacts:
            need.update(range(a, b))
        return need


def plan(lm: Landmarks, contacts: Sequence[Contact], stand_t_s: Sequence[float]) -> PitchPlan | None:
    """The measurement plan for ``contacts``, given the middle of each foot's flat stand (s, NaN: none).

    The foot measured is the one nearer the camera during the contacts (its sole lower in the image on most
    contact frames); it needs a stand of its own. Contacts where it is not the lower foot (the athlete turned)
    are left out (no frames). None when there is no contact, the nearer foot has no stand or is not seen on it,
    or it is shorter than :data:`MIN_FOOT_PX` in the image or not seen from the side.
    """
    if not contacts or len(lm.t) < 2:
        return None
    t = lm.t
    px = lm.xy_px()
    sole = np.maximum(px[:, list(_HEELS), 1], px[:, list(_TOES), 1])  # (T, 2) lowest foot point, image row
    spans = [(int(np.searchsorted(t, c.touchdown_s)), int(np.searchsorted(t, c.takeoff_s, side="right")))
             for c in contacts]
    diff = np.concatenate([sole[ca:cb, 1] - sole[ca:cb, 0] for ca, cb in spans])  # right below left: > 0
    diff = diff[np.isfinite(diff)]
    if diff.size == 0 or np.median(diff) == 0:
        return None
    foot = int(np.median(diff) > 0)
    st = float(stand_t_s[foot])
    if not math.isfinite(st):
        return None
    stand = _stand_box(lm, px, foot, st, ABOVE_FOOT, BELOW_FOOT)
    if stand is None:
        return None
    (a, b), box, h, s = stand
    sign = 1.0 if foot == 1 else -1.0
    rows = []
    for c, (ca, cb) in zip(contacts, spans, strict=True):
        d = sign * (sole[ca:cb, 1] - sole[ca:cb, 0])
        d = d[np.isfinite(d)]
        if d.size == 0 or np.median(d) <= 0:  # the measured foot is not the nearer one here
            ca = cb
        rows.append((float(c.touchdown_s), float(c.takeoff_s), ca, cb))
    return PitchPlan(foot, (a, b), box, h, s, rows)


def _stand_box(lm: Landmarks, px: FloatArray, foot: int, mid_s: float, above: float, below: float
               ) -> tuple[tuple[int, int], tuple[int, int, int, int], FloatArray, FloatArray] | None:
    """The stand's frames ``[a, b)`` (``STAND_HALF_S`` either side of ``mid_s``), the template box and the median
    heel and toe there (px); None when the foot is not seen, not flat, too small or not seen from the side, or the
    box leaves the frame."""
    t = lm.t
    a = int(np.searchsorted(t, mid_s - STAND_HALF_S))
    b = max(int(np.searchsorted(t, mid_s + STAND_HALF_S)), a + 1)
    heels, toes = px[a:b, _HEELS[foot]], px[a:b, _TOES[foot]]
    ok = np.isfinite(heels).all(axis=1) & np.isfinite(toes).all(axis=1)
    if not ok.any():
        return None
    h, s = np.median(heels[ok], axis=0), np.median(toes[ok], axis=0)
    if abs(math.degrees(math.atan2(s[1] - h[1], abs(s[0] - h[0])))) > FLAT_MAX_DEG:  # on its toes, toes raised
        return None
    fl = float(np.hypot(*(s - h)))
    if fl < MIN_FOOT_PX or abs(s[0] - h[0]) < 0.8 * fl:  # too small, or not seen from the side
        return None
    y_sole = max(h[1], s[1])
    x0 = int(math.floor(min(h[0], s[0]) - MARGIN_FOOT * fl))
    x1 = int(math.ceil(max(h[0], s[0]) + MARGIN_FOOT * fl))
    y0 = int(math.floor(y_sole - above * fl))
    y1 = int(math.ceil(y_sole + below * fl))
    if x0 < 0 or y0 < 0 or x1 > lm.meta.width or y1 > lm.meta.height:
        return None
    return (a, b), (x0, y0, x1, y1), h.astype(np.float64), s.astype(np.float64)


def _crop(image: NDArray[np.uint8], box: tuple[float, float, float, float], shift_px: FloatArray, margin_px: float
          ) -> tuple[NDArray[np.uint8], FloatArray] | None:
    """A copy of ``image`` over ``box`` moved by ``shift_px`` and widened by ``margin_px``, and its top-left
    corner (px); None when the frame's edge cuts it smaller than the box."""
    x0, y0, x1, y1 = box
    cx0 = max(int(math.floor(x0 + shift_px[0] - margin_px)), 0)
    cy0 = max(int(math.floor(y0 + shift_px[1] - margin_px)), 0)
    cx1 = min(int(math.ceil(x1 + shift_px[0] + margin_px)), image.shape[1])
    cy1 = min(int(math.ceil(y1 + shift_px[1] + margin_px)), image.shape[0])
    if cx1 - cx0 < x1 - x0 or cy1 - cy0 < y1 - y0:
        return None
    return image[cy0:cy1, cx0:cx1].copy(), np.array([cx0, cy0], np.float64)


class PitchMeter:
    """Streaming consumer of grey frames: holds the stand's template sum and small crops of the contact frames.

    Feed every frame of :meth:`PitchPlan.frames_needed` (any order) to :meth:`push`, then call :meth:`result`.
    """

    def __init__(self, lm: Landmarks, p: PitchPlan) -> None:
        self.plan = p
        self.t = lm.t
        px = lm.xy_px()
        self.heel = px[:, list(_HEELS)]  # (T, 2 feet, 2)
        self.toe = px[:, list(_TOES)]
        self.legs = (px[:, list(_KNEES)], px[:, list(_ANKLES)])
        self._contact_of: dict[int, int] = {}
        for n, (_, _, a, b) in enumerate(p.contacts):
            for k in range(a, b):
                self._contact_of.setdefault(k, n)
        self._stand_sum: NDArray[np.float64] | None = None
        self._stand_n = 0
        self._crops: dict[int, tuple[NDArray[np.uint8], FloatArray]] = {}

    def push(self, idx: int, image: NDArray[np.uint8]) -> None:
        """Take frame ``idx`` (grey (H, W) uint8) if the plan needs it."""
        x0, y0, x1, y1 = self.plan.box
        if self.plan.stand[0] <= idx < self.plan.stand[1]:
            patch = image[y0:y1, x0:x1].astype(np.float64)
            self._stand_sum = patch if self._stand_sum is None else self._stand_sum + patch
            self._stand_n += 1
        toe = self.toe[idx, self.plan.foot_of(self._contact_of[idx])] if idx in self._contact_of else None
        if toe is not None and np.isfinite(toe).all():
            got = _crop(image, self.plan.box, toe - self.plan.toe_px, SEARCH_FOOT * self.plan.foot_px)
            if got is not None:
                self._crops[idx] = got

    def result(self) -> ShoePitch:
        """One row per contact of the plan; NaN where a contact had too few registered frames (or no stand)."""
        p = self.plan
        n = len(p.contacts)
        out = {"min": np.full(n, np.nan), "sig": np.full(n, np.nan), "t": np.full(n, np.nan),
               "k": np.zeros(n, np.int32)}
        if self._stand_sum is not None and self._stand_n > 0:
            tmpl = (self._stand_sum / self._stand_n).astype(np.float32)
            org = np.array(p.box[:2], np.float64)
            sa, sb = p.stand
            with np.errstate(all="ignore"):
                knee, ankle = (np.nanmedian(x[sa:sb, p.foot], axis=0) if np.isfinite(x[sa:sb, p.foot]).any()
                               else np.full(2, np.nan) for x in self.legs)
            tmask = leg_mask(tmpl.shape, knee - org, ankle - org, LEG_MASK_FOOT * p.foot_px)
            for c, (_, _, a, b) in enumerate(p.contacts):
                f = p.foot_of(c)
                legs = (tmask, self.legs[0][:, f], self.legs[1][:, f], LEG_MASK_FOOT * p.foot_px)
                got, _ = _register_crops(tmpl, p.heel_px - org, p.toe_px - org,
                                         [(k, *self._crops[k]) for k in range(a, b) if k in self._crops],
                                         self.heel[:, f], self.toe[:, f], legs=legs)
                if got.shape[0] == 0:
                    continue
                res = summarise(self.t[got[:, 0].astype(int)], got[:, 1], got[:, 2])
                if res is not None:
                    out["min"][c], out["sig"][c], out["t"][c], out["k"][c] = res
        td = np.array([c[0] for c in p.contacts], np.float64)
        to = np.array([c[1] for c in p.contacts], np.float64)
        feet = np.array([p.foot_of(c) for c in range(n)], np.int8)
        return ShoePitch(td, to, feet, out["min"], out["sig"], out["t"], out["k"])


def series_plan(lm: Landmarks, stand_s: float) -> PitchPlan | None:
    """The plan of a pitch series (a :class:`PitchPlan` without contacts) whose flat reference is the stand around
    ``stand_s`` (s).

    The foot measured is the one whose sole is lower in the image over the stand (the nearer one in a side view).
    None when the stand holds no frame of it, the foot is not flat there, is shorter than :data:`MIN_FOOT_PX` or is
    not seen from the side, or the template box leaves the frame.
    """
    if len(lm.t) < 2 or not math.isfinite(stand_s):
        return None
    px = lm.xy_px()
    a = int(np.searchsorted(lm.t, stand_s - STAND_HALF_S))
    b = max(int(np.searchsorted(lm.t, stand_s + STAND_HALF_S)), a + 1)
    sole = np.maximum(px[a:b, list(_HEELS), 1], px[a:b, list(_TOES), 1])
    diff = sole[:, 1] - sole[:, 0]  # right below left: > 0
    diff = diff[np.isfinite(diff)]
    if diff.size == 0 or np.median(diff) == 0:
        return None
    foot = int(np.median(diff) > 0)
    stand = _stand_box(lm, px, foot, stand_s, SERIES_ABOVE_FOOT, SERIES_BELOW_FOOT)
    if stand is None:
        return None
    (a, b), box, h, s = stand
    return PitchPlan(foot, (a, b), box, h, s)


BOX_LEAD_FRAC = 0.2
"""The foot on the box is the one whose ankle is higher in the image over this first fraction of its window."""


def box_plan(lm: Landmarks, windows: Sequence[tuple[float, float]], base: PitchPlan) -> PitchPlan:
    """The plan that measures the foot on a step-up box in each of ``windows`` (start, end in s) against the shoe
    standing flat on the floor in ``base`` (:func:`series_plan` of the stand).

    The template is the nearer shoe's on the stand (``base``); in each window the foot measured is the
    one whose ankle is higher in the image over its first :data:`BOX_LEAD_FRAC` (the lead foot, on the box, whichever
    label the model gives it; the trailing one is still on the floor). Seen from the side a left and a right shoe
    show the same outline, so the far foot is registered against the near one's template. Each window is measured
    like a contact (:class:`PitchMeter`): its lowest windowed pitch says whether the heel came down on the box.
    """
    t = lm.t
    px = lm.xy_px()
    ankle_y = px[:, list(_ANKLES), 1]  # (T, 2) image row: smaller is higher
    rows, feet = [], []
    for w0, w1 in windows:
        a, b = int(np.searchsorted(t, w0)), int(np.searchsorted(t, w1, side="right"))
        head = ankle_y[a:a + max(1, int(math.ceil(BOX_LEAD_FRAC * (b - a))))]
        ok = np.isfinite(head).all(axis=1)
        if b <= a or not ok.any():
            rows.append((float(w0), float(w1), a, a))  # nothing to measure
            feet.append(base.foot)
            continue
        feet.append(int(np.median(head[ok, 1]) < np.median(head[ok, 0])))
        rows.append((float(w0), float(w1), a, b))
    return dataclasses.replace(base, contacts=rows, feet=tuple(feet))


class SeriesMeter:
    """Streaming consumer of grey frames that registers the shoe of every frame against its flat stand.

    Feed the frames in order (any subset) to :meth:`push`; frames before the stand's end are held as small crops
    until the template is complete, later ones are registered as they come. Then call :meth:`result`.

    Every frame is scaled down over the same fixed region (the template box moved by every toe position of the set,
    widened by the search margin), and the template and every crop are cut from that scaled image at whole pixels:
    all of them sample one grid. A crop cut first and scaled down on its own samples a grid that moves with its corner
    (the corner follows MediaPipe's toe in whole pixels; the scale is not a whole number), and the registration of a
    still shoe then moved by 0.3-0.4° from frame to frame with the corner (docs/validation.md).
    """

    def __init__(self, lm: Landmarks, p: PitchPlan) -> None:
        self.plan = p
        px = lm.xy_px()
        self.toe = px[:, _TOES[p.foot]]
        self._pitch = np.full(len(lm.t), np.nan)
        self._cc = np.full(len(lm.t), np.nan)
        self._sum: NDArray[np.float64] | None = None
        self._n = 0
        self._tmpl: NDArray[np.float32] | None = None
        self._held: list[tuple[int, NDArray[np.uint8], FloatArray]] = []
        self._prev: NDArray[np.float32] | None = None
        # registered at a foot length of at most SERIES_FOOT_PX: the same blur and basin at every resolution
        s = self._scale = min(1.0, SERIES_FOOT_PX / p.foot_px)
        self._margin = SEARCH_FOOT * p.foot_px
        shift = self.toe - p.toe_px
        seen = np.isfinite(shift).all(axis=1)
        lo, hi = (shift[seen].min(axis=0), shift[seen].max(axis=0)) if seen.any() else (np.zeros(2), np.zeros(2))
        x0, y0, x1, y1 = p.box
        self._region = (max(int(math.floor(x0 + lo[0] - self._margin)), 0),
                        max(int(math.floor(y0 + lo[1] - self._margin)), 0),
                        min(int(math.ceil(x1 + hi[0] + self._margin)), lm.meta.width),
                        min(int(math.ceil(y1 + hi[1] + self._margin)), lm.meta.height))
        rx0, ry0 = self._region[:2]
        # the template: the box in the scaled region, at whole pixels of its grid
        tx0, ty0 = round(s * (x0 - rx0)), round(s * (y0 - ry0))
        self._tbox = (tx0, ty0, tx0 + max(round(s * (x1 - x0)), 1), ty0 + max(round(s * (y1 - y0)), 1))
        self._sbox = (s * (x0 - rx0), s * (y0 - ry0), s * (x1 - rx0), s * (y1 - ry0))  # the box in the scaled region
        # coordinates below are the frame's scaled by s: a pixel (u, v) of the scaled region is (s rx0 + u, s ry0 + v)
        self._org = np.array([s * rx0, s * ry0], np.float64)
        t_org = self._org + np.array(self._tbox[:2], np.float64)
        self._heel_t, self._toe_t = s * p.heel_px - t_org, s * p.toe_px - t_org
        self._heel_s, self._toe_s = s * px[:, _HEELS[p.foot]], s * self.toe  # the ECC starts

    def push(self, idx: int, image: NDArray[np.uint8]) -> None:
        """Take frame ``idx`` (grey (H, W) uint8)."""
        p = self.plan
        rx0, ry0, rx1, ry1 = self._region
        if rx1 <= rx0 or ry1 <= ry0 or image.shape[0] < ry1 or image.shape[1] < rx1:
            return
        region = self._resized(image[ry0:ry1, rx0:rx1])
        if p.stand[0] <= idx < p.stand[1]:
            tx0, ty0, tx1, ty1 = self._tbox
            patch = region[ty0:ty1, tx0:tx1].astype(np.float64)
            if patch.shape == (ty1 - ty0, tx1 - tx0):
                self._sum = patch if self._sum is None else self._sum + patch
                self._n += 1
        if np.isfinite(self.toe[idx]).all():
            got = _crop(region, self._sbox, self._scale * (self.toe[idx] - p.toe_px), self._scale * self._margin)
            if got is not None:
                self._held.append((idx, got[0], self._org + got[1]))
        if idx >= p.stand[1] - 1:
            self._flush()

    def _flush(self) -> None:
        if self._tmpl is None:
            if self._sum is None or self._n == 0:
                return
            self._tmpl = (self._sum / self._n).astype(np.float32)
        rows, self._prev = _register_crops(self._tmpl, self._heel_t, self._toe_t, self._held, self._heel_s,
                                           self._toe_s, self._prev)
        k = rows[:, 0].astype(int)
        self._pitch[k], self._cc[k] = rows[:, 1], rows[:, 2]
        self._held = []

    def _resized(self, img: NDArray[Any]) -> NDArray[Any]:
        if self._scale >= 1.0:
            return img
        return np.asarray(cv2.resize(img, None, fx=self._scale, fy=self._scale, interpolation=cv2.INTER_AREA))

    def result(self) -> FootPitchSeries:
        """The pitch of every frame relative to the stand (deg, heel up positive); NaN where the frame was not
        registered. The correlation is kept but not used to drop frames: it falls with the pitch itself (the shoe's
        shading and the floor it uncovers change; 0.99 flat, 0.84-0.92 at 20-28° on rendered raises)."""
        self._flush()
        return FootPitchSeries(self.plan.foot, self._pitch.copy(), self._cc.copy())


LOST_JUMP_DEG_S = 250.0
"""A pitch series that changes faster than this between two frames (deg/s) may have lost the shoe: the fastest change on
72 rendered tib and calf raise sets that kept it was 152 deg/s (codec steps at 60 fps), the jumps onto and off a wrong
solution 300-970 deg/s (docs/validation.md)."""
LOST_MAX_S = 3.0
"""A jump is paired with the next one of opposite sign within this long (s): the stretch between is a candidate."""
LOST_EXPLAINED = 0.5
"""A candidate stretch is the registration's own when the series' offset from the landmarks' pitch (scaled to the
series) inside it differs from the offset on either side by more than this fraction of the jump there."""
LOST_WINDOW_S = 0.1
"""The offset outside a candidate stretch is the median over this long (s) before and after it."""


def drop_lost_stretches(lm: Landmarks, series: FootPitchSeries) -> tuple[FootPitchSeries, int]:
    """``series`` without the stretches where the registration held a wrong solution, and how many frames went.

    The ECC registration can jump to a wrong solution (the shoe half-registered on the floor and the wall) and jump
    back a few tenths of a second later (a rendered tib raise: -20.3° to -4.5° in one frame at 30 fps, back 0.77 s
    later). Two consecutive jumps faster than :data:`LOST_JUMP_DEG_S`, of opposite sign and within :data:`LOST_MAX_S`,
    bound a candidate stretch. It is dropped (NaN) when the landmarks' pitch does not go with it: the series' offset
    from the landmarks' (scaled to the series by the ratio of their 5th-95th percentile ranges), its median inside the
    stretch, differs from its median over :data:`LOST_WINDOW_S` before and after by more than :data:`LOST_EXPLAINED`
    of the jump on that side. A fast genuine movement moves the landmarks too and is kept.
    """
    t = np.asarray(lm.t, np.float64)
    p = series.pitch_deg
    landmark = foot_pitch_deg(lm.xy_px(), ("left", "right")[series.foot])
    ok = np.isfinite(p) & np.isfinite(landmark)
    if ok.sum() < 10:
        return series, 0
    with np.errstate(invalid="ignore"):
        speed = np.diff(p) / np.maximum(np.diff(t), 1e-6)
    jumps = [int(i) for i in np.flatnonzero(np.abs(np.nan_to_num(speed)) > LOST_JUMP_DEG_S)]
    if not jumps:
        return series, 0
    span_p = float(np.subtract(*np.percentile(p[ok], [95, 5])))
    span_l = float(np.subtract(*np.percentile(landmark[ok], [95, 5])))
    scale = span_p / span_l if span_l > 0 else 0.0
    offset = p - scale * landmark

    def median_offset(a: int, b: int) -> float:
        v = offset[max(a, 0):min(b, t.size)]
        v = v[np.isfinite(v)]
        return float(np.median(v)) if v.size else float("nan")

    k = max(1, int(round(LOST_WINDOW_S * sg.sample_rate_hz(t))))
    out = p.copy()
    dropped = 0
    n = 0
    while n + 1 < len(jumps):
        i, j = jumps[n], jumps[n + 1]
        if t[j] - t[i] <= LOST_MAX_S and np.sign(speed[j]) != np.sign(speed[i]):
            inside = median_offset(i + 1, j + 1)
            before, after = median_offset(i + 1 - k, i + 1), median_offset(j + 1, j + 1 + k)
            if abs(inside - before) > LOST_EXPLAINED * abs(float(p[i + 1] - p[i])) and \
                    abs(inside - after) > LOST_EXPLAINED * abs(float(p[j + 1] - p[j])):  # frames i+1 .. j held it
                dropped += int(np.isfinite(out[i + 1:j + 1]).sum())
                out[i + 1:j + 1] = np.nan
                n += 2
                continue
        n += 1
    if not dropped:
        return series, 0
    return FootPitchSeries(series.foot, out, series.cc.copy()), dropped


def series_agreement(lm: Landmarks, series: FootPitchSeries) -> float:
    """Pearson correlation between a shoe pitch series and the same foot's landmark pitch (heel above toe), over the
    frames that have both; 0 when either does not vary. A registration that lost the shoe does not follow the
    landmarks' raises: below :data:`MIN_AGREEMENT` the series is not used."""
    landmark = foot_pitch_deg(lm.xy_px(), ("left", "right")[series.foot])
    ok = np.isfinite(landmark) & np.isfinite(series.pitch_deg)
    if ok.sum() < 3:
        return 0.0
    a, b = landmark[ok] - landmark[ok].mean(), series.pitch_deg[ok] - series.pitch_deg[ok].mean()
    den = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / den if den > 0 else 0.0


def rotation_pitch_deg(warp: NDArray[np.float32], heel: FloatArray, toe: FloatArray) -> float:
    """Pitch change (deg, heel up positive) that a 2x3 Euclidean ``warp`` applies to the heel-toe line."""
    m, tr = warp[:, :2].astype(np.float64), warp[:, 2].astype(np.float64)
    h2, s2 = m @ heel + tr, m @ toe + tr
    before = math.degrees(math.atan2(toe[1] - heel[1], abs(toe[0] - heel[0])))
    return math.degrees(math.atan2(s2[1] - h2[1], abs(s2[0] - h2[0]))) - before


def leg_mask(shape: tuple[int, ...], knee: FloatArray, ankle: FloatArray, half_width_px: float
             ) -> NDArray[np.uint8] | None:
    """ECC mask (255: use) of an image of ``shape`` without the pixels within ``half_width_px`` of the segment from
    ``knee`` to ``ankle`` (px, image coordinates; round ends); None when either point is missing."""
    if not (np.isfinite(knee).all() and np.isfinite(ankle).all()):
        return None
    m = np.full(shape[:2], 255, np.uint8)
    a = (int(round(float(knee[0]))), int(round(float(knee[1]))))
    b = (int(round(float(ankle[0]))), int(round(float(ankle[1]))))
    cv2.line(m, a, b, 0, max(1, int(round(2.0 * half_width_px))))
    return m


def register_frame(tmpl: NDArray[np.float32], toe_t: FloatArray, v0: FloatArray, img: NDArray[np.uint8],
                   org: FloatArray, heel_k: FloatArray, toe_k: FloatArray, prev: NDArray[np.float32] | None,
                   tmpl_mask: NDArray[np.uint8] | None = None, img_mask: NDArray[np.uint8] | None = None
                   ) -> tuple[float, NDArray[np.float32]] | None:
    """ECC registration of one crop to the template (Euclidean), the better of two starts.

    Parameters
    ----------
    tmpl : (h, w) float32
        Template (the standing shoe).
    toe_t, v0 : (2,) float
        The template's toe (px, template coordinates) and heel-to-toe vector (px).
    img : (H, W) uint8
        The crop; ``org`` (px) is its top-left corner in the frame.
    heel_k, toe_k : (2,) float
        MediaPipe's heel and toe in this frame (px; NaN: no landmark start).
    prev : (2, 3) float32 or None
        The previous frame's warp (template to frame coordinates): the second start.
    tmpl_mask, img_mask : (h, w) / (H, W) uint8 or None
        Pixels to use (non-zero) in the template and in the crop (:func:`leg_mask`); None: all.

    Returns
    -------
    (correlation, warp template to frame coordinates), or None when ECC converged from neither start.
    """
    inits = []
    if np.isfinite(heel_k).all() and np.isfinite(toe_k).all():
        v1 = toe_k - heel_k
        th = math.atan2(v1[1], v1[0]) - math.atan2(v0[1], v0[0])
        rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]])
        inits.append(np.hstack([rot, (toe_k - org - rot @ toe_t)[:, None]]).astype(np.float32))
    if prev is not None:  # the previous frame's warp, moved into this crop's coordinates
        inits.append(np.hstack([prev[:, :2], (prev[:, 2] - org)[:, None]]).astype(np.float32))
    best: tuple[float, NDArray[np.float32]] | None = None
    src = img.astype(np.float32)
    masked = tmpl_mask is not None or img_mask is not None
    for w0 in inits:
        try:
            if masked and hasattr(cv2, "findTransformECCWithMask"):  # OpenCV 5 (the one mediapipe brings)
                tm = np.full(tmpl.shape, 255, np.uint8) if tmpl_mask is None else tmpl_mask
                im = np.full(src.shape, 255, np.uint8) if img_mask is None else img_mask
                cc, found = cv2.findTransformECCWithMask(tmpl, src, tm, im, w0.copy(), cv2.MOTION_EUCLIDEAN,
                                                         _ECC_CRITERIA, 5)
            elif masked:  # older OpenCV: the frame's mask only
                cc, found = cv2.findTransformECC(tmpl, src, w0.copy(), cv2.MOTION_EUCLIDEAN, _ECC_CRITERIA, img_mask)
            else:
                cc, found = cv2.findTransformECC(tmpl, src, w0.copy(), cv2.MOTION_EUCLIDEAN, _ECC_CRITERIA, None)
        except cv2.error:  # did not converge
            continue
        w = np.asarray(found, np.float32)
        if np.isfinite(w).all() and (best is None or cc > best[0]):
            best = (float(cc), w)
    if best is None:
        return None
    return best[0], np.hstack([best[1][:, :2], (best[1][:, 2] + org)[:, None]]).astype(np.float32)


def _register_crops(tmpl: NDArray[np.float32], heel_t: FloatArray, toe_t: FloatArray,
                    crops: Sequence[tuple[int, NDArray[np.uint8], FloatArray]], heel_px: FloatArray,
                    toe_px: FloatArray, prev: NDArray[np.float32] | None = None,
                    legs: tuple[NDArray[np.uint8] | None, FloatArray, FloatArray, float] | None = None
                    ) -> tuple[FloatArray, NDArray[np.float32] | None]:
    """ECC registration of each crop to the template, in order, each started from the last one's warp (``prev``
    before the first): rows (frame index, pitch deg, correlation) and the last warp (template to frame coordinates).

    ``legs`` (template mask, knee and ankle per frame in px, half width in px) leaves the lower leg out
    (:data:`LEG_MASK_FOOT`).
    """
    rows = []
    v0 = toe_t - heel_t
    for k, img, org in crops:
        tm = im = None
        if legs is not None:
            tm, knee, ankle, half = legs
            im = leg_mask(img.shape, knee[k] - org, ankle[k] - org, half)
        got = register_frame(tmpl, toe_t, v0, img, org, heel_px[k], toe_px[k], prev, tm, im)
        if got is None:
            continue
        prev = got[1]
        rows.append((k, rotation_pitch_deg(got[1], heel_t, toe_t), got[0]))
    return np.array(rows, np.float64).reshape(-1, 3), prev


def summarise(t: FloatArray, pitch_deg: FloatArray, cc: FloatArray) -> tuple[float, float, float, int] | None:
    """Lowest windowed pitch of one contact from its registered frames.

    Frames with a correlation below ``MIN_CC_RATIO`` of the median are dropped; the rest are summarised by the
    median over windows of :data:`WINDOW_S` (at least 3 frames), and the lowest window wins. Its uncertainty is
    the median's standard error from the frames' scatter (robust, from second differences) and :data:`SYS_DEG`.

    Returns
    -------
    (min_pitch_deg, sigma_deg, heel_t_s, frames used), or None with fewer than 3 frames left.
    """
    keep = cc >= MIN_CC_RATIO * float(np.median(cc)) if cc.size else np.zeros(0, bool)
    t, v = t[keep], pitch_deg[keep]
    if v.size < 3:
        return None
    dt = float(np.median(np.diff(t)))
    n_w = min(max(3, int(round(WINDOW_S / dt))) if dt > 0 else 3, v.size)
    med = np.array([np.median(v[k:k + n_w]) for k in range(v.size - n_w + 1)])
    k = int(np.argmin(med))
    d2 = np.diff(v, 2)  # second differences: the noise, with less of the movement than first differences
    s1 = 1.4826 * float(np.median(np.abs(d2 - np.median(d2)))) / math.sqrt(6.0) if d2.size >= 2 else 1.0
    s_win = 1.2533 * max(s1, 0.05) / math.sqrt(n_w)  # a median's standard error
    return float(med[k]), math.hypot(s_win, SYS_DEG), float(np.mean(t[k:k + n_w])), int(v.size)
