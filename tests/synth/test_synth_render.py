"""Rendering a motion to clip.mp4 + truth.json: timing, truth file, determinism, and the pose model's view."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.synth.body import Foot, Skeleton, build
from formcheck.synth.command import motion_for, synth
from formcheck.synth.motions import STANCE_Y, standing
from formcheck.synth.render import RenderOptions, make_scene, render_clip
from formcheck.types import FormcheckError
from formcheck.video import frame_times, probe

REPORT_KEYS = {"exercise", "source", "contacts", "reps", "holds", "truth"}


@pytest.fixture(scope="module")
def pogo_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pogo")
    synth("pogo_hops", out, fps=120, hops=3, heel_touch="2", width=192, height=144, seed=5)
    return out


def test_frame_i_is_at_i_over_fps(pogo_clip: Path) -> None:
    truth = json.loads((pogo_clip / "truth.json").read_text())
    t = frame_times(pogo_clip / "clip.mp4")
    n = truth["source"]["frame_count"]
    assert len(t) == n
    np.testing.assert_allclose(t, np.arange(n) / 120, atol=1e-6)
    meta = probe(pogo_clip / "clip.mp4")
    assert (meta.width, meta.height) == (192, 144)
    assert meta.fps == pytest.approx(120)


def test_truth_json_has_report_keys_and_per_frame_heights(pogo_clip: Path) -> None:
    truth = json.loads((pogo_clip / "truth.json").read_text())
    assert REPORT_KEYS <= set(truth)
    assert truth["exercise"] == "pogo_hops"
    assert [c["heel_touch"] for c in truth["contacts"]] == [False, True, False]
    fr = truth["truth"]["frames"]
    heel = np.minimum(fr["heel_left_m"], fr["heel_right_m"])
    t = np.asarray(fr["t_s"])
    c = truth["contacts"][1]
    in_contact = (t >= c["touchdown_s"]) & (t <= c["takeoff_s"])
    # Heel height is zero exactly in the frames where the heel is down, never in the other contacts.
    assert heel[in_contact].min() == 0.0
    for other in (truth["contacts"][0], truth["contacts"][2]):
        m = (t >= other["touchdown_s"]) & (t <= other["takeoff_s"])
        assert heel[m].min() >= 0.02
    kp = np.load(pogo_clip / "keypoints.npz")
    assert kp["xy_px"].shape == (len(t), 33, 2)


def test_render_is_reproducible_from_seed() -> None:
    m, _ = motion_for("squat", reps=1, seed=4)
    opts = RenderOptions(fps=30, view="45", width=160, height=120, seed=4, supersample=1)
    _, scene_a = make_scene(opts)
    _, scene_b = make_scene(opts)
    sk = build(m.pose(2.0))
    assert np.array_equal(scene_a.render([sk]), scene_b.render([sk]))


def test_a_toe_rising_a_fraction_of_a_pixel_moves_the_shoes_edge_in_the_picture() -> None:
    # a camera's pixel integrates the light over its area, so a sole edge rising by a tenth of a pixel darkens the
    # pixel below it by about a tenth of the contrast. OpenCV's anti-aliased fill drawn at the frame's own size moves
    # an edge only in steps of about half a pixel: a shoe turned by 0.05-0.2 degrees drew the same sole as a flat one
    # (mean error of the edge read from the pixels 0.25 px here; drawn larger and averaged down, 0.070 px at 4x and
    # 0.047 px at 8x, the default), so the slow ends of a tib raise were invisible (docs/validation.md, "The
    # renderer's pixels: slow movements drawn in steps")
    cam, scene = make_scene(RenderOptions(fps=30, view="side", width=1280, height=720, seed=12))

    def skeleton(pitch_deg: float) -> Skeleton:
        p = np.radians(pitch_deg)  # toes up, about the heel
        return build(standing(left_foot=Foot(np.array([0.0, STANCE_Y, 0.0]), -p, 0.06),
                              right_foot=Foot(np.array([0.0, -STANCE_Y, 0.0]), -p, -0.06)))

    def grey(pitch_deg: float) -> np.ndarray:
        return scene.render([skeleton(pitch_deg)]).astype(float).mean(axis=2)

    flat_sk = skeleton(0.0)
    toe, heel = cam.project(flat_sk["toe_r"])[0], cam.project(flat_sk["heel_r"])[0]
    g0 = grey(0.0)
    xs = np.arange(int(toe[0]) - 8, int(toe[0]) - 2)  # columns just behind the near toe
    y0 = int(round(toe[1]))
    contrast = float(np.ptp(g0[y0 - 6:y0 + 4, xs].mean(axis=1)))  # bright sole over the darker floor
    err = []
    for a in np.arange(0.05, 0.61, 0.05):
        rise_px = -(grey(a) - g0)[y0 - 3:y0 + 3, xs].sum(axis=0) / contrast  # the sole's lower edge, read from pixels
        err.append(np.mean(np.abs(rise_px - (xs - heel[0]) * np.tan(np.radians(a)))))
    assert np.mean(err) < 0.06, np.round(err, 3)


def test_a_point_is_drawn_where_the_frame_camera_projects_it_at_every_supersampling() -> None:
    # frame pixel i is the block k i .. k i + k - 1 of the large canvas, whose camera puts the frame's pixel centres
    # at the blocks' centres: a small disc drawn large lands, averaged down, where the frame's camera projects it
    from formcheck.synth.draw import _Prim

    for k in (1, 4, 8):
        cam, scene = make_scene(RenderOptions(fps=30, view="side", width=640, height=360, seed=3, supersample=k))
        for u, v in ((20.3, 30.6), (320.0, 180.0), (617.7, 333.2)):
            p = cam.ray(np.array(u), np.array(v)) * 3.0 + cam.position  # a point 3 m down the ray through (u, v)
            uv_big, _ = scene.px(p)
            dot = _Prim(0.0, lambda img, c=uv_big, r=3.0 * k: cv2.circle(img, (round(c[0] * 16), round(c[1] * 16)),
                                                                        round(r * 16), (255, 255, 255), -1,
                                                                        cv2.LINE_AA, 4))
            on = scene.render([], [dot]).astype(float).mean(axis=2) - scene.render([], []).astype(float).mean(axis=2)
            ys, xs = np.mgrid[:360, :640]
            w = np.clip(on, 0, None)
            centre = np.array([(w * xs).sum(), (w * ys).sum()]) / w.sum()
            assert np.abs(centre - [u, v]).max() < 0.1, (k, u, v, centre)


def test_a_supersampled_frame_draws_only_the_bodies_box_large_and_gives_the_whole_frames_pixels() -> None:
    # the large canvas is restored and averaged down only around the bodies and their shadows; the rest of the frame
    # is the background with the props, drawn large once: the same pixels as drawing the whole frame large
    for ex, view, kw in (("stomping_lunge_step_up", "45", {"reps": 1}), ("pogo_hops", "side", {"hops": 2})):
        m, _ = motion_for(ex, seed=3, **kw)
        _, scene = make_scene(RenderOptions(fps=30, view=view, width=320, height=180, seed=3, supersample=4))
        props = [q for pr in m.props for q in scene.box(np.array(pr.lo), np.array(pr.hi), scene.look.box)]
        for t in np.linspace(0.0, m.duration_s, 9):
            sk = build(m.pose(float(t)))
            assert np.array_equal(scene.render([sk], props), scene.render([sk], props, whole=True)), (ex, t)


def test_bad_render_options_raise(tmp_path: Path) -> None:
    m, _ = motion_for("squat", reps=1)
    with pytest.raises(FormcheckError, match="fps"):
        render_clip(m, tmp_path, RenderOptions(fps=0.5))
    with pytest.raises(FormcheckError, match="unknown view"):
        synth("squat", tmp_path, view="top")


@pytest.mark.slow
def test_pose_model_finds_the_athlete_in_every_frame(tmp_path: Path) -> None:
    """Representative detection check (all exercises/views: scripts/check_synth_detection.py)."""
    from formcheck.pipeline import run_pose

    m, params = motion_for("single_leg_box_squat", reps=1, eccentric=1.5, seed=1)
    render_clip(m, tmp_path, RenderOptions(fps=30, view="45", width=320, height=240, seed=1, supersample=1), params,
                per_frame=False)
    lm = run_pose(tmp_path / "clip.mp4")
    assert lm.detected.mean() >= 0.99
    kp = np.load(tmp_path / "keypoints.npz")["xy_px"]
    err = np.linalg.norm(lm.xy_px()[:, 23:33] - kp[:, 23:33], axis=-1)
    assert np.nanmedian(err) < 0.04 * 240  # legs within 4 % of the frame height
