"""Shoe timing by optical flow, on rendered frames of a textured shoe with a known ballistic trajectory."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from formcheck import footflow
from formcheck import skeleton as sk
from formcheck.types import Landmarks, VideoMeta

W, H = 200, 140
GROUND_Y = 100.0  # image row of the shoe's bottom edge when it rests on the floor (px)
SHOE = (40, 14)  # width, height (px)
LEG_PX = 170.0
V_PX_S, A_PX_S2 = 320.0, 1800.0  # speed at touchdown / takeoff and "gravity" in the image


def _texture(shape: tuple[int, int], seed: int) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.uniform(0, 255, shape).astype(np.float32), (0, 0), 1.0)


def _height_px(t: NDArray[np.float64], td_s: float, to_s: float) -> NDArray[np.float64]:
    """Shoe height above the floor (px): ballistic before ``td_s`` and after ``to_s``, zero between."""
    before, after = np.clip(td_s - t, 0, None), np.clip(t - to_s, 0, None)
    return V_PX_S * before - 0.5 * A_PX_S2 * before**2 + V_PX_S * after - 0.5 * A_PX_S2 * after**2


def _frames(t: NDArray[np.float64], td_s: float, to_s: float) -> list[NDArray[np.uint8]]:
    bg = _texture((H, W), 1)
    shoe = _texture((SHOE[1], SHOE[0]), 2)
    out = []
    for h in _height_px(t, td_s, to_s):
        m = np.float32([[1, 0, 80.0], [0, 1, GROUND_Y - SHOE[1] - h]])
        img = cv2.warpAffine(shoe, m, (W, H))
        mask = cv2.warpAffine(np.ones_like(shoe), m, (W, H))
        out.append(np.clip(bg * (1 - mask) + img * mask, 0, 255).astype(np.uint8))
    return out


def _toe_px(t0: float, td_s: float, to_s: float) -> NDArray[np.float64]:
    h = float(_height_px(np.array([t0]), td_s, to_s)[0])
    return np.array([80.0 + SHOE[0] - 4, GROUND_Y - h - 3])


@pytest.mark.parametrize("touchdown", [True, False])
def test_a_shoe_times_its_touchdown_and_takeoff_below_a_frame(touchdown: bool) -> None:
    fps, td_s, to_s = 240.0, 0.20137, 0.35291
    t = np.arange(0.0, 0.6, 1 / fps)
    frames = _frames(t, td_s, to_s)
    true_s = td_s if touchdown else to_s
    estimate = true_s + 0.006  # the landmarks' estimate, 1.4 frames late
    a, b = footflow.window(t, estimate)
    got, unc, n = footflow.time_event(t[a:b], frames[a:b], _toe_px(t[a], td_s, to_s), LEG_PX, estimate, touchdown)
    assert n >= footflow.MIN_POINTS
    # measured: 0.8 ms early (touchdown) and 0.2 ms (takeoff); the landmark estimate it starts from is 6 ms off.
    # Four of the touchdown's 21 corners are background dragged by the shoe's top edge (-10 to -19 ms on their
    # own, arriving at -60..+2 px/s against the shoe's 320): the speed rule drops them
    assert abs(got - true_s) < 0.5 / fps
    # the shared floor is UNC_FLOOR_PX over the points' median speed (about 250 px/s here, the shoe's edges slower
    # than its 320): 1.69 ms measured for both events
    assert footflow.UNC_FLOOR_PX / V_PX_S <= unc < 1 / fps


def test_one_point_on_an_exact_parabola_gives_the_exact_event() -> None:
    t = np.arange(0.0, 0.3, 1 / 240)
    td_s, to_s = 0.1234, 0.2011
    y = -_height_px(t, td_s, to_s)  # image height grows downwards
    got_td = footflow.point_event_s(t, y, td_s - 0.01, touchdown=True)
    got_to = footflow.point_event_s(t, y, to_s + 0.01, touchdown=False)
    assert got_td is not None and got_to is not None
    assert got_td[0] == pytest.approx(td_s, abs=1e-6) and got_to[0] == pytest.approx(to_s, abs=1e-6)
    # the speed towards the floor at touchdown and away from it at takeoff (px/s)
    assert got_td[1] == pytest.approx(V_PX_S, rel=1e-3) and got_to[1] == pytest.approx(V_PX_S, rel=1e-3)
    # 30 fps: too few flight frames in the window, so no time rather than a guess
    t30 = np.arange(0.0, 0.3, 1 / 30)
    assert footflow.point_event_s(t30, -_height_px(t30, td_s, to_s), td_s, touchdown=True) is None
    assert not footflow.usable(np.arange(0.0, 0.3, 1 / 60)) and footflow.usable(t)


def test_a_point_behind_the_toe_dates_the_contact_while_the_heel_keeps_lowering() -> None:
    # toe pinned at touchdown, the heel lowering and rising again (as in the renderer): a point halfway back
    # keeps moving down for the first part of the contact, then up before the toe leaves
    t = np.arange(0.0, 0.6, 1 / 240)
    td_s, to_s = 0.20137, 0.38291
    tau = np.clip((t - td_s) / (to_s - td_s), 0.0, 1.0)
    y = -_height_px(t, td_s, to_s) + 6.0 * np.sin(np.pi * tau)  # px, image y down
    got_td = footflow.point_event_s(t, y, td_s + 0.006, touchdown=True)
    got_to = footflow.point_event_s(t, y, to_s - 0.006, touchdown=False)
    assert got_td is not None and got_to is not None
    # measured: +0.7 and -0.5 ms (the line against the sine's curvature); a constant contact level (the median of
    # the ground side) gave +11.2 and -11.2 ms, more than two frame periods
    assert abs(got_td[0] - td_s) < 0.001 and abs(got_to[0] - to_s) < 0.001


def _landmarks(t: NDArray[np.float64], td_s: float, to_s: float) -> Landmarks:
    n = len(t)
    xyz = np.full((n, 33, 3), np.nan, np.float32)
    toe = np.array([_toe_px(x, td_s, to_s) for x in t])
    for side in ("left", "right"):
        ix = sk.SIDE_INDEX[side]
        xyz[:, ix["toe"], 0], xyz[:, ix["toe"], 1] = toe[:, 0] / W, toe[:, 1] / H
        xyz[:, ix["ankle"], :2] = [(toe[0, 0] - 30) / W, (GROUND_Y - 8) / H]
        xyz[:, ix["hip"], :2] = [(toe[0, 0] - 30) / W, (GROUND_Y - 8 - LEG_PX) / H]
    xyz[:, :, 2] = 0
    vis = np.ones((n, 33), np.float32)
    meta = VideoMeta("shoe.mp4", 240.0, n, n / 240.0, W, H)
    return Landmarks(t, xyz, vis, vis.copy(), np.zeros((n, 33, 3), np.float32), meta, "synthetic")


def test_streamed_frames_give_the_same_times_and_must_be_the_series_frames() -> None:
    t = np.arange(0.0, 0.6, 1 / 240)
    td_s, to_s = 0.20137, 0.35291
    frames = _frames(t, td_s, to_s)
    lm = _landmarks(t, td_s, to_s)
    reqs = [footflow.ShoeRequest(footflow.TOUCHDOWN, 0, td_s + 0.004),
            footflow.ShoeRequest(footflow.TAKEOFF, 1, to_s - 0.004)]
    need = footflow.frames_needed(t, reqs)
    shoe = footflow.time_events(lm, ((k, float(t[k]), frames[k]) for k in sorted(need)), reqs)
    assert len(shoe) == 2 and list(shoe.kind) == [0, 1] and list(shoe.foot) == [0, 1]
    np.testing.assert_allclose(shoe.t_s, [td_s, to_s], atol=0.001)
    # a window missing a frame is not timed, and the other events still are
    gap = sorted(need)[5]
    part = footflow.time_events(lm, ((k, float(t[k]), frames[k]) for k in sorted(need) if k != gap), reqs)
    assert np.isnan(part.t_s).sum() == 1
    with pytest.raises(ValueError, match="not the landmark series"):
        footflow.time_events(lm, ((k, float(t[k]) + 0.01, frames[k]) for k in sorted(need)), reqs)
