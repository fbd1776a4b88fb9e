"""Signal kernels on hand-made arrays whose answer is visible in the test."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import signals as sg


def test_runs_of_a_mask() -> None:
    m = np.array([0, 1, 1, 0, 0, 1, 0, 1, 1, 1], bool)
    assert sg.runs(m).tolist() == [[1, 3], [5, 6], [7, 10]]
    assert sg.runs(np.zeros(4, bool)).shape == (0, 2)
    assert sg.runs(np.ones(3, bool)).tolist() == [[0, 3]]


def test_short_gap_is_filled_long_gap_and_edges_are_not() -> None:
    t = np.arange(10) * 0.1
    x = np.array([np.nan, 1.0, 2.0, np.nan, 4.0, 5.0, np.nan, np.nan, np.nan, 9.0])
    y = sg.interpolate_gaps(t, x, max_gap_s=0.25)
    # gap at index 3 spans 0.2 s (t=0.2 -> 0.4): filled; indices 6-8 span 0.4 s: kept; leading NaN kept
    assert np.isnan(y[0])
    assert y[3] == pytest.approx(3.0)
    assert np.isnan(y[6:9]).all()
    y2 = sg.interpolate_gaps(t, x, max_gap_s=0.4)
    assert y2[6:9] == pytest.approx([6.0, 7.0, 8.0])


def test_gap_length_uses_real_timestamps_not_sample_count() -> None:
    t = np.array([0.0, 0.01, 0.5, 0.51])  # the NaN sample sits inside a 0.49 s hole
    x = np.array([0.0, np.nan, np.nan, 3.0])
    assert np.isnan(sg.interpolate_gaps(t, x, max_gap_s=0.1)[1])


def test_interpolate_gaps_handles_columns_independently() -> None:
    t = np.arange(4.0)
    x = np.array([[0.0, 0.0], [np.nan, 10.0], [2.0, np.nan], [3.0, 30.0]])
    y = sg.interpolate_gaps(t, x, max_gap_s=2)
    assert y.tolist() == [[0.0, 0.0], [1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]


def test_lowpass_keeps_slow_wave_and_removes_fast_one() -> None:
    fs = 240.0
    t = np.arange(0, 4, 1 / fs)
    slow = np.sin(2 * np.pi * 1.0 * t)
    fast = 0.5 * np.sin(2 * np.pi * 60.0 * t)
    y = sg.lowpass(slow + fast, cutoff_hz=10.0, fs=fs, order=2)
    core = slice(int(0.5 * fs), int(3.5 * fs))
    assert np.max(np.abs(y[core] - slow[core])) < 0.01  # zero phase: no lag on the 1 Hz wave


def test_lowpass_puts_nans_back() -> None:
    x = np.sin(np.linspace(0, 6, 100))
    x[40:45] = np.nan
    y = sg.lowpass(x, 5.0, fs=50.0)
    assert np.isnan(y[40:45]).all() and np.isfinite(y[:40]).all()


def test_lowpass_rejects_cutoff_above_nyquist() -> None:
    with pytest.raises(ValueError, match="fs/2"):
        sg.lowpass(np.zeros(50), 30.0, fs=50.0)


def test_lowpass_t_on_nonuniform_timestamps_matches_the_clean_signal() -> None:
    rng = np.random.default_rng(0)
    t = np.cumsum(rng.uniform(0.025, 0.042, 300))  # variable frame rate around 30 fps
    clean = np.sin(2 * np.pi * 0.5 * t)
    y = sg.lowpass_t(t, clean + 0.05 * rng.standard_normal(t.size), cutoff_hz=3.0)
    core = slice(30, -30)
    assert np.sqrt(np.mean((y[core] - clean[core]) ** 2)) < 0.03


def test_derivative_in_real_time_units() -> None:
    t = np.array([0.0, 0.1, 0.3, 0.6, 1.0])  # uneven steps
    x = 3.0 * t + 1.0
    assert sg.derivative(t, x) == pytest.approx(np.full(5, 3.0))


def test_resample_uniform_grid_and_values() -> None:
    t = np.array([0.0, 0.1, 0.3])
    x = np.array([0.0, 1.0, 3.0])
    tu, xu = sg.resample_uniform(t, x, fs=20.0)
    assert tu == pytest.approx([0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3])
    assert xu == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0])


def test_hysteresis_switches_only_past_the_thresholds() -> None:
    x = np.array([0, 0.6, 0.9, 0.5, 0.3, 0.15, 0.5, 0.95, np.nan, 0.1])
    on = sg.hysteresis(x, low=0.2, high=0.8)
    assert on.tolist() == [False, False, True, True, True, False, False, True, True, False]


def test_online_hysteresis_equals_offline() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 200)
    h = sg.Hysteresis(0.3, 0.7)
    assert [h.update(v) for v in x] == sg.hysteresis(x, 0.3, 0.7).tolist()


def test_crossing_time_interpolates_between_samples() -> None:
    assert sg.crossing_time(1.0, 0.0, 1.1, 10.0, 2.5) == pytest.approx(1.025)


def test_is_uniform_and_rate() -> None:
    assert sg.is_uniform(np.arange(10) / 30)
    assert not sg.is_uniform(np.array([0, 0.033, 0.066, 0.2]))
    assert sg.sample_rate_hz(np.arange(10) * 1001 / 30000) == pytest.approx(29.97, abs=1e-3)


def test_match_nearest_pairs_each_event_once_closest_first() -> None:
    assert sg.match_nearest([1.0, 2.0, 3.0], [2.02, 0.99, 5.0], 0.05) == [(0, 1), (1, 0)]
    # two candidates for one label: the closer one wins, the other stays unmatched
    assert sg.match_nearest([1.0, 1.05], [1.04], 0.1) == [(1, 0)]
    assert sg.match_nearest([], [1.0], 0.1) == []


def test_complementary_takes_the_slow_part_from_the_absolute_series_and_the_fast_part_from_the_steps() -> None:
    # a hip row with squat-like excursions; the absolute series (landmarks) has 3 px of noise and gaps, the steps
    # (a tracked image region) 0.9 of the motion, 0.05 px of noise and a drift of 0.02 px per frame
    rng = np.random.default_rng(4)
    t = np.arange(0.0, 40.0, 1 / 30)
    x = 300 + 60 * np.clip(np.sin(2 * np.pi * t / 8.0), 0, None) ** 2
    absolute = x + rng.normal(0, 3.0, t.size)
    absolute[100:110] = np.nan
    steps = 0.9 * np.diff(x, prepend=np.nan) + 0.02 + rng.normal(0, 0.05, t.size)
    steps[500:503] = np.nan
    out = sg.complementary(t, absolute, steps)
    ok = np.isfinite(absolute)
    assert np.isnan(out[100:110]).all() and np.isfinite(out[ok]).all()
    # the fast part: one excursion of the result against the truth, after removing the level (0.9 of the motion)
    seg = (t > 8.0) & (t < 12.0)
    fast = np.diff(out[seg])
    assert np.corrcoef(fast, np.diff(x[seg]))[0, 1] > 0.99
    assert np.std(fast - 0.9 * np.diff(x[seg])) < 0.1  # the steps' noise, not the landmarks' 3 px
    # the slow part: no drift over the clip (0.02 px/frame would be 24 px by the end)
    assert abs(np.nanmedian((out - x)[-300:]) - np.nanmedian((out - x)[:300])) < 3.0
    assert np.isnan(sg.complementary(t, np.full(t.size, np.nan), steps)).all()


def test_step_disagreement_in_body_units_per_second() -> None:
    t = np.arange(0.0, 4.0, 1 / 30)
    x = 100 + 20 * t  # 20 px/s
    assert np.nanmax(sg.step_disagreement(t, x, np.diff(x, prepend=np.nan), 200.0)) < 0.01  # filter ends only
    d = sg.step_disagreement(t, x, np.zeros(t.size), 200.0)  # a track that holds still: 20 px/s = 0.1 leg/s
    assert np.nanmedian(d) == pytest.approx(0.1, abs=1e-3)
