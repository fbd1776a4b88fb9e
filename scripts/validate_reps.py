"""Compare rep/hold results with labels and print count and phase-time errors.

Usage
-----
    python scripts/validate_reps.py RESULT LABELS [--exercise ID] [--clip NAME] [--fps FPS]

RESULT is a ``report.json`` or a landmarks ``.npz`` (analysed here with ``--exercise``).
LABELS is one of:

- ``*.cycle_end_frames.csv`` (QUVA): one row per repetition; the count is the number of rows;
- ``jumpingjack_counts.csv``: total counts per clip (``--clip`` names the row, default: RESULT's stem);
- ``truth.json`` (synthetic renderer or tests/fixtures/reps.py): ``reps`` / ``holds`` with exact times,
  optionally nested under ``truth``.

Per-rep phase errors are printed when the labels have them (reps matched in order, after checking counts).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def _load_result(path: Path, exercise: str | None) -> dict[str, Any]:
    if path.suffix == ".json":
        return dict(json.loads(path.read_text()))
    from formcheck.analysis import analyze
    from formcheck.types import Landmarks, jsonable

    if exercise is None:
        raise SystemExit("--exercise is needed to analyse a landmarks file")
    a = analyze(Landmarks.load(path), exercise)
    return {"reps": [r.to_dict() for r in a.reps], "holds": [h.to_dict() for h in a.holds],
            "summary": jsonable(a.summary)}


def _load_labels(path: Path, clip: str) -> dict[str, Any]:
    name = path.name
    if name.endswith(".cycle_end_frames.csv"):
        rows = list(csv.DictReader(path.open()))
        return {"count": len(rows), "end_s": [float(r["time_s"]) for r in rows], "kind": "cycle ends (QUVA)"}
    if name == "jumpingjack_counts.csv":
        for r in csv.DictReader(path.open()):
            if Path(r["clip"]).stem == clip:
                return {"count": int(r["ground_truth_reps"]), "kind": "count"}
        raise SystemExit(f"{clip} not in {path}")
    d = json.loads(path.read_text())
    d = d.get("truth", d)
    reps, holds = d.get("reps", []), d.get("holds", [])
    return {"count": len(reps) if reps else len(holds), "reps": reps, "holds": holds, "kind": "truth.json"}


def compare(result: dict[str, Any], labels: dict[str, Any]) -> dict[str, Any]:
    """Count error and, where labelled, per-rep phase errors (s)."""
    reps, holds = result.get("reps", []), result.get("holds", [])
    got = len(reps) if (reps or not holds) else len(holds)
    out: dict[str, Any] = {"labels": labels["kind"], "count_true": labels["count"], "count_got": got,
                           "count_error": got - labels["count"]}
    if labels.get("reps") and len(reps) == len(labels["reps"]):
        for key in ("eccentric_s", "concentric_s", "start_s", "end_s"):
            err = np.array([r[key] - q[key] for r, q in zip(reps, labels["reps"], strict=True)])
            out[f"{key}_mae"] = round(float(np.mean(np.abs(err))), 4)
            out[f"{key}_median_abs"] = round(float(np.median(np.abs(err))), 4)
            out[f"{key}_max_abs"] = round(float(np.max(np.abs(err))), 4)
        sides = [r.get("side") for r in reps] == [q.get("side") for q in labels["reps"]]
        out["sides_match"] = sides
    if labels.get("holds") and len(holds) == len(labels["holds"]):
        err = np.array([h["duration_s"] - (q["end_s"] - q["start_s"]) for h, q in
                        zip(holds, labels["holds"], strict=True)])
        out["hold_duration_max_abs"] = round(float(np.max(np.abs(err))), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("result", type=Path)
    ap.add_argument("labels", type=Path)
    ap.add_argument("--exercise")
    ap.add_argument("--clip")
    args = ap.parse_args(argv)
    res = _load_result(args.result, args.exercise)
    lab = _load_labels(args.labels, args.clip or args.result.stem)
    out = compare(res, lab)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0 if out["count_error"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
