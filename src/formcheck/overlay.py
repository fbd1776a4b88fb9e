"""Pure drawing of the analysis on a BGR frame: skeleton, counter, phase, tempo clock, heel flash, GCT.

:func:`draw_overlay` is a function of (frame, one landmark row, an :class:`OverlayState`), so
the annotated-video writer (:mod:`formcheck.annotate`) and live mode share it. Where the state
comes from is the caller's business: :func:`state_from_report` derives it from a finished
report at any media time; live mode builds it from online detector events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.skeleton import CONNECTIONS, LEFT_HEEL, LEFT_RIGHT_PAIRS, RIGHT_HEEL
from formcheck.types import rep_phases

HEEL_FLASH_S = 0.4
"""How long a heel-touch flash lingers after the contact ends (s)."""
CUE_LINGER_S = 1.5
"""How long a rep's flag stays on screen after the rep ends (s)."""
MIN_VISIBILITY = 0.3
"""Landmarks below this visibility are not drawn."""

_LEFT = {a for a, _ in LEFT_RIGHT_PAIRS}
_RIGHT = {b for _, b in LEFT_RIGHT_PAIRS}
# BGR colours
_C_LEFT = (235, 99, 37)
_C_RIGHT = (12, 88, 234)
_C_MID = (200, 200, 200)
_C_TEXT = (255, 255, 255)
_C_HEEL = (38, 38, 220)
_C_OK = (74, 163, 22)
_C_WARN = (12, 88, 234)


@dataclass(frozen=True)
class OverlayState:
    """What the overlay shows at one instant.

    Attributes
    ----------
    title : str
        Exercise name (top of the panel).
    count : int
        Hops or reps completed so far.
    count_label : str
        ``"hops"`` or ``"reps"``.
    count_left, count_right : int or None
        Per-side reps for single-side work.
    target_count : int or None
        Prescribed reps (per side when sided).
    phase : str or None
        ``"eccentric"``, ``"pause"``, ``"concentric"``, ``"ground"``, ``"flight"``, ``"hold"`` or None.
    phase_elapsed_s : float or None
        Time spent in the current phase (s): the tempo clock.
    phase_target_s : float or None
        Target duration of the phase (s), drawn as the clock's full circle.
    side : str or None
        Working side of the current rep / hold.
    last_gct_ms, last_flight_ms : float or None
        Ground contact and flight time of the last completed hop (ms).
    last_heel_touch : bool
        Whether the last completed hop had a heel touch.
    heel_flash : float
        Heel-touch flash intensity in [0, 1] (0: none).
    cue : str or None
        A short message (a rep's flag, a live cue).
    t_s : float or None
        Media time (s), shown in a corner.
    """

    title: str = ""
    count: int = 0
    count_label: str = "reps"
    count_left: int | None = None
    count_right: int | None = None
    target_count: int | None = None
    phase: str | None = None
    phase_elapsed_s: float | None = None
    phase_target_s: float | None = None
    side: str | None = None
    last_gct_ms: float | None = None
    last_flight_ms: float | None = None
    last_heel_touch: bool = False
    heel_flash: float = 0.0
    cue: str | None = None
    t_s: float | None = None


def _f(v: Any) -> float:
    try:
        return float(v) if v is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def _unseen_at(report: dict[str, Any], t_s: float) -> str | None:
    """"out of the picture: feet" while ``t_s`` (s) is inside one of the report's ``summary.out_of_view`` stretches."""
    for u in (report.get("summary") or {}).get("out_of_view") or []:
        if _f(u.get("start_s")) <= t_s < _f(u.get("end_s")):
            parts = ", ".join(str(p) for p in u.get("parts") or [])
            return f"out of the picture: {parts}" if parts else "nobody in the picture"
    return None


