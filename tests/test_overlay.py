"""Overlay state from a report, and drawing on frames (tests/fixtures/reports.py ground truth)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fixtures.reports import contacts_report, hold_report, reps_report, synthetic_landmarks
from formcheck.overlay import HEEL_FLASH_S, OverlayState, draw_overlay, state_from_report


def test_hop_counted_at_touchdown_and_gct_shown_after_takeoff() -> None:
    rep = contacts_report()
    c = rep["contacts"]
    before = state_from_report(rep, c[0]["touchdown_s"] - 0.01)
    assert before.count == 0 and before.last_gct_ms is None
    on = state_from_report(rep, c[1]["touchdown_s"] + 0.05)
    assert (on.count, on.phase) == (2, "ground")
    assert on.phase_elapsed_s == pytest.approx(0.05)
    assert on.last_gct_ms is None or on.last_gct_ms == pytest.approx(170.0)  # hop 1's GCT, not hop 2's yet
    after = state_from_report(rep, c[1]["takeoff_s"] + 0.01)
    assert after.phase == "flight" and after.last_gct_ms == pytest.approx(173.0)
    assert after.last_flight_ms == pytest.approx(330.0)


def test_heel_touch_on_fourth_hop_flashes_then_fades() -> None:
    rep = contacts_report()
    c4 = rep["contacts"][3]
    assert state_from_report(rep, c4["touchdown_s"] - 0.1).heel_flash == 0.0
    assert state_from_report(rep, c4["touchdown_s"] + 0.05).heel_flash == 1.0
    mid = state_from_report(rep, c4["takeoff_s"] + HEEL_FLASH_S / 2)
    assert mid.heel_flash == pytest.approx(0.5, abs=0.01) and mid.last_heel_touch
    assert state_from_report(rep, c4["takeoff_s"] + HEEL_FLASH_S + 0.01).heel_flash == 0.0


def test_a_stretch_out_of_the_picture_shows_as_a_cue_while_it_lasts() -> None:
    rep = reps_report()
    rep["summary"]["out_of_view"] = [{"start_s": 2.0, "end_s": 3.5, "duration_s": 1.5, "parts": ["knees", "feet"]}]
    assert state_from_report(rep, 1.9).cue is None
    assert state_from_report(rep, 3.0).cue == "out of the picture: knees, feet"
    assert state_from_report(rep, 3.5).cue is None
    hops = contacts_report()
    hops["summary"]["out_of_view"] = [{"start_s": 0.0, "end_s": 0.5, "duration_s": 0.5, "parts": []}]
    assert state_from_report(hops, 0.2).cue == "nobody in the picture"


def test_rep_phases_tempo_clock_and_per_side_counts() -> None:
    rep = reps_report()  # rep 1: left, 1.0 -> 5.0 eccentric, 5.0 -> 5.8 concentric
    s = state_from_report(rep, 3.0)
    assert (s.phase, s.side, s.count_left, s.count_right) == ("eccentric", "left", 0, 0)
    assert s.phase_elapsed_s == pytest.approx(2.0) and s.phase_target_s == 4.0 and s.target_count == 6
    assert state_from_report(rep, 5.4).phase == "concentric"
    s = state_from_report(rep, 8.9)  # just after the fast rep 2
    assert (s.count_left, s.count_right, s.cue) == (2, 0, "fast eccentric")
    s = state_from_report(rep, 40.0)
    assert (s.count, s.count_left, s.count_right, s.phase) == (6, 3, 3, None)


def test_hold_phase_counts_up_against_target() -> None:
    s = state_from_report(hold_report(), 12.0)
    assert (s.phase, s.side, s.phase_target_s) == ("hold", "left", 30.0)
    assert s.phase_elapsed_s == pytest.approx(10.0)


def test_draw_overlay_draws_skeleton_panel_and_heel_border() -> None:
    rep = contacts_report()
    lm = synthetic_landmarks(rep)
    i = int(np.searchsorted(lm.t, rep["contacts"][3]["touchdown_s"] + 0.05))
    frame = np.zeros((320, 180, 3), np.uint8)
    out = draw_overlay(frame, lm.xyz[i], state_from_report(rep, float(lm.t[i])), lm.visibility[i])
    assert out is frame
    # red (BGR 38, 38, 220) border for the heel touch
    assert frame[160, 179, 2] > 200 and frame[160, 179, 0] < 60
    # skeleton pixels near the knee (synthetic figure at x ~ 0.47 * width)
    knee = (lm.xyz[i, 25, :2] * [180, 320]).astype(int)
    patch = frame[knee[1] - 3:knee[1] + 4, knee[0] - 3:knee[0] + 4]
    assert patch.max() > 100


def test_nobody_detected_still_draws_the_panel() -> None:
    frame = np.zeros((240, 320, 3), np.uint8)
    nan = np.full((33, 3), np.nan)
    draw_overlay(frame, nan, OverlayState(title="Squat", count=3))
    draw_overlay(frame, None, OverlayState(title="Squat", count=3, phase="eccentric", phase_elapsed_s=1.0,
                                           phase_target_s=4.0))
    assert frame[:40, :120].max() > 200  # panel text
    assert frame[200:, 200:].max() == 0  # nothing else drawn


def test_draw_overlay_rejects_non_bgr_frames() -> None:
    with pytest.raises(ValueError, match="BGR"):
        draw_overlay(np.zeros((10, 10), np.uint8), None, OverlayState())


def _calf_raise_report() -> dict[str, Any]:
    """Calf raises as the engine writes them: each rep rises first (1.5 s), holds the top 0.5 s, then lowers
    (3.0 s); target lowering 3 s."""
    rep = reps_report()
    rep["exercise"] = "calf_raise"
    rep["params"]["targets"] = {"reps": 15, "eccentric_s": 3.0}
    rep["reps"] = [{"side": None, "start_s": s, "turn_start_s": s + 1.5, "bottom_s": s + 1.75, "turn_end_s": s + 2.0,
                    "end_s": s + 5.0, "first_phase": "concentric", "eccentric_s": 3.0, "concentric_s": 1.5,
                    "confidence": 0.9, "flags": []} for s in (1.0, 7.0)]
    return rep


def test_a_rep_that_rises_first_is_labelled_rising_then_lowering() -> None:
    """A calf raise rises first: the clock shows the rise (no lowering target) until the top, the pause there, then
    the lowering against its target, timed from when the heels left the top."""
    rep = _calf_raise_report()
    s = state_from_report(rep, 2.0)
    assert (s.phase, s.phase_target_s) == ("concentric", None) and s.phase_elapsed_s == pytest.approx(1.0)
    assert state_from_report(rep, 2.8).phase == "pause"
    s = state_from_report(rep, 4.0)
    assert (s.phase, s.phase_target_s) == ("eccentric", 3.0) and s.phase_elapsed_s == pytest.approx(1.0)
    assert state_from_report(rep, 6.5).phase is None and state_from_report(rep, 6.5).count == 1
