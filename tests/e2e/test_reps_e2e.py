"""End-to-end reps: the committed single-leg box squat sample through the real pose model and rep engine.

Sample ``samples/single_leg_box_squat_side_30fps``: 3 reps per leg (left first), 4 s target eccentric, rep 2
planted with a 1.6 s eccentric. Measured with the default pipeline, the hip region tracked on the video
(docs/validation.md): eccentric median |error| 0.079 s (0.001-0.179), concentric 0.024 s, bottom arrival 0.031 s;
with the landmarks alone (before the hip track) 0.11, 0.06 and 0.03 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import render_case, run_pipeline, sample_case


@pytest.mark.slow
def test_single_leg_box_squat_sample_counts_sides_tempo_and_fast_rep() -> None:
    case = sample_case("single_leg_box_squat_side_30fps")
    truth = case.truth["reps"]
    report = run_pipeline(case)
    reps = report["reps"]
    assert [r["side"] for r in reps] == [q["side"] for q in truth]
    assert report["summary"]["count_by_side"] == {"left": 3, "right": 3}
    ecc = np.array([r["eccentric_s"] - q["eccentric_s"] for r, q in zip(reps, truth, strict=True)])
    con = np.array([r["concentric_s"] - q["concentric_s"] for r, q in zip(reps, truth, strict=True)])
    # the renderer's bottom_s is the arrival at the bottom: compare with the turn's start (turn_start_s)
    bot = np.array([r["turn_start_s"] - q["bottom_s"] for r, q in zip(reps, truth, strict=True)])
    assert report["params"]["analysis"]["hip_source"] == "hip region tracked on the video, above the floor row"
    assert np.median(np.abs(ecc)) <= 0.1, ecc
    assert np.median(np.abs(con)) <= 0.1, con
    assert np.median(np.abs(bot)) <= 0.1, bot
    assert [("fast_eccentric" in r["flags"]) for r in reps] == [("fast_eccentric" in q["flags"]) for q in truth]
    assert any(c.startswith("Left leg rep 2: lowering took 1.") for c in report["feedback"]), report["feedback"]


@pytest.mark.slow
@pytest.mark.parametrize("exercise", ["tib_raise", "calf_raise"])
def test_tib_and_calf_raises_timed_from_the_shoe_registered_on_the_video(tmp_path: Path, exercise: str) -> None:
    """Rendered raises through the real pipeline (seed 12, 3 reps, rep 2 fast, 640x360, 30 fps, full model): the
    shoe pitch series is measured on the video and drives the reps.

    Measured, eccentric / concentric |error| per rep (s), shoe series against the landmarks alone:
    tib raise 0.007, 0.004, 0.034 / 0.014, 0.011, 0.002 against 0.07, 0.11, 0.44 / 0.15, 0.06, 0.14;
    calf raise 0.28, 0.11, 0.25 / 0.14, 0.13, 0.12 against 0.05, 0.07, 0.01 / 0.05, 0.11, 0.02. Those were drawn at
    the frame's own size, where the renderer moves the shoe's edges only in steps of about half a pixel and the first
    and last few tenths of a degree of a raise are not in the video (docs/validation.md, "The renderer's pixels: slow
    movements drawn in steps"). Drawn 8x larger and averaged down (the renderer's default since stop 27), shoe series:
    tib raise 0.082, 0.029, 0.062 / 0.015, 0.011, 0.006; calf raise 0.013, 0.008, 0.029 / 0.014, 0.008, 0.015
    (docs/validation.md, "The renderer at 8x").
    """
    case = render_case(tmp_path, exercise, fps=30, width=640, height=360, seed=12, reps=3, fast=(2,), supersample=8)
    report = run_pipeline(case)
    truth = case.truth["reps"]
    reps = report["reps"]
    assert report["params"]["analysis"]["foot_pitch_source"] == "right shoe registered on the video"
    assert len(reps) == len(truth) == 3
    ecc = np.array([r["eccentric_s"] - q["eccentric_s"] for r, q in zip(reps, truth, strict=True)])
    con = np.array([r["concentric_s"] - q["concentric_s"] for r, q in zip(reps, truth, strict=True)])
    assert np.median(np.abs(ecc)) <= 0.1 and np.median(np.abs(con)) <= 0.1, (ecc, con)


@pytest.mark.slow
def test_step_up_heels_on_the_box_judged_from_the_lead_shoe_on_the_video(tmp_path: Path) -> None:
    """A rendered step-up set through the real pipeline (seed 7, 2 reps per leg, left first, 640x360, 30 fps): the
    heel of rep 2 (left leg, the far foot) stays up on the box. MediaPipe's heel and toe read it at 11.7°, under the
    landmark threshold of 12°, and the heels that landed at 1.4-3.8°; the shoe registered on the video reads 17.1°
    and -0.6 to -0.5° (docs/validation.md, "Step-ups: the heel on the box judged from the shoe image")."""
    case = render_case(tmp_path, "stomping_lunge_step_up", fps=30, width=640, height=360, seed=7, reps=2,
                       no_heel=(2,))
    report = run_pipeline(case)
    reps = report["reps"]
    assert [r["side"] for r in reps] == [q["side"] for q in case.truth["reps"]]
    assert report["params"]["analysis"]["heel_on_box_source"].startswith("lead shoe registered on the video (4 of 4")
    assert [r["heel_on_box"] for r in reps] == [q["heel_lands"] for q in case.truth["reps"]] == [True, False, True,
                                                                                                 True]
    assert [r["heel_on_box_foot"] for r in reps] == ["left", "left", "right", "right"]
    assert reps[1]["foot_pitch_on_box_deg"] > 12.0 and all(abs(reps[i]["foot_pitch_on_box_deg"]) < 3.0
                                                            for i in (0, 2, 3))
    assert any("the heel did not land on the box" in c for c in report["feedback"])
