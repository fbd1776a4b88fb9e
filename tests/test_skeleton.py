"""Landmark index tables and joint angles on hand-placed points whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import skeleton as sk

# MediaPipe Pose's published 33-landmark numbering, restricted to the names the module exposes.
MEDIAPIPE_POSE_INDEX = {
    "NOSE": 0, "LEFT_EYE": 2, "RIGHT_EYE": 5, "LEFT_EAR": 7, "RIGHT_EAR": 8,
    "LEFT_SHOULDER": 11, "RIGHT_SHOULDER": 12, "LEFT_ELBOW": 13, "RIGHT_ELBOW": 14,
    "LEFT_WRIST": 15, "RIGHT_WRIST": 16, "LEFT_HIP": 23, "RIGHT_HIP": 24, "LEFT_KNEE": 25, "RIGHT_KNEE": 26,
    "LEFT_ANKLE": 27, "RIGHT_ANKLE": 28, "LEFT_HEEL": 29, "RIGHT_HEEL": 30,
    "LEFT_FOOT_INDEX": 31, "RIGHT_FOOT_INDEX": 32,
}


def _points(*xy: tuple[float, ...]) -> np.ndarray:
    """A (33, D) array of NaN with the given points at indices 0, 1, 2, ..."""
    pts = np.full((33, len(xy[0])), np.nan)
    pts[: len(xy)] = xy
    return pts


def _mirror(i: int) -> int:
    """The other side's landmark for ``i`` (itself for the nose)."""
    for a, b in sk.LEFT_RIGHT_PAIRS:
        if i == a:
            return b
        if i == b:
            return a
    return i


# ---------------------------------------------------------------------------------------------- index tables


def test_named_indices_follow_the_mediapipe_pose_numbering() -> None:
    for name, index in MEDIAPIPE_POSE_INDEX.items():
        assert getattr(sk, name) == index, name


def test_named_indices_agree_with_the_installed_mediapipe_enum() -> None:
    vision = pytest.importorskip("mediapipe.tasks.python.vision")
    for lm in vision.PoseLandmark:
        if hasattr(sk, lm.name):
            assert getattr(sk, lm.name) == lm.value, lm.name
    pairs = set(sk.LEFT_RIGHT_PAIRS)
    for lm in vision.PoseLandmark:
        if lm.name.startswith("LEFT_"):
            assert (lm.value, vision.PoseLandmark["RIGHT_" + lm.name[5:]].value) in pairs, lm.name
    assert (vision.PoseLandmark.MOUTH_LEFT.value, vision.PoseLandmark.MOUTH_RIGHT.value) in pairs


