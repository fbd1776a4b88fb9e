"""Rep engine on synthetic landmark series with exact truth (tests/fixtures/reps.py); no model, no video."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from fixtures.reps import Plan, make_clip
from formcheck import features as ft
from formcheck import reps as reps_mod
from formcheck import skeleton as sk
from formcheck.analysis import analyze, make_online
from formcheck.exercises import get_exercise
from formcheck.reps import RawRep, _rep_record, ease, fit_phase
from formcheck.types import FootPitchSeries, HipTrack, Landmarks, Rep, ShoePitch


def _match(reps, truth):  # type: ignore[no-untyped-def]
    assert len(reps) == len(truth), (len(reps), len(truth))
    ecc = np.array([r.eccentric_s - q["eccentric_s"] for r, q in zip(reps, truth, strict=False)])
    con = np.array([r.concentric_s - q["concentric_s"] for r, q in zip(reps, truth, strict=False)])
    return ecc, con


def test_fit_phase_recovers_a_linear_ramp_below_the_frame_period() -> None:
    t = np.arange(0, 6, 1 / 30)
    x = 0.4 * np.clip((t - 1.013) / 3.2, 0, 1)
    f = fit_phase(t, x, 1.3, 2.5)
    assert f is not None
    assert abs(f.t0_s - 1.013) < 0.005 and abs(f.dur_s - 3.2) < 0.005 and f.alpha < 0.05
    assert ease(np.array([0.0, 0.5, 1.0]), 2.0).tolist() == [0.0, 0.5, 1.0]


def test_phase_duration_uncertainty_covers_the_error_and_grows_with_noise_and_a_flat_onset() -> None:
    # one 3.2 s smoothstep lowering (0.4 L) between rests, 30 fps, white noise of 0.002 and 0.008 L, 40 seeds each
    t = np.arange(0, 6, 1 / 30)
    clean = 0.4 * ease((t - 1.0) / 3.2, 1.0)
    for noise in (0.002, 0.008):
        z, sig = [], []
        for seed in range(40):
            x = clean + np.random.default_rng(seed).normal(0, noise, t.size)
            f = fit_phase(t, x, 1.2, 2.8)
            assert f is not None
            u = reps_mod.phase_duration_sigma_s(t, x, f.t0_s, f.dur_s, f.alpha)
            z.append(abs(f.dur_s - 3.2) / u)
            sig.append(u)
        # measured (the shape fitted per phase here, not pooled over a set): 0.002 L 62 % within one sigma, 80 %
        # within two (median sigma 0.053 s, median |error| 0.024 s); 0.008 L 65 % and 82 % (0.174 s, 0.126 s)
        assert np.mean(np.array(z) <= 1) >= 0.5 and np.mean(np.array(z) <= 2) >= 0.75, (noise, z)
        if noise == 0.002:
            low = float(np.median(sig))
    assert float(np.median(sig)) > low
    # a linear ramp has no flat onset to trade against its shape: a smaller uncertainty at the same noise (0.010 s)
    ramp = 0.4 * np.clip((t - 1.0) / 3.2, 0, 1) + np.random.default_rng(0).normal(0, 0.002, t.size)
    f = fit_phase(t, ramp, 1.2, 2.8)
    assert f is not None
    assert reps_mod.phase_duration_sigma_s(t, ramp, f.t0_s, f.dur_s, f.alpha) < low


def test_the_start_and_end_of_a_fitted_phase_state_uncertainties_that_cover_their_errors() -> None:
    # the 3.2 s smoothstep of the test above, noise 0.004 L, 40 seeds: the start and end sigmas cover their own errors
    # (measured 58 % / 82 % and 60 % / 88 % within one / two sigma, median sigma 0.051 s; the duration's sigma, 0.10 s,
    # would hold 82-88 % within one: too wide for either end, hence the upper bound)
    t = np.arange(0, 6, 1 / 30)
    clean = 0.4 * ease((t - 1.0) / 3.2, 1.0)
    z: dict[str, list[float]] = {"start": [], "end": []}
    for seed in range(40):
        x = clean + np.random.default_rng(seed).normal(0, 0.004, t.size)
        f = fit_phase(t, x, 1.2, 2.8)
        assert f is not None
        for of, true_s, fit_s in (("start", 1.0, f.t0_s), ("end", 4.2, f.t1_s)):
            u = reps_mod.phase_time_sigma_s(t, x, f.t0_s, f.dur_s, f.alpha, of=of)  # type: ignore[arg-type]
            z[of].append(abs(fit_s - true_s) / u)
    for of, zs in z.items():
        assert 0.5 <= np.mean(np.array(zs) <= 1) <= 0.75 and np.mean(np.array(zs) <= 2) >= 0.75, (of, zs)


def test_a_measurement_dead_band_widens_the_uncertainty_to_cover_what_it_hides() -> None:
    # a 2 s, 20° smoothstep or minimum-jerk rise whose samples within 0.5° of either level read as that level (what a
    # compressed video does to a shoe that barely moves), 0.05° noise, 30 and 60 fps: the plain fit is 0.24-0.29 s
    # short with a stated sigma of 0.01-0.03 s; counting the dead band, sigma is 0.14-0.31 s and covers every error
    # within two. On the unsnapped series the sigma stays below 0.12 s.
    for fps in (30.0, 60.0):
        t = np.arange(0, 5, 1 / fps)
        for alpha in (1.0, 2.0):
            for seed in range(3):
                rng = np.random.default_rng(seed)
                t0 = 1.0 + rng.uniform(0, 1 / fps)
                x = 20 * ease((t - t0) / 2.0, alpha)
                held = np.where(x < 0.5, 0.0, np.where(x > 19.5, 20.0, x)) + rng.normal(0, 0.05, t.size)
                f = fit_phase(t, held, 1.1, 1.8)
                assert f is not None
                err = abs(f.dur_s - 2.0)
                plain = reps_mod.phase_duration_sigma_s(t, held, f.t0_s, f.dur_s, f.alpha)
                banded = reps_mod.phase_duration_sigma_s(t, held, f.t0_s, f.dur_s, f.alpha, deadband=0.5)
                assert err > 0.2 and err > 5 * plain, (fps, alpha, seed, err, plain)
                assert err <= 2 * banded, (fps, alpha, seed, err, banded)
                clean = x + rng.normal(0, 0.05, t.size)
                g = fit_phase(t, clean, 1.1, 1.8)
                assert g is not None
                u = reps_mod.phase_duration_sigma_s(t, clean, g.t0_s, g.dur_s, g.alpha, deadband=0.5)
                assert u < 0.15, (fps, alpha, seed, u)


def test_reps_carry_their_phase_uncertainty() -> None:
    plans = [Plan(ecc_s=3.0, pause_s=0.5, con_s=1.5) for _ in range(4)]
    clip = make_clip("squat", plans, fps=30.0, seed=3)
    a = analyze(clip.lm, "squat")
    ecc, _ = _match(a.reps, clip.truth["reps"])
    u = np.array([r.extra["eccentric_unc_s"] for r in a.reps])
    assert np.all(u > 0) and np.all(u < 0.5) and all(r.extra["concentric_unc_s"] > 0 for r in a.reps)
    assert np.mean(np.abs(ecc) <= 2 * u) >= 0.75, (ecc, u)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_eccentric_shorter_than_target_on_third_rep(fps: float) -> None:
    plans = [Plan(ecc_s=4.0 + 0.1 * i, pause_s=0.5, con_s=1.5) for i in range(5)]
    plans[2].ecc_s = 1.6
    clip = make_clip("squat", plans, fps=fps, seed=3)
    tg = get_exercise("single_leg_box_squat").targets  # 4 s eccentric
    a = analyze(clip.lm, "squat", tg)
    ecc, con = _match(a.reps, clip.truth["reps"])
    assert np.median(np.abs(ecc)) < 0.1 and np.median(np.abs(con)) < 0.1
    assert [("fast_eccentric" in r.flags) for r in a.reps] == [False, False, True, False, False]
    assert any(c.startswith("Rep 3: lowering took 1.6 s of the 4 s target") for c in a.feedback)
    for r, q in zip(a.reps, clip.truth["reps"], strict=False):
        assert abs(r.start_s - q["start_s"]) < 0.15 and abs(r.end_s - q["end_s"]) < 0.15


def test_minimum_jerk_profile_timed_within_an_eighth() -> None:
    # Measured: eccentric 0.11 s short (median |error|) with 1 px jitter; the onset of a minimum-jerk
    # movement is flatter than the noise, so this profile misses the 0.1 s target (docs/validation.md).
    plans = [Plan(ecc_s=3.0, pause_s=0.3, con_s=1.2) for _ in range(4)]
    clip = make_clip("squat", plans, fps=60.0, seed=5, profile="minjerk")
    ecc, con = _match(analyze(clip.lm, "squat").reps, clip.truth["reps"])
    assert np.median(np.abs(ecc)) < 0.15 and np.median(np.abs(con)) < 0.1


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_two_stage_lowering_timed_from_its_first_sub_movement(fps: float) -> None:
    # every phase: a fifth of the range, a stop, then the rest (like the renderer's lunge). One smooth step fits
    # none of it: the fits were rejected and the crossing times 0.6 s (eccentric) / 0.36 s (concentric) short on
    # every rep; as sequential sub-movements pooled over the set: median |error| 0.02-0.07 s, worst rep 0.2 s
    clip = make_clip("squat", [Plan(2.0, 0.3, 1.2) for _ in range(4)], fps=fps, seed=22, profile="two_stage")
    a = analyze(clip.lm, "squat")
    ecc, con = _match(a.reps, clip.truth["reps"])
    assert np.median(np.abs(ecc)) < 0.1 and np.median(np.abs(con)) < 0.1, (ecc, con)
    assert a.params["submovements_per_phase"] == [2, 2]


def test_single_movement_phases_stay_one_step() -> None:
    plans = [Plan(ecc_s=3.0, pause_s=0.3, con_s=1.2) for _ in range(4)]
    clip = make_clip("squat", plans, fps=30.0, seed=5, profile="minjerk")
    assert analyze(clip.lm, "squat").params["submovements_per_phase"] == [1, 1]


def test_weight_shifts_and_half_rep_are_not_counted() -> None:
    plans = [Plan(ecc_s=2.0, con_s=1.0) for _ in range(5)]
    plans[3] = Plan(ecc_s=1.0, con_s=0.6, depth=0.35, counted=False)
    clip = make_clip("squat", plans, seed=4, shifts=(0.2, 40.0), tail_s=3.0)
    a = analyze(clip.lm, "squat")
    assert len(a.reps) == 4
    assert a.summary["partial_reps"] == 1
    assert any("partial rep" in c for c in a.feedback)


def test_walking_in_and_out_of_frame_is_not_a_rep() -> None:
    clip = make_clip("squat", [Plan(ecc_s=2.0, con_s=1.0) for _ in range(3)], seed=6, walk_in_s=3.0)
    assert len(analyze(clip.lm, "squat").reps) == 3


def test_single_leg_box_squat_per_leg_counts_sets_and_asymmetry() -> None:
    plans = [Plan(4.0, 0.6, 1.2, side="right") for _ in range(3)]
    plans += [Plan(3.0, 0.6, 1.2, side="left", rest_before_s=20.0)] + [Plan(3.0, 0.6, 1.2, side="left")
                                                                          for _ in range(1)]
    clip = make_clip("single_leg_box_squat", plans, seed=7)
    a = analyze(clip.lm, "single_leg_box_squat")
    assert [r.side for r in a.reps] == ["right"] * 3 + ["left"] * 2
    assert a.summary["count_by_side"] == {"left": 2, "right": 3}
    sets = a.summary["sets"]
    assert [(s["side"], s["reps"]) for s in sets] == [("right", 3), ("left", 2)]
    assert abs(sets[1]["rest_before_s"] - 20.0) < 0.2
    assert "Left leg: 2 reps, right leg: 3 (target 6 per leg)." in a.feedback
    assert any(c.startswith("Right leg eccentric 4.0 s vs left 3.0 s") for c in a.feedback)
    assert all(r.extra["depth_hip_above_knee_L"] > 0 for r in a.reps)


def test_working_leg_judged_over_the_rep_when_the_model_mixes_the_legs_up_at_the_bottom() -> None:
    # the model's failure on a rendered box squat (seed 2): around the bottom of a deep single-leg squat it puts
    # the two lower legs' labels the wrong way round; the rest of the rep shows the free foot clearly off the floor
    plans = [Plan(4.0, 0.6, 1.2, side=s) for s in ("left", "left", "right", "right")]
    clip = make_clip("single_leg_box_squat", plans, seed=21)
    lm = clip.lm
    xyz = lm.xyz.copy()
    lower = np.array([[25, 26], [27, 28], [29, 30], [31, 32]])  # knees, ankles, heels, foot indices
    for q in clip.truth["reps"]:
        near = np.abs(lm.t - q["bottom_s"]) <= 0.25
        for a_, b_ in lower:
            xyz[near, a_], xyz[near, b_] = lm.xyz[near, b_], lm.xyz[near, a_]
    mixed = replace(lm, xyz=xyz)
    assert [r.side for r in analyze(lm, "single_leg_box_squat").reps] == ["left", "left", "right", "right"]
    assert [r.side for r in analyze(mixed, "single_leg_box_squat").reps] == ["left", "left", "right", "right"]


def test_offset_squat_bar_tilt_on_third_rep_from_the_front() -> None:
    clip = make_clip("offset_back_squat", [Plan(3.0, 0.3, 1.5, tilt_deg=t) for t in (0, 0, -9, 0)], yaw_deg=0.0,
                     seed=8)
    a = analyze(clip.lm, "offset_back_squat")
    assert [("bar_tilt" in r.flags) for r in a.reps] == [False, False, True, False]
    assert any(c.startswith("Bar tilted 9° to the right on rep 3") for c in a.feedback)


def test_the_offset_squats_side_is_called_the_loaded_side_not_a_leg() -> None:
    """The offset squat's side is the loaded side the user gives (both feet work): its cues say "side", a box squat's
    say "leg"."""
    clip = make_clip("offset_back_squat", [Plan(3.0, 0.3, 1.5) for _ in range(2)] + [Plan(1.0, 0.3, 1.5)],
                     yaw_deg=0.0, seed=8)
    a = analyze(clip.lm, "offset_back_squat", replace(get_exercise("offset_back_squat").targets, side="left"))
    assert [r.side for r in a.reps] == ["left"] * 3
    assert "Left side: 3 reps, right side: 0 (target 5 per side)." in a.feedback, a.feedback
    assert "Left side rep 3: lowering took 1.0 s of the 4 s target." in a.feedback, a.feedback
    assert not any(" leg" in c for c in a.feedback), a.feedback


def test_bar_tilt_is_judged_against_the_sets_typical_bottom() -> None:
    """Seen off square-on, the squat's posture tilts the shoulder line in the image at every bottom (-1 to -5.5° on the
    rendered 45° offset squats): here -4.5° at full depth on every rep. The planted 7° tilt of rep 3 read 2.7° against
    the standing tilt (missed); against the set's median bottom it reads 7.3°, the level reps within 0.1°."""
    clip = make_clip("offset_back_squat", [Plan(3.0, 0.3, 1.5, tilt_deg=t) for t in (0, 0, 7, 0, 0)], yaw_deg=0.0,
                     seed=8)
    xy = clip.lm.xy_px()
    hip = 0.5 * (xy[:, 23, 1] + xy[:, 24, 1])
    lo, hi = np.nanpercentile(hip, [5, 99])
    ang = np.radians(-4.5) * np.nan_to_num(np.clip((hip - lo) / (hi - lo), 0.0, 1.0))  # 0 standing, 1 at the bottom
    mid = 0.5 * (xy[:, 11] + xy[:, 12])
    for k in (11, 12):  # rotate the shoulder line about its middle
        v = xy[:, k] - mid
        xy[:, k] = mid + np.stack([np.cos(ang) * v[:, 0] - np.sin(ang) * v[:, 1],
                                   np.sin(ang) * v[:, 0] + np.cos(ang) * v[:, 1]], axis=1)
    xyz = clip.lm.xyz.copy()
    xyz[:, :, :2] = xy / np.array([clip.lm.meta.width, clip.lm.meta.height])
    lm = replace(clip.lm, xyz=xyz.astype(np.float32))
    a = analyze(lm, "offset_back_squat")
    assert [("bar_tilt" in r.flags) for r in a.reps] == [False, False, True, False, False]
    assert abs(a.reps[2].extra["tilt_deg"] - 7.3) < 0.5 and a.params["tilt_reference"].startswith("the median bottom")
    online = _online_reps(lm, "offset_back_squat")  # the reps so far: the first two against the raw image tilt
    assert [("bar_tilt" in r["flags"]) for r in online] == [False, False, True, False, False]