def state_from_report(report: dict[str, Any], t_s: float, *, title: str = "") -> OverlayState:
    """The overlay state at media time ``t_s`` implied by a finished report (pure).

    Hops are counted at touchdown; a hop's contact time appears when it ends (takeoff), as it
    would live. Reps are counted when they end.
    """
    from formcheck.exercises import EXERCISES
    from formcheck.render import targets_of

    ex = EXERCISES.get(str(report.get("exercise")))
    title = title or (ex.title if ex else str(report.get("exercise", "")))
    tg = targets_of(report)
    contacts = report.get("contacts") or []
    if contacts or (ex is not None and ex.kind == "contacts"):
        count = 0
        phase: str | None = None
        elapsed: float | None = None
        last_gct = last_fl = None
        last_heel = False
        flash = 0.0
        for c in contacts:
            td, to = _f(c.get("touchdown_s")), _f(c.get("takeoff_s"))
            if not (math.isfinite(td) and math.isfinite(to)) or td > t_s:
                break
            count += 1
            if t_s < to:
                phase, elapsed = "ground", t_s - td
                if c.get("heel_touch"):
                    flash = 1.0
            else:
                last_gct = _f(c.get("gct_s")) * 1000.0
                fl = _f(c.get("flight_s"))
                last_fl = fl * 1000.0 if math.isfinite(fl) else None
                last_heel = bool(c.get("heel_touch"))
                phase, elapsed = "flight", t_s - to
                if last_heel and t_s - to < HEEL_FLASH_S:
                    flash = 1.0 - (t_s - to) / HEEL_FLASH_S
        if phase == "flight" and count == len(contacts) and elapsed is not None and elapsed > 1.0:
            phase, elapsed = None, None  # the set is over
        return OverlayState(title=title, count=count, count_label="hops", phase=phase, phase_elapsed_s=elapsed,
                            last_gct_ms=last_gct, last_flight_ms=last_fl, last_heel_touch=last_heel,
                            heel_flash=float(np.clip(flash, 0.0, 1.0)), t_s=t_s, cue=_unseen_at(report, t_s))
    reps = report.get("reps") or []
    sided = any(r.get("side") in ("left", "right") for r in reps) or (ex is not None and ex.single_leg)
    done = [r for r in reps if _f(r.get("end_s")) <= t_s]
    phase = None
    elapsed = None
    target_s: float | None = None
    side: str | None = None
    cue: str | None = None
    for r in reps:
        a, e = _f(r.get("start_s")), _f(r.get("end_s"))
        if not (a <= t_s < e):
            if e <= t_s < e + CUE_LINGER_S and r.get("flags"):
                cue = ", ".join(str(f).replace("_", " ") for f in r["flags"])
            continue
        side = r.get("side")
        for w in rep_phases(r):  # in time order: the first phase, the pause at the turn, the second phase
            if w.start_s <= t_s < w.end_s:
                phase, elapsed = w.name, t_s - w.start_s
                key = f"{w.name}_s"
                target_s = _f(tg.get(key)) if w.name != "pause" and tg.get(key) is not None else None
    for h in report.get("holds") or []:
        a, e = _f(h.get("start_s")), _f(h.get("end_s"))
        if a <= t_s < e:
            phase, elapsed, side = "hold", t_s - a, h.get("side")
            target_s = _f(tg.get("hold_s")) if tg.get("hold_s") is not None else None
    cue = _unseen_at(report, t_s) or cue
    tc = tg.get("reps")
    return OverlayState(
        title=title, count=len(done), count_label="reps",
        count_left=sum(r.get("side") == "left" for r in done) if sided else None,
        count_right=sum(r.get("side") == "right" for r in done) if sided else None,
        target_count=int(tc) if tc is not None else None,
        phase=phase, phase_elapsed_s=elapsed, phase_target_s=target_s, side=side, cue=cue, t_s=t_s,
    )


# --- drawing --------------------------------------------------------------------------------------
def _text(img: NDArray[np.uint8], s: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int],
          thick: int) -> None:
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.putText(img, s, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thick, cv2.LINE_AA)


def _panel(img: NDArray[np.uint8], x0: int, y0: int, x1: int, y1: int, alpha: float = 0.55) -> None:
    h, w = img.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi.astype(np.float32) * (1.0 - alpha)).astype(np.uint8)


def draw_skeleton(frame: NDArray[np.uint8], landmarks: NDArray[np.floating],
                  visibility: NDArray[np.floating] | None = None, scale: float = 1.0) -> None:
    """Draw bones and joints (left side blue, right side orange) in place; NaN rows draw nothing."""
    h, w = frame.shape[:2]
    pts = np.asarray(landmarks, dtype=np.float64)[:, :2] * np.array([w, h])
    ok = np.isfinite(pts).all(axis=1)
    if visibility is not None:
        v = np.asarray(visibility, dtype=np.float64)
        ok &= np.nan_to_num(v, nan=0.0) >= MIN_VISIBILITY
    lw = max(1, round(2.5 * scale))
    for a, b in CONNECTIONS:
        if ok[a] and ok[b]:
            col = _C_LEFT if a in _LEFT and b in _LEFT else _C_RIGHT if a in _RIGHT and b in _RIGHT else _C_MID
            cv2.line(frame, (int(pts[a, 0]), int(pts[a, 1])), (int(pts[b, 0]), int(pts[b, 1])), col, lw, cv2.LINE_AA)
    r = max(2, round(3.5 * scale))
    for j in range(min(len(pts), 33)):
        if ok[j] and j >= 11:
            col = _C_LEFT if j in _LEFT else _C_RIGHT
            cv2.circle(frame, (int(pts[j, 0]), int(pts[j, 1])), r, col, -1, cv2.LINE_AA)


def _clock(frame: NDArray[np.uint8], centre: tuple[int, int], radius: int, elapsed: float, target: float | None,
           thick: int) -> None:
    """A tempo clock: arc = elapsed / target (or per second without a target)."""
    cv2.circle(frame, centre, radius, (90, 90, 90), thick, cv2.LINE_AA)
    full = target if target and target > 0 else 1.0
    frac = elapsed / full
    over = target is not None and frac > 1.0
    sweep = 360.0 * (min(frac, 1.0) if target else frac % 1.0)
    col = _C_OK if target is None or over else _C_WARN
    if sweep > 0.5:
        cv2.ellipse(frame, centre, (radius, radius), -90.0, 0.0, sweep, col, thick, cv2.LINE_AA)


