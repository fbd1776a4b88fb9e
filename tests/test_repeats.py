"""Frames a frame-rate conversion repeated, found from synthetic per-frame changes with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.repeats import frame_repeats, repeated_frames


def _changes(n: int, seed: int, moving: tuple[float, float] = (1.5, 6.0)) -> np.ndarray:
    """Per-frame changes of a moving scene (grey levels), NaN for the first frame."""
    c = np.random.default_rng(seed).uniform(*moving, n)
    c[0] = np.nan
    return c


@pytest.mark.parametrize(("fps", "every", "film_fps"), [(29.97, 6, 24.975), (29.97, 5, 23.976), (30.0, 3, 20.0),
                                                         (25.0, 25, 24.0)])
def test_a_conversion_that_repeats_every_nth_frame_is_found_with_the_films_rate(
        fps: float, every: int, film_fps: float) -> None:
    c = _changes(900, seed=every)
    truth = np.zeros(900, bool)
    truth[every - 1::every] = True
    c[truth] = np.random.default_rng(1).uniform(0.0, 0.05, truth.sum())  # codec noise only
    np.testing.assert_array_equal(repeated_frames(c), truth)
    rep = frame_repeats(c, fps)
    assert rep is not None
    assert rep.every_n == every and rep.converted and rep.count == truth.sum()
    assert rep.motion_fps == pytest.approx(film_fps, abs=0.01)
    assert f"every {every}" in rep.cue() and f"about {film_fps:.0f} fps to {fps:.0f} fps" in rep.cue()
    assert rep.summary()["timestamp_error_max_s"] == pytest.approx(1 / fps)


def test_a_still_scene_is_not_a_repeat() -> None:
    # an athlete standing still: every frame changes little, by the sensor's noise; then the set starts
    c = np.r_[np.nan, np.random.default_rng(2).uniform(0.1, 0.4, 299), _changes(300, seed=3)[1:]]
    assert not repeated_frames(c).any()
    assert frame_repeats(c, 30.0) is None


def test_repeats_in_places_are_reported_without_a_conversion_rate() -> None:
    c = _changes(1500, seed=4)
    c[4:500:5] = 0.01  # every 5th frame over the first third only
    rep = frame_repeats(c, 29.97)
    assert rep is not None and rep.every_n == 5 and not rep.converted
    assert rep.motion_fps == pytest.approx(29.97 * (1 - 100 / 1500))
    assert "100 of its 1500 frames (every 5th frame in places)" in rep.cue()


def test_near_still_frames_at_no_common_spacing_are_not_reported() -> None:
    c = _changes(600, seed=6)
    c[[10, 64, 66, 176, 223, 238, 360, 392, 507, 517, 530, 580]] = 0.01  # 2 % of the frames, every spacing different
    assert repeated_frames(c).sum() == 12
    assert frame_repeats(c, 60.0) is None


def test_a_few_repeats_are_not_reported_and_no_measure_is_none() -> None:
    c = _changes(1000, seed=5)
    c[[100, 400, 700]] = 0.0
    assert repeated_frames(c).sum() == 3
    assert frame_repeats(c, 30.0) is None  # 0.3 % of the frames: not a conversion
    assert frame_repeats(None, 30.0) is None
    assert frame_repeats(c[:5], 30.0) is None
