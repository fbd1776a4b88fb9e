"""Body-relative signals for the rep engine, computed from image landmarks.

Every feature is in body units: lengths in leg lengths ``L`` (hip-knee plus
knee-ankle, in pixels, so that it is independent of the frame size and of the
distance to the camera) and angles in degrees. Image y grows downwards; every
height here is positive upwards.

The same function serves the offline path (all frames at once, ``(T, 33, 2)``)
and the online path (one frame, ``(33, 2)``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from formcheck import skeleton as sk

FloatArray = NDArray[np.float64]

FEATURES: tuple[str, ...] = (
    "hip_h_L", "shoulder_h_L", "hip_floor_L", "shoulder_floor_L", "heel_up_deg", "wrist_up_L",
    "knee_left_deg", "knee_right_deg", "ankle_h_left_L", "ankle_h_right_L",
    "heel_up_left_deg", "heel_up_right_deg", "shoulder_tilt_deg", "body_line_deg", "hip_angle_deg",
    "knee_over_toe_left_L", "knee_over_toe_right_L", "hip_above_knee_left_L", "hip_above_knee_right_L",
    "feet_split_L", "view_ratio",
)
"""Names returned by :func:`frame_features`."""


def leg_length_px(xy: FloatArray) -> FloatArray:
    """Per-frame leg length (px): the longer side's hip-knee plus knee-ankle distance.

    Parameters
    ----------
    xy : (..., 33, 2) float
        Landmarks in pixels.

    Returns
    -------
    (...,) float, NaN where no leg is complete.
    """
    out = []
    for s in ("left", "right"):
        ix = sk.SIDE_INDEX[s]
        thigh = np.linalg.norm(xy[..., ix["hip"], :] - xy[..., ix["knee"], :], axis=-1)
        shank = np.linalg.norm(xy[..., ix["knee"], :] - xy[..., ix["ankle"], :], axis=-1)
        out.append(thigh + shank)
    return np.asarray(np.fmax(out[0], out[1]))


def robust_leg_length_px(xy: FloatArray) -> float:
    """One leg length (px) for a whole series: 90th percentile of the per-frame lengths.

    The percentile keeps foreshortened frames (bent legs seen from the front) from shrinking the unit.
    """
    ll = leg_length_px(xy)
    ll = ll[np.isfinite(ll)]
    if ll.size == 0:
        return float("nan")
    return float(np.percentile(ll, 90))


INVERTED_TRUNK_SIN = 0.7
"""A trunk pointing down by more than this sine (about 45° below horizontal) is an upside-down skeleton."""

LIMB_SWAP: tuple[tuple[int, int], ...] = (
    (sk.LEFT_SHOULDER, sk.LEFT_HIP), (sk.RIGHT_SHOULDER, sk.RIGHT_HIP), (sk.LEFT_ELBOW, sk.LEFT_KNEE),
    (sk.RIGHT_ELBOW, sk.RIGHT_KNEE), (sk.LEFT_WRIST, sk.LEFT_ANKLE), (sk.RIGHT_WRIST, sk.RIGHT_ANKLE),
    (17, sk.LEFT_HEEL), (18, sk.RIGHT_HEEL), (19, sk.LEFT_FOOT_INDEX), (20, sk.RIGHT_FOOT_INDEX),
)
"""Upper-limb / lower-limb landmark pairs (shoulder-hip, elbow-knee, wrist-ankle, pinky-heel, index-toe)."""


def inverted_trunk(xy: FloatArray) -> NDArray[np.bool_]:
    """Frames whose skeleton stands on its head: shoulders below the hips, trunk steeper than 45° down.

    Every rep exercise in the catalogue is done upright (a hinge reaches horizontal at most), so such a
    frame is a pose-model failure, not a posture: when the head is cropped (a zoom cut, a close camera)
    MediaPipe can fit the skeleton upside down, its hips on the shoulders and its ankles on the hands.

    Parameters
    ----------
    xy : (..., 33, 2) float
        Landmarks in pixels (y down).

    Returns
    -------
    (...,) bool, False where the trunk is missing.
    """
    li, ri = sk.SIDE_INDEX["left"], sk.SIDE_INDEX["right"]
    sho = 0.5 * (xy[..., li["shoulder"], :] + xy[..., ri["shoulder"], :])
    hip = 0.5 * (xy[..., li["hip"], :] + xy[..., ri["hip"], :])
    down = sho[..., 1] - hip[..., 1]
    length = np.linalg.norm(sho - hip, axis=-1)
    with np.errstate(invalid="ignore"):
        return np.asarray(down > INVERTED_TRUNK_SIN * length)


def swap_limbs(a: NDArray[np.floating], mask: NDArray[np.bool_]) -> NDArray[np.floating]:
    """A copy of per-landmark data ``a`` (``(..., 33)`` or ``(..., 33, k)``) with upper and lower limbs swapped
    where ``mask`` (shape ``a.shape[:mask.ndim]``) is set: turns an upside-down skeleton the right way up."""
    out = np.array(a, copy=True)
    if not np.any(mask):
        return out
    m = np.asarray(mask, bool)
    for u, lo in LIMB_SWAP:
        up_v = out[..., u, :] if out.ndim > m.ndim + 1 else out[..., u]
        lo_v = out[..., lo, :] if out.ndim > m.ndim + 1 else out[..., lo]
        tmp = up_v[m].copy()
        up_v[m] = lo_v[m]
        lo_v[m] = tmp
    return out


def foot_pitch_deg(xy: FloatArray, side: str) -> FloatArray:
    """Heel-above-toe angle (deg): + heel raised (calf raise), - toes raised (tib raise)."""
    ix = sk.SIDE_INDEX[side]
    heel = xy[..., ix["heel"], :]
    toe = xy[..., ix["toe"], :]
    dy = toe[..., 1] - heel[..., 1]  # heel above toe -> positive (y down)
    dx = np.abs(toe[..., 0] - heel[..., 0])
    return np.asarray(np.degrees(np.arctan2(dy, dx)))


def frame_features(xy: FloatArray, leg_px: float, floor_y_px: float | FloatArray) -> dict[str, FloatArray]:
    """All body-relative features for one frame or a series.

    Parameters
    ----------
    xy : (..., 33, 2) float
        Landmarks in pixels (isotropic, y down).
    leg_px : float
        The leg length unit ``L`` in pixels.
    floor_y_px : float or (...,) float
        Image row of the floor (px): the lowest ankle while standing; used by ``hip_floor_L``.

    Returns
    -------
    dict name -> (...,) float; see :data:`FEATURES`.
        ``hip_h_L``: mean hip height above the lower ankle (the standing foot; L). ``shoulder_h_L``: same for
        the shoulders.
        ``hip_floor_L``: hip height above the floor row (L); ``shoulder_floor_L`` the same for the shoulders
        (immune to ankle landmarks that jump or swap sides in a deep squat). ``heel_up_deg``: mean foot pitch of
        both feet
        (deg, + heel up). ``wrist_up_L``: wrists above the shoulders (L). ``knee_*_deg``: knee angle
        (180 = straight). ``ankle_h_*_L``: ankle height above the floor row. ``shoulder_tilt_deg``: shoulder
        line angle, + when the athlete's left shoulder is lower. ``body_line_deg``: 180 minus the
        shoulder-hip-ankle angle (0 = straight body). ``hip_angle_deg``: the angle at the hip midpoint between
        the shoulder and knee midpoints (deg, 180 = upright; a hip hinge closes it). ``knee_over_toe_*_L``: knee
        ahead of the toes along the facing direction. ``hip_above_knee_*_L``: hip height above the knee.
        ``feet_split_L``: horizontal ankle distance. ``view_ratio``: shoulder width over torso length (~0 side,
        ~0.7 front).
    """
    L = float(leg_px)
    y = xy[..., 1]
    x = xy[..., 0]
    li, ri = sk.SIDE_INDEX["left"], sk.SIDE_INDEX["right"]

    def mid(name: str) -> FloatArray:
        return np.asarray(0.5 * (xy[..., li[name], :] + xy[..., ri[name], :]))

    hip = mid("hip")
    sho = mid("shoulder")
    ank = mid("ankle")
    # the standing ankle: the lower one in the image (a raised free foot or a heel-up back foot must not move it)
    low_ank = np.fmax(y[..., sk.LEFT_ANKLE], y[..., sk.RIGHT_ANKLE])
    f: dict[str, FloatArray] = {}
    f["hip_h_L"] = (low_ank - hip[..., 1]) / L
    f["shoulder_h_L"] = (low_ank - sho[..., 1]) / L
    f["hip_floor_L"] = (np.asarray(floor_y_px) - hip[..., 1]) / L
    f["shoulder_floor_L"] = (np.asarray(floor_y_px) - sho[..., 1]) / L
    pl, pr = foot_pitch_deg(xy, "left"), foot_pitch_deg(xy, "right")
    f["heel_up_left_deg"], f["heel_up_right_deg"] = pl, pr
    f["heel_up_deg"] = 0.5 * (pl + pr)
    wr = 0.5 * (y[..., sk.LEFT_WRIST] + y[..., sk.RIGHT_WRIST])
    f["wrist_up_L"] = (sho[..., 1] - wr) / L
    facing = np.sign(np.nan_to_num(mid("toe")[..., 0] - mid("heel")[..., 0]))
    facing = np.where(facing == 0, 1.0, facing)
    for s, ix in (("left", li), ("right", ri)):
        f[f"knee_{s}_deg"] = sk.angle_deg(xy, (ix["hip"], ix["knee"], ix["ankle"]))
        f[f"ankle_h_{s}_L"] = (np.asarray(floor_y_px) - y[..., ix["ankle"]]) / L
        f[f"knee_over_toe_{s}_L"] = (x[..., ix["knee"]] - x[..., ix["toe"]]) * facing / L
        f[f"hip_above_knee_{s}_L"] = (y[..., ix["knee"]] - y[..., ix["hip"]]) / L
    dyl = y[..., sk.LEFT_SHOULDER] - y[..., sk.RIGHT_SHOULDER]
    dxl = np.abs(x[..., sk.LEFT_SHOULDER] - x[..., sk.RIGHT_SHOULDER])
    f["shoulder_tilt_deg"] = np.degrees(np.arctan2(dyl, dxl))
    body = np.stack([sho, hip, ank], axis=-2)
    f["body_line_deg"] = 180.0 - sk.angle_deg(body, (0, 1, 2))
    f["hip_angle_deg"] = sk.angle_deg(np.stack([sho, hip, mid("knee")], axis=-2), (0, 1, 2))
    f["feet_split_L"] = np.abs(x[..., sk.LEFT_ANKLE] - x[..., sk.RIGHT_ANKLE]) / L
    torso = np.linalg.norm(sho - hip, axis=-1)
    width = np.linalg.norm(xy[..., sk.LEFT_SHOULDER, :] - xy[..., sk.RIGHT_SHOULDER, :], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["view_ratio"] = width / torso
    return {k: np.asarray(v, np.float64) for k, v in f.items()}


# Landmarks whose visibility decides how well the camera saw a rep, per driving signal.
SIGNAL_LANDMARKS: dict[str, tuple[int, ...]] = {
    "hip_h_L": (sk.LEFT_HIP, sk.RIGHT_HIP, sk.LEFT_KNEE, sk.RIGHT_KNEE, sk.LEFT_ANKLE, sk.RIGHT_ANKLE),
    "shoulder_h_L": (sk.LEFT_SHOULDER, sk.RIGHT_SHOULDER, sk.LEFT_HIP, sk.RIGHT_HIP, sk.LEFT_ANKLE,
                     sk.RIGHT_ANKLE),
    "shoulder_floor_L": (sk.LEFT_SHOULDER, sk.RIGHT_SHOULDER, sk.LEFT_HIP, sk.RIGHT_HIP, sk.LEFT_ANKLE,
                         sk.RIGHT_ANKLE),
    "hip_floor_L": (sk.LEFT_HIP, sk.RIGHT_HIP, sk.LEFT_KNEE, sk.RIGHT_KNEE, sk.LEFT_ANKLE, sk.RIGHT_ANKLE),
    "heel_up_deg": (sk.LEFT_HEEL, sk.RIGHT_HEEL, sk.LEFT_FOOT_INDEX, sk.RIGHT_FOOT_INDEX, sk.LEFT_ANKLE,
                    sk.RIGHT_ANKLE),
    # one foot's pitch: the shoe pitch series of the nearer foot drives tib and calf raises (formcheck.reps)
    "heel_up_left_deg": (sk.LEFT_HEEL, sk.LEFT_FOOT_INDEX, sk.LEFT_ANKLE),
    "heel_up_right_deg": (sk.RIGHT_HEEL, sk.RIGHT_FOOT_INDEX, sk.RIGHT_ANKLE),
    "wrist_up_L": (sk.LEFT_WRIST, sk.RIGHT_WRIST, sk.LEFT_SHOULDER, sk.RIGHT_SHOULDER),
    "hip_angle_deg": (sk.LEFT_SHOULDER, sk.RIGHT_SHOULDER, sk.LEFT_HIP, sk.RIGHT_HIP, sk.LEFT_KNEE, sk.RIGHT_KNEE),
}


def signal_confidence(visibility: NDArray[np.floating], signal: str) -> FloatArray:
    """Per-frame confidence (0-1) of a driving signal: mean visibility of its landmarks, 0 when missing.

    Raises ValueError for a signal not in :data:`SIGNAL_LANDMARKS` (a misspelt name must not borrow another's)."""
    if signal not in SIGNAL_LANDMARKS:
        raise ValueError(f"signal_confidence: unknown driving signal {signal!r}; expected one of "
                         f"{', '.join(sorted(SIGNAL_LANDMARKS))}")
    idx = SIGNAL_LANDMARKS[signal]
    v = np.asarray(visibility, np.float64)[..., list(idx)]
    return np.asarray(np.nan_to_num(v, nan=0.0).mean(axis=-1))
