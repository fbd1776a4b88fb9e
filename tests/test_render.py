"""report.html / report.csv / terminal summary, from the fixture reports (tests/fixtures/reports.py)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from fixtures.reports import contacts_report, hold_report, reps_report, synthetic_landmarks
from formcheck import render
from formcheck.plots import Chart, nice_ticks

# anything that would make a browser fetch from the network
NETWORK = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//"""
                     r"""|@import|<link\b|<iframe\b""", re.IGNORECASE)


@pytest.fixture(scope="module")
def contacts_lm():
    return synthetic_landmarks(contacts_report())


def test_contacts_page_is_self_contained_with_plots(tmp_path: Path, contacts_lm) -> None:
    path = tmp_path / "report.html"
    render.write_html(contacts_report(), contacts_lm, path)
    html = path.read_text(encoding="utf-8")
    assert NETWORK.findall(html) == []
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", html)
    assert '<meta name="viewport"' in html
    assert html.count("<svg") == 2  # key signal + GCT per hop (two-foot contacts: no left/right chart)
    assert "Key signal over time" in html and "Ground contact time per hop" in html
    assert "trend +3.0 ms/hop" in html


def test_text_from_the_report_is_escaped(tmp_path: Path) -> None:
    html = render.render_html(contacts_report(), None)
    assert "pogo_&lt;side&gt;&amp;&#x27;test&#x27;.mp4" in html
    assert "<fatigue?>" not in html and "&lt;fatigue?&gt;" in html
    assert "<side>" not in html


def test_gct_headline_quotes_event_uncertainty() -> None:
    hl = {h.label: h for h in render.headlines(contacts_report())}
    g = hl["Ground contact (mean)"]
    # mean of 170..203 ms = 186.5; per-contact precision = hypot(1.5, 2.0) ms = 2.5 ms
    assert g.value.startswith("186 ± 2") or g.value.startswith("187 ± 2")
    assert "240 fps" in g.detail
    assert hl["Heel touches"].value == "2" and "4, 10" in hl["Heel touches"].detail


def test_gct_headline_falls_back_to_one_frame_at_240_fps() -> None:
    rep = contacts_report()
    for c in rep["contacts"]:
        del c["touchdown_unc_s"], c["takeoff_unc_s"]
    g = render.headlines(rep)[0]
    assert "± 4 ms" in g.value  # 1/240 s = 4.2 ms


def test_phase_headlines_quote_the_reps_fit_uncertainty_not_a_frame() -> None:
    rep = reps_report()
    for r, u in zip(rep["reps"], (0.12, 0.20, 0.16, 0.18, 0.16, 0.14), strict=True):
        r["eccentric_unc_s"], r["concentric_unc_s"] = u, 0.05
    hl = {h.label: h for h in render.headlines(rep)}
    assert hl["Eccentric (mean)"].value.endswith("± 0.16 s")  # the median over the reps, not 1/30 s
    assert hl["Concentric (mean)"].value.endswith("± 0.05 s") and "0.033 s at 30 fps" in hl["Concentric (mean)"].detail
    assert "4.0" in render._reps_table(rep) and "± 0.12" in render._reps_table(rep)
    assert "dead band" not in hl["Eccentric (mean)"].detail
    # reps without a fit uncertainty (crossing times, sub-movements): no ± at all, and it says why
    plain = {h.label: h for h in render.headlines(reps_report())}
    assert "±" not in plain["Eccentric (mean)"].value and "not estimated" in plain["Eccentric (mean)"].detail
    # phases timed from a shoe registered on the video: the ± also counts the video's dead band, and says so
    rep["params"].setdefault("analysis", {})["pitch_deadband_deg"] = 0.5
    assert "dead band" in {h.label: h for h in render.headlines(rep)}["Eccentric (mean)"].detail
    # a step-up's lowering ends when the pose model's ankle lands: the ± says what that reading costs, on that phase
    assert "ankle" not in {h.label: h for h in render.headlines(rep)}["Eccentric (mean)"].detail
    rep["reps"][0]["end_timing"] = "lead_foot_down"
    hl = {h.label: h for h in render.headlines(rep)}
    assert "ankle lands" in hl["Eccentric (mean)"].detail and "ankle" not in hl["Concentric (mean)"].detail


