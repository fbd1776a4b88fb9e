"""Which videos repeat frames (a frame-rate conversion), as a markdown table.

Usage::

    python scripts/frame_repeats.py ../shared/footage

decodes every video in the folder with formcheck's decoder, measures each frame's change from the one before
(:class:`formcheck.video.FrameChange`, as the pose stage does) and prints the repeated frames, their spacing and
the rate the motion was filmed at (:mod:`formcheck.repeats`); no pose model is run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from formcheck.repeats import frame_repeats, repeated_frames
from formcheck.types import FormcheckError
from formcheck.video import VIDEO_EXTENSIONS, FrameChange, open_video


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: not a folder: {args.folder}", file=sys.stderr)
        return 1
    print("| clip | fps | frames | repeats | every n | converted | motion fps |")
    print("|---|---|---|---|---|---|---|")
    for path in sorted(p for p in args.folder.iterdir() if p.suffix.lower() in VIDEO_EXTENSIONS):
        change = FrameChange()
        try:
            with open_video(path, pixel_format="rgb24") as src:  # as the pose stage sees them
                for frame in src:
                    change.push(frame.image)
                fps = src.meta.fps
        except FormcheckError as exc:
            print(f"| {path.stem} | error: {exc} | | | | | |")
            continue
        values = np.array(change.values)
        rep = frame_repeats(values, fps)
        if rep is None:
            n_rep = int(repeated_frames(values).sum())  # below the reporting share, or at no common spacing
            print(f"| {path.stem} | {fps:.2f} | {values.size} | {n_rep} | not reported | | |")
        else:
            kind = "yes" if rep.converted else "in places"
            print(f"| {path.stem} | {fps:.2f} | {values.size} | {rep.count} | {rep.every_n} | {kind} | "
                  f"{rep.motion_fps:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
