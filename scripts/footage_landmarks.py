"""Run the pose model over every clip in a footage folder and save each clip's landmarks.

Validation scripts then analyse the saved ``.npz`` files without rerunning the model::

    python scripts/footage_landmarks.py ../shared/footage --out /tmp/landmarks [--model full]

Skips clips whose ``.npz`` already exists (``--force`` redoes them).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

from formcheck.pipeline import PoseOptions, run_pose
from formcheck.video import VIDEO_EXTENSIONS


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--model", default="full")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    clips = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in VIDEO_EXTENSIONS)
    for clip in clips:
        dest = args.out / f"{clip.stem}.npz"
        if dest.exists() and not args.force:
            continue
        t0 = time.perf_counter()
        lm = run_pose(clip, PoseOptions(model=args.model))
        lm.save(dest)
        dt = time.perf_counter() - t0
        print(f"{clip.name}: {len(lm)} frames, {lm.detected.mean():.1%} with a person, {len(lm) / dt:.1f} frames/s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
