"""SVG chart builder: tick placement, least-squares trend, and the structure and geometry of rendered charts."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from formcheck.plots import Chart, linear_trend, nice_ticks

NS = "{http://www.w3.org/2000/svg}"


# --- nice_ticks -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lo", "hi", "n", "expected"),
    [
        # span 1, about 5 ticks: raw step 0.2 is already round
        (0.0, 1.0, 5, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        # raw step 18.8 -> 20; the first multiple of 20 >= 3 is 20 and the last <= 97 is 80
        (3.0, 97.0, 5, [20.0, 40.0, 60.0, 80.0]),
        # raw step 1 on a negative range: every integer from -7 to -2
        (-7.0, -2.0, 5, [-7.0, -6.0, -5.0, -4.0, -3.0, -2.0]),
        # raw step 0.4 -> 0.5 across zero
        (-1.0, 1.0, 5, [-1.0, -0.5, 0.0, 0.5, 1.0]),
        # raw step 2.5 is one of the round steps
        (0.0, 10.0, 4, [0.0, 2.5, 5.0, 7.5, 10.0]),
        # raw step 200 on a large range
        (0.0, 1000.0, 5, [0.0, 200.0, 400.0, 600.0, 800.0, 1000.0]),
        # raw step 0.006 -> 0.01 (0.005 would be too fine)
        (0.0, 0.03, 5, [0.0, 0.01, 0.02, 0.03]),
        # 8 ticks on 0..10 -> raw step 1.25 -> 2
        (0.0, 10.0, 8, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    ],
)
def test_nice_ticks_on_known_ranges(lo: float, hi: float, n: int, expected: list[float]) -> None:
    assert nice_ticks(lo, hi, n) == pytest.approx(expected, abs=1e-12)


def _step_is_round(step: float) -> bool:
    mantissa = step / 10.0 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1.0, 2.0, 2.5, 5.0, 10.0))


@pytest.mark.parametrize(
    ("lo", "hi", "n"),
    [(0.0, 1.0, 5), (3.0, 97.0, 5), (-0.3, -0.1, 5), (-123.4, 56.7, 6), (0.17, 0.203, 5), (1000.0, 1000.5, 5),
     (12.3, 4567.8, 8), (-5e-4, 7e-4, 4), (0.4, 12.6, 8)],
)
def test_nice_ticks_are_round_evenly_spaced_and_span_the_range(lo: float, hi: float, n: int) -> None:
    ticks = nice_ticks(lo, hi, n)
    assert len(ticks) >= 2
    steps = np.diff(ticks)
    step = float(steps[0])
    assert steps == pytest.approx(np.full(len(steps), step), rel=1e-9)  # evenly spaced, increasing
    assert step > 0 and _step_is_round(step)
    for v in ticks:  # every tick is a multiple of the step (a round number)
        assert abs(v / step - round(v / step)) < 1e-6
    assert lo - 1e-9 * step <= ticks[0] and ticks[-1] <= hi + 1e-9 * step  # inside the range
    assert ticks[0] - lo < step and hi - ticks[-1] < step  # no room for another tick at either end
    assert n // 2 <= len(ticks) <= n + 1  # about n of them


def test_nice_ticks_on_a_zero_width_or_reversed_range_still_give_round_ticks_from_lo() -> None:
    for hi in (5.0, 4.0):  # hi == lo and hi < lo
        ticks = nice_ticks(5.0, hi, 5)
        assert len(ticks) >= 2
        assert ticks[0] == pytest.approx(5.0)  # 5 is itself round, so it is the first tick
        assert np.diff(ticks) == pytest.approx(np.full(len(ticks) - 1, ticks[1] - ticks[0]))
        assert _step_is_round(ticks[1] - ticks[0])


def test_nice_ticks_of_non_finite_limits_are_empty() -> None:
    assert nice_ticks(float("nan"), 1.0) == []
    assert nice_ticks(0.0, float("inf")) == []


def test_nice_ticks_on_a_very_narrow_range_are_still_distinct() -> None:
    ticks = nice_ticks(0.0, 1e-11, 5)  # step 2e-12: expected 0, 2e-12, ..., 1e-11
    assert ticks == pytest.approx([0.0, 2e-12, 4e-12, 6e-12, 8e-12, 1e-11], rel=1e-6, abs=1e-15)


# --- linear_trend -----------------------------------------------------------------------------------------------------
def test_linear_trend_recovers_an_exact_line() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    slope, intercept = linear_trend(x, 3.0 * x - 7.0) or (math.nan, math.nan)
    assert slope == pytest.approx(3.0) and intercept == pytest.approx(-7.0)
    down = linear_trend(x, 10.0 - 0.5 * x)
    assert down == pytest.approx((-0.5, 10.0))


def test_linear_trend_is_least_squares_not_a_two_point_fit() -> None:
    # residuals (+1, -2, +1) sum to zero and are orthogonal to x, so the least-squares line is exactly 2x + 1,
    # while the line through the end points would be 2x + 2
    x = np.array([0.0, 1.0, 2.0])
    y = 2.0 * x + 1.0 + np.array([1.0, -2.0, 1.0])
    assert linear_trend(x, y) == pytest.approx((2.0, 1.0))


def test_linear_trend_skips_non_finite_points() -> None:
    x = np.array([0.0, 1.0, np.nan, 3.0, 4.0, 5.0])
    y = np.array([1.0, np.nan, 100.0, 7.0, np.inf, 11.0])  # finite pairs: (0, 1), (3, 7), (5, 11) on y = 2x + 1
    assert linear_trend(x, y) == pytest.approx((2.0, 1.0))


def test_linear_trend_needs_three_finite_points() -> None:
    assert linear_trend(np.array([0.0, 1.0]), np.array([0.0, 1.0])) is None
    assert linear_trend(np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, np.nan, 2.0, np.nan])) is None
    assert linear_trend(np.array([]), np.array([])) is None
    assert linear_trend(np.array([0.0, 1.0, 2.0]), np.array([5.0, 5.0, 5.0])) == pytest.approx((0.0, 5.0))


def test_linear_trend_of_points_all_at_one_x_is_none() -> None:
    assert linear_trend(np.array([2.0, 2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0, 4.0])) is None


# --- Chart ------------------------------------------------------------------------------------------------------------
def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(chart.render())


def frame_box(root: ET.Element) -> tuple[float, float, float, float]:
    """The plot area (left, top, right, bottom) from the frame rectangle."""
    (rect,) = [r for r in root.iter(f"{NS}rect") if r.get("class") == "frame"]
    x, y, w, h = (float(rect.get(k, "nan")) for k in ("x", "y", "width", "height"))
    return x, y, x + w, y + h


def polyline_points(el: ET.Element) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in (p.split(",") for p in el.get("points", "").split())]


def texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text") if t.get("class") == cls]


def test_chart_renders_well_formed_svg_with_title_and_axis_labels() -> None:
    root = parse(Chart("GCT <per> hop", "hop # & n", "time (ms)", width=400, height=200))
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox") == "0 0 400 200"
    assert root.get("aria-label") == "GCT <per> hop"
    assert root.find(f"{NS}title") is not None and root.find(f"{NS}title").text == "GCT <per> hop"  # type: ignore[union-attr]
    assert texts(root, "ct") == ["GCT <per> hop"]
    assert texts(root, "al") == ["hop # & n", "time (ms)"]  # escaped in the SVG, restored by the parser


def test_builder_methods_return_the_chart_for_chaining() -> None:
    ch = Chart("t", "x", "y")
    assert ch.line([0, 1], [0, 1], "#000") is ch
    assert ch.points([0], [0], "#000") is ch
    assert ch.bars([0], [1], "#000") is ch
    assert ch.band(0, 1, "#000") is ch and ch.hline(0.5, "#000") is ch and ch.vline(0.5, "#000") is ch


def test_line_points_lie_in_the_plot_area_in_order() -> None:
    x = [0.0, 1.0, 2.0, 3.0, 4.0]
    y = [2.0, 5.0, 1.0, 4.0, 3.0]
    root = parse(Chart("t", "x", "y").line(x, y, "#2563eb", "series A"))
    (pl,) = list(root.iter(f"{NS}polyline"))
    assert pl.get("stroke") == "#2563eb"
    pts = polyline_points(pl)
    assert len(pts) == 5
    left, top, right, bottom = frame_box(root)
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    assert xs == sorted(xs) and len(set(xs)) == 5  # left to right in data order
    assert xs[0] == pytest.approx(left, abs=0.06) and xs[-1] == pytest.approx(right, abs=0.06)  # x spans the data
    assert all(top < v < bottom for v in ys)  # y is padded: no point on the frame
    # SVG y grows downwards: the highest value is the top-most point, the lowest the bottom-most
    assert np.argsort(ys).tolist() == np.argsort([-v for v in y]).tolist()
    # equal data steps are equal pixel steps
    assert np.diff(xs) == pytest.approx(np.full(4, (right - left) / 4), abs=0.11)


def test_explicit_ranges_map_data_corners_to_the_frame_corners() -> None:
    ch = Chart("t", "x", "y").points([0.0, 10.0, 5.0, 2.5], [0.0, 100.0, 50.0, 25.0], "#000")
    ch.x_range = (0.0, 10.0)
    ch.y_range = (0.0, 100.0)
    root = parse(ch)
    left, top, right, bottom = frame_box(root)
    centres = [(float(c.get("cx", "nan")), float(c.get("cy", "nan"))) for c in root.iter(f"{NS}circle")]
    expected = [(left, bottom), (right, top), ((left + right) / 2, (top + bottom) / 2),
                (left + (right - left) / 4, bottom - (bottom - top) / 4)]
    assert len(centres) == 4
    for got, want in zip(centres, expected, strict=True):
        assert got == pytest.approx(want, abs=0.06)


def test_nan_breaks_a_line_into_separate_polylines() -> None:
    root = parse(Chart("t", "x", "y").line([0, 1, 2, 3, 4, 5], [0, 1, float("nan"), 3, 4, 5], "#000"))
    segs = [polyline_points(p) for p in root.iter(f"{NS}polyline")]
    assert [len(s) for s in segs] == [2, 3]
    assert segs[0][-1][0] < segs[1][0][0]


def test_points_carry_colours_tooltips_and_hollow_markers_and_skip_nan() -> None:
    ch = Chart("t", "x", "y").points([1.0, 2.0, 3.0, 4.0], [1.0, float("nan"), 3.0, 2.0],
                                     ["#111111", "#222222", "#333333", "#444444"],
                                     titles=["a <1>", "b", "c", "d"], hollow=[False, False, True, False])
    circles = list(parse(ch).iter(f"{NS}circle"))
    assert len(circles) == 3  # the NaN point is dropped
    assert [c.get("stroke") for c in circles] == ["#111111", "#333333", "#444444"]
    assert [c.get("fill") for c in circles] == ["#111111", "#fff", "#444444"]
    assert [c.find(f"{NS}title").text for c in circles] == ["a <1>", "c", "d"]  # type: ignore[union-attr]


def test_bars_rise_from_zero_with_heights_proportional_to_values() -> None:
    ch = Chart("t", "x", "y").bars([1.0, 2.0, 3.0], [1.0, 3.0, -2.0], "#16a34a", bar_width=0.5)
    ch.x_range = (0.0, 4.0)
    ch.y_range = (-4.0, 4.0)
    root = parse(ch)
    left, top, right, bottom = frame_box(root)
    zero = (top + bottom) / 2
    unit = (bottom - top) / 8  # pixels per data unit
    bars = [r for r in root.iter(f"{NS}rect") if r.get("fill") == "#16a34a"]
    assert len(bars) == 3
    geo = [tuple(float(b.get(k, "nan")) for k in ("x", "y", "width", "height")) for b in bars]
    (_, y1, _, h1), (_, y2, _, h2), (_, y3, _, h3) = geo
    assert y1 + h1 == pytest.approx(zero, abs=0.15) and h1 == pytest.approx(1 * unit, abs=0.15)
    assert y2 + h2 == pytest.approx(zero, abs=0.15) and h2 == pytest.approx(3 * unit, abs=0.15)
    assert y3 == pytest.approx(zero, abs=0.15) and h3 == pytest.approx(2 * unit, abs=0.15)  # below zero
    px_per_x = (right - left) / 4
    for xc, (bx, _, bw, _) in zip((1.0, 2.0, 3.0), geo, strict=True):
        assert bw == pytest.approx(0.5 * px_per_x, abs=0.15)
        assert bx + bw / 2 == pytest.approx(left + xc * px_per_x, abs=0.15)  # centred on x


def test_reference_lines_and_bands_are_placed_at_their_data_values() -> None:
    ch = Chart("t", "x", "y").hline(75.0, "#dc2626", "target").vline(2.0, "#6b7280").band(4.0, 6.0, "#93c5fd",
                                                                                        "contact", opacity=0.3)
    ch.x_range = (0.0, 8.0)
    ch.y_range = (50.0, 100.0)
    root = parse(ch)
    left, top, right, bottom = frame_box(root)
    (h,) = [ln for ln in root.iter(f"{NS}line") if ln.get("stroke") == "#dc2626"]
    assert float(h.get("y1", "nan")) == float(h.get("y2", "nan")) == pytest.approx((top + bottom) / 2, abs=0.06)
    (v,) = [ln for ln in root.iter(f"{NS}line") if ln.get("stroke") == "#6b7280"]
    assert float(v.get("x1", "nan")) == float(v.get("x2", "nan")) == pytest.approx(left + (right - left) / 4, abs=0.06)
    assert (float(v.get("y1", "nan")), float(v.get("y2", "nan"))) == pytest.approx((top, bottom))
    (b,) = [r for r in root.iter(f"{NS}rect") if r.get("fill") == "#93c5fd" and r.get("fill-opacity")]
    assert float(b.get("x", "nan")) == pytest.approx(left + (right - left) / 2, abs=0.06)
    assert float(b.get("width", "nan")) == pytest.approx((right - left) / 4, abs=0.11)
    assert float(b.get("fill-opacity", "nan")) == 0.3
    assert b.find(f"{NS}title").text == "contact"  # type: ignore[union-attr]


def test_legend_lists_each_label_once_left_to_right_in_order_of_first_use() -> None:
    ch = (Chart("t", "x", "y").line([0, 1], [0, 1], "#2563eb", "left knee").line([0, 1], [1, 0], "#ea580c", "right")
          .points([0.5], [0.5], "#2563eb", "left knee").line([0, 1], [0.5, 0.5], "#000"))
    root = parse(ch)
    legend = sorted((float(t.get("x", "nan")), t.text) for t in root.iter(f"{NS}text") if t.get("class") == "lg")
    assert [label for _, label in legend] == ["left knee", "right"]  # the unlabelled line has no entry
    swatches = sorted((float(r.get("x", "nan")), r.get("fill")) for r in root.iter(f"{NS}rect") if r.get("y") == "10")
    assert [fill for _, fill in swatches] == ["#2563eb", "#ea580c"]


def test_a_legend_too_wide_for_the_title_row_wraps_below_it_and_the_plot_moves_down() -> None:
    """Five entries beside "Key signal over time" on a 720 px chart overlapped the title (the jumping-jack page):
    entries that do not fit beside the title go on rows below it, in order, inside the plot's width, and the plot
    area starts below the last row."""
    labels = ["concentric", "eccentric", "out of the picture", "left shoulder", "right shoulder"]
    ch = Chart("Key signal over time", "time (s)", "deg", width=720, height=260)
    for i, lab in enumerate(labels):
        ch.band(i, i + 0.5, f"#00000{i}", lab)
    root = parse(ch)
    entries = [(float(t.get("y", "nan")), float(t.get("x", "nan")), t.text) for t in root.iter(f"{NS}text")
               if t.get("class") == "lg"]
    rows = sorted({y for y, _, _ in entries})
    assert len(rows) == 2 and [lab for _, _, lab in sorted(entries)] == labels
    left, top, right, _ = frame_box(root)
    title_end = left + 8.0 * len("Key signal over time")
    beside = [x for y, x, _ in entries if y == rows[0]]
    assert min(beside) - 14 > title_end  # the swatch starts after the title
    assert all(left <= x - 14 and x < right for _, x, _ in entries)
    assert top == 30 + 16 and top > rows[-1]
    # a short legend stays beside the title with the plot at its usual top
    short = parse(Chart("Key signal over time", "t", "y", width=720).band(0, 1, "#000", "hold"))
    assert frame_box(short)[1] == 30


def test_tick_labels_follow_the_ranges() -> None:
    ch = Chart("t", "x", "y").line([0.0, 10.0], [0.0, 1.0], "#000")
    ch.x_range = (0.0, 10.0)
    ch.y_range = (0.0, 1.0)
    root = parse(ch)
    tk = [t for t in root.iter(f"{NS}text") if t.get("class") == "tk"]
    y_lab = [(t.text, float(t.get("y", "nan"))) for t in tk if t.get("text-anchor") == "end"]
    x_lab = [(t.text, float(t.get("x", "nan"))) for t in tk if t.get("text-anchor") == "middle"]
    assert [s for s, _ in y_lab] == ["0", "0.2", "0.4", "0.6", "0.8", "1"]
    assert [p for _, p in y_lab] == sorted((p for _, p in y_lab), reverse=True)  # larger values higher up
    assert [s for s, _ in x_lab] == ["0", "2", "4", "6", "8", "10"]
    assert [p for _, p in x_lab] == sorted(p for _, p in x_lab)


def test_custom_x_tick_labels_replace_numbers_and_outside_ones_are_dropped() -> None:
    ch = Chart("t", "", "mean (s)", x_tick_labels={1.0: "eccentric <L>", 2.0: "concentric", 9.0: "outside"})
    ch.bars([1.0, 2.0], [2.0, 1.0], "#000")
    ch.x_range = (0.5, 2.5)
    root = parse(ch)
    x_lab = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "tk" and t.get("text-anchor") == "middle"]
    assert x_lab == ["eccentric <L>", "concentric"]


def test_layers_are_clipped_to_a_clip_path_defined_in_the_same_svg() -> None:
    root = parse(Chart("t", "x", "y").line([0, 1], [0, 1], "#000"))
    ids = {c.get("id") for c in root.iter(f"{NS}clipPath")}
    groups = [g for g in root.iter(f"{NS}g") if g.get("clip-path")]
    assert len(groups) == 1
    ref = groups[0].get("clip-path", "")
    assert ref.startswith("url(#") and ref[5:-1] in ids
    assert groups[0].find(f"{NS}polyline") is not None


def test_an_empty_chart_is_valid_svg_with_no_data_marks() -> None:
    root = parse(Chart("empty", "x", "y"))
    assert root.tag == f"{NS}svg"
    for tag in ("polyline", "circle"):
        assert list(root.iter(f"{NS}{tag}")) == []
    assert texts(root, "lg") == []