def test_step_up_heel_not_on_box_on_second_rep() -> None:
    spec = [("left", True), ("left", False), ("right", True), ("right", True)]
    clip = make_clip("stomping_lunge_step_up", [Plan(1.0, 0.5, 0.8, side=s, heel_on_box=h) for s, h in spec],
                     first="con", seed=9)
    a = analyze(clip.lm, "stomping_lunge_step_up")
    assert [r.side for r in a.reps] == ["left", "left", "right", "right"]
    assert [r.extra["heel_on_box"] for r in a.reps] == [True, False, True, True]
    assert all(abs(r.extra["step_up_s"] - 0.8) < 0.1 for r in a.reps)



def test_the_lead_shoe_measured_on_the_box_decides_the_heel_where_the_landmarks_misjudge_it() -> None:
    # the model's foot pitch says "heel off" on rep 1 (a heel-on rep) and "heel on" on rep 2 (kept up): what
    # MediaPipe does on rendered step-ups (a flat foot on the box read at up to 12.4°, a heel kept 17° up at 11.7°)
    spec = [("left", True), ("left", False), ("right", True), ("right", True)]
    clip = make_clip("stomping_lunge_step_up", [Plan(1.0, 0.5, 0.8, side=s, heel_on_box=h) for s, h in spec],
                     first="con", seed=9)
    plain = analyze(clip.lm, "stomping_lunge_step_up")
    assert plain.params["heel_on_box_source"] == "landmarks"
    wins = reps_mod.box_windows(plain.reps)
    assert all(r.start_s == w0 < w1 < (r.turn_start_s or 0.0) for r, (w0, w1) in zip(plain.reps, wins, strict=True))
    # rows as the shoe registration gives them: heel-on reps near flat, the kept-up heel at 16.8°, the last rep
    # unmeasured (NaN: too few frames registered), and a row of a window nowhere near a rep
    w = [*wins, (30.0, 30.3)]
    shoe = ShoePitch([a for a, _ in w], [b for _, b in w], [0, 0, 1, 1, 1], [-1.3, 16.8, 4.5, np.nan, 20.0],
                     [1.0, 1.0, 1.2, np.nan, 1.0], [a for a, _ in w], [9, 9, 9, 0, 9])
    doctored = [replace(r, flags=(("heel_off_box",) if i == 0 else ()),
                        extra={**r.extra, "foot_pitch_on_box_deg": (13.0 if i == 0 else 11.0),
                               "heel_on_box": i != 0}) for i, r in enumerate(plain.reps)]
    got, n = reps_mod.box_heels(doctored, shoe)
    assert n == 3
    assert [r.extra["heel_on_box"] for r in got] == [True, False, True, True]
    assert [("heel_off_box" in r.flags) for r in got] == [False, True, False, False]
    assert [r.extra.get("heel_method") for r in got] == ["shoe pitch"] * 3 + [None]  # the last keeps the landmarks'
    assert got[0].extra["foot_pitch_on_box_landmark_deg"] == 13.0 and got[0].extra["foot_pitch_on_box_deg"] == -1.3
    assert got[1].extra["heel_on_box_confidence"] > 0.99 and got[1].extra["heel_on_box_foot"] == "left"
    # 4.5 ± 1.2° is 1.5° under the 6° threshold: heel on, but not certainly
    assert 0.85 < got[2].extra["heel_on_box_confidence"] < 0.95
    # through the analysis: the landmarks carry the shoe rows, and the report says where the call came from
    a = analyze(replace(clip.lm, shoe_pitch=shoe), "stomping_lunge_step_up")
    assert [r.extra["heel_on_box"] for r in a.reps] == [True, False, True, True]
    assert a.params["heel_on_box_source"].startswith("lead shoe registered on the video (3 of 4 reps)")
    assert any("heel did not land on the box (foot pitch 17°)" in c for c in a.feedback)


