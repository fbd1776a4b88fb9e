"""Motion generators: exercise programmes turned into a pose at every instant plus the exact truth.

A :class:`Motion` maps continuous time (s from the first frame) to a :class:`~formcheck.synth.body.BodyPose`
and carries the ground truth in the report.json vocabulary (contacts, reps, holds) plus extras. Truth times
are the instants the generator scheduled, not frame-quantised.

Conventions of the truth (also written into ``truth.json`` under ``truth.conventions``):

- contacts (hops): touchdown is the first instant the lowest point of either sole (the toe) reaches the
  floor, takeoff the last instant it is on it; ``flight_s`` is the airborne time before the contact (the
  first contact follows the jump off the standing start, so it has one too).
- reps: ``start_s`` is when the movement leaves the rest position, ``bottom_s`` when it arrives at the
  turning point, ``end_s`` when it is back. ``eccentric_s`` / ``concentric_s`` are the lowering / rising
  durations; a pause at the turning point (``pause_s``) is in neither. For exercises whose first phase is
  concentric (calf raise, tib raise, step-up) ``first_phase`` is ``"concentric"`` and the order is
  start -> concentric -> turning point -> (pause) -> eccentric -> end.
- holds: ``start_s`` when the hold position is reached, ``end_s`` when it is left.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from formcheck.synth.body import DIMS, Arm, BodyPose, Foot
from formcheck.types import FormcheckError

G = 9.81
"""Gravity (m/s^2) used by the hop physics: apex height of a flight of t seconds is G t^2 / 8."""

Side = str


@dataclass(frozen=True)
class Prop:
    """An axis-aligned box in the scene (a plyo box, a wall). lo/hi corners in metres."""

    kind: str
    lo: tuple[float, float, float]
    hi: tuple[float, float, float]


@dataclass
class Motion:
    """A generated exercise: pose at any time plus its truth.

    Attributes
    ----------
    exercise : str
        Exercise id (a key of :data:`formcheck.exercises.EXERCISES`).
    duration_s : float
        Length of the motion (s).
    pose : callable
        ``pose(t_s) -> BodyPose`` for 0 <= t_s <= duration_s.
    props : list of Prop
    contacts, reps, holds : list of dict
        Truth in report.json keys.
    extras : dict
        Planted faults, parameters, conventions.
    """

    exercise: str
    duration_s: float
    pose: Callable[[float], BodyPose]
    props: list[Prop] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    reps: list[dict[str, Any]] = field(default_factory=list)
    holds: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------------
# keyframe machinery


def smoothstep(u: float) -> float:
    """0 -> 1 with zero slope at both ends."""
    u = min(max(u, 0.0), 1.0)
    return u * u * (3.0 - 2.0 * u)


@dataclass(frozen=True)
class Key:
    """A keyframe: a pose and, per foot, which sole point stays put while the foot pitches ("heel"/"toe")."""

    t: float
    pose: BodyPose
    left_anchor: str = "heel"
    right_anchor: str = "heel"


def _lerp(a: float, b: float, s: float) -> float:
    return a + (b - a) * s


def _lerp_arm(a: Arm, b: Arm, s: float) -> Arm:
    return Arm(_lerp(a.flex_rad, b.flex_rad, s), _lerp(a.abd_rad, b.abd_rad, s), _lerp(a.elbow_rad, b.elbow_rad, s))


def _anchor_point(f: Foot, mode: str) -> np.ndarray:
    return f.toe() if mode == "toe" else f.heel


def _lerp_foot(a: Foot, b: Foot, mode_a: str, mode_b: str, s: float) -> Foot:
    mode = mode_a if mode_a == mode_b else "heel"
    pa, pb = _anchor_point(a, mode), _anchor_point(b, mode)
    pitch = _lerp(a.pitch_rad, b.pitch_rad, s)
    yaw = _lerp(a.yaw_rad, b.yaw_rad, s)
    p = pa + (pb - pa) * s
    if mode == "toe":
        return Foot.from_toe(p, pitch, yaw)
    return Foot(p, pitch, yaw)


def lerp_pose(a: Key, b: Key, s: float) -> BodyPose:
    """Pose between two keyframes at fraction ``s`` (planted anchors stay exactly put)."""
    pa, pb = a.pose, b.pose
    return BodyPose(
        pelvis=pa.pelvis + (pb.pelvis - pa.pelvis) * s,
        left_foot=_lerp_foot(pa.left_foot, pb.left_foot, a.left_anchor, b.left_anchor, s),
        right_foot=_lerp_foot(pa.right_foot, pb.right_foot, a.right_anchor, b.right_anchor, s),
        yaw_rad=_lerp(pa.yaw_rad, pb.yaw_rad, s),
        trunk_pitch_rad=_lerp(pa.trunk_pitch_rad, pb.trunk_pitch_rad, s),
        trunk_roll_rad=_lerp(pa.trunk_roll_rad, pb.trunk_roll_rad, s),
        head_pitch_rad=_lerp(pa.head_pitch_rad, pb.head_pitch_rad, s),
        left_arm=_lerp_arm(pa.left_arm, pb.left_arm, s),
        right_arm=_lerp_arm(pa.right_arm, pb.right_arm, s),
        knee_out_rad=_lerp(pa.knee_out_rad, pb.knee_out_rad, s),
    )


class Timeline:
    """Keyframes in time order; between two, poses ease with :func:`smoothstep`."""

    def __init__(self) -> None:
        self.keys: list[Key] = []

    @property
    def t(self) -> float:
        return self.keys[-1].t if self.keys else 0.0

    def add(self, dt: float, pose: BodyPose, left_anchor: str = "heel", right_anchor: str = "heel") -> float:
        """Append a keyframe ``dt`` seconds after the last; returns its time."""
        t = self.t + dt if self.keys else 0.0
        self.keys.append(Key(t, pose, left_anchor, right_anchor))
        return t

    def hold(self, dt: float) -> float:
        """Stay in the last pose for ``dt`` seconds."""
        k = self.keys[-1]
        return self.add(dt, k.pose, k.left_anchor, k.right_anchor)

    def __call__(self, t: float) -> BodyPose:
        ks = self.keys
        if t <= ks[0].t:
            return ks[0].pose
        if t >= ks[-1].t:
            return ks[-1].pose
        lo, hi = 0, len(ks) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ks[mid].t <= t:
                lo = mid
            else:
                hi = mid
        a, b = ks[lo], ks[hi]
        return lerp_pose(a, b, smoothstep((t - a.t) / (b.t - a.t)))


def with_idle(base: Callable[[float], BodyPose], seed: int, amp: float = 1.0,
              planted: Callable[[float], tuple[bool, bool]] | None = None) -> Callable[[float], BodyPose]:
    """Add standing idle: slow weight shifts, breathing, arm drift (small; never rep-like).

    Pelvis moves a few cm sideways, <1 cm vertically; planted feet are untouched (the legs absorb it).
    """
    rng = np.random.default_rng(seed)
    f1, f2, f3 = rng.uniform(0.12, 0.2), rng.uniform(0.25, 0.4), rng.uniform(0.05, 0.1)
    ph = rng.uniform(0, 2 * np.pi, 4)

    def pose(t: float) -> BodyPose:
        p = base(t)
        dy = amp * 0.025 * math.sin(2 * np.pi * f1 * t + ph[0])
        dz = -amp * 0.004 * (1 + math.sin(2 * np.pi * f2 * t + ph[1]))
        arm = amp * 0.06 * math.sin(2 * np.pi * f3 * t + ph[2])
        return replace(
            p,
            pelvis=p.pelvis + np.array([0.0, dy, dz]),
            trunk_roll_rad=p.trunk_roll_rad + amp * 0.02 * math.sin(2 * np.pi * f1 * t + ph[0] + 0.5),
            head_pitch_rad=p.head_pitch_rad + amp * 0.05 * math.sin(2 * np.pi * f3 * t + ph[3]),
            left_arm=replace(p.left_arm, flex_rad=p.left_arm.flex_rad + arm),
            right_arm=replace(p.right_arm, flex_rad=p.right_arm.flex_rad - arm),
        )

    return pose


# --------------------------------------------------------------------------------------------------------
# poses

STANCE_Y = 0.11  # half distance between the feet (m)
STAND_Z = DIMS.standing_pelvis_z - 0.01


def flat(x: float, y: float, yaw: float = 0.0) -> Foot:
    """A foot flat on the floor with its heel at (x, y)."""
    return Foot(np.array([x, y, 0.0]), 0.0, yaw)


def standing(**kw: Any) -> BodyPose:
    """Standing tall, feet hip-width apart under the hips, arms relaxed."""
    base = BodyPose(pelvis=np.array([-0.02, 0.0, STAND_Z]), left_foot=flat(-0.07, STANCE_Y, 0.08),
                    right_foot=flat(-0.07, -STANCE_Y, -0.08), trunk_pitch_rad=0.03)
    return replace(base, **kw)


def squat_pose(depth: float, arms_forward: bool = True, **kw: Any) -> BodyPose:
    """Two-foot squat at ``depth`` in [0, 1] (1 = thighs about parallel)."""
    d = depth
    arm = Arm(flex_rad=0.15 + 1.25 * d, abd_rad=0.12, elbow_rad=0.25 - 0.15 * d) if arms_forward else Arm()
    p = standing(pelvis=np.array([-0.02 - 0.24 * d, 0.0, STAND_Z - 0.43 * d]), trunk_pitch_rad=0.03 + 0.62 * d,
                 head_pitch_rad=-0.4 * d, knee_out_rad=0.25 * d, left_arm=arm, right_arm=arm,
                 left_foot=flat(-0.07, STANCE_Y + 0.03, 0.25), right_foot=flat(-0.07, -STANCE_Y - 0.03, -0.25))
    return replace(p, **kw)


BAR_ARM = Arm(flex_rad=-0.35, abd_rad=1.25, elbow_rad=2.1)


@dataclass(frozen=True)
class RepSpec:
    """One planned rep: phase durations (s), depth (fraction of full) and the side it belongs to."""

    eccentric_s: float
    pause_s: float
    concentric_s: float
    depth: float = 1.0
    side: str | None = None
    rest_before_s: float = 1.5
    tilt_deg: float = 0.0
    flags: tuple[str, ...] = ()


def _rep_truth(side: str | None, start: float, ecc: float, pause: float, conc: float, spec: RepSpec,
               first_phase: str = "eccentric", **extra: Any) -> dict[str, Any]:
    bottom = start + (ecc if first_phase == "eccentric" else conc)
    end = bottom + pause + (conc if first_phase == "eccentric" else ecc)
    d: dict[str, Any] = {"side": side, "start_s": start, "bottom_s": bottom, "end_s": end, "eccentric_s": ecc,
                         "concentric_s": conc, "pause_s": pause, "depth": spec.depth, "flags": list(spec.flags),
                         "first_phase": first_phase}
    d.update(extra)
    return d


def plan_reps(n: int, eccentric_s: float, pause_s: float, concentric_s: float, rng: np.random.Generator,
              fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), side: str | None = None,
              rest_s: float = 1.2) -> list[RepSpec]:
    """``n`` reps with a little natural timing jitter; 1-based rep numbers in ``fast`` / ``shallow`` get faults.

    A fast rep lowers in 40 % of the prescribed time; a shallow rep reaches 55 % of the depth.
    """
    out = []
    for i in range(1, n + 1):
        ecc = eccentric_s * rng.uniform(0.95, 1.05)
        flags: list[str] = []
        if i in fast:
            ecc = eccentric_s * 0.4
            flags.append("fast_eccentric")
        depth = rng.uniform(0.95, 1.0)
        if i in shallow:
            depth = 0.55
            flags.append("shallow")
        out.append(RepSpec(ecc, pause_s * rng.uniform(0.9, 1.1), concentric_s * rng.uniform(0.9, 1.1), depth, side,
                           rest_s * rng.uniform(0.8, 1.3), flags=tuple(flags)))
    return out


def _rep_motion(exercise: str, specs: list[RepSpec], pose_at: Callable[[float, RepSpec], BodyPose], seed: int,
                lead_in_s: float = 1.0, tail_s: float = 1.0, first_phase: str = "eccentric",
                between_sides: Callable[[Timeline, RepSpec], None] | None = None,
                idle_amp: float = 1.0, anchor: str = "heel") -> Motion:
    """Generic rep driver: rest at ``pose_at(0)``, go to ``pose_at(depth)``, pause, come back, per spec."""
    tl = Timeline()
    tl.add(0.0, pose_at(0.0, specs[0]), anchor, anchor)
    tl.hold(lead_in_s)
    reps = []
    prev_side: str | None = specs[0].side
    for spec in specs:
        if spec.side != prev_side and between_sides is not None:
            between_sides(tl, spec)
        prev_side = spec.side
        tl.add(spec.rest_before_s, pose_at(0.0, spec), anchor, anchor)
        start = tl.t
        first = spec.eccentric_s if first_phase == "eccentric" else spec.concentric_s
        second = spec.concentric_s if first_phase == "eccentric" else spec.eccentric_s
        tl.add(first, pose_at(spec.depth, spec), anchor, anchor)
        tl.hold(spec.pause_s)
        tl.add(second, pose_at(0.0, spec), anchor, anchor)
        extra: dict[str, Any] = {}
        if spec.tilt_deg:
            extra["tilt_deg"] = spec.tilt_deg
        reps.append(_rep_truth(spec.side, start, spec.eccentric_s, spec.pause_s, spec.concentric_s, spec,
                               first_phase, **extra))
    tl.hold(tail_s)
    return Motion(exercise, tl.t, with_idle(tl, seed, idle_amp), reps=reps)


def _bp(pelvis: np.ndarray, feet: dict[str, Foot], **kw: Any) -> BodyPose:
    return BodyPose(pelvis=pelvis, left_foot=feet["left_foot"], right_foot=feet["right_foot"], **kw)


def _with_feet(p: BodyPose, feet: dict[str, Foot]) -> BodyPose:
    return replace(p, left_foot=feet["left_foot"], right_foot=feet["right_foot"])


# --------------------------------------------------------------------------------------------------------
# exercises


def pogo_hops(hops: int = 12, gct_s: float = 0.18, flight_s: float = 0.32, heel_touch: tuple[int, ...] = (),
              drift: float = 0.0, seed: int = 0, jitter: float = 0.04) -> Motion:
    """Two-foot pogo hops in place with ballistic flights.

    Parameters
    ----------
    hops : int
        Ground contacts between flights (the standing start and the final landing are not counted).
    gct_s, flight_s : float
        Nominal contact and flight time (s) of the first hop.
    heel_touch : tuple of int
        1-based contact numbers on which the heels reach the floor.
    drift : float
        Fatigue: contact time grows linearly by this fraction over the set, flight shrinks by half of it.
    seed : int
        Timing jitter and idle.
    jitter : float
        Relative random variation of each contact and flight time.

    Notes
    -----
    Flight: the pelvis follows z(t) = z_td + v t - G t^2 / 2 with v = G T / 2, so the apex is G T^2 / 8 above
    the touchdown height and the body is rigid (toe lowest). Contact: the toes stay on the floor, the heels
    lower (ankle dorsiflexion) and rise again, heel height h(τ) = max(0, h_td - (h_td - h_min) sin(π τ / T_c));
    the pelvis dips by a spring-like A sin(π τ / T_c).
    """
    if hops < 1:
        raise FormcheckError(f"hops must be at least 1, got {hops}")
    bad = [h for h in heel_touch if not 1 <= h <= hops]
    if bad:
        raise FormcheckError(f"heel touch hop numbers must be in 1..{hops}, got {bad}")
    if not (0.05 <= gct_s <= 1.0 and 0.05 <= flight_s <= 1.0):
        raise FormcheckError(f"gct {gct_s} s / flight {flight_s} s outside 0.05..1 s")
    rng = np.random.default_rng(seed)
    h_td = 0.06  # heel height at touchdown / takeoff (m); toe pinned, sole pitched
    L = DIMS.foot_length
    pitch_td = math.asin(h_td / L)
    toe_x = 0.16
    yaw_l, yaw_r = 0.08, -0.08
    foot_l_td = Foot.from_toe(np.array([toe_x, STANCE_Y, 0.0]), pitch_td, yaw_l)
    ank_td = foot_l_td.ankle()
    pelvis_x = float(ank_td[0]) - 0.02
    z_td = float(ank_td[2]) + math.sqrt((DIMS.leg * 0.975) ** 2 - (ank_td[0] - pelvis_x) ** 2)
    foot_l_flat = Foot.from_toe(np.array([toe_x, STANCE_Y, 0.0]), 0.0, yaw_l)
    foot_r_flat = Foot.from_toe(np.array([toe_x, -STANCE_Y, 0.0]), 0.0, yaw_r)
    z_stand = float(foot_l_flat.ankle()[2]) + DIMS.leg * 0.985
    arms_rest = Arm(0.25, 0.15, 0.5)

    # Schedule.
    stand_s = 1.0 + rng.uniform(0, 0.2)
    push_s = 0.45
    first_flight = flight_s * 0.8
    events = []  # (touchdown, takeoff, flight_before, min_heel, heel_touch)
    t = stand_s + push_s + first_flight
    f_before = first_flight
    for i in range(1, hops + 1):
        frac = (i - 1) / max(hops - 1, 1)
        gct = gct_s * (1 + drift * frac) * (1 + rng.uniform(-jitter, jitter))
        touch = i in heel_touch
        if touch:
            gct *= 1.2
        h_min = -0.02 if touch else float(rng.uniform(0.025, 0.04))
        events.append((t, t + gct, f_before, h_min, touch))
        f_next = flight_s * (1 - 0.5 * drift * frac) * (1 + rng.uniform(-jitter, jitter))
        t = t + gct + f_next
        f_before = f_next
    final_td = t
    land_s = 0.5
    duration = final_td + land_s + 1.0
    takeoff0 = stand_s + push_s

    def flight_z(t_rel: float, T: float) -> float:
        return z_td + (G * T / 2) * t_rel - G * t_rel**2 / 2

    def arms(phase: float) -> tuple[Arm, Arm]:
        a = Arm(0.25 + 0.25 * phase, 0.2, 0.9 + 0.3 * phase)
        return a, a

    def body(pelvis_z: float, pitch: float, toe_z: float, arm: Arm, lean: float = 0.08) -> BodyPose:
        fl = Foot.from_toe(np.array([toe_x, STANCE_Y, toe_z]), pitch, yaw_l)
        fr = Foot.from_toe(np.array([toe_x, -STANCE_Y, toe_z]), pitch, yaw_r)
        return BodyPose(pelvis=np.array([pelvis_x, 0.0, pelvis_z]), left_foot=fl, right_foot=fr,
                        trunk_pitch_rad=lean, head_pitch_rad=-0.05, left_arm=arm, right_arm=arm)

    def pose(t: float) -> BodyPose:
        if t < stand_s:
            return BodyPose(pelvis=np.array([pelvis_x - 0.02, 0.0, z_stand]), left_foot=foot_l_flat,
                            right_foot=foot_r_flat, trunk_pitch_rad=0.04, left_arm=arms_rest, right_arm=arms_rest)
        if t < takeoff0:  # countermovement and push-off, toes pinned
            u = (t - stand_s) / push_s
            s = smoothstep(u)
            h = h_td * s
            z = z_stand + (z_td - z_stand) * s - 0.09 * math.sin(math.pi * u)
            a = _lerp_arm(arms_rest, arms(0.0)[0], s)
            return body(z, math.asin(h / L), 0.0, a, 0.04 + 0.04 * s)
        # Which interval are we in?
        prev_takeoff = takeoff0
        for td, to, fb, h_min, _touch in events:
            if t < td:  # flight before this contact
                tr = t - prev_takeoff
                z = flight_z(tr, fb)
                return body(z, pitch_td, z - z_td, arms(math.sin(math.pi * tr / fb))[0])
            if t <= to:  # contact
                tau = (t - td) / (to - td)
                s = math.sin(math.pi * tau)
                h = max(0.0, h_td - (h_td - h_min) * s)
                amp = 0.7 * (G * fb / 2) * (to - td) / math.pi
                z = z_td - amp * s
                return body(z, math.asin(h / L), 0.0, arms(-0.3 * s)[0])
            prev_takeoff = to
            # flight after this contact is the next event's flight_before
        last_to = events[-1][1]
        if t < final_td:
            fb = final_td - last_to
            tr = t - last_to
            z = flight_z(tr, fb)
            return body(z, pitch_td, z - z_td, arms(math.sin(math.pi * tr / fb))[0])
        u = min((t - final_td) / land_s, 1.0)
        s = smoothstep(u)
        h = h_td * (1 - s)
        z = z_td + (z_stand - z_td) * s - 0.08 * math.sin(math.pi * u)
        return body(z, math.asin(h / L), 0.0, _lerp_arm(arms(0.0)[0], arms_rest, s), 0.08 - 0.04 * s)

    contacts = []
    for i, (td, to, fb, h_min, touch) in enumerate(events):
        contacts.append({
            "touchdown_s": td, "takeoff_s": to, "gct_s": to - td, "flight_s": fb, "heel_touch": touch,
            "side": "both", "min_heel_height_m": max(h_min, 0.0),
            "heel_down_s": ((to - td) * (1 - 2 * math.asin(min(1.0, h_td / (h_td - h_min))) / math.pi)
                            if touch else 0.0),
            "flight_apex_m": G * fb**2 / 8, "hop": i + 1,
        })
    extras = {
        "start_takeoff_s": takeoff0, "final_touchdown_s": final_td, "final_flight_s": final_td - events[-1][1],
        "heel_height_at_touchdown_m": h_td, "planted_heel_touch_hops": sorted(heel_touch), "drift": drift,
        "nominal_gct_s": gct_s, "nominal_flight_s": flight_s,
    }
    return Motion("pogo_hops", duration, pose, contacts=contacts, extras=extras)


def squat(reps: int = 5, eccentric_s: float = 2.0, pause_s: float = 0.3, concentric_s: float = 1.0,
          fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), seed: int = 0) -> Motion:
    """Bodyweight squats, arms reaching forward as the hips go down."""
    rng = np.random.default_rng(seed)
    specs = plan_reps(reps, eccentric_s, pause_s, concentric_s, rng, fast, shallow)
    m = _rep_motion("squat", specs, lambda d, s: squat_pose(d), seed)
    m.extras["planted"] = _planted(specs)
    return m


def _planted(specs: list[RepSpec]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, s in enumerate(specs, 1):
        for f in s.flags:
            out.setdefault(f, []).append(i)
    return out


def offset_back_squat(reps: int = 5, eccentric_s: float = 4.0, pause_s: float = 0.3, concentric_s: float = 1.5,
                      fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), tilt: tuple[int, ...] = (),
                      tilt_deg: float = 8.0, seed: int = 0) -> Motion:
    """Back squat with the load offset to one side: ``reps`` per side (left first).

    ``tilt``: 1-based rep numbers (counted over the whole session) whose shoulder line tilts ``tilt_deg``
    towards the loaded side at the bottom.
    """
    rng = np.random.default_rng(seed)
    specs = []
    for side in ("left", "right"):
        specs += plan_reps(reps, eccentric_s, pause_s, concentric_s, rng, fast, shallow, side=side, rest_s=1.5)
    for i, s in enumerate(specs, 1):
        if i in tilt:
            specs[i - 1] = replace(s, tilt_deg=tilt_deg, flags=(*s.flags, "tilt"))

    def pose_at(d: float, s: RepSpec) -> BodyPose:
        roll = math.radians(s.tilt_deg) * d * (1 if s.side == "right" else -1)
        return squat_pose(d * 0.95, arms_forward=False, left_arm=BAR_ARM, right_arm=BAR_ARM, trunk_roll_rad=roll,
                          trunk_pitch_rad=0.03 + 0.5 * d)

    def switch(tl: Timeline, s: RepSpec) -> None:
        tl.hold(4.0)  # rack walk / re-load pause

    m = _rep_motion("offset_back_squat", specs, pose_at, seed, between_sides=switch)
    m.extras.update(planted=_planted(specs), bar=True, load_side_per_rep=[s.side for s in specs])
    return m


BOX_H = 0.45


def _single_leg_pose(d: float, stance: str, box: bool = True) -> BodyPose:
    """Single-leg squat on ``stance`` leg to depth ``d``; free leg straight out in front."""
    sgn = 1.0 if stance == "left" else -1.0
    y_st = sgn * 0.09
    stance_foot = flat(-0.07, y_st, sgn * 0.05)
    z_bottom = BOX_H + 0.1
    pz = STAND_Z + (z_bottom - STAND_Z) * d
    px = -0.03 - 0.28 * d
    pelvis = np.array([px, 0.0, pz])
    hip_free = pelvis + np.array([0.0, -sgn * DIMS.hip_half_width, 0.0])
    # Free leg: straight, raised just enough to keep the shoe clear of the floor.
    need = (hip_free[2] - 0.16) / (DIMS.leg * 0.99)
    alpha = max(0.3, math.acos(min(1.0, max(-1.0, need)))) + 0.1
    ankle = hip_free + DIMS.leg * 0.99 * np.array([math.sin(alpha), 0.0, -math.cos(alpha)])
    free = Foot.from_ankle(ankle, -0.25 + 0.2 * d, -sgn * 0.05)
    arm = Arm(flex_rad=0.3 + 1.1 * d, abd_rad=0.1, elbow_rad=0.3)
    feet = (stance_foot, free) if stance == "left" else (free, stance_foot)
    return BodyPose(pelvis=pelvis, left_foot=feet[0], right_foot=feet[1], trunk_pitch_rad=0.06 + 0.55 * d,
                    head_pitch_rad=-0.35 * d, left_arm=arm, right_arm=arm, trunk_roll_rad=sgn * -0.03)


def single_leg_box_squat(reps: int = 3, eccentric_s: float = 4.0, pause_s: float = 0.6, concentric_s: float = 1.2,
                         fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), seed: int = 0) -> Motion:
    """Single-leg squats to a box behind the athlete, ``reps`` on the left leg then on the right.

    ``fast`` / ``shallow`` are 1-based rep numbers counted over the whole session (left reps first).
    """
    rng = np.random.default_rng(seed)
    specs = plan_reps(reps, eccentric_s, pause_s, concentric_s, rng, fast, shallow, side="left")
    specs += plan_reps(reps, eccentric_s, pause_s, concentric_s, rng, tuple(f - reps for f in fast),
                       tuple(s - reps for s in shallow), side="right")

    def pose_at(d: float, s: RepSpec) -> BodyPose:
        return _single_leg_pose(d, s.side or "left")

    def switch(tl: Timeline, s: RepSpec) -> None:
        tl.add(0.8, standing(left_foot=flat(-0.07, 0.09, 0.05), right_foot=flat(-0.07, -0.09, -0.05)))
        tl.hold(1.5)
        tl.add(0.8, pose_at(0.0, s))

    m = _rep_motion("single_leg_box_squat", specs, pose_at, seed, between_sides=switch, idle_amp=0.4)
    # The free-leg standing at the very start: put it down first for realism.
    m.props.append(Prop("box", (-0.62, -0.25, 0.0), (-0.22, 0.25, BOX_H)))
    m.extras.update(planted=_planted(specs), box_height_m=BOX_H, target_eccentric_s=eccentric_s)
    return m


def calf_raise(reps: int = 10, eccentric_s: float = 2.0, pause_s: float = 0.5, concentric_s: float = 1.0,
               fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), seed: int = 0) -> Motion:
    """Two-foot calf raises facing a wall, hands on it, body leaning forward in a straight line."""
    rng = np.random.default_rng(seed)
    specs = plan_reps(reps, eccentric_s, pause_s, concentric_s, rng, fast, shallow, rest_s=0.8)
    lean = 0.16
    max_pitch = 0.5

    def pose_at(d: float, s: RepSpec) -> BodyPose:
        pitch = max_pitch * d
        fl = Foot.from_toe(np.array([0.19, STANCE_Y, 0.0]), pitch, 0.05)
        fr = Foot.from_toe(np.array([0.19, -STANCE_Y, 0.0]), pitch, -0.05)
        ank = fl.ankle()
        pelvis = np.array([ank[0] - 0.02 + DIMS.leg * 0.985 * math.sin(lean),
                           0.0, ank[2] + DIMS.leg * 0.985 * math.cos(lean)])
        arm = Arm(flex_rad=1.45 - lean, abd_rad=0.25, elbow_rad=0.55)
        return BodyPose(pelvis=pelvis, left_foot=fl, right_foot=fr, trunk_pitch_rad=lean, head_pitch_rad=-lean,
                        left_arm=arm, right_arm=arm)

    m = _rep_motion("calf_raise", specs, pose_at, seed, first_phase="concentric", idle_amp=0.3, anchor="toe")
    m.props.append(Prop("wall", (1.02, -0.8, 0.0), (1.12, 0.8, 2.1)))
    m.extras.update(planted=_planted(specs), max_heel_height_m=DIMS.foot_length * math.sin(max_pitch))
    return m


def tib_raise(reps: int = 10, eccentric_s: float = 2.0, pause_s: float = 0.4, concentric_s: float = 1.0,
              fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), seed: int = 0) -> Motion:
    """Tibialis raises leaning back against a wall, heels on the floor, toes lifting."""
    rng = np.random.default_rng(seed)
    specs = plan_reps(reps, eccentric_s, pause_s, concentric_s, rng, fast, shallow, rest_s=0.7)
    lean = -0.2
    max_pitch = -0.42

    def pose_at(d: float, s: RepSpec) -> BodyPose:
        fl = Foot(np.array([0.0, STANCE_Y, 0.0]), max_pitch * d, 0.06)
        fr = Foot(np.array([0.0, -STANCE_Y, 0.0]), max_pitch * d, -0.06)
        ank = Foot(np.array([0.0, 0.0, 0.0]), 0.0, 0.0).ankle()
        pelvis = np.array([ank[0] + DIMS.leg * 0.975 * math.sin(lean), 0.0, ank[2] + DIMS.leg * 0.975 * math.cos(lean)])
        arm = Arm(flex_rad=0.05, abd_rad=0.2, elbow_rad=0.2)
        return BodyPose(pelvis=pelvis, left_foot=fl, right_foot=fr, trunk_pitch_rad=lean, head_pitch_rad=-lean * 0.8,
                        left_arm=arm, right_arm=arm)

    m = _rep_motion("tib_raise", specs, pose_at, seed, first_phase="concentric", idle_amp=0.2)
    m.props.append(Prop("wall", (-0.55, -0.8, 0.0), (-0.45, 0.8, 2.1)))
    m.extras.update(planted=_planted(specs), max_toe_height_m=DIMS.foot_length * math.sin(-max_pitch))
    return m


def lunge_heel_raise_hold(hold_s: float = 30.0, sides: tuple[str, ...] = ("left", "right"),
                          heel_drop_at_s: float | None = None, heel_drop_side: str = "left", drop_s: float = 1.5,
                          seed: int = 0) -> Motion:
    """Split-stance lunge holds with the front heel raised and the back leg straight, one per side.

    The back foot steps back into the position, the front foot's toes stay put while its heel rises.
    ``heel_drop_at_s`` (seconds after the hold started, on side ``heel_drop_side``) plants a fault: the
    front heel comes down to the floor for ``drop_s`` seconds, then back up.
    """
    if hold_s <= 0:
        raise FormcheckError(f"hold must be positive, got {hold_s} s")
    if heel_drop_at_s is not None and not 0 <= heel_drop_at_s <= hold_s - drop_s - 0.6:
        raise FormcheckError(f"heel drop at {heel_drop_at_s} s does not fit in a {hold_s} s hold")
    front_pitch, back_pitch = 0.3, 0.6
    holds: list[dict[str, Any]] = []
    drops: list[dict[str, Any]] = []
    tl = Timeline()
    stand = standing()
    tl.add(0.0, stand)
    tl.hold(1.5)
    for side in sides:
        sgn = 1.0 if side == "left" else -1.0
        y_f, y_b = sgn * 0.1, -sgn * 0.12
        front_toe = np.array([0.19, y_f, 0.0])
        back_toe_x = -0.72

        def feet(front: Foot, back: Foot, side: str = side) -> tuple[Foot, Foot]:
            return (front, back) if side == "left" else (back, front)

        f_flat = Foot.from_toe(front_toe, 0.0, sgn * 0.05)
        b_start = flat(-0.07, y_b, -sgn * 0.05)
        b_air = Foot(np.array([-0.4, y_b, 0.12]), 0.4, -sgn * 0.05)
        f_up = Foot.from_toe(front_toe, front_pitch, sgn * 0.05)
        b_down = Foot.from_toe(np.array([back_toe_x, y_b, 0.0]), back_pitch, -sgn * 0.05)
        b_ank = b_down.ankle()
        pz = 0.74
        px = float(b_ank[0]) + math.sqrt((DIMS.leg * 0.99) ** 2 - (pz - b_ank[2]) ** 2)
        arm = Arm(0.1, 0.15, 0.6)
        lunge = BodyPose(pelvis=np.array([px, 0.0, pz]), left_foot=feet(f_up, b_down)[0],
                         right_foot=feet(f_up, b_down)[1], trunk_pitch_rad=0.05, left_arm=arm, right_arm=arm)
        mid = BodyPose(pelvis=np.array([-0.08, 0.0, STAND_Z - 0.06]), left_foot=feet(f_flat, b_air)[0],
                       right_foot=feet(f_flat, b_air)[1], trunk_pitch_rad=0.05, left_arm=arm, right_arm=arm)
        fa, ba = ("toe", "heel") if side == "left" else ("heel", "toe")
        tl.add(0.6, replace(stand, left_foot=feet(f_flat, b_start)[0], right_foot=feet(f_flat, b_start)[1]),
               fa, ba)
        tl.add(0.6, mid, fa, ba)
        tl.add(1.2, lunge, "toe", "toe")
        start = tl.t
        if heel_drop_at_s is not None and side == heel_drop_side:
            f_drop = Foot.from_toe(front_toe, 0.0, sgn * 0.05)
            dropped = replace(lunge, left_foot=feet(f_drop, b_down)[0], right_foot=feet(f_drop, b_down)[1])
            tl.hold(heel_drop_at_s)
            tl.add(0.3, dropped, "toe", "toe")
            d0 = tl.t - 0.3
            tl.hold(drop_s)
            tl.add(0.3, lunge, "toe", "toe")
            drops.append({"side": side, "start_s": d0, "heel_down_s": d0 + 0.3, "heel_up_s": tl.t - 0.3,
                          "end_s": tl.t})
            tl.hold(hold_s - (tl.t - start))
        else:
            tl.hold(hold_s)
        end = tl.t
        holds.append({"side": side, "start_s": start, "end_s": end, "duration_s": end - start,
                      "front_heel_height_m": DIMS.foot_length * math.sin(front_pitch)})
        tl.add(1.2, mid, "toe", "toe")
        tl.add(0.6, stand)
        tl.hold(2.5)
    m = Motion("lunge_heel_raise_hold", tl.t, with_idle(tl, seed, 0.3), holds=holds)
    m.extras.update(heel_drops=drops, target_hold_s=hold_s)
    return m


STEP_BOX_H = 0.3


def stomping_lunge_step_up(reps: int = 3, heel_lands: bool = True, no_heel: tuple[int, ...] = (),
                           seed: int = 0) -> Motion:
    """Step-ups onto a box in front: the lead foot stomps onto the box, the athlete rises, steps back down.

    ``reps`` per leg (left lead first). ``heel_lands``: whether the lead foot lands with the whole foot;
    ``no_heel``: 1-based rep numbers (over the session) whose heel does not land anyway.

    Rep truth: start_s = lead foot leaves the floor, bottom_s = the stomp (lead sole lands on the box),
    end_s = both feet back on the floor. ``step_s`` (start to stomp) + ``concentric_s`` (rise onto the box)
    + ``pause_s`` (standing on it) + ``eccentric_s`` (stepping down) = end_s - start_s.
    """
    rng = np.random.default_rng(seed)
    box_x0, box_x1 = 0.28, 0.78
    tl = Timeline()
    stand = standing()
    tl.add(0.0, stand)
    tl.hold(1.2)
    reps_out: list[dict[str, Any]] = []
    n = 0
    for side in ("left", "right"):
        sgn = 1.0 if side == "left" else -1.0
        for _ in range(reps):
            n += 1
            lands = heel_lands and n not in no_heel
            y_l, y_t = sgn * STANCE_Y, -sgn * STANCE_Y

            def pick(lead: Foot, trail: Foot, side: str = side) -> dict[str, Foot]:
                return {"left_foot": lead, "right_foot": trail} if side == "left" else \
                       {"left_foot": trail, "right_foot": lead}

            lead0 = flat(-0.07, y_l, sgn * 0.08)
            trail0 = flat(-0.07, y_t, -sgn * 0.08)
            lead_air = Foot(np.array([0.12, y_l, STEP_BOX_H + 0.14]), -0.15, sgn * 0.05)
            lead_box = (Foot(np.array([0.36, y_l, STEP_BOX_H]), 0.0, sgn * 0.05) if lands else
                        Foot.from_toe(np.array([0.62, y_l, STEP_BOX_H]), 0.3, sgn * 0.05))
            trail_air = Foot(np.array([0.1, y_t, STEP_BOX_H + 0.12]), 0.2, -sgn * 0.05)
            trail_box = Foot(np.array([0.36, y_t, STEP_BOX_H]), 0.0, -sgn * 0.05)
            top_z = STEP_BOX_H + STAND_Z
            la = "heel" if lands else "toe"
            tl.add(float(rng.uniform(0.8, 1.4)), _bp(np.array([-0.02, 0.0, STAND_Z]), pick(lead0, trail0),
                                                          trunk_pitch_rad=0.03))
            start = tl.t
            arm_f = Arm(0.6, 0.1, 1.2)
            step_s = 0.35 + float(rng.uniform(0, 0.1))
            tl.add(step_s * 0.55, _bp(np.array([0.0, 0.0, STAND_Z - 0.02]), pick(lead_air, trail0),
                                           trunk_pitch_rad=0.15, left_arm=arm_f, right_arm=arm_f))
            tl.add(step_s * 0.45, _bp(np.array([0.08, 0.0, STAND_Z - 0.06]), pick(lead_box, trail0),
                                           trunk_pitch_rad=0.35, left_arm=arm_f, right_arm=arm_f), la, "heel")
            stomp = tl.t
            conc = float(rng.uniform(0.9, 1.1))
            tl.add(conc * 0.6, _bp(np.array([0.4, 0.0, STEP_BOX_H + 0.8]), pick(lead_box, trail_air),
                                        trunk_pitch_rad=0.2), la, "heel")
            top_feet = pick(Foot(np.array([0.36, y_l, STEP_BOX_H]), 0.0, sgn * 0.05) if lands else lead_box,
                            trail_box)
            tl.add(conc * 0.4, _bp(np.array([0.44, 0.0, top_z]), top_feet, trunk_pitch_rad=0.03),
                   la, "heel")
            top = tl.t
            pause = 0.6
            tl.hold(pause)
            ecc = float(rng.uniform(1.0, 1.2))
            tl.add(ecc * 0.5, _bp(np.array([0.3, 0.0, STEP_BOX_H + 0.75]), pick(
                top_feet["left_foot" if side == "left" else "right_foot"], trail_air), trunk_pitch_rad=0.15),
                la, "heel")
            tl.add(ecc * 0.5, _bp(np.array([0.06, 0.0, STAND_Z - 0.05]), pick(
                top_feet["left_foot" if side == "left" else "right_foot"], trail0), trunk_pitch_rad=0.12),
                la, "heel")
            tl.add(0.6, _bp(np.array([-0.02, 0.0, STAND_Z]), pick(lead0, trail0), trunk_pitch_rad=0.03))
            end = tl.t
            reps_out.append({"side": side, "start_s": start, "bottom_s": stomp, "end_s": end,
                             "eccentric_s": end - top - pause, "concentric_s": top - stomp, "pause_s": pause,
                             "step_s": stomp - start, "top_s": top, "heel_lands": lands, "first_phase": "step",
                             "flags": [] if lands else ["heel_not_landed"]})
        tl.hold(2.0)
    tl.hold(1.0)
    m = Motion("stomping_lunge_step_up", tl.t, with_idle(tl, seed, 0.3), reps=reps_out)
    m.props.append(Prop("box", (box_x0, -0.4, 0.0), (box_x1, 0.4, STEP_BOX_H)))
    m.extras.update(box_height_m=STEP_BOX_H, no_heel=[r["side"] for r in reps_out if not r["heel_lands"]])
    return m


def deadlift(reps: int = 5, eccentric_s: float = 2.0, pause_s: float = 0.3, concentric_s: float = 1.2,
             fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), seed: int = 0) -> Motion:
    """Hip-hinge deadlifts from standing (lowering first), hands hanging to below the knees."""
    rng = np.random.default_rng(seed)
    specs = plan_reps(reps, eccentric_s, pause_s, concentric_s, rng, fast, shallow)

    def pose_at(d: float, s: RepSpec) -> BodyPose:
        arm = Arm(flex_rad=1.05 * d, abd_rad=0.08, elbow_rad=0.05)
        return standing(pelvis=np.array([-0.02 - 0.22 * d, 0.0, STAND_Z - 0.2 * d]), trunk_pitch_rad=0.03 + 1.15 * d,
                        head_pitch_rad=-0.6 * d, left_arm=arm, right_arm=arm)

    m = _rep_motion("deadlift", specs, pose_at, seed)
    m.extras["planted"] = _planted(specs)
    return m


def lunge(reps: int = 3, eccentric_s: float = 1.5, pause_s: float = 0.3, concentric_s: float = 1.0,
          seed: int = 0) -> Motion:
    """Alternating reverse lunges (left front leg first): the back foot steps back, the back knee lowers."""
    rng = np.random.default_rng(seed)
    tl = Timeline()
    stand = standing()
    tl.add(0.0, stand)
    tl.hold(1.2)
    out = []
    for i in range(2 * reps):
        side = "left" if i % 2 == 0 else "right"
        sgn = 1.0 if side == "left" else -1.0
        f = flat(-0.07, sgn * STANCE_Y, sgn * 0.08)
        b0 = flat(-0.07, -sgn * STANCE_Y, -sgn * 0.08)
        b_air = Foot(np.array([-0.35, -sgn * STANCE_Y, 0.1]), 0.4, -sgn * 0.08)
        b_down = Foot.from_toe(np.array([-0.7, -sgn * STANCE_Y, 0.0]), 0.7, -sgn * 0.08)
        b_up = Foot.from_toe(np.array([-0.7, -sgn * STANCE_Y, 0.0]), 0.45, -sgn * 0.08)

        def pick(front: Foot, back: Foot, side: str = side) -> dict[str, Foot]:
            return {"left_foot": front, "right_foot": back} if side == "left" else \
                   {"left_foot": back, "right_foot": front}

        ecc = eccentric_s * float(rng.uniform(0.95, 1.05))
        conc = concentric_s * float(rng.uniform(0.95, 1.05))
        tl.add(float(rng.uniform(0.8, 1.3)), _with_feet(stand, pick(f, b0)))
        start = tl.t
        ba = "toe"
        tl.add(ecc * 0.35, _bp(np.array([-0.12, 0.0, STAND_Z - 0.05]), pick(f, b_air),
                                    trunk_pitch_rad=0.05))
        tl.add(ecc * 0.25, _bp(np.array([-0.25, 0.0, STAND_Z - 0.1]), pick(f, b_up),
                                    trunk_pitch_rad=0.05), "heel" if side == "left" else ba,
               ba if side == "left" else "heel")
        tl.add(ecc * 0.4, _bp(np.array([-0.3, 0.0, 0.55]), pick(f, b_down), trunk_pitch_rad=0.08),
               "heel" if side == "left" else ba, ba if side == "left" else "heel")
        bottom = tl.t
        tl.hold(pause_s)
        tl.add(conc * 0.6, _bp(np.array([-0.25, 0.0, STAND_Z - 0.1]), pick(f, b_up),
                                    trunk_pitch_rad=0.05), "heel" if side == "left" else ba,
               ba if side == "left" else "heel")
        tl.add(conc * 0.4, _with_feet(stand, pick(f, b0)))
        out.append({"side": side, "start_s": start, "bottom_s": bottom, "end_s": tl.t, "eccentric_s": ecc,
                    "concentric_s": conc, "pause_s": pause_s, "first_phase": "eccentric", "flags": []})
    tl.hold(1.2)
    return Motion("lunge", tl.t, with_idle(tl, seed, 0.5), reps=out)


def jumping_jack(reps: int = 8, cycle_s: float = 1.0, seed: int = 0) -> Motion:
    """Jumping jacks (arms overhead, feet wide); a rep is one open-and-close cycle. Meant for the front view."""
    rng = np.random.default_rng(seed)
    specs = [RepSpec(cycle_s * 0.45 * float(rng.uniform(0.95, 1.05)), 0.05,
                     cycle_s * 0.45 * float(rng.uniform(0.95, 1.05)), 1.0, None, 0.1) for _ in range(reps)]

    def pose_at(d: float, s: RepSpec) -> BodyPose:
        arm = Arm(flex_rad=0.0, abd_rad=0.15 + 2.75 * d, elbow_rad=0.2)
        w = STANCE_Y + 0.2 * d
        return standing(pelvis=np.array([-0.02, 0.0, STAND_Z - 0.03 * d]), left_foot=flat(-0.07, w, 0.1 + 0.2 * d),
                        right_foot=flat(-0.07, -w, -0.1 - 0.2 * d), left_arm=arm, right_arm=arm)

    m = _rep_motion("jumping_jack", specs, pose_at, seed, idle_amp=0.3)
    for r in m.reps:
        r["first_phase"] = "open"
    m.extras["note"] = "feet slide apart on the floor (no flight); 'bottom' is the open position"
    return m


GENERATORS: dict[str, Callable[..., Motion]] = {
    "pogo_hops": pogo_hops, "single_leg_box_squat": single_leg_box_squat, "offset_back_squat": offset_back_squat,
    "stomping_lunge_step_up": stomping_lunge_step_up, "lunge_heel_raise_hold": lunge_heel_raise_hold,
    "tib_raise": tib_raise, "calf_raise": calf_raise, "squat": squat, "deadlift": deadlift, "lunge": lunge,
    "jumping_jack": jumping_jack,
}
"""Exercise id -> generator. Ids match :data:`formcheck.exercises.EXERCISES`."""
