"""The hip region's vertical image motion, frame to frame, for the lifts whose reps the hip height drives.

A slow lowering starts and ends with the hip moving a fraction of a pixel per frame, and the phase fit of
:mod:`formcheck.reps` dates it from those first and last few per cent of the depth. MediaPipe's hip landmark is
noisier than that: its frame-to-frame motion differs from the rendered joint's by 0.34 px rms on a 640×360 squat,
and with its temporal smoothing on it lags a slow start by 0.15-0.2 s (docs/validation.md). The image around the
hip moves with the hip without either fault: corners within ``REGION_LEG`` leg lengths of MediaPipe's mid-hip, tracked
from each frame to the next with pyramidal Lucas-Kanade and kept when the backward track returns within
``FB_MAX_PX``, give a median vertical motion 0.06-0.11 px rms from the joint's on the same renders.

Summed over a set, those steps drift (the region's points are on the body's surface, not on the joint: 1-13 px over
20 s on renders), so :func:`formcheck.signals.complementary` takes the slow part of the hip height from the
landmarks and the fast part from the track. Pure array code, one step (:func:`track_step`) and two drivers that
hold only the previous frame: :class:`StreamingHipTracker` inside the pose stage, fed each frame with the landmarks
found so far, and :class:`HipTracker` on a second decode for landmarks that came without a track.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck import features as ft
from formcheck import signals as sg
from formcheck import skeleton as sk
from formcheck.types import HipTrack, Landmarks

FloatArray = NDArray[np.float64]

REGION_LEG = 0.25
"""Radius of the tracked region around MediaPipe's mid-hip (leg lengths): the pelvis, the top of the thighs and the
lower trunk."""
MAX_CORNERS = 80
"""Most corners tracked per frame pair."""
MIN_SPACING_LEG = 0.02
"""Least distance between two corners (leg lengths)."""
WINDOW_LEG = 0.1
"""Lucas-Kanade window side (leg lengths; 15 px on a 150 px leg, at least 9 px)."""
FB_MAX_PX = 0.3
"""A point is kept when tracking it back lands within this distance of where it started (px)."""
MIN_POINTS = 5
"""Fewest agreeing points for a frame pair's motion; fewer leave it NaN."""
MAX_GAP_S = 0.25
"""Landmark gaps up to this long are bridged to place the region; longer ones leave the frames untracked (s)."""