def test_heel_drops_after_18_s_of_the_30_s_lunge_hold() -> None:
    plans = [Plan(1.5, 0, 1.5, hold_s=30.0, side="left", heel_drop_s=18.0),
             Plan(1.5, 0, 1.5, hold_s=25.0, side="right", rest_before_s=5.0, back_knee_deg=140.0)]
    clip = make_clip("lunge_heel_raise_hold", plans, seed=10)
    a = analyze(clip.lm, "lunge_heel_raise_hold")
    assert [h.side for h in a.holds] == ["left", "right"]
    for h, q in zip(a.holds, clip.truth["holds"], strict=False):
        assert abs(h.duration_s - q["duration_s"]) < 0.2
    assert abs(a.holds[0].extra["heel_drop_s"] - 18.0) < 0.3
    assert abs(a.holds[0].extra["heel_raised_s"] - 18.0) < 0.3
    assert a.holds[1].extra["heel_drop_s"] is None and abs(a.holds[1].extra["heel_raised_s"] - 25.0) < 0.3
    cues = " ".join(a.feedback)
    drop = re.search(r"Left leg: heel dropped after ([\d.]+) s of the 30 s hold\.", cues)
    held = re.search(r"Right leg: held ([\d.]+) s of the 30 s target\.", cues)
    assert drop and abs(float(drop.group(1)) - 18.0) < 0.3, cues
    assert held and abs(float(held.group(1)) - 25.0) < 0.2, cues
    assert [h.extra["out_of_view_s"] for h in a.holds] == [0.0, 0.0]
    # the feet below the picture for 4 s of the right hold: the hold says how much of it the camera did not see
    q = clip.truth["holds"][1]
    xyz = clip.lm.xyz.copy()
    m = (clip.lm.t >= q["start_s"] + 5.0) & (clip.lm.t < q["start_s"] + 9.0)
    xyz[np.ix_(m, [sk.LEFT_HEEL, sk.RIGHT_HEEL, sk.LEFT_FOOT_INDEX, sk.RIGHT_FOOT_INDEX], [1])] = 1.02
    b = analyze(replace(clip.lm, xyz=xyz), "lunge_heel_raise_hold")
    assert b.holds[0].extra["out_of_view_s"] == 0.0 and abs(b.holds[1].extra["out_of_view_s"] - 4.0) < 0.05
    assert any("the feet were out of the picture (4.0 s)" in c for c in b.feedback)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_hold_timed_from_stopping_after_a_two_stage_entry(fps: float) -> None:
    # step back, stop, then sink into the lunge (the renderer's entry): the hold starts when the hip stops,
    # not at the end of one smooth step fitted over the whole entry (0.2-0.7 s late on rendered clips)
    plans = [Plan(2.4, 0, 1.8, hold_s=8.0, side="left"), Plan(2.4, 0, 1.8, hold_s=8.0, side="right", rest_before_s=3.0)]
    clip = make_clip("lunge_heel_raise_hold", plans, fps=fps, seed=21, profile="two_stage")
    a = analyze(clip.lm, "lunge_heel_raise_hold")
    assert [h.side for h in a.holds] == ["left", "right"]
    for h, q in zip(a.holds, clip.truth["holds"], strict=True):
        assert abs(h.start_s - q["start_s"]) < 0.1 and abs(h.end_s - q["end_s"]) < 0.1, (h, q)
        assert h.extra["timing"] == "still"


@pytest.mark.parametrize("seed", [14, 16])
def test_eccentric_timed_when_the_next_rep_starts_soon_after(seed: int) -> None:
    # 0.6 s between reps: the window after a rep's slow lowering holds the next rep's rise; fitted over it the
    # lowering came out 0.04-0.18 s short on every rep (before the valley cut), now within 0.03 s
    clip = make_clip("tib_raise", [Plan(2.0, 0.4, 1.0, rest_before_s=0.6) for _ in range(5)], first="con",
                     seed=seed, jitter_px=0.1, drop_frac=0.0)
    ecc, con = _match(analyze(clip.lm, "tib_raise").reps, clip.truth["reps"])
    assert np.max(np.abs(ecc)) < 0.04 and np.max(np.abs(con)) < 0.04, (ecc, con)


def test_tib_raise_range_and_calf_raise_body_line() -> None:
    tib = make_clip("tib_raise", [Plan(1.0, 0.4, 1.0) for _ in range(4)], first="con", fps=60.0, seed=11)
    a = analyze(tib.lm, "tib_raise")
    ecc, con = _match(a.reps, tib.truth["reps"])
    # Measured: toes-up phase 0.13 s short (median |error|, 1 px jitter on a 75 px foot); target 0.1 s missed.
    assert np.median(np.abs(ecc)) < 0.1 and np.median(np.abs(con)) < 0.2
    assert all(20 < r.extra["range_deg"] < 30 for r in a.reps)
    calf = make_clip("calf_raise", [Plan(1.5, 0.5, 1.0, body_bend_deg=b) for b in (0, 0, 15, 0)], first="con",
                     seed=12)
    c = analyze(calf.lm, "calf_raise")
    assert [("body_line" in r.flags) for r in c.reps] == [False, False, True, False]


