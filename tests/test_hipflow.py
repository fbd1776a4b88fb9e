"""The hip region tracked from frame to frame, on rendered frames of a textured body lowering and rising by a known,
sub-pixel path in front of a textured wall."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from formcheck import hipflow
from formcheck import skeleton as sk
from formcheck.types import Landmarks, VideoMeta

W, H, FPS = 320, 240, 30.0
HIP_X, HIP_Y0, DEPTH = 160.0, 90.0, 40.0  # hip position standing (px) and how far it lowers (px)
THIGH, SHANK = 55.0, 55.0  # leg segments (px): a 110 px leg, region radius 27 px


def _texture(shape: tuple[int, int], seed: int, sigma: float) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.uniform(0, 255, shape).astype(np.float32), (0, 0), sigma)


def _hip_path(t: NDArray[np.float64]) -> NDArray[np.float64]:
    """Hip row (px): still for 1 s, a 3 s cosine lowering, 1 s at the bottom, a 1.5 s rise, still again."""
    u = np.clip((t - 1.0) / 3.0, 0, 1)
    down = 0.5 - 0.5 * np.cos(np.pi * u)
    r = np.clip((t - 5.0) / 1.5, 0, 1)
    up = 0.5 - 0.5 * np.cos(np.pi * r)
    return HIP_Y0 + DEPTH * (down - up)


def _frames(hip_y: NDArray[np.float64], body_moves: bool = True) -> list[NDArray[np.uint8]]:
    wall = _texture((H, W), 1, 2.0)
    body = _texture((120, 70), 2, 1.2) * 0.6 + 70  # a textured trunk-and-thigh block centred on the hip
    rng = np.random.default_rng(3)
    out = []
    for y in hip_y:
        img = wall.copy()
        dy = (y if body_moves else HIP_Y0) - 60.0  # the block's top-left row for the hip at its centre
        m = np.float32([[1, 0, HIP_X - 35.0], [0, 1, dy]])
        sprite = cv2.warpAffine(body, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=-1.0)
        alpha = cv2.warpAffine(np.ones_like(body), m, (W, H), flags=cv2.INTER_LINEAR)
        img = img * (1 - alpha) + sprite * alpha
        out.append(np.clip(img + rng.normal(0, 1.0, img.shape), 0, 255).astype(np.uint8))
    return out


def _landmarks(t: NDArray[np.float64], hip_y: NDArray[np.float64], jitter_px: float) -> Landmarks:
    """A side-view leg under the hip, MediaPipe-like jitter on every point."""
    rng = np.random.default_rng(5)
    n = t.size
    xy = np.full((n, 33, 2), np.nan)
    foot_y = HIP_Y0 + THIGH + SHANK
    for s in ("left", "right"):
        ix = sk.SIDE_INDEX[s]
        drop = hip_y - HIP_Y0  # the knees go forward as the hip lowers
        knee_x = HIP_X + 0.8 * drop
        xy[:, ix["hip"]] = np.stack([np.full(n, HIP_X), hip_y], axis=1)
        xy[:, ix["knee"]] = np.stack([knee_x, np.full(n, foot_y - SHANK)], axis=1)
        xy[:, ix["ankle"]] = np.stack([np.full(n, HIP_X), np.full(n, foot_y)], axis=1)
        xy[:, ix["heel"]] = np.stack([np.full(n, HIP_X - 8), np.full(n, foot_y + 4)], axis=1)
        xy[:, ix["toe"]] = np.stack([np.full(n, HIP_X + 20), np.full(n, foot_y + 4)], axis=1)
    for j in (11, 12):
        xy[:, j] = np.stack([np.full(n, HIP_X), hip_y - 70], axis=1)
    xy = xy + rng.normal(0, jitter_px, xy.shape)
    xyz = np.zeros((n, 33, 3), np.float32)
    xyz[..., 0], xyz[..., 1] = xy[..., 0] / W, xy[..., 1] / H
    xyz[np.isnan(xy[..., 0])] = np.nan
    vis = np.where(np.isnan(xy[..., 0]), np.nan, 0.99).astype(np.float32)
    meta = VideoMeta("synthetic.mp4", FPS, n, n / FPS, W, H)
    return Landmarks(t, xyz, vis, vis.copy(), np.zeros((n, 33, 3), np.float32), meta, "synthetic")


@pytest.fixture(scope="module")
def clip() -> tuple[Landmarks, list[NDArray[np.uint8]], NDArray[np.float64]]:
    t = np.arange(0.0, 8.0, 1 / FPS)
    hip = _hip_path(t)
    return _landmarks(t, hip, jitter_px=1.5), _frames(hip), hip


def test_the_region_follows_the_hip_below_a_tenth_of_a_pixel_per_frame(clip) -> None:  # type: ignore[no-untyped-def]
    lm, frames, hip = clip
    tr = hipflow.HipTracker(lm)
    for i, f in enumerate(frames):
        tr.push(i, f)
    track = tr.result()
    truth = np.diff(hip, prepend=np.nan)
    assert np.isnan(track.dy_px[0]) and np.isfinite(track.dy_px[1:]).all()
    err = track.dy_px[1:] - truth[1:]
    # the landmarks' mid-hip steps are 1.4 px rms off the truth (1.5 px jitter on each hip); the track's 0.015
    assert np.sqrt(np.mean(err**2)) < 0.1, np.sqrt(np.mean(err**2))
    assert abs(np.sum(track.dy_px[1:]) - np.sum(truth[1:])) < 1.0  # summed over the set: little drift
    assert (track.points[1:] >= hipflow.MIN_POINTS).all()
    assert hipflow.track_agreement(lm, track) > 0.95
    assert hipflow.track_disagreement(lm, track) < hipflow.MAX_DISAGREEMENT_LEG_S


def test_a_region_that_holds_still_while_the_landmarks_lower_is_refused(clip) -> None:  # type: ignore[no-untyped-def]
    lm, _, hip = clip
    tr = hipflow.HipTracker(lm)
    for i, f in enumerate(_frames(hip, body_moves=False)):
        tr.push(i, f)
    track = tr.result()
    assert np.nanmax(np.abs(track.dy_px)) < 0.2
    assert not hipflow.track_agreement(lm, track) >= hipflow.MIN_AGREEMENT


def test_frames_must_come_in_order_and_belong_to_the_series(clip) -> None:  # type: ignore[no-untyped-def]
    lm, frames, _ = clip
    tr = hipflow.HipTracker(lm)
    tr.push(0, frames[0])
    tr.push(2, frames[2])  # frame 1 skipped: no pair for frame 2
    tr.push(3, frames[3])
    track = tr.result()
    assert np.isnan(track.dy_px[:3]).all() and np.isfinite(track.dy_px[3])
    with pytest.raises(ValueError, match="not in the landmark series"):
        tr.push(len(lm), frames[0])


def test_the_streaming_driver_inside_the_pose_stage_agrees_with_the_offline_one(clip) -> None:  # type: ignore[no-untyped-def]
    lm, frames, _ = clip
    offline = hipflow.HipTracker(lm)
    live = hipflow.StreamingHipTracker()
    xy = lm.xy_px()
    for i, f in enumerate(frames):
        offline.push(i, f)
        live.push(float(lm.t[i]), f, None if i == 40 else xy[i])  # nobody detected on frame 40: bridged
    a, b = offline.result(), live.result()
    assert len(b) == len(lm) and np.isnan(b.dy_px[0])
    # the streaming leg length is a running estimate, so regions differ by a pixel or so at most
    diff = a.dy_px[1:] - b.dy_px[1:]
    assert np.isfinite(b.dy_px[1:]).all() and np.sqrt(np.mean(diff**2)) < 0.02, np.sqrt(np.mean(diff**2))
