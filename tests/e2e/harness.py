"""End-to-end truth harness: render (or load) a synthetic clip, run the real pipeline, compare with the truth.

Usage in a test::

    case = sample_case("pogo_hops_side_60fps")              # committed sample, or
    case = render_case(tmp_path, "pogo_hops", fps=240, hops=8, heel_touch=(3,))
    report = run_pipeline(case)                             # pose model + analysis -> report dict
    cmp = compare_contacts(report, case.truth, tol_s=1.5 / case.fps)
    assert cmp.missed == [] and cmp.extra == []

Matching is one-to-one, nearest first, within ``tol_s``; errors are found minus truth (s).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.signals import match_nearest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


@dataclass(frozen=True)
class Case:
    """A clip with its truth."""

    clip: Path
    truth: dict[str, Any]

    @property
    def fps(self) -> float:
        return float(self.truth["source"]["fps"])

    @property
    def exercise(self) -> str:
        return str(self.truth["exercise"])


def load_case(folder: Path) -> Case:
    """A folder holding ``clip.mp4`` and ``truth.json``."""
    return Case(folder / "clip.mp4", json.loads((folder / "truth.json").read_text()))


def sample_case(name: str) -> Case:
    """A committed sample under ``samples/``."""
    return load_case(SAMPLES / name)


def render_case(out: Path, exercise: str, *, fps: float = 60.0, view: str = "side", width: int = 480,
                height: int = 360, seed: int = 0, noise: bool = False, supersample: int = 1,
                **motion_options: Any) -> Case:
    """Render a clip with :func:`formcheck.synth.command.motion_for` options (e.g. hops=8, heel_touch=(3,)).

    ``supersample`` 1 (each frame drawn at its own size): the figures these tests assert were measured on such renders
    before stop 26; drawn larger and averaged down (the renderer's default since: 4x, 8x from stop 27), slow
    movements' ends show, which moves some phase times both ways (docs/validation.md, "The renderer's pixels: slow
    movements drawn in steps"). The tib and calf raise test draws at 8x."""
    from formcheck.synth.command import motion_for
    from formcheck.synth.render import RenderOptions, render_clip

    motion, params = motion_for(exercise, seed=seed, **motion_options)
    truth = render_clip(motion, out, RenderOptions(fps=fps, view=view, width=width, height=height, seed=seed,
                                                   noise=noise, supersample=supersample), params)
    return Case(out / "clip.mp4", truth)


def run_pipeline(case: Case, exercise: str | None = None, model: str = "full",
                 tracked: bool | None = None) -> dict[str, Any]:
    """The real pipeline on the clip, as ``analyze`` runs it (the exercise's default pose options; ``tracked=False``
    as ``--no-tracked``): pose model (with the hip track streamed for hip-driven lifts), shoe timing and hip checks,
    then analysis; returns the report dict."""
    from formcheck.pipeline import PoseOptions, hip_tracked, measure_shoes, report_from_landmarks, resolved, run_pose

    ex = exercise or case.exercise
    lm = run_pose(case.clip, resolved(PoseOptions(model=model, tracked=tracked), ex), hip_track=hip_tracked(ex))
    return report_from_landmarks(measure_shoes(lm, case.clip, ex), ex)


def match_times(truth_s: list[float], found_s: list[float], tol_s: float) -> list[tuple[int, int]]:
    """One-to-one pairs (truth index, found index), closest pairs first, each within ``tol_s``."""
    return match_nearest(truth_s, found_s, tol_s)


@dataclass
class Comparison:
    """Matched events and their timing errors (found - truth, s)."""

    pairs: list[tuple[int, int]]
    missed: list[int]
    extra: list[int]
    errors_s: dict[str, np.ndarray] = field(default_factory=dict)
    agree: dict[str, list[bool]] = field(default_factory=dict)

    def summary(self) -> str:
        errs = ", ".join(f"{k} median {1e3 * np.median(np.abs(v)):.1f} ms max {1e3 * np.max(np.abs(v)):.1f} ms"
                         for k, v in self.errors_s.items() if len(v))
        return f"{len(self.pairs)} matched, missed {self.missed}, extra {self.extra}; {errs}"


def _compare(truth: list[dict[str, Any]], found: list[dict[str, Any]], key: str, fields: tuple[str, ...],
             flags: tuple[str, ...], tol_s: float) -> Comparison:
    pairs = match_times([t[key] for t in truth], [f[key] for f in found], tol_s)
    mi = {i for i, _ in pairs}
    mj = {j for _, j in pairs}
    errors = {k: np.array([found[j][k] - truth[i][k] for i, j in pairs if found[j].get(k) is not None
                           and truth[i].get(k) is not None]) for k in fields}
    agree = {k: [bool(found[j].get(k)) == bool(truth[i].get(k)) for i, j in pairs] for k in flags}
    return Comparison(pairs, [i for i in range(len(truth)) if i not in mi],
                      [j for j in range(len(found)) if j not in mj], errors, agree)


def compare_contacts(report: dict[str, Any], truth: dict[str, Any], tol_s: float = 0.05) -> Comparison:
    """Match contacts by touchdown; errors for touchdown/takeoff/gct/flight; heel_touch agreement."""
    return _compare(truth["contacts"], report["contacts"], "touchdown_s",
                    ("touchdown_s", "takeoff_s", "gct_s", "flight_s"), ("heel_touch",), tol_s)


def compare_reps(report: dict[str, Any], truth: dict[str, Any], tol_s: float = 0.5) -> Comparison:
    """Match reps by bottom time; errors for start/bottom/end/eccentric/concentric; side agreement."""
    cmp = _compare(truth["reps"], report["reps"], "bottom_s",
                   ("start_s", "bottom_s", "end_s", "eccentric_s", "concentric_s"), (), tol_s)
    cmp.agree["side"] = [report["reps"][j].get("side") == truth["reps"][i].get("side") for i, j in cmp.pairs]
    return cmp


def compare_holds(report: dict[str, Any], truth: dict[str, Any], tol_s: float = 2.0) -> Comparison:
    """Match holds by start time; errors for start/end/duration."""
    return _compare(truth["holds"], report["holds"], "start_s", ("start_s", "end_s", "duration_s"), (), tol_s)
