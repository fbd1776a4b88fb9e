"""Experiment: re-time a rendered set's contacts from optical flow on the feet, against the renderer's truth.

Not part of the pipeline. It measures whether image motion of the shoe, tracked below a pixel with pyramidal
Lucas-Kanade, times touchdowns and takeoffs better than MediaPipe's foot landmarks (issue 4's 240 fps target).
For each contact of a ``formcheck analyze`` report (matched to the nearest true contact), and for each foot:

1. corners (``cv2.goodFeaturesToTrack``) in a box of +-0.12 leg around the MediaPipe toe at the first frame of
   a +-80 ms window around the reported event, tracked frame to frame through the window;
2. points that move less than 1 px over the window (floor, background) are dropped;
3. the toe's image height follows either the median vertical motion of the points (``median``) or the toe
   point carried by a similarity transform fitted to them (``rigid``, LMedS);
4. the event is re-timed twice: a parabola fitted to the flight side (4-60 ms from the current estimate)
   intersected with the median level of the contact side (6-40 ms); a failed or > 30 ms correction keeps the
   estimate.

Usage::

    python scripts/foot_flow_experiment.py RENDER_DIR ANALYZE_OUT_DIR

``RENDER_DIR`` holds ``clip.mp4``, ``keypoints.npz`` and ``truth.json`` from ``formcheck synth``;
``ANALYZE_OUT_DIR`` holds ``landmarks.npz`` and ``report.json`` from ``formcheck analyze`` on that clip.
Prints median and 95th-percentile absolute error (ms) per foot, per event kind, per variant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.footflow import track_corners
from formcheck.types import Landmarks
from formcheck.video import open_video

FloatArray = NDArray[np.float64]
TOES = {"left": 31, "right": 32}


def _gray_frames(path: Path) -> list[NDArray[np.uint8]]:
    """Every frame of ``path`` in grey, decoded as the pose stage decodes it (same frames as ``landmarks.npz``)."""
    with open_video(path) as src:
        return [np.asarray(cv2.cvtColor(f.image, cv2.COLOR_BGR2GRAY), np.uint8) for f in src]


def toe_track(gray: list[NDArray[np.uint8]], toe_px: FloatArray, a: int, b: int, box_px: int,
              rigid: bool) -> FloatArray | None:
    """Vertical image motion (px, relative to frame ``a``) of the toe in frames ``a..b-1``, or None."""
    tracked = track_corners(gray[a:b], toe_px, box_px)
    if tracked is None:
        return None
    P = np.ascontiguousarray(tracked[:, np.ptp(tracked[:, :, 1], axis=0) > 1.0])
    if P.shape[1] < 3:
        return None
    if not rigid:
        return np.asarray(np.median(P[:, :, 1] - P[0, :, 1], axis=1))
    y = []
    for k in range(len(P)):
        M, _ = cv2.estimateAffinePartial2D(P[0], P[k], method=cv2.LMEDS)
        if M is None:
            return None
        y.append(float((M @ [toe_px[0], toe_px[1], 1.0])[1] - toe_px[1]))
    return np.asarray(y)


def event_correction_s(t: FloatArray, y: FloatArray, te: float, touchdown: bool) -> float:
    """Correction (s) to the event estimate ``te``: flight parabola meets the contact level; 0 when it fails."""
    side = (t < te - 0.004) & (t > te - 0.06) if touchdown else (t > te + 0.004) & (t < te + 0.06)
    ground = (t > te + 0.006) & (t < te + 0.04) if touchdown else (t < te - 0.006) & (t > te - 0.04)
    if side.sum() < 4 or ground.sum() < 2:
        return 0.0
    c = np.polyfit(t[side] - te, y[side], 2)
    r = np.roots(c - [0.0, 0.0, float(np.median(y[ground]))])
    r = r[np.isreal(r)].real
    if not r.size:
        return 0.0
    dt = float(r[np.argmin(np.abs(r))])
    return dt if abs(dt) < 0.03 else 0.0


def main(render: Path, out: Path) -> None:
    lm = Landmarks.load(out / "landmarks.npz")
    kp = np.load(render / "keypoints.npz")
    truth = json.loads((render / "truth.json").read_text())["contacts"]
    found = json.loads((out / "report.json").read_text())["contacts"]
    gray = _gray_frames(render / "clip.mp4")
    n = min(len(gray), len(lm), len(kp["t"]))
    t = lm.t[:n]
    m = lm.xyz[:n, :, :2].astype(np.float64) * [lm.meta.width, lm.meta.height]
    e = kp["xy_px"][:n].astype(np.float64)
    leg_px = float(np.nanmedian(np.linalg.norm(e[:, 23] - e[:, 27], axis=1)))
    for rigid in (False, True):
        err: dict[tuple[str, str], list[float]] = {}
        for c in truth:
            est = min(found, key=lambda r: abs(r["touchdown_s"] - c["touchdown_s"]))
            for key, kind in (("touchdown_s", "touchdown"), ("takeoff_s", "takeoff")):
                a, b = int(np.searchsorted(t, est[key] - 0.08)), int(np.searchsorted(t, est[key] + 0.08))
                both = []
                for foot, j in TOES.items():
                    y = toe_track(gray, m[a, j], a, b, int(0.12 * leg_px), rigid)
                    if y is None:
                        continue
                    te = float(est[key])
                    for _ in range(2):
                        te += event_correction_s(t[a:b], y, te, kind == "touchdown")
                    err.setdefault((foot, kind), []).append(1000.0 * (te - c[key]))
                    both.append(te)
                if both:
                    err.setdefault(("mean of feet", kind), []).append(1000.0 * (float(np.mean(both)) - c[key]))
        for (foot, kind), v in err.items():
            a_ = np.abs(np.asarray(v))
            print(f"{'rigid' if rigid else 'median'} {foot:12s} {kind:9s} median |err| {np.median(a_):.1f} ms, "
                  f"p95 {np.percentile(a_, 95):.1f} ms, bias {np.mean(v):+.1f} ms, n={len(v)}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
