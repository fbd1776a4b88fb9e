"""Validate ground-contact detection against labels: precision/recall and Bland-Altman statistics.

Usage
-----
One clip::

    python scripts/validate_contacts.py PRED LABELS [--exercise double_unders] [--tol-frames 3]

``PRED`` is a ``report.json`` (its ``contacts``) or a landmarks ``.npz`` (analysed here with ``--exercise``).
``LABELS`` is one of the files in ``../shared/footage/labels``:

- ``*.kinovea_events.csv`` (double-unders: the touchdown frame of every jump; alternate step: one mark a step),
- ``*.step_frames.csv`` (one frame per step, key-press marks, ±1-2 frames),
- ``*.cycle_end_frames.csv`` (QUVA: the frame each repetition ends; only the count is compared),

or a synthetic renderer's ``truth.json`` (``contacts`` list of ``{touchdown_s, takeoff_s, heel_touch}``, or
top-level ``touchdown_s`` / ``takeoff_s`` lists).

All hopping clips with cached landmarks::

    python scripts/validate_contacts.py --all [--cache /work/cache/landmarks]

Synthetic sets from ``tests/fixtures/hops.py`` (exact truth)::

    python scripts/validate_contacts.py --fixtures

Matching: each label is matched one-to-one to the nearest predicted touchdown within ``--tol-frames``;
precision counts only predictions inside the labelled span (first label - half a cycle, last label + half a
cycle), since the labels do not cover warm-up and rest. Touchdown errors are prediction minus label; for
frame labels ("first frame with the feet on the ground") the predicted frame is the first frame at or after
the predicted touchdown time.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.analysis import analyze
from formcheck.signals import match_nearest
from formcheck.types import Landmarks

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = REPO.parent / "shared" / "footage"
CACHE = Path("/work/cache/landmarks")

HOPPING = {  # clip stem prefix -> exercise id
    "doubleunder_": "double_unders",
    "jumprope_": "jump_rope",
    "jumpropealternate_": "jump_rope",
    "jumpropespeed_": "jump_rope",
    "hops_": "hops",
}


@dataclass
class Labels:
    kind: str  # "touchdown", "step", "count", "truth"
    times_s: np.ndarray  # touchdown / step / cycle-end times
    frames: np.ndarray | None = None
    takeoff_s: np.ndarray | None = None
    heel: np.ndarray | None = None


def read_labels(path: Path, fps: float | None) -> Labels:
    name = path.name
    if name.endswith(".json"):
        d = json.loads(path.read_text())
        if "contacts" in d:
            cs = d["contacts"]
            return Labels("truth", np.array([c["touchdown_s"] for c in cs]), None,
                          np.array([c["takeoff_s"] for c in cs]),
                          np.array([bool(c.get("heel_touch", False)) for c in cs]))
        return Labels("truth", np.asarray(d["touchdown_s"], float), None, np.asarray(d["takeoff_s"], float),
                      np.asarray(d["heel_touch"], bool) if "heel_touch" in d else None)
    with path.open() as f:
        rows = list(csv.DictReader(f))
    key = "end_frame" if "cycle_end" in name else "frame"
    frames = np.array([int(r[key]) for r in rows])
    times = np.array([float(r["time_s"]) for r in rows])
    if fps:
        times = frames / fps
    kind = "count" if "cycle_end" in name else ("step" if "step_frames" in name else "touchdown")
    if "jumpropealternate" in name:
        kind = "step"
    return Labels(kind, times, frames)


def predict(pred: Path, exercise: str) -> tuple[list[dict[str, Any]], float, np.ndarray | None]:
    """Contacts (report dicts), fps and frame times from a report.json or a landmarks .npz."""
    if pred.suffix == ".npz":
        lm = Landmarks.load(pred)
        a = analyze(lm, exercise)
        return [c.to_dict() for c in a.contacts], float(lm.meta.fps), lm.t
    rep = json.loads(pred.read_text())
    return rep["contacts"], float(rep["source"]["fps"]), None


def match(pred: np.ndarray, truth: np.ndarray, tol: float) -> list[tuple[int, int]]:
    """Greedy one-to-one matching by increasing distance: (pred, truth) index pairs in truth order."""
    return sorted(match_nearest(pred, truth, tol), key=lambda x: x[1])


def bland_altman(d_ms: np.ndarray) -> str:
    if d_ms.size < 2:
        return "n<2"
    bias, sd = float(np.mean(d_ms)), float(np.std(d_ms, ddof=1))
    return (f"bias {bias:+.1f} ms, 95 % LoA [{bias - 1.96 * sd:+.1f}, {bias + 1.96 * sd:+.1f}] ms, "
            f"median |err| {np.median(np.abs(d_ms)):.1f} ms, p95 |err| {np.percentile(np.abs(d_ms), 95):.1f} ms")


def evaluate(contacts: list[dict[str, Any]], fps: float, t: np.ndarray | None, lab: Labels,
             tol_frames: float) -> dict[str, Any]:
    td = np.array([c["touchdown_s"] for c in contacts])
    to = np.array([c["takeoff_s"] for c in contacts])
    out: dict[str, Any] = {"predicted": int(td.size), "labels": int(lab.times_s.size)}
    if lab.kind == "count" or lab.times_s.size == 0:
        if lab.times_s.size >= 2:
            half = 0.5 * float(np.median(np.diff(lab.times_s)))
            lo, hi = lab.times_s[0] - 2 * half, lab.times_s[-1]
            out["predicted_in_span"] = int(np.sum((td >= lo) & (td <= hi)))
            out["count_error"] = out["predicted_in_span"] - int(lab.times_s.size)
        return out
    half = 0.5 * float(np.median(np.diff(lab.times_s))) if lab.times_s.size >= 2 else 0.5
    span = (lab.times_s[0] - half, lab.times_s[-1] + half)
    inside = (td >= span[0]) & (td <= span[1])
    tol = tol_frames / fps
    pairs = match(td[inside], lab.times_s, tol)
    idx = np.flatnonzero(inside)
    n_ok = len(pairs)
    out.update(predicted_in_span=int(inside.sum()), matched=n_ok,
               recall=n_ok / lab.times_s.size, precision=n_ok / max(int(inside.sum()), 1),
               count_error=int(inside.sum()) - int(lab.times_s.size))
    if not pairs:
        return out
    pi = np.array([idx[i] for i, _ in pairs])
    li = np.array([j for _, j in pairs])
    d_td = 1000 * (td[pi] - lab.times_s[li])
    out["touchdown"] = bland_altman(d_td)
    if lab.frames is not None:
        tt = t if t is not None else np.arange(int(lab.frames.max()) + 100) / fps
        pf = np.searchsorted(tt, td[pi] - 1e-9)  # first frame at or after the touchdown
        df = pf - lab.frames[li]
        out["touchdown_frames"] = {"median_abs": float(np.median(np.abs(df))), "mean": float(np.mean(df)),
                                   "within_1": float(np.mean(np.abs(df) <= 1))}
    if lab.takeoff_s is not None:
        d_to = 1000 * (to[pi] - lab.takeoff_s[li])
        out["takeoff"] = bland_altman(d_to)
        out["gct"] = bland_altman(d_to - d_td)
        out["gct_median_abs_ms"] = float(np.median(np.abs(d_to - d_td)))
    if lab.heel is not None:
        heel = np.array([bool(contacts[i]["heel_touch"]) for i in pi])
        out["heel_accuracy"] = float(np.mean(heel == lab.heel[li]))
    return out


def exercise_for(stem: str) -> str:
    for prefix, ex in sorted(HOPPING.items(), key=lambda kv: -len(kv[0])):
        if stem.startswith(prefix):
            return ex
    return "hops"


def label_for(stem: str) -> Path | None:
    for suffix in (".kinovea_events.csv", ".step_frames.csv", ".cycle_end_frames.csv"):
        p = FOOTAGE / "labels" / f"{stem}{suffix}"
        if p.is_file():
            return p
    return None


def run_all(cache: Path, tol_frames: float) -> None:
    stems = sorted(p.stem for p in cache.glob("*.npz") if any(p.stem.startswith(k) for k in HOPPING))
    print("| clip | exercise | labels | found (in span) | recall | precision | touchdown | frames |")
    print("|---|---|---|---|---|---|---|---|")
    for stem in stems:
        ex = exercise_for(stem)
        contacts, fps, t = predict(cache / f"{stem}.npz", ex)
        lp = label_for(stem)
        if lp is None:
            med = np.median([c["gct_s"] for c in contacts]) if contacts else float("nan")
            print(f"| {stem} | {ex} | none | {len(contacts)} (median GCT {1000 * med:.0f} ms) | | | | |")
            continue
        lab = read_labels(lp, fps)
        r = evaluate(contacts, fps, t, lab, tol_frames)
        kind = {"touchdown": "touchdowns", "step": "steps", "count": "cycles"}[lab.kind]
        rec = f"{r['recall']:.3f}" if "recall" in r else ""
        prec = f"{r['precision']:.3f}" if "precision" in r else ""
        fr = r.get("touchdown_frames", {})
        frs = f"median {fr['median_abs']:.0f}, mean {fr['mean']:+.2f}, ≤1: {fr['within_1']:.2f}" if fr else ""
        print(f"| {stem} | {ex} | {r['labels']} {kind} | {r['predicted']} ({r.get('predicted_in_span', '')}; "
              f"count error {r.get('count_error', '')}) | {rec} | {prec} | {r.get('touchdown', '')} | {frs} |")


def run_fixtures() -> None:
    sys.path.insert(0, str(REPO))
    from tests.fixtures.hops import make_hops

    scenarios = {
        "240 fps side, 0.5 px jitter, heel touches 4 & 9": dict(fps=240, heel_touch=(4, 9), jitter_px=0.5),
        "240 fps, 1 px jitter, occluded far foot, L/R swaps, 5 % missing frames": dict(
            fps=240, heel_touch=(4, 9), jitter_px=1.0, occlude_far=True, swaps=((2.0, 2.6), (4.0, 4.4)),
            missing_frac=0.05),
        "120 fps, 1 px jitter": dict(fps=120, heel_touch=(3,), jitter_px=1.0),
        "60 fps, camera rolled 5°, travelling 0.6 leg/s": dict(fps=60, roll_deg=5.0, travel_legs_s=0.6,
                                                               heel_touch=(2,)),
        "30 fps, 0.7 px jitter": dict(fps=30, heel_touch=(4, 9), jitter_px=0.7),
        "30 fps, 2 px jitter, occluded far foot": dict(fps=30, heel_touch=(4, 9), jitter_px=2.0, occlude_far=True),
    }
    from formcheck.contacts import analyze_contacts
    from formcheck.exercises import get_exercise

    print("| scenario (10 seeds × 12 hops) | recall | precision | touchdown | takeoff | GCT | heel correct |")
    print("|---|---|---|---|---|---|---|")
    for name, kw in scenarios.items():
        d_td, d_to, heel_ok, n_true, n_pred, n_match = [], [], [], 0, 0, 0
        for seed in range(10):
            lm, tr = make_hops(seed=seed, **kw)  # type: ignore[arg-type]
            a = analyze_contacts(lm, get_exercise("pogo_hops"))
            contacts = [c.to_dict() for c in a.contacts]
            lab = Labels("truth", tr.touchdown_s, None, tr.takeoff_s, tr.heel_touch)
            td = np.array([c["touchdown_s"] for c in contacts])
            pairs = match(td, tr.touchdown_s, 0.05)
            n_true += len(tr.touchdown_s)
            n_pred += len(td)
            n_match += len(pairs)
            for i, j in pairs:
                d_td.append(1000 * (contacts[i]["touchdown_s"] - lab.times_s[j]))
                d_to.append(1000 * (contacts[i]["takeoff_s"] - tr.takeoff_s[j]))
                heel_ok.append(contacts[i]["heel_touch"] == bool(tr.heel_touch[j]))
        a_td, a_to = np.array(d_td), np.array(d_to)
        print(f"| {name} | {n_match / n_true:.3f} | {n_match / max(n_pred, 1):.3f} | {bland_altman(a_td)} | "
              f"{bland_altman(a_to)} | {bland_altman(a_to - a_td)} | {np.mean(heel_ok):.3f} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pred", nargs="?", type=Path)
    ap.add_argument("labels", nargs="?", type=Path)
    ap.add_argument("--exercise", default=None)
    ap.add_argument("--tol-frames", type=float, default=3.0)
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--fixtures", action="store_true")
    ap.add_argument("--cache", type=Path, default=CACHE)
    args = ap.parse_args(argv)
    if args.fixtures:
        run_fixtures()
        return 0
    if args.all:
        run_all(args.cache, args.tol_frames)
        return 0
    if args.pred is None or args.labels is None:
        ap.error("give PRED and LABELS, or --all, or --fixtures")
    ex = args.exercise or exercise_for(args.pred.stem)
    contacts, fps, t = predict(args.pred, ex)
    lab = read_labels(args.labels, fps if args.labels.suffix == ".csv" else None)
    print(json.dumps(evaluate(contacts, fps, t, lab, args.tol_frames), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