def test_eccentric_shorter_than_target_is_not_met() -> None:
    rows = {r[0]: r for r in render.prescription_rows(reps_report())}
    assert rows["Eccentric per rep"][2].startswith("5 of 6")
    assert rows["Eccentric per rep"][3] is False
    assert "uncertainty" not in rows["Eccentric per rep"][2]
    # the short rep is still short, but a rep whose shortfall is inside its own timing uncertainty is said to be
    rep = reps_report()
    short = min(rep["reps"], key=lambda r: r["eccentric_s"])
    gap = 4.0 - short["eccentric_s"]
    short["eccentric_unc_s"] = gap + 0.01
    rows = {r[0]: r for r in render.prescription_rows(rep)}
    assert rows["Eccentric per rep"][2] == "5 of 6 reps (within one frame; 1 more short by less than its timing " \
                                           "uncertainty)" and rows["Eccentric per rep"][3] is False
    short["eccentric_unc_s"] = gap - 0.01
    assert "uncertainty" not in {r[0]: r for r in render.prescription_rows(rep)}["Eccentric per rep"][2]
    assert rows["Reps (left)"][1:] == ("6", "3", False)
    k = render.key_numbers(reps_report())
    assert (k["reps_left"], k["reps_right"], k["reps_flagged"]) == (3, 3, 1)
    assert k["eccentric_mean_s"] == pytest.approx(22.0 / 6, abs=1e-3)
    unseen = reps_report()
    unseen["summary"]["out_of_view"] = [{"start_s": 2.0, "end_s": 3.5, "duration_s": 1.5, "parts": ["feet"]},
                                        {"start_s": 9.0, "end_s": 9.75, "duration_s": 0.75, "parts": []}]
    assert render.key_numbers(unseen)["out_of_view_s"] == 2.25
    assert (2.0, "Out of the picture (feet) for 1.5 s") in render.moments(unseen)
    assert (9.0, "Nobody in the picture for 0.8 s") in render.moments(unseen)
    unseen["summary"].pop("out_of_view")  # a report from before the key: blank, not "0 s out of view"
    assert "out_of_view_s" not in render.key_numbers(unseen)


def test_reps_page_has_eccentric_target_and_left_right_charts() -> None:
    rep = reps_report()
    html = render.render_html(rep, synthetic_landmarks(rep))
    assert html.count("<svg") == 3
    assert "target 4 s" in html and "Left vs right" in html
    assert 'class="flag"' in html  # the fast rep's row is highlighted