@pytest.mark.parametrize("seed", [21, 22])
def test_calf_raises_are_timed_from_the_shoe_pitch_series_when_the_video_gave_one(seed: int) -> None:
    # foot landmarks with 4 px of jitter (MediaPipe's heel and toe on a small foot) against a shoe pitch series
    # with 0.2° of noise, 5 % low, and a 0.1 s gap: the phases come from the series
    plans = [Plan(2.0, 0.5, 1.0) for _ in range(4)]
    noisy = make_clip("calf_raise", plans, first="con", seed=seed, jitter_px=4.0)
    clean = make_clip("calf_raise", plans, first="con", seed=seed, jitter_px=0.0, drop_frac=0.0)
    exact = ft.frame_features(clean.lm.xy_px(), 1.0, 0.0)["heel_up_deg"]
    pitch = 0.95 * exact + np.random.default_rng(seed).normal(0, 0.2, exact.size)
    pitch[100:103] = np.nan
    lm = replace(noisy.lm, foot_pitch=FootPitchSeries(1, pitch, np.full(exact.size, 0.98)))
    # measured, seeds 21 / 22, median |error| eccentric, concentric: landmarks 0.44, 0.27 / 0.45, 0.38 s;
    # with the series 0.008, 0.025 / 0.029, 0.011 s
    a, a_lm = analyze(lm, "calf_raise"), analyze(noisy.lm, "calf_raise")
    assert a.params["foot_pitch_source"].startswith("right shoe") and a_lm.params["foot_pitch_source"] == "landmarks"
    # the series' dead band counts in the stated uncertainty, the landmarks' has none
    assert a.params["pitch_deadband_deg"] == reps_mod.SERIES_DEADBAND_DEG and a_lm.params["pitch_deadband_deg"] == 0
    ecc, con = _match(a.reps, noisy.truth["reps"])
    ecc_lm, _ = _match(a_lm.reps, noisy.truth["reps"])
    assert np.median(np.abs(ecc)) < 0.06 and np.median(np.abs(con)) < 0.06, (ecc, con)
    assert np.median(np.abs(ecc_lm)) > 0.2  # the landmarks alone cannot time it


def test_a_shoe_series_is_as_confident_as_the_camera_saw_that_foot_not_the_hidden_one() -> None:
    # side view, the far (left) foot at visibility 0.05, the near (right) one at 0.9: reps timed from the right shoe's
    # pitch series are not "hard to see"; timed from both feet's landmarks they are
    plans = [Plan(2.0, 0.5, 1.0) for _ in range(3)]
    clip = make_clip("calf_raise", plans, first="con", seed=21, jitter_px=0.0, drop_frac=0.0)
    vis = clip.lm.visibility.copy()
    for side, v in (("left", 0.05), ("right", 0.9)):
        for joint in ("heel", "toe", "ankle"):
            vis[:, sk.SIDE_INDEX[side][joint]] = v
    lm = replace(clip.lm, visibility=vis)
    pitch = ft.frame_features(lm.xy_px(), 1.0, 0.0)["heel_up_deg"]
    with_series = analyze(replace(lm, foot_pitch=FootPitchSeries(1, pitch, np.ones_like(pitch))), "calf_raise")
    from_landmarks = analyze(lm, "calf_raise")
    assert len(with_series.reps) == len(from_landmarks.reps) == 3
    assert all(r.confidence == pytest.approx(0.9, abs=0.01) and "low_confidence" not in r.flags
               for r in with_series.reps)
    assert all(r.confidence == pytest.approx(0.475, abs=0.01) and "low_confidence" in r.flags
               for r in from_landmarks.reps)


def test_jumping_jacks_counted_from_the_front() -> None:
    clip = make_clip("jumping_jack", [Plan(0.35, 0.05, 0.35, rest_before_s=0.1) for _ in range(9)], first="con",
                     yaw_deg=0.0, seed=13)
    assert len(analyze(clip.lm, "jumping_jack").reps) == 9


def test_jumping_jacks_counted_through_an_upside_down_skeleton() -> None:
    # a zoom cut crops the head and MediaPipe fits the skeleton upside down (its hips on the shoulders, its
    # ankles on the hands; real clip jumpingjack_front_unknown550_1): reps 4-6 must still count, on time
    clip = make_clip("jumping_jack", [Plan(0.35, 0.05, 0.35, rest_before_s=0.1) for _ in range(9)], first="con",
                     yaw_deg=0.0, seed=13)
    truth = clip.truth["reps"]
    t = clip.lm.t
    cut = (t > truth[3]["start_s"] - 0.05) & (t < truth[5]["end_s"] + 0.05)
    xyz = clip.lm.xyz.copy()
    xyz[cut] = ft.swap_limbs(xyz, cut)[cut]
    vis = ft.swap_limbs(clip.lm.visibility, cut)
    lm = replace(clip.lm, xyz=xyz, visibility=vis)
    assert ft.inverted_trunk(lm.xy_px())[cut].mean() > 0.9  # the fault is planted
    for reps in (analyze(lm, "jumping_jack").reps,
                 [e.data for e in _feed(lm, "jumping_jack") if e.type == "rep"]):
        bottoms = np.array([r.bottom_s if isinstance(r, Rep) else r["bottom_s"] for r in reps])
        assert len(bottoms) == 9
        np.testing.assert_allclose(bottoms, [q["bottom_s"] for q in truth], atol=0.1)


def test_upright_skeleton_is_never_swapped() -> None:
    # a deadlift hinge to horizontal (trunk 30° below horizontal) and an upright stance are left alone
    xy = np.zeros((3, 33, 2))
    xy[:, 23:25] = [500.0, 400.0]
    xy[0, 11:13] = [500.0, 200.0]  # upright
    xy[1, 11:13] = [700.0, 400.0]  # horizontal
    xy[2, 11:13] = [500.0 + 200.0 * np.cos(np.radians(30)), 400.0 + 200.0 * np.sin(np.radians(30))]
    assert not ft.inverted_trunk(xy).any()
    xy[2, 11:13] = [520.0, 600.0]  # on its head
    assert ft.inverted_trunk(xy).tolist() == [False, False, True]


def test_rep_the_camera_could_not_see_is_flagged_not_dropped() -> None:
    plans = [Plan(2.0, 0.3, 1.0) for _ in range(4)]
    plans[1].low_vis = True
    a = analyze(make_clip("squat", plans, seed=14).lm, "squat")
    assert [("low_confidence" in r.flags) for r in a.reps] == [False, True, False, False]
    assert a.summary["low_confidence_reps"] == 1


def test_front_view_of_a_side_view_exercise_is_reported() -> None:
    clip = make_clip("squat", [Plan(2.0, 0.3, 1.0) for _ in range(2)], yaw_deg=0.0, seed=15)
    a = analyze(clip.lm, "single_leg_box_squat")
    assert any("needs a side view" in c for c in a.feedback)


def _feed(lm: Landmarks, exercise: str) -> list:  # type: ignore[type-arg]
    det = make_online(exercise, lm.meta)
    ev = []
    for i in range(len(lm)):
        ev += det.update(float(lm.t[i]), lm.xyz[i], lm.visibility[i])
    return ev + det.finish()


def test_online_and_offline_drivers_agree() -> None:
    plans = [Plan(3.0, 0.5, 1.2, side="right") for _ in range(3)] + [Plan(3.0, 0.5, 1.2, side="left")]
    clip = make_clip("single_leg_box_squat", plans, seed=16)
    off = analyze(clip.lm, "single_leg_box_squat")
    ev = _feed(clip.lm, "single_leg_box_squat")
    on = [e.data for e in ev if e.type == "rep"]
    assert len(on) == len(off.reps) == 4
    assert [d["side"] for d in on] == [r.side for r in off.reps]
    for d, r in zip(on, off.reps, strict=False):
        assert abs(d["eccentric_s"] - r.eccentric_s) < 0.15 and abs(d["concentric_s"] - r.concentric_s) < 0.15
    phases = [e.data["phase"] for e in ev if e.type == "phase"]
    assert phases[:4] == ["eccentric", "bottom", "concentric", "top"]


def test_online_hold_events() -> None:
    clip = make_clip("lunge_heel_raise_hold", [Plan(1.5, 0, 1.5, hold_s=12.0, side="right")], seed=17)
    ev = _feed(clip.lm, "lunge_heel_raise_hold")
    ends = [e for e in ev if e.type == "hold_end"]
    assert len(ends) == 1 and abs(ends[0].data["duration_s"] - 12.0) < 0.3


def _drive(spec, t, x):  # type: ignore[no-untyped-def]
    """Push a driving signal straight through the engine (x already oriented; no model, no features)."""
    from formcheck import signals as sg
    from formcheck.features import FEATURES
    from formcheck.reps import RepEngine

    xf = sg.lowpass_t(t, x, spec.cutoff_hz)
    eng = RepEngine(spec)
    feat = np.zeros(len(FEATURES))
    for i in range(len(t)):
        eng.push(float(t[i]), float(x[i]), float(xf[i]), 1.0, feat)
    eng.finish()
    return eng


def _bumps(t, starts, dur, amp):  # type: ignore[no-untyped-def]
    y = np.zeros_like(t)
    for s0 in starts:
        u = np.clip((t - s0) / dur, 0, 1)
        y += amp * np.sin(np.pi * u) ** 2
    return y


def test_reps_after_a_stance_change_are_counted() -> None:
    # stands at 0 for 4 s, then the rest level steps up by 0.1 (free foot lifted, camera nudged) and stays:
    # no rep returns to the old rest. Known weakness (docs/validation.md): the first rep's start absorbs the
    # step (4 s instead of 6 s), so only the later starts are asserted.
    spec = get_exercise("squat").spec
    assert spec is not None
    t = np.arange(0, 40, 1 / 30)
    starts = [6.0, 12.0, 18.0, 24.0]
    x = 0.1 * (t > 4.0) + _bumps(t, starts, 4.0, 0.4)
    eng = _drive(spec, t, x)
    assert len(eng.reps) == 4
    assert [round(r.start_s) for r in eng.reps[1:]] == [12, 18, 24]


