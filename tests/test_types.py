"""Stage-boundary types: the landmarks file with and without the tracked pass."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.fixtures.hops import make_hops

from formcheck.types import (
    FootPitchSeries,
    FormcheckError,
    HipTrack,
    Landmarks,
    PhaseWindow,
    Rep,
    ShoeEvents,
    ShoePitch,
    rep_phases,
)


def test_landmarks_with_a_tracked_pass_round_trip(tmp_path: Path) -> None:
    lm, _ = make_hops(fps=60, n_hops=2, seed=0)
    trk = dataclasses.replace(lm, xyz=(lm.xyz + 0.01).astype(np.float32))
    both = dataclasses.replace(lm, tracked=trk)
    both.save(tmp_path / "lm.npz")
    back = Landmarks.load(tmp_path / "lm.npz")
    assert back.tracked is not None
    np.testing.assert_array_equal(back.xyz, lm.xyz)
    np.testing.assert_array_equal(back.tracked.xyz, trk.xyz)
    np.testing.assert_array_equal(back.tracked.t, lm.t)
    lm.save(tmp_path / "plain.npz")
    assert Landmarks.load(tmp_path / "plain.npz").tracked is None


def test_a_tracked_pass_must_share_the_timestamps() -> None:
    lm, _ = make_hops(fps=60, n_hops=2, seed=0)
    other = dataclasses.replace(lm, t=lm.t + 0.001)
    with pytest.raises(ValueError, match="same timestamps"):
        dataclasses.replace(lm, tracked=other)
    with pytest.raises(ValueError, match="cannot carry"):
        dataclasses.replace(lm, tracked=dataclasses.replace(lm, tracked=lm))


def test_not_a_landmarks_file(tmp_path: Path) -> None:
    np.savez(tmp_path / "x.npz", a=np.zeros(3))
    with pytest.raises(FormcheckError, match="not a formcheck landmarks file"):
        Landmarks.load(tmp_path / "x.npz")


def test_shoe_events_round_trip_with_the_landmarks(tmp_path: Path) -> None:
    lm, _ = make_hops(fps=60, n_hops=2, seed=0)
    shoe = ShoeEvents(np.array([0, 1]), np.array([1, 1]), np.array([0.5, 0.7]), np.array([0.501, np.nan]),
                      np.array([0.001, np.nan]), np.array([6, 0]))
    dataclasses.replace(lm, shoe_events=shoe).save(tmp_path / "lm.npz")
    back = Landmarks.load(tmp_path / "lm.npz").shoe_events
    assert back is not None and len(back) == 2
    for name in ShoeEvents.FIELDS:
        np.testing.assert_array_equal(getattr(back, name), getattr(shoe, name))
    lm.save(tmp_path / "plain.npz")
    assert Landmarks.load(tmp_path / "plain.npz").shoe_events is None
    with pytest.raises(ValueError, match="0 or 1"):
        ShoeEvents(np.array([2]), np.array([0]), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))
    with pytest.raises(ValueError, match="expected shape"):
        ShoeEvents(np.array([0, 1]), np.array([0]), np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2))


def test_shoe_pitch_round_trips_with_the_landmarks_and_shoe_events(tmp_path: Path) -> None:
    lm, _ = make_hops(fps=60, n_hops=2, seed=0)
    pitch = ShoePitch(np.array([0.5, 0.9]), np.array([0.7, 1.1]), np.array([1, 1]), np.array([6.2, np.nan]),
                      np.array([1.1, np.nan]), np.array([0.61, np.nan]), np.array([12, 0]))
    shoe = ShoeEvents(np.array([0]), np.array([1]), np.array([0.5]), np.array([0.501]), np.array([0.001]),
                      np.array([6]))
    dataclasses.replace(lm, shoe_events=shoe, shoe_pitch=pitch).save(tmp_path / "lm.npz")
    back = Landmarks.load(tmp_path / "lm.npz")
    assert back.shoe_pitch is not None and back.shoe_events is not None and len(back.shoe_pitch) == 2
    for name in ShoePitch.FIELDS:
        np.testing.assert_array_equal(getattr(back.shoe_pitch, name), getattr(pitch, name))
    dataclasses.replace(lm, shoe_events=shoe).save(tmp_path / "flow_only.npz")
    assert Landmarks.load(tmp_path / "flow_only.npz").shoe_pitch is None


def test_a_foot_pitch_series_round_trips_and_must_have_one_value_per_frame(tmp_path: Path) -> None:
    lm, _ = make_hops(fps=60, n_hops=2, seed=0)
    n = len(lm)
    pitch = np.where(np.arange(n) % 7 == 0, np.nan, np.linspace(0.0, 20.0, n))
    series = FootPitchSeries(1, pitch, np.full(n, 0.98))
    dataclasses.replace(lm, foot_pitch=series).save(tmp_path / "lm.npz")
    back = Landmarks.load(tmp_path / "lm.npz").foot_pitch
    assert back is not None and back.foot == 1
    np.testing.assert_array_equal(back.pitch_deg, pitch)
    np.testing.assert_array_equal(back.cc, series.cc)
    lm.save(tmp_path / "none.npz")
    assert Landmarks.load(tmp_path / "none.npz").foot_pitch is None
    with pytest.raises(ValueError, match="frames"):
        dataclasses.replace(lm, foot_pitch=FootPitchSeries(1, pitch[:-1], series.cc[:-1]))
    with pytest.raises(ValueError, match="0 or 1"):
        FootPitchSeries(2, pitch, series.cc)
    with pytest.raises(ValueError, match="expected shape"):
        FootPitchSeries(0, pitch, series.cc[:-1])


def test_a_hip_track_round_trips_and_must_have_one_value_per_frame(tmp_path: Path) -> None:
    lm, _ = make_hops(fps=60, n_hops=2, seed=0)
    n = len(lm)
    dy = np.where(np.arange(n) % 5 == 0, np.nan, np.sin(np.arange(n) / 9.0))
    track = HipTrack(dy, np.arange(n) % 60)
    dataclasses.replace(lm, hip_track=track).save(tmp_path / "lm.npz")
    back = Landmarks.load(tmp_path / "lm.npz").hip_track
    assert back is not None
    np.testing.assert_array_equal(back.dy_px, dy)
    np.testing.assert_array_equal(back.points, track.points)
    lm.save(tmp_path / "none.npz")
    assert Landmarks.load(tmp_path / "none.npz").hip_track is None
    with pytest.raises(ValueError, match="frames"):
        dataclasses.replace(lm, hip_track=HipTrack(dy[:-1], track.points[:-1]))
    with pytest.raises(ValueError, match="expected shape"):
        HipTrack(dy, track.points[:-1])


def test_a_shoe_pitch_row_is_found_by_its_window_foot_and_reading() -> None:
    p = ShoePitch([0.0, 1.0, 2.0, 3.0], [0.5, 1.5, 2.5, 3.5], [0, 1, 1, 0], [1.0, np.nan, 2.0, 3.0],
                  [1.0, 1.0, 1.0, 1.0], [0.2, 1.2, 2.2, 3.2], [5, 0, 5, 5])
    assert p.row_for(0.1, 0.6) == 0
    assert p.row_for(0.3, 0.9) is None  # 0.2 s of overlap: not more than half of either
    assert p.row_for(1.0, 1.5) is None  # no reading there
    assert p.row_for(2.0, 2.5, (0,)) is None and p.row_for(2.0, 2.5, (1,)) == 2  # another foot's row
    assert p.row_for(2.9, 3.6) == 3


def test_a_reps_phases_come_in_its_order_with_the_pause_between_and_round_trip_through_the_report() -> None:
    r = Rep(None, 1.0, 2.75, 6.0, eccentric_s=3.0, concentric_s=1.5, first_phase="concentric", turn_start_s=2.5,
            turn_end_s=3.0)
    want = (PhaseWindow("concentric", 1.0, 2.5), PhaseWindow("pause", 2.5, 3.0), PhaseWindow("eccentric", 3.0, 6.0))
    assert r.phases() == want and rep_phases(r.to_dict()) == want
    assert [w.duration_s for w in want] == [1.5, 0.5, 3.0]
    # no pause: two windows; a report from before the turn times: eccentric first, turning at bottom_s
    assert [w.name for w in Rep(None, 1.0, 2.0, 3.0, 1.0, 1.0, turn_start_s=2.0, turn_end_s=2.0).phases()] == [
        "eccentric", "concentric"]
    old = {"start_s": 1.0, "bottom_s": 3.0, "end_s": 4.0, "eccentric_s": 2.0, "concentric_s": 1.0}
    assert rep_phases(old) == (PhaseWindow("eccentric", 1.0, 3.0), PhaseWindow("concentric", 3.0, 4.0))
    assert rep_phases({"start_s": None, "bottom_s": 3.0, "end_s": 4.0}) == ()


@pytest.mark.parametrize("bad", [dict(turn_start_s=2.0, turn_end_s=1.5), dict(turn_start_s=0.5, turn_end_s=2.0),
                                 dict(turn_start_s=2.0, turn_end_s=None), dict(first_phase="up")])
def test_a_rep_with_turn_times_out_of_order_or_an_unknown_first_phase_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Rep(None, 1.0, 2.0, 3.0, 1.0, 1.0, **bad)


def test_the_frames_change_round_trips_and_must_have_one_value_per_frame(tmp_path: Path) -> None:
    lm, _ = make_hops(fps=30, n_hops=2, seed=0)
    change = np.r_[np.nan, np.linspace(1.0, 2.0, len(lm) - 1)].astype(np.float32)
    dataclasses.replace(lm, frame_change=change).save(tmp_path / "lm.npz")
    back = Landmarks.load(tmp_path / "lm.npz").frame_change
    assert back is not None
    np.testing.assert_array_equal(back, change)
    lm.save(tmp_path / "plain.npz")
    assert Landmarks.load(tmp_path / "plain.npz").frame_change is None
    with pytest.raises(ValueError, match="frame_change"):
        dataclasses.replace(lm, frame_change=change[1:])
