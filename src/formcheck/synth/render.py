"""Render a :class:`~formcheck.synth.motions.Motion` to ``clip.mp4`` + ``truth.json`` (+ ``keypoints.npz``).

Frame ``i`` shows the pose at exactly ``i / fps`` seconds and has that presentation time in the container, so
truth times (continuous, seconds from frame 0) compare directly with the analysis of the clip.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.synth.body import Skeleton, build
from formcheck.synth.camera import Camera, view_camera
from formcheck.synth.draw import Image, Look, Scene, background
from formcheck.synth.motions import Motion
from formcheck.types import FormcheckError, jsonable, publish

MP_POINTS: dict[int, str] = {
    0: "nose", 1: "eye_l", 2: "eye_l", 3: "eye_l", 4: "eye_r", 5: "eye_r", 6: "eye_r", 7: "ear_l", 8: "ear_r",
    9: "mouth_l", 10: "mouth_r", 11: "shoulder_l", 12: "shoulder_r", 13: "elbow_l", 14: "elbow_r",
    15: "wrist_l", 16: "wrist_r", 17: "hand_l", 18: "hand_r", 19: "hand_l", 20: "hand_r", 21: "hand_l",
    22: "hand_r", 23: "hip_l", 24: "hip_r", 25: "knee_l", 26: "knee_r", 27: "ankle_l", 28: "ankle_r",
    29: "heel_l", 30: "heel_r", 31: "toe_l", 32: "toe_r",
}
"""MediaPipe Pose landmark index -> skeleton point (hand points stand in for pinky/index/thumb, one eye
point for inner/centre/outer). ``l``/``r`` are the athlete's own left/right, as in MediaPipe."""

CONVENTIONS = {
    "time": "seconds from frame 0; frame i is at exactly i / fps; event times are continuous, not frame-quantised",
    "contacts": "touchdown = first instant the lowest sole point (toe) reaches the floor; takeoff = last instant "
                "on it; flight_s = airborne time before the contact (the first contact follows the jump from "
                "standing); heel_touch = heel sole point reached z = 0 during the contact",
    "reps": "start_s leaves the rest position, bottom_s arrives at the turning point, end_s back at rest; "
            "eccentric_s / concentric_s exclude pause_s; first_phase tells the order (see motions.py)",
    "holds": "start_s when the hold position is reached, end_s when it is left",
    "heights": "metres above the floor of the sole's heel and toe points",
}


@dataclass(frozen=True)
class RenderOptions:
    """How to film a motion.

    Attributes
    ----------
    fps : float
    view : {"side", "front", "45"}
    width, height : int
    seed : int
        Colours, background texture, camera jitter and noise.
    noise : bool
        Sensor noise, a slight blur and stronger compression.
    crf : int or None
        H.264 quality; default 20 clean / 28 with noise.
    supersample : int
        Each frame is drawn this many times larger and averaged down (:class:`formcheck.synth.draw.Scene`).
    """

    fps: float = 60.0
    view: str = "side"
    width: int = 640
    height: int = 360
    seed: int = 0
    noise: bool = False
    crf: int | None = None
    supersample: int = 8


def make_scene(opts: RenderOptions) -> tuple[Camera, Scene]:
    """Camera, look and background for the options (deterministic in ``seed``)."""
    rng = np.random.default_rng(opts.seed + 101)
    cam = view_camera(opts.view, opts.width, opts.height, distance_m=float(rng.uniform(4.0, 4.6)),
                      height_m=float(rng.uniform(0.85, 1.15)), azimuth_jitter_deg=float(rng.uniform(-4, 4)))
    look = Look.from_seed(opts.seed) if opts.seed else Look()
    return cam, Scene(cam, look, background(cam, look, opts.seed), opts.supersample)


def frame_skeletons(motion: Motion, fps: float) -> tuple[NDArray[np.float64], list[Skeleton]]:
    """Frame times (s) and the solved skeleton of every frame."""
    n = int(np.floor(motion.duration_s * fps + 1e-9)) + 1
    t = np.arange(n) / fps
    return t, [build(motion.pose(float(ti))) for ti in t]


