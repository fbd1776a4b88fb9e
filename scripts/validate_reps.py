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

Per-rep phase errors are printed when the labels have them: reps matched in order when the counts agree, else
by nearest turning point. A renderer ``truth.json`` times ``bottom_s`` at the ARRIVAL at the turning point, so
it is compared with the report's ``turn_start_s`` (when the rep reached its turn). Planted faults (truth rep
``flags``: fast_eccentric, tilt, heel_not_landed; ``truth.heel_drops`` for holds) must be reported; the exit
status is 0 only when the counts (per side) are exact and every planted fault is reported.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.signals import match_nearest


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
    meta = d.get("truth", {}) if isinstance(d.get("truth"), dict) else {}
    if "reps" not in d and "holds" not in d:  # truth nested under "truth"
        d, meta = meta, {}
    reps, holds = d.get("reps", []), d.get("holds", [])
    # the renderer's step-up rep starts when the lead foot leaves the floor and its bottom_s is the stomp; the
    # hip (the driving signal) starts rising at the stomp and turns at the top: compare with those instants
    reps = [dict(q, start_s=q["bottom_s"], bottom_s=q["top_s"]) if q.get("first_phase") == "step" else q
            for q in reps]
    # the renderer's bottom_s is the ARRIVAL at the turning point; the fixtures' is the centre of the pause
    arrival = "arrives" in str(meta.get("conventions", {}).get("reps", ""))
    return {"count": len(reps) if reps else len(holds), "reps": reps, "holds": holds, "kind": "truth.json",
            "bottom_is_arrival": arrival, "heel_drops": meta.get("heel_drops", [])}


FAULTS = {"fast_eccentric": "fast_eccentric", "tilt": "bar_tilt", "heel_not_landed": "heel_off_box"}
"""Planted fault in a truth.json rep -> the flag the report must carry."""


def _stats(err: list[float]) -> dict[str, float]:
    a = np.abs(np.asarray(err, float))
    return {"median_abs": round(float(np.median(a)), 4), "max_abs": round(float(np.max(a)), 4)}


def _pairs(found: list[dict[str, Any]], truth: list[dict[str, Any]], key_f: str, key_t: str,
           tol_s: float = 1.5) -> list[tuple[int, int]]:
    """Found/truth index pairs: in order when the counts agree, else nearest ``key`` first within ``tol_s``."""
    if len(found) == len(truth):
        return [(i, i) for i in range(len(truth))]
    return match_nearest([f[key_f] for f in found], [q[key_t] for q in truth], tol_s)


def compare(result: dict[str, Any], labels: dict[str, Any]) -> dict[str, Any]:
    """Count error and, where labelled, per-side counts, phase-time errors (s) and planted faults."""
    reps, holds = result.get("reps", []), result.get("holds", [])
    got = len(reps) if (reps or not holds) else len(holds)
    out: dict[str, Any] = {"labels": labels["kind"], "count_true": labels["count"], "count_got": got,
                           "count_error": got - labels["count"]}
    ok = got == labels["count"]
    truth_reps = labels.get("reps") or []
    if truth_reps:
        if reps and all(r.get("side") is None for r in reps) and any(q.get("side") for q in truth_reps):
            out["count_by_side"] = "no sides reported"  # e.g. offset squat without --side
        else:
            sides = sorted({str(q.get("side")) for q in truth_reps} | {str(r.get("side")) for r in reps})
            out["count_by_side"] = {s: [sum(str(r.get("side")) == s for r in reps),
                                        sum(str(q.get("side")) == s for q in truth_reps)] for s in sides}
            ok = ok and all(a == b for a, b in out["count_by_side"].values())
        kb = "turn_start_s" if labels.get("bottom_is_arrival") else "bottom_s"
        for r in reps:
            r.setdefault(kb, r["bottom_s"])
        pairs = _pairs(reps, truth_reps, kb, "bottom_s")
        out["matched"] = len(pairs)
        if pairs:
            for key, tkey in (("eccentric_s", "eccentric_s"), ("concentric_s", "concentric_s"), ("start_s", "start_s"),
                              (kb, "bottom_s"), ("end_s", "end_s")):
                out[f"{key}_err"] = _stats([reps[j][key] - truth_reps[i][tkey] for j, i in pairs])
            out["sides_match"] = all(reps[j].get("side") == truth_reps[i].get("side") for j, i in pairs)
        planted, missed, false_alarm = [], [], []
        for j, i in pairs:
            want = {FAULTS[f] for f in truth_reps[i].get("flags", []) if f in FAULTS}
            have = set(reps[j].get("flags", [])) & set(FAULTS.values())
            planted += [f"rep {i + 1}: {f}" for f in sorted(want)]
            missed += [f"rep {i + 1}: {f}" for f in sorted(want - have)]
            false_alarm += [f"rep {i + 1}: {f}" for f in sorted(have - want)]
        out["faults"] = {"planted": planted, "missed": missed, "false_alarms": false_alarm}
        ok = ok and not missed
    truth_holds = labels.get("holds") or []
    if truth_holds and holds:
        pairs = _pairs(holds, truth_holds, "start_s", "start_s", tol_s=5.0)
        for key in ("start_s", "end_s", "duration_s"):
            out[f"hold_{key}_err"] = _stats([holds[j][key] - truth_holds[i][key] for j, i in pairs])
        drops = {d["side"]: d for d in labels.get("heel_drops", [])}
        rows = []
        for j, i in pairs:
            h, q = holds[j], truth_holds[i]
            want = drops.get(q.get("side"))
            found = h.get("heel_drop_s")
            rows.append({"side": q.get("side"), "heel_drop_true_s": None if want is None else
                         round(want["heel_down_s"] - q["start_s"], 3), "heel_drop_found_s": found})
            ok = ok and ((want is None) == (found is None))
        out["heel_drops"] = rows
    out["pass"] = bool(ok)
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
    return 0 if out["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
