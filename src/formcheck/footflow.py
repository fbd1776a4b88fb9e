"""Shoe motion by optical flow: ground-contact events timed from the video frames, below a frame period.

MediaPipe's foot points are not fixed to the foot: during a contact their image height moves by 1-2 px as the
foot pitch changes, which costs a 240 fps touchdown 2-5 ms (docs/validation.md). The shoe's own texture is
fixed to the shoe. For each touchdown or takeoff that :mod:`formcheck.contacts` found from the landmarks (the
*estimate*) and each foot:

1. corners (``cv2.goodFeaturesToTrack``) are picked in a box of ``BOX_LEG`` leg lengths around MediaPipe's toe
   at the first frame of a window of ``WINDOW_S`` either side of the estimate, and followed frame to frame with
   pyramidal Lucas-Kanade;
2. points that move less than ``MIN_MOVE_LEG`` over the window (the floor, the background) are dropped;
3. each remaining point times the event on its own (:func:`point_event_s`): the event is where the point's
   motion changes from ballistic flight to the contact's motion. A parabola fitted to its image height on the
   flight side meets a line fitted on the ground side (the point's own contact motion: a point behind the toe
   keeps going down while the heel lowers after a forefoot landing, and rises before the toe leaves), re-centred
   once. Points arriving (or leaving) at less than ``MIN_SPEED_FRAC`` of the fast quarter's flight speed are not
   on the shoe: floor or background texture dragged along by the shoe's edge as it covers or uncovers it;
4. the event time is the median of the remaining points' times, its one-sigma uncertainty their robust spread over the
   square root of their number, plus in quadrature what they share: ``UNC_FLOOR_PX`` of image height at the points'
   median speed at the event (a contact level or a tracked position off by a fraction of a pixel moves every point's
   time alike, by that offset over the speed).

Each point carries its own contact motion, so every point of the shoe, not only the one that meets the floor,
dates the same instant: on the renderer's exact keypoints a constant contact level timed the heel point's
touchdown 8.4 ms late and the ankle's 5.2 ms, the line 0.4 and 0.2 ms (docs/validation.md). Points away from the
sole are as good as the sole's and better placed: next to the floor the floor's texture and the shoe's shadow
enter the tracking window (stop 16: using every moving point instead of the lowest third halved the touchdown
bias on the 240 fps renders). The median over points ignores the few that slid along an edge.
The flight side must hold ``MIN_FLIGHT_FRAMES`` frames between ``FLIGHT_SIDE_S``, so this only runs on
high-frame-rate video (:data:`MIN_FPS`, about 71 fps). Pure array code: frames come in as grey images keyed by
frame index (streamed from :func:`formcheck.video.open_video`), results go out as
:class:`~formcheck.types.ShoeEvents`, which :func:`formcheck.contacts.apply_shoe_events` uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck import skeleton as sk
from formcheck.types import Contact, Landmarks, ShoeEvents, contact_feet

FloatArray = NDArray[np.float64]

WINDOW_S = 0.08
"""Half-width of the window tracked around each estimated event (s)."""
FLIGHT_SIDE_S = (0.004, 0.06)
"""Flight-side samples used for the parabola: this far from the current event time (s)."""
GROUND_SIDE_S = (0.006, 0.04)
"""Ground-side samples that give a point's contact motion: this far from the current event time (s)."""
MIN_FLIGHT_FRAMES = 4
"""Fewest flight-side frames for a parabola (3 coefficients and one degree of freedom)."""
MIN_GROUND_FRAMES = 2
"""Fewest ground-side frames for a contact level (a constant: below ``LINE_GROUND_FRAMES``)."""
LINE_GROUND_FRAMES = 3
"""Fewest ground-side frames for a line (the contact's motion) instead of a constant level."""
MAX_CORRECTION_S = 0.03
"""A point whose re-timing moves the event further than this (s) has fitted something else; it is dropped."""
BOX_LEG = 0.12
"""Half-size of the box around MediaPipe's toe where shoe corners are picked (leg lengths)."""
MIN_MOVE_LEG = 0.01
"""Points whose image height changes less than this over the window (leg lengths) are the floor, not the shoe."""
MIN_SPEED_FRAC = 0.5
"""Points whose flight speed at the event is below this fraction of the fast quarter's are not on the shoe (floor
and background dragged by the shoe's edge as it covers or uncovers them) and do not time it."""
MIN_POINTS = 3
"""Fewest shoe points with a time for an event time."""
UNC_FLOOR_PX = 0.4
"""Uncertainty shared by all points of an event (px of image height, turned into time by the points' median speed),
added in quadrature to their spread. Per-foot errors times speed on 16 rendered sets at 120-240 fps: median 0.29 px,
p95 0.98 px; 0.4 px puts 71 % of 761 per-foot events within one sigma and 95 % within two (docs/validation.md). It
replaced 0.4 frame periods, which covered as many at 240 fps and 640x360 but was 1.7x too wide at 1280x720 (twice the
speed in px) and 1.6x at 120 fps (twice the frame period, same speed)."""
MAX_CORNERS = 40
"""Corners picked per foot and event."""
MIN_FPS = MIN_FLIGHT_FRAMES / (FLIGHT_SIDE_S[1] - FLIGHT_SIDE_S[0])
"""Lowest frame rate (frames / s) whose flight side can hold ``MIN_FLIGHT_FRAMES`` frames (about 71)."""