def _degrade(img: Image, rng: np.random.Generator) -> Image:
    out = np.asarray(cv2.GaussianBlur(img, (0, 0), 0.7), dtype=np.int16)
    noisy = out + np.asarray(rng.normal(0.0, 4.0, size=out.shape), dtype=np.int16)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def render_frames(motion: Motion, opts: RenderOptions) -> tuple[NDArray[np.float64], list[Skeleton], Scene]:
    """Solve all frames; returns times, skeletons and the scene (for callers that draw themselves)."""
    _, scene = make_scene(opts)
    t, sks = frame_skeletons(motion, opts.fps)
    return t, sks, scene


def _write_json_atomic(path: Path, obj: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=1)
            f.write("\n")
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _round(obj: Any, nd: int = 6) -> Any:
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, dict):
        return {k: _round(v, nd) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v, nd) for v in obj]
    return obj


def render_clip(motion: Motion, out_dir: str | Path, opts: RenderOptions, params: dict[str, Any] | None = None,
                per_frame: bool = True) -> dict[str, Any]:
    """Render ``motion`` into ``out_dir/clip.mp4`` and write ``truth.json`` and ``keypoints.npz`` beside it.

    Parameters
    ----------
    motion : Motion
    out_dir : path-like
        Created if missing.
    opts : RenderOptions
    params : dict, optional
        Generator parameters recorded in the truth.
    per_frame : bool
        Include per-frame heel/toe heights (m) in ``truth.json``.

    Returns
    -------
    dict
        The truth as written.
    """
    from formcheck.video import VideoWriter  # local: video I/O only when actually writing

    if not 1.0 <= opts.fps <= 1000.0:
        raise FormcheckError(f"fps must be in 1..1000, got {opts.fps}")
    if not (64 <= opts.width <= 3840 and 64 <= opts.height <= 2160):
        raise FormcheckError(f"size {opts.width}x{opts.height} outside 64x64..3840x2160")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cam, scene = make_scene(opts)
    props = []
    for pr in motion.props:
        props.extend(scene.box(np.array(pr.lo), np.array(pr.hi),
                               scene.look.box if pr.kind == "box" else (150, 150, 150)))
    n = int(np.floor(motion.duration_s * opts.fps + 1e-9)) + 1
    t = np.arange(n) / opts.fps
    rng = np.random.default_rng(opts.seed + 4242)
    crf = opts.crf if opts.crf is not None else (28 if opts.noise else 20)
    heights = np.zeros((n, 4))
    kp_xy = np.full((n, 33, 2), np.nan)
    kp_world = np.full((n, 33, 3), np.nan)
    with VideoWriter(out / "clip.mp4", fps=opts.fps, width=opts.width, height=opts.height, crf=crf) as w:
        for i, ti in enumerate(t):
            sk = build(motion.pose(float(ti)))
            img = scene.render([sk], props)
            if opts.noise:
                img = _degrade(img, rng)
            w.write(img)
            heights[i] = [sk["heel_l"][2], sk["toe_l"][2], sk["heel_r"][2], sk["toe_r"][2]]
            pts = np.array([sk[name] for name in MP_POINTS.values()])
            kp_world[i] = pts
            kp_xy[i] = cam.project(pts)[0]
    source = {"path": "clip.mp4", "fps": opts.fps, "frame_count": n, "duration_s": n / opts.fps,
              "width": opts.width, "height": opts.height}
    extra: dict[str, Any] = {
        "generator": "formcheck.synth", "seed": opts.seed, "view": opts.view, "noise": opts.noise, "crf": crf,
        "params": params or {}, "conventions": CONVENTIONS, **motion.extras,
        "camera": {"position_m": cam.position.tolist(), "focal_px": cam.focal_px},
        "props": [{"kind": p.kind, "lo": list(p.lo), "hi": list(p.hi)} for p in motion.props],
        "motion_duration_s": motion.duration_s,
    }
    if per_frame:
        extra["frames"] = {"t_s": t.tolist(), "heel_left_m": heights[:, 0].tolist(),
                           "toe_left_m": heights[:, 1].tolist(), "heel_right_m": heights[:, 2].tolist(),
                           "toe_right_m": heights[:, 3].tolist()}
    truth = jsonable({"exercise": motion.exercise, "source": source, "contacts": motion.contacts,
                      "reps": motion.reps, "holds": motion.holds, "truth": extra})
    truth = _round(truth)
    _write_json_atomic(out / "truth.json", truth)
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".keypoints.", suffix=".npz")
    os.close(fd)
    try:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, t=t, xy_px=kp_xy.astype(np.float32), world_m=kp_world.astype(np.float32))
        publish(tmp, out / "keypoints.npz")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return truth