def test_the_signal_plot_shades_each_phase_where_it_ran_and_leaves_the_pause_out() -> None:
    """A calf raise rises first (1.5 s), holds the top (0.5 s), then lowers (3 s): the plot's "concentric" band comes
    first, then a gap, then the "eccentric" band, twice as wide; the reps table's turn column is the top."""
    rep = reps_report()
    rep["exercise"] = "calf_raise"
    rep["reps"] = [{"side": None, "start_s": s, "turn_start_s": s + 1.5, "bottom_s": s + 1.75, "turn_end_s": s + 2.0,
                    "end_s": s + 5.0, "first_phase": "concentric", "eccentric_s": 3.0, "concentric_s": 1.5,
                    "confidence": 0.9, "flags": []} for s in (1.0, 7.0)]
    html = render.render_html(rep, synthetic_landmarks(rep))
    bands = [(m.group(3), float(m.group(1)), float(m.group(2))) for m in re.finditer(
        r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"[^>]*><title>(eccentric|concentric)</title>', html)]
    assert [b[0] for b in bands] == ["concentric", "eccentric"] * 2, bands
    for (_, x_con, w_con), (_, x_ecc, w_ecc) in zip(bands[::2], bands[1::2], strict=True):
        pause = x_ecc - (x_con + w_con)
        assert pause > 0 and w_ecc == pytest.approx(2 * w_con, rel=0.05) and pause == pytest.approx(w_con / 3, rel=0.1)
    assert "<th>top (s)</th>" in html and "<th>bottom (s)</th>" not in html
    assert "<th>bottom (s)</th>" in render.render_html(reps_report(), None)  # a squat's turn is its bottom


def test_a_step_ups_reps_table_says_whether_each_heel_landed_on_the_box_and_how_it_was_judged() -> None:
    rep = reps_report()
    assert "heel on box" not in render.render_html(rep, None)  # other exercises: no such column
    rep["reps"][0].update(heel_on_box=False, foot_pitch_on_box_deg=15.54, foot_pitch_on_box_sigma_deg=1.01,
                          heel_method="shoe pitch")
    rep["reps"][1].update(heel_on_box=True, foot_pitch_on_box_deg=3.2)
    html = render.render_html(rep, None)
    assert "<th>heel on box (foot pitch)</th>" in html
    assert "<td>no (16 ± 1°, shoe pitch)</td>" in html and "<td>yes (3°, landmarks)</td>" in html
    assert html.count("<td>–</td>") >= len(rep["reps"]) - 2  # the reps without a reading


def test_a_step_ups_prescription_checks_the_whole_foot_on_the_box_and_moments_read_as_words() -> None:
    rep = reps_report()
    rep["exercise"] = "stomping_lunge_step_up"
    assert not any(what == "Whole foot on the box" for what, *_ in render.prescription_rows(rep))  # no readings
    for i, r in enumerate(rep["reps"]):
        r["heel_on_box"] = i != 1
    rep["reps"][1]["flags"] = ["heel_off_box"]
    rows = {what: (done, met) for what, _, done, met in render.prescription_rows(rep)}
    assert rows["Whole foot on the box"] == ("5 of 6 reps", False)
    assert (rep["reps"][1]["start_s"], "Rep 2 (left): heel off box") in render.moments(rep)
    for r in rep["reps"]:
        r["heel_on_box"] = True
    assert render.prescription_rows(rep)[-1] == ("Whole foot on the box", "every rep", "6 of 6 reps", True)

def test_csv_has_one_row_per_contact_rep_and_hold(tmp_path: Path) -> None:
    for rep, kind, n in ((contacts_report(), "contact", 12), (reps_report(), "rep", 6), (hold_report(), "hold", 2)):
        path = tmp_path / f"{kind}.csv"
        render.write_csv(rep, path)
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
        assert len(rows) == n and {r["record"] for r in rows} == {kind}
    rows = list(csv.DictReader(io.StringIO(render.render_csv(contacts_report()))))
    assert [r["n"] for r in rows if r["heel_touch"] == "true"] == ["4", "10"]
    assert rows[0]["flight_s"] == "" and float(rows[1]["gct_s"]) == pytest.approx(0.173)
    rows = list(csv.DictReader(io.StringIO(render.render_csv(reps_report()))))
    assert rows[1]["flags"] == "fast_eccentric"


def test_summary_text_names_heel_touch_hops_and_unmet_prescription() -> None:
    txt = render.summary_text(contacts_report())
    assert "hops: 4, 10" in txt and "[NO] Heel stays up" in txt
    txt = render.summary_text(hold_report())
    assert "[ok] Hold (left): 31.5 s" in txt and "[NO] Hold (right): 27.0 s" in txt


def test_heel_touches_the_analysis_did_not_judge_are_not_counted_as_touches() -> None:
    # no flat-foot reference: the analysis calls each heel against 0 deg at low confidence and its cue says "not
    # judged"; the key figures and the prescription check say the same instead of counting those calls
    rep = contacts_report()
    for c in rep["contacts"]:
        c["heel_judged"] = False
    assert render.key_numbers(rep)["heel_touches"] is None
    hl = {h.label: h for h in render.headlines(rep)}
    assert hl["Heel touches"].value == "not judged"
    row = [r for r in render.prescription_rows(rep) if r[0] == "Heel stays up"]
    assert row == [("Heel stays up", "no heel touch", "not judged", None)]
    rep["contacts"][3]["heel_judged"] = True  # one judged, a touch: counted
    assert render.key_numbers(rep)["heel_touch_hops"] == [4]


def test_key_signal_is_zero_on_the_ground_and_up_in_flight(contacts_lm) -> None:
    rep = contacts_report()
    label, series = render.key_signal(contacts_lm, rep)
    assert "leg lengths" in label
    toe, t = series["toe"], contacts_lm.t
    c = rep["contacts"][5]
    on = (t > c["touchdown_s"] + 0.02) & (t < c["takeoff_s"] - 0.02)
    mid = np.argmin(np.abs(t - (c["takeoff_s"] + 0.16)))
    assert np.abs(toe[on]).max() < 0.03
    assert toe[mid] > 0.15


def test_empty_report_renders_without_landmarks() -> None:
    rep = contacts_report()
    rep.update(contacts=[], feedback=[], summary={})
    html = render.render_html(rep, None)
    assert "No contacts, reps or holds were detected" in html
    assert "Nothing detected" in render.summary_text(rep)
    assert render.render_csv(rep).splitlines() == ["exercise,record,n,side,start_s,end_s"]


def test_nice_ticks_and_chart_escape_labels() -> None:
    assert nice_ticks(0.0, 1.0, 5) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    svg = Chart("a <b>", "x & y", "z").line([0, 1], [0, float("nan")], "#000").render()
    assert "a &lt;b&gt;" in svg and "x &amp; y" in svg and "<polyline" not in svg


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_page_renders_in_headless_chromium(tmp_path: Path, contacts_lm) -> None:
    html = tmp_path / "report.html"
    render.write_html(contacts_report(), contacts_lm, html)
    png = tmp_path / "shot.png"
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}", "--window-size=800,1600",
           html.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=90, check=False)
    img = cv2.imread(str(png))
    assert img is not None and img.shape[:2] == (1600, 800)
    # the plots' blue lines and the red heel-touch bands are on screen
    b, g, r = (img[..., i].astype(int) for i in range(3))
    assert ((b > 200) & (r < 80) & (g < 140)).sum() > 200  # #2563eb signal / GCT points
    assert ((r > 200) & (b < 80) & (g < 80)).sum() > 50  # #dc2626 heel-touch marks