def test_overlong_excursion_is_rebased_and_its_reps_replayed() -> None:
    # the rest steps up by 0.3 at 4 s (more than a rep's exit band) and stays: the first candidate outlives
    # max_dur_s, the rest is re-estimated over it and the buffered reps are found on replay
    spec = replace(get_exercise("squat").spec, max_dur_s=8.0)  # type: ignore[arg-type]
    t = np.arange(0, 40, 1 / 30)
    starts = [6.0, 12.0, 18.0, 24.0]
    x = 0.3 * (t > 4.0) + _bumps(t, starts, 3.0, 0.4)
    eng = _drive(spec, t, x)
    assert any(r["reason"] == "rest_rebased" for r in eng.rejected)
    assert len(eng.reps) == 4


def test_fast_cycles_after_one_deep_dip_are_all_counted() -> None:
    # 1 s cycles whose troughs sit 0.05 above a rest set by one deep dip at 2.5 s (a landmark glitch)
    spec = get_exercise("jumping_jack").spec
    assert spec is not None
    t = np.arange(0, 14, 1 / 30)
    starts = [3.0 + k for k in range(10)]
    x = 0.1 + _bumps(t, starts, 1.0, 1.5) - 0.4 * np.exp(-(((t - 2.5) / 0.05) ** 2))
    x[t > 2.8] += 0.1  # the troughs of the cycles never get back within the absolute exit of that rest
    eng = _drive(spec, t, x)
    assert len(eng.reps) == 10


def _step_up_raw(fps: float, lead: str, swap_frames: int) -> tuple[RawRep, float]:
    """A step-up rep as the engine hands it over: hip up 1.0-2.0 s, top to 2.6 s, hip down at 3.8 s; the lead
    foot stays on the box (0.35 L) until the hip is down, then steps off over 0.6 s (landing at 4.4 s). The far
    (right) ankle sits 0.06 L higher in the image; the two ankle labels swap for ``swap_frames`` frames."""
    t = np.arange(0.0, 5.5, 1.0 / fps)
    feat = np.full((t.size, len(ft.FEATURES)), np.nan)
    cos = lambda u: 0.5 - 0.5 * np.cos(np.pi * np.clip(u, 0.0, 1.0))  # noqa: E731
    down = 0.35 * (1.0 - cos((t - 3.8) / 0.6))
    lead_h = np.where(t < 0.6, 0.0, np.where(t < 1.0, 0.35 * cos((t - 0.6) / 0.4), down))
    trail_h = 0.35 * cos((t - 1.2) / 0.6) * (t < 2.6) + 0.35 * (1.0 - cos((t - 2.6) / 1.1)) * (t >= 2.6)
    off = {"left": 0.0, "right": 0.06}
    h = {lead: lead_h + off[lead], ("right" if lead == "left" else "left"): trail_h}
    other = "right" if lead == "left" else "left"
    h[other] = h[other] + off[other]
    k = int(np.searchsorted(t, 3.9))
    hl, hr = h["left"].copy(), h["right"].copy()
    hl[k:k + swap_frames], hr[k:k + swap_frames] = h["right"][k:k + swap_frames], h["left"][k:k + swap_frames]
    feat[:, ft.FEATURES.index("ankle_h_left_L")] = hl
    feat[:, ft.FEATURES.index("ankle_h_right_L")] = hr
    hip = 0.4 * (cos(t - 1.0) * (t < 2.6) + (1.0 - cos((t - 2.6) / 1.2)) * (t >= 2.6))
    pitch = np.where((t > 1.0) & (t < 2.0), 17.0, 3.0)  # heel up while driving up, read flat at the top
    feat[:, ft.FEATURES.index(f"heel_up_{lead}_deg")] = pitch
    feat[:, ft.FEATURES.index(f"heel_up_{other}_deg")] = 0.0
    rr = RawRep(t, hip, np.ones_like(t), feat, 0.0, 0.4, 1.0, 2.0, 2.6, 3.8)
    return rr, 4.4


@pytest.mark.parametrize(("fps", "lead", "swap"), [(30.0, "left", 0), (30.0, "right", 4), (60.0, "right", 8)])
def test_step_up_ends_when_the_lead_foot_is_back_on_the_floor(fps: float, lead: str, swap: int) -> None:
    rr, landed = _step_up_raw(fps, lead, swap)
    ex = get_exercise("stomping_lunge_step_up")
    r = _rep_record(rr, ex, replace(ex.targets, side=lead), {})  # type: ignore[arg-type]
    # measured: within 0.001 s clean, 0.05 s with 4 frames of swapped labels at 30 fps (the far ankle's floor offset
    # moves with the label; the 0.2 s running median removes up to 3): two frames at 30 fps asserted
    assert abs(r.end_s - landed) < 0.066, r.end_s  # the hip was down at 3.8 s
    assert r.extra["hip_down_s"] == pytest.approx(3.8) and r.extra["end_timing"] == "lead_foot_down"
    assert abs(r.eccentric_s - (landed - 2.6)) < 0.066
    # the lowering states an uncertainty: the landing fit's own and what MediaPipe's ankle hides from it
    assert reps_mod.LEAD_FOOT_DOWN_MODEL_SIGMA_S <= r.extra["eccentric_unc_s"] < 0.2
    # the heel is up while the lead foot drives the body up; the model reads it flat in the pause at the top
    assert "heel_off_box" in r.flags and r.extra["foot_pitch_on_box_deg"] > 12.0


def test_a_step_up_whose_samples_end_before_the_lead_foot_lands_is_timed_from_the_series_after_it() -> None:
    # the engine closed the rep's samples at 4.2 s (the next excursion opened), before the lead foot lands at 4.4 s:
    # on its own samples the lowering ends with the hip (3.8 s); the offline driver's series after it finds the landing
    rr, landed = _step_up_raw(30.0, "left", 0)
    keep = rr.t <= 4.2
    cut = RawRep(rr.t[keep], rr.x[keep], rr.conf[keep], rr.feat[keep], rr.rest, rr.peak, rr.start_s, rr.turn_start_s,
                 rr.turn_end_s, rr.end_s)
    ex = get_exercise("stomping_lunge_step_up")
    tg = replace(ex.targets, side="left")
    alone = _rep_record(cut, ex, tg, {})  # type: ignore[arg-type]
    assert alone.extra["end_timing"] == "hip" and alone.end_s == pytest.approx(3.8)
    later = RawRep(rr.t + 4.0, rr.x, rr.conf, rr.feat, rr.rest, rr.peak, 5.0, 6.0, 6.6, 7.8)  # the next rep
    series = reps_mod._series_after(rr.t, rr.feat, [cut, later], 0)
    assert series[0][0] == rr.t[0] and 4.9 < series[0][-1] < later.start_s  # up to the next rep, not into it
    found = _rep_record(cut, ex, tg, {}, series)  # type: ignore[arg-type]
    assert found.extra["end_timing"] == "lead_foot_down" and abs(found.end_s - landed) < 0.066


def _online_reps(lm: Landmarks, exercise: str) -> list[dict]:  # type: ignore[type-arg]
    det = make_online(exercise, lm.meta)
    ev = []
    for k in range(len(lm)):
        ev += det.update(float(lm.t[k]), lm.xyz[k], lm.visibility[k])
    ev += det.finish()
    return [e.data for e in ev if e.type == "rep"]


def test_deadlift_from_the_floor_counts_every_lift() -> None:
    """A conventional deadlift: the set starts with the bar on the floor (knees bent ~107°); each rep is a lift
    then a lowering, both drivers agree, and the lowering is the eccentric."""
    plans = [Plan(ecc_s=1.6, con_s=1.0, pause_s=0.6, rest_before_s=1.2) for _ in range(3)]
    clip = make_clip("deadlift", plans, first="con", from_floor=True, seed=3)
    a = analyze(clip.lm, "deadlift")
    assert a.params["starts_at_bottom"] is True
    assert len(a.reps) == 3
    # from the floor the shoulders drive the count (the hips dip at the bar on real lifts); their height is
    # the hinge's cosine, flat near standing, so the phases come out up to ~0.2 s off the hips' timing
    for r, tr in zip(a.reps, clip.truth["reps"], strict=True):
        assert abs(r.start_s - tr["start_s"]) < 0.25 and abs(r.end_s - tr["end_s"]) < 0.25
        assert abs(r.eccentric_s - 1.6) < 0.25 and abs(r.concentric_s - 1.0) < 0.25
    assert len(_online_reps(clip.lm, "deadlift")) == 3
    # from standing (a Romanian deadlift) the same spec starts with the lowering
    stand = make_clip("deadlift", plans, seed=3)
    b = analyze(stand.lm, "deadlift")
    assert b.params["starts_at_bottom"] is False and len(b.reps) == 3
    assert all(abs(r.eccentric_s - 1.6) < 0.15 for r in b.reps)



