"""Report assembly, pose quality, atomic JSON writing and report validation on tiny hand-made landmark series."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from formcheck import __version__
from formcheck import skeleton as sk
from formcheck.report import (
    FOOT_LANDMARKS,
    build_report,
    feet_in_frame_fraction,
    pose_quality,
    validate_report,
    write_json,
)
from formcheck.types import N_LANDMARKS, Analysis, Contact, Hold, Landmarks, Rep, VideoMeta

LEFT_FOOT = (sk.LEFT_ANKLE, sk.LEFT_HEEL, sk.LEFT_FOOT_INDEX)
RIGHT_FOOT = (sk.RIGHT_ANKLE, sk.RIGHT_HEEL, sk.RIGHT_FOOT_INDEX)
CONTRACT_KEYS = {"exercise", "source", "quality", "contacts", "reps", "holds", "summary", "feedback", "params"}


def make_lm(
    n: int,
    fps: float = 10.0,
    detected: list[bool] | None = None,
    t: list[float] | None = None,
    body_vis: float = 0.9,
    foot_vis: float = 0.9,
) -> Landmarks:
    """``n`` frames; detected frames have every landmark at the image centre with ``body_vis`` (feet ``foot_vis``),
    the others are all NaN (nobody detected)."""
    det = np.ones(n, bool) if detected is None else np.asarray(detected, bool)
    times = np.arange(n) / fps if t is None else np.asarray(t, float)
    xyz = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
    vis = np.full((n, N_LANDMARKS), np.nan, np.float32)
    xyz[det] = 0.5
    vis[det] = body_vis
    vis[np.ix_(det, FOOT_LANDMARKS)] = foot_vis
    duration = float(times[-1] - times[0] + 1.0 / fps) if n else 0.0
    meta = VideoMeta("clip.mp4", fps, n, duration, 640, 480)
    return Landmarks(times, xyz, vis, vis.copy(), xyz.copy(), meta, "synthetic")


def with_changes(lm: Landmarks, xyz: dict[tuple[int, int, int], float] | None = None,
                 vis: dict[tuple[int, int], float] | None = None) -> Landmarks:
    """A copy of ``lm`` with single entries of ``xyz`` / ``visibility`` overwritten."""
    new_xyz, new_vis = lm.xyz.copy(), lm.visibility.copy()
    for k, v in (xyz or {}).items():
        new_xyz[k] = v
    for k2, v in (vis or {}).items():
        new_vis[k2] = v
    return Landmarks(lm.t, new_xyz, new_vis, lm.presence, lm.world, lm.meta, lm.model)


# --- feet_in_frame_fraction -------------------------------------------------------------------------------------------
def test_feet_fraction_is_one_when_both_feet_are_seen_in_every_frame() -> None:
    assert feet_in_frame_fraction(make_lm(5)) == 1.0


def test_feet_fraction_counts_frames_where_no_foot_is_fully_seen() -> None:
    # frame 2: both feet have one landmark outside the image (toe past the right edge, heel below the bottom)
    lm = with_changes(make_lm(4), xyz={(2, sk.LEFT_FOOT_INDEX, 0): 1.2, (2, sk.RIGHT_HEEL, 1): 1.05})
    assert feet_in_frame_fraction(lm) == pytest.approx(0.75)


def test_feet_fraction_ignores_frames_without_a_person() -> None:
    # 6 frames, person in 4 of them (frames 1 and 4 empty), feet lost in one of the 4 -> 3/4, not 3/6 or 5/6
    lm = make_lm(6, detected=[True, False, True, True, False, True])
    lm = with_changes(lm, xyz={(5, sk.LEFT_ANKLE, 0): -0.1, (5, sk.RIGHT_ANKLE, 0): -0.1})
    assert feet_in_frame_fraction(lm) == pytest.approx(0.75)


def test_one_whole_foot_is_enough_but_half_of_each_is_not() -> None:
    # frame 0: only the right foot is lost (left alone suffices); frame 1: left toe out AND right heel hidden
    lm = with_changes(make_lm(2), xyz={(0, sk.RIGHT_FOOT_INDEX, 1): 1.5, (1, sk.LEFT_FOOT_INDEX, 0): 1.01},
                      vis={(1, sk.RIGHT_HEEL): 0.1})
    assert feet_in_frame_fraction(lm) == pytest.approx(0.5)


def test_feet_fraction_applies_the_visibility_threshold_inclusively() -> None:
    lm = make_lm(4, foot_vis=0.5)
    assert feet_in_frame_fraction(lm, min_visibility=0.5) == 1.0  # >= threshold counts
    assert feet_in_frame_fraction(lm, min_visibility=0.6) == 0.0
    # a low-visibility heel on each foot in 1 of 4 frames
    lm2 = with_changes(make_lm(4), vis={(3, sk.LEFT_HEEL): 0.3, (3, sk.RIGHT_HEEL): 0.49})
    assert feet_in_frame_fraction(lm2) == pytest.approx(0.75)


def test_feet_on_the_image_border_count_as_inside() -> None:
    lm = with_changes(make_lm(1), xyz={(0, sk.LEFT_ANKLE, 0): 0.0, (0, sk.LEFT_HEEL, 1): 1.0,
                                       (0, sk.LEFT_FOOT_INDEX, 0): 1.0})
    lm = with_changes(lm, xyz={(0, sk.RIGHT_ANKLE, 0): 2.0})  # the right foot is out: the left must carry it
    assert feet_in_frame_fraction(lm) == 1.0


def test_feet_fraction_is_zero_when_nobody_or_no_frames() -> None:
    assert feet_in_frame_fraction(make_lm(3, detected=[False, False, False])) == 0.0
    assert feet_in_frame_fraction(Landmarks.empty(VideoMeta("x", 30.0, 0, 0.0, 64, 48))) == 0.0


# --- pose_quality -----------------------------------------------------------------------------------------------------
def test_pose_quality_counts_and_timing_of_a_fully_detected_clip() -> None:
    q = pose_quality(make_lm(20, fps=25.0))
    assert q["frames"] == 20 and q["frames_with_person"] == 20
    assert q["person_fraction"] == 1.0
    assert q["fps"] == 25.0
    assert q["frame_period_s"] == pytest.approx(0.04)
    assert q["duration_s"] == pytest.approx(20 / 25.0)  # from the video metadata
    assert q["longest_gap_s"] == 0.0
    assert q["feet_in_frame_fraction"] == 1.0
    assert type(q["frames"]) is int and type(q["frames_with_person"]) is int


def test_pose_quality_mean_visibility_of_feet_and_body() -> None:
    lm = make_lm(4, detected=[True, True, False, True], body_vis=0.9, foot_vis=0.6)
    q = pose_quality(lm)
    assert q["frames_with_person"] == 3
    assert q["person_fraction"] == pytest.approx(0.75)
    assert q["mean_visibility_feet"] == pytest.approx(0.6, abs=1e-6)
    # 6 foot landmarks at 0.6, the other 27 at 0.9; the empty frame (NaN) must not pull it down or to NaN
    assert q["mean_visibility_body"] == pytest.approx((27 * 0.9 + 6 * 0.6) / 33, abs=1e-6)


def test_pose_quality_with_nobody_detected_has_null_visibilities_and_a_whole_clip_gap() -> None:
    lm = make_lm(10, fps=10.0, detected=[False] * 10)
    q = pose_quality(lm)
    assert q["frames_with_person"] == 0 and q["person_fraction"] == 0.0
    assert q["mean_visibility_feet"] is None and q["mean_visibility_body"] is None
    assert q["feet_in_frame_fraction"] == 0.0
    # nobody in the whole clip: the gap is the whole clip (10 frames of 0.1 s)
    assert q["longest_gap_s"] == pytest.approx(lm.meta.duration_s)
    json.dumps(q, allow_nan=False)  # nulls, not NaN


def test_pose_quality_of_an_empty_series() -> None:
    q = pose_quality(Landmarks.empty(VideoMeta("x", 30.0, 0, 0.0, 64, 48)))
    assert q["frames"] == 0 and q["person_fraction"] == 0.0 and q["longest_gap_s"] == 0.0
    assert q["mean_visibility_feet"] is None


def test_longest_gap_picks_the_longest_run_of_missing_frames() -> None:
    # 20 frames at 10 fps: a 2-frame hole (frames 3-4) and a 5-frame hole (frames 10-14), both with a person
    # either side. A hole of k frames lasts k frame periods (0.5 s here); measured from the last frame seen to the
    # next frame seen it is k + 1 periods (0.6 s). Either way it is not the 2-frame hole (0.2-0.3 s).
    det = [True] * 20
    for i in (3, 4, 10, 11, 12, 13, 14):
        det[i] = False
    gap = pose_quality(make_lm(20, fps=10.0, detected=det))["longest_gap_s"]
    assert 0.5 - 1e-9 <= gap <= 0.6 + 1e-9


def test_longest_gap_uses_timestamps_not_frame_counts() -> None:
    # variable frame rate: frame 3 (t = 0.3) is alone in a 1.0 s hole of the timestamps, frames 6-8 are three
    # ordinary 0.1 s frames. The single missing frame is the longer gap in time (1.0-1.1 s vs 0.3-0.4 s).
    t = [0.0, 0.1, 0.2, 0.3, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8]
    det = [True, True, True, False, True, True, False, False, False, True]
    gap = pose_quality(make_lm(10, fps=10.0, detected=det, t=t))["longest_gap_s"]
    assert 1.0 - 1e-9 <= gap <= 1.1 + 1e-9


# --- build_report -----------------------------------------------------------------------------------------------------
def sample_analysis() -> Analysis:
    return Analysis(
        contacts=[
            Contact(0.40, 0.58, 0.18, None, False, "both", extra={"rsi": np.float64(2.5)}),
            Contact(1.00, 1.20, 0.20, 0.42, True, "left", touchdown_unc_s=0.002),
        ],
        reps=[Rep("right", 1.0, 3.0, 4.0, 2.0, 1.0, 0.8, ("fast_eccentric",))],
        holds=[Hold(None, 5.0, 35.5, 30.5)],
        summary={"n": np.int64(2), "mean_gct_s": np.float32(0.19), "cv": float("nan")},
        feedback=["Land softer."],
        params={"smooth_hz": 8.0},
    )


def test_build_report_carries_the_contract_keys_and_values() -> None:
    lm = make_lm(30, fps=30.0)
    an = sample_analysis()
    rep = build_report(lm, "pogo_hops", an, params={"targets": {"gct_s": 0.2}})
    assert set(rep) == CONTRACT_KEYS
    assert rep["exercise"] == "pogo_hops"
    assert rep["source"] == lm.meta.to_source()
    assert rep["quality"] == pose_quality(lm)
    assert rep["feedback"] == ["Land softer."]
    validate_report(rep)


def test_build_report_records_are_json_friendly_and_in_order() -> None:
    rep = build_report(make_lm(30, fps=30.0), "pogo_hops", sample_analysis())
    c0, c1 = rep["contacts"]
    assert (c0["touchdown_s"], c0["takeoff_s"], c0["gct_s"], c0["flight_s"]) == (0.40, 0.58, 0.18, None)
    assert c0["rsi"] == 2.5 and type(c0["rsi"]) is float  # a record's extra keys sit at the same level
    assert c0["touchdown_unc_s"] is None  # NaN -> null
    assert (c1["side"], c1["heel_touch"], c1["touchdown_unc_s"]) == ("left", True, 0.002)
    (r,) = rep["reps"]
    assert (r["side"], r["start_s"], r["bottom_s"], r["end_s"]) == ("right", 1.0, 3.0, 4.0)
    assert r["flags"] == ["fast_eccentric"]
    assert rep["holds"] == [{"side": None, "start_s": 5.0, "end_s": 35.5, "duration_s": 30.5}]
    assert rep["summary"]["n"] == 2 and type(rep["summary"]["n"]) is int
    assert rep["summary"]["mean_gct_s"] == pytest.approx(0.19) and type(rep["summary"]["mean_gct_s"]) is float
    assert rep["summary"]["cv"] is None
    json.dumps(rep, allow_nan=False)  # raises if any NaN or numpy value slipped through


def test_build_report_params_hold_version_model_caller_params_and_analysis_params() -> None:
    an = sample_analysis()
    given = {"pose": {"model": "full"}, "targets": {"gct_s": 0.2}}
    before = copy.deepcopy(given)
    rep = build_report(make_lm(3), "pogo_hops", an, params=given)
    p = rep["params"]
    assert p["version"] == __version__
    assert p["model"] == "synthetic"
    assert p["pose"] == {"model": "full"} and p["targets"] == {"gct_s": 0.2}
    assert p["analysis"] == {"smooth_hz": 8.0}
    assert given == before  # the caller's dict is not modified
    assert build_report(make_lm(3), "pogo_hops", an)["params"]["analysis"] == {"smooth_hz": 8.0}


def test_build_report_source_path_overrides_the_metadata_path() -> None:
    lm = make_lm(3)
    assert build_report(lm, "squat", Analysis())["source"]["path"] == "clip.mp4"
    rep = build_report(lm, "squat", Analysis(), source_path="/videos/a.mov")
    assert rep["source"]["path"] == "/videos/a.mov"
    assert rep["source"]["fps"] == 10.0 and rep["source"]["frame_count"] == 3
    assert lm.meta.path == "clip.mp4"


def test_build_report_of_an_empty_analysis_has_empty_records() -> None:
    rep = build_report(make_lm(3), "squat", Analysis())
    assert (rep["contacts"], rep["reps"], rep["holds"], rep["summary"], rep["feedback"]) == ([], [], [], {}, [])
    validate_report(rep)


def test_build_report_does_not_share_mutable_state_with_the_analysis() -> None:
    an = sample_analysis()
    rep = build_report(make_lm(3), "pogo_hops", an)
    rep["feedback"].append("extra")
    rep["summary"]["n"] = 99
    rep["params"]["analysis"]["smooth_hz"] = 1.0
    assert an.feedback == ["Land softer."]
    assert an.summary["n"] == 2
    assert an.params == {"smooth_hz": 8.0}


# --- write_json -------------------------------------------------------------------------------------------------------
def test_write_json_round_trips_and_leaves_only_the_target(tmp_path: Path) -> None:
    obj = {"a": [1, 2.5, None], "b": {"c": "é"}, "d": True}
    path = tmp_path / "report.json"
    write_json(obj, path)
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == obj
    assert text.endswith("}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_json_replaces_a_longer_old_file_completely(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"old": list(range(500))}), encoding="utf-8")
    write_json({"new": 1}, path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"new": 1}  # no tail of the old content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_json_renames_a_complete_temp_file_from_the_same_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"old": true}\n', encoding="utf-8")
    obj = {"values": list(range(2000))}
    seen: list[tuple[Path, Any, str]] = []
    real_replace = os.replace

    def spy(src: Any, dst: Any) -> None:
        # at the moment of the rename the temp file is already complete and the target is still the old file
        seen.append((Path(src), json.loads(Path(src).read_text(encoding="utf-8")), path.read_text(encoding="utf-8")))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_json(obj, path)
    ((src, content, target_before),) = seen
    assert src.parent == tmp_path and src != path
    assert content == obj
    assert target_before == '{"old": true}\n'
    assert json.loads(path.read_text(encoding="utf-8")) == obj


def test_write_json_gives_the_file_the_usual_mode_not_the_temp_files_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = tmp_path / "report.json"
        write_json({"a": 1}, path)
        assert path.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(umask)


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        # json writes the list before it reaches the object it cannot encode: the temp file is half written
        ({"values": list(range(5000)), "z": object()}, TypeError),
        ({"values": list(range(5000)), "z": float("nan")}, ValueError),  # NaN is not JSON (allow_nan=False)
    ],
    ids=["unencodable-object", "nan"],
)
def test_write_json_failing_midway_keeps_the_old_file_and_leaves_no_temp(
    tmp_path: Path, bad: dict[str, Any], error: type[Exception]
) -> None:
    path = tmp_path / "report.json"
    old = b'{\n  "version": 1\n}\n'
    path.write_bytes(old)
    with pytest.raises(error):
        write_json(bad, path)
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_json_failing_without_an_old_file_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_json({"a": list(range(100)), "b": {1, 2}}, tmp_path / "report.json")
    assert list(tmp_path.iterdir()) == []


# --- validate_report --------------------------------------------------------------------------------------------------
def valid_report() -> dict[str, Any]:
    return {
        "exercise": "pogo_hops",
        "source": {"path": "a.mp4", "fps": 30.0, "frame_count": 90, "duration_s": 3.0, "width": 640, "height": 480},
        "quality": {"frames": 90},
        "contacts": [{"touchdown_s": 0.4, "takeoff_s": 0.6, "gct_s": 0.2, "flight_s": None, "heel_touch": False,
                      "side": "both"}],
        "reps": [{"side": None, "start_s": 1.0, "bottom_s": 2.0, "end_s": 3.0, "eccentric_s": 1.0,
                  "concentric_s": 1.0}],
        "holds": [{"side": "left", "start_s": 0.0, "end_s": 30.0, "duration_s": 30.0}],
        "summary": {},
        "feedback": [],
        "params": {},
    }


def test_validate_accepts_a_valid_report_with_extra_keys() -> None:
    rep = valid_report()
    rep["files"] = {"json": "report.json"}  # extra keys may appear (README)
    rep["contacts"][0]["rsi"] = 2.0
    rep["source"]["rotation_deg"] = 90
    assert validate_report(rep) is None


@pytest.mark.parametrize("key", sorted(CONTRACT_KEYS))
def test_validate_rejects_a_missing_top_level_key(key: str) -> None:
    rep = valid_report()
    del rep[key]
    with pytest.raises(ValueError, match=f"'{key}' should be .*, got NoneType"):
        validate_report(rep)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("exercise", 3, "'exercise' should be str, got int"),
        ("source", [], "'source' should be dict, got list"),
        ("contacts", {}, "'contacts' should be list, got dict"),
        ("feedback", "Land softer.", "'feedback' should be list, got str"),
        ("params", None, "'params' should be dict, got NoneType"),
    ],
)
def test_validate_rejects_a_top_level_value_of_the_wrong_type(key: str, value: Any, message: str) -> None:
    rep = valid_report()
    rep[key] = value
    with pytest.raises(ValueError, match=message):
        validate_report(rep)


@pytest.mark.parametrize(
    ("section", "key", "message"),
    [
        ("source", "fps", "source lacks 'fps'"),
        ("source", "path", "source lacks 'path'"),
        ("contacts", "gct_s", "contact lacks 'gct_s'"),
        ("contacts", "heel_touch", "contact lacks 'heel_touch'"),
        ("reps", "bottom_s", "rep lacks 'bottom_s'"),
        ("reps", "side", "rep lacks 'side'"),
        ("holds", "duration_s", "hold lacks 'duration_s'"),
    ],
)
def test_validate_names_the_missing_key_of_a_section_or_record(section: str, key: str, message: str) -> None:
    rep = valid_report()
    target = rep[section] if section == "source" else rep[section][0]
    del target[key]
    with pytest.raises(ValueError, match=message):
        validate_report(rep)


def test_validate_checks_every_record_not_only_the_first() -> None:
    rep = valid_report()
    second = dict(rep["contacts"][0])
    del second["side"]
    rep["contacts"].append(second)
    with pytest.raises(ValueError, match="contact lacks 'side'"):
        validate_report(rep)


def test_validate_rejects_a_record_that_is_not_an_object_with_a_value_error() -> None:
    rep = valid_report()
    rep["contacts"] = [None]
    with pytest.raises(ValueError, match="contact"):
        validate_report(rep)
