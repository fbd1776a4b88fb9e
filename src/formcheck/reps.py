"""Reps, phases and holds (placeholder until the strength-programme issue lands)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from formcheck.exercises import Exercise, Targets
from formcheck.types import Analysis, Event, Landmarks, VideoMeta


def analyze_reps(lm: Landmarks, exercise: Exercise, targets: Targets) -> Analysis:
    """Count reps and time phases in ``lm``."""
    return Analysis()


class OnlineRepDetector:
    """Frame-by-frame rep detector."""

    def __init__(self, meta: VideoMeta, exercise: Exercise, targets: Targets) -> None:
        self.meta = meta
        self.exercise = exercise
        self.targets = targets

    def update(self, t_s: float, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> list[Event]:
        return []

    def finish(self) -> list[Event]:
        return []