@pytest.mark.parametrize("signal", ["hip_angle_deg", "hip_h_L"])
def test_a_hinge_is_timed_from_the_hip_angle_not_the_hips_height(signal: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A Romanian deadlift's hips move back before they drop (their drop here grows as the hinge's cube), so the hip
    height stays flat through the first part of each lowering and the last part of each rise. The hip angle closes
    with the hinge from its first instant: the shipped ``hip_angle_deg`` times each phase within 0.1 s offline (live
    within 0.25 s); the hip height (``hip_h_L``, the signal before) dates the lowering's start late."""
    from formcheck import exercises

    ex = exercises.EXERCISES["deadlift"]
    assert ex.spec is not None and ex.spec.signal == "hip_angle_deg"
    if signal != ex.spec.signal:
        monkeypatch.setitem(exercises.EXERCISES, "deadlift",
                            replace(ex, spec=replace(ex.spec, signal=signal, min_amp=0.1)))
    plans = [Plan(ecc_s=2.0, con_s=1.2, pause_s=0.3, rest_before_s=1.5, hip_drop_power=3.0) for _ in range(3)]
    clip = make_clip("deadlift", plans, seed=5, jitter_px=1.0)
    a = analyze(clip.lm, "deadlift")
    assert len(a.reps) == 3
    ecc = [abs(r.eccentric_s - tr["eccentric_s"]) for r, tr in zip(a.reps, clip.truth["reps"], strict=True)]
    con = [abs(r.concentric_s - tr["concentric_s"]) for r, tr in zip(a.reps, clip.truth["reps"], strict=True)]
    live = _online_reps(clip.lm, "deadlift")
    assert len(live) == 3
    if signal == "hip_angle_deg":
        assert max(ecc) < 0.1 and max(con) < 0.1, (ecc, con)
        # live fits a fixed shape until it has pooled one over the reps so far: rougher, lowerings 0.16-0.20 s long here
        for o, tr in zip(live, clip.truth["reps"], strict=True):
            assert abs(o["eccentric_s"] - tr["eccentric_s"]) < 0.25
            assert abs(o["concentric_s"] - tr["concentric_s"]) < 0.25
    else:
        assert float(np.median(ecc)) > 0.2, ecc


