"""Human-readable outputs of a report: ``report.html``, ``report.csv`` and the terminal summary.

Everything here is a pure function of the report dict (the ``report.json`` contract) and,
for the signal plot, the :class:`~formcheck.types.Landmarks`; the only side effects are the
atomic file writes. The HTML page is one self-contained file: inline CSS, inline SVG charts
(:mod:`formcheck.plots`), no network fetches, every piece of text escaped.

Timing precision: a duration measured between two detected events is quoted with the
per-event uncertainties when the analysis gives them (``touchdown_unc_s``/``takeoff_unc_s``,
combined in quadrature), else with one frame period of the source (an event time is only
known to a frame).
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.exercises import EXERCISES, HOLD_TOL_S, Exercise
from formcheck.plots import PALETTE, SIDE_COLOUR, Chart, linear_trend
from formcheck.skeleton import ANGLES, SIDE_INDEX, angle_deg
from formcheck.types import Landmarks, rep_phases

MAX_PLOT_POINTS = 1500
"""Longest polyline drawn per series (longer series are decimated, keeping extremes)."""


# --- small helpers ---------------------------------------------------------------------------------
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _num(v: Any) -> float:
    """A float, NaN for None / non-numbers."""
    if isinstance(v, bool) or v is None:
        return float("nan")
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _finite(values: list[float]) -> np.ndarray:
    a = np.asarray(values, float)
    return a[np.isfinite(a)]


def _ms(v: float, prec_ms: float | None = None) -> str:
    """Milliseconds with a precision-aware number of decimals."""
    if not math.isfinite(v):
        return "–"
    decimals = 1 if prec_ms is not None and prec_ms < 1.0 else 0
    return f"{v * 1000:.{decimals}f}"


def _s(v: float, decimals: int = 2) -> str:
    return "–" if not math.isfinite(v) else f"{v:.{decimals}f}"


def _decimals_for(period_s: float) -> int:
    """Decimals of seconds worth printing for a given precision (s)."""
    if not math.isfinite(period_s) or period_s <= 0:
        return 2
    return int(min(3, max(1, math.ceil(-math.log10(period_s)))))


def _exercise(report: dict[str, Any]) -> Exercise | None:
    return EXERCISES.get(str(report.get("exercise", "")))


def _fps(report: dict[str, Any]) -> float:
    fps = _num((report.get("source") or {}).get("fps"))
    return fps if math.isfinite(fps) and fps > 0 else float("nan")


def frame_period_s(report: dict[str, Any]) -> float:
    """One frame of the source (s); NaN when the fps is unknown."""
    fps = _fps(report)
    return 1.0 / fps if math.isfinite(fps) else float("nan")


def targets_of(report: dict[str, Any]) -> dict[str, Any]:
    """The prescription the set was checked against: ``params.targets`` over the exercise defaults."""
    ex = _exercise(report)
    out: dict[str, Any] = {}
    if ex is not None:
        t = ex.targets
        out = {k: getattr(t, k) for k in ("reps", "eccentric_s", "concentric_s", "hold_s", "side")}
    given = (report.get("params") or {}).get("targets") or report.get("targets") or {}
    if isinstance(given, dict):
        out.update({k: v for k, v in given.items() if v is not None})
    return {k: v for k, v in out.items() if v is not None}


def gct_precision_s(report: dict[str, Any]) -> float:
    """Timing precision of one contact's GCT (s): quadrature of the event uncertainties, else a frame."""
    uncs = []
    for c in report.get("contacts") or []:
        a, b = _num(c.get("touchdown_unc_s")), _num(c.get("takeoff_unc_s"))
        if math.isfinite(a) and math.isfinite(b):
            uncs.append(math.hypot(a, b))
    if uncs:
        return float(np.median(uncs))
    return frame_period_s(report)


def phase_precision_s(report: dict[str, Any], phase: str) -> float:
    """Median per-rep uncertainty (s) of the ``phase`` ("eccentric" or "concentric") durations, from the fits
    (``{phase}_unc_s``: noise and profile shape); NaN when no rep has one."""
    u = _finite([_num(r.get(f"{phase}_unc_s")) for r in report.get("reps") or []])
    return float(np.median(u)) if u.size else float("nan")


# --- key numbers (shared by the page, the terminal summary and batch summaries) ---------------------
def gct_trend(report: dict[str, Any]) -> tuple[float, float, str] | None:
    """The contact time's trend over the set: slope (ms per hop), level at hop 0 (ms) and how it was fitted.

    The analysis's drift (``summary.gct_drift_s_per_10_hops``, a Theil-Sen slope, robust to the odd long contact)
    when the report has it, so the page, the cues and the summary agree; a least-squares line for reports without it.
    None with fewer than three finite contact times."""
    contacts = report.get("contacts") or []
    n = np.arange(1, len(contacts) + 1, dtype=float)
    gct = np.array([_num(c.get("gct_s")) * 1000 for c in contacts])
    ok = np.isfinite(gct)
    if ok.sum() < 3:
        return None
    drift = _num((report.get("summary") or {}).get("gct_drift_s_per_10_hops"))
    if math.isfinite(drift):
        slope = drift * 1000 / 10
        return slope, float(np.median(gct[ok] - slope * n[ok])), "Theil-Sen slope"
    tr = linear_trend(n, gct)
    return (tr[0], tr[1], "least-squares slope") if tr is not None else None