def test_reps_without_a_known_side_are_not_shown_as_zero_per_side() -> None:
    """An offset squat analysed without --side has no working side: the headline and the prescription give the count,
    not "0 L · 0 R" and two unmet per-side rows."""
    rep = reps_report()
    rep["exercise"] = "offset_back_squat"
    for r in rep["reps"]:
        r["side"] = None
    rep["summary"].pop("reps_left", None), rep["summary"].pop("reps_right", None)
    h = {x.label: x for x in render.headlines(rep)}
    assert h["Reps"].value == str(len(rep["reps"])) and "--side" in h["Reps"].detail
    rows = {r[0]: r for r in render.prescription_rows(rep)}
    assert "Reps (left)" not in rows and rows["Reps (side not known)"][2] == str(len(rep["reps"]))
    # nor as zeros in the key numbers (the batch summary's columns): a calf raise has no side at all
    k = render.key_numbers(rep)
    assert (k["reps"], k["reps_left"], k["reps_right"]) == (len(rep["reps"]), None, None)


def test_the_holds_table_shows_the_heel_time_the_drop_and_the_back_knee() -> None:
    rep = hold_report()
    rep["holds"][0].update(heel_raised_s=18.02, heel_drop_s=18.02, back_knee_angle_deg=163.6)
    rep["holds"][1].update(heel_raised_s=27.0, heel_drop_s=None, back_knee_angle_deg=141.2)
    html = render.render_html(rep, None)
    for head in ("heel raised (s)", "heel dropped after (s)", "back knee (deg)"):
        assert f"<th>{head}</th>" in html
    assert "<td>18.0</td><td>18.0</td><td>164</td>" in html and "<td>27.0</td><td>–</td><td>141</td>" in html
    assert "heel raised" not in render.render_html(hold_report(), None)  # a hold without those measures


