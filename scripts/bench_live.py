"""Live-mode latency benchmark: synthetic 720p 30 fps clips played at real pace through the lite model.

Renders (in a temp dir, never committed) a pogo-hop clip with heel touches and a squat clip, runs each
through the live session exactly as ``formcheck live --source CLIP --no-window`` does, and prints JSON:

- ``latency_ms``: clock at an event's emission minus the arrival of the frame whose processing revealed it
  (median / p95), for reps and for heel-touch cues (targets: reps <= 60 / 120 ms);
- ``delay_ms``: emission minus the arrival of the frame at the event's own media time; for a heel touch,
  the frame in which the heel reached the floor (target: median <= 100 ms). For reps this includes the
  detector's deliberate settle time after the rep ends;
- frames arrived / processed / dropped, pose time per frame, and the machine's load average (the machine is
  shared: figures are noisy).

Usage: ``python scripts/bench_live.py [--hops 10] [--reps 3] [--model lite] [--width 1280 --height 720]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")


def _pct(xs: list[float]) -> dict[str, Any]:
    if not xs:
        return {"n": 0}
    a = np.asarray(xs) * 1000.0
    return {"n": len(xs), "median": round(float(np.median(a)), 1), "p95": round(float(np.percentile(a, 95)), 1),
            "max": round(float(a.max()), 1)}


def run(clip: Path, exercise: str, model: str, targets: Any = None) -> dict[str, Any]:
    from formcheck.camera import PacedFileSource
    from formcheck.live import LiveOptions, LiveSession, run_live
    from formcheck.pose import PoseEstimator

    src = PacedFileSource(clip)
    with PoseEstimator(model) as est:
        session = LiveSession(exercise, src.meta, est, targets)
        stats = run_live(src, session, LiveOptions(window=False, audio="off"))
    ev = session.events
    out: dict[str, Any] = {"clip": clip.name, "exercise": exercise, "frames": {
        k: stats[k] for k in ("frames_arrived", "frames_processed", "frames_dropped")},
        "pose_ms_median": stats["pose_ms_median"]}
    for typ in ("rep", "heel_touch", "contact", "touchdown", "phase"):
        sel = [e for e in ev if e["type"] == typ and e.get("latency_s") is not None]
        if sel:
            out[typ] = {"latency_ms": _pct([e["latency_s"] for e in sel]),
                        "delay_ms": _pct([e["delay_s"] for e in sel if e.get("delay_s") is not None])}
    out["events"] = {t: sum(e["type"] == t for e in ev) for t in ("rep", "contact", "heel_touch", "cue")}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hops", type=int, default=10)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--model", default="lite")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    args = ap.parse_args()

    from formcheck.exercises import get_exercise
    from formcheck.synth.command import motion_for
    from formcheck.synth.render import RenderOptions, render_clip

    result: dict[str, Any] = {"model": args.model, "fps": args.fps, "size": f"{args.width}x{args.height}",
                              "cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in os.getloadavg()],
                              "note": "shared machine: other jobs were running, figures are noisy",
                              "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench_live-") as tmp:
        opts = RenderOptions(fps=args.fps, view="side", width=args.width, height=args.height, seed=1)
        heel = tuple(range(3, args.hops + 1, 3))
        motion, params = motion_for("pogo_hops", seed=1, hops=args.hops, heel_touch=heel)
        truth_h = render_clip(motion, Path(tmp) / "hops", opts, params)
        motion, params = motion_for("squat", seed=1, reps=args.reps, eccentric=2.0)
        truth_s = render_clip(motion, Path(tmp) / "squat", opts, params)
        r = run(Path(tmp) / "hops" / "clip.mp4", "pogo_hops", args.model)
        r["truth"] = {"contacts": len(truth_h["contacts"]), "heel_touches": len(heel)}
        result["runs"].append(r)
        tg = get_exercise("squat").targets.merged(eccentric_s=2.0)
        r = run(Path(tmp) / "squat" / "clip.mp4", "squat", args.model, tg)
        r["truth"] = {"reps": len(truth_s["reps"])}
        result["runs"].append(r)
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