def key_numbers(report: dict[str, Any]) -> dict[str, Any]:
    """Flat dict of the headline numbers of a report (units in the keys; None when not applicable).

    Computed from the records (contacts / reps / holds), which are the source of truth, so it
    works whatever the analysis put in ``summary``.
    """
    contacts = report.get("contacts") or []
    reps = report.get("reps") or []
    holds = report.get("holds") or []
    fps = _fps(report)
    out: dict[str, Any] = {"exercise": report.get("exercise"), "fps": None if math.isnan(fps) else round(fps, 3)}
    if contacts:
        gct = _finite([_num(c.get("gct_s")) for c in contacts])
        fl = _finite([_num(c.get("flight_s")) for c in contacts])
        heel_idx = judged_heel_touches(contacts)
        rsi = _finite([_num(c.get("flight_s")) / _num(c.get("gct_s")) for c in contacts
                       if _num(c.get("gct_s")) > 0])
        tr = gct_trend(report)
        out.update({
            "contacts": len(contacts),
            "gct_mean_ms": round(float(gct.mean()) * 1000, 1) if gct.size else None,
            "gct_sd_ms": round(float(gct.std(ddof=1)) * 1000, 1) if gct.size > 1 else None,
            "gct_precision_ms": round(gct_precision_s(report) * 1000, 1) if math.isfinite(gct_precision_s(report))
            else None,
            "flight_mean_ms": round(float(fl.mean()) * 1000, 1) if fl.size else None,
            "rsi_mean": round(float(rsi.mean()), 2) if rsi.size else None,
            "heel_touches": None if heel_idx is None else len(heel_idx),
            "heel_touch_hops": heel_idx or [],
            "gct_trend_ms_per_hop": round(tr[0], 2) if tr else None,
        })
    if reps:
        sides = [r.get("side") for r in reps]
        ecc = _finite([_num(r.get("eccentric_s")) for r in reps])
        con = _finite([_num(r.get("concentric_s")) for r in reps])
        sided = any(s in ("left", "right") for s in sides)  # per-side counts only where a side is known
        out.update({
            "reps": len(reps),
            "reps_left": sum(s == "left" for s in sides) if sided else None,
            "reps_right": sum(s == "right" for s in sides) if sided else None,
            "eccentric_mean_s": round(float(ecc.mean()), 3) if ecc.size else None,
            "concentric_mean_s": round(float(con.mean()), 3) if con.size else None,
            "reps_flagged": sum(bool(r.get("flags")) for r in reps),
        })
        tg = targets_of(report).get("eccentric_s")
        if tg is not None and ecc.size:
            tol = frame_period_s(report)
            tol = tol if math.isfinite(tol) else 0.0
            out["eccentric_on_target"] = int(sum(e >= float(tg) - tol for e in ecc))
            # short of it by more than a frame but by less than the rep's own timing uncertainty: not measurably short
            out["eccentric_short_within_unc"] = int(sum(
                float(tg) - _num(r.get("eccentric_unc_s")) <= _num(r.get("eccentric_s")) < float(tg) - tol
                for r in reps))
    if holds:
        for side in ("left", "right", None):
            d = [_num(h.get("duration_s")) for h in holds if h.get("side") == side]
            if d:
                out[f"hold_{side or 'any'}_s"] = round(float(np.nansum(d)), 2)
    unseen = (report.get("summary") or {}).get("out_of_view")
    if isinstance(unseen, list):  # reports made before this key existed leave it blank
        out["out_of_view_s"] = round(sum(max(0.0, _num(u.get("duration_s"))) for u in unseen
                                         if isinstance(u, dict) and math.isfinite(_num(u.get("duration_s")))), 2)
    return out


@dataclass(frozen=True)
class Headline:
    """One headline figure: ``label``, ``value`` (with unit and precision), ``detail`` (context)."""

    label: str
    value: str
    detail: str = ""


def judged_heel_touches(contacts: list[dict[str, Any]]) -> list[int] | None:
    """Hop numbers (1-based positions) whose heel touched down, counting only contacts whose heel was judged (a
    flat-foot reference and a side-on foot; records without ``heel_judged`` count as judged); None when no contact
    was judged, as the feedback says."""
    if not any(c.get("heel_judged", True) for c in contacts):
        return None
    return [i + 1 for i, c in enumerate(contacts) if c.get("heel_touch") and c.get("heel_judged", True)]


def headlines(report: dict[str, Any]) -> list[Headline]:
    """The headline figures of a report, each with its precision."""
    k = key_numbers(report)
    fps = _fps(report)
    fps_txt = f"at {fps:.4g} fps" if math.isfinite(fps) else "fps unknown"
    period = frame_period_s(report)
    out: list[Headline] = []
    if k.get("contacts"):
        prec = gct_precision_s(report)
        prec_ms = prec * 1000 if math.isfinite(prec) else float("nan")
        pm = f" ± {prec_ms:.0f}" if math.isfinite(prec_ms) and prec_ms >= 1 else (
            f" ± {prec_ms:.1f}" if math.isfinite(prec_ms) else "")
        gct = k["gct_mean_ms"]
        sd = f"; SD {k['gct_sd_ms']:.0f} ms across hops" if k.get("gct_sd_ms") is not None else ""
        out.append(Headline("Ground contact (mean)", f"{gct:.0f}{pm} ms" if gct is not None else "–",
                            f"± is the timing precision of one contact {fps_txt}{sd}"))
        out.append(Headline("Contacts", str(k["contacts"]), ""))
        if k.get("flight_mean_ms") is not None:
            out.append(Headline("Flight (mean)", f"{k['flight_mean_ms']:.0f}{pm} ms", fps_txt))
        if k.get("rsi_mean") is not None:
            out.append(Headline("Reactive strength (flight / GCT)", f"{k['rsi_mean']:.2f}", "mean over hops"))
        if k["heel_touches"] is None:
            out.append(Headline("Heel touches", "not judged", "no flat-foot reference, or the feet not side-on"))
        else:
            hops = ", ".join(str(i) for i in k["heel_touch_hops"]) or "none"
            out.append(Headline("Heel touches", str(k["heel_touches"]), f"hops: {hops}"))
        if k.get("gct_trend_ms_per_hop") is not None:
            tr = gct_trend(report)
            out.append(Headline("GCT trend", f"{k['gct_trend_ms_per_hop']:+.1f} ms / hop", tr[2] if tr else ""))
    if k.get("reps"):
        ex = _exercise(report)
        if ex is not None and ex.single_leg and (k["reps_left"] or k["reps_right"]):
            out.append(Headline("Reps", f"{k['reps_left']} L · {k['reps_right']} R", f"{k['reps']} in total"))
        elif ex is not None and ex.single_leg:  # e.g. an offset squat, whose loaded side only --side gives
            out.append(Headline("Reps", str(k["reps"]), "side not known: pass --side left|right"))
        else:
            out.append(Headline("Reps", str(k["reps"]), ""))
        d = _decimals_for(period)
        for phase, name in (("eccentric", "Eccentric (mean)"), ("concentric", "Concentric (mean)")):
            v = k.get(f"{phase}_mean_s")
            if v is None:
                continue
            tg = targets_of(report).get("eccentric_s") if phase == "eccentric" else None
            det = f"target {float(tg):g} s; " if tg is not None else ""
            unc = phase_precision_s(report, phase)
            if math.isfinite(unc):  # the fits' own uncertainty, usually well above a frame
                pm = f" ± {max(unc, period if math.isfinite(period) else 0.0):.{max(d, 2)}f}"
                parts = "noise, movement shape and the video's dead band around a still foot" \
                    if (report.get("params", {}).get("analysis", {}).get("pitch_deadband_deg") or 0) > 0 \
                    else "noise and movement shape"
                if any(r.get("timing") == "submovements" for r in report.get("reps") or []):
                    parts += ", and how the movement splits into sub-movements"
                if phase == "eccentric" and any(r.get("end_timing") == "lead_foot_down"
                                                for r in report.get("reps") or []):
                    parts += "; the lowering ends as the pose model's ankle lands, read about 0.08 s early on " \
                             "rendered step-ups"
                det += (f"± is a rep's typical timing uncertainty ({parts})"
                        + (f"; a frame is {period:.3f} s {fps_txt}" if math.isfinite(period) else ""))
            else:  # crossing times or sub-movements: a frame is the sampling, not the phase's precision
                pm = ""
                det += ("timing uncertainty not estimated for these reps (no model fit behind this phase)"
                        + (f"; a frame is {period:.3f} s {fps_txt}" if math.isfinite(period) else ""))
            out.append(Headline(name, f"{v:.{d}f}{pm} s", det))
        if k.get("reps_flagged"):
            out.append(Headline("Reps with a flag", str(k["reps_flagged"]), "see the table"))
    for side in ("left", "right", "any"):
        v = k.get(f"hold_{side}_s")
        if v is not None:
            out.append(Headline(f"Hold ({side})" if side != "any" else "Hold", f"{v:.1f} s", fps_txt))
    if not out:
        out.append(Headline("Nothing detected", "–", "no contacts, reps or holds were found"))
    return out


