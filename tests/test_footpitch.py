"""Foot pitch by registering the shoe against the standing shoe, on rendered frames of a textured shoe whose
pitch about the toe is known."""

from __future__ import annotations

import dataclasses
import math
import sys

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from formcheck import footpitch
from formcheck import skeleton as sk
from formcheck.contacts import apply_shoe_pitch
from formcheck.types import Contact, FootPitchSeries, Landmarks, ShoePitch, VideoMeta

W, H = 240, 160
FOOT = 40.0  # heel-toe length (px)
TOE = np.array([150.0, 120.0])  # toe on the floor (px); the shoe faces +x
SOLE_H = 12  # shoe height (px)


def _texture(shape: tuple[int, int], seed: int, sigma: float) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.uniform(0, 255, shape).astype(np.float32), (0, 0), sigma)


def _shoe_frame(pitch_deg: float, toe: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.uint8]:
    """Floor, wall and a shoe pitched heel-up by ``pitch_deg`` about its toe, with sensor noise (4 grey levels)."""
    bg = _texture((H, W), 1, 2.0)
    bg[int(TOE[1]):] = 0.5 * bg[int(TOE[1]):] + 60  # a darker floor below the floor line
    shoe = _texture((SOLE_H, int(FOOT)), 2, 0.8) * 0.6 + 80
    shoe[-3:] = 235  # a white sole
    p = math.radians(pitch_deg)
    rot = np.array([[math.cos(p), -math.sin(p)], [math.sin(p), math.cos(p)]])
    toe_sprite = np.array([FOOT, float(SOLE_H)])  # the sprite's bottom-right corner is the toe
    m = np.hstack([rot, (toe - rot @ toe_sprite)[:, None]]).astype(np.float32)
    img = cv2.warpAffine(shoe, m, (W, H), flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(np.ones_like(shoe), m, (W, H), flags=cv2.INTER_LINEAR)
    out = bg * (1 - mask) + img * mask + rng.normal(0, 4.0, (H, W))
    return np.clip(out, 0, 255).astype(np.uint8)


def _heel(pitch_deg: float, toe: NDArray[np.float64]) -> NDArray[np.float64]:
    p = math.radians(pitch_deg)
    return toe - FOOT * np.array([math.cos(p), math.sin(p)])


def _set(pitches: NDArray[np.float64], landmark_bias_deg: float = 0.0, seed: int = 0
         ) -> tuple[Landmarks, list[NDArray[np.uint8]]]:
    """Frames at 60 fps with the shoe at ``pitches``; landmarks with heel and toe where MediaPipe would put them,
    the heel read ``landmark_bias_deg`` too high and 0.7 px of noise on every point."""
    rng = np.random.default_rng(seed)
    n = pitches.size
    t = np.arange(n) / 60.0
    xyz = np.full((n, 33, 3), np.nan, np.float32)
    frames = []
    for k, pd in enumerate(pitches):
        toe = TOE + np.array([0.3 * (k % 2), 0.0])  # a little sway
        frames.append(_shoe_frame(float(pd), toe, rng))
        heel = _heel(float(pd) + landmark_bias_deg, toe)
        for side, dy in (("left", -3.0), ("right", 0.0)):  # the far (left) foot sits higher in the image
            ix = sk.SIDE_INDEX[side]
            xyz[k, ix["toe"], :2] = (toe + np.array([0.0, dy]) + rng.normal(0, 0.7, 2)) / [W, H]
            xyz[k, ix["heel"], :2] = (heel + np.array([0.0, dy]) + rng.normal(0, 0.7, 2)) / [W, H]
    xyz[:, :, 2] = 0
    vis = np.ones((n, 33), np.float32)
    meta = VideoMeta("shoe.mp4", 60.0, n, n / 60.0, W, H)
    return Landmarks(t, xyz, vis, vis.copy(), np.zeros((n, 33, 3), np.float32), meta, "synthetic"), frames


def _contact(t: NDArray[np.float64], a: int, b: int, heel: bool = False, side: str = "both") -> Contact:
    return Contact(float(t[a]), float(t[b - 1]), float(t[b - 1] - t[a]), None, heel, side,  # type: ignore[arg-type]
                   0.005, 0.005, 0.9, {"min_pitch_deg": 4.0})


def _measure(lm: Landmarks, frames: list[NDArray[np.uint8]], contacts: list[Contact], stand_s: float) -> ShoePitch:
    plan = footpitch.plan(lm, contacts, [float("nan"), stand_s])  # the right foot's stand
    assert plan is not None and plan.foot == 1  # the nearer foot: lower in the image
    meter = footpitch.PitchMeter(lm, plan)
    for k in sorted(plan.frames_needed()):
        meter.push(k, frames[k])
    return meter.result()


def test_registration_reads_the_pitch_of_the_shoe_not_the_landmarks() -> None:
    # a 0.5 s stand, then one held pitch per "contact"; the landmarks read every pitch 3° too high
    held = [0.0, 2.0, 5.0, 9.0, 14.0]
    pitches = np.concatenate([np.zeros(30)] + [np.full(8, p) for p in held])
    lm, frames = _set(pitches, landmark_bias_deg=3.0)
    contacts = [_contact(lm.t, 30 + 8 * i, 38 + 8 * i) for i in range(len(held))]
    got = _measure(lm, frames, contacts, stand_s=0.25)
    assert (got.n_frames >= 6).all()
    # measured: -0.01, 1.84, 4.77, 8.72, 13.30° (the still floor and wall in the box hold the registration back
    # by about 5 % of the pitch); the landmarks read 3° too much by construction
    assert np.all(np.abs(got.min_pitch_deg - held) <= 0.3 + 0.07 * np.array(held))
    assert (got.sigma_deg >= footpitch.SYS_DEG).all() and (got.sigma_deg < 2.0).all()


def test_a_heel_that_comes_down_for_a_moment_is_a_heel_touch_and_one_that_stays_up_is_not() -> None:
    # contacts of 12 frames at 60 fps: the heel lowers from 13° and rises again, to 6° (kept up) or down to the
    # floor for 3 frames
    u = np.linspace(0, 1, 12)
    up = 13.0 - 7.0 * np.sin(np.pi * u)
    down = np.maximum(13.0 - 18.0 * np.sin(np.pi * u), 0.0)
    flight = np.full(10, 13.0)
    pitches = np.concatenate([np.zeros(30), flight, up, flight, down, flight, up, flight])
    lm, frames = _set(pitches, landmark_bias_deg=4.0, seed=1)
    starts = [40, 62, 84]
    contacts = [_contact(lm.t, a, a + 12) for a in starts]
    got = _measure(lm, frames, contacts, stand_s=0.25)
    assert got.min_pitch_deg[1] < 1.0 and (got.min_pitch_deg[[0, 2]] > 5.0).all()
    decided = apply_shoe_pitch(contacts, got)
    assert [c.heel_touch for c in decided] == [False, True, False]
    assert all(c.extra["heel_method"] == "shoe pitch" and c.heel_confidence > 0.9 for c in decided)
    assert decided[1].extra["heel_touch_landmark"] is False and decided[1].extra["min_pitch_landmark_deg"] == 4.0
    assert lm.t[62] <= decided[1].extra["heel_t_s"] <= lm.t[73]


def test_a_one_foot_step_of_the_other_foot_an_unmeasured_contact_and_a_wild_reading_keep_the_landmark_call(
) -> None:
    t = np.arange(60) / 60.0
    contacts = [_contact(t, 5, 15, side="left"), _contact(t, 20, 30), _contact(t, 32, 39, heel=True),
                _contact(t, 45, 55)]
    pitch = ShoePitch([t[5], t[20], t[32], t[45]], [t[14], t[29], t[38], t[54]], [1, 1, 1, 1],
                      [0.2, 0.3, np.nan, -8.0], [1.0, 1.0, np.nan, 1.0], [t[8], t[25], np.nan, t[50]], [10, 10, 0, 10])
    out = apply_shoe_pitch(contacts, pitch)
    assert out[0] == contacts[0] and out[2] == contacts[2]  # left-foot step measured on the right: untouched
    assert out[1].heel_touch and out[1].extra["heel_method"] == "shoe pitch"
    # 12° from the landmarks' 4°: the registration locked onto something else
    assert not out[3].heel_touch and "heel_method" not in out[3].extra
    assert out[3].extra["heel_shoe_pitch_rejected_deg"] == -8.0


@pytest.mark.parametrize("case", ["no stand", "front view", "tiny"])
def test_no_plan_without_a_stand_or_a_side_view_of_a_foot_big_enough(case: str) -> None:
    lm, _ = _set(np.zeros(40))
    contacts = [_contact(lm.t, 30, 38)]
    if case == "no stand":
        assert footpitch.plan(lm, contacts, [0.25, float("nan")]) is None  # the far foot's stand is no use
        return
    xyz = lm.xyz.copy()
    for side in ("left", "right"):
        ix = sk.SIDE_INDEX[side]
        if case == "front view":  # heel straight behind the toe: the foot points at the camera
            xyz[:, ix["heel"], 0] = xyz[:, ix["toe"], 0]
        else:  # a 10 px foot
            xyz[:, ix["heel"], 0] = xyz[:, ix["toe"], 0] - 10.0 / W
    assert footpitch.plan(dataclasses.replace(lm, xyz=xyz), contacts, [0.25, 0.25]) is None


def test_shoe_pitch_rejects_inconsistent_rows() -> None:
    with pytest.raises(ValueError, match="shape"):
        ShoePitch([0.0], [0.1, 0.2], [0], [1.0], [1.0], [0.05], [3])
    with pytest.raises(ValueError, match="takeoff before"):
        ShoePitch([0.3], [0.1], [0], [1.0], [1.0], [0.05], [3])


def test_contacts_where_the_measured_foot_is_the_far_one_are_not_measured() -> None:
    # a staggered stand, then hops where the feet swap depth on the third contact (the athlete turned round)
    pitches = np.concatenate([np.zeros(30), np.full(10, 13.0), np.full(8, 5.0), np.full(10, 13.0), np.full(8, 5.0),
                              np.full(10, 13.0), np.full(8, 0.0), np.full(10, 13.0)])
    lm, frames = _set(pitches, seed=2)
    xyz = lm.xyz.copy()
    swap = slice(76, 84)
    for j in ("heel", "toe"):
        xyz[swap, sk.SIDE_INDEX["left"][j], 1] += 6.0 / H  # the left foot now below the right one
    lm = dataclasses.replace(lm, xyz=xyz)
    contacts = [_contact(lm.t, a, a + 8) for a in (40, 58, 76)]
    got = _measure(lm, frames, contacts, stand_s=0.25)
    assert np.isfinite(got.min_pitch_deg[:2]).all() and np.isnan(got.min_pitch_deg[2]) and got.n_frames[2] == 0


def _with_shin(lm: Landmarks, frames: list[NDArray[np.uint8]], pitches: NDArray[np.float64],
               ankle_up: NDArray[np.float64], lean_deg: NDArray[np.float64]) -> Landmarks:
    """Draw a dark lower leg (16 px thick) on ``frames`` from the right ankle, ``ankle_up`` shoe heights above the sole
    over the back third of the shoe, to a knee 45 px away leaning forward by ``lean_deg``; the landmarks get that knee
    and ankle."""
    xyz = lm.xyz.copy()
    ix = sk.SIDE_INDEX["right"]
    for k, (pd, up_h, lean) in enumerate(zip(pitches, ankle_up, lean_deg, strict=True)):
        toe = TOE + np.array([0.3 * (k % 2), 0.0])
        p = math.radians(float(pd))
        along, up = np.array([math.cos(p), math.sin(p)]), np.array([math.sin(p), -math.cos(p)])
        ankle = _heel(float(pd), toe) + 0.3 * FOOT * along + up_h * SOLE_H * up
        knee = ankle + 45.0 * np.array([math.sin(math.radians(lean)), -math.cos(math.radians(lean))])
        cv2.line(frames[k], tuple(int(round(v)) for v in knee), tuple(int(round(v)) for v in ankle), 25, 16)
        xyz[k, ix["knee"], :2] = knee / [W, H]
        xyz[k, ix["ankle"], :2] = ankle / [W, H]
    return dataclasses.replace(lm, xyz=xyz)


@pytest.mark.parametrize("masked", [True, False])
def test_the_lower_leg_coming_down_over_the_shoe_does_not_turn_the_reading(masked: bool,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # with the knee bent on a landing the shin's image moves down over the top of the shoe (a rendered athlete read
    # every contact 4-5° towards toes-up that way): stand with the leg's end above the shoe, contacts with it 0.8
    # shoe heights up, the leg leaning 20° forward
    held = np.array([0.0, 6.0, 0.0, 6.0])
    pitches = np.concatenate([np.zeros(30)] + [np.full(8, p) for p in held])
    contact = np.arange(pitches.size) >= 30
    lm, frames = _set(pitches)
    lm = _with_shin(lm, frames, pitches, np.where(contact, 0.8, 1.8), np.where(contact, 20.0, 0.0))
    if not masked:
        monkeypatch.setattr(footpitch, "leg_mask", lambda *a, **k: None)
    contacts = [_contact(lm.t, 30 + 8 * i, 38 + 8 * i) for i in range(held.size)]
    got = _measure(lm, frames, contacts, stand_s=0.25).min_pitch_deg
    # measured: masked 0.04, 5.49, 0.01, 5.52°; unmasked -1.85, 7.14, -1.85, 0.03° (the last a heel touch)
    ok = np.all(np.abs(got - held) <= 0.3 + 0.1 * held)
    assert ok if masked else not ok, got


def _series(lm: Landmarks, frames: list[NDArray[np.uint8]], stand_s: float) -> NDArray[np.float64]:
    plan = footpitch.series_plan(lm, stand_s)
    assert plan is not None and plan.foot == 1  # the nearer foot: lower in the image
    meter = footpitch.SeriesMeter(lm, plan)
    for k, img in enumerate(frames):  # in order, as decoded
        meter.push(k, img)
    got = meter.result()
    assert got.foot == 1 and len(got) == len(lm.t)
    return got.pitch_deg


def test_a_pitch_series_follows_the_shoe_through_a_raise_not_the_landmarks() -> None:
    # a calf raise to 20° and back (cosine eases, 0.8 s each way), then a still stretch that is the flat reference,
    # then a second raise: the frames before the reference are held and registered once it is complete
    up = 10.0 * (1 - np.cos(np.pi * np.linspace(0, 1, 48)))
    raise_ = np.concatenate([up, np.full(12, 20.0), up[::-1]])
    pitches = np.concatenate([np.zeros(12), raise_, np.zeros(30), raise_, np.zeros(6)])
    lm, frames = _set(pitches, landmark_bias_deg=3.0, seed=3)
    got = _series(lm, frames, stand_s=float(lm.t[12 + raise_.size + 15]))
    assert np.isfinite(got).mean() > 0.95
    ok = np.isfinite(got)
    err = got[ok] - pitches[ok]
    # measured (seeds 3-5; the 40 px foot registered at 36 px): |error| median 0.37-0.52°, max 1.29-1.35°; at 20°
    # the series reads 1.1-1.2° low (the still floor and wall in the box hold the registration back, 6 %); the
    # landmarks read 3° too high by construction
    assert np.max(np.abs(err)) <= 0.4 + 0.06 * np.max(pitches) and np.median(np.abs(err)) < 0.6
    series = FootPitchSeries(1, got, np.ones_like(got))
    assert footpitch.series_agreement(lm, series) > 0.95
    # the landmarks raise the heel while the frames show a shoe that stays flat (a registration locked on something
    # else reads the same): the series does not follow the landmarks and is not used
    flat_lm, flat_frames = _set(np.zeros_like(pitches), seed=3)
    still = _series(lm, flat_frames, stand_s=float(lm.t[12 + raise_.size + 15]))
    assert np.nanmax(np.abs(still)) < 1.0
    assert footpitch.series_agreement(lm, FootPitchSeries(1, still, np.ones_like(still))) < footpitch.MIN_AGREEMENT
    assert footpitch.series_agreement(flat_lm, FootPitchSeries(1, np.zeros_like(got), np.ones_like(got))) == 0.0


def test_a_still_shoe_reads_one_pitch_wherever_the_landmarks_put_the_crop(monkeypatch: pytest.MonkeyPatch) -> None:
    # a 90 px foot is registered scaled down to SERIES_FOOT_PX; the crop follows MediaPipe's toe in whole pixels. A
    # crop scaled down on its own samples a grid that moves with its corner, and a still shoe then read a pitch that
    # changed with the corner (0.37° between frames on a rendered 1280x720 tib raise, 0.02-0.03° on these frames);
    # cut from one scaled region, every crop samples the same grid and one still picture reads one pitch
    module = sys.modules[__name__]
    for name, value in (("W", 480), ("H", 320), ("FOOT", 90.0), ("SOLE_H", 27), ("TOE", np.array([320.0, 250.0]))):
        monkeypatch.setattr(module, name, value)
    lm, frames = _set(np.zeros(40), seed=0)
    assert footpitch.SERIES_FOOT_PX / FOOT < 0.5
    xyz = lm.xyz.copy()
    wander = np.random.default_rng(10).uniform(-3.0, 3.0, (40, 2))  # px, the landmarks of a still foot
    for side in ("left", "right"):
        for point in ("toe", "heel"):
            xyz[:, sk.SIDE_INDEX[side][point], :2] += wander / [W, H]
    got = _series(dataclasses.replace(lm, xyz=xyz), [frames[0]] * 40, stand_s=float(lm.t[15]))
    assert np.isfinite(got).all()
    # measured: 0.000° peak to peak (crops scaled one by one: 0.024-0.027° on three seeds)
    assert np.ptp(got) < 1e-3 and abs(float(np.median(got))) < 0.1


def test_no_series_plan_without_a_flat_foot_seen_from_the_side() -> None:
    lm, _ = _set(np.concatenate([np.zeros(20), np.full(20, 25.0)]), landmark_bias_deg=0.0)
    assert footpitch.series_plan(lm, float(lm.t[10])) is not None
    assert footpitch.series_plan(lm, float(lm.t[30])) is None  # on its toes: not a flat reference
    assert footpitch.series_plan(lm, float("nan")) is None
    xyz = lm.xyz.copy()
    for side in ("left", "right"):
        ix = sk.SIDE_INDEX[side]
        xyz[:, ix["heel"], 0] = xyz[:, ix["toe"], 0]  # the foot points at the camera
    assert footpitch.series_plan(dataclasses.replace(lm, xyz=xyz), float(lm.t[10])) is None


def test_a_stretch_the_registration_spent_on_a_wrong_solution_is_dropped_and_a_fast_real_move_is_kept() -> None:
    # a raise to 20° and back at 60 fps; the series reads the shoe 5 % low with 0.2° of noise
    up = 10.0 * (1 - np.cos(np.pi * np.linspace(0, 1, 48)))
    pitches = np.concatenate([np.zeros(12), up, np.full(12, 20.0), up[::-1], np.zeros(12)])
    lm, _ = _set(pitches, seed=4)
    rng = np.random.default_rng(4)
    good = 0.95 * pitches + rng.normal(0, 0.2, pitches.size)
    # the registration jumps 15° off the shoe at frame 40 (a wrong solution on the floor and the wall), back at 70
    lost = good.copy()
    lost[40:70] -= 15.0
    out, n = footpitch.drop_lost_stretches(lm, FootPitchSeries(1, lost, np.ones_like(lost)))
    assert n == 30
    assert np.isnan(out.pitch_deg[40:70]).all() and np.array_equal(out.pitch_deg[:40], lost[:40]) \
        and np.array_equal(out.pitch_deg[70:], lost[70:])
    # the same 15° jumps made by the shoe itself move the landmarks too: nothing is dropped
    quick = pitches.copy()
    quick[40:70] -= 15.0
    lm_quick, _ = _set(quick, seed=4)
    real = 0.95 * quick + rng.normal(0, 0.2, quick.size)
    kept, n_kept = footpitch.drop_lost_stretches(lm_quick, FootPitchSeries(1, real, np.ones_like(real)))
    assert n_kept == 0 and np.array_equal(kept.pitch_deg, real)
    # a series without jumps comes back as it was
    same, n_same = footpitch.drop_lost_stretches(lm, FootPitchSeries(1, good, np.ones_like(good)))
    assert n_same == 0 and np.array_equal(same.pitch_deg, good)


def test_a_step_up_measures_the_foot_on_the_box_whichever_label_it_has() -> None:
    # a 0.5 s stand, then two drives of 12 frames: the foot on the box is held 15° heel-up on the first (the
    # right-labelled ankle higher), flat on the second (the left-labelled ankle higher); in between, 6 flat frames
    pitches = np.concatenate([np.zeros(30), np.full(12, 15.0), np.zeros(6), np.zeros(12)])
    lm, frames = _set(pitches, seed=2)
    xyz = lm.xyz.copy()
    for side in ("left", "right"):  # ankles above the heels: the trailing foot's 40 px lower (on the floor)
        xyz[:, sk.SIDE_INDEX[side]["ankle"], :2] = xyz[:, sk.SIDE_INDEX[side]["heel"], :2] - [0.0, 10.0 / H]
    xyz[30:42, sk.SIDE_INDEX["left"]["ankle"], 1] += 40.0 / H
    xyz[48:60, sk.SIDE_INDEX["right"]["ankle"], 1] += 40.0 / H
    lm = dataclasses.replace(lm, xyz=xyz)
    windows = [(float(lm.t[30]), float(lm.t[41])), (float(lm.t[48]), float(lm.t[59]))]
    base = footpitch.series_plan(lm, 0.25)
    assert base is not None
    plan = footpitch.box_plan(lm, windows, base)
    assert plan is not None and plan.foot == 1 and plan.feet == (1, 0)
    meter = footpitch.PitchMeter(lm, plan)
    for k in sorted(plan.frames_needed()):
        meter.push(k, frames[k])
    got = meter.result()
    assert list(got.foot) == [1, 0] and (got.n_frames >= 10).all()
    # the left foot's landmarks sit 3 px higher on the same shoe: registered from there, it still reads the shoe
    assert abs(got.min_pitch_deg[0] - 15.0) <= 0.3 + 0.07 * 15.0 and abs(got.min_pitch_deg[1]) <= 0.3
    assert footpitch.series_plan(lm, float("nan")) is None  # no stand: no template


def test_a_plan_with_a_foot_per_contact_must_name_one_for_each() -> None:
    with pytest.raises(ValueError, match="2 feet for 1 contacts"):
        footpitch.PitchPlan(0, (0, 3), (0, 0, 10, 10), np.zeros(2), np.ones(2), [(0.0, 0.1, 3, 6)], (0, 1))
