"""Truth self-consistency of the synthetic athlete's motions (no rendering, no model)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from formcheck.exercises import EXERCISES
from formcheck.synth.body import DIMS, build
from formcheck.synth.command import motion_for, parse_numbers, short_motion
from formcheck.synth.motions import GENERATORS, G, Motion, pogo_hops
from formcheck.types import FormcheckError


def sole_heights(m: Motion, t: np.ndarray) -> np.ndarray:
    """(T, 4) heel_l, toe_l, heel_r, toe_r heights (m)."""
    out = np.empty((len(t), 4))
    for i, ti in enumerate(t):
        sk = build(m.pose(float(ti)))
        out[i] = [sk["heel_l"][2], sk["toe_l"][2], sk["heel_r"][2], sk["toe_r"][2]]
    return out


def test_generator_ids_match_catalogue() -> None:
    assert set(GENERATORS) <= set(EXERCISES)


def test_heel_touch_on_fourth_hop() -> None:
    m = pogo_hops(hops=8, heel_touch=(4,), seed=3)
    for c in m.contacts:
        t = np.linspace(c["touchdown_s"], c["takeoff_s"], 401)
        h = sole_heights(m, t)
        heel_min = h[:, [0, 2]].min()
        assert c["heel_touch"] == (c["hop"] == 4)
        if c["heel_touch"]:
            assert heel_min == pytest.approx(0.0, abs=1e-9)
            down = t[np.all(h[:, [0, 2]] <= 1e-9, axis=1)]
            assert down[-1] - down[0] == pytest.approx(c["heel_down_s"], abs=2 * (t[1] - t[0]))
        else:
            assert heel_min >= 0.02
            assert heel_min == pytest.approx(c["min_heel_height_m"], abs=1e-4)
        # Forefoot stays down through the contact.
        assert np.abs(h[:, [1, 3]]).max() < 1e-9


def test_touchdown_is_first_instant_a_sole_point_reaches_the_floor() -> None:
    m = pogo_hops(hops=5, seed=1)
    for c in m.contacts:
        before = sole_heights(m, np.array([c["touchdown_s"] - 1e-3, c["takeoff_s"] + 1e-3]))
        at = sole_heights(m, np.array([c["touchdown_s"], c["takeoff_s"]]))
        assert before.min(axis=1).min() > 1e-4  # airborne 1 ms before touchdown and 1 ms after takeoff
        assert at.min(axis=1) == pytest.approx([0.0, 0.0], abs=1e-9)
        assert c["gct_s"] == pytest.approx(c["takeoff_s"] - c["touchdown_s"])


def test_flight_apex_matches_ballistic_height() -> None:
    m = pogo_hops(hops=4, flight_s=0.4, seed=2)
    for prev, c in zip(m.contacts[:-1], m.contacts[1:], strict=True):
        t = np.linspace(prev["takeoff_s"], c["touchdown_s"], 2001)
        toe = sole_heights(m, t)[:, 1]
        assert c["flight_s"] == pytest.approx(c["touchdown_s"] - prev["takeoff_s"])
        assert toe.max() == pytest.approx(G * c["flight_s"] ** 2 / 8, abs=1e-5)
        assert c["flight_apex_m"] == pytest.approx(G * c["flight_s"] ** 2 / 8)


def test_fatigue_drift_lengthens_contacts() -> None:
    m = pogo_hops(hops=12, drift=0.3, seed=0, jitter=0.0)
    gct = [c["gct_s"] for c in m.contacts]
    assert gct[-1] == pytest.approx(gct[0] * 1.3, rel=1e-6)
    assert all(b > a for a, b in itertools.pairwise(gct))


@pytest.mark.parametrize("exercise", sorted(GENERATORS))
def test_rep_phases_add_up(exercise: str) -> None:
    m, _ = short_motion(exercise)
    for r in m.reps:
        assert r["start_s"] < r["bottom_s"] < r["end_s"] <= m.duration_s
        total = r["eccentric_s"] + r["concentric_s"] + r["pause_s"] + r.get("step_s", 0.0)
        assert total == pytest.approx(r["end_s"] - r["start_s"], abs=1e-9)
    for h in m.holds:
        assert h["duration_s"] == pytest.approx(h["end_s"] - h["start_s"])


@pytest.mark.parametrize("exercise", ["squat", "offset_back_squat", "deadlift", "calf_raise", "tib_raise"])
def test_planted_feet_do_not_slide(exercise: str) -> None:
    """The anchored sole point of each foot stays exactly put, so IK never had to drag a foot."""
    m, _ = short_motion(exercise)
    anchor = "toe" if exercise == "calf_raise" else "heel"
    pts = []
    for t in np.linspace(0, m.duration_s, 300):
        sk = build(m.pose(float(t)))
        pts.append([sk[f"{anchor}_l"], sk[f"{anchor}_r"]])
    p = np.array(pts)
    assert np.abs(p - p[0]).max() < 1e-6


def test_idle_between_reps_is_small_compared_with_a_rep() -> None:
    m, _ = short_motion("squat")
    t = np.linspace(0, m.duration_s, 1500)
    z = np.array([m.pose(float(ti)).pelvis[2] for ti in t])
    in_rep = np.zeros_like(t, bool)
    for r in m.reps:
        in_rep |= (t >= r["start_s"]) & (t <= r["end_s"])
    idle_range = z[~in_rep].max() - z[~in_rep].min()
    rep_range = z[in_rep].max() - z[in_rep].min()
    assert idle_range < 0.015 < 0.3 < rep_range


def test_eccentric_shorter_than_target_is_flagged() -> None:
    m = GENERATORS["single_leg_box_squat"](reps=3, eccentric_s=4.0, fast=(2,), seed=0)
    assert [r["side"] for r in m.reps] == ["left"] * 3 + ["right"] * 3
    fast = [i for i, r in enumerate(m.reps, 1) if "fast_eccentric" in r["flags"]]
    assert fast == [2]
    assert m.reps[1]["eccentric_s"] == pytest.approx(1.6)
    assert all(r["eccentric_s"] >= 3.8 for i, r in enumerate(m.reps) if i != 1)


def test_lunge_hold_heel_drop_lowers_front_heel() -> None:
    m = GENERATORS["lunge_heel_raise_hold"](hold_s=6.0, heel_drop_at_s=2.0, sides=("left",))
    (hold,) = m.holds
    (drop,) = m.extras["heel_drops"]
    up = DIMS.foot_length * math.sin(0.3)

    def heel(t: float) -> float:
        return float(build(m.pose(t))["heel_l"][2])

    assert heel(hold["start_s"] + 1.0) == pytest.approx(up, abs=2e-3)
    assert heel((drop["heel_down_s"] + drop["heel_up_s"]) / 2) == pytest.approx(0.0, abs=1e-9)
    assert heel(hold["end_s"] - 0.5) == pytest.approx(up, abs=2e-3)


def test_bad_options_are_one_line_errors() -> None:
    with pytest.raises(FormcheckError, match="hop numbers"):
        motion_for("pogo_hops", hops=5, heel_touch=(7,))
    with pytest.raises(FormcheckError, match="pogo_hops only"):
        motion_for("squat", heel_touch=(1,))
    with pytest.raises(FormcheckError, match="no synthetic generator"):
        motion_for("burpee")
    with pytest.raises(FormcheckError, match="comma-separated"):
        parse_numbers("4;9", "--heel-touch")