def draw_overlay(frame: NDArray[np.uint8], landmarks: NDArray[np.floating] | None, state: OverlayState,
                 visibility: NDArray[np.floating] | None = None) -> NDArray[np.uint8]:
    """Draw skeleton, counter, phase, tempo clock, heel flash and GCT onto ``frame`` (in place).

    Parameters
    ----------
    frame : (H, W, 3) uint8
        BGR image; modified in place and returned.
    landmarks : (33, 3) float or None
        Normalized image landmarks of this frame (x, y in [0, 1]); None / NaN: nobody detected.
    state : OverlayState
        What to show.
    visibility : (33,) float or None
        Per-landmark visibility; landmarks below :data:`MIN_VISIBILITY` are not drawn.

    Returns
    -------
    The same ``frame``.
    """
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"draw_overlay: expected (H, W, 3) uint8 BGR, got {frame.shape} {frame.dtype}")
    h, w = frame.shape[:2]
    s = max(0.45, min(w, h) / 720.0)
    th = max(1, round(2 * s))
    lm = None if landmarks is None else np.asarray(landmarks, dtype=np.float64)
    if lm is not None and lm.shape[0] >= 33:
        draw_skeleton(frame, lm, visibility, s)

    # heel flash: red border and rings on the heels
    if state.heel_flash > 0:
        a = float(np.clip(state.heel_flash, 0.0, 1.0))
        bw = max(3, round(10 * s * a))
        cv2.rectangle(frame, (0, 0), (w - 1, h - 1), _C_HEEL, bw)
        if lm is not None and lm.shape[0] >= 33:
            for j in (LEFT_HEEL, RIGHT_HEEL):
                if np.isfinite(lm[j, :2]).all():
                    c = (int(lm[j, 0] * w), int(lm[j, 1] * h))
                    cv2.circle(frame, c, max(6, round(16 * s)), _C_HEEL, th + 1, cv2.LINE_AA)
        _text(frame, "HEEL", (w - round(120 * s), h - round(20 * s)), 1.0 * s, _C_HEEL, th + 1)

    # the panel: title, counter, phase + clock, last contact
    pw, ph = round(300 * s), round(150 * s)
    _panel(frame, 0, 0, pw, ph)
    x, y = round(10 * s), round(24 * s)
    _text(frame, state.title[:28], (x, y), 0.55 * s, _C_TEXT, max(1, th - 1))
    y += round(50 * s)
    tgt = f"/{state.target_count}" if state.target_count is not None else ""
    count_txt = f"{state.count}{tgt}"
    if state.count_left is not None and state.count_right is not None:
        count_txt = f"L{state.count_left}{tgt} R{state.count_right}{tgt}"
    _text(frame, count_txt, (x, y), 1.4 * s, _C_TEXT, th + 1)
    (tw, _), _ = cv2.getTextSize(count_txt, cv2.FONT_HERSHEY_SIMPLEX, 1.4 * s, th + 1)
    _text(frame, state.count_label, (x + tw + round(8 * s), y), 0.6 * s, _C_TEXT, max(1, th - 1))
    y += round(36 * s)
    if state.phase:
        label = state.phase + (f" ({state.side})" if state.side else "")
        _text(frame, label, (x, y), 0.7 * s, _C_TEXT, th)
        if state.phase_elapsed_s is not None:
            el = state.phase_elapsed_s
            clock = f"{el * 1000:.0f} ms" if state.phase in ("ground", "flight") else f"{el:.1f} s"
            if state.phase_target_s:
                clock += f" / {state.phase_target_s:g} s"
            _text(frame, clock, (x, y + round(28 * s)), 0.6 * s, _C_TEXT, max(1, th - 1))
            if state.phase not in ("ground", "flight"):
                r = round(24 * s)
                _clock(frame, (pw - r - round(12 * s), round(72 * s)), r, el, state.phase_target_s, th + 1)
    if state.last_gct_ms is not None:
        g = f"GCT {state.last_gct_ms:.0f} ms"
        if state.last_flight_ms is not None:
            g += f"  flight {state.last_flight_ms:.0f} ms"
        col = _C_HEEL if state.last_heel_touch else _C_TEXT
        _panel(frame, 0, ph, pw, ph + round(34 * s))
        _text(frame, g, (x, ph + round(24 * s)), 0.6 * s, col, max(1, th - 1))
    if state.cue:
        (cw, _), _ = cv2.getTextSize(state.cue, cv2.FONT_HERSHEY_SIMPLEX, 0.8 * s, th)
        cx = max(0, (w - cw) // 2)
        _panel(frame, cx - round(8 * s), h - round(60 * s), cx + cw + round(8 * s), h - round(22 * s))
        _text(frame, state.cue, (cx, h - round(32 * s)), 0.8 * s, _C_WARN, th)
    if state.t_s is not None:
        _text(frame, f"{state.t_s:.2f} s", (w - round(110 * s), round(24 * s)), 0.55 * s, _C_TEXT, max(1, th - 1))
    return frame
