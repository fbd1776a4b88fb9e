"""Live frame sources: a camera, or a video file released at its real pace, and a newest-frame reader.

Every frame carries the wall-clock time it arrived (``time.monotonic()``) besides its media time,
so live mode can measure latency from a frame's arrival to the events it reveals. A camera's media
time is its arrival time relative to the first frame; a paced file's media time is its container
timestamp, and the frame is released at ``start + t_s`` on the wall clock, as a camera would deliver it.

:class:`NewestFrameReader` reads a source on a thread and keeps only the newest frame: a consumer
that cannot keep up gets the latest frame and the skipped ones are counted as dropped, never queued.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol, cast

import numpy as np
from numpy.typing import NDArray

from formcheck.types import FormcheckError, VideoMeta
from formcheck.video import open_video

log = logging.getLogger(__name__)

Clock = Callable[[], float]
"""A monotonic clock in seconds (``time.monotonic`` unless a test injects one)."""


@dataclass(frozen=True)
class LiveFrame:
    """One frame as it arrived.

    Attributes
    ----------
    index : int
        Index in the source (0-based, counting frames that were later dropped).
    t_s : float
        Media time (s from the first frame).
    image : (H, W, 3) uint8
        BGR pixels.
    arrival_s : float
        Clock time (s, ``time.monotonic()``) at which the frame arrived.
    """

    index: int
    t_s: float
    image: NDArray[np.uint8]
    arrival_s: float


class FrameSource(Protocol):
    """Something that delivers :class:`LiveFrame` values in real time."""

    meta: VideoMeta

    def frames(self) -> Iterator[LiveFrame]:
        """Frames as they arrive (blocking); ends when the source ends."""
        ...

    def close(self) -> None:
        """Release the device or file."""
        ...


def _video_devices() -> list[str]:
    return sorted(str(p) for p in Path("/dev").glob("video*")) if sys.platform.startswith("linux") else []


class CameraSource:
    """A camera opened with ``cv2.VideoCapture``; media time = arrival time relative to the first frame.

    Parameters
    ----------
    index : int
        Camera index (``/dev/videoN`` on Linux).
    clock : callable
        Monotonic clock (s).

    Raises
    ------
    FormcheckError
        No such camera, camera busy, or it gives no frames.
    """

    def __init__(self, index: int, clock: Clock = time.monotonic) -> None:
        import cv2

        self.index = index
        self.clock = clock
        if index < 0:
            raise FormcheckError(f"camera index must be >= 0, got {index}")
        if sys.platform.startswith("linux") and not Path(f"/dev/video{index}").exists():
            found = _video_devices()
            have = f"cameras found: {', '.join(found)}" if found else "no camera found on this machine"
            raise FormcheckError(f"no camera {index} (/dev/video{index} does not exist; {have}); "
                                 "use --camera N or --source FILE")
        try:
            cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        except AttributeError:
            pass
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise FormcheckError(f"cannot open camera {index} (busy in another program, or no permission)")
        self._cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        ok, first = self._cap.read()
        self._t_first = clock()
        if not ok or first is None:
            self._cap.release()
            raise FormcheckError(f"camera {index} opened but delivers no frames (busy in another program?)")
        self._first: NDArray[np.uint8] | None = cast(NDArray[np.uint8], first)
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        if not np.isfinite(fps) or fps <= 1.0 or fps > 1000.0:
            fps = 30.0
        h, w = self._first.shape[:2]
        self.meta = VideoMeta(f"camera:{index}", fps, 0, 0.0, int(w), int(h))
        self._closed = False

    def frames(self) -> Iterator[LiveFrame]:
        if self._first is not None:
            first, self._first = self._first, None
            yield LiveFrame(0, 0.0, first, self._t_first)
        i = 1
        while not self._closed:
            ok, img = self._cap.read()
            now = self.clock()
            if not ok or img is None:
                log.warning("camera %d stopped delivering frames", self.index)
                return
            yield LiveFrame(i, now - self._t_first, cast(NDArray[np.uint8], img), now)
            i += 1

    def close(self) -> None:
        self._closed = True
        self._cap.release()

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class PacedFileSource:
    """A video file whose frames are released at their container timestamps on the wall clock.

    Frame ``k`` arrives at ``start + t_k`` where ``start`` is the clock when the first frame was
    released, like a camera filming the scene now. If decoding falls behind, frames arrive late
    (their arrival time says so).

    Parameters
    ----------
    path : path-like
        Video file.
    clock, sleep : callable
        Monotonic clock and sleep (s); injectable for tests.

    Notes
    -----
    The decoder is released by :meth:`close` when no :meth:`frames` iteration is running, else by that iteration
    when it ends (the frames usually come from a reader thread, and closing a decoder under a thread that is
    decoding crashes the process).
    """

    def __init__(self, path: str | Path, clock: Clock = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.path = Path(path)
        self.clock = clock
        self.sleep = sleep
        self._src = open_video(self.path, pixel_format="bgr24")
        self.meta = self._src.meta
        self._stop = False
        self._lock = threading.Lock()
        self._iterating = False
        self._released = False

    def frames(self) -> Iterator[LiveFrame]:
        with self._lock:
            if self._stop or self._iterating:
                return
            self._iterating = True
        try:
            start: float | None = None
            for f in self._src:
                if self._stop:
                    return
                if start is None:
                    start = self.clock()
                    self.meta = self._src.meta
                wait = start + f.t_s - self.clock()
                if wait > 0:
                    self.sleep(wait)
                yield LiveFrame(f.index, f.t_s, f.image, self.clock())
        finally:
            with self._lock:
                self._iterating = False
                self._release()

    def close(self) -> None:
        """Stop the frames and release the file (at once, or when the running iteration ends)."""
        with self._lock:
            self._stop = True
            if not self._iterating:
                self._release()

    def _release(self) -> None:
        if not self._released:
            self._released = True
            self._src.close()

    def __enter__(self) -> PacedFileSource:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class NewestFrameReader:
    """Read frames on a background thread, keeping only the newest one.

    A frame replaced before the consumer took it is *dropped* (counted in :attr:`dropped`).
    :attr:`arrivals` keeps ``(t_s, arrival_s)`` of every frame that arrived, dropped or not.

    Parameters
    ----------
    frames : iterator of LiveFrame
        The source's frames (blocking iterator).
    """

    def __init__(self, frames: Iterator[LiveFrame]) -> None:
        self._frames = frames
        self._cond = threading.Condition()
        self._slot: LiveFrame | None = None
        self._done = False
        self._stop = False
        self._error: BaseException | None = None
        self.arrived = 0
        self.dropped = 0
        self.taken = 0
        self.arrivals: list[tuple[float, float]] = []
        self._thread = threading.Thread(target=self._run, name="formcheck-frame-reader", daemon=True)

    def start(self) -> NewestFrameReader:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for f in self._frames:
                with self._cond:
                    if self._stop:
                        break
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = f
                    self.arrived += 1
                    self.arrivals.append((f.t_s, f.arrival_s))
                    self._cond.notify_all()
        except BaseException as exc:  # handed to the consumer, raised there
            self._error = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def get(self, timeout: float | None = None) -> LiveFrame | None:
        """The newest frame not yet taken; waits for one. None when the source has ended (or on timeout).

        Raises
        ------
        Exception
            Whatever the source raised on the reader thread.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: self._slot is not None or self._done, timeout):
                return None
            f, self._slot = self._slot, None
            if f is None and self._error is not None:
                raise self._error
            if f is not None:
                self.taken += 1
            return f

    @property
    def ended(self) -> bool:
        """The source has ended and its last frame was taken."""
        with self._cond:
            return self._done and self._slot is None

    def stop(self, join_timeout_s: float = 2.0) -> None:
        """Ask the thread to stop after the frame it is reading, and wait a little for it."""
        with self._cond:
            self._stop = True
            if self._slot is not None:
                self._slot = None
        if self._thread.is_alive():
            self._thread.join(join_timeout_s)
