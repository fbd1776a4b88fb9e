"""Stretches in which the driving signal's landmarks left the picture (formcheck.inview), on literal arrays."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import skeleton as sk
from formcheck.inview import OutOfView, ViewWatch, out_of_view, outside_picture, watched

HIP = watched("hip_h_L")
FEET = [sk.LEFT_ANKLE, sk.RIGHT_ANKLE, sk.LEFT_HEEL, sk.RIGHT_HEEL, sk.LEFT_FOOT_INDEX, sk.RIGHT_FOOT_INDEX]


def _series(n: int = 100, fps: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """A person standing in the middle of the picture: every landmark at (0.5, 0.3-0.9)."""
    t = np.arange(n) / fps
    xyz = np.zeros((n, 33, 3))
    xyz[..., 0] = 0.5
    xyz[..., 1] = np.linspace(0.1, 0.9, 33)[None, :]
    return t, xyz


def test_feet_below_the_frame_for_two_seconds_are_one_stretch_naming_the_feet() -> None:
    t, xyz = _series()
    xyz[30:50, FEET, 1] = 1.08  # frames 3.0-4.9 s: the feet below the bottom edge
    s = out_of_view(t, xyz, HIP, 0.6)
    assert s == [OutOfView(3.0, 5.0, ("feet",))]
    assert s[0].duration_s == pytest.approx(2.0)
    assert s[0].what() == "the feet were out of the picture"
    # a squat's signal does not use the wrists: hands out of the picture are no stretch for it
    xyz2 = _series()[1]
    xyz2[30:50, [sk.LEFT_WRIST, sk.RIGHT_WRIST], 1] = -0.1
    assert out_of_view(t, xyz2, HIP, 0.6) == []
    assert out_of_view(t, xyz2, watched("wrist_up_L"), 0.6) == [OutOfView(3.0, 5.0, ("hands",))]


def test_a_stretch_shorter_than_the_shortest_rep_is_not_reported() -> None:
    t, xyz = _series()
    xyz[30:35, FEET, 1] = 1.08  # 0.5 s
    assert out_of_view(t, xyz, HIP, 0.6) == []
    assert out_of_view(t, xyz, HIP, 0.4) == [OutOfView(3.0, 3.5, ("feet",))]


def test_nobody_before_the_first_and_after_the_last_detection_is_no_stretch_but_a_gap_between_is() -> None:
    t, xyz = _series()
    xyz[:20] = np.nan  # not there yet
    xyz[90:] = np.nan  # gone
    xyz[40:55] = np.nan  # lost mid-set for 1.5 s
    assert out_of_view(t, xyz, HIP, 0.6) == [OutOfView(4.0, 5.5, ())]
    assert OutOfView(4.0, 5.5, ()).what() == "nobody was seen"


def test_a_return_to_view_shorter_than_the_shortest_rep_joins_the_stretches_either_side() -> None:
    t, xyz = _series()
    xyz[20:30] = np.nan  # 2.0-2.9 s nobody
    xyz[33:40] = np.nan  # back in view for 0.3 s (frames 30-32), then nobody again until 3.9 s
    assert out_of_view(t, xyz, HIP, 0.6) == [OutOfView(2.0, 4.0, ())]
    xyz[33:40] = xyz[0]  # a whole second back in view before the next stretch
    xyz[40:50] = np.nan
    assert out_of_view(t, xyz, HIP, 0.6) == [OutOfView(2.0, 3.0, ()), OutOfView(4.0, 5.0, ())]


def test_walking_out_of_the_picture_at_the_end_ends_at_the_last_detection() -> None:
    t, xyz = _series()
    xyz[70:85, FEET, 1] = 1.2
    xyz[80:85, sk.LEFT_KNEE:sk.RIGHT_KNEE + 1, 1] = 1.05
    xyz[85:] = np.nan
    assert out_of_view(t, xyz, HIP, 0.6) == [OutOfView(7.0, 8.4, ("knees", "feet"))]


def test_the_live_watcher_announces_once_when_the_stretch_is_long_enough_and_agrees_with_the_series() -> None:
    t, xyz = _series()
    xyz[30:50, FEET, 1] = 1.08
    xyz[70:80, FEET, 0] = -0.02
    w = ViewWatch(HIP, 0.6)
    said = [(ti, u) for ti, p in zip(t, xyz, strict=True) if (u := w.push(float(ti), p)) is not None]
    # announced on the first frame 0.6 s into each stretch, with the stretch so far
    assert [round(ti, 3) for ti, _ in said] == [3.6, 7.6]
    assert said[0][1] == OutOfView(3.0, 3.6, ("feet",))
    assert w.finish() == out_of_view(t, xyz, HIP, 0.6) == [OutOfView(3.0, 5.0, ("feet",)),
                                                                   OutOfView(7.0, 8.0, ("feet",))]
    # the same frames with nobody detected passed as None
    w2 = ViewWatch(HIP, 0.6)
    for ti, p in zip(t, xyz, strict=True):
        w2.push(float(ti), p)
    assert w2.so_far(9.9) == w2.stretches == w.stretches


def test_outside_picture_per_landmark_and_missing_frames() -> None:
    p = np.full((2, 33, 3), 0.5)
    p[0, sk.LEFT_ANKLE, 1] = 1.01
    p[1] = np.nan
    out = outside_picture(p, HIP)
    assert out.shape == (2, 6)
    assert out[0].tolist() == [False, False, False, False, True, False]  # hips, knees, ankles: the left ankle
    assert not out[1].any()


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="unknown driving signal"):
        watched("hip_height")
    with pytest.raises(ValueError, match="landmark indices"):
        ViewWatch((sk.NOSE,), 0.5)
    with pytest.raises(ValueError, match="min_s"):
        ViewWatch(HIP, 0.0)
    with pytest.raises(ValueError, match="end_s"):
        OutOfView(2.0, 1.0, ())
