"""Run the pose model over every clip in a footage folder and save each clip's landmarks.

Validation scripts then analyse the saved ``.npz`` files without rerunning the model::

    python scripts/footage_landmarks.py ../shared/footage --out /tmp/landmarks [--model full] [--smooth | --tracked]
        [--only doubleunder_ jumprope hops_]

Skips clips whose ``.npz`` already exists (``--force`` redoes them). ``--check`` then verifies, for every
clip, that the saved series has one timestamp per decoded frame, strictly increasing and equal to the
container's presentation timestamps, and prints a table.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")

from formcheck.pipeline import PoseOptions, run_pose
from formcheck.types import Landmarks
from formcheck.video import VIDEO_EXTENSIONS, scan


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default="full")
    ap.add_argument("--force", action="store_true")
    ap.add_argument("--smooth", action="store_true", help="MediaPipe temporal smoothing on (off by default)")
    ap.add_argument("--tracked", action="store_true",
                    help="smoothing off plus MediaPipe's tracked pass (the default for hop exercises)")
    ap.add_argument("--only", nargs="*", default=None, help="clip name prefixes to process (default: all)")
    ap.add_argument("--check", action="store_true", help="verify the saved timestamps against the containers")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    clips = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in VIDEO_EXTENSIONS)
    if args.only:
        clips = [c for c in clips if any(c.name.startswith(o) for o in args.only)]
    for clip in clips:
        dest = args.out / f"{clip.stem}.npz"
        if dest.exists() and not args.force:
            continue
        t0 = time.perf_counter()
        lm = run_pose(clip, PoseOptions(model=args.model, smooth=args.smooth, tracked=args.tracked))
        lm.save(dest)
        dt = time.perf_counter() - t0
        print(f"{clip.name}: {len(lm)} frames, {lm.detected.mean():.1%} with a person, {len(lm) / dt:.1f} frames/s",
              file=sys.stderr)
    if not args.check:
        return 0
    bad = 0
    print("| clip | fps | frames | landmarks | with a person | timestamps ok |\n|---|---|---|---|---|---|")
    for clip in clips:
        lm = Landmarks.load(args.out / f"{clip.stem}.npz")
        meta, t = scan(clip)
        ok = len(lm) == meta.frame_count and bool(np.all(np.diff(lm.t) > 0)) and bool(np.allclose(lm.t, t))
        bad += not ok
        print(f"| {clip.name} | {meta.fps:.3f} | {meta.frame_count} | {len(lm)} | {lm.detected.mean():.1%} | {ok} |")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
