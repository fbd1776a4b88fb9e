"""Dispatch from an exercise id to its analysis: offline (whole series) and online (frame by frame).

Both drivers run the same detector code: the offline path feeds every frame of a
:class:`~formcheck.types.Landmarks` through the online detector and then refines
the timing with the whole signal.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from formcheck.exercises import Targets, get_exercise
from formcheck.repeats import frame_repeats
from formcheck.types import Analysis, Event, Landmarks, VideoMeta


class OnlineDetector(Protocol):
    """A per-frame detector: call :meth:`update` for every frame, even with nobody detected."""

    def update(self, t_s: float, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> list[Event]:
        """Feed one frame.

        Parameters
        ----------
        t_s : float
            Media time of the frame (s from the first frame).
        xyz : (33, 3) float32
            Normalized image landmarks (NaN when nobody was detected).
        visibility : (33,) float32
            Landmark visibility (NaN when nobody was detected).

        Returns
        -------
        Events revealed by this frame (possibly about earlier times).
        """
        ...

    def finish(self) -> list[Event]:
        """Flush events still pending at the end of the stream."""
        ...


def analyze(lm: Landmarks, exercise_id: str, targets: Targets | None = None) -> Analysis:
    """Run the offline analysis for ``exercise_id`` on a landmark series."""
    ex = get_exercise(exercise_id)
    tg = ex.targets if targets is None else targets
    if len(lm) == 0 or not lm.detected.any():
        return Analysis()
    if ex.kind == "contacts":
        from formcheck.contacts import analyze_contacts

        out = analyze_contacts(lm, ex)
    else:
        from formcheck.reps import analyze_reps

        out = analyze_reps(lm, ex, tg)
    return with_frame_repeats(out, lm)


def with_frame_repeats(out: Analysis, lm: Landmarks) -> Analysis:
    """``out`` with the frames a frame-rate conversion repeated (:mod:`formcheck.repeats`) in its summary
    (``frame_repeats``) and a cue, when the pose stage measured the frames' changes and enough repeat."""
    rep = frame_repeats(lm.frame_change, lm.meta.fps)
    if rep is None:
        return out
    return dataclasses.replace(out, summary=out.summary | {"frame_repeats": rep.summary()},
                               feedback=[*out.feedback, rep.cue()])


def make_online(exercise_id: str, meta: VideoMeta, targets: Targets | None = None) -> OnlineDetector:
    """The online detector for ``exercise_id`` (used by live mode)."""
    ex = get_exercise(exercise_id)
    tg = ex.targets if targets is None else targets
    if ex.kind == "contacts":
        from formcheck.contacts import OnlineContactDetector

        return OnlineContactDetector(meta, ex)
    from formcheck.reps import OnlineRepDetector

    return OnlineRepDetector(meta, ex, tg)
