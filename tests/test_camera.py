"""Live frame sources: the paced file source (container times, real pace, clean end), the newest-frame reader
(dropping, stopping, errors) and the camera source on a scripted capture device (no real camera needed)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import ClassVar

import numpy as np
import pytest
from numpy.typing import NDArray

from formcheck import camera
from formcheck.camera import CameraSource, LiveFrame, NewestFrameReader, PacedFileSource
from formcheck.types import FormcheckError
from formcheck.video import VideoWriter

IMG = np.zeros((48, 64, 3), np.uint8)
# variable gaps (20 ms to 130 ms): a source that used i / fps instead of the container times would be off by 0.1 s
PLANTED = [0.0, 0.020, 0.150, 0.170, 0.300, 0.310]
LEVELS = [20 + 40 * i for i in range(len(PLANTED))]  # frame i is a flat grey of LEVELS[i]
CLIP_FPS = 30.0


class FakeClock:
    """A manual clock (s) whose ``sleep`` advances it and records the requested waits."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, dt: float) -> None:
        self.sleeps.append(dt)
        self.now += max(0.0, dt)


@pytest.fixture(scope="module")
def vfr_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six flat grey frames (levels LEVELS) at the variable times PLANTED, 64x48."""
    path = tmp_path_factory.mktemp("cam") / "vfr.mp4"
    with VideoWriter(path, CLIP_FPS, 64, 48, variable_rate=True) as w:
        for t, level in zip(PLANTED, LEVELS, strict=True):
            w.write(np.full((48, 64, 3), level, np.uint8), t_s=t)
    return path


def _level_index(image: NDArray[np.uint8]) -> int:
    """Which planted frame a decoded image is (nearest grey level)."""
    return int(np.argmin([abs(float(image.mean()) - lv) for lv in LEVELS]))


# --- LiveFrame -------------------------------------------------------------------------------------------
def test_live_frame_is_immutable() -> None:
    f = LiveFrame(3, 0.1, IMG, 5.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.t_s = 0.2  # type: ignore[misc]
    assert (f.index, f.t_s, f.arrival_s) == (3, 0.1, 5.0)


# --- PacedFileSource ---------------------------------------------------------------------------------------
def test_paced_file_gives_the_frames_in_order_with_the_container_times(vfr_clip: Path) -> None:
    clock = FakeClock()
    frames = list(PacedFileSource(vfr_clip, clock=clock, sleep=clock.sleep).frames())
    assert [f.index for f in frames] == list(range(len(PLANTED)))
    assert [_level_index(f.image) for f in frames] == list(range(len(PLANTED)))
    assert all(f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8 for f in frames)
    t = [f.t_s for f in frames]
    assert t == pytest.approx(PLANTED, abs=1e-4)
    assert np.max(np.abs(np.arange(len(t)) / CLIP_FPS - t)) > 0.05  # not i / fps


def test_paced_file_waits_exactly_the_gaps_between_container_times(vfr_clip: Path) -> None:
    clock = FakeClock()
    frames = list(PacedFileSource(vfr_clip, clock=clock, sleep=clock.sleep).frames())
    assert clock.sleeps == pytest.approx(list(np.diff(PLANTED)), abs=1e-4)  # nothing before the first frame
    start = frames[0].arrival_s
    assert start == 100.0
    assert [f.arrival_s - start for f in frames] == pytest.approx(PLANTED, abs=1e-4)


def test_a_late_frame_is_released_at_once_and_the_schedule_is_not_shifted(vfr_clip: Path) -> None:
    clock = FakeClock()
    it = PacedFileSource(vfr_clip, clock=clock, sleep=clock.sleep).frames()
    first = next(it)
    next(it)  # t = 0.020
    clock.now = first.arrival_s + 0.200  # the consumer was busy past frames 2 and 3 (0.150, 0.170)
    n_sleeps = len(clock.sleeps)
    late = [next(it), next(it)]
    assert len(clock.sleeps) == n_sleeps  # no wait, and no negative sleep requested
    assert [f.arrival_s for f in late] == [first.arrival_s + 0.200] * 2  # the arrival says it is late
    assert [f.t_s for f in late] == pytest.approx(PLANTED[2:4], abs=1e-4)  # media time unchanged
    nxt = next(it)  # t = 0.300: back on the original schedule, not 0.130 after the late frames
    assert nxt.arrival_s == pytest.approx(first.arrival_s + PLANTED[4], abs=1e-4)


def test_paced_file_runs_no_faster_than_real_time(vfr_clip: Path) -> None:
    src = PacedFileSource(vfr_clip)
    t0 = time.monotonic()
    frames = list(src.frames())
    wall = time.monotonic() - t0
    assert [f.t_s for f in frames] == pytest.approx(PLANTED, abs=1e-4)
    arrivals = np.array([f.arrival_s for f in frames])
    assert np.all(np.diff(arrivals) >= 0)
    assert arrivals[0] >= t0
    # lower bounds only: a busy machine may deliver late, never early
    assert np.all(arrivals - arrivals[0] >= np.array(PLANTED) - 1e-3)
    assert wall >= PLANTED[-1] - 1e-3


def test_closing_the_paced_file_ends_its_frames(vfr_clip: Path) -> None:
    clock = FakeClock()
    src = PacedFileSource(vfr_clip, clock=clock, sleep=clock.sleep)
    it = src.frames()
    assert [next(it).index, next(it).index] == [0, 1]
    src.close()
    assert list(it) == []


def test_paced_file_as_context_manager_stops_on_exit(vfr_clip: Path) -> None:
    clock = FakeClock()
    with PacedFileSource(vfr_clip, clock=clock, sleep=clock.sleep) as src:
        it = src.frames()
        next(it)
    assert list(it) == []


def _open_fds_to(path: Path) -> int:
    fd_dir = Path("/proc/self/fd")
    target = str(path.resolve())
    n = 0
    for p in fd_dir.iterdir():
        try:
            n += os.path.realpath(p) == target
        except OSError:
            continue
    return n


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open files")
def test_closing_the_paced_file_releases_the_file(vfr_clip: Path, tmp_path: Path) -> None:
    clip = tmp_path / "own.mp4"  # a copy no other test's source holds open
    shutil.copyfile(vfr_clip, clip)
    clock = FakeClock()
    src = PacedFileSource(clip, clock=clock, sleep=clock.sleep)
    assert _open_fds_to(clip) == 1
    assert len(list(src.frames())) == len(PLANTED)
    src.close()
    assert _open_fds_to(clip) == 0


def test_paced_file_that_does_not_exist_is_a_formcheck_error(tmp_path: Path) -> None:
    with pytest.raises(FormcheckError, match="no such file"):
        PacedFileSource(tmp_path / "missing.mp4")


def test_reader_on_a_paced_file_ends_cleanly_after_the_last_frame(vfr_clip: Path) -> None:
    clock = FakeClock()
    reader = NewestFrameReader(PacedFileSource(vfr_clip, clock=clock, sleep=clock.sleep).frames()).start()
    reader._thread.join(5)
    assert not reader._thread.is_alive()
    assert not reader.ended  # the last frame is still waiting to be taken
    last = reader.get(timeout=1)
    assert last is not None and last.index == len(PLANTED) - 1 and _level_index(last.image) == len(PLANTED) - 1
    assert reader.ended and reader.get(timeout=1) is None
    assert (reader.arrived, reader.dropped, reader.taken) == (len(PLANTED), len(PLANTED) - 1, 1)
    assert [t for t, _ in reader.arrivals] == pytest.approx(PLANTED, abs=1e-4)


# --- NewestFrameReader ---------------------------------------------------------------------------------------
def test_reader_hands_out_the_newest_frame_mid_stream_and_counts_the_skipped_ones() -> None:
    first_batch, go = threading.Event(), threading.Event()

    def bursts() -> Iterator[LiveFrame]:
        for i in range(5):
            yield LiveFrame(i, i / 30, IMG, float(i))
        first_batch.set()  # frame 4 is in the reader's slot
        go.wait(5)
        for i in range(5, 10):
            yield LiveFrame(i, i / 30, IMG, float(i))

    reader = NewestFrameReader(bursts()).start()
    assert first_batch.wait(5)
    got = reader.get(timeout=1)
    assert got is not None and got.index == 4
    assert (reader.arrived, reader.dropped, reader.taken) == (5, 4, 1)
    assert not reader.ended
    go.set()
    reader._thread.join(5)
    got = reader.get(timeout=1)
    assert got is not None and got.index == 9  # 5..8 went stale; the frame taken earlier is not "dropped"
    assert (reader.arrived, reader.dropped, reader.taken) == (10, 8, 2)
    assert reader.get(timeout=1) is None and reader.ended


def test_reader_get_times_out_with_none_while_no_frame_has_arrived() -> None:
    release = threading.Event()

    def silent() -> Iterator[LiveFrame]:
        release.wait(5)
        yield LiveFrame(0, 0.0, IMG, 1.0)

    reader = NewestFrameReader(silent()).start()
    assert reader.get(timeout=0.05) is None
    assert not reader.ended and reader.taken == 0
    release.set()
    got = reader.get(timeout=5)  # a waiting consumer is woken by the frame
    assert got is not None and got.index == 0
    reader._thread.join(5)
    assert reader.get(timeout=1) is None and reader.ended


def test_reader_stop_ends_the_thread_of_an_endless_source() -> None:
    pulled = 0

    def endless() -> Iterator[LiveFrame]:
        nonlocal pulled
        i = 0
        while True:
            pulled += 1
            yield LiveFrame(i, i / 30, IMG, float(i))
            i += 1
            time.sleep(0.001)

    reader = NewestFrameReader(endless()).start()
    assert reader.get(timeout=5) is not None
    reader.stop(join_timeout_s=5)
    assert not reader._thread.is_alive()
    n = pulled
    time.sleep(0.02)
    assert pulled == n  # nobody reads the source any more
    assert reader.get(timeout=1) is None  # no stale frame handed out after stop
    assert reader.ended


def test_reader_wakes_a_waiting_consumer_with_the_source_error() -> None:
    fail = threading.Event()
    err = OSError("camera unplugged")

    def dies() -> Iterator[LiveFrame]:
        fail.wait(5)
        raise err
        yield  # a generator

    reader = NewestFrameReader(dies()).start()
    timer = threading.Timer(0.05, fail.set)
    timer.start()
    try:
        with pytest.raises(OSError) as exc:
            reader.get(timeout=10)  # returning None after the timeout would fail the test
    finally:
        timer.cancel()
    assert exc.value is err
    assert reader.ended and reader.arrived == 0


# --- CameraSource --------------------------------------------------------------------------------------------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the /dev/videoN check is Linux only")
def test_missing_camera_device_is_a_formcheck_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camera, "_video_devices", lambda: [])
    with pytest.raises(FormcheckError, match=r"no camera 97 \(/dev/video97 does not exist; no camera found"):
        CameraSource(97)
    monkeypatch.setattr(camera, "_video_devices", lambda: ["/dev/video0", "/dev/video2"])
    with pytest.raises(FormcheckError, match="cameras found: /dev/video0, /dev/video2"):
        CameraSource(97)


def test_negative_camera_index_is_a_formcheck_error() -> None:
    with pytest.raises(FormcheckError, match="must be >= 0, got -1"):
        CameraSource(-1)


CAP_PROP_FPS, CAP_PROP_BUFFERSIZE = 5, 38


class FakeCapture:
    """A scripted ``cv2.VideoCapture``: ``reads`` is the list of images to deliver (None = read fails)."""

    opened: ClassVar[bool] = True
    fps: ClassVar[float] = 25.0
    reads: ClassVar[list[NDArray[np.uint8] | None]] = []
    made: ClassVar[list[FakeCapture]] = []

    def __init__(self, index: int) -> None:
        self.index = index
        self.released = False
        self.props: dict[int, float] = {}
        self._reads = list(type(self).reads)
        type(self).made.append(self)

    def isOpened(self) -> bool:  # noqa: N802 (cv2's name)
        return type(self).opened

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def get(self, prop: int) -> float:
        return type(self).fps if prop == CAP_PROP_FPS else 0.0

    def read(self) -> tuple[bool, NDArray[np.uint8] | None]:
        img = self._reads.pop(0) if self._reads else None
        return img is not None, img

    def release(self) -> None:
        self.released = True


def _fake_cv2(monkeypatch: pytest.MonkeyPatch, reads: list[NDArray[np.uint8] | None], opened: bool = True,
              fps: float = 25.0) -> type[FakeCapture]:
    """Install a fake ``cv2`` and pretend every /dev/videoN exists (by taking the non-Linux path)."""
    cap = type("Cap", (FakeCapture,), {"opened": opened, "fps": fps, "reads": reads, "made": []})
    fake = ModuleType("cv2")
    fake.VideoCapture = cap  # type: ignore[attr-defined]
    fake.CAP_PROP_FPS, fake.CAP_PROP_BUFFERSIZE = CAP_PROP_FPS, CAP_PROP_BUFFERSIZE  # type: ignore[attr-defined]
    fake.utils = SimpleNamespace(logging=SimpleNamespace())  # type: ignore[attr-defined]  # no setLogLevel
    monkeypatch.setitem(sys.modules, "cv2", fake)
    monkeypatch.setattr(camera, "sys", SimpleNamespace(platform="fake"))
    return cap


def _img(level: int, w: int = 64, h: int = 48) -> NDArray[np.uint8]:
    return np.full((h, w, 3), level, np.uint8)


def test_camera_times_are_arrival_times_relative_to_the_first_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = _fake_cv2(monkeypatch, [_img(10, 80, 60), _img(20, 80, 60), _img(30, 80, 60), None])
    ticks = iter([50.0, 50.04, 50.1, 50.2])  # the last read, which fails, is timed too
    cam = CameraSource(0, clock=lambda: next(ticks))
    assert (cam.meta.path, cam.meta.fps, cam.meta.width, cam.meta.height) == ("camera:0", 25.0, 80, 60)
    assert cap.made[0].props[CAP_PROP_BUFFERSIZE] == 1  # no backlog of stale frames in the driver
    frames = list(cam.frames())  # ends when the camera stops delivering
    assert [f.index for f in frames] == [0, 1, 2]
    assert [int(f.image[0, 0, 0]) for f in frames] == [10, 20, 30]
    assert [f.arrival_s for f in frames] == [50.0, 50.04, 50.1]
    assert [f.t_s for f in frames] == pytest.approx([0.0, 0.04, 0.1], abs=1e-12)


@pytest.mark.parametrize("fps", [0.0, float("nan"), 1.0, 5000.0])
def test_camera_without_a_plausible_frame_rate_assumes_30(monkeypatch: pytest.MonkeyPatch, fps: float) -> None:
    _fake_cv2(monkeypatch, [_img(0)], fps=fps)
    assert CameraSource(0, clock=lambda: 0.0).meta.fps == 30.0


def test_camera_that_cannot_be_opened_is_a_formcheck_error(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = _fake_cv2(monkeypatch, [_img(0)], opened=False)
    with pytest.raises(FormcheckError, match="cannot open camera 3"):
        CameraSource(3)
    assert cap.made[0].index == 3 and cap.made[0].released


def test_camera_that_delivers_no_frame_is_a_formcheck_error(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = _fake_cv2(monkeypatch, [None])
    with pytest.raises(FormcheckError, match="camera 0 opened but delivers no frames"):
        CameraSource(0, clock=lambda: 0.0)
    assert cap.made[0].released


def test_closing_the_camera_releases_it_and_ends_its_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    cap = _fake_cv2(monkeypatch, [_img(i) for i in range(10)])
    with CameraSource(0, clock=lambda: 0.0) as cam:
        it = cam.frames()
        assert [next(it).index, next(it).index] == [0, 1]
    assert cap.made[0].released
    assert list(it) == []