def test_the_reps_table_shows_each_exercises_own_measures() -> None:
    """The issue's measures per rep: depth and knee travel (squats), the bar's tilt (offset squat), toe lift and heel
    rise (tib and calf raises), the body line (calf raise); columns appear only where the reps carry them."""
    rep = reps_report()
    assert "bar tilt" not in render.render_html(rep, None) and "knee past toes" not in render.render_html(rep, None)
    for r in rep["reps"]:
        r.update(depth_hip_above_knee_L=-0.04, knee_over_toe_L=0.06, tilt_deg=None)
    rep["reps"][1].update(tilt_deg=-9.6, tilt_side="right")
    html = render.render_html(rep, None)
    for head in ("hip above knee (leg lengths)", "knee past toes (leg lengths)", "bar tilt"):
        assert f"<th>{head}</th>" in html
    assert "<td>-0.04</td><td>0.06</td><td>10° right</td>" in html and "<td>-0.04</td><td>0.06</td><td>–</td>" in html
    calf = reps_report()
    for r in calf["reps"]:
        r.update(heel_rise_deg=21.4, body_line_deg=3.2)
    html = render.render_html(calf, None)
    assert "<th>heel rise (deg)</th>" in html and "<td>21</td><td>3</td>" in html and "toe lift" not in html


def test_the_gct_trend_on_the_page_is_the_analysis_drift_the_cues_use() -> None:
    """The page's trend is the summary's Theil-Sen drift (what the cues quote), not a second, least-squares estimate:
    one long contact moves a least-squares slope, not the robust one."""
    rep = contacts_report()
    gct = [0.180 + 0.002 * i for i in range(len(rep["contacts"]))]
    gct[5] = 0.320  # one long contact mid-set
    for c, g in zip(rep["contacts"], gct, strict=True):
        c["gct_s"] = g
    rep["summary"]["gct_drift_s_per_10_hops"] = 0.020  # the analysis's robust slope: 2 ms per hop
    h = {x.label: x for x in render.headlines(rep)}
    assert (h["GCT trend"].value, h["GCT trend"].detail) == ("+2.0 ms / hop", "Theil-Sen slope")
    assert render.key_numbers(rep)["gct_trend_ms_per_hop"] == 2.0
    assert "trend +2.0 ms/hop" in render.render_html(rep, None)
    rep["summary"].pop("gct_drift_s_per_10_hops")  # a report without it: least squares, pulled by the long contact
    h = {x.label: x for x in render.headlines(rep)}
    assert h["GCT trend"].detail == "least-squares slope" and h["GCT trend"].value != "+2.0 ms / hop"


def test_a_live_sessions_page_says_what_was_live_and_that_its_numbers_use_every_frame() -> None:
    rep = reps_report()
    assert render.live_rows(rep) == [] and "Live session" not in render.render_html(rep, None)
    rep["params"]["live"] = {"frames_arrived": 900, "frames_processed": 880, "frames_dropped": 20,
                             "frames_recorded": 880, "pose_ms_median": 23.4,
                             "latency": {"rep": {"n": 6, "latency_median_ms": 30.0, "latency_p95_ms": 41.0,
                                                 "delay_median_ms": 480.0, "delay_p95_ms": 610.0}}}
    rows = dict(render.live_rows(rep))
    assert rows["Frames"] == "880 analysed of 900 that arrived (20 dropped to keep up)"
    assert rows["Live rep events"] == "6 given, 480 ms after it happened (median; 95 % within 610 ms)"
    page = render.render_html(rep, None)
    assert "<h2>Live session</h2>" in page and "re-analyses the whole recording" in page
    aborted = render.live_rows({"params": {"live": {"frames_recorded": 12, "aborted": True}}})
    assert aborted[0][0] == "Session" and dict(aborted)["Frames in this report"] == "12"