@pytest.mark.parametrize("rest_drop_s", [None, 0.0])
def test_shoulders_sinking_as_the_bar_lands_are_no_rep(rest_drop_s: float | None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """On the real deadlift clip the shoulders sink 0.3 L below their floor level for ~0.2 s as the bar lands
    and as the lifter sets up to pull (sitting into it). The rest level must not drop to such a dip, or the
    floor level after it reads as an excursion (a third "rep" online on that clip). ``rest_drop_s=0`` is the
    old rule (the rest followed every drop at once) and shows the fault."""
    from formcheck import exercises

    if rest_drop_s is not None:
        ex = exercises.EXERCISES["deadlift"]
        assert ex.spec is not None
        monkeypatch.setitem(exercises.EXERCISES, "deadlift", replace(ex, spec=replace(ex.spec, rest_drop_s=0.0)))
    plans = [Plan(ecc_s=1.6, con_s=1.0, pause_s=0.6, rest_before_s=1.5) for _ in range(3)]
    clip = make_clip("deadlift", plans, first="con", from_floor=True, seed=4)
    lm = clip.lm
    xyz = lm.xyz.copy()
    sink = 0.3 * 0.88 * 300.0 / 720.0  # 0.3 leg lengths (leg 0.88 m at 300 px per metre), normalized
    for tr in clip.truth["reps"]:  # as the bar lands, and as the lifter sets up to pull
        m = ((lm.t >= tr["end_s"]) & (lm.t <= tr["end_s"] + 0.2)) | ((lm.t >= tr["start_s"] - 0.2) &
                                                                      (lm.t <= tr["start_s"]))
        xyz[m, 11:13, 1] += sink
    lm = replace(lm, xyz=xyz)
    n_off, n_on = len(analyze(lm, "deadlift").reps), len(_online_reps(lm, "deadlift"))
    if rest_drop_s is None:
        assert n_off == n_on == 3
    else:
        assert n_on > 3


def _squat_with_track(seed: int) -> tuple[Landmarks, Landmarks, dict, np.ndarray]:  # type: ignore[type-arg]
    """Squats with 4 s lowerings: landmarks with 4 px of jitter, and a hip track of the clean hip's steps read at 0.9
    of their size with 0.1 px of noise (the tracked image region, docs/validation.md) and a 0.1 s gap."""
    plans = [Plan(4.0, 0.5, 1.5) for _ in range(4)]
    noisy = make_clip("squat", plans, seed=seed, jitter_px=4.0)
    clean = make_clip("squat", plans, seed=seed, jitter_px=0.0, drop_frac=0.0)
    hip = 0.5 * (clean.lm.xy_px()[:, 23, 1] + clean.lm.xy_px()[:, 24, 1])
    dy = 0.9 * np.diff(hip, prepend=np.nan) + np.random.default_rng(seed).normal(0, 0.1, hip.size)
    dy[200:203] = np.nan
    return noisy.lm, replace(noisy.lm, hip_track=HipTrack(dy, np.full(hip.size, 40))), noisy.truth, dy


@pytest.mark.parametrize("seed", [31, 32])
def test_squats_are_timed_from_the_hip_track_when_the_video_gave_one(seed: int) -> None:
    bare, lm, truth, _ = _squat_with_track(seed)
    a, a_lm = analyze(lm, "squat"), analyze(bare, "squat")
    assert a.params["hip_source"].startswith("hip region tracked") and a_lm.params["hip_source"] == "landmarks"
    ecc, con = _match(a.reps, truth["reps"])
    ecc_lm, con_lm = _match(a_lm.reps, truth["reps"])
    # measured, seeds 31 / 32, median |error| eccentric, concentric: landmarks 0.34, 0.07 / 0.09, 0.27 s;
    # with the track 0.03, 0.01 / 0.03, 0.02 s
    assert np.median(np.abs(ecc)) < 0.06 and np.median(np.abs(con)) < 0.06, (ecc, con)
    both = np.median(np.abs(ecc)) + np.median(np.abs(con))
    assert both < 0.5 * (np.median(np.abs(ecc_lm)) + np.median(np.abs(con_lm)))


def test_hip_track_steps_the_landmarks_contradict_are_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # three frames where the region latched onto something rising fast (1.6 leg/s) while the hip lowers: summed,
    # they would shift every later sample by 45 px until the slow correction catches up
    _, lm, truth, dy = _squat_with_track(32)
    burst = dy.copy()
    i = int(truth["reps"][1]["start_s"] * 30) + 40
    burst[i:i + 3] = -15.0
    glitch = replace(lm, hip_track=HipTrack(burst, np.full(dy.size, 40)))
    a = analyze(glitch, "squat")
    ecc, _ = _match(a.reps, truth["reps"])
    assert a.params["hip_source"].startswith("hip region tracked") and np.median(np.abs(ecc)) < 0.1, ecc
    # without the check the burst breaks the track's reps and the set falls back to the landmarks (0.09 s, 0.19 max)
    monkeypatch.setattr(reps_mod, "TRACK_CONTRADICTED_LEG_S", np.inf)
    assert analyze(glitch, "squat").params["hip_source"].startswith("landmarks (with the hip track: ")


def test_the_landmarks_are_reported_when_the_hip_track_finds_other_reps() -> None:
    # a region that tracked something else (an unrelated sway): more "reps" with the track than without, so the
    # landmarks' analysis is reported, and says why
    bare, lm, _, dy = _squat_with_track(31)
    junk = np.diff(20 * np.sin(np.arange(dy.size) / 7.0), prepend=np.nan)
    a = analyze(replace(lm, hip_track=HipTrack(junk, np.full(dy.size, 40))), "squat")
    a_lm = analyze(bare, "squat")
    assert a.params["hip_source"].startswith("landmarks (with the hip track: ")
    assert [r.start_s for r in a.reps] == [r.start_s for r in a_lm.reps] and len(a.reps) == 4


def _shift_ankles(lm: Landmarks, mask: np.ndarray, dy_leg: float, which: tuple[int, ...]) -> Landmarks:  # type: ignore[type-arg]
    """Move landmarks ``which`` down the image by ``dy_leg`` leg lengths on the frames of ``mask``."""
    leg_px = ft.robust_leg_length_px(lm.xy_px())
    xyz = lm.xyz.copy()
    for j in which:
        xyz[mask, j, 1] += dy_leg * leg_px / lm.meta.height
    return replace(lm, xyz=xyz)


def test_the_lower_ankle_changing_feet_during_reps_is_no_camera_move() -> None:
    # in a side-view lunge the near foot steps back and the far foot, drawn higher by perspective, becomes the lower
    # one: during every rep the lower ankle's row rises 0.07 leg, between reps it is where it was
    _, lm, truth, _ = _squat_with_track(31)
    during = np.zeros(lm.t.size, bool)
    for r in truth["reps"]:
        during |= (lm.t >= r["start_s"]) & (lm.t <= r["end_s"])
    lunge = _shift_ankles(lm, during, -0.07, (27, 28))
    a = analyze(lunge, "squat")
    assert a.params["hip_source"].startswith("hip region tracked"), a.params["hip_source"]
    assert reps_mod.feet_still(lunge.t, lunge.xy_px(), ft.robust_leg_length_px(lunge.xy_px()))
    # a camera nudged between reps 2 and 3 moves the whole standing figure, and the floor row is not trusted
    nudged = lm.t >= 0.5 * (truth["reps"][1]["end_s"] + truth["reps"][2]["start_s"])
    moved = _shift_ankles(lm, nudged, 0.08, tuple(range(33)))
    assert not reps_mod.feet_still(moved.t, moved.xy_px(), ft.robust_leg_length_px(moved.xy_px()))
    assert analyze(moved, "squat").params["hip_source"].startswith("landmarks (the feet moved")


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_a_rise_out_of_a_counter_movement_starts_at_its_bottom(fps: float) -> None:
    """A step-up's hip dips as the lead foot lands on the box, then rises: the concentric starts at the bottom of
    the dip. Each rep also ends with a landing dip deeper than the next rep's counter-movement, so the lowest
    point before a rep is the previous rep's landing, not the counter-movement."""
    rng = np.random.default_rng(1)
    t = np.arange(0.0, 24.0, 1.0 / fps)
    x = np.zeros_like(t)
    starts, t0, dip = [], 2.0, 0.06
    for _ in range(4):
        tb = t0 + 0.4  # bottom of the dip
        x += np.where(t < tb, -dip * ease((t - t0) / 0.4, 1.0),
                      -dip + (0.36 + dip) * ease((t - tb) / 1.0, 1.0) - 0.44 * ease((t - tb - 1.6) / 1.1, 1.0)
                      + 0.08 * ease((t - tb - 2.7) / 0.6, 1.0))
        starts.append(tb)
        t0 = tb + 1.6 + 1.1 + 2.0
    eng = _drive(get_exercise("stomping_lunge_step_up").spec, t, x + rng.normal(0.0, 0.003, t.size))
    assert len(eng.reps) == 4
    # measured: 0.000-0.045 s; with the window's head cut only at its lowest point, reps 2-4 started 0.16-0.17 s
    # late (at the previous landing's valley the level and the start of the fit trade off)
    err = np.array([r.start_s - s for r, s in zip(eng.reps, starts, strict=True)])
    assert np.all(np.abs(err) < 0.06), err
    con = np.array([r.turn_start_s - r.start_s - 1.0 for r in eng.reps])
    assert np.median(np.abs(con)) < 0.05, con


def test_phase_fits_out_of_order_keep_the_crossing_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two phase fits each acceptable on its own but the second fitted to start before the first (seen on a real clip
    analysed as the wrong exercise, where a valley cut left the first phase a few samples): the meeting point fell
    before the rep's start and building the Rep failed. The crossing times are kept instead."""
    t = np.arange(0.0, 6.0, 1 / 30)
    x = 0.4 * np.clip(np.minimum(t - 1.0, 4.0 - t), 0.0, 1.0)
    rr = RawRep(t, x, np.ones_like(t), np.zeros((t.size, len(ft.FEATURES))), 0.0, 0.4, 1.1, 1.9, 3.1, 3.9)
    fits = iter([reps_mod.PhaseFit(2.5, 1.0, 1.0, 0.0, 0.4, 0.001), reps_mod.PhaseFit(1.0, 1.0, 1.0, -0.4, 0.0, 0.001)])
    monkeypatch.setattr(reps_mod, "fit_phase", lambda *a, **k: next(fits))
    reps_mod._refine(rr)
    assert rr.timing == "crossings"
    assert (rr.start_s, rr.turn_start_s, rr.turn_end_s, rr.end_s) == (1.1, 1.9, 3.1, 3.9)


def test_feet_leaving_the_picture_are_reported_and_the_reps_there_flagged_offline_and_online() -> None:
    # the athlete's feet drop below the frame's bottom edge (a camera too close, a step towards it) during rep 4
    clip = make_clip("squat", [Plan(ecc_s=2.0, con_s=1.0) for _ in range(4)], seed=3)
    q = clip.truth["reps"][3]
    feet = [sk.LEFT_ANKLE, sk.RIGHT_ANKLE, sk.LEFT_HEEL, sk.RIGHT_HEEL, sk.LEFT_FOOT_INDEX, sk.RIGHT_FOOT_INDEX]
    xyz = clip.lm.xyz.copy()
    m = (clip.lm.t >= q["start_s"]) & (clip.lm.t <= q["end_s"])
    xyz[np.ix_(m, feet, [1])] = 1.03
    lm = replace(clip.lm, xyz=xyz)
    off = analyze(lm, "squat")
    u = off.summary["out_of_view"]
    assert len(u) == 1 and u[0]["parts"] == ["feet"]
    assert abs(u[0]["start_s"] - q["start_s"]) < 0.04 and abs(u[0]["end_s"] - q["end_s"]) < 0.04
    assert any(f.startswith(f"Over {u[0]['start_s']:.1f}-") and "feet were out of the picture" in f
               for f in off.feedback)
    # reps 1-3 were seen whole; whatever was counted over rep 4 carries the flag
    flagged = [r for r in off.reps if "out_of_view" in r.flags]
    assert all(r.end_s < q["start_s"] for r in off.reps if r not in flagged)
    assert sum(r.end_s < q["start_s"] for r in off.reps) == 3
    det = make_online("squat", lm.meta)
    ev = []
    for i in range(len(lm)):
        ev += det.update(float(lm.t[i]), lm.xyz[i], lm.visibility[i])
    ev += det.finish()
    assert [s.to_dict() for s in det.out_of_view] == u
    assert [e.data["text"] for e in ev if e.type == "cue"] == ["The feet were out of the picture: keep the whole "
                                                               "body in view."]
    # the clean clip has no such stretch and no such cue
    assert analyze(clip.lm, "squat").summary["out_of_view"] == []


def test_the_live_driver_learns_the_sets_movement_shape_from_its_reps() -> None:
    # minimum-jerk lowerings (flatter ends than live mode's fixed cosine-like first fit): every rep is refitted with
    # the shape pooled over the reps so far, itself included, as offline over the set (measured: lowerings 0.09-0.18 s
    # short); with the fixed shape every lowering read 0.38-0.41 s short and every rise 0.13-0.17 s short
    clip = make_clip("squat", [Plan(3.0, 0.4, 1.2) for _ in range(5)], seed=4, profile="minjerk")
    on = [e.data for e in _feed(clip.lm, "squat") if e.type == "rep"]
    assert len(on) == 5
    for d, q in zip(on, clip.truth["reps"], strict=True):
        assert abs(d["eccentric_s"] - q["eccentric_s"]) < 0.25 and abs(d["concentric_s"] - q["concentric_s"]) < 0.25


def test_grid_minimum_finds_the_vertex_between_grid_points_and_stays_at_the_edges() -> None:
    grid = np.asarray(reps_mod.SHAPE_GRID)
    costs = np.stack([(grid - 1.2) ** 2 + 5.0, (grid - 3.4) ** 2])  # a vertex inside, one beyond the grid's end
    a1, a2 = reps_mod._grid_minimum(costs)
    assert a1 == pytest.approx(1.2) and a2 == grid[-1]


def test_a_small_movement_long_before_the_phase_is_not_its_first_sub_movement() -> None:
    # a rise window that starts with the previous rep's tail (a 0.06 L shift as the lead foot steps off the box),
    # 1.5 s still, then the 0.4 L rise: a two-step fit takes the shift as the first sub-movement
    t = np.arange(0.0, 3.4, 1 / 60)
    x = 0.06 * ease((t - 0.3) / 0.4, 1.0) + 0.4 * ease((t - 2.2) / 0.8, 1.0)
    fit = reps_mod.fit_submovements(t, x, 2.0, 1.2, 2)
    assert fit is not None
    assert abs(fit.bounds[0, 0] - 0.3) < 0.05 and abs(fit.bounds[1, 0] - 2.2) < 0.05
    assert reps_mod._one_chain(fit.bounds, 0) == (1, 1)  # a first phase starts after the long still gap
    assert reps_mod._one_chain(fit.bounds, 1) == (0, 0)  # a second phase ends before it
    # sub-movements that follow each other within the allowed gap stay one phase
    x2 = 0.1 * ease((t - 1.5) / 0.4, 1.0) + 0.3 * ease((t - 2.2) / 0.8, 1.0)
    fit2 = reps_mod.fit_submovements(t, x2, 1.5, 1.5, 2)
    assert fit2 is not None and reps_mod._one_chain(fit2.bounds, 0) == (0, 1)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_a_phase_timed_as_sub_movements_states_an_uncertainty_that_covers_its_error_and_grows_with_noise(
        fps: float) -> None:
    # a compound lowering: a fifth of the depth in 0.5 s, then the rest in 1.5 s (true duration 2.0 s), in
    # autocorrelated noise (sway: white noise box-filtered over ~0.17 s) at two levels, 30 seeds each
    t = np.arange(0.0, 4.0, 1 / fps)
    x0 = 0.08 * ease((t - 0.8) / 0.5, 1.0) + 0.32 * ease((t - 1.3) / 1.5, 1.0)
    got = {}
    for level in (0.0005, 0.004):
        errs, sigs = [], []
        for seed in range(30):
            rng = np.random.default_rng(seed)
            n = np.convolve(rng.normal(0, 1, t.size + 8), np.ones(max(1, int(fps / 6))), "same")[4:-4]
            x = x0 + level * n / np.std(n)
            f = reps_mod.fit_submovements(t, x, 0.8, 2.0, 2)
            assert f is not None
            errs.append(abs(float(f.bounds[-1, 1] - f.bounds[0, 0]) - 2.0))
            sigs.append(reps_mod.submovement_duration_sigma_s(t, x, f, 0))
        e, u = np.array(errs), np.array(sigs)
        assert np.isfinite(u).all()
        got[level] = (float(np.median(u)), float(np.mean(e <= u)), float(np.mean(e <= 2 * u)))
        got[level] += (float(np.median(e)),)
    # measured (median sigma; within one, two sigma): 30 fps 0.013 / 0.040 s, 67 / 60 %, 83 / 87 %; 60 fps
    # 0.022 / 0.066 s, 57 / 57 %, 77 / 73 % (at 4x the higher noise 43-47 % and 73-77 %: the fit's local minima)
    assert got[0.004][0] > 1.5 * got[0.0005][0]
    for sig, in1, in2, err in got.values():
        assert 0.5 <= in1 and 0.7 <= in2 and sig < 3.0 * err + 0.01  # covers, and not by being huge
    # small on a clean phase
    f = reps_mod.fit_submovements(t, x0, 0.8, 2.0, 2)
    assert f is not None and reps_mod.submovement_duration_sigma_s(t, x0 + 1e-6 * np.sin(7 * t), f, 0) < 0.03


def test_reps_timed_as_sub_movements_carry_their_phase_uncertainty() -> None:
    plans = [Plan(2.0, 0.3, 1.2, side=s) for s in ("left", "right", "left", "right")]
    clip = make_clip("lunge", plans, seed=4, profile="two_stage")
    a = analyze(clip.lm, "lunge")
    assert a.params["submovements_per_phase"] == [2, 2] and all(r.extra["timing"] == "submovements" for r in a.reps)
    # measured: eccentric sigma 0.126, 0.111, 0.093 s and none on rep 4 (timed 0.62 s short, its sigma longer than its
    # window: "not estimated"); concentric 0.091, 0.058, 0.056, 0.045 s; 6 of the 7 errors within two sigma
    pairs = [(abs(getattr(r, f"{ph}_s") - q[f"{ph}_s"]), r.extra[f"{ph}_unc_s"])
             for r, q in zip(a.reps, clip.truth["reps"], strict=True) for ph in ("eccentric", "concentric")
             if f"{ph}_unc_s" in r.extra]
    assert len(pairs) >= 7 and all(0.02 < u < 0.5 for _, u in pairs)
    assert sum(e <= 2 * u for e, u in pairs) >= 0.75 * len(pairs)


def _truth_window(tr: dict[str, float], first: str, phase: str) -> tuple[float, float]:
    """Where a truth rep's ``phase`` ran (s): the first phase from the start, the second up to the end."""
    d1 = tr["eccentric_s"] if first == "ecc" else tr["concentric_s"]
    d2 = tr["concentric_s"] if first == "ecc" else tr["eccentric_s"]
    is_first = (phase == "eccentric") == (first == "ecc")
    return (tr["start_s"], tr["start_s"] + d1) if is_first else (tr["end_s"] - d2, tr["end_s"])


@pytest.mark.parametrize(("exercise", "first", "floor"), [("squat", "ecc", False), ("calf_raise", "con", False),
                                                          ("deadlift", "con", True),
                                                          ("stomping_lunge_step_up", "con", False)])
def test_each_rep_says_when_its_phases_ran_in_the_order_the_exercise_does_them(exercise: str, first: str,
                                                                               floor: bool) -> None:
    """A calf raise rises first and a deadlift from the floor lifts first: the rep's phase windows (what the page
    shades and the annotated video labels) put the eccentric where the lowering was, leave the pause at the turn
    out of both, and are exactly as long as the durations reported."""
    plans = [Plan(ecc_s=2.0, con_s=1.0, pause_s=0.8, rest_before_s=1.0, side=s) for s in ("left", "left", "right")]
    clip = make_clip(exercise, plans, first=first, from_floor=floor, seed=5)
    a = analyze(clip.lm, exercise)
    assert len(a.reps) == 3
    for r, tr in zip(a.reps, clip.truth["reps"], strict=True):
        assert r.first_phase == ("eccentric" if first == "ecc" else "concentric")
        ws = {w.name: w for w in r.phases()}
        assert [w.name for w in r.phases()] == [r.first_phase, "pause",
                                                "concentric" if first == "ecc" else "eccentric"]
        assert ws["eccentric"].duration_s == pytest.approx(r.eccentric_s, abs=1e-9)
        assert ws["concentric"].duration_s == pytest.approx(r.concentric_s, abs=1e-9)
        assert ws["pause"].start_s <= r.bottom_s <= ws["pause"].end_s
        for name in ("eccentric", "concentric"):
            t0, t1 = _truth_window(tr, first, name)
            overlap = min(t1, ws[name].end_s) - max(t0, ws[name].start_s)
            assert overlap > 0.7 * (t1 - t0), (name, ws[name], (t0, t1))


def test_a_hold_short_of_its_target_by_less_than_its_timing_precision_meets_it_in_the_cues_and_on_the_page() -> None:
    """Holds of 29.95 s and 29.5 s against 30 s: the first is within a hold's timing precision (HOLD_TOL_S, 0.2 s;
    rendered holds read 0.02-0.07 s off) and meets the target in both the cues and the page's prescription table,
    the second is short in both (the table used to allow one frame and the cues 1 s, so they disagreed)."""
    from formcheck.exercises import HOLD_TOL_S
    from formcheck.render import prescription_rows

    plans = [Plan(1.5, 0, 1.5, hold_s=29.95, side="left"), Plan(1.5, 0, 1.5, hold_s=29.5, side="right",
                                                                  rest_before_s=5.0)]
    clip = make_clip("lunge_heel_raise_hold", plans, seed=11)
    a = analyze(clip.lm, "lunge_heel_raise_hold")
    assert HOLD_TOL_S == 0.2
    assert [abs(h.duration_s - q["duration_s"]) < 0.1 for h, q in zip(a.holds, clip.truth["holds"], strict=True)] == [
        True, True]
    assert not any(c.startswith("Left leg: held") for c in a.feedback), a.feedback
    assert any(re.match(r"Right leg: held 29\.[4-6] s of the 30 s target", c) for c in a.feedback), a.feedback
    report = {"exercise": "lunge_heel_raise_hold", "source": {"fps": 30.0}, "reps": [],
              "holds": [h.to_dict() for h in a.holds], "params": {"targets": {"hold_s": 30.0}}}
    met = {what: ok for what, _, _, ok in prescription_rows(report) if what.startswith("Hold")}
    assert met == {"Hold (left)": True, "Hold (right)": False}


@pytest.mark.parametrize("exercise", ["tib_raise", "calf_raise"])
def test_slow_raises_are_checked_by_default_a_fast_lowering_is_flagged(exercise: str) -> None:
    """The prescription says "15 slow reps": by default a raise should lower in 1.5 s or slower, so the rep lowered in
    0.8 s is flagged and named in the cues, the 2 s ones are not, and ``--target-eccentric`` still overrides it."""
    plans = [Plan(ecc_s=e, pause_s=0.5, con_s=1.0, rest_before_s=0.8) for e in (2.0, 0.8, 2.0, 2.0)]
    clip = make_clip(exercise, plans, first="con", seed=13)
    a = analyze(clip.lm, exercise)
    assert a.summary["target"]["eccentric_s"] == 1.5
    assert [("fast_eccentric" in r.flags) for r in a.reps] == [False, True, False, False]
    assert any(c.startswith("Rep 2: lowering took") and "of the 1.5 s target" in c for c in a.feedback), a.feedback
    lenient = analyze(clip.lm, exercise, targets=reps_mod.Targets(eccentric_s=0.5))
    assert not any("fast_eccentric" in r.flags for r in lenient.reps)
