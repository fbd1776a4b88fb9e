"""Named MediaPipe Pose landmark indices and the joint-angle triplets built on them."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

NOSE = 0
LEFT_EYE = 2
RIGHT_EYE = 5
LEFT_EAR = 7
RIGHT_EAR = 8
LEFT_SHOULDER = 11
RIGHT_SHOULDER = 12
LEFT_ELBOW = 13
RIGHT_ELBOW = 14
LEFT_WRIST = 15
RIGHT_WRIST = 16
LEFT_HIP = 23
RIGHT_HIP = 24
LEFT_KNEE = 25
RIGHT_KNEE = 26
LEFT_ANKLE = 27
RIGHT_ANKLE = 28
LEFT_HEEL = 29
RIGHT_HEEL = 30
LEFT_FOOT_INDEX = 31
RIGHT_FOOT_INDEX = 32

SIDE_INDEX: dict[str, dict[str, int]] = {
    "left": {
        "shoulder": LEFT_SHOULDER, "elbow": LEFT_ELBOW, "wrist": LEFT_WRIST, "hip": LEFT_HIP,
        "knee": LEFT_KNEE, "ankle": LEFT_ANKLE, "heel": LEFT_HEEL, "toe": LEFT_FOOT_INDEX,
    },
    "right": {
        "shoulder": RIGHT_SHOULDER, "elbow": RIGHT_ELBOW, "wrist": RIGHT_WRIST, "hip": RIGHT_HIP,
        "knee": RIGHT_KNEE, "ankle": RIGHT_ANKLE, "heel": RIGHT_HEEL, "toe": RIGHT_FOOT_INDEX,
    },
}
"""Per-side landmark indices by joint name."""

# Pairs swapped when left and right are exchanged (for swap repair).
LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = (
    (1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18),
    (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32),
)

# Segments drawn by overlays.
CONNECTIONS: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30),
    (30, 32), (28, 32), (0, 11), (0, 12),
)

ANGLES: dict[str, tuple[int, int, int]] = {
    "left_knee": (LEFT_HIP, LEFT_KNEE, LEFT_ANKLE),
    "right_knee": (RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE),
    "left_hip": (LEFT_SHOULDER, LEFT_HIP, LEFT_KNEE),
    "right_hip": (RIGHT_SHOULDER, RIGHT_HIP, RIGHT_KNEE),
    "left_ankle": (LEFT_KNEE, LEFT_ANKLE, LEFT_FOOT_INDEX),
    "right_ankle": (RIGHT_KNEE, RIGHT_ANKLE, RIGHT_FOOT_INDEX),
    "left_elbow": (LEFT_SHOULDER, LEFT_ELBOW, LEFT_WRIST),
    "right_elbow": (RIGHT_SHOULDER, RIGHT_ELBOW, RIGHT_WRIST),
    "left_shoulder": (LEFT_HIP, LEFT_SHOULDER, LEFT_ELBOW),
    "right_shoulder": (RIGHT_HIP, RIGHT_SHOULDER, RIGHT_ELBOW),
}
"""Joint angle name -> (a, vertex, b) landmark indices."""


def angle_deg(points: NDArray[np.float64], triplet: tuple[int, int, int]) -> NDArray[np.float64]:
    """Angle at the vertex of ``triplet`` in degrees, 180 = straight.

    Parameters
    ----------
    points : (..., 33, D) array
        Landmark coordinates in isotropic units (pixels or metres), D = 2 or 3.
    triplet : (a, vertex, b)
        Landmark indices.

    Returns
    -------
    (...,) array of angles in degrees; NaN where any point is NaN or a limb has zero length (two points coincide).
    """
    a, v, b = triplet
    u = points[..., a, :] - points[..., v, :]
    w = points[..., b, :] - points[..., v, :]
    nu = np.linalg.norm(u, axis=-1)
    nw = np.linalg.norm(w, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.sum(u * w, axis=-1) / (nu * nw)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))
