"""annotated.mp4: same frame count and timestamps as the source, overlay drawn, atomic."""

from __future__ import annotations

import copy
from pathlib import Path

import av
import numpy as np
import pytest

from fixtures.reports import reps_report, synthetic_landmarks
from formcheck.annotate import write_annotated_video
from formcheck.types import FormcheckError
from formcheck.video import VideoWriter, frame_times, open_video


def _short_reps_report(fps: float, n: int, w: int, h: int) -> dict:
    rep = copy.deepcopy(reps_report())
    rep["source"].update(fps=fps, frame_count=n, duration_s=n / fps, width=w, height=h)
    rep["reps"] = [dict(rep["reps"][0], start_s=0.2, bottom_s=0.8, end_s=1.0, eccentric_s=0.6, concentric_s=0.2)]
    return rep


def _grey_clip(path: Path, fps: float, n: int, w: int, h: int) -> None:
    with VideoWriter(path, fps, w, h) as wr:
        for i in range(n):
            wr.write(np.full((h, w, 3), 40 + i % 50, np.uint8))


def test_annotated_video_keeps_frame_count_and_times(tmp_path: Path) -> None:
    fps, n, w, h = 30.0, 36, 161, 240  # odd width: the writer pads to even for yuv420p
    src = tmp_path / "clip.mp4"
    _grey_clip(src, fps, n, w, h)
    rep = _short_reps_report(fps, n, w, h)
    lm = synthetic_landmarks(rep)
    out = tmp_path / "annotated.mp4"
    codec = write_annotated_video(src, lm, rep, out)
    assert codec in ("libx264", "mpeg4")
    if "libx264" in av.codecs_available:
        assert codec == "libx264"
    np.testing.assert_allclose(frame_times(out), frame_times(src), atol=1e-3)
    with av.open(str(out)) as c:
        st = c.streams.video[0]
        assert st.codec_context.pix_fmt == "yuv420p" and st.width % 2 == 0
    with open_video(out) as v:
        first = next(iter(v)).image
    assert first[:30, :60].max() > 200  # the counter panel's text is drawn
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files left


def test_unreadable_source_raises_and_leaves_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 10)
    rep = _short_reps_report(30.0, 10, 64, 64)
    with pytest.raises(FormcheckError):
        write_annotated_video(bad, synthetic_landmarks(rep), rep, tmp_path / "annotated.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mp4"]
