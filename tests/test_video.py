"""Video input: container timestamps, rotation, bad files; atomic writing."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from formcheck.repeats import frame_repeats
from formcheck.types import FormcheckError
from formcheck.video import FrameChange, VideoWriter, frame_times, open_video, probe, scan


def _write_with_pyav(path: Path, pts: list[int], time_base: Fraction, size: tuple[int, int] = (64, 48),
                     rate: Fraction | int = 30) -> None:
    """Encode frames with explicit presentation timestamps, independently of formcheck's writer."""
    w, h = size
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=rate)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.time_base = time_base
        s.codec_context.time_base = time_base
        for i, p in enumerate(pts):
            img = np.full((h, w, 3), (i * 37) % 255, np.uint8)
            img[:8, :8] = 255  # marker in the top-left corner
            f = av.VideoFrame.from_ndarray(img, format="bgr24")
            f.pts, f.time_base = p, time_base
            for pkt in s.encode(f):
                c.mux(pkt)
        for pkt in s.encode(None):
            c.mux(pkt)


def test_variable_frame_rate_gives_the_planted_timestamps(tmp_path: Path) -> None:
    planted = [0.0, 0.030, 0.071, 0.200, 0.211, 0.250, 0.500, 0.533]
    tb = Fraction(1, 90000)
    path = tmp_path / "vfr.mp4"
    _write_with_pyav(path, [round(t / tb) for t in planted], tb)
    t = frame_times(path)
    assert t == pytest.approx(planted, abs=1e-6)
    meta = probe(path)
    naive = np.arange(len(planted)) / meta.fps  # what i / fps would have said
    assert np.max(np.abs(naive - t)) > 0.05


def test_29_97_fps_is_not_rounded(tmp_path: Path) -> None:
    tb = Fraction(1001, 30000)
    path = tmp_path / "ntsc.mp4"
    _write_with_pyav(path, list(range(90)), tb, rate=Fraction(30000, 1001))
    meta = probe(path)
    assert meta.fps == pytest.approx(29.97, abs=1e-3)
    assert meta.frame_count == 90
    assert frame_times(path)[-1] == pytest.approx(89 * 1001 / 30000, abs=1e-6)


def test_240_fps_slow_motion_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "slowmo.mp4"
    _write_with_pyav(path, list(range(48)), Fraction(1, 240), rate=240)
    assert frame_times(path) == pytest.approx(np.arange(48) / 240, abs=1e-9)
    assert probe(path).fps == pytest.approx(240.0)


def test_phone_rotation_metadata_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "portrait.mp4"
    _write_with_pyav(path, list(range(3)), Fraction(1, 30), size=(64, 32))
    data = bytearray(path.read_bytes())
    k = data.index(b"tkhd")
    assert data[k + 4] == 0  # version 0 track header: the matrix starts 48 bytes into the box
    off = k - 4 + 48
    # QuickTime display matrix "rotate 90° clockwise", as phones write for portrait video
    data[off:off + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    path.write_bytes(bytes(data))
    with open_video(path) as src:
        first = next(iter(src))
        meta = src.meta
    assert (meta.width, meta.height, meta.rotation_deg) == (32, 64, 90)
    img = first.image[:, :, 0].astype(float)
    assert img.shape == (64, 32)
    assert img[:6, -6:].mean() > 200 and img[:6, :6].mean() < 50  # the top-left marker is now top-right


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormcheckError, match="no such file"):
        open_video(tmp_path / "nope.mp4")


def test_zero_byte_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.mp4"
    p.touch()
    with pytest.raises(FormcheckError, match="empty"):
        open_video(p)


def test_text_file_named_mp4(tmp_path: Path) -> None:
    p = tmp_path / "notes.mp4"
    p.write_text("this is not a video\n" * 20)
    with pytest.raises(FormcheckError, match="not a readable video"):
        open_video(p)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(FormcheckError, match="directory"):
        open_video(tmp_path)


def test_writer_is_atomic_and_exact(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    with pytest.raises(RuntimeError), VideoWriter(out, 60, 33, 20) as w:
        w.write(np.zeros((20, 33, 3), np.uint8))
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []  # nothing half-written
    with VideoWriter(out, 60, 33, 20) as w:
        for _ in range(12):
            w.write(np.zeros((20, 33, 3), np.uint8))
    assert frame_times(out) == pytest.approx(np.arange(12) / 60)


def test_frames_are_streamed_not_buffered(tmp_path: Path) -> None:
    path = tmp_path / "s.mp4"
    _write_with_pyav(path, list(range(30)), Fraction(1, 30))
    with open_video(path) as src:
        it = iter(src)
        first = next(it)
        assert first.index == 0 and first.t_s == 0.0
        assert src.meta.frame_count == 1 or src.meta.frame_count == 30  # provisional until the end
        rest = list(it)
    assert len(rest) == 29


def test_grey_pixels_of_selected_frames_only(tmp_path: Path) -> None:
    path = tmp_path / "s.mp4"
    _write_with_pyav(path, list(range(10)), Fraction(1, 30))
    with open_video(path, "gray", select={2, 5}) as src:
        frames = list(src)
    assert [f.index for f in frames] == list(range(10))
    assert [f.index for f in frames if f.image.size] == [2, 5]
    assert frames[2].image.ndim == 2 and frames[2].image.dtype == np.uint8
    with open_video(path) as src:
        bgr = [f.image for f in src]
    grey = cv2.cvtColor(bgr[5], cv2.COLOR_BGR2GRAY)
    assert np.abs(frames[5].image.astype(int) - grey.astype(int)).max() <= 3  # same frame, limited-range luma


@pytest.mark.footage
def test_every_footage_clip_decodes_with_increasing_timestamps(footage: Path) -> None:
    clips = sorted(footage.glob("*.mp4"))
    assert clips
    for clip in clips:
        meta, t = scan(clip)
        assert len(t) > 10, clip.name
        assert np.all(np.diff(t) > 0), clip.name
        assert meta.frame_count == len(t)


@pytest.mark.footage
def test_jumprope_side_clip_metadata(footage: Path) -> None:
    meta = probe(footage / "jumprope_side_chenwr727_1.mp4")
    assert (meta.fps, meta.frame_count, meta.width, meta.height) == (25.0, 413, 640, 360)


def test_frames_a_conversion_repeated_are_found_through_the_codec(tmp_path: Path) -> None:
    # 25 fps film put in a 29.97 fps file: every 6th frame shows the one before it again, then h264 encodes it
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 255, (240, 720, 3), np.uint8)
    path = tmp_path / "converted.mp4"
    truth = []
    with VideoWriter(path, 30000 / 1001, 320, 240) as w:
        film = 0
        for k in range(120):
            repeat = k % 6 == 5
            truth.append(repeat)
            film += 0 if repeat else 1
            w.write(np.ascontiguousarray(texture[:, 4 * film:4 * film + 320]))  # the scene pans 4 px per film frame
    change = FrameChange()
    with open_video(path, pixel_format="rgb24") as src:
        for frame in src:
            change.push(frame.image)
        fps = src.meta.fps
    values = np.array(change.values)
    assert np.isnan(values[0])
    rep = frame_repeats(values, fps)
    assert rep is not None and rep.every_n == 6 and rep.converted
    np.testing.assert_array_equal(rep.repeated, truth)
    assert rep.motion_fps == pytest.approx(25.0, abs=0.05)
