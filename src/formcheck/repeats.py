"""Frames a frame-rate conversion repeated: found from how much each frame changes, reported with the motion's
true sampling rate.

Much video on the web was converted to another frame rate by showing some frames twice: 25 fps film in a 30 fps
file repeats every sixth frame, 24 fps every fifth. A repeated frame shows the moment of the frame before it, so
the container's timestamp of every frame after a repeat is up to one frame period later than the moment it shows,
and the motion was sampled at the lower rate. A repeat changes from the frame before it by codec noise only, while
its neighbours change as much as the motion does; a still scene changes little everywhere and is not a repeat.
Pure numpy: the change itself is measured by the pose stage (:class:`formcheck.video.FrameChange`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

REPEAT_RATIO = 0.1
"""A frame repeats the one before it when it changes by less than this fraction of the median change of its
:data:`NEIGHBOURS` neighbours on each side. Measured on the 33 clips of ``../shared/footage`` (docs/validation.md):
repeats fall at 0-0.1 of their neighbours' change, ordinary frames at 0.3 and above."""

NEIGHBOURS = 3
"""Frames on each side whose changes set a frame's scale."""

MIN_SHARE = 0.02
"""Repeats are reported when at least this share of the frames repeat, most of them at one spacing: a few
near-still frames are not a conversion. (On a noise-free render a movement's turning point can change by less
than a tenth of its neighbours: 10 of the 566 frames of the bundled sample, 1.8 %, at no common spacing.)"""


@dataclass(frozen=True)
class FrameRepeats:
    """The frames of a video that repeat the one before them.

    Attributes
    ----------
    repeated : (T,) bool
        True for a frame that shows the same picture as the frame before it.
    every_n : int
        The typical distance between repeats in frames (6: every sixth frame repeats).
    fps : float
        The container's frame rate (frames per second).
    motion_fps : float
        The rate at which the motion was sampled: ``fps (1 - 1 / every_n)`` for a conversion that runs through the
        whole video (``converted``), else the container's rate times the share of new frames.
    converted : bool
        True when the repeats recur every ``every_n`` frames through the whole video (their share within a quarter
        of ``1 / every_n``), as a frame-rate conversion makes them; False when they recur in places only.
    """

    repeated: NDArray[np.bool_]
    every_n: int
    fps: float
    motion_fps: float
    converted: bool

    @property
    def frames(self) -> int:
        """Frames in the video."""
        return int(self.repeated.size)

    @property
    def count(self) -> int:
        """Number of repeated frames."""
        return int(np.sum(self.repeated))

    def summary(self) -> dict[str, float | int | bool]:
        """The report's entry (``summary["frame_repeats"]``)."""
        return {"repeated_frames": self.count, "frames": self.frames, "every_n_frames": self.every_n,
                "converted": self.converted, "file_fps": self.fps, "motion_fps": self.motion_fps,
                "timestamp_error_max_s": 1.0 / self.fps}

    def cue(self) -> str:
        """A plain-language note for the report."""
        late = (f"a repeated frame shows the moment before it, so times here can be up to {1000.0 / self.fps:.0f} ms "
                "late. Analyse the original recording if you have it.")
        if self.converted:
            return (f"This video repeats every {_ordinal(self.every_n)} frame (converted from about "
                    f"{self.motion_fps:.0f} fps to {self.fps:.0f} fps): the movement was filmed at "
                    f"{self.motion_fps:.0f} fps, and {late}")
        return (f"This video repeats {self.count} of its {self.frames} frames (every {_ordinal(self.every_n)} frame "
                f"in places): the movement was sampled at about {self.motion_fps:.0f} fps, not {self.fps:.0f}, and "
                f"{late}")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def repeated_frames(change: NDArray[np.floating]) -> NDArray[np.bool_]:
    """Frames whose change from the previous frame is below :data:`REPEAT_RATIO` of their neighbours' median.

    Parameters
    ----------
    change : (T,) float
        Each frame's change from the frame before it (grey levels; NaN where not measured, e.g. the first frame).

    Returns
    -------
    (T,) bool, False where the frame or too few of its neighbours (fewer than 3) were measured.
    """
    c = np.asarray(change, np.float64)
    if c.size == 0:
        return np.zeros(0, bool)
    padded = np.pad(c, NEIGHBOURS, constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * NEIGHBOURS + 1)
    nb = np.delete(win, NEIGHBOURS, axis=1)  # (T, 2 NEIGHBOURS): each frame's neighbours, NaN beyond the ends
    enough = np.sum(np.isfinite(nb), axis=1) >= 3
    scale = np.full(c.size, np.nan)
    with np.errstate(invalid="ignore"):
        scale[enough] = np.nanmedian(nb[enough], axis=1)
        return enough & np.isfinite(c) & (scale > 0) & (c < REPEAT_RATIO * scale)


def frame_repeats(change: NDArray[np.floating] | None, fps: float) -> FrameRepeats | None:
    """The repeated frames of a video from its per-frame changes, or None when there are none to report.

    Parameters
    ----------
    change : (T,) float or None
        Each frame's change from the one before it (:class:`formcheck.video.FrameChange`); None: not measured.
    fps : float
        The container's frame rate (frames per second).

    Returns
    -------
    FrameRepeats when at least :data:`MIN_SHARE` of the frames repeat and at least half of the spacings between
    repeats are one spacing longer than a frame, else None.
    """
    if change is None or len(change) < 2 * NEIGHBOURS + 1 or not np.isfinite(fps) or fps <= 0:
        return None
    rep = repeated_frames(change)
    n = int(rep.size)
    if rep.sum() < max(2, MIN_SHARE * n):
        return None
    gaps = np.diff(np.flatnonzero(rep))  # at least one: two or more repeats
    vals, counts = np.unique(gaps, return_counts=True)
    top = int(np.argmax(counts))
    if counts[top] < 0.5 * gaps.size or vals[top] <= 1:
        return None  # no common spacing: near-still frames, not a conversion
    every = int(vals[top])
    share = float(rep.sum()) / n
    converted = abs(share - 1.0 / every) <= 0.25 / every
    motion = fps * (1.0 - 1.0 / every) if converted else fps * (1.0 - share)
    return FrameRepeats(rep, every, float(fps), motion, converted)
