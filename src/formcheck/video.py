"""Video in and out: frames with the container's presentation timestamps, atomic mp4 writing.

Frames are streamed one at a time (a video is never held in memory). Every frame
carries its presentation timestamp from the container, so variable-frame-rate
phone video, 29.97 fps and 120/240 fps slow motion come out right. The rotation
stored in a phone video's display matrix is applied to the pixels.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, cast

# OpenCV must be loaded before PyAV: av's wheel bundles its own libxcb, and if that one is loaded first
# OpenCV's Qt window (live mode) hangs in cv2.namedWindow.
import cv2

# isort: split
import av
import numpy as np
from numpy.typing import NDArray

from formcheck.types import FormcheckError, VideoMeta, publish

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp")
"""File extensions treated as videos when scanning folders."""

PixelFormat = Literal["bgr24", "rgb24", "gray"] | None


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes
    ----------
    index : int
        Decoding order index (0-based) in presentation order.
    t_s : float
        Presentation time relative to the first frame (s).
    image : (H, W, 3) uint8
        Pixels in the requested format (BGR by default), rotation applied.
    """

    index: int
    t_s: float
    image: NDArray[np.uint8]


_NO_PIXELS: NDArray[np.uint8] = np.zeros((0, 0, 3), np.uint8)


def _rotation_cw(rotation_ccw: float) -> int:
    """Clockwise rotation (0/90/180/270) that displays a frame whose display matrix rotates ``rotation_ccw``."""
    r = int(round(-rotation_ccw / 90.0)) % 4
    return r * 90


def rotate_image(image: NDArray[np.uint8], rotation_deg: int) -> NDArray[np.uint8]:
    """Rotate an image clockwise by 0/90/180/270 degrees."""
    k = (rotation_deg // 90) % 4
    if k == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-k))


def _fail(path: Path, what: str) -> FormcheckError:
    return FormcheckError(f"{path}: {what}")


