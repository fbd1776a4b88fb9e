"""Stretches of a set in which the camera did not see what the analysis measures.

A rep exercise is read from a few landmarks (:data:`formcheck.features.SIGNAL_LANDMARKS`: the hips, knees and ankles
of a squat, the heels and toes of a calf raise), ground contacts from the feet. When some of them leave the picture
(the athlete walks towards the camera, steps to the side, or the camera is too close) MediaPipe still returns them,
extrapolated outside the image, and the signal becomes a guess: reps and contacts there are missed or mistimed without
any sign in the numbers. This module finds those stretches so that the report says so instead of silently counting
fewer.

One algorithm, two drivers: :class:`ViewWatch` takes one frame at a time (live mode emits a cue when a stretch has
lasted long enough to hide a rep) and :func:`out_of_view` runs the same watcher over a whole series.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck import skeleton as sk
from formcheck.features import SIGNAL_LANDMARKS

PART_OF: dict[int, str] = {
    sk.LEFT_SHOULDER: "shoulders", sk.RIGHT_SHOULDER: "shoulders",
    sk.LEFT_WRIST: "hands", sk.RIGHT_WRIST: "hands",
    sk.LEFT_HIP: "hips", sk.RIGHT_HIP: "hips",
    sk.LEFT_KNEE: "knees", sk.RIGHT_KNEE: "knees",
    sk.LEFT_ANKLE: "feet", sk.RIGHT_ANKLE: "feet", sk.LEFT_HEEL: "feet", sk.RIGHT_HEEL: "feet",
    sk.LEFT_FOOT_INDEX: "feet", sk.RIGHT_FOOT_INDEX: "feet",
}
"""Landmark index -> the body part named in the report."""

_PART_ORDER = ("shoulders", "hands", "hips", "knees", "feet")

JOIN_MAX_S = 0.5
"""A return to view shorter than this (s), and shorter than the stretch minimum, joins the stretches either side: an
athlete at the edge of the picture flickers in and out, and a shorter look shows no whole rep. Capped so that the
isolated dropped frames of a long set (1 % of frames, every few seconds) do not chain into one stretch when the
minimum is long (a 3 s hold)."""

_EPS_S = 1e-9
"""Slack (s) in the length comparisons: frame times are sums of periods (7.6 - 7.0 is 0.5999999999999996)."""


@dataclass(frozen=True)
class OutOfView:
    """A stretch in which the driving signal's landmarks were not all inside the picture.

    Attributes
    ----------
    start_s, end_s : float
        First frame out of view and the first frame back in view (or the last frame of the clip; media time, s).
    parts : tuple of str
        Body parts that were outside the picture at some point of the stretch (``"feet"``, ``"knees"``...,
        head to toe); empty when nobody was detected over the whole stretch.
    """

    start_s: float
    end_s: float
    parts: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.end_s >= self.start_s:
            raise ValueError(f"OutOfView: expected end_s >= start_s, got {self.start_s}, {self.end_s}")

    @property
    def duration_s(self) -> float:
        """Length of the stretch (s)."""
        return self.end_s - self.start_s

    def overlap_s(self, start_s: float, end_s: float) -> float:
        """Time (s) the interval ``[start_s, end_s]`` shares with this stretch (0 when none)."""
        return max(0.0, min(end_s, self.end_s) - max(start_s, self.start_s))

    def what(self) -> str:
        """Words for the report: ``"the knees and feet were out of the picture"`` or ``"nobody was seen"``."""
        if not self.parts:
            return "nobody was seen"
        names = list(self.parts)
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"the {joined} were out of the picture"

    def to_dict(self) -> dict[str, Any]:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "duration_s": round(self.duration_s, 3), "parts": list(self.parts)}


FEET: tuple[int, ...] = (sk.LEFT_ANKLE, sk.RIGHT_ANKLE, sk.LEFT_HEEL, sk.RIGHT_HEEL, sk.LEFT_FOOT_INDEX,
                         sk.RIGHT_FOOT_INDEX)
"""The landmarks ground contacts are read from."""


def watched(signal: str) -> tuple[int, ...]:
    """The landmarks a rep exercise's driving signal is read from (:data:`formcheck.features.SIGNAL_LANDMARKS`);
    ValueError for an unknown signal."""
    if signal not in SIGNAL_LANDMARKS:
        raise ValueError(f"unknown driving signal {signal!r}; expected one of {', '.join(sorted(SIGNAL_LANDMARKS))}")
    return SIGNAL_LANDMARKS[signal]


def outside_picture(xyz: NDArray[np.floating], landmarks: tuple[int, ...]) -> NDArray[np.bool_]:
    """Which of ``landmarks`` lie outside the image, per frame.

    Parameters
    ----------
    xyz : (..., 33, >=2) float
        Landmarks in normalised image coordinates (0-1 across the width and height).
    landmarks : tuple of int
        Landmark indices (:func:`watched`, :data:`FEET`).

    Returns
    -------
    (..., k) bool, one column per landmark in ``landmarks`` order; False where a coordinate is missing (NaN: nobody
    detected).
    """
    return _outside(np.asarray(xyz, np.float64)[..., list(landmarks), :2])


def _outside(p: NDArray[np.float64]) -> NDArray[np.bool_]:
    """(..., k) True where a point ``(..., k, 2)`` (normalised) lies outside the image; False where it is NaN."""
    with np.errstate(invalid="ignore"):
        return np.asarray(np.any((p < 0.0) | (p > 1.0), axis=-1))


class ViewWatch:
    """Frame-by-frame watcher of the driving signal's landmarks leaving the picture.

    A frame is *in view* when a person is detected and every watched landmark lies inside the image. A stretch runs
    from the first frame not in view to the first frame of a return to view that lasts at least ``min_s`` or
    :data:`JOIN_MAX_S`, whichever is shorter (a shorter return shows no whole rep or contact either, so the two sides
    are one stretch), and is kept when it lasts at least ``min_s``. Frames with nobody detected before the first
    detection (the athlete not yet there) start no stretch, and those after the last detection are dropped from the
    last one (walking away at the end).

    Parameters
    ----------
    landmarks : tuple of int
        The landmarks watched: a rep exercise's driving signal's (:func:`watched`), the feet for contacts.
    min_s : float
        Shortest stretch reported (s): the exercise's shortest rep, the least that can go missing in it.
    """

    def __init__(self, landmarks: tuple[int, ...], min_s: float) -> None:
        if not landmarks or any(i not in PART_OF for i in landmarks):
            raise ValueError(f"ViewWatch: expected landmark indices of {sorted(PART_OF)}, got {landmarks}")
        if not min_s > 0:
            raise ValueError(f"ViewWatch: expected min_s > 0, got {min_s}")
        self.min_s = float(min_s)
        self._join_s = min(self.min_s, JOIN_MAX_S)
        self._idx = tuple(landmarks)
        self._cols = list(self._idx)
        self._stretches: list[OutOfView] = []
        self._t0: float | None = None  # first frame of the open stretch
        self._back_t: float | None = None  # first frame of the current return to view, while the stretch is open
        self._parts_seen: set[str] = set()
        self._last_person_t = -math.inf
        self._announced = False

    def push(self, t_s: float, xyz: NDArray[np.floating] | None) -> OutOfView | None:
        """Feed one frame: normalised landmarks ``(33, >=2)``, or None / NaN when nobody was detected.

        Returns the stretch so far (``end_s`` = this frame) the first time it reaches ``min_s``, else None: the moment
        a live driver should tell the athlete.
        """
        t_s = float(t_s)
        p = None if xyz is None else np.asarray(xyz, np.float64)[self._cols, :2]  # indexed once per frame
        if p is not None and bool(np.all(np.isfinite(p))):
            self._last_person_t = t_s
            out = _outside(p)
            if not out.any():
                if self._t0 is not None:
                    if self._back_t is None:
                        self._back_t = t_s
                    elif t_s - self._back_t >= self._join_s - _EPS_S:
                        self._close(self._back_t)
                return None
            self._parts_seen |= {PART_OF[i] for i, o in zip(self._idx, out, strict=True) if o}
        elif self._last_person_t == -math.inf:
            return None  # nobody yet
        if self._t0 is None:
            self._t0, self._announced = t_s, False
        self._back_t = None
        if not self._announced and t_s - self._t0 >= self.min_s - _EPS_S:
            self._announced = True
            return OutOfView(self._t0, t_s, self._parts())
        return None

    def finish(self) -> list[OutOfView]:
        """Close the stretch still open at the end of the stream (without the frames with nobody after the last
        detection) and return every stretch."""
        if self._t0 is not None:
            end = self._back_t if self._back_t is not None else self._last_person_t
            if end >= self._t0:
                self._close(end)
            self._t0 = None
        return list(self._stretches)

    @property
    def stretches(self) -> list[OutOfView]:
        """Stretches closed so far."""
        return list(self._stretches)

    def so_far(self, t_s: float) -> list[OutOfView]:
        """Stretches closed so far, plus the open one up to ``t_s`` (s), or up to its return to view, once it has
        lasted ``min_s``."""
        out = list(self._stretches)
        if self._t0 is not None:
            end = self._back_t if self._back_t is not None else t_s
            if end - self._t0 >= self.min_s - _EPS_S:
                out.append(OutOfView(self._t0, end, self._parts()))
        return out

    def _parts(self) -> tuple[str, ...]:
        return tuple(p for p in _PART_ORDER if p in self._parts_seen)

    def _close(self, end_s: float) -> None:
        t0 = self._t0
        if t0 is not None and end_s - t0 >= self.min_s - _EPS_S:
            self._stretches.append(OutOfView(t0, end_s, self._parts()))
        self._t0, self._back_t = None, None
        self._parts_seen = set()


def live_cue(u: OutOfView, keep: str) -> str:
    """The live cue when a stretch reaches its minimum; ``keep`` says what to keep in view (``"the whole body"``)."""
    return f"{u.what().capitalize()}: keep {keep} in view." if u.parts else "Nobody in the picture."


def unseen_cue(u: OutOfView, items: str) -> str:
    """The report's line for a stretch the camera did not see; ``items`` names what may be lost there (``"reps"``,
    ``"contacts"``)."""
    if not u.parts:
        return (f"Over {u.start_s:.1f}-{u.end_s:.1f} s nobody was seen ({u.duration_s:.1f} s): {items} there could not "
                "be counted.")
    return (f"Over {u.start_s:.1f}-{u.end_s:.1f} s {u.what()} ({u.duration_s:.1f} s): {items} there may be missed or "
            "mistimed. Keep the whole body in view.")


def out_of_view(t: NDArray[np.floating], xyz: NDArray[np.floating], landmarks: tuple[int, ...],
                min_s: float) -> list[OutOfView]:
    """Every stretch of a series in which some of ``landmarks`` left the picture (:class:`ViewWatch`, offline).

    Parameters
    ----------
    t : (T,) float
        Frame times (s).
    xyz : (T, 33, >=2) float
        Normalised landmarks, NaN where nobody was detected.
    landmarks, min_s
        As for :class:`ViewWatch`.
    """
    w = ViewWatch(landmarks, min_s)
    for ti, p in zip(np.asarray(t, np.float64), np.asarray(xyz), strict=True):
        w.push(float(ti), p)
    return w.finish()
