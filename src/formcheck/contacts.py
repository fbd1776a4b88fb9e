"""Ground contacts of hopping sets (placeholder until the contacts issue lands)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from formcheck.exercises import Exercise
from formcheck.types import Analysis, Event, Landmarks, VideoMeta


def analyze_contacts(lm: Landmarks, exercise: Exercise) -> Analysis:
    """Find every ground contact in ``lm``."""
    return Analysis()


class OnlineContactDetector:
    """Frame-by-frame contact detector."""

    def __init__(self, meta: VideoMeta, exercise: Exercise) -> None:
        self.meta = meta
        self.exercise = exercise

    def update(self, t_s: float, xyz: NDArray[np.float32], visibility: NDArray[np.float32]) -> list[Event]:
        return []

    def finish(self) -> list[Event]:
        return []
