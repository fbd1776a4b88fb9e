"""Pose options chosen by exercise (pipeline.resolved); the shoe pitch series' and the hip track's fallbacks
(pipeline.measure_shoes)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

from fixtures.reps import Plan, make_clip
from formcheck.analysis import analyze
from formcheck.pipeline import PoseOptions, measure_shoes, resolved
from formcheck.types import HipTrack, Landmarks
from formcheck.video import VideoWriter


def test_hops_run_unsmoothed_with_the_tracked_pass_and_reps_smoothed() -> None:
    hops, squat = resolved(PoseOptions(), "pogo_hops"), resolved(PoseOptions(), "squat")
    assert (hops.smooth, hops.tracked) == (False, True)
    assert (squat.smooth, squat.tracked) == (True, False)


def test_explicit_choices_win() -> None:
    assert resolved(PoseOptions(smooth=False), "pogo_hops").tracked is False  # --no-smooth: one unsmoothed pass
    assert resolved(PoseOptions(smooth=True), "pogo_hops") == PoseOptions(smooth=True, tracked=False)
    t = resolved(PoseOptions(tracked=True), "squat")  # --tracked asks for the unsmoothed series beside it
    assert (t.smooth, t.tracked) == (False, True)
    assert resolved(PoseOptions(tracked=False), "jump_rope").tracked is False
    assert resolved(PoseOptions(), None) == PoseOptions(smooth=False, tracked=False)


def _still_texture_video(path: Path, lm: Landmarks, fps: float) -> None:
    """A textured scene where nothing moves (no shoe turns), one frame per landmark frame at ``fps``."""
    rng = np.random.default_rng(0)
    w, h = lm.meta.width, lm.meta.height
    img = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 1.5).astype(np.uint8)
    with VideoWriter(path, fps, w, h) as wr:
        for _ in range(len(lm.t)):
            wr.write(cv2.cvtColor(img, cv2.COLOR_GRAY2BGR))


def _calf_landmarks() -> Landmarks:
    clip = make_clip("calf_raise", [Plan(1.5, 0.5, 1.0, rest_before_s=1.0) for _ in range(2)], first="con", seed=5,
                     lead_s=0.5, tail_s=1.0)
    lm = clip.lm  # 1280x720 normalised landmarks; shown at 320x180 the foot is about 19 px long
    return dataclasses.replace(lm, meta=dataclasses.replace(lm.meta, width=320, height=180))


def _still_and_other_rate(lm: Landmarks, tmp_path: Path) -> tuple[Path, Path]:
    """A still textured video with the landmarks' frames, and one at twice their frame rate."""
    video, other = tmp_path / "still.mp4", tmp_path / "other_rate.mp4"
    _still_texture_video(video, lm, lm.meta.fps)
    _still_texture_video(other, lm, 2 * lm.meta.fps)
    return video, other


def test_a_shoe_series_that_does_not_follow_the_landmarks_is_not_used(tmp_path: Path) -> None:
    lm = _calf_landmarks()
    assert len(analyze(lm, "calf_raise").reps) == 2
    video, other = _still_and_other_rate(lm, tmp_path)
    # the landmarks raise the heel twice, the video's "shoe" never turns: the series is refused, the landmarks drive
    assert measure_shoes(lm, video, "calf_raise").foot_pitch is None
    # frames that are not the landmarks' (another frame rate): skipped, the landmarks stand
    assert measure_shoes(lm, other, "calf_raise").foot_pitch is None
    # rep exercises driven by neither foot pitch nor the hip never open the video
    assert measure_shoes(lm, tmp_path / "missing.mp4", "jumping_jack") is lm


def test_a_hip_track_that_does_not_follow_the_landmarks_is_not_used(tmp_path: Path) -> None:
    clip = make_clip("squat", [Plan(2.0, 0.5, 1.0) for _ in range(2)], seed=6, lead_s=0.5, tail_s=1.0)
    lm = dataclasses.replace(clip.lm, meta=dataclasses.replace(clip.lm.meta, width=320, height=180))
    assert len(analyze(lm, "squat").reps) == 2
    video, other = _still_and_other_rate(lm, tmp_path)
    # the landmarks squat twice, the textured scene around their hip never moves: the track is refused
    assert measure_shoes(lm, video, "squat").hip_track is None
    assert measure_shoes(lm, other, "single_leg_box_squat").hip_track is None  # not the landmarks' frames
    # the deadlift keeps the landmarks (hands and bar pass through the hip region): the video is never opened
    assert measure_shoes(lm, tmp_path / "missing.mp4", "deadlift") is lm


def test_a_hip_track_streamed_by_the_pose_stage_is_checked_without_a_second_decode(tmp_path: Path) -> None:
    plans = [Plan(2.0, 0.5, 1.0) for _ in range(2)]
    lm = make_clip("squat", plans, seed=6, lead_s=0.5, tail_s=1.0).lm
    clean = make_clip("squat", plans, seed=6, lead_s=0.5, tail_s=1.0, jitter_px=0.0, drop_frac=0.0).lm
    hip = 0.5 * (clean.xy_px()[:, 23, 1] + clean.xy_px()[:, 24, 1])
    good = HipTrack(np.diff(hip, prepend=np.nan), np.full(hip.size, 30))
    kept = measure_shoes(dataclasses.replace(lm, hip_track=good), tmp_path / "missing.mp4", "squat")
    assert kept.hip_track is good  # the video is not opened again
    still = HipTrack(np.zeros(hip.size), np.full(hip.size, 30))  # a region that never moved while the hip did
    assert measure_shoes(dataclasses.replace(lm, hip_track=still), tmp_path / "missing.mp4", "squat").hip_track is None
