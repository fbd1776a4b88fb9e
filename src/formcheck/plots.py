"""Small, dependency-free SVG charts for the HTML report.

A :class:`Chart` collects layers (lines, points, bars, shaded x-ranges, reference lines)
in data units and renders one self-contained ``<svg>`` element with a ``viewBox`` so it
scales to the page width. All text is escaped. Nothing here touches files.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np

PALETTE = {
    "blue": "#2563eb",
    "orange": "#ea580c",
    "green": "#16a34a",
    "red": "#dc2626",
    "grey": "#6b7280",
    "purple": "#7c3aed",
    "band": "#93c5fd",
    "band2": "#fdba74",
}
SIDE_COLOUR = {"left": PALETTE["blue"], "right": PALETTE["orange"], None: PALETTE["grey"], "both": PALETTE["grey"]}


TITLE_CHAR_PX = 8.0
"""Estimated width of one character of a chart title (13 px, semi-bold), px."""
LEGEND_CHAR_PX = 7.0
"""Estimated width of one character of a legend label (11 px), px."""
LEGEND_ROW_PX = 16
"""Height of a legend row, px: rows past the first push the plot area down."""

_CLIP_IDS = itertools.count()
"""Serial number of each rendered chart's clip path: ids stay unique on a page (``id()`` of a chart collected before
the next one is built can repeat)."""


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick positions covering ``[lo, hi]`` (about ``n`` of them), rounded to the step's precision."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = mag * min((m for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * mag >= raw), default=10.0)
    first = math.ceil(lo / step - 1e-9)
    digits = max(0, 3 - math.floor(math.log10(step)))  # enough decimals for the step, no float noise
    ticks = []
    k = first
    while k * step <= hi + 1e-9 * step:
        ticks.append(round(k * step, digits))
        k += 1
    return ticks


def _fmt_tick(v: float) -> str:
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    if abs(v) >= 1:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    return f"{v:.3g}"


@dataclass
class _Layer:
    kind: str
    x: list[float]
    y: list[float]
    colour: str
    label: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class Chart:
    """An x/y chart rendered to SVG.

    Parameters
    ----------
    title : str
        Shown above the plot area.
    x_label, y_label : str
        Axis labels (include units, e.g. ``"time (s)"``).
    width, height : int
        Size of the ``viewBox`` in SVG user units; the element scales to its container.
    """

    title: str
    x_label: str
    y_label: str
    width: int = 720
    height: int = 260
    layers: list[_Layer] = field(default_factory=list)
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    css_class: str = "chart"
    x_tick_labels: dict[float, str] | None = None

    # -- layers ------------------------------------------------------------------------------------
    def line(self, x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, colour: str,
             label: str | None = None, width: float = 1.6, dash: str | None = None) -> Chart:
        """A polyline; NaN in ``y`` breaks the line."""
        self.layers.append(_Layer("line", [float(v) for v in x], [float(v) for v in y], colour, label,
                                  {"width": width, "dash": dash}))
        return self

    def points(self, x: Sequence[float], y: Sequence[float], colour: str | Sequence[str],
               label: str | None = None, r: float = 3.5, titles: Sequence[str] | None = None,
               hollow: Sequence[bool] | None = None) -> Chart:
        """Markers, optionally one colour / tooltip per point."""
        cols = [colour] * len(x) if isinstance(colour, str) else list(colour)
        self.layers.append(_Layer("points", [float(v) for v in x], [float(v) for v in y],
                                  colour if isinstance(colour, str) else (cols[0] if cols else PALETTE["grey"]),
                                  label, {"r": r, "colours": cols, "titles": list(titles or []),
                                   "hollow": list(hollow or [])}))
        return self

    def bars(self, x: Sequence[float], y: Sequence[float], colour: str | Sequence[str], label: str | None = None,
             bar_width: float = 0.6, titles: Sequence[str] | None = None) -> Chart:
        """Vertical bars from 0 centred on ``x`` (``bar_width`` in x units)."""
        cols = [colour] * len(x) if isinstance(colour, str) else list(colour)
        self.layers.append(_Layer("bars", [float(v) for v in x], [float(v) for v in y],
                                  colour if isinstance(colour, str) else (cols[0] if cols else PALETTE["grey"]),
                                  label, {"bw": bar_width, "colours": cols, "titles": list(titles or [])}))
        return self

    def band(self, x0: float, x1: float, colour: str, label: str | None = None, opacity: float = 0.25) -> Chart:
        """A shaded x-range spanning the plot height."""
        self.layers.append(_Layer("band", [float(x0), float(x1)], [], colour, label, {"opacity": opacity}))
        return self

    def hline(self, y: float, colour: str, label: str | None = None, dash: str = "6 4") -> Chart:
        """A horizontal reference line (e.g. a target)."""
        self.layers.append(_Layer("hline", [], [float(y)], colour, label, {"dash": dash}))
        return self

    def vline(self, x: float, colour: str, label: str | None = None, dash: str = "2 3") -> Chart:
        """A vertical marker line (e.g. an event)."""
        self.layers.append(_Layer("vline", [float(x)], [], colour, label, {"dash": dash}))
        return self

    # -- rendering ---------------------------------------------------------------------------------
    def _data_range(self) -> tuple[float, float, float, float]:
        xs: list[float] = []
        ys: list[float] = []
        for ly in self.layers:
            if ly.kind in ("line", "points"):
                xs += ly.x
                ys += ly.y
            elif ly.kind == "bars":
                bw = float(ly.extra["bw"])  # type: ignore[arg-type]
                xs += [v - bw for v in ly.x] + [v + bw for v in ly.x]
                ys += [*ly.y, 0.0]
            elif ly.kind == "band":
                xs += ly.x
            elif ly.kind == "hline":
                ys += ly.y
            elif ly.kind == "vline":
                xs += ly.x
        xa = np.array([v for v in xs if math.isfinite(v)] or [0.0, 1.0])
        ya = np.array([v for v in ys if math.isfinite(v)] or [0.0, 1.0])
        x0, x1 = (float(xa.min()), float(xa.max())) if self.x_range is None else self.x_range
        y0, y1 = (float(ya.min()), float(ya.max())) if self.y_range is None else self.y_range
        if x1 <= x0:
            x0, x1 = x0 - 0.5, x0 + 0.5
        if y1 <= y0:
            y0, y1 = y0 - 0.5, y0 + 0.5
        if self.y_range is None:
            pad = 0.06 * (y1 - y0)
            y0, y1 = y0 - pad, y1 + pad
        return x0, x1, y0, y1

    def render(self) -> str:
        """The chart as an ``<svg>`` string."""
        W, H = self.width, self.height
        ml, mr, mb = 58, 14, 44
        pw = W - ml - mr
        rows = self._legend_rows(pw)
        mt = 30 + LEGEND_ROW_PX * (len(rows) - 1)  # legend rows that do not fit beside the title go below it
        ph = H - mt - mb
        x0, x1, y0, y1 = self._data_range()

        def sx(v: float) -> float:
            return ml + (v - x0) / (x1 - x0) * pw

        def sy(v: float) -> float:
            return mt + (1.0 - (v - y0) / (y1 - y0)) * ph

        clip = f"chart-clip-{next(_CLIP_IDS)}"
        out: list[str] = [
            f'<svg class="{escape(self.css_class)}" viewBox="0 0 {W} {H}" xmlns="http://www.w3.org/2000/svg" '
            f'role="img" aria-label="{escape(self.title)}" preserveAspectRatio="xMidYMid meet">',
            f"<title>{escape(self.title)}</title>",
            f'<text x="{ml}" y="18" class="ct">{escape(self.title)}</text>',
            f'<clipPath id="{clip}"><rect x="{ml}" y="{mt}" width="{pw}" height="{ph}"/></clipPath>',
        ]
        for v in nice_ticks(y0, y1, 5):
            if y0 <= v <= y1:
                y = sy(v)
                out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
                out.append(f'<text x="{ml - 6}" y="{y + 4:.1f}" class="tk" text-anchor="end">{_fmt_tick(v)}</text>')
        xticks = self.x_tick_labels or {v: _fmt_tick(v) for v in nice_ticks(x0, x1, 8)}
        for v, lab in xticks.items():
            if x0 <= v <= x1:
                x = sx(v)
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mt + ph}" y2="{mt + ph + 4}" class="axis"/>')
                out.append(f'<text x="{x:.1f}" y="{mt + ph + 17}" class="tk" text-anchor="middle">{escape(lab)}</text>')
        out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" class="frame"/>')
        out.append(f'<text x="{ml + pw / 2:.1f}" y="{H - 6}" class="al" '
                   f'text-anchor="middle">{escape(self.x_label)}</text>')
        out.append(f'<text transform="translate(13 {mt + ph / 2:.1f}) rotate(-90)" class="al" '
                   f'text-anchor="middle">{escape(self.y_label)}</text>')
        out.append(f'<g clip-path="url(#{clip})">')
        for ly in self.layers:
            out.extend(self._render_layer(ly, sx, sy, mt, ph))
        out.append("</g>")
        out.append(self._legend(rows, ml, pw))
        out.append("</svg>")
        return "\n".join(out)

    def _render_layer(self, ly: _Layer, sx: object, sy: object, mt: float, ph: float) -> list[str]:
        fx = sx  # callables; typed loosely to keep the signature short
        fy = sy
        assert callable(fx) and callable(fy)
        col = escape(ly.colour)
        parts: list[str] = []
        if ly.kind == "band":
            a, b = fx(ly.x[0]), fx(ly.x[1])
            tip = f"<title>{escape(ly.label)}</title>" if ly.label else ""
            parts.append(f'<rect x="{a:.1f}" y="{mt}" width="{max(b - a, 0.8):.1f}" height="{ph}" fill="{col}" '
                         f'fill-opacity="{ly.extra["opacity"]}">{tip}</rect>')
        elif ly.kind == "line":
            segs: list[list[str]] = [[]]
            for xv, yv in zip(ly.x, ly.y, strict=True):
                if math.isfinite(xv) and math.isfinite(yv):
                    segs[-1].append(f"{fx(xv):.1f},{fy(yv):.1f}")
                elif segs[-1]:
                    segs.append([])
            dash = f' stroke-dasharray="{ly.extra["dash"]}"' if ly.extra.get("dash") else ""
            for s in segs:
                if len(s) >= 2:
                    parts.append(f'<polyline points="{" ".join(s)}" fill="none" stroke="{col}" '
                                 f'stroke-width="{ly.extra["width"]}" stroke-linejoin="round"{dash}/>')
        elif ly.kind == "points":
            cols: list[str] = ly.extra["colours"]  # type: ignore[assignment]
            titles: list[str] = ly.extra["titles"]  # type: ignore[assignment]
            hollow: list[bool] = ly.extra["hollow"]  # type: ignore[assignment]
            for i, (xv, yv) in enumerate(zip(ly.x, ly.y, strict=True)):
                if not (math.isfinite(xv) and math.isfinite(yv)):
                    continue
                c = escape(cols[i] if i < len(cols) else ly.colour)
                fill = "#fff" if i < len(hollow) and hollow[i] else c
                tip = f"<title>{escape(titles[i])}</title>" if i < len(titles) else ""
                parts.append(f'<circle cx="{fx(xv):.1f}" cy="{fy(yv):.1f}" r="{ly.extra["r"]}" fill="{fill}" '
                             f'stroke="{c}" stroke-width="1.5">{tip}</circle>')
        elif ly.kind == "bars":
            cols = ly.extra["colours"]  # type: ignore[assignment]
            titles = ly.extra["titles"]  # type: ignore[assignment]
            bw = float(ly.extra["bw"])  # type: ignore[arg-type]
            for i, (xv, yv) in enumerate(zip(ly.x, ly.y, strict=True)):
                if not (math.isfinite(xv) and math.isfinite(yv)):
                    continue
                a, b = fx(xv - bw / 2), fx(xv + bw / 2)
                top, base = fy(max(yv, 0.0)), fy(min(yv, 0.0))
                c = escape(cols[i] if i < len(cols) else ly.colour)
                tip = f"<title>{escape(titles[i])}</title>" if i < len(titles) else ""
                parts.append(f'<rect x="{a:.1f}" y="{top:.1f}" width="{max(b - a, 1):.1f}" '
                             f'height="{max(base - top, 0.5):.1f}" fill="{c}">{tip}</rect>')
        elif ly.kind == "hline":
            y = fy(ly.y[0])
            parts.append(f'<line x1="0" x2="{self.width}" y1="{y:.1f}" y2="{y:.1f}" stroke="{col}" '
                         f'stroke-width="1.5" stroke-dasharray="{ly.extra["dash"]}"/>')
        elif ly.kind == "vline":
            x = fx(ly.x[0])
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mt}" y2="{mt + ph}" stroke="{col}" '
                         f'stroke-width="1.2" stroke-dasharray="{ly.extra["dash"]}"/>')
        return parts

    def _legend_rows(self, pw: float) -> list[list[tuple[str, str, float]]]:
        """The legend's (label, colour, width px) entries in rows, each right-aligned over the plot: the first row
        beside the title, the others below it. Widths are estimated from the label lengths (11 px text)."""
        seen: dict[str, str] = {}
        for ly in self.layers:
            if ly.label and ly.label not in seen:
                seen[ly.label] = ly.colour
        rows: list[list[tuple[str, str, float]]] = [[]]
        room, used = pw - TITLE_CHAR_PX * len(self.title) - 12.0, 0.0
        for label, colour in seen.items():
            w = LEGEND_CHAR_PX * len(label) + 18.0
            if used + w > room and (rows[-1] or len(rows) == 1):  # an empty first row: nothing beside the title
                rows.append([])
                room, used = pw, 0.0
            rows[-1].append((label, colour, w))
            used += w
        return rows

    def _legend(self, rows: list[list[tuple[str, str, float]]], ml: float, pw: float) -> str:
        parts = []
        for k, row in enumerate(rows):
            x = ml + pw - sum(w for _, _, w in row)
            y = 10 + LEGEND_ROW_PX * k
            for label, colour, w in row:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="10" height="10" fill="{escape(colour)}"/>'
                             f'<text x="{x + 14:.1f}" y="{y + 9}" class="lg">{escape(label)}</text>')
                x += w
        return "".join(parts)


def linear_trend(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """Least-squares slope and intercept of ``y`` on ``x`` (None with fewer than 3 finite points)."""
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0:
        return None
    slope, intercept = np.polyfit(x[ok], y[ok], 1)
    return float(slope), float(intercept)