def test_side_index_maps_each_joint_name_to_that_sides_constant() -> None:
    for side in ("left", "right"):
        ix = sk.SIDE_INDEX[side]
        for joint, const in (("shoulder", "SHOULDER"), ("elbow", "ELBOW"), ("wrist", "WRIST"), ("hip", "HIP"),
                             ("knee", "KNEE"), ("ankle", "ANKLE"), ("heel", "HEEL"), ("toe", "FOOT_INDEX")):
            assert ix[joint] == getattr(sk, f"{side.upper()}_{const}"), (side, joint)
        assert set(ix) == {"shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "toe"}


def test_left_and_right_side_indices_are_mirror_pairs() -> None:
    left, right = sk.SIDE_INDEX["left"], sk.SIDE_INDEX["right"]
    pairs = set(sk.LEFT_RIGHT_PAIRS)
    for joint in left:
        assert (left[joint], right[joint]) in pairs, joint


def test_left_right_pairs_cover_every_landmark_but_the_nose_exactly_once() -> None:
    flat = [i for pair in sk.LEFT_RIGHT_PAIRS for i in pair]
    assert sorted(flat) == list(range(1, 33))
    # MediaPipe numbers each left landmark just below its right twin, except the eyes (1-3 vs 4-6)
    for a, b in sk.LEFT_RIGHT_PAIRS:
        assert b - a == (3 if a <= 3 else 1), (a, b)


def test_connections_are_valid_unique_and_mirror_symmetric() -> None:
    edges = {frozenset(c) for c in sk.CONNECTIONS}
    assert len(edges) == len(sk.CONNECTIONS)  # no duplicate segment, in either direction
    assert all(len(e) == 2 and all(0 <= i < 33 for i in e) for e in edges)  # no self-loop, in range
    assert {frozenset(_mirror(i) for i in e) for e in edges} == edges


def test_connections_chain_hip_knee_ankle_heel_toe_on_both_legs() -> None:
    edges = {frozenset(c) for c in sk.CONNECTIONS}
    for side in ("left", "right"):
        ix = sk.SIDE_INDEX[side]
        for a, b in (("shoulder", "elbow"), ("elbow", "wrist"), ("shoulder", "hip"), ("hip", "knee"),
                     ("knee", "ankle"), ("ankle", "heel"), ("heel", "toe"), ("ankle", "toe")):
            assert frozenset((ix[a], ix[b])) in edges, (side, a, b)


def test_each_angle_has_its_named_joint_at_the_vertex_and_uses_one_side_only() -> None:
    for name, (a, v, b) in sk.ANGLES.items():
        side, joint = name.split("_")
        ix = sk.SIDE_INDEX[side]
        assert v == ix[joint], name
        assert {a, v, b} <= set(ix.values()), name
        assert len({a, v, b}) == 3, name


def test_left_and_right_angles_are_mirror_images() -> None:
    for name, triplet in sk.ANGLES.items():
        if name.startswith("left_"):
            assert sk.ANGLES["right_" + name[5:]] == tuple(_mirror(i) for i in triplet), name
    assert {n.split("_")[1] for n in sk.ANGLES} == {"knee", "hip", "ankle", "elbow", "shoulder"}


def test_knee_angle_triplet_is_hip_knee_ankle() -> None:
    assert sk.ANGLES["left_knee"] == (sk.LEFT_HIP, sk.LEFT_KNEE, sk.LEFT_ANKLE)
    assert sk.ANGLES["right_knee"] == (sk.RIGHT_HIP, sk.RIGHT_KNEE, sk.RIGHT_ANKLE)


# ---------------------------------------------------------------------------------------------- angle_deg


@pytest.mark.parametrize(
    ("b", "expected"),
    [
        ((20.0, 0.0), 180.0),  # straight
        ((10.0, 10.0), 90.0),  # right angle
        ((5.0, 0.0), 0.0),  # folded back onto the first segment
        ((10.0 + 10.0 * np.cos(np.radians(120)), 10.0 * np.sin(np.radians(120))), 60.0),  # equilateral
        ((10.0 + 10.0 * np.cos(np.radians(45)), 10.0 * np.sin(np.radians(45))), 135.0),
    ],
)
def test_angle_at_the_vertex_in_degrees_with_180_for_a_straight_line(b: tuple[float, float],
                                                                       expected: float) -> None:
    pts = _points((0.0, 0.0), (10.0, 0.0), b)
    assert float(sk.angle_deg(pts, (0, 1, 2))) == pytest.approx(expected, abs=1e-9)


def test_angle_is_unsigned_and_independent_of_segment_lengths_and_order() -> None:
    # a 90° knee whose thigh and shank differ in length, bent either way: always 90, never -90 or 270
    up = _points((0.0, 0.0), (40.0, 0.0), (40.0, 7.0))
    down = _points((0.0, 0.0), (40.0, 0.0), (40.0, -300.0))
    for pts in (up, down):
        assert float(sk.angle_deg(pts, (0, 1, 2))) == pytest.approx(90.0)
        assert float(sk.angle_deg(pts, (2, 1, 0))) == pytest.approx(90.0)


def test_angle_is_invariant_to_rotation_translation_and_scale() -> None:
    pts = _points((0.0, 0.0), (3.0, 4.0), (9.0, 4.0))  # angle between (-3,-4) and (6,0): 180 - atan2(4,3)
    expected = 180.0 - np.degrees(np.arctan2(4.0, 3.0))
    th = np.radians(37.0)
    rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    moved = 250.0 * pts @ rot.T + np.array([640.0, -12.0])
    assert float(sk.angle_deg(pts, (0, 1, 2))) == pytest.approx(expected)
    assert float(sk.angle_deg(moved, (0, 1, 2))) == pytest.approx(expected)


def test_angle_works_on_3d_points() -> None:
    # a corner of a cube: the vertex at the origin, arms along x and z -> 90°; along x and (0,1,1) -> 90°;
    # along (1,0,0) and (1,1,0) -> 45°
    pts = _points((1.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 2.0), (1.0, 1.0, 0.0))
    assert float(sk.angle_deg(pts, (0, 1, 2))) == pytest.approx(90.0)
    assert float(sk.angle_deg(pts, (0, 1, 3))) == pytest.approx(45.0)
    # the z coordinate is used: projected on x-y, the arm along z would vanish
    assert float(sk.angle_deg(pts, (2, 1, 3))) == pytest.approx(90.0)


def test_angle_broadcasts_over_leading_frame_axes() -> None:
    # frames of a knee opening from 30° to 180° in 30° steps, on a (2, 3) grid of frames
    opening = np.radians(np.arange(30.0, 181.0, 30.0))
    pts = np.zeros((6, 33, 2))
    pts[:, 0] = [100.0, 0.0]
    pts[:, 2] = np.stack([100.0 * np.cos(opening), 100.0 * np.sin(opening)], axis=-1)
    out = sk.angle_deg(pts.reshape(2, 3, 33, 2), (0, 1, 2))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.ravel(), np.degrees(opening), atol=1e-9)


def test_angle_is_nan_where_any_point_is_nan() -> None:
    pts = np.tile(_points((0.0, 0.0), (10.0, 0.0), (10.0, 10.0)), (4, 1, 1))
    pts[1, 0, 0] = np.nan  # first arm
    pts[2, 1, 1] = np.nan  # vertex
    pts[3, 2] = np.nan  # second arm
    out = sk.angle_deg(pts, (0, 1, 2))
    assert out[0] == pytest.approx(90.0)
    assert np.isnan(out[1:]).all()


def test_collinear_points_give_exactly_180_even_when_rounding_pushes_the_cosine_past_minus_one() -> None:
    # three collinear points for which the float cosine comes out as -1.0000000000000002: arccos of that
    # would be NaN (and warn) without clipping
    pts = _points((0.18268995459333195, 0.07737878661849872), (0.3653799091866639, 0.15475757323699743),
                  (0.5480698637799959, 0.2321363598554962))
    u, w = pts[0] - pts[1], pts[2] - pts[1]
    assert np.dot(u, w) / (np.linalg.norm(u) * np.linalg.norm(w)) < -1.0  # the case is really the hard one
    assert float(sk.angle_deg(pts, (0, 1, 2))) == 180.0
