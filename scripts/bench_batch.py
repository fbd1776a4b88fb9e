"""Batch throughput: clips per minute with 1 and 2 workers (real pipeline), printed as JSON.

Usage::

    python scripts/bench_batch.py [--clips A.mp4 B.mp4 ...] [--model lite] [--video] [--workers 1 2]

Default clips: the four shortest hop / rep clips of ``../shared/footage`` (read in place through
symlinks, never copied). Each run uses ``force=True`` into a fresh temp folder, so nothing is
cached; wall time includes worker start-up. Target: >= 1.7x with 2 workers on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from formcheck.batch import run_batch

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
DEFAULT = ["hops_side_quva023_1.mp4", "lunge_front_quva020_1.mp4", "jumprope_side_quva000_1.mp4",
           "jumpingjack_front_ahmedlila_1.mp4"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clips", nargs="*", type=Path)
    ap.add_argument("--model", default="lite")
    ap.add_argument("--video", action="store_true", help="also write annotated.mp4")
    ap.add_argument("--workers", nargs="*", type=int, default=[1, 2])
    a = ap.parse_args()
    clips = a.clips or [FOOTAGE / c for c in DEFAULT]
    missing = [str(c) for c in clips if not c.is_file()]
    if missing:
        raise SystemExit(f"missing clips: {', '.join(missing)}")
    out: dict[str, object] = {"clips": [c.name for c in clips], "model": a.model, "video_out": a.video,
                              "cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        for c in clips:
            (folder / c.name).symlink_to(c.resolve())
        for w in a.workers:
            t0 = time.perf_counter()
            res = run_batch(folder, Path(tmp) / f"out{w}", workers=w, force=True, video_out=a.video, model=a.model)
            dt = time.perf_counter() - t0
            out[f"workers_{w}"] = {"seconds": round(dt, 2), "clips_per_min": round(60 * len(clips) / dt, 2),
                                   "status": res.counts()}
    if "workers_1" in out and "workers_2" in out:
        w1, w2 = out["workers_1"], out["workers_2"]
        assert isinstance(w1, dict) and isinstance(w2, dict)
        out["speedup_2_vs_1"] = round(w2["clips_per_min"] / w1["clips_per_min"], 2)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
