"""The command line as a user meets it: bad input gives one line and a non-zero exit, no partial output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.types import Landmarks
from formcheck.video import VideoWriter


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def assert_one_line_failure(proc: subprocess.CompletedProcess[str], needle: str) -> None:
    assert proc.returncode != 0
    err = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in err if ln.startswith("formcheck: error:")]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]


@pytest.fixture()
def blank_video(tmp_path: Path) -> Path:
    """Two seconds of an empty room: a grey wall and a floor, nobody in it."""
    p = tmp_path / "empty_room.mp4"
    img = np.full((240, 320, 3), 180, np.uint8)
    img[160:] = 90
    with VideoWriter(p, 15, 320, 240) as w:
        for _ in range(30):
            w.write(img)
    return p


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "missing.mp4", "no such file"),
        (lambda d: (d / "notes.mp4").write_text("not a video\n" * 50) and d / "notes.mp4", "not a readable video"),
        (lambda d: (d / "zero.mp4").touch() or d / "zero.mp4", "empty file"),
        (lambda d: (d / "folder").mkdir() or d / "folder", "directory"),
    ],
    ids=["missing_path", "text_file_named_mp4", "zero_byte_file", "directory"],
)
def test_bad_input_gives_one_line_and_no_output(tmp_path: Path, make, needle: str) -> None:  # type: ignore[no-untyped-def]
    src = make(tmp_path)
    out = tmp_path / "out"
    proc = run("analyze", str(src), "--exercise", "pogo_hops", "--out", str(out))
    assert_one_line_failure(proc, needle)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_video_with_nobody_in_it(tmp_path: Path, blank_video: Path) -> None:
    out = tmp_path / "out"
    proc = run("analyze", str(blank_video), "--exercise", "squat", "--out", str(out), "--model", "lite")
    assert_one_line_failure(proc, "nobody detected")
    assert not out.exists()


def test_unknown_exercise_lists_the_known_ones(tmp_path: Path, blank_video: Path) -> None:
    proc = run("analyze", str(blank_video), "--exercise", "burpees", "--out", str(tmp_path / "o"))
    assert_one_line_failure(proc, "known: ")


def test_exercises_lists_every_id() -> None:
    from formcheck.exercises import EXERCISES

    proc = run("exercises")
    assert proc.returncode == 0
    for ex_id in EXERCISES:
        assert ex_id in proc.stdout


@pytest.mark.footage
def test_analyze_real_clip_then_replay_landmarks(footage: Path, tmp_path: Path) -> None:
    clip = footage / "jumprope_side_chenwr727_1.mp4"
    out = tmp_path / "x"
    proc = run("analyze", str(clip), "--exercise", "pogo_hops", "--out", str(out), "--no-video")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads((out / "report.json").read_text())
    assert rep["source"]["fps"] == 25.0 and rep["source"]["frame_count"] == 413
    assert rep["quality"]["frames_with_person"] > 400
    lm = Landmarks.load(out / "landmarks.npz")
    assert len(lm) == 413 and np.all(np.diff(lm.t) > 0)
    from formcheck.report import validate_report

    validate_report(rep)
    # re-analysis from the saved landmarks never reruns the model and gives the same numbers
    out2 = tmp_path / "y"
    proc2 = run("analyze", "--landmarks", str(out / "landmarks.npz"), "--exercise", "pogo_hops", "--out", str(out2),
                "--no-video")
    assert proc2.returncode == 0, proc2.stderr
    rep2 = json.loads((out2 / "report.json").read_text())
    assert rep2["contacts"] == rep["contacts"] and rep2["summary"] == rep["summary"]


def test_feet_out_of_frame_on_hops(tmp_path: Path) -> None:
    """The rendered pogo sample with the bottom of the picture cut off: no feet, so no contact analysis."""
    from formcheck.video import open_video

    clip = Path(__file__).resolve().parents[1] / "samples" / "pogo_hops_side_60fps" / "clip.mp4"
    cropped = tmp_path / "no_feet.mp4"
    with open_video(clip) as src:
        frames = [f.image for f, _ in zip(src, range(60), strict=False)]
    h = frames[0].shape[0] * 55 // 100
    with VideoWriter(cropped, 60, frames[0].shape[1], h) as w:
        for img in frames:
            w.write(np.ascontiguousarray(img[:h]))
    out = tmp_path / "out"
    proc = run("analyze", str(cropped), "--exercise", "pogo_hops", "--out", str(out))
    assert_one_line_failure(proc, "feet are out of frame")
    assert not out.exists()
