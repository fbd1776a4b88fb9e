"""Pose options chosen by exercise (pipeline.resolved)."""

from __future__ import annotations

from formcheck.pipeline import PoseOptions, resolved


def test_hops_run_unsmoothed_with_the_tracked_pass_and_reps_smoothed() -> None:
    hops, squat = resolved(PoseOptions(), "pogo_hops"), resolved(PoseOptions(), "squat")
    assert (hops.smooth, hops.tracked) == (False, True)
    assert (squat.smooth, squat.tracked) == (True, False)


def test_explicit_choices_win() -> None:
    assert resolved(PoseOptions(smooth=False), "pogo_hops").tracked is False  # --no-smooth: one unsmoothed pass
    assert resolved(PoseOptions(smooth=True), "pogo_hops") == PoseOptions(smooth=True, tracked=False)
    t = resolved(PoseOptions(tracked=True), "squat")  # --tracked asks for the unsmoothed series beside it
    assert (t.smooth, t.tracked) == (False, True)
    assert resolved(PoseOptions(tracked=False), "jump_rope").tracked is False
    assert resolved(PoseOptions(), None) == PoseOptions(smooth=False, tracked=False)
