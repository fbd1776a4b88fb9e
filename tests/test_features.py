"""Body-relative features on hand-placed skeletons whose answer is known by construction (image y down)."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import features as ft
from formcheck import skeleton as sk

LS, RS, LE, RE, LW, RW = (sk.LEFT_SHOULDER, sk.RIGHT_SHOULDER, sk.LEFT_ELBOW, sk.RIGHT_ELBOW, sk.LEFT_WRIST,
                          sk.RIGHT_WRIST)
LH, RH, LK, RK, LA, RA = sk.LEFT_HIP, sk.RIGHT_HIP, sk.LEFT_KNEE, sk.RIGHT_KNEE, sk.LEFT_ANKLE, sk.RIGHT_ANKLE
LHEEL, RHEEL, LTOE, RTOE = sk.LEFT_HEEL, sk.RIGHT_HEEL, sk.LEFT_FOOT_INDEX, sk.RIGHT_FOOT_INDEX
LPINKY, RPINKY, LINDEX, RINDEX = 17, 18, 19, 20  # MediaPipe hand landmarks (not named in skeleton.py)


def _pose(points: dict[int, tuple[float, float]]) -> np.ndarray:
    """A (33, 2) pixel skeleton, NaN everywhere but the given landmarks."""
    xy = np.full((33, 2), np.nan)
    for i, p in points.items():
        xy[i] = p
    return xy


def _standing() -> np.ndarray:
    """Upright athlete seen from the front, toes pointing to +x; legs of exactly 100 px, floor at y = 300.

    shoulders y=100 (70 px apart), hips y=200 (30 apart), knees y=250, ankles y=300, heels/toes y=310,
    wrists at hip height. Torso (mid-shoulder to mid-hip) is 100 px, so the view ratio is 0.7.
    """
    return _pose({
        LS: (135.0, 100.0), RS: (65.0, 100.0),
        LE: (140.0, 150.0), RE: (60.0, 150.0),
        LW: (140.0, 200.0), RW: (60.0, 200.0),
        LPINKY: (141.0, 210.0), RPINKY: (59.0, 210.0), LINDEX: (139.0, 212.0), RINDEX: (61.0, 212.0),
        LH: (115.0, 200.0), RH: (85.0, 200.0),
        LK: (115.0, 250.0), RK: (85.0, 250.0),
        LA: (115.0, 300.0), RA: (85.0, 300.0),
        LHEEL: (110.0, 310.0), RHEEL: (80.0, 310.0),
        LTOE: (130.0, 310.0), RTOE: (100.0, 310.0),
    })


def _trunk(angle_below_horizontal_deg: float, length: float = 100.0) -> np.ndarray:
    """Hips at (500, 400); shoulders ``length`` px away, pointing that many degrees below horizontal (y down)."""
    th = np.radians(angle_below_horizontal_deg)
    sho = (500.0 + length * np.cos(th), 400.0 + length * np.sin(th))
    return _pose({LH: (500.0, 400.0), RH: (500.0, 400.0), LS: sho, RS: sho})


# ---------------------------------------------------------------------------------------------- leg length


def test_leg_length_is_thigh_plus_shank_in_pixels() -> None:
    # thigh a 30-40-50 triangle, shank a 14-48-50 triangle: 50 + 50 = 100 px on both sides
    xy = _pose({LH: (0.0, 0.0), LK: (30.0, 40.0), LA: (16.0, 88.0),
                RH: (10.0, 0.0), RK: (50.0, 30.0), RA: (64.0, 78.0)})
    assert float(ft.leg_length_px(xy)) == pytest.approx(100.0)


def test_leg_length_takes_the_longer_side() -> None:
    # left leg 100 px; right leg foreshortened (knee toward the camera): thigh 20 + shank 30 = 50 px
    xy = _standing()
    xy[RK] = (85.0, 220.0)
    xy[RA] = (85.0, 250.0)
    assert float(ft.leg_length_px(xy)) == pytest.approx(100.0)
    xy2 = _standing()
    xy2[LK] = (115.0, 220.0)
    xy2[LA] = (115.0, 250.0)
    xy2[RA] = (85.0, 330.0)  # right leg now 50 + 80 = 130 px
    assert float(ft.leg_length_px(xy2)) == pytest.approx(130.0)


@pytest.mark.parametrize("missing", [RH, RK, RA])
def test_leg_length_falls_back_to_the_complete_side_when_a_point_is_missing(missing: int) -> None:
    xy = _standing()
    xy[RA] = (85.0, 400.0)  # the right leg would be the longer one (50 + 150 = 200 px) ...
    xy[missing] = np.nan  # ... but it is incomplete
    assert float(ft.leg_length_px(xy)) == pytest.approx(100.0)


def test_leg_length_is_nan_when_neither_leg_is_complete() -> None:
    xy = _standing()
    xy[LK] = np.nan
    xy[RA, 1] = np.nan
    assert np.isnan(ft.leg_length_px(xy))


def test_leg_length_is_per_frame_over_any_leading_axes() -> None:
    frames = np.stack([_standing() * s for s in (1.0, 2.0, 0.5, 3.0, 1.5, 0.25)])  # legs scale with the image
    out = ft.leg_length_px(frames.reshape(2, 3, 33, 2))
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out.ravel(), [100.0, 200.0, 50.0, 300.0, 150.0, 25.0])


def _series_with_leg_lengths(lengths: list[float]) -> np.ndarray:
    """Frames with a straight vertical left leg of the given length (NaN = no leg) and no right leg."""
    xy = np.full((len(lengths), 33, 2), np.nan)
    for t, n in enumerate(lengths):
        xy[t, LH] = (0.0, 0.0)
        xy[t, LK] = (0.0, n / 2)
        xy[t, LA] = (0.0, n)
    return xy


def test_robust_leg_length_is_the_90th_percentile_ignoring_missing_frames() -> None:
    # ten frames 10..100 px plus three frames without a leg: the 90th percentile (linear) of 10..100 sits at
    # rank 0.9 * 9 = 8.1, i.e. 90 + 0.1 * (100 - 90) = 91 px; NaN frames must neither count nor poison it
    lengths = [30.0, np.nan, 10.0, 100.0, 50.0, np.nan, 70.0, 20.0, 90.0, 40.0, 80.0, np.nan, 60.0]
    assert ft.robust_leg_length_px(_series_with_leg_lengths(lengths)) == pytest.approx(91.0)


def test_robust_leg_length_is_not_shrunk_by_a_minority_of_foreshortened_frames() -> None:
    # a squat seen from the front: the leg looks half as long in 3 frames out of 20
    lengths = [100.0] * 17 + [50.0] * 3
    assert ft.robust_leg_length_px(_series_with_leg_lengths(lengths)) == pytest.approx(100.0)


def test_robust_leg_length_is_nan_when_no_frame_has_a_leg() -> None:
    value = ft.robust_leg_length_px(_series_with_leg_lengths([np.nan] * 4))
    assert isinstance(value, float) and np.isnan(value)


def test_robust_leg_length_of_a_single_frame_is_that_frames_length() -> None:
    assert ft.robust_leg_length_px(_standing()) == pytest.approx(100.0)


# ---------------------------------------------------------------------------------------------- inverted trunk


@pytest.mark.parametrize(
    ("angle", "inverted"),
    [
        (-90.0, False),  # upright: shoulders straight above the hips
        (-30.0, False),  # leaning, shoulders still above
        (0.0, False),  # a hinge to horizontal
        (30.0, False),  # shoulders a little below the hips (deep hinge, lying down): still a posture
        (40.0, False),
        (50.0, True),  # steeper than 45° down: only a pose-model failure does that
        (90.0, True),  # standing on its head
        (120.0, True),  # on its head, facing the other way
    ],
)
def test_trunk_is_inverted_only_when_it_points_more_than_45_degrees_down(angle: float, inverted: bool) -> None:
    assert bool(ft.inverted_trunk(_trunk(angle))) is inverted


def test_inverted_trunk_does_not_depend_on_trunk_length() -> None:
    for length in (1.0, 37.0, 1000.0):
        assert bool(ft.inverted_trunk(_trunk(60.0, length))) is True
        assert bool(ft.inverted_trunk(_trunk(20.0, length))) is False


def test_inverted_trunk_uses_the_shoulder_and_hip_midpoints() -> None:
    # one shoulder below the hips, the other well above: the mid-shoulder is above the mid-hip -> upright
    xy = _pose({LH: (500.0, 400.0), RH: (540.0, 400.0), LS: (500.0, 450.0), RS: (540.0, 150.0)})
    assert not ft.inverted_trunk(xy)
    xy[RS] = (540.0, 550.0)  # both below now: mid-shoulder straight under the mid-hip
    assert ft.inverted_trunk(xy)


@pytest.mark.parametrize("missing", [LS, RS, LH, RH])
def test_inverted_trunk_is_false_where_the_trunk_is_missing(missing: int) -> None:
    xy = _trunk(90.0)
    xy[missing] = np.nan
    assert bool(ft.inverted_trunk(xy)) is False


def test_inverted_trunk_is_per_frame() -> None:
    frames = np.stack([_trunk(-90.0), _trunk(90.0), _trunk(0.0), _trunk(70.0)])
    frames[2, LS] = np.nan
    out = ft.inverted_trunk(frames)
    assert out.dtype == np.bool_
    assert out.tolist() == [False, True, False, True]


# ---------------------------------------------------------------------------------------------- swap limbs

UPPER_LOWER = ((LS, LH), (RS, RH), (LE, LK), (RE, RK), (LW, LA), (RW, RA), (LPINKY, LHEEL), (RPINKY, RHEEL),
               (LINDEX, LTOE), (RINDEX, RTOE))
"""The documented exchange: shoulder-hip, elbow-knee, wrist-ankle, pinky-heel, index-toe, per side."""


def _upside_down(xy: np.ndarray) -> np.ndarray:
    """What MediaPipe fits on a head-cropped frame: hips on the shoulders, ankles on the hands, etc."""
    out = xy.copy()
    for u, lo in UPPER_LOWER:
        out[..., [u, lo], :] = xy[..., [lo, u], :]
    return out


def test_swap_limbs_exchanges_each_upper_landmark_with_its_lower_twin() -> None:
    upright = _standing()
    upright[sk.NOSE] = (100.0, 50.0)
    out = ft.swap_limbs(upright, np.bool_(True))
    for u, lo in UPPER_LOWER:
        np.testing.assert_array_equal(out[u], upright[lo])
        np.testing.assert_array_equal(out[lo], upright[u])
    untouched = [i for i in range(33) if i not in {j for pair in UPPER_LOWER for j in pair}]
    np.testing.assert_array_equal(out[untouched], upright[untouched])  # nose, eyes, thumbs... stay put


def test_swap_limbs_turns_an_upside_down_skeleton_the_right_way_up() -> None:
    upright = _standing()
    fault = _upside_down(upright)
    assert bool(ft.inverted_trunk(fault)) and not bool(ft.inverted_trunk(upright))
    fixed = ft.swap_limbs(fault, np.bool_(True))
    np.testing.assert_array_equal(fixed, upright)
    assert not bool(ft.inverted_trunk(fixed))


def test_swap_limbs_only_touches_masked_frames_and_leaves_the_input_alone() -> None:
    upright = _standing()
    series = np.stack([upright, _upside_down(upright), upright, _upside_down(upright)])
    before = series.copy()
    mask = ft.inverted_trunk(series)
    assert mask.tolist() == [False, True, False, True]
    out = ft.swap_limbs(series, mask)
    np.testing.assert_array_equal(series, before)  # a copy, not in place
    np.testing.assert_array_equal(out, np.stack([upright] * 4))


def test_swap_limbs_with_an_empty_mask_returns_an_equal_independent_copy() -> None:
    series = np.stack([_standing(), _standing()])
    out = ft.swap_limbs(series, np.zeros(2, bool))
    np.testing.assert_array_equal(out, series)
    out[0, LS] = -1.0
    assert series[0, LS, 0] == 135.0


def test_swap_limbs_moves_per_landmark_scalars_like_visibility_too() -> None:
    vis = np.tile(np.arange(33, dtype=float) / 100.0, (3, 1))  # (T, 33): each landmark's own index / 100
    out = ft.swap_limbs(vis, np.array([False, True, False]))
    np.testing.assert_array_equal(out[[0, 2]], vis[[0, 2]])
    for u, lo in UPPER_LOWER:
        assert out[1, u] == vis[1, lo] and out[1, lo] == vis[1, u]
    assert out[1, sk.NOSE] == 0.0


def test_swap_limbs_handles_3d_landmarks_on_a_grid_of_frames() -> None:
    xyz = np.random.default_rng(3).normal(size=(2, 2, 33, 3))
    mask = np.array([[True, False], [False, True]])
    out = ft.swap_limbs(xyz, mask)
    for t in np.ndindex(2, 2):
        expected = _upside_down(xyz[t]) if mask[t] else xyz[t]
        np.testing.assert_array_equal(out[t], expected)


# ---------------------------------------------------------------------------------------------- foot pitch


def _foot(side: str, pitch_deg: float, facing: float = 1.0, length: float = 40.0) -> np.ndarray:
    """One foot, heel at (200, 500), toe ``length`` px away, heel above the toe by ``pitch_deg`` (y down)."""
    ix = sk.SIDE_INDEX[side]
    th = np.radians(pitch_deg)
    toe = (200.0 + facing * length * np.cos(th), 500.0 + length * np.sin(th))
    return _pose({ix["heel"]: (200.0, 500.0), ix["toe"]: toe})


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_foot_pitch_is_positive_with_the_heel_above_the_toe(side: str, facing: float) -> None:
    # a calf raise: heel lifted 10° (the toe is lower in the image, larger y) whichever way the athlete faces
    assert float(ft.foot_pitch_deg(_foot(side, 10.0, facing), side)) == pytest.approx(10.0)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_foot_pitch_is_negative_with_the_toes_raised(facing: float) -> None:
    # a tibialis raise: toes 25° up (the toe has a smaller y than the heel)
    assert float(ft.foot_pitch_deg(_foot("left", -25.0, facing), "left")) == pytest.approx(-25.0)


def test_foot_pitch_is_zero_for_a_flat_foot_and_90_for_a_foot_standing_on_its_toes() -> None:
    assert float(ft.foot_pitch_deg(_foot("right", 0.0), "right")) == pytest.approx(0.0)
    assert float(ft.foot_pitch_deg(_foot("right", 90.0), "right")) == pytest.approx(90.0)
    assert float(ft.foot_pitch_deg(_foot("right", 10.0, length=3.0), "right")) == pytest.approx(10.0)


def test_foot_pitch_reads_the_requested_sides_landmarks() -> None:
    xy = _foot("left", 15.0)
    right = _foot("right", -5.0)
    xy[[RHEEL, RTOE]] = right[[RHEEL, RTOE]] + (300.0, 0.0)
    assert float(ft.foot_pitch_deg(xy, "left")) == pytest.approx(15.0)
    assert float(ft.foot_pitch_deg(xy, "right")) == pytest.approx(-5.0)


def test_foot_pitch_is_nan_without_heel_or_toe_and_per_frame_otherwise() -> None:
    frames = np.stack([_foot("left", p) for p in (-20.0, 0.0, 5.0, 30.0, 45.0)])
    frames[3, LHEEL] = np.nan
    frames[4, LTOE, 1] = np.nan
    out = ft.foot_pitch_deg(frames, "left")
    assert out.shape == (5,)
    np.testing.assert_allclose(out[:3], [-20.0, 0.0, 5.0])
    assert np.isnan(out[3:]).all()


# ---------------------------------------------------------------------------------------------- frame features


def test_frame_features_returns_exactly_the_documented_names_as_float_arrays() -> None:
    f = ft.frame_features(_standing(), 100.0, 300.0)
    assert set(f) == set(ft.FEATURES)
    assert len(ft.FEATURES) == len(set(ft.FEATURES))
    for name, v in f.items():
        assert isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == (), name


def test_frame_features_of_an_upright_standing_athlete() -> None:
    # every value follows from the coordinates in _standing() with L = 100 px and the floor at y = 300
    f = ft.frame_features(_standing(), 100.0, 300.0)
    expected = {
        "hip_h_L": 1.0,  # hips 100 px above the ankles
        "shoulder_h_L": 2.0,
        "hip_floor_L": 1.0,
        "shoulder_floor_L": 2.0,
        "heel_up_deg": 0.0, "heel_up_left_deg": 0.0, "heel_up_right_deg": 0.0,
        "wrist_up_L": -1.0,  # wrists hang 100 px below the shoulders
        "knee_left_deg": 180.0, "knee_right_deg": 180.0,
        "ankle_h_left_L": 0.0, "ankle_h_right_L": 0.0,
        "shoulder_tilt_deg": 0.0,
        "body_line_deg": 0.0,
        "hip_angle_deg": 180.0,
        "knee_over_toe_left_L": -0.15, "knee_over_toe_right_L": -0.15,  # knees 15 px behind the toes
        "hip_above_knee_left_L": 0.5, "hip_above_knee_right_L": 0.5,
        "feet_split_L": 0.3,
        "view_ratio": 0.7,  # 70 px shoulders over a 100 px torso
    }
    assert set(expected) == set(ft.FEATURES)
    for name, value in expected.items():
        assert float(f[name]) == pytest.approx(value, abs=1e-9), name


def test_hip_angle_closes_with_the_hinge_whatever_the_hips_height() -> None:
    # a hinge seen from the side: the trunk pitched forward about the hip, the thighs kept vertical; the hips moved
    # back and not down (as a hinge starts), so the hip height is unchanged while the hip angle reads 180 - pitch
    for pitch_deg in (0.0, 30.0, 90.0, 110.0):
        xy = _standing()
        xy[[LH, RH, LK, RK], 0] -= 20.0
        hip = 0.5 * (xy[LH] + xy[RH])
        th = np.radians(pitch_deg)
        for j in (LS, RS):
            xy[j] = hip + 100.0 * np.array([np.sin(th), -np.cos(th)])
        f = ft.frame_features(xy, 100.0, 300.0)
        assert float(f["hip_angle_deg"]) == pytest.approx(180.0 - pitch_deg, abs=1e-9)
        assert float(f["hip_h_L"]) == pytest.approx(1.0, abs=1e-9)


def test_frame_features_are_in_body_units_independent_of_image_scale_and_position() -> None:
    # the same pose filmed 2.5x closer and shifted in the frame: every feature is unchanged
    xy = _standing()
    xy[LK] = (160.0, 230.0)  # a bent, raised left leg and a tilted, asymmetric upper body, so nothing is 0
    xy[LA] = (150.0, 280.0)
    xy[LHEEL], xy[LTOE] = (140.0, 285.0), (165.0, 295.0)
    xy[LS], xy[LW] = (135.0, 110.0), (150.0, 60.0)
    f1 = ft.frame_features(xy, 100.0, 300.0)
    f2 = ft.frame_features(2.5 * xy + (-40.0, 75.0), 250.0, 2.5 * 300.0 + 75.0)
    for name in ft.FEATURES:
        assert float(f2[name]) == pytest.approx(float(f1[name]), abs=1e-9), name
    assert float(f1["knee_left_deg"]) < 180.0 and float(f1["shoulder_tilt_deg"]) != 0.0


def test_hip_height_is_measured_from_the_lower_ankle_so_a_raised_foot_does_not_move_it() -> None:
    xy = _standing()
    xy[RK], xy[RA] = (135.0, 220.0), (85.0, 240.0)  # right foot lifted 60 px off the floor
    f = ft.frame_features(xy, 100.0, 300.0)
    assert float(f["hip_h_L"]) == pytest.approx(1.0)
    assert float(f["shoulder_h_L"]) == pytest.approx(2.0)
    assert float(f["ankle_h_right_L"]) == pytest.approx(0.6)
    assert float(f["ankle_h_left_L"]) == pytest.approx(0.0)


def test_hip_height_is_positive_upwards_and_shrinks_in_a_squat() -> None:
    # side-view squat: hips dropped to knee height (50 px above the ankles), thighs horizontal
    xy = _standing()
    for i, p in {LH: (100.0, 250.0), RH: (100.0, 250.0), LK: (150.0, 250.0), RK: (150.0, 250.0),
                 LS: (140.0, 160.0), RS: (140.0, 160.0)}.items():
        xy[i] = p
    xy[[LA, RA]] = (150.0, 300.0)
    f = ft.frame_features(xy, 100.0, 300.0)
    assert float(f["hip_h_L"]) == pytest.approx(0.5)
    assert float(f["hip_floor_L"]) == pytest.approx(0.5)
    assert float(f["hip_above_knee_left_L"]) == pytest.approx(0.0)  # thighs parallel
    assert float(f["knee_left_deg"]) == pytest.approx(90.0)  # thigh horizontal, shank vertical
    assert float(f["knee_right_deg"]) == pytest.approx(90.0)


def test_hip_floor_uses_the_given_floor_row_not_the_ankles() -> None:
    xy = _standing()
    xy[[LA, RA], 1] = 150.0  # ankles jumped onto the knees (a landmark glitch in a deep squat)
    f = ft.frame_features(xy, 100.0, 320.0)
    assert float(f["hip_floor_L"]) == pytest.approx(1.2)
    assert float(f["shoulder_floor_L"]) == pytest.approx(2.2)
    assert float(f["hip_h_L"]) == pytest.approx(-0.5)  # the ankle-relative one is fooled


def test_floor_row_can_vary_per_frame() -> None:
    frames = np.stack([_standing(), _standing(), _standing()])
    f = ft.frame_features(frames, 100.0, np.array([300.0, 250.0, 410.0]))
    np.testing.assert_allclose(f["hip_floor_L"], [1.0, 0.5, 2.1])
    np.testing.assert_allclose(f["ankle_h_left_L"], [0.0, -0.5, 1.1])
    np.testing.assert_allclose(f["hip_h_L"], [1.0, 1.0, 1.0])


def test_heel_up_is_the_mean_pitch_of_both_feet() -> None:
    xy = _standing()
    for side, pitch in (("left", 12.0), ("right", 4.0)):
        ix = sk.SIDE_INDEX[side]
        heel = xy[ix["heel"]]
        xy[ix["toe"]] = heel + 20.0 * np.array([np.cos(np.radians(pitch)), np.sin(np.radians(pitch))])
    f = ft.frame_features(xy, 100.0, 300.0)
    assert float(f["heel_up_left_deg"]) == pytest.approx(12.0)
    assert float(f["heel_up_right_deg"]) == pytest.approx(4.0)
    assert float(f["heel_up_deg"]) == pytest.approx(8.0)


def test_wrists_overhead_give_positive_wrist_up() -> None:
    xy = _standing()
    xy[[LW, RW], 1] = [-50.0, 10.0]  # mean wrist row -20: 120 px above the shoulders
    assert float(ft.frame_features(xy, 100.0, 300.0)["wrist_up_L"]) == pytest.approx(1.2)


def test_shoulder_tilt_is_positive_when_the_athletes_left_shoulder_is_lower() -> None:
    xy = _standing()  # shoulders 70 px apart
    xy[LS, 1] = 170.0  # left shoulder 70 px lower than the right: 45°
    assert float(ft.frame_features(xy, 100.0, 300.0)["shoulder_tilt_deg"]) == pytest.approx(45.0)
    xy[LS, 1] = 100.0 - 70.0 * np.tan(np.radians(20.0))  # left shoulder higher
    assert float(ft.frame_features(xy, 100.0, 300.0)["shoulder_tilt_deg"]) == pytest.approx(-20.0)
    # the sign follows the athlete's sides, not the image's: mirroring the image keeps it
    mirrored = xy.copy()
    mirrored[:, 0] = 400.0 - mirrored[:, 0]
    assert float(ft.frame_features(mirrored, 100.0, 300.0)["shoulder_tilt_deg"]) == pytest.approx(-20.0)


def _plank(hip_sag_deg: float) -> np.ndarray:
    """Side-view plank: shoulders at (100, 200), hips 100 px to the right, ankles 150 px beyond the hips,
    the hip-to-ankle segment bent down by ``hip_sag_deg`` from the shoulder-hip line."""
    th = np.radians(hip_sag_deg)
    ank = (200.0 + 150.0 * np.cos(th), 200.0 + 150.0 * np.sin(th))
    return _pose({LS: (100.0, 200.0), RS: (100.0, 200.0), LH: (200.0, 200.0), RH: (200.0, 200.0),
                  LA: ank, RA: ank})


@pytest.mark.parametrize("bend", [0.0, 15.0, -30.0, 90.0])
def test_body_line_is_the_bend_at_the_hips_and_zero_for_a_straight_body(bend: float) -> None:
    f = ft.frame_features(_plank(bend), 100.0, 400.0)
    assert float(f["body_line_deg"]) == pytest.approx(abs(bend), abs=1e-9)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_knee_over_toe_is_positive_when_the_knee_is_ahead_along_the_facing_direction(facing: float) -> None:
    # toes point to +x (facing = 1) or, mirrored, to -x: the knee 20 px past the toe is +0.2 L either way
    xy = _standing()
    xy[LK, 0] = xy[LTOE, 0] + 20.0  # left knee 20 px ahead of the left toe
    xy[RK, 0] = xy[RTOE, 0] - 30.0  # right knee 30 px behind the right toe
    if facing < 0:
        xy[:, 0] = 400.0 - xy[:, 0]
    f = ft.frame_features(xy, 100.0, 300.0)
    assert float(f["knee_over_toe_left_L"]) == pytest.approx(0.2)
    assert float(f["knee_over_toe_right_L"]) == pytest.approx(-0.3)


def test_hip_above_knee_is_negative_below_parallel() -> None:
    xy = _standing()
    xy[LH, 1] = 270.0  # left hip 20 px below the left knee (deep squat)
    xy[RH, 1] = 230.0  # right hip 20 px above the right knee
    f = ft.frame_features(xy, 100.0, 300.0)
    assert float(f["hip_above_knee_left_L"]) == pytest.approx(-0.2)
    assert float(f["hip_above_knee_right_L"]) == pytest.approx(0.2)


def test_feet_split_is_the_horizontal_ankle_distance_ignoring_height() -> None:
    xy = _standing()
    xy[LA] = (260.0, 240.0)  # lunge: front ankle 175 px to the side of the other and raised
    assert float(ft.frame_features(xy, 100.0, 300.0)["feet_split_L"]) == pytest.approx(1.75)


def test_view_ratio_is_about_zero_from_the_side_and_shoulder_width_over_torso_from_the_front() -> None:
    front = _standing()
    side = _standing()
    side[[LS, RS], 0] = 100.0  # shoulders overlap in a side view
    assert float(ft.frame_features(front, 100.0, 300.0)["view_ratio"]) == pytest.approx(0.7)
    assert float(ft.frame_features(side, 100.0, 300.0)["view_ratio"]) == pytest.approx(0.0)


def test_frame_features_on_a_series_match_the_single_frame_results() -> None:
    a = _standing()
    b = _plank(30.0)
    b[[LK, RK]] = (260.0, 240.0)
    series = np.stack([a, b])
    fs = ft.frame_features(series, 100.0, 300.0)
    for t, frame in enumerate((a, b)):
        f1 = ft.frame_features(frame, 100.0, 300.0)
        for name in ft.FEATURES:
            assert fs[name].shape == (2,), name
            np.testing.assert_array_equal(fs[name][t], f1[name], err_msg=name)


def test_missing_landmarks_give_nan_features_not_wrong_numbers() -> None:
    xy = _standing()
    xy[LK] = np.nan
    xy[[LHEEL, RHEEL]] = np.nan  # no heels: foot pitch unknown (the facing falls back to +x)
    f = ft.frame_features(xy, 100.0, 300.0)
    for name in ("knee_left_deg", "knee_over_toe_left_L", "hip_above_knee_left_L", "heel_up_deg",
                 "heel_up_left_deg", "heel_up_right_deg"):
        assert np.isnan(f[name]), name
    # features that do not use those landmarks are unaffected
    assert float(f["knee_right_deg"]) == pytest.approx(180.0)
    assert float(f["hip_h_L"]) == pytest.approx(1.0)
    assert float(f["knee_over_toe_right_L"]) == pytest.approx(-0.15)


def test_one_missing_ankle_leaves_the_standing_height_on_the_other() -> None:
    xy = _standing()
    xy[RA] = np.nan
    f = ft.frame_features(xy, 100.0, 300.0)
    assert float(f["hip_h_L"]) == pytest.approx(1.0)
    assert np.isnan(f["ankle_h_right_L"]) and np.isnan(f["feet_split_L"])


# ---------------------------------------------------------------------------------------------- signal confidence


def test_signal_confidence_is_the_mean_visibility_of_that_signals_landmarks_only() -> None:
    vis = np.zeros(33)
    vis[[LW, RW, LS, RS]] = [1.0, 0.5, 0.8, 0.9]  # the wrist_up_L landmarks
    assert float(ft.signal_confidence(vis, "wrist_up_L")) == pytest.approx((1.0 + 0.5 + 0.8 + 0.9) / 4)
    vis2 = np.ones(33)
    vis2[[LW, RW, LS, RS]] = 0.0  # everything else fully visible does not help
    assert float(ft.signal_confidence(vis2, "wrist_up_L")) == pytest.approx(0.0)


def test_signal_confidence_of_hip_height_reads_hips_knees_and_ankles() -> None:
    vis = np.zeros(33)
    vis[[LH, RH, LK, RK, LA, RA]] = [0.9, 0.9, 0.6, 0.6, 0.3, 0.3]
    assert float(ft.signal_confidence(vis, "hip_h_L")) == pytest.approx(0.6)
    assert float(ft.signal_confidence(vis, "hip_floor_L")) == pytest.approx(0.6)
    # the shoulder signals swap the knees for the shoulders (visibility 0 here)
    assert float(ft.signal_confidence(vis, "shoulder_h_L")) == pytest.approx((0.9 * 2 + 0.3 * 2) / 6)


def test_signal_confidence_of_heel_up_reads_the_feet() -> None:
    vis = np.zeros(33)
    vis[[LHEEL, RHEEL, LTOE, RTOE, LA, RA]] = 1.0
    vis[[LH, RH]] = 0.0
    assert float(ft.signal_confidence(vis, "heel_up_deg")) == pytest.approx(1.0)


def test_signal_confidence_counts_missing_visibility_as_zero_per_frame() -> None:
    vis = np.ones((3, 33))
    vis[1, LK] = np.nan  # one of six hip_h_L landmarks unknown
    vis[2] = np.nan  # nothing detected
    out = ft.signal_confidence(vis, "hip_h_L")
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [1.0, 5.0 / 6.0, 0.0])


def test_every_driving_signal_has_landmarks_and_is_a_feature() -> None:
    for name, idx in ft.SIGNAL_LANDMARKS.items():
        assert name in ft.FEATURES, name
        assert idx and all(0 <= i < 33 for i in idx), name