class VideoSource:
    """A video file opened for streaming decode.

    Use as a context manager; iterate to get :class:`Frame` values in presentation
    order. ``meta`` is provisional (container header values) until iteration has
    finished, after which :meth:`final_meta` gives exact frame count and duration.

    Parameters
    ----------
    path : path-like
        Any file FFmpeg can read.
    pixel_format : {"bgr24", "rgb24", "gray"} or None
        Pixel format of ``Frame.image`` (``gray``: an (H, W) array); None skips the pixel conversion
        (``image`` is empty) for timestamp and metadata scans.
    select : collection of int or None
        Convert the pixels of these frame indices only (the others come with an empty ``image``);
        None converts every frame.
    """

    def __init__(self, path: str | Path, pixel_format: PixelFormat = "bgr24",
                 select: Collection[int] | None = None) -> None:
        self.path = Path(path)
        self.pixel_format = pixel_format
        self._select = None if select is None else frozenset(select)
        if not self.path.exists():
            raise _fail(self.path, "no such file")
        if self.path.is_dir():
            raise _fail(self.path, "is a directory, not a video file")
        if self.path.stat().st_size == 0:
            raise _fail(self.path, "empty file (0 bytes)")
        try:
            self._container = av.open(str(self.path), mode="r")
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise _fail(self.path, f"not a readable video ({type(exc).__name__})") from None
        if not self._container.streams.video:
            self._container.close()
            raise _fail(self.path, "contains no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        rate = self._stream.average_rate or self._stream.guessed_rate or self._stream.base_rate
        if not rate or float(rate) <= 0:
            self._container.close()
            raise _fail(self.path, "has no usable frame rate")
        self.fps = float(rate)
        cc = self._stream.codec_context
        self._raw_size = (int(cc.width), int(cc.height))
        if self._raw_size[0] <= 0 or self._raw_size[1] <= 0:
            self._container.close()
            raise _fail(self.path, "has no frame size")
        self.frames_hint = int(self._stream.frames or 0)
        if self.frames_hint <= 0 and self._stream.duration and self._stream.time_base:
            self.frames_hint = int(round(float(self._stream.duration * self._stream.time_base) * self.fps))
        self.rotation_deg = 0
        self._count = 0
        self._t0: float | None = None
        self._t_last = 0.0
        self._first_rotation_seen = False

    # -- context manager -------------------------------------------------------------------
    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release the decoder."""
        self._container.close()

    # -- metadata --------------------------------------------------------------------------
    def _size(self) -> tuple[int, int]:
        w, h = self._raw_size
        return (h, w) if self.rotation_deg in (90, 270) else (w, h)

    @property
    def meta(self) -> VideoMeta:
        """Metadata so far (exact frame count and duration once iteration has finished)."""
        w, h = self._size()
        n = self._count if self._count else self.frames_hint
        dur = (self._t_last + 1.0 / self.fps) if self._count else n / self.fps
        return VideoMeta(str(self.path), self.fps, n, dur, w, h, self.rotation_deg, self._t0 or 0.0)

    # -- decoding --------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Frame]:
        tb = self._stream.time_base
        prev: float | None = None
        try:
            for frame in self._container.decode(self._stream):
                pts = frame.pts if frame.pts is not None else getattr(frame, "best_effort_timestamp", None)
                if pts is not None and tb is not None:
                    t_abs = float(pts * tb)
                elif prev is not None:
                    t_abs = prev + 1.0 / self.fps
                else:
                    t_abs = 0.0
                if prev is not None and t_abs <= prev:
                    # Duplicate or out-of-order stamp: keep the frame, nudge it just past the previous one.
                    log.warning("%s: non-increasing timestamp %.6f after %.6f", self.path.name, t_abs, prev)
                    t_abs = prev + 1e-6
                prev = t_abs
                if self._t0 is None:
                    self._t0 = t_abs
                    self.rotation_deg = _rotation_cw(float(getattr(frame, "rotation", 0) or 0))
                t_rel = t_abs - self._t0
                if self.pixel_format is None or (self._select is not None and self._count not in self._select):
                    image = _NO_PIXELS
                else:
                    pixels = cast(NDArray[np.uint8], frame.to_ndarray(format=self.pixel_format))
                    image = rotate_image(pixels, self.rotation_deg)
                idx = self._count
                self._count += 1
                self._t_last = t_rel
                yield Frame(idx, t_rel, image)
        except av.error.FFmpegError as exc:
            if self._count == 0:
                raise _fail(self.path, f"cannot decode video ({type(exc).__name__})") from None
            log.warning("%s: decoding stopped after %d frames: %s", self.path.name, self._count, exc)


CHANGE_WIDTH_PX = 160
"""Width (px) a frame is shrunk to before it is compared with the previous one: codec noise averages out and the
comparison costs 0.1-1 ms a frame from 640x360 to 1920x1080 (the pose model takes tens of ms)."""


class FrameChange:
    """Streaming measure of how much each frame differs from the one before it.

    The change is the mean absolute difference of the two frames' grey levels (0-255) after both are shrunk to
    :data:`CHANGE_WIDTH_PX` wide. A frame that repeats the previous one (a frame-rate conversion, e.g. 25 fps film
    put in a 30 fps file by showing every sixth frame twice) changes by codec noise only, far less than its
    neighbours; :mod:`formcheck.repeats` finds those.
    """

    def __init__(self) -> None:
        self._prev: NDArray[np.int16] | None = None
        self.values: list[float] = []

    def push(self, image: NDArray[np.uint8]) -> float:
        """Feed the next frame (``(H, W, 3)`` RGB or BGR, or ``(H, W)`` grey); returns its change (grey levels, NaN
        for the first frame or a frame of another size)."""
        grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        h, w = grey.shape[:2]
        small = grey if w <= CHANGE_WIDTH_PX else cv2.resize(
            grey, (CHANGE_WIDTH_PX, max(1, round(h * CHANGE_WIDTH_PX / w))), interpolation=cv2.INTER_AREA)
        cur = np.asarray(small, np.int16)
        prev, self._prev = self._prev, cur
        value = float("nan") if prev is None or prev.shape != cur.shape else float(np.mean(np.abs(cur - prev)))
        self.values.append(value)
        return value


def open_video(path: str | Path, pixel_format: PixelFormat = "bgr24",
               select: Collection[int] | None = None) -> VideoSource:
    """Open a video file for streaming decode (see :class:`VideoSource`)."""
    return VideoSource(path, pixel_format, select)


def scan(path: str | Path) -> tuple[VideoMeta, NDArray[np.float64]]:
    """Decode a whole file without converting pixels; exact metadata and every frame's time (s)."""
    with open_video(path, pixel_format=None) as src:
        t = np.array([f.t_s for f in src], dtype=np.float64)
        return src.meta, t


def probe(path: str | Path) -> VideoMeta:
    """Exact metadata of a video file (decodes it once, keeping no frames)."""
    return scan(path)[0]


def frame_times(path: str | Path) -> NDArray[np.float64]:
    """Presentation timestamps (s from the first frame) of every decoded frame."""
    return scan(path)[1]


def _rate(fps: float) -> Fraction:
    common = {29.97: Fraction(30000, 1001), 59.94: Fraction(60000, 1001), 23.976: Fraction(24000, 1001)}
    for k, v in common.items():
        if abs(fps - k) < 0.005:
            return v
    return Fraction(fps).limit_denominator(1001)


def available_codec() -> str:
    """The best browser-playable codec PyAV offers here: ``libx264`` (H.264) or ``mpeg4``."""
    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


class VideoWriter:
    """Write frames to a video file atomically (temp file, renamed on successful close).

    Parameters
    ----------
    path : path-like
        Output file (``.mp4``).
    fps : float
        Frame rate (frames / s). Frame ``i`` gets presentation time ``i / fps`` unless
        ``variable_rate`` is set and times are given to :meth:`write`.
    width, height : int
        Frame size in pixels (odd sizes are padded by one pixel for yuv420p).
    codec : str or None
        FFmpeg encoder; default :func:`available_codec`.
    crf : int
        H.264 quality (lower is better; 18-28 typical).
    variable_rate : bool
        Use a 1/90000 s time base and the ``t_s`` passed to :meth:`write`.
    """

    def __init__(
        self,
        path: str | Path,
        fps: float,
        width: int,
        height: int,
        codec: str | None = None,
        crf: int = 23,
        variable_rate: bool = False,
        options: dict[str, str] | None = None,
    ) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self.width, self.height = int(width), int(height)
        self.codec = codec or available_codec()
        self.variable_rate = variable_rate
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix="." + self.path.stem, suffix=self.path.suffix)
        os.close(fd)
        self._tmp = Path(tmp)
        self._container: Any = av.open(str(self._tmp), mode="w")
        rate = _rate(self.fps)
        self._out: Any = cast(Any, self._container.add_stream(self.codec, rate=rate))
        self._out.width = self.width + (self.width % 2)
        self._out.height = self.height + (self.height % 2)
        self._out.pix_fmt = "yuv420p"
        self._tb = Fraction(1, 90000) if variable_rate else 1 / rate
        self._out.time_base = self._tb
        if variable_rate:
            self._out.codec_context.time_base = self._tb
        opts: dict[str, str] = {"crf": str(crf), "preset": "veryfast"} if self.codec == "libx264" else {}
        if self.codec != "libx264":
            self._out.bit_rate = 4_000_000
        opts.update(options or {})
        self._out.options = opts
        self._n = 0
        self._closed = False

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if et is None:
            self.close()
        else:
            self.abort()

    def write(self, image: NDArray[np.uint8], t_s: float | None = None) -> None:
        """Append one BGR frame (H, W, 3) uint8; ``t_s`` is used only with ``variable_rate``."""
        if image.shape[0] != self.height or image.shape[1] != self.width:
            got = f"{image.shape[1]}x{image.shape[0]}"
            raise ValueError(f"VideoWriter: expected {self.width}x{self.height}, got {got}")
        if self._out.width != self.width or self._out.height != self.height:
            pad = ((0, self._out.height - self.height), (0, self._out.width - self.width), (0, 0))
            image = np.pad(image, pad, mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        if self.variable_rate:
            if t_s is None:
                raise ValueError("VideoWriter: variable_rate needs t_s for every frame")
            frame.pts = int(round(t_s / self._tb))
        else:
            frame.pts = self._n
        frame.time_base = self._tb
        for packet in self._out.encode(frame):
            self._container.mux(packet)
        self._n += 1

    @property
    def frames_written(self) -> int:
        return self._n

    def close(self) -> None:
        """Flush the encoder and move the file into place."""
        if self._closed:
            return
        self._closed = True
        try:
            for packet in self._out.encode(None):
                self._container.mux(packet)
            self._container.close()
            publish(self._tmp, self.path)
        finally:
            if self._tmp.exists():
                self._tmp.unlink()

    def abort(self) -> None:
        """Discard the partial file."""
        if self._closed:
            return
        self._closed = True
        try:
            self._container.close()
        except Exception:
            pass
        if self._tmp.exists():
            self._tmp.unlink()
