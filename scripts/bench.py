"""Benchmark the analyze path on a clip and print the figures as JSON.

Speed (one process, same clip, compare ratios measured in one run)::

    python scripts/bench.py samples/pogo_hops_side_60fps/clip.mp4 --exercise pogo_hops

prints frames/s for decode only, pose only (model on frames already in memory), the whole
``analyze`` path without the annotated video, and the whole path with every output, plus the
process's peak memory.

Memory against video length::

    python scripts/bench.py samples/pogo_hops_side_60fps/clip.mp4 --exercise pogo_hops --memory

loops the clip into a 10-second and a 10-minute video (temp folder), runs ``formcheck analyze`` on each
in a child process and prints each child's peak resident memory and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

from formcheck.pipeline import PoseOptions, analyze_file  # noqa: E402
from formcheck.pose import PoseEstimator  # noqa: E402
from formcheck.video import VideoWriter, open_video  # noqa: E402


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def speed(clip: Path, exercise: str, model: str, max_frames: int) -> dict[str, float | int | str]:
    t0 = time.perf_counter()
    n_dec = 0
    with open_video(clip, pixel_format="rgb24") as src:
        for _ in src:
            n_dec += 1
    decode_fps = n_dec / (time.perf_counter() - t0)

    frames = []
    with open_video(clip, pixel_format="rgb24") as src:
        for f in src:
            frames.append(f)
            if len(frames) >= max_frames:
                break
    with PoseEstimator(model) as est:
        t0 = time.perf_counter()
        for f in frames:
            est.process(f.image, f.t_s)
        pose_fps = len(frames) / (time.perf_counter() - t0)
    del frames

    with tempfile.TemporaryDirectory() as td:
        t0 = time.perf_counter()
        analyze_file(clip, exercise, Path(td) / "a", pose=PoseOptions(model), video_out=False, html=False)
        analyze_fps = n_dec / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        analyze_file(clip, exercise, Path(td) / "b", pose=PoseOptions(model), video_out=True, html=True)
        full_fps = n_dec / (time.perf_counter() - t0)
    return {
        "clip": str(clip),
        "model": model,
        "frames": n_dec,
        "decode_fps": round(decode_fps, 1),
        "pose_fps": round(pose_fps, 1),
        "analyze_fps": round(analyze_fps, 1),
        "analyze_vs_pose": round(analyze_fps / pose_fps, 3),
        "analyze_all_outputs_fps": round(full_fps, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "cpus": os.cpu_count() or 0,
    }


def _loop_clip(clip: Path, out: Path, seconds: float, fps: float = 30.0, width: int = 320) -> int:
    """Write ``seconds`` of video at ``fps`` by looping the clip's frames (resized to ``width``)."""
    import cv2

    with open_video(clip) as src:
        imgs = []
        for f in src:
            h = int(round(f.image.shape[0] * width / f.image.shape[1] / 2)) * 2
            imgs.append(cv2.resize(f.image, (width, h), interpolation=cv2.INTER_AREA))
            if len(imgs) >= 300:
                break
    n = int(seconds * fps)
    with VideoWriter(out, fps, imgs[0].shape[1], imgs[0].shape[0]) as w:
        for i in range(n):
            w.write(imgs[i % len(imgs)])
    return n


def memory(clip: Path, exercise: str, model: str) -> dict[str, float | int | str]:
    res: dict[str, float | int | str] = {"clip": str(clip), "model": model}
    with tempfile.TemporaryDirectory() as td:
        for label, secs in (("10s", 10.0), ("10min", 600.0)):
            video = Path(td) / f"{label}.mp4"
            frames = _loop_clip(clip, video, secs)
            code = (
                "import resource,sys;from formcheck.pipeline import analyze_file, PoseOptions;"
                f"analyze_file(sys.argv[1], {exercise!r}, sys.argv[2], pose=PoseOptions({model!r}),"
                " video_out=False, html=False);"
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)"
            )
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", code, str(video), str(Path(td) / f"out_{label}")],
                                  capture_output=True, text=True, check=True)
            res[f"frames_{label}"] = frames
            res[f"peak_rss_mb_{label}"] = round(float(proc.stdout.strip().splitlines()[-1]), 1)
            res[f"seconds_{label}"] = round(time.perf_counter() - t0, 1)
    res["ratio_10min_vs_10s"] = round(float(res["peak_rss_mb_10min"]) / float(res["peak_rss_mb_10s"]), 3)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", type=Path)
    ap.add_argument("--exercise", default="pogo_hops")
    ap.add_argument("--model", default="full")
    ap.add_argument("--max-frames", type=int, default=600, help="frames held in memory for the pose-only figure")
    ap.add_argument("--memory", action="store_true", help="compare peak memory on a 10 s and a 10 min video")
    args = ap.parse_args()
    out = memory(args.clip, args.exercise, args.model) if args.memory else speed(
        args.clip, args.exercise, args.model, args.max_frames)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