_LK = {"winSize": (9, 9), "maxLevel": 2,
       "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.001)}
_TOES = (sk.SIDE_INDEX["left"]["toe"], sk.SIDE_INDEX["right"]["toe"])
_HIPS = (sk.SIDE_INDEX["left"]["hip"], sk.SIDE_INDEX["right"]["hip"])
_ANKLES = (sk.SIDE_INDEX["left"]["ankle"], sk.SIDE_INDEX["right"]["ankle"])

TOUCHDOWN, TAKEOFF = 0, 1


@dataclass(frozen=True)
class ShoeRequest:
    """One event to time from the shoe.

    Attributes
    ----------
    kind : int
        0 touchdown, 1 takeoff.
    foot : int
        0 left, 1 right.
    estimate_s : float
        The landmark-based event time (s).
    """

    kind: int
    foot: int
    estimate_s: float


def requests_for(contacts: Sequence[Contact]) -> list[ShoeRequest]:
    """The touchdown and takeoff of every foot of every contact, at the contacts' landmark times."""
    return [ShoeRequest(kind, f, t_s) for c in contacts for f in contact_feet(c.side)
            for kind, t_s in ((TOUCHDOWN, c.touchdown_s), (TAKEOFF, c.takeoff_s))]


def usable(t: FloatArray) -> bool:
    """Whether the series' frame rate is high enough for shoe timing (median frame period, :data:`MIN_FPS`)."""
    return t.size > 1 and float(np.median(np.diff(t))) <= 1.0 / MIN_FPS


def window(t: FloatArray, estimate_s: float) -> tuple[int, int]:
    """Frame index range ``[a, b)`` tracked around an event estimate."""
    return int(np.searchsorted(t, estimate_s - WINDOW_S)), int(np.searchsorted(t, estimate_s + WINDOW_S))


def frames_needed(t: FloatArray, requests: Sequence[ShoeRequest]) -> set[int]:
    """Frame indices whose images :func:`time_events` needs."""
    need: set[int] = set()
    for r in requests:
        a, b = window(t, r.estimate_s)
        need.update(range(a, b))
    return need


def point_event_s(t: FloatArray, y: FloatArray, estimate_s: float, touchdown: bool) -> tuple[float, float] | None:
    """Event time (s) of one tracked point: its flight parabola meets its contact motion, re-centred once.

    Parameters
    ----------
    t : (F,) float64
        Frame times (s).
    y : (F,) float64
        The point's image height (px, y down; any offset).
    estimate_s : float
        Starting event time (s).
    touchdown : bool
        Flight before the event (touchdown) or after it (takeoff).

    Returns
    -------
    (t_s, speed_px_s): the event time (s) and the point's flight speed at it towards the floor (touchdown) or
    away from it (takeoff; px/s, negative when the point moves the other way), or None when a side has too few
    frames, the parabola never meets the contact motion, or the time moves more than ``MAX_CORRECTION_S`` from
    ``estimate_s``.

    Notes
    -----
    The contact motion is a straight line fitted to the ground side (``LINE_GROUND_FRAMES`` frames or more),
    else the side's median level: with the toe pinned, a point behind it moves at a nearly constant rate for the
    first tens of milliseconds of the contact (the heel lowering or rising), and the toe itself gives a flat line.
    """
    te, speed = estimate_s, 0.0
    for _ in range(2):
        d = t - te
        s0, s1 = FLIGHT_SIDE_S
        g0, g1 = GROUND_SIDE_S
        flight = ((d < -s0) & (d > -s1)) if touchdown else ((d > s0) & (d < s1))
        ground = ((d > g0) & (d < g1)) if touchdown else ((d < -g0) & (d > -g1))
        if flight.sum() < MIN_FLIGHT_FRAMES or ground.sum() < MIN_GROUND_FRAMES:
            return None
        parabola = np.polyfit(d[flight], y[flight], 2)
        c = parabola.copy()
        if ground.sum() >= LINE_GROUND_FRAMES:
            c[1:] -= np.polyfit(d[ground], y[ground], 1)
        else:
            c[2] -= float(np.median(y[ground]))
        r = np.roots(c)
        r = r[np.isreal(r)].real
        if not r.size:
            return None
        root = float(r[np.argmin(np.abs(r))])
        te += root
        if abs(te - estimate_s) > MAX_CORRECTION_S:
            return None
        speed = float(np.polyval(np.polyder(parabola), root)) * (1.0 if touchdown else -1.0)
    return te, speed


def track_corners(images: Sequence[NDArray[np.uint8]], toe_px: FloatArray, box_px: int) -> FloatArray | None:
    """(F, N, 2) positions (px) of the corners picked in a box of half-size ``box_px`` around ``toe_px`` in the
    first image, tracked through all with pyramidal Lucas-Kanade (only corners tracked in every image); None
    when the box is off the image or holds no corner."""
    h, w = images[0].shape[:2]
    x0, y0 = int(toe_px[0]) - box_px, int(toe_px[1]) - box_px
    mask = np.zeros((h, w), np.uint8)
    mask[max(y0, 0):max(y0 + 2 * box_px, 0), max(x0, 0):max(x0 + 2 * box_px, 0)] = 255
    if not mask.any():
        return None
    pts = cv2.goodFeaturesToTrack(images[0], MAX_CORNERS, 0.01, 2, mask=mask)
    if pts is None:
        return None
    cur = pts.reshape(-1, 1, 2).astype(np.float32)
    out = [cur.reshape(-1, 2).astype(np.float64)]
    ok = np.ones(len(cur), bool)
    for k in range(1, len(images)):
        cur, st, _ = cv2.calcOpticalFlowPyrLK(images[k - 1], images[k], cur, None,
                                              **_LK)  # type: ignore[call-overload]
        ok &= st.ravel() == 1
        out.append(cur.reshape(-1, 2).astype(np.float64))
    return np.asarray(out)[:, ok]


def time_event(t: FloatArray, images: Sequence[NDArray[np.uint8]], toe_px: FloatArray, leg_px: float,
               estimate_s: float, touchdown: bool) -> tuple[float, float, int]:
    """Time one event of one foot from the points tracked on its shoe.

    Parameters
    ----------
    t : (F,) float64
        Times (s) of the window's frames.
    images : sequence of (H, W) uint8
        The window's grey frames.
    toe_px : (2,) float64
        MediaPipe's toe (x, y) in the first frame (px).
    leg_px : float
        Leg length (px).
    estimate_s : float
        The landmark-based event time (s).
    touchdown : bool
        Touchdown or takeoff.

    Returns
    -------
    (t_s, unc_s, n_points): the event time and its one-sigma uncertainty (s), NaN when fewer than
    ``MIN_POINTS`` shoe points time it, and the number that did.
    """
    nan = (float("nan"), float("nan"), 0)
    if len(images) < MIN_FLIGHT_FRAMES + MIN_GROUND_FRAMES or not np.isfinite(toe_px).all() or not leg_px > 0:
        return nan
    p = track_corners(images, toe_px, max(int(round(BOX_LEG * leg_px)), 4))
    if p is None:
        return nan
    y = p[:, :, 1]
    y = y[:, np.ptp(y, axis=0) > MIN_MOVE_LEG * leg_px]
    if y.shape[1] < MIN_POINTS:
        return nan
    found = [x for x in (point_event_s(t, y[:, i], estimate_s, touchdown) for i in range(y.shape[1])) if x is not None]
    if len(found) < MIN_POINTS:
        return float("nan"), float("nan"), len(found)
    ts, speed = np.array(found).T
    keep = speed >= MIN_SPEED_FRAC * np.quantile(speed, 0.75)
    ts, speed = ts[keep], speed[keep]
    if ts.size < MIN_POINTS or not float(np.median(speed)) > 0:  # no shoe moving towards the floor (or away)
        return float("nan"), float("nan"), int(ts.size)
    med = float(np.median(ts))
    spread = 1.4826 * float(np.median(np.abs(ts - med)))
    # 1.2533: the median's efficiency; the floor is what the points share, an offset in image height over their speed
    unc = float(np.hypot(1.2533 * spread / np.sqrt(ts.size), UNC_FLOOR_PX / float(np.median(speed))))
    return med, unc, int(ts.size)


def leg_length_px(lm: Landmarks) -> float:
    """Median hip-to-ankle distance over both legs and every frame (px)."""
    p = lm.xy_px()
    d = np.linalg.norm(p[:, _HIPS] - p[:, _ANKLES], axis=2)
    return float(np.nanmedian(d)) if np.isfinite(d).any() else float("nan")


def check_frame(t: FloatArray, idx: int, t_s: float) -> None:
    """Raise ValueError unless frame ``idx`` at ``t_s`` (s) is frame ``idx`` of the series with times ``t``."""
    if idx >= len(t) or abs(t_s - float(t[idx])) > 1e-4:
        raise ValueError(f"frame {idx} at {t_s:.6f} s is not the landmark series' frame {idx}")


def time_events(lm: Landmarks, frames: Iterable[tuple[int, float, NDArray[np.uint8]]],
                requests: Sequence[ShoeRequest]) -> ShoeEvents:
    """Time ``requests`` from the shoes in a stream of ``lm``'s frames.

    Parameters
    ----------
    lm : Landmarks
        The series the requests were found in (toe positions, leg length, frame times).
    frames : iterable of (index, t_s, image)
        Grey (H, W) uint8 frames in index order; only the frames of the requests' windows (:func:`frames_needed`)
        are needed, and only those of the windows still open are held.
    requests : sequence of ShoeRequest

    Returns
    -------
    One row per request, in order; NaN where a window lacks a frame or the toe landmark, or the shoe could not
    time the event (see the module docstring).

    Raises
    ------
    ValueError
        A frame's time differs from ``lm.t`` at its index (the frames are not the series' frames).
    """
    p = lm.xy_px()
    leg = leg_length_px(lm)
    wins = [window(lm.t, r.estimate_s) for r in requests]
    res: list[tuple[float, float, int]] = [(float("nan"), float("nan"), 0)] * len(requests)
    todo = sorted(range(len(requests)), key=lambda n: wins[n][1])
    held: dict[int, NDArray[np.uint8]] = {}
    for idx, t_s, image in frames:
        check_frame(lm.t, idx, t_s)
        if any(a <= idx < b for a, b in (wins[n] for n in todo)):
            held[idx] = image
        while todo and wins[todo[0]][1] - 1 <= idx:
            n = todo.pop(0)
            res[n] = _time_request(lm.t, p, leg, held, wins[n], requests[n])
        first = min((wins[n][0] for n in todo), default=idx + 1)
        for k in [k for k in held if k < first]:
            del held[k]
    rows = [(r.kind, r.foot, r.estimate_s, *x) for r, x in zip(requests, res, strict=True)]
    cols = list(zip(*rows, strict=True)) if rows else [()] * 6
    return ShoeEvents(*(np.asarray(c) for c in cols))


def _time_request(t: FloatArray, p: FloatArray, leg: float, held: Mapping[int, NDArray[np.uint8]],
                  win: tuple[int, int], r: ShoeRequest) -> tuple[float, float, int]:
    """:func:`time_event` for one request, from the held frames of its window."""
    a, b = win
    if b <= a or any(k not in held for k in range(a, b)):
        return float("nan"), float("nan"), 0
    toe = p[a:min(a + 3, b), _TOES[r.foot]]
    toe = toe[np.isfinite(toe).all(axis=1)]
    if not toe.size:
        return float("nan"), float("nan"), 0
    return time_event(t[a:b], [held[k] for k in range(a, b)], toe[0], leg, r.estimate_s, r.kind == TOUCHDOWN)