def prescription_rows(report: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """(what, prescribed, done, met) rows comparing the prescription with the set."""
    ex = _exercise(report)
    tg = targets_of(report)
    k = key_numbers(report)
    rows: list[tuple[str, str, str, bool | None]] = []
    period = frame_period_s(report)
    tol = period if math.isfinite(period) else 0.0
    if ex is not None and ex.prescription:
        rows.append(("Prescription", ex.prescription, "", None))
    reps = report.get("reps") or []
    if "reps" in tg:
        want = int(tg["reps"])
        if ex is not None and ex.single_leg and reps and not any(r.get("side") for r in reps):
            n = k.get("reps", 0) or 0  # no side known (an offset squat without --side): the count of the one set
            rows.append(("Reps (side not known)", str(want), str(n), n >= want))
        elif ex is not None and ex.single_leg:
            for side in ("left", "right"):
                n = k.get(f"reps_{side}", 0) or 0
                rows.append((f"Reps ({side})", str(want), str(n), n >= want))
        else:
            n = k.get("reps", 0) or 0
            rows.append(("Reps", str(want), str(n), n >= want))
    if "eccentric_s" in tg and reps:
        want_s = float(tg["eccentric_s"])
        ok = k.get("eccentric_on_target", 0)
        close = k.get("eccentric_short_within_unc", 0)
        more = f"; {close} more short by less than {'its' if close == 1 else 'their'} timing uncertainty" \
            if close else ""
        rows.append(("Eccentric per rep", f"≥ {want_s:g} s", f"{ok} of {len(reps)} reps (within one frame{more})",
                     ok == len(reps)))
    if "concentric_s" in tg and reps:
        want_s = float(tg["concentric_s"])
        con = [_num(r.get("concentric_s")) for r in reps]
        ok = sum(abs(c - want_s) <= max(0.25 * want_s, tol) for c in con if math.isfinite(c))
        rows.append(("Concentric per rep", f"{want_s:g} s", f"{ok} of {len(reps)} reps within 25 %", ok == len(reps)))
    box = [bool(r["heel_on_box"]) for r in reps if r.get("heel_on_box") is not None]
    if box:  # step-ups: "whole foot lands on the box"
        rows.append(("Whole foot on the box", "every rep", f"{sum(box)} of {len(box)} reps", all(box)))
    holds = report.get("holds") or []
    if "hold_s" in tg:
        want_s = float(tg["hold_s"])
        sides: tuple[str | None, ...] = ("left", "right") if ex is not None and ex.single_leg else (None,)
        for hs in sides:
            d = [_num(h.get("duration_s")) for h in holds if hs is None or h.get("side") == hs]
            best = max(d) if d else 0.0
            rows.append((f"Hold ({hs})" if hs else "Hold", f"{want_s:g} s", f"{best:.1f} s",
                         best >= want_s - max(tol, HOLD_TOL_S)))
    contacts = report.get("contacts") or []
    if contacts:
        judged = judged_heel_touches(contacts)
        heel = len(judged or [])
        done = f"{heel} of {len(contacts)} contacts touched" if judged is not None else "not judged"
        if ex is not None and "heel" in ex.prescription:  # the prescription is about the heels
            rows.append(("Heel stays up", "no heel touch", done, None if judged is None else heel == 0))
        else:
            rows.append(("Heel touches", "", done, None))
    return rows


def moments(report: dict[str, Any]) -> list[tuple[float, str]]:
    """Moments worth watching in the video: (time s, what), in time order."""
    out: list[tuple[float, str]] = []
    contacts = report.get("contacts") or []
    for i, c in enumerate(contacts):
        if c.get("heel_touch"):
            out.append((_num(c.get("touchdown_s")), f"Hop {i + 1}: heel touch (GCT {_ms(_num(c.get('gct_s')))} ms)"))
    gct = np.array([_num(c.get("gct_s")) for c in contacts])
    if np.isfinite(gct).sum() >= 3:
        i_min, i_max = int(np.nanargmin(gct)), int(np.nanargmax(gct))
        out.append((_num(contacts[i_min].get("touchdown_s")),
                    f"Hop {i_min + 1}: shortest contact ({_ms(gct[i_min])} ms)"))
        out.append((_num(contacts[i_max].get("touchdown_s")),
                    f"Hop {i_max + 1}: longest contact ({_ms(gct[i_max])} ms)"))
    for i, r in enumerate(report.get("reps") or []):
        flags = r.get("flags") or []
        if flags:
            side = f" ({r.get('side')})" if r.get("side") else ""
            what = ", ".join(str(f).replace("_", " ") for f in flags)
            out.append((_num(r.get("start_s")), f"Rep {i + 1}{side}: {what}"))
    for u in (report.get("summary") or {}).get("out_of_view") or []:
        parts, dur = ", ".join(u.get("parts") or []), _s(_num(u.get("duration_s")), 1)
        out.append((_num(u.get("start_s")), f"Out of the picture ({parts}) for {dur} s" if parts else
                    f"Nobody in the picture for {dur} s"))
    for h in report.get("holds") or []:
        side = f" ({h.get('side')})" if h.get("side") else ""
        out.append((_num(h.get("start_s")), f"Hold{side} starts ({_s(_num(h.get('duration_s')), 1)} s)"))
    return sorted((t, s) for t, s in out if math.isfinite(t))


# --- the key signal from the landmarks ------------------------------------------------------------
SIGNAL_BY_EXERCISE: dict[str, str] = {
    "deadlift": "hip",
    "calf_raise": "heel_height",
    "tib_raise": "toe_height",
    "jumping_jack": "shoulder",
}
"""Which signal the page plots for a rep exercise (default: knee angle)."""


def _decimate(t: np.ndarray, ys: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    n = t.shape[0]
    if n <= MAX_PLOT_POINTS:
        return t, ys
    step = math.ceil(n / MAX_PLOT_POINTS)
    idx = np.arange(0, n, step)
    return t[idx], [y[idx] for y in ys]


def key_signal(lm: Landmarks, report: dict[str, Any]) -> tuple[str, dict[str, np.ndarray]]:
    """The signal plotted over time: (y-axis label, {series name: (T,) values}).

    Contacts: toe and heel height above the floor in leg lengths (floor = 98th percentile of the
    lowest foot point; leg = median hip-to-ankle distance). Reps: the driving joint angle (deg)
    per side, or heel / toe height for calf / tib raises.
    """
    xy = lm.xy_px()
    ex = _exercise(report)
    is_contacts = bool(report.get("contacts")) or (ex is not None and ex.kind == "contacts")
    kind = "contacts" if is_contacts else SIGNAL_BY_EXERCISE.get(str(report.get("exercise")), "knee")
    if kind in ("contacts", "heel_height", "toe_height"):
        with np.errstate(invalid="ignore"):
            legs = [np.linalg.norm(xy[:, SIDE_INDEX[s]["hip"]] - xy[:, SIDE_INDEX[s]["ankle"]], axis=1)
                    for s in ("left", "right")]
        leg_all = np.concatenate(legs)
        leg_all = leg_all[np.isfinite(leg_all)]
        leg = float(np.median(leg_all)) if leg_all.size else float("nan")
        feet = xy[:, [SIDE_INDEX[s][j] for s in ("left", "right") for j in ("heel", "toe")], 1]
        valid = np.isfinite(feet).all(axis=1)
        if not valid.any() or not math.isfinite(leg) or leg <= 0:
            return "height (leg lengths)", {}
        floor = float(np.percentile(feet[valid].max(axis=1), 98))
        # rows without both feet are NaN anyway; compute only where all four points are known
        toe = np.full(len(feet), np.nan)
        heel = np.full(len(feet), np.nan)
        toe[valid] = (floor - feet[valid][:, [1, 3]].mean(axis=1)) / leg
        heel[valid] = (floor - feet[valid][:, [0, 2]].mean(axis=1)) / leg
        if kind == "heel_height":
            return "heel height (leg lengths)", {"heel": heel}
        if kind == "toe_height":
            return "toe height (leg lengths)", {"toe": toe}
        return "height above floor (leg lengths)", {"toe": toe, "heel": heel}
    series: dict[str, np.ndarray] = {}
    for s in ("left", "right"):
        series[f"{s} {kind}"] = angle_deg(xy, ANGLES[f"{s}_{kind}"])
    return f"{kind} angle (deg)", series


# --- charts ---------------------------------------------------------------------------------------
def _signal_chart(lm: Landmarks, report: dict[str, Any]) -> str:
    ylabel, series = key_signal(lm, report)
    if not series or not any(np.isfinite(v).any() for v in series.values()):
        return '<p class="note">No person was detected, so there is no signal to plot.</p>'
    ch = Chart("Key signal over time", "time (s)", ylabel)
    ch.x_range = (float(lm.t[0]), float(lm.t[-1])) if len(lm) > 1 else None
    contacts = report.get("contacts") or []
    for _i, c in enumerate(contacts):
        td, to = _num(c.get("touchdown_s")), _num(c.get("takeoff_s"))
        if math.isfinite(td) and math.isfinite(to):
            heel = bool(c.get("heel_touch"))
            ch.band(td, to, PALETTE["red"] if heel else PALETTE["band"],
                    "contact (heel touch)" if heel else "ground contact", opacity=0.35 if heel else 0.25)
    for r in report.get("reps") or []:
        for w in rep_phases(r):  # the pause at the turn is in neither phase: left unshaded
            if w.name == "eccentric":
                ch.band(w.start_s, w.end_s, PALETTE["band"], "eccentric", opacity=0.3)
            elif w.name == "concentric":
                ch.band(w.start_s, w.end_s, PALETTE["band2"], "concentric", opacity=0.35)
    for h in report.get("holds") or []:
        a, b = _num(h.get("start_s")), _num(h.get("end_s"))
        if math.isfinite(a) and math.isfinite(b):
            ch.band(a, b, PALETTE["green"], "hold", opacity=0.15)
    for u in (report.get("summary") or {}).get("out_of_view") or []:
        a, b = _num(u.get("start_s")), _num(u.get("end_s"))
        if math.isfinite(a) and math.isfinite(b):
            ch.band(a, b, PALETTE["grey"], "out of the picture", opacity=0.25)
    t, ys = _decimate(lm.t, list(series.values()))
    colours = [PALETTE["blue"], PALETTE["purple"], PALETTE["orange"], PALETTE["green"]]
    for (name, _), y, col in zip(series.items(), ys, colours, strict=False):
        ch.line(t, y, col, name)
    heel_t = [_num(c.get("touchdown_s")) for c in contacts if c.get("heel_touch")]
    if heel_t and "heel" in series:
        yh = np.interp(heel_t, lm.t, np.nan_to_num(series["heel"], nan=0.0))
        ch.points(heel_t, list(yh), PALETTE["red"], "heel touch", r=5,
                  titles=[f"heel touch at {x:.3f} s" for x in heel_t])
    return ch.render()


def _gct_chart(report: dict[str, Any]) -> str:
    contacts = report.get("contacts") or []
    if not contacts:
        return ""
    n = np.arange(1, len(contacts) + 1, dtype=float)
    gct = np.array([_num(c.get("gct_s")) * 1000 for c in contacts])
    heel = [bool(c.get("heel_touch")) for c in contacts]
    ch = Chart("Ground contact time per hop", "hop", "time (ms)")
    ch.line(n, gct, PALETTE["blue"], "GCT", width=1.2)
    ch.points(list(n), list(gct), [PALETTE["red"] if h else PALETTE["blue"] for h in heel], r=4,
              titles=[f"hop {int(i)}: {g:.0f} ms" + (" (heel touch)" if h else "") for i, g, h in zip(n, gct, heel,
                                                                                                  strict=True)])
    tr = gct_trend(report)
    if tr is not None:
        ch.line([n[0], n[-1]], [tr[1] + tr[0] * n[0], tr[1] + tr[0] * n[-1]], PALETTE["grey"],
                f"trend {tr[0]:+.1f} ms/hop", dash="6 4")
    if any(heel):
        ch.points([], [], PALETTE["red"], "heel touch")
    ch.x_range = (0.5, len(contacts) + 0.5)
    return ch.render()


def _ecc_chart(report: dict[str, Any]) -> str:
    reps = report.get("reps") or []
    if not reps:
        return ""
    n = np.arange(1, len(reps) + 1, dtype=float)
    ecc = [_num(r.get("eccentric_s")) for r in reps]
    cols = [SIDE_COLOUR.get(r.get("side"), PALETTE["grey"]) for r in reps]
    ch = Chart("Eccentric (lowering) time per rep", "rep", "eccentric (s)")
    ch.bars(list(n), ecc, cols, titles=[f"rep {int(i)} ({r.get('side') or '–'}): {e:.2f} s"
                                        for i, e, r in zip(n, ecc, reps, strict=True)])
    sides = {r.get("side") for r in reps}
    for s in ("left", "right"):
        if s in sides:
            ch.points([], [], SIDE_COLOUR[s], s)
    tg = targets_of(report).get("eccentric_s")
    if tg is not None:
        ch.hline(float(tg), PALETTE["red"], f"target {float(tg):g} s")
    ch.x_range = (0.4, len(reps) + 0.6)
    ymax = max([v for v in ecc if math.isfinite(v)] + [float(tg) if tg is not None else 0.0, 0.5])
    ch.y_range = (0.0, ymax * 1.15)
    return ch.render()


def _lr_chart(report: dict[str, Any]) -> str:
    """Left vs right: mean eccentric and concentric per side, hold time per side, or GCT per side."""
    reps = report.get("reps") or []
    holds = report.get("holds") or []
    contacts = report.get("contacts") or []
    ch = Chart("Left vs right", "", "")
    xs: list[float] = []
    labels: list[str] = []
    if reps and {r.get("side") for r in reps} & {"left", "right"}:
        ch.y_label = "mean duration (s)"
        for j, (field, name) in enumerate((("eccentric_s", "eccentric"), ("concentric_s", "concentric"))):
            for k, side in enumerate(("left", "right")):
                v = _finite([_num(r.get(field)) for r in reps if r.get("side") == side])
                cnt = sum(r.get("side") == side for r in reps)
                x = j * 3 + k + 1
                xs.append(x)
                labels.append(f"{name} {side}")
                ch.bars([x], [float(v.mean()) if v.size else float("nan")], SIDE_COLOUR[side],
                        titles=[f"{name} {side}: {v.mean():.2f} s over {cnt} reps" if v.size else "no reps"])
        ch.x_label = "mean over the reps of each side"
    elif holds and {h.get("side") for h in holds} & {"left", "right"}:
        ch.y_label = "hold (s)"
        for k, side in enumerate(("left", "right")):
            d = _finite([_num(h.get("duration_s")) for h in holds if h.get("side") == side])
            ch.bars([k + 1], [float(d.sum()) if d.size else 0.0], SIDE_COLOUR[side],
                    titles=[f"{side}: {d.sum():.1f} s"])
            xs.append(k + 1)
            labels.append(side)
        ch.x_label = "total hold time per side"
        tg = targets_of(report).get("hold_s")
        if tg is not None:
            ch.hline(float(tg), PALETTE["red"], f"target {float(tg):g} s")
    elif contacts and {c.get("side") for c in contacts} & {"left", "right"}:
        ch.y_label = "mean GCT (ms)"
        for k, side in enumerate(("left", "right")):
            g = _finite([_num(c.get("gct_s")) * 1000 for c in contacts if c.get("side") == side])
            ch.bars([k + 1], [float(g.mean()) if g.size else float("nan")], SIDE_COLOUR[side],
                    titles=[f"{side}: {g.mean():.0f} ms over {g.size} contacts" if g.size else "none"])
            xs.append(k + 1)
            labels.append(side)
        ch.x_label = "mean over the contacts of each side"
    else:
        return ""
    for s in ("left", "right"):
        ch.points([], [], SIDE_COLOUR[s], s)
    ch.x_tick_labels = dict(zip(xs, labels, strict=True))
    ch.x_range = (min(xs) - 0.8, max(xs) + 0.8)
    ys = [y for ly in ch.layers if ly.kind in ("bars", "hline") for y in ly.y if math.isfinite(y)]
    ch.y_range = (0.0, max([*ys, 0.001]) * 1.2)
    return ch.render()


# --- HTML -----------------------------------------------------------------------------------------
_CSS = """
:root{--fg:#111827;--mut:#6b7280;--bd:#e5e7eb;--ok:#16a34a;--bad:#dc2626;--bg:#f9fafb}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:#fff}main{max-width:980px;margin:0 auto;padding:16px}
h1{font-size:1.45rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--bd);
padding-bottom:.2rem}.sub{color:var(--mut);margin:0 0 .8rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px}
.card{border:1px solid var(--bd);border-radius:10px;padding:10px 12px;background:var(--bg)}
.card .l{color:var(--mut);font-size:.8rem}.card .v{font-size:1.35rem;font-weight:650;white-space:nowrap}
.card .d{color:var(--mut);font-size:.78rem}
.tw{overflow-x:auto;-webkit-overflow-scrolling:touch}table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{border-bottom:1px solid var(--bd);padding:5px 8px;text-align:right;white-space:nowrap}
th{white-space:normal;vertical-align:bottom}
th:first-child,td:first-child{text-align:left}td.t,th.t{text-align:left;white-space:normal}
tr.flag td{background:#fef2f2}.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}
svg.chart{width:100%;height:auto;display:block;margin:8px 0 14px}svg .ct{font-size:13px;font-weight:600}
svg .tk{font-size:11px;fill:#4b5563}svg .al{font-size:12px;fill:#374151}svg .lg{font-size:11px;fill:#374151}
svg .grid{stroke:#eef0f3}svg .axis{stroke:#9ca3af}svg .frame{fill:none;stroke:#d1d5db}
ul.cues li{margin:.25rem 0}.note{color:var(--mut)}video{width:100%;max-height:70vh;background:#000;border-radius:8px}
button.seek{font:inherit;font-size:.85rem;border:1px solid var(--bd);background:var(--bg);border-radius:6px;
padding:2px 8px;cursor:pointer}details{margin:.6rem 0}pre{white-space:pre-wrap;word-break:break-word;font-size:.8rem}
@media (max-width:600px){main{padding:10px}.card .v{font-size:1.15rem}th,td{padding:4px 5px}}
"""

_SEEK_JS = """
document.querySelectorAll('button.seek').forEach(function(b){b.addEventListener('click',function(){
var v=document.getElementById('vid');if(!v)return;v.currentTime=parseFloat(b.dataset.t);v.play();});});
"""


def _fmt_value(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}" if math.isfinite(v) else "–"
    if isinstance(v, (list, tuple)):
        return ", ".join(_fmt_value(x) for x in v) if v else "none"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_fmt_value(x)}" for k, x in v.items()) if v else "–"
    return str(v)


def _kv_table(d: dict[str, Any]) -> str:
    if not d:
        return '<p class="note">Nothing reported.</p>'
    rows = "".join(f'<tr><td>{escape(str(k))}</td><td class="t">{escape(_fmt_value(v))}</td></tr>'
                   for k, v in d.items())
    return f'<div class="tw"><table><tbody>{rows}</tbody></table></div>'


def _table(head: list[str], rows: list[list[str]], flagged: list[bool] | None = None) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = []
    for i, r in enumerate(rows):
        cls = ' class="flag"' if flagged and flagged[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>")
    return f'<div class="tw"><table><thead><tr>{th}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _contacts_table(report: dict[str, Any]) -> str:
    contacts = report.get("contacts") or []
    prec_ms = gct_precision_s(report) * 1000
    d = _decimals_for(frame_period_s(report))
    rows, flags = [], []
    for i, c in enumerate(contacts):
        g, f = _num(c.get("gct_s")), _num(c.get("flight_s"))
        hc = _num(c.get("heel_confidence"))
        rows.append([str(i + 1), _s(_num(c.get("touchdown_s")), d), _s(_num(c.get("takeoff_s")), d), _ms(g, prec_ms),
                     _ms(f, prec_ms), _s(f / g if g > 0 else float("nan"), 2),
                     "yes" if c.get("heel_touch") else "no", _s(hc, 2), str(c.get("side") or "–")])
        flags.append(bool(c.get("heel_touch")))
    return _table(["#", "touchdown (s)", "takeoff (s)", "GCT (ms)", "flight before (ms)", "RSI", "heel touch",
                   "heel conf.", "side"], rows, flags)


def _tilt(r: dict[str, Any]) -> str:
    v = _num(r.get("tilt_deg"))
    if not math.isfinite(v):
        return "–"
    return "0°" if round(abs(v)) == 0 else f"{abs(v):.0f}° {r.get('tilt_side') or ''}".strip()


REP_MEASURES: tuple[tuple[str, str, int], ...] = (
    ("depth_hip_above_knee_L", "hip above knee (leg lengths)", 2),
    ("knee_over_toe_L", "knee past toes (leg lengths)", 2),
    ("tilt_deg", "bar tilt", 0),
    ("range_deg", "toe lift (deg)", 0),
    ("heel_rise_deg", "heel rise (deg)", 0),
    ("body_line_deg", "body line off straight (deg)", 0),
)
"""Per-rep measures the reps table shows when the reps carry them (report key, column, decimals): depth and knee
travel (squats), the bar's tilt (offset squat, with its side), the toes' and heels' lift (tib and calf raises), the
body line (calf raise)."""
HOLD_MEASURES: tuple[tuple[str, str, int], ...] = (
    ("heel_raised_s", "heel raised (s)", 1),
    ("heel_drop_s", "heel dropped after (s)", 1),
    ("back_knee_angle_deg", "back knee (deg)", 0),
)
"""The lunge hold's own measures in the holds table: how long the front heel was up, how far into the hold it
dropped, the back knee."""


def _measures(records: list[dict[str, Any]], specs: tuple[tuple[str, str, int], ...]
              ) -> tuple[list[str], Callable[[dict[str, Any]], list[str]]]:
    """The columns of ``specs`` that some record carries, and a row's cells for them ("–" where it has none)."""
    cols = [(k, head, dec) for k, head, dec in specs if any(k in r for r in records)]

    def cells(r: dict[str, Any]) -> list[str]:
        return [_tilt(r) if k == "tilt_deg" else _s(_num(r.get(k)), dec) for k, _, dec in cols]

    return [head for _, head, _ in cols], cells


def _reps_table(report: dict[str, Any]) -> str:
    reps = report.get("reps") or []
    d = _decimals_for(frame_period_s(report))
    tg = targets_of(report).get("eccentric_s")
    rows, flags = [], []
    def pm(r: dict[str, Any], phase: str) -> str:
        v, u = _num(r.get(f"{phase}_s")), _num(r.get(f"{phase}_unc_s"))
        return _s(v, d) + (f" ± {u:.2f}" if math.isfinite(u) else "")

    box = any("heel_on_box" in r for r in reps)  # step-ups: did the lead foot's heel land on the box

    def heel(r: dict[str, Any]) -> str:
        if "heel_on_box" not in r:
            return "–"
        v, u = _num(r.get("foot_pitch_on_box_deg")), _num(r.get("foot_pitch_on_box_sigma_deg"))
        pitch = f"{v:.0f}" + (f" ± {u:.0f}" if math.isfinite(u) else "") + "°"
        return ("yes" if r["heel_on_box"] else "no") + f" ({pitch}, {r.get('heel_method') or 'landmarks'})"

    heads, cells = _measures(reps, REP_MEASURES)
    for i, r in enumerate(reps):
        ecc = _num(r.get("eccentric_s"))
        rows.append([str(i + 1), str(r.get("side") or "–"), _s(_num(r.get("start_s")), d),
                     _s(_num(r.get("bottom_s")), d), _s(_num(r.get("end_s")), d), pm(r, "eccentric"),
                     pm(r, "concentric"), *([heel(r)] if box else []), *cells(r),
                     _s(_num(r.get("confidence")), 2), ", ".join(str(f) for f in r.get("flags") or []) or "–"])
        flags.append(bool(r.get("flags")) or (tg is not None and math.isfinite(ecc)
                                               and ecc < float(tg) - frame_period_s(report)))
    # the turn is a bottom when the rep lowers first (a squat), a top when it rises first (a calf raise)
    turn = "top (s)" if reps and all(r.get("first_phase") == "concentric" for r in reps) else "bottom (s)"
    return _table(["#", "side", "start (s)", turn, "end (s)", "eccentric (s)", "concentric (s)",
                   *(["heel on box (foot pitch)"] if box else []), *heads, "confidence", "flags"], rows, flags)


def _holds_table(report: dict[str, Any]) -> str:
    holds = report.get("holds") or []
    heads, cells = _measures(holds, HOLD_MEASURES)
    rows = [[str(i + 1), str(h.get("side") or "–"), _s(_num(h.get("start_s"))), _s(_num(h.get("end_s"))),
             _s(_num(h.get("duration_s")), 1), *cells(h)] for i, h in enumerate(holds)]
    return _table(["#", "side", "start (s)", "end (s)", "duration (s)", *heads], rows)


def _prescription_table(report: dict[str, Any]) -> str:
    rows = prescription_rows(report)
    if not rows:
        return '<p class="note">No prescription for this exercise.</p>'
    out = []
    for what, want, done, met in rows:
        mark = "" if met is None else ('<span class="ok">✓ met</span>' if met else '<span class="bad">✗ not met</span>')
        out.append(f'<tr><td>{escape(what)}</td><td class="t">{escape(want)}</td><td class="t">{escape(done)}</td>'
                   f"<td>{mark}</td></tr>")
    return ('<div class="tw"><table><thead><tr><th>what</th><th class="t">prescribed</th><th class="t">done</th>'
            f'<th></th></tr></thead><tbody>{"".join(out)}</tbody></table></div>')


def live_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """What a live session's page says about the session (label, value): frames seen and dropped, the pose stage's
    time and how long after the event the live cues came; empty for a recorded clip analysed offline."""
    live = (report.get("params") or {}).get("live")
    if not isinstance(live, dict):
        return []
    rows: list[tuple[str, str]] = []
    if live.get("aborted"):
        rows.append(("Session", "stopped by an error: the frames recorded until then are analysed here"))
    arrived, done = live.get("frames_arrived"), live.get("frames_processed")
    if arrived is not None and done is not None:
        dropped = live.get("frames_dropped") or 0
        rows.append(("Frames", f"{done} analysed of {arrived} that arrived ({dropped} dropped to keep up)"))
    if live.get("frames_recorded") is not None:
        rows.append(("Frames in this report", str(live["frames_recorded"])))
    if live.get("pose_ms_median") is not None:
        rows.append(("Pose estimation", f"{_num(live['pose_ms_median']):.0f} ms per frame (median)"))
    for typ, d in sorted((live.get("latency") or {}).items()):
        if not isinstance(d, dict):
            continue
        # delay: from the frame showing the event to the cue; latency: from the frame that revealed it
        key, what = ("delay", "it happened") if d.get("delay_median_ms") is not None else ("latency", "its frame came")
        if d.get(f"{key}_median_ms") is not None:
            rows.append((f"Live {typ} events", f"{d.get('n')} given, {_num(d[f'{key}_median_ms']):.0f} ms after "
                                               f"{what} (median; 95 % within {_num(d.get(f'{key}_p95_ms')):.0f} ms)"))
    return rows


def _live_section(report: dict[str, Any]) -> list[str]:
    rows = live_rows(report)
    if not rows:
        return []
    note = ('<p class="note">Recorded live: the cues during the set came from the frames seen so far. This page '
            "re-analyses the whole recording with the same detectors and then refines them with every frame (phase "
            "fits pooled over the set, contact times below the frame period), so a number here can differ from the "
            "one given live by up to its stated uncertainty.</p>")
    return ["<h2>Live session</h2>", note, _kv_table(dict(rows))]


def _video_href(path: Path, video_href: str | None) -> str | None:
    if video_href == "":
        return None
    return "annotated.mp4" if video_href is None else video_href


def render_html(report: dict[str, Any], lm: Landmarks | None, *, video_href: str | None = None) -> str:
    """The report page as one self-contained HTML string.

    Parameters
    ----------
    report : dict
        The report (``report.json`` contract).
    lm : Landmarks or None
        The pose series, for the key-signal plot (omitted when None).
    video_href : str or None
        Relative URL of a video to embed with seek buttons on the key moments (None: no video).
    """
    ex = _exercise(report)
    src = report.get("source") or {}
    title = ex.title if ex else str(report.get("exercise", "unknown exercise"))
    clip = Path(str(src.get("path", ""))).name or "unknown clip"
    fps = _fps(report)
    sub = [clip]
    if math.isfinite(fps):
        sub.append(f"{fps:.4g} fps")
    if _num(src.get("duration_s")) > 0:
        sub.append(f"{_num(src.get('duration_s')):.1f} s")
    if src.get("width") and src.get("height"):
        sub.append(f"{src.get('width')}×{src.get('height')}")
    if ex is not None:
        sub.append(f"view: {ex.view}")

    cards = "".join(f'<div class="card"><div class="l">{escape(h.label)}</div><div class="v">{escape(h.value)}</div>'
                    f'<div class="d">{escape(h.detail)}</div></div>' for h in headlines(report))
    cues = report.get("feedback") or []
    cue_html = ("<ul class=\"cues\">" + "".join(f"<li>{escape(str(c))}</li>" for c in cues) + "</ul>") if cues \
        else '<p class="note">No cues: nothing to correct was found.</p>'

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} · {escape(clip)} · formcheck</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{escape(" · ".join(sub))}</p>',
        f'<section class="cards">{cards}</section>',
        "<h2>Cues</h2>", cue_html,
        "<h2>Prescription vs what was done</h2>", _prescription_table(report),
    ]
    href = video_href
    mom = moments(report)
    if href or mom:
        parts.append("<h2>Moments to watch</h2>")
        if href:
            parts.append(f'<video id="vid" controls preload="metadata" src="{escape(href, quote=True)}" '
                         "onerror=\"this.style.display='none';document.getElementById('novid').style.display='block'\">"
                         '</video><p id="novid" class="note" style="display:none">No annotated video next to this '
                         "page (run without --no-video to make one).</p>")
        if mom:
            items = []
            for t, what in mom:
                btn = f'<button class="seek" data-t="{t:.3f}">{t:.2f} s</button>' if href else f"<b>{t:.2f} s</b>"
                items.append(f"<li>{btn} {escape(what)}</li>")
            parts.append(f'<ul class="cues">{"".join(items)}</ul>')
    parts.append("<h2>Plots</h2>")
    if lm is not None and len(lm) > 0:
        parts.append(_signal_chart(lm, report))
    parts += [c for c in (_gct_chart(report), _ecc_chart(report), _lr_chart(report)) if c]
    if report.get("contacts"):
        parts += ["<h2>Contacts</h2>", _contacts_table(report)]
    if report.get("reps"):
        parts += ["<h2>Reps</h2>", _reps_table(report)]
    if report.get("holds"):
        parts += ["<h2>Holds</h2>", _holds_table(report)]
    if not (report.get("contacts") or report.get("reps") or report.get("holds")):
        parts.append('<p class="note">No contacts, reps or holds were detected in this clip.</p>')
    parts += _live_section(report)
    q = dict(report.get("quality") or {})
    parts += ["<h2>Quality</h2>", _kv_table(q)]
    parts += ["<h2>Source</h2>", _kv_table(dict(src))]
    if report.get("summary"):
        parts += ["<details><summary>Analysis summary (all values)</summary>", _kv_table(dict(report["summary"])),
                  "</details>"]
    parts += ["<details><summary>How this was made</summary>", _kv_table(dict(report.get("params") or {})),
              "</details>",
              '<p class="note">Times are seconds from the first frame. A timing is only known to about one frame '
              "unless stated; ± on the headline numbers is that precision, not the spread across reps or hops.</p>",
              "</main>"]
    if href:
        parts.append(f"<script>{_SEEK_JS}</script>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(report: dict[str, Any], lm: Landmarks | None, path: Path, *, video_href: str | None = None) -> None:
    """Write ``report.html`` atomically.

    ``video_href``: relative URL of the annotated video to embed (default ``annotated.mp4`` next to
    the page; the player hides itself when the file is absent); ``""`` leaves the video out.
    """
    path = Path(path)
    atomic_write_text(path, render_html(report, lm, video_href=_video_href(path, video_href)))


# --- CSV ------------------------------------------------------------------------------------------
_CSV_HEAD = ["exercise", "record", "n", "side", "start_s", "end_s"]


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if not math.isfinite(v) else repr(round(v, 6))
    if isinstance(v, (list, tuple)):
        return ";".join(_csv_cell(x) for x in v)
    if isinstance(v, dict):
        return ";".join(f"{k}={_csv_cell(x)}" for k, x in v.items())
    return str(v)


def render_csv(report: dict[str, Any]) -> str:
    """One row per contact, rep and hold; ``start_s``/``end_s`` are common to all record types."""
    rows: list[dict[str, Any]] = []
    ex = report.get("exercise")
    for i, c in enumerate(report.get("contacts") or []):
        rows.append({"exercise": ex, "record": "contact", "n": i + 1, "side": c.get("side"),
                     "start_s": c.get("touchdown_s"), "end_s": c.get("takeoff_s"), **c})
    for i, r in enumerate(report.get("reps") or []):
        rows.append({"exercise": ex, "record": "rep", "n": i + 1, "side": r.get("side"),
                     "start_s": r.get("start_s"), "end_s": r.get("end_s"), **r})
    for i, h in enumerate(report.get("holds") or []):
        rows.append({"exercise": ex, "record": "hold", "n": i + 1, "side": h.get("side"),
                     "start_s": h.get("start_s"), "end_s": h.get("end_s"), **h})
    head = list(_CSV_HEAD)
    for r in rows:
        for k in r:
            if k not in head:
                head.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    for r in rows:
        w.writerow([_csv_cell(r.get(k)) for k in head])
    return buf.getvalue()


def write_csv(report: dict[str, Any], path: Path) -> None:
    """Write ``report.csv`` atomically (one row per contact, rep and hold)."""
    atomic_write_text(Path(path), render_csv(report))


# --- terminal -------------------------------------------------------------------------------------
def summary_text(report: dict[str, Any]) -> str:
    """Plain-text summary for the terminal (no colour codes)."""
    ex = _exercise(report)
    src = report.get("source") or {}
    title = ex.title if ex else str(report.get("exercise", "?"))
    fps = _fps(report)
    head = f"{title} ({report.get('exercise')}) · {Path(str(src.get('path', ''))).name}"
    if math.isfinite(fps):
        head += f" · {fps:.4g} fps"
    if _num(src.get("duration_s")) > 0:
        head += f" · {_num(src.get('duration_s')):.1f} s"
    lines = [head]
    for h in headlines(report):
        lines.append(f"  {h.label}: {h.value}" + (f"  ({h.detail})" if h.detail else ""))
    rows = [r for r in prescription_rows(report) if r[3] is not None]
    if rows:
        lines.append("Prescription:")
        for what, want, done, met in rows:
            lines.append(f"  [{'ok' if met else 'NO'}] {what}: {done} (prescribed {want})")
    cues = report.get("feedback") or []
    if cues:
        lines.append("Cues:")
        lines += [f"  - {c}" for c in cues]
    warn = (report.get("quality") or {}).get("warnings") or []
    if warn:
        lines.append("Quality warnings:")
        lines += [f"  ! {w}" for w in warn]
    return "\n".join(lines)
