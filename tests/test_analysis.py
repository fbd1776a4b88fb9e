"""The analysis dispatch: what it adds to every exercise's analysis."""

from __future__ import annotations

import dataclasses

import numpy as np
from tests.fixtures.hops import make_hops

from formcheck.analysis import analyze


def test_a_converted_videos_repeated_frames_are_reported_with_the_contacts_unchanged() -> None:
    lm, _ = make_hops(fps=30, n_hops=8, seed=1)
    change = np.r_[np.nan, np.random.default_rng(0).uniform(2.0, 5.0, len(lm) - 1)]
    plain = analyze(dataclasses.replace(lm, frame_change=change.astype(np.float32)), "pogo_hops")
    assert "frame_repeats" not in plain.summary
    assert not any("repeats" in cue for cue in plain.feedback)
    change[5::6] = 0.02  # every 6th frame repeats the one before it
    conv = analyze(dataclasses.replace(lm, frame_change=change.astype(np.float32)), "pogo_hops")
    fr = conv.summary["frame_repeats"]
    assert fr["every_n_frames"] == 6 and fr["converted"] and round(fr["motion_fps"]) == 25
    assert conv.feedback[-1].startswith("This video repeats every 6th frame (converted from about 25 fps to 30 fps)")
    assert conv.contacts == plain.contacts and conv.feedback[:-1] == plain.feedback
    squat = analyze(dataclasses.replace(lm, frame_change=change.astype(np.float32)), "squat")  # rep exercises too
    assert squat.summary["frame_repeats"]["every_n_frames"] == 6
