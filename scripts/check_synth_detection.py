"""Measure how well the pose model tracks the synthetic athlete: one short clip per exercise and view.

Prints a table: frames, detection rate (pose found), and the median image error (px and % of frame height)
of the model's hip/knee/ankle/heel/toe landmarks against the rendered truth keypoints.

    /work/venv/bin/python scripts/check_synth_detection.py [--fps 30] [--size 480x360] [--model full]
        [--exercise ID ...] [--view side ...] [--noise]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from formcheck.pipeline import PoseOptions, run_pose
from formcheck.synth.command import short_motion
from formcheck.synth.render import RenderOptions, render_clip

SYMMETRIC = {"pogo_hops", "squat", "offset_back_squat", "calf_raise", "tib_raise", "jumping_jack", "deadlift"}
LEG_POINTS = [23, 24, 25, 26, 27, 28, 29, 30, 31, 32]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--size", default="480x360")
    ap.add_argument("--model", default="full")
    ap.add_argument("--exercise", nargs="*")
    ap.add_argument("--view", nargs="*")
    ap.add_argument("--noise", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    w, h = (int(x) for x in a.size.split("x"))
    from formcheck.synth.motions import GENERATORS

    exercises = a.exercise or list(GENERATORS)
    print(f"{'exercise':24s} {'view':5s} {'frames':>6s} {'detect%':>8s} {'legerr_px':>9s} {'legerr_%H':>9s} "
          f"{'render_fps':>10s}")
    for ex in exercises:
        views = a.view or (["side", "45", "front"] if ex in SYMMETRIC else ["side", "45"])
        for view in views:
            with tempfile.TemporaryDirectory() as tmp:
                motion, params = short_motion(ex, a.seed)
                t0 = time.perf_counter()
                truth = render_clip(motion, tmp, RenderOptions(fps=a.fps, view=view, width=w, height=h, seed=a.seed,
                                                               noise=a.noise), params, per_frame=False)
                rfps = truth["source"]["frame_count"] / (time.perf_counter() - t0)
                lm = run_pose(Path(tmp) / "clip.mp4", PoseOptions(model=a.model))
                kp = np.load(Path(tmp) / "keypoints.npz")["xy_px"]
            det = lm.detected
            xy = lm.xy_px()
            n = min(len(det), len(kp))
            err = np.linalg.norm(xy[:n, LEG_POINTS] - kp[:n, LEG_POINTS], axis=-1)[det[:n]]
            med = float(np.nanmedian(err)) if err.size else float("nan")
            print(f"{ex:24s} {view:5s} {len(det):6d} {100 * det.mean():8.2f} {med:9.1f} {100 * med / h:9.2f} "
                  f"{rfps:10.0f}", flush=True)


if __name__ == "__main__":
    main()
