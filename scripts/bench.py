"""Benchmark the analyze path on a clip and print the figures as JSON.

Speed (one process, same clip, compare ratios measured in one run)::

    python scripts/bench.py samples/pogo_hops_side_60fps/clip.mp4 --exercise pogo_hops

prints frames/s for decode only, pose only (loading the model and running it on frames already in
memory), the whole
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")

from formcheck.pipeline import PoseOptions, analyze_file
from formcheck.pose import PoseEstimator
from formcheck.video import VideoWriter, open_video


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux: KiB


def _pose_only(frames: list[Any], model: str, smooth: bool) -> float:
    """Frames/s of the model alone (loading it included) on frames already decoded into memory."""
    t0 = time.perf_counter()
    with PoseEstimator(model, smooth=smooth) as est:
        for f in frames:
            est.process(f.image, f.t_s)
        return len(frames) / (time.perf_counter() - t0)


def _analyze(clip: Path, exercise: str, model: str, smooth: bool, outputs: bool) -> float:
    """Seconds of one whole ``analyze`` run (decode + pose + analysis + report files)."""
    with tempfile.TemporaryDirectory() as td:
        t0 = time.perf_counter()
        analyze_file(clip, exercise, Path(td) / "o", pose=PoseOptions(model, smooth=smooth),
                     video_out=outputs, html=outputs)
        return time.perf_counter() - t0


def speed(clip: Path, exercise: str, model: str, max_frames: int, rounds: int, smooth: bool) -> dict[str, Any]:
    """Decode, pose-only and whole-path frame rates; pose-only and analyze alternate (A B A B ...)
    so that a noisy, shared machine affects both alike; the ratio is taken pair by pair."""
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
            if len(frames) >= min(max_frames, n_dec):
                break
    pose_fps, analyze_fps, ratios = [], [], []
    for _ in range(rounds):
        p = _pose_only(frames, model, smooth)
        a = n_dec / _analyze(clip, exercise, model, smooth, outputs=False)
        pose_fps.append(p)
        analyze_fps.append(a)
        ratios.append(a / p)
    del frames
    full_fps = n_dec / _analyze(clip, exercise, model, smooth, outputs=True)
    med = statistics.median
    return {
        "clip": str(clip),
        "model": model,
        "mediapipe_smoothing": smooth,
        "frames": n_dec,
        "rounds": rounds,
        "decode_fps": round(decode_fps, 1),
        "pose_fps_median": round(med(pose_fps), 1),
        "analyze_fps_median": round(med(analyze_fps), 1),
        "analyze_vs_pose_median": round(med(ratios), 3),
        "analyze_vs_pose_pairs": [round(r, 3) for r in ratios],
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


def memory(clip: Path, exercise: str, model: str) -> dict[str, Any]:
    res: dict[str, Any] = {"clip": str(clip), "model": model}
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
    ap.add_argument("--rounds", type=int, default=3, help="pose-only / analyze pairs")
    ap.add_argument("--smooth", action="store_true", help="MediaPipe temporal smoothing on")
    args = ap.parse_args()
    out = memory(args.clip, args.exercise, args.model) if args.memory else speed(
        args.clip, args.exercise, args.model, args.max_frames, args.rounds, args.smooth)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
