"""Regenerate the committed synthetic sample clips (licence-clean: made entirely by formcheck.synth).

    /work/venv/bin/python scripts/make_samples.py [--out samples]

Writes, per sample, ``clip.mp4`` + ``truth.json`` (+ ``keypoints.npz``) into ``samples/<name>/``.
The same code and seeds give the same truth; the mp4 bytes depend on the libx264 build.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from formcheck.synth.command import motion_for
from formcheck.synth.render import RenderOptions, render_clip

# supersample=1: the committed samples were drawn at the frame's own size (before stop 26's 4x default), and the
# README's figures for them were measured so.
SAMPLES = {
    # 12 hops, heels touch on hops 4 and 9, slight fatigue drift; side view, 60 fps.
    "pogo_hops_side_60fps": (dict(exercise="pogo_hops", hops=12, heel_touch=(4, 9), drift=0.15, seed=1),
                             RenderOptions(fps=60, view="side", width=640, height=360, seed=1, supersample=1)),
    # 3 reps per leg, 4 s target eccentric; rep 2 (left) lowers in 1.6 s.
    "single_leg_box_squat_side_30fps": (dict(exercise="single_leg_box_squat", reps=3, fast=(2,), seed=2),
                                        RenderOptions(fps=30, view="side", width=640, height=360, seed=2,
                                                      supersample=1)),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "samples")
    a = ap.parse_args()
    for name, (kw, opts) in SAMPLES.items():
        kw = dict(kw)
        ex = str(kw.pop("exercise"))
        motion, params = motion_for(ex, **kw)  # type: ignore[arg-type]
        truth = render_clip(motion, a.out / name, opts, params)
        size = sum(f.stat().st_size for f in (a.out / name).iterdir())
        print(f"{name}: {truth['source']['frame_count']} frames, {truth['source']['duration_s']:.1f} s, "
              f"{len(truth['contacts'])} contacts, {len(truth['reps'])} reps, {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
