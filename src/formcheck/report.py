"""Build the report (pure) and write it as JSON atomically.

The report is a plain dict following the contract in the README: ``exercise``,
``source``, ``quality``, ``contacts``, ``reps``, ``holds``, ``summary``,
``feedback``, ``params``. All times are seconds from the first frame.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import __version__
from formcheck import skeleton as sk
from formcheck.types import Analysis, Landmarks, jsonable, publish

FOOT_LANDMARKS = (sk.LEFT_ANKLE, sk.RIGHT_ANKLE, sk.LEFT_HEEL, sk.RIGHT_HEEL, sk.LEFT_FOOT_INDEX, sk.RIGHT_FOOT_INDEX)


def feet_in_frame_fraction(lm: Landmarks, min_visibility: float = 0.5) -> float:
    """Fraction of the frames with a person in which a foot is seen: all of one foot's ankle, heel and toe
    inside the image with visibility >= ``min_visibility`` (0.0 when nobody was detected)."""
    det = lm.detected
    if not det.any():
        return 0.0
    seen = []
    feet = ((sk.LEFT_ANKLE, sk.LEFT_HEEL, sk.LEFT_FOOT_INDEX), (sk.RIGHT_ANKLE, sk.RIGHT_HEEL, sk.RIGHT_FOOT_INDEX))
    for side in feet:
        xy = lm.xyz[det][:, side, :2]
        vis = lm.visibility[det][:, side]
        inside = np.all((xy >= 0.0) & (xy <= 1.0), axis=2) & (vis >= min_visibility)
        seen.append(inside.all(axis=1))
    return float(np.mean(seen[0] | seen[1]))


def pose_quality(lm: Landmarks) -> dict[str, Any]:
    """The report's ``quality`` section: how well the pose model saw the person.

    Returns
    -------
    dict with ``frames``, ``frames_with_person``, ``person_fraction``,
    ``mean_visibility_feet`` (mean visibility of ankles, heels and toes over frames
    with a person), ``mean_visibility_body``, ``fps``, ``frame_period_s``,
    ``duration_s``, ``longest_gap_s`` (the longest time between a frame with a person and the next one, s: a gap of
    k frames inside the clip is k + 1 frame periods; at the start it runs from the first frame, at the end to one
    period past the last), ``feet_in_frame_fraction``.
    """
    n = len(lm)
    det = lm.detected
    k = int(det.sum())
    fps = float(lm.meta.fps)
    longest_gap = 0.0
    if n and k < n:
        from formcheck.signals import runs

        for a, b in runs(~det):
            t_end = lm.t[b] if b < n else lm.t[-1] + 1.0 / fps
            t_start = lm.t[a - 1] if a > 0 else lm.t[0]
            longest_gap = max(longest_gap, float(t_end - t_start))
    feet = float(np.nanmean(lm.visibility[det][:, FOOT_LANDMARKS])) if k else None
    body = float(np.nanmean(lm.visibility[det])) if k else None
    return jsonable(
        {
            "frames": n,
            "frames_with_person": k,
            "person_fraction": (k / n) if n else 0.0,
            "mean_visibility_feet": feet,
            "mean_visibility_body": body,
            "fps": fps,
            "frame_period_s": 1.0 / fps,
            "duration_s": float(lm.meta.duration_s),
            "longest_gap_s": longest_gap,
            "feet_in_frame_fraction": feet_in_frame_fraction(lm),
        }
    )


def build_report(
    lm: Landmarks,
    exercise: str,
    analysis: Analysis,
    params: dict[str, Any] | None = None,
    source_path: str | None = None,
) -> dict[str, Any]:
    """Assemble the report dict (pure: no I/O)."""
    source = lm.meta.to_source()
    if source_path is not None:
        source["path"] = source_path
    p: dict[str, Any] = {"version": __version__, "model": lm.model}
    p.update(params or {})
    p["analysis"] = analysis.params
    return jsonable(
        {
            "exercise": exercise,
            "source": source,
            "quality": pose_quality(lm),
            "contacts": [c.to_dict() for c in analysis.contacts],
            "reps": [r.to_dict() for r in analysis.reps],
            "holds": [h.to_dict() for h in analysis.holds],
            "summary": analysis.summary,
            "feedback": list(analysis.feedback),
            "params": p,
        }
    )


def write_json(obj: Any, path: Path) -> None:
    """Write JSON atomically (temp file in the same folder, then rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, allow_nan=False)
            f.write("\n")
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def validate_report(rep: dict[str, Any]) -> None:
    """Check the report contract's keys and types; raises ValueError naming the first problem."""
    for key, typ in (("exercise", str), ("source", dict), ("quality", dict), ("contacts", list), ("reps", list),
                     ("holds", list), ("summary", dict), ("feedback", list), ("params", dict)):
        if not isinstance(rep.get(key), typ):
            raise ValueError(f"report: {key!r} should be {typ.__name__}, got {type(rep.get(key)).__name__}")
    for key in ("path", "fps", "frame_count", "duration_s", "width", "height"):
        if key not in rep["source"]:
            raise ValueError(f"report: source lacks {key!r}")
    for what, records, keys in (
            ("contact", rep["contacts"], ("touchdown_s", "takeoff_s", "gct_s", "flight_s", "heel_touch", "side")),
            ("rep", rep["reps"], ("side", "start_s", "bottom_s", "end_s", "eccentric_s", "concentric_s")),
            ("hold", rep["holds"], ("side", "start_s", "end_s", "duration_s"))):
        for rec in records:
            if not isinstance(rec, dict):
                raise ValueError(f"report: a {what} record should be dict, got {type(rec).__name__}")
            for key in keys:
                if key not in rec:
                    raise ValueError(f"report: {what} lacks {key!r}")