def track_step(a: NDArray[np.uint8], b: NDArray[np.uint8], centre: FloatArray, leg_px: float) -> tuple[float, int]:
    """Vertical motion (px) of the region around ``centre`` from grey frame ``a`` to grey frame ``b``, and the number of
    points that agreed; NaN with fewer than :data:`MIN_POINTS`.

    Parameters
    ----------
    a, b : (H, W) uint8
        Consecutive grey frames.
    centre : (2,) float
        MediaPipe's mid-hip in ``a`` (px).
    leg_px : float
        Leg length (px): sets the region's radius, the corners' spacing and the Lucas-Kanade window.
    """
    if not (np.all(np.isfinite(centre)) and np.isfinite(leg_px) and leg_px > 0):
        return float("nan"), 0
    r = int(round(REGION_LEG * leg_px))
    win = max(9, int(round(WINDOW_LEG * leg_px)) | 1)
    # a crop around the region: the corner detector would otherwise scan the whole frame; the margin holds the
    # Lucas-Kanade window at the coarsest pyramid level
    pad = r + 4 * win
    cx, cy = int(round(centre[0])), int(round(centre[1]))
    x0, y0 = max(0, cx - pad), max(0, cy - pad)
    x1, y1 = min(a.shape[1], cx + pad + 1), min(a.shape[0], cy + pad + 1)
    if x1 - x0 < 2 * win or y1 - y0 < 2 * win:
        return float("nan"), 0
    a, b = np.ascontiguousarray(a[y0:y1, x0:x1]), np.ascontiguousarray(b[y0:y1, x0:x1])
    mask = np.zeros(a.shape[:2], np.uint8)
    cv2.circle(mask, (cx - x0, cy - y0), r, 255, -1)
    p0 = cv2.goodFeaturesToTrack(a, MAX_CORNERS, 0.01, max(2.0, MIN_SPACING_LEG * leg_px), mask=mask)
    if p0 is None or len(p0) < MIN_POINTS:
        return float("nan"), 0
    lk = {"winSize": (win, win), "maxLevel": 2, "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)}
    p1, st, _ = cv2.calcOpticalFlowPyrLK(a, b, p0, None, **lk)  # type: ignore[call-overload]
    pb, st2, _ = cv2.calcOpticalFlowPyrLK(b, a, p1, None, **lk)  # type: ignore[call-overload]
    good = (st[:, 0] == 1) & (st2[:, 0] == 1) & (np.linalg.norm((pb - p0)[:, 0], axis=1) < FB_MAX_PX)
    n = int(good.sum())
    if n < MIN_POINTS:
        return float("nan"), n
    return float(np.median((p1 - p0)[good, 0, 1])), n


class HipTracker:
    """Offline driver: the hip region's motion in every frame of a video whose landmarks are known, fed grey frames
    in index order (a second decode of the clip).

    Parameters
    ----------
    lm : Landmarks
        The pose series of the video whose frames are pushed; its mid-hip places the region in each frame, its leg
        length (:func:`formcheck.features.robust_leg_length_px`) sizes it.
    """

    def __init__(self, lm: Landmarks) -> None:
        self._hip, self._leg = _mid_hip(lm)  # (x, y) per frame: the region's centre
        n = len(lm)
        self._dy = np.full(n, np.nan)
        self._points = np.zeros(n, np.int64)
        self._prev: tuple[int, NDArray[np.uint8]] | None = None

    def push(self, index: int, image: NDArray[np.uint8]) -> None:
        """Feed frame ``index`` (grey, ``(H, W)`` uint8); frames must come in increasing index order."""
        if not 0 <= index < len(self._dy):
            raise ValueError(f"frame {index} is not in the landmark series ({len(self._dy)} frames)")
        prev = self._prev
        self._prev = (index, image)
        if prev is not None and prev[0] == index - 1:
            self._dy[index], self._points[index] = track_step(prev[1], image, self._hip[index - 1], self._leg)

    def result(self) -> HipTrack:
        """The motion of every frame from the previous one (NaN where not tracked)."""
        return HipTrack(self._dy.copy(), self._points.copy())


LEG_WINDOW = 300
"""Frames of per-frame leg lengths the streaming driver keeps for its running leg length (90th percentile)."""


class StreamingHipTracker:
    """Streaming driver: the same step (:func:`track_step`) run inside the pose stage on each frame as it is decoded,
    with the landmarks found so far (no second decode).

    The region is placed at the previous frame's mid-hip (the last one seen within :data:`MAX_GAP_S`) and sized by
    the running 90th percentile of the per-frame leg lengths (the offline driver uses the whole series').
    """

    def __init__(self) -> None:
        self._dy: list[float] = []
        self._points: list[int] = []
        self._prev: NDArray[np.uint8] | None = None
        self._hip: FloatArray | None = None
        self._hip_t = -np.inf
        self._legs: deque[float] = deque(maxlen=LEG_WINDOW)

    def push(self, t_s: float, grey: NDArray[np.uint8], xy_px: FloatArray | None) -> None:
        """Feed the next frame: its time (s), grey pixels and its landmarks in pixels (``(33, 2)``; None when nobody
        was detected)."""
        dy, n = float("nan"), 0
        if self._prev is not None and self._hip is not None and t_s - self._hip_t <= MAX_GAP_S and self._legs:
            dy, n = track_step(self._prev, grey, self._hip, float(np.percentile(self._legs, 90)))
        self._dy.append(dy)
        self._points.append(n)
        self._prev = grey
        if xy_px is not None:
            hip = 0.5 * (xy_px[sk.LEFT_HIP] + xy_px[sk.RIGHT_HIP])
            if np.all(np.isfinite(hip)):
                self._hip, self._hip_t = hip, t_s
            leg = float(ft.leg_length_px(xy_px))
            if np.isfinite(leg) and leg > 0:
                self._legs.append(leg)

    def result(self) -> HipTrack:
        """The motion of every frame pushed so far from the previous one (NaN where not tracked)."""
        return HipTrack(np.array(self._dy, np.float64), np.array(self._points, np.int64))


MIN_AGREEMENT = 0.8
"""Least correlation between the track's fast part and the landmarks' (:func:`track_agreement`) for the track to be
used: the same threshold as the shoe pitch series."""
MAX_DISAGREEMENT_LEG_S = 0.1
"""Largest median speed difference between the track and the landmark hip (:func:`track_disagreement`, leg lengths
per second) for the track to be used. Rendered sets: 0.002-0.024; real squats 0.025-0.063, and 0.30 on a close-up
whose region did not follow the hip."""


def _mid_hip(lm: Landmarks) -> tuple[FloatArray, float]:
    """MediaPipe's mid-hip ``(x, y)`` in every frame (px; gaps up to :data:`MAX_GAP_S` bridged) and the leg length
    (px, :func:`formcheck.features.robust_leg_length_px`)."""
    xy = np.asarray(sg.interpolate_gaps(lm.t, lm.xy_px(), MAX_GAP_S), np.float64)
    return 0.5 * (xy[:, sk.LEFT_HIP] + xy[:, sk.RIGHT_HIP]), float(ft.robust_leg_length_px(xy))


def track_checks(lm: Landmarks, track: HipTrack) -> tuple[float, float]:
    """:func:`track_agreement` and :func:`track_disagreement` of one track, the landmarks' hip read once."""
    hip, leg = _mid_hip(lm)
    return _agreement(lm.t, hip[:, 1], track), _disagreement(lm.t, hip[:, 1], leg, track)


def track_disagreement(lm: Landmarks, track: HipTrack) -> float:
    """Median speed difference between the track and MediaPipe's mid-hip (low-passed at 3 Hz), in leg lengths per
    second (:func:`formcheck.signals.step_disagreement`); NaN when nothing was tracked."""
    hip, leg = _mid_hip(lm)
    return _disagreement(lm.t, hip[:, 1], leg, track)


def _disagreement(t: FloatArray, hip_y: FloatArray, leg: float, track: HipTrack) -> float:
    if len(t) < 4 or not np.isfinite(leg) or leg <= 0:
        return float("nan")
    d = sg.step_disagreement(t, hip_y, track.dy_px, leg)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def track_agreement(lm: Landmarks, track: HipTrack) -> float:
    """Correlation of the hip's fast motion (above :data:`formcheck.signals.TRACK_CROSSOVER_HZ`) in the track and
    in the landmarks: near 1 when the region followed the hip, low when it held still or tracked something else.

    NaN when fewer than a second of frames were tracked.
    """
    return _agreement(lm.t, _mid_hip(lm)[0][:, 1], track)


def _agreement(t: FloatArray, hip: FloatArray, track: HipTrack) -> float:
    ok = np.isfinite(track.dy_px) & np.isfinite(hip)
    if ok.sum() < max(3.0, sg.sample_rate_hz(t)):
        return float("nan")
    cum = np.cumsum(np.where(np.isfinite(track.dy_px), track.dy_px, 0.0))
    fast_track = cum - sg.lowpass_t(t, cum, sg.TRACK_CROSSOVER_HZ)
    fast_hip = hip - sg.lowpass_t(t, hip, sg.TRACK_CROSSOVER_HZ)
    both = np.isfinite(fast_hip)
    a, b = fast_track[both], fast_hip[both]
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])
