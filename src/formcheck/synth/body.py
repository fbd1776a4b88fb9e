"""A 3-D articulated body posed by a few high-level parameters.

World frame (metres): ``x`` forward for an athlete with yaw 0, ``y`` to the athlete's left, ``z`` up;
the floor is ``z = 0``. The body is built from a :class:`BodyPose` (pelvis position, trunk angles, foot
placements, arm angles) into a :class:`Skeleton` of named 3-D points. Legs are solved by two-link inverse
kinematics from the hip to the ankle, so a planted foot stays exactly where the motion generator put it:
the heel and toe points of the skeleton are the sole's ends, the points that touch the floor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

Vec = NDArray[np.float64]


@dataclass(frozen=True)
class Dims:
    """Segment lengths and radii (m) of an adult of about 1.75 m."""

    thigh: float = 0.43
    shank: float = 0.43
    hip_half_width: float = 0.09
    pelvis_to_neck: float = 0.52
    shoulder_half_width: float = 0.185
    shoulder_drop: float = 0.04
    neck: float = 0.09
    head_radius: float = 0.105
    upper_arm: float = 0.30
    forearm: float = 0.26
    hand: float = 0.08
    foot_length: float = 0.26
    ankle_height: float = 0.085
    ankle_from_heel: float = 0.065

    @property
    def leg(self) -> float:
        """Hip-to-ankle length with a straight knee (m)."""
        return self.thigh + self.shank

    @property
    def standing_pelvis_z(self) -> float:
        """Hip-joint height when standing tall with flat feet (m)."""
        return self.leg * 0.995 + self.ankle_height


DIMS = Dims()


def rot_x(a: float) -> Vec:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(a: float) -> Vec:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])


def rot_z(a: float) -> Vec:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


@dataclass(frozen=True)
class Foot:
    """Where a foot is: the heel point of the sole, the sole's pitch and the foot's yaw.

    Attributes
    ----------
    heel : (3,) array
        World position of the back end of the sole (m).
    pitch_rad : float
        Sole pitch; positive lifts the heel above the toe (plantarflexion), negative lifts the toe.
    yaw_rad : float
        Direction the foot points, about +z (rad).
    """

    heel: Vec
    pitch_rad: float
    yaw_rad: float

    def forward(self) -> Vec:
        """Unit vector from heel to toe along the sole."""
        c = np.cos(self.pitch_rad)
        return np.array([c * np.cos(self.yaw_rad), c * np.sin(self.yaw_rad), -np.sin(self.pitch_rad)])

    def up(self) -> Vec:
        """Unit normal of the sole pointing into the foot."""
        s = np.sin(self.pitch_rad)
        return np.array([s * np.cos(self.yaw_rad), s * np.sin(self.yaw_rad), np.cos(self.pitch_rad)])

    def toe(self, dims: Dims = DIMS) -> Vec:
        return self.heel + dims.foot_length * self.forward()

    def ankle(self, dims: Dims = DIMS) -> Vec:
        return self.heel + dims.ankle_from_heel * self.forward() + dims.ankle_height * self.up()

    @staticmethod
    def from_toe(toe: Vec, pitch_rad: float, yaw_rad: float, dims: Dims = DIMS) -> Foot:
        """The foot whose toe point is at ``toe`` (for rotations about the forefoot)."""
        probe = Foot(np.zeros(3), pitch_rad, yaw_rad)
        return Foot(np.asarray(toe, float) - dims.foot_length * probe.forward(), pitch_rad, yaw_rad)

    @staticmethod
    def from_ankle(ankle: Vec, pitch_rad: float, yaw_rad: float, dims: Dims = DIMS) -> Foot:
        """The foot hanging from a given ankle position."""
        probe = Foot(np.zeros(3), pitch_rad, yaw_rad)
        return Foot(np.asarray(ankle, float) - probe.ankle(dims), pitch_rad, yaw_rad)


@dataclass(frozen=True)
class Arm:
    """Arm angles relative to the trunk (rad): forward flexion, sideways abduction, elbow flexion."""

    flex_rad: float = 0.15
    abd_rad: float = 0.12
    elbow_rad: float = 0.25


@dataclass(frozen=True)
class BodyPose:
    """Everything that fixes one frame of the body.

    Attributes
    ----------
    pelvis : (3,) array
        Midpoint between the hip joints (m).
    yaw_rad : float
        Facing direction of pelvis and trunk about +z.
    trunk_pitch_rad, trunk_roll_rad : float
        Forward lean and sideways tilt (positive tilts the shoulders toward the athlete's right).
    head_pitch_rad : float
        Head nod relative to the trunk (positive looks down).
    left_foot, right_foot : Foot
    left_arm, right_arm : Arm
    knee_out_rad : float
        Rotation of the knee-bending plane away from the midline (knees out in squats).
    """

    pelvis: Vec
    left_foot: Foot
    right_foot: Foot
    yaw_rad: float = 0.0
    trunk_pitch_rad: float = 0.0
    trunk_roll_rad: float = 0.0
    head_pitch_rad: float = 0.0
    left_arm: Arm = field(default_factory=Arm)
    right_arm: Arm = field(default_factory=Arm)
    knee_out_rad: float = 0.0


def two_link_knee(hip: Vec, ankle: Vec, bend_dir: Vec, thigh: float, shank: float) -> tuple[Vec, Vec]:
    """Knee position for hip and ankle, bending toward ``bend_dir``; returns (knee, reachable ankle).

    If the ankle is farther than the straight leg, it is pulled back along the hip-ankle line.
    """
    d = ankle - hip
    dist = float(np.linalg.norm(d))
    u = d / max(dist, 1e-9)
    reach = thigh + shank - 1e-9
    if dist > reach:
        ankle = hip + u * reach
        dist = reach
    # Distance along u to the knee's foot point and the knee's offset from the hip-ankle line.
    a = (thigh**2 - shank**2 + dist**2) / (2 * dist)
    h = np.sqrt(max(thigh**2 - a**2, 0.0))
    perp = bend_dir - np.dot(bend_dir, u) * u
    n = float(np.linalg.norm(perp))
    perp = perp / n if n > 1e-9 else np.array([1.0, 0, 0])
    return hip + a * u + h * perp, ankle


@dataclass
class Skeleton:
    """Named 3-D points (m) of one frame plus the frames needed for drawing."""

    points: dict[str, Vec]
    trunk_rot: Vec
    head_rot: Vec
    dims: Dims = DIMS

    def __getitem__(self, name: str) -> Vec:
        return self.points[name]


def build(pose: BodyPose, dims: Dims = DIMS) -> Skeleton:
    """Solve the skeleton of one pose.

    Parameters
    ----------
    pose : BodyPose
    dims : Dims

    Returns
    -------
    Skeleton
        Points: pelvis, neck, head, nose, eye_*, ear_*, mouth_*, shoulder_*, elbow_*, wrist_*, hand_*,
        hip_*, knee_*, ankle_*, heel_*, toe_* (``*`` is ``l`` or ``r``).
    """
    p: dict[str, Vec] = {}
    yaw = rot_z(pose.yaw_rad)
    trunk = yaw @ rot_x(pose.trunk_roll_rad) @ rot_y(pose.trunk_pitch_rad)
    fwd, left = yaw[:, 0], yaw[:, 1]
    pelvis = np.asarray(pose.pelvis, float)
    p["pelvis"] = pelvis
    neck = pelvis + trunk @ np.array([0.0, 0.0, dims.pelvis_to_neck])
    p["neck"] = neck
    head_rot = trunk @ rot_y(pose.head_pitch_rad)
    head = neck + head_rot @ np.array([0.01, 0.0, dims.neck + dims.head_radius])
    p["head"] = head
    r = dims.head_radius
    for name, local in (
        ("nose", (1.02, 0.0, -0.1)), ("eye_l", (0.88, 0.33, 0.18)), ("eye_r", (0.88, -0.33, 0.18)),
        ("ear_l", (0.0, 0.97, 0.0)), ("ear_r", (0.0, -0.97, 0.0)),
        ("mouth_l", (0.86, 0.2, -0.45)), ("mouth_r", (0.86, -0.2, -0.45)),
    ):
        p[name] = head + head_rot @ (r * np.array(local))
    for side, sgn in (("l", 1.0), ("r", -1.0)):
        p[f"shoulder_{side}"] = neck + trunk @ np.array([0.0, sgn * dims.shoulder_half_width, -dims.shoulder_drop])
        arm = pose.left_arm if side == "l" else pose.right_arm
        arm_rot = trunk @ rot_x(sgn * arm.abd_rad) @ rot_y(-arm.flex_rad)
        elbow = p[f"shoulder_{side}"] + arm_rot @ np.array([0.0, 0.0, -dims.upper_arm])
        fore_rot = arm_rot @ rot_y(-arm.elbow_rad)
        wrist = elbow + fore_rot @ np.array([0.0, 0.0, -dims.forearm])
        p[f"elbow_{side}"] = elbow
        p[f"wrist_{side}"] = wrist
        p[f"hand_{side}"] = wrist + fore_rot @ np.array([0.0, 0.0, -dims.hand])
        hip = pelvis + sgn * dims.hip_half_width * left
        p[f"hip_{side}"] = hip
        foot = pose.left_foot if side == "l" else pose.right_foot
        bend = rot_z(sgn * pose.knee_out_rad) @ fwd
        knee, ankle = two_link_knee(hip, foot.ankle(dims), bend, dims.thigh, dims.shank)
        if not np.allclose(ankle, foot.ankle(dims)):
            foot = Foot.from_ankle(ankle, foot.pitch_rad, foot.yaw_rad, dims)
        p[f"knee_{side}"] = knee
        p[f"ankle_{side}"] = ankle
        p[f"heel_{side}"] = foot.heel
        p[f"toe_{side}"] = foot.toe(dims)
        p[f"footup_{side}"] = foot.up()
    return Skeleton(points=p, trunk_rot=trunk, head_rot=head_rot, dims=dims)
