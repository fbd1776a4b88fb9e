"""``annotated.mp4``: the source video with the analysis drawn on every frame.

Frames are decoded with their container timestamps (:func:`formcheck.video.open_video`),
matched to the landmark row of the same frame, drawn on with :func:`formcheck.overlay.draw_overlay`
and the state :func:`formcheck.overlay.state_from_report` gives at that frame's time, and written
with the same timestamps (so the output has the source's frame count and timing, variable frame
rate included). H.264 (libx264, yuv420p, even size) where PyAV has it, else MPEG-4 Part 2.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.exercises import EXERCISES
from formcheck.overlay import draw_overlay, state_from_report
from formcheck.types import FormcheckError, Landmarks
from formcheck.video import VideoWriter, open_video

log = logging.getLogger(__name__)


def _row_for(lm: Landmarks, index: int, t_s: float, tol_s: float) -> int | None:
    """The landmark row of a frame: same index when the times agree, else the nearest time within ``tol_s``."""
    n = len(lm)
    if n == 0:
        return None
    if index < n and abs(lm.t[index] - t_s) <= tol_s:
        return index
    j = int(np.searchsorted(lm.t, t_s))
    best = min((k for k in (j - 1, j) if 0 <= k < n), key=lambda k: abs(lm.t[k] - t_s))
    return best if abs(lm.t[best] - t_s) <= tol_s else None


def write_annotated_video(video_path: Path, lm: Landmarks, report: dict[str, Any], out_path: Path) -> str:
    """Write the annotated copy of ``video_path`` to ``out_path`` atomically.

    Parameters
    ----------
    video_path : Path
        The source clip.
    lm : Landmarks
        Its landmarks (one row per decoded frame, same timestamps).
    report : dict
        The report (``report.json`` contract), for counts, phases, contacts.
    out_path : Path
        The ``.mp4`` to write.

    Returns
    -------
    The encoder used: ``"libx264"`` (H.264) or ``"mpeg4"``.

    Raises
    ------
    FormcheckError
        The video cannot be read or nothing could be decoded.
    """
    out_path = Path(out_path)
    ex = EXERCISES.get(str(report.get("exercise")))
    title = ex.title if ex else str(report.get("exercise", ""))
    fps = float(report.get("source", {}).get("fps") or lm.meta.fps)
    tol = 0.5 / fps if fps > 0 else 0.02
    writer: VideoWriter | None = None
    n = 0
    try:
        with open_video(video_path) as src:
            for frame in src:
                img = np.ascontiguousarray(frame.image)
                if writer is None:
                    h, w = img.shape[:2]
                    writer = VideoWriter(out_path, src.fps, w, h, variable_rate=True)
                row = _row_for(lm, frame.index, frame.t_s, tol)
                pts = lm.xyz[row] if row is not None else None
                vis = lm.visibility[row] if row is not None else None
                draw_overlay(img, pts, state_from_report(report, frame.t_s, title=title), vis)
                writer.write(img, frame.t_s)
                n += 1
        if writer is None:
            raise FormcheckError(f"{video_path}: no frames could be decoded")
        writer.close()
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if len(lm) and n != len(lm):
        log.warning("annotated video has %d frames but the landmarks have %d", n, len(lm))
    return writer.codec
