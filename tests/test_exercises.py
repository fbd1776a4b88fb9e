"""The exercise catalogue: specs are consistent with the features, lookups and overrides behave."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import features as ft
from formcheck.exercises import EXERCISES, RepSpec, Targets, get_exercise
from formcheck.types import FormcheckError


def test_every_rep_exercise_drives_on_a_known_feature() -> None:
    for ex in EXERCISES.values():
        if ex.kind == "reps":
            assert ex.spec is not None, ex.id
            assert ex.spec.signal in ft.FEATURES, (ex.id, ex.spec.signal)
            assert ex.spec.signal in ft.SIGNAL_LANDMARKS, (ex.id, ex.spec.signal)
        else:
            assert ex.spec is None, ex.id


def test_single_leg_exercises_decide_a_side() -> None:
    for ex in EXERCISES.values():
        if ex.single_leg:
            assert ex.spec is not None and ex.spec.side_mode != "none", ex.id


def test_unknown_exercise_lists_the_known_ids() -> None:
    with pytest.raises(FormcheckError, match=r"unknown exercise 'squats'.*single_leg_box_squat"):
        get_exercise("squats")


def test_targets_merged_applies_only_given_overrides() -> None:
    base = get_exercise("single_leg_box_squat").targets
    t = base.merged(eccentric_s=3.0, reps=None, side="left")
    assert t == Targets(reps=6, eccentric_s=3.0, side="left")
    assert base.eccentric_s == 4.0  # frozen original untouched


@pytest.mark.parametrize("kw, msg", [({"sign": 2}, "sign"), ({"min_dur_s": 5.0, "max_dur_s": 2.0}, "min_dur_s"),
                                     ({"min_amp": 0.0}, "min_amp")])
def test_rep_spec_rejects_inconsistent_values(kw: dict[str, float], msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        RepSpec("hip_h_L", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("signal, floor", [("hip_height", None), ("hip_h_L", ("shoulder_height", 0.25))])
def test_rep_spec_rejects_an_unknown_driving_signal(signal: str, floor: tuple[str, float] | None) -> None:
    with pytest.raises(ValueError, match="unknown driving signal"):
        RepSpec(signal, floor_start_signal=floor)


def test_signal_confidence_rejects_an_unknown_signal_instead_of_borrowing_the_hips() -> None:
    with pytest.raises(ValueError, match="unknown driving signal 'typo'"):
        ft.signal_confidence(np.ones((2, 33)), "typo")
