"""The exercise catalogue: ids, what kind of analysis each needs, and the default prescription.

One small declarative entry per exercise. The rep engine's signal specs (which
angle or height drives each exercise, thresholds in body-relative units) live
with the entries in :data:`EXERCISES` so that adding an exercise is one edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from formcheck.features import SIGNAL_LANDMARKS
from formcheck.types import FormcheckError

Kind = Literal["contacts", "reps"]


Order = Literal["ecc_first", "con_first"]
SideMode = Literal["none", "stance_leg", "front_leg", "box_leg", "target"]


@dataclass(frozen=True)
class RepSpec:
    """How the rep engine reads one exercise (declarative, body-relative units).

    The engine works on one scalar *driving signal* from :mod:`formcheck.features`,
    oriented so that it grows when the body leaves its rest position (``x = sign * feature``).

    Attributes
    ----------
    signal : str
        Feature name (see :func:`formcheck.features.frame_features`), e.g. ``"hip_h_L"``
        (hip height above the ankles in leg lengths) or ``"heel_up_deg"``.
    sign : {+1, -1}
        +1 when the feature grows away from rest, -1 when it shrinks (squat: hip height falls).
    order : {"ecc_first", "con_first"}
        Phase order of a rep from rest: squat lowers first (eccentric), calf raise rises first.
    min_amp : float
        Smallest excursion that is a rep, in the feature's units (leg lengths ``L`` or degrees).
    min_dur_s, max_dur_s : float
        Shortest and longest excursion (s) that can be a rep; longer ones are position changes.
    partial_frac : float
        An excursion smaller than this fraction of the set's median excursion is a partial rep
        (reported, not counted).
    cutoff_hz : float
        Zero-phase low-pass applied to the feature before detection (Hz).
    side_mode : {"none", "stance_leg", "front_leg", "box_leg", "target"}
        How the working side is decided: not at all, the leg that stays on the floor (single-leg
        squat), the front (more bent) leg, the leg that is on the box first, or only from ``Targets.side``.
    view : {"side", "front", "any"}
        Camera view the driving signal and the checks need.
    hold : bool
        The exercise is an isometric hold (times the hold instead of counting reps).
    settle_s : float
        Shortest wait (s) after the driving signal is back at rest before a rep is finalised: the data the
        end of the rep is timed from must be in. A step-up's rep ends when the lead foot is back on the floor,
        0.3-0.7 s after the hip is down.
    floor_start_knee_deg : float or None
        The set may start at the bottom (a conventional deadlift starts and ends each rep with the bar on the
        floor): when the straighter knee is bent below this angle (deg) over the first 0.5 s the athlete is
        seen, the bottom is the rest position, the signal's sign flips and the rep starts with the concentric.
        A standing lifter's knees are straight or soft (150-180°), a lifter at the bar's 80-120°. None: the
        set always starts from the rest position above.
    rest_drop_s : float
        The rest level drops to a lower signal only once the signal has held that low this long (s); 0: at once.
        A deadlifter's shoulders sink 0.3 L below their floor level for ~0.2 s as the bar lands and as they
        set up to pull; with the rest dropped to such a dip the floor level after it reads as an excursion
        (a third "rep" online on the real clip). Fast cycles (jumping jacks) need 0: their rest is brief.
    floor_start_signal : (str, float) or None
        Driving signal and ``min_amp`` for a set that starts at the bottom, if not ``signal``. A lifter at the
        bar drops the hips to set up and again as the bar lands (0.3 L below the hips' floor level for
        0.3 s on the real deadlift clip, more than the 0.12-0.15 L the hips rise in the lift), while the
        shoulders rise 0.6-0.7 L with the bar.
    hip_track : bool
        A hip-height signal may come from the hip region tracked on the video (:mod:`formcheck.hipflow`); False
        for the deadlift, whose hands and bar pass through that region (rendered deadlifts: better on 4 of 7,
        0.14-0.20 s worse on two, docs/validation.md).
    """

    signal: str
    sign: int = 1
    order: Order = "ecc_first"
    min_amp: float = 0.1
    min_dur_s: float = 0.5
    max_dur_s: float = 20.0
    partial_frac: float = 0.5
    cutoff_hz: float = 3.0
    side_mode: SideMode = "none"
    view: Literal["side", "front", "any"] = "any"
    hold: bool = False
    settle_s: float = 0.8
    floor_start_knee_deg: float | None = None
    floor_start_signal: tuple[str, float] | None = None
    rest_drop_s: float = 0.0
    hip_track: bool = True

    @property
    def hip_tracked(self) -> bool:
        """Whether the hip region tracked on the video drives this exercise (a hip-height signal and ``hip_track``)."""
        return self.hip_track and self.signal in ("hip_h_L", "hip_floor_L")

    def __post_init__(self) -> None:
        if self.sign not in (1, -1):
            raise ValueError(f"RepSpec.sign: expected +1 or -1, got {self.sign}")
        if not 0 < self.min_dur_s < self.max_dur_s:
            raise ValueError(f"RepSpec: expected 0 < min_dur_s < max_dur_s, got {self.min_dur_s}, {self.max_dur_s}")
        if self.min_amp <= 0:
            raise ValueError(f"RepSpec.min_amp: expected > 0, got {self.min_amp}")
        for name in (self.signal,) + ((self.floor_start_signal[0],) if self.floor_start_signal else ()):
            if name not in SIGNAL_LANDMARKS:
                raise ValueError(f"RepSpec: unknown driving signal {name!r}; expected one of "
                                 f"{', '.join(sorted(SIGNAL_LANDMARKS))}")


SLOW_RAISE_ECC_S = 1.5
"""The lowering (s) that makes a tib or calf raise "slow" by default, so that the prescription's "slow" is checked.
A rep lowered in under 85 % of it (1.28 s) is flagged ``fast_eccentric``; a normal-speed raise lowers in about 1 s.

It is 1.5 s, not the 2 s the validation renders lower in, because of the measurement margin: on a 30 fps render
(seed 3, true lowerings 1.92-1.99 s), offline read 1.73-1.84 s and live read 1.59-2.17 s. With a 2 s target, live
called the 1.92 s rep fast. At 640x360 the shoe series read lowerings up to 0.3 s short on renders drawn at the
frame's own size (docs/validation.md).
``--target-eccentric`` overrides it."""

HOLD_TOL_S = 0.2
"""A hold this much short of its target (s) still meets it: the timing precision of a hold (rendered holds: 0.02-0.07 s
of error at 30 and 60 fps, docs/validation.md), so a measured 29.9 s of a 30 s hold is not called short. The page's
prescription table and the cues use the same tolerance."""


@dataclass(frozen=True)
class Targets:
    """The prescription a set is checked against (user-overridable).

    Attributes
    ----------
    reps : int or None
        Reps per side (single-leg / single-side work) or in total.
    eccentric_s : float or None
        Target lowering duration (s).
    concentric_s : float or None
        Target rising duration (s), if prescribed.
    hold_s : float or None
        Target isometric hold duration per side (s).
    side : {"left", "right"} or None
        Force the working side instead of detecting it.
    """

    reps: int | None = None
    eccentric_s: float | None = None
    concentric_s: float | None = None
    hold_s: float | None = None
    side: Literal["left", "right"] | None = None

    def merged(self, **overrides: Any) -> Targets:
        """A copy with the non-None overrides applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Exercise:
    """One catalogue entry.

    Attributes
    ----------
    id : str
        Identifier used on the command line and in reports.
    kind : {"contacts", "reps"}
        Ground-contact analysis (hops) or the rep/hold engine.
    title : str
        Human name.
    view : str
        Camera view the analysis needs ("side", "front", "side or 45°", ...).
    targets : Targets
        Default prescription.
    single_leg : bool
        Reps are counted per leg.
    prescription : str
        Human description of the default prescription.
    spec : RepSpec or None
        Signal spec of the rep engine (None for contact exercises).
    """

    id: str
    kind: Kind
    title: str
    view: str
    targets: Targets = field(default_factory=Targets)
    single_leg: bool = False
    prescription: str = ""
    spec: RepSpec | None = None


# Driving signals (see formcheck.features): hip_h_L = hip height above the lower (standing) ankle in leg
# lengths, shoulder_h_L = the same for the shoulders, hip_floor_L = hip height above the clip's floor row,
# heel_up_deg = foot pitch (heel above toe), wrist_up_L = wrists above the shoulders, hip_angle_deg = the
# shoulder-hip-knee angle (the hinge: the hips move back before they drop, so a hip height is flat at its start).
# Ankle-referenced heights follow a moving camera or an athlete walking towards it (real clips); the floor row
# is immune to the ankle landmarks that jump and swap sides in a deep single-leg squat seen from the side
# (rendered clips). Both measured, see docs/validation.md ## Reps.
_SQUAT = RepSpec("hip_h_L", sign=-1, min_amp=0.12, min_dur_s=0.6, max_dur_s=20.0)
EXERCISES: dict[str, Exercise] = {
    e.id: e
    for e in (
        Exercise("pogo_hops", "contacts", "Pogo hops", "side",
                 prescription="quick, stiff contacts; heels never touch down"),
        Exercise("jump_rope", "contacts", "Jump rope (two-foot bounce)", "side or front",
                 prescription="light, quick contacts"),
        Exercise("double_unders", "contacts", "Double-unders", "side or front",
                 prescription="repeated two-foot jumps"),
        Exercise("hops", "contacts", "Repeated jumps / hops", "side",
                 prescription="repeated jumps; contact and flight per jump"),
        Exercise("single_leg_box_squat", "reps", "Single-leg box squat", "side",
                 Targets(reps=6, eccentric_s=4.0), single_leg=True, prescription="6 per leg, 4 s eccentric",
                 spec=replace(_SQUAT, signal="hip_floor_L", side_mode="stance_leg", view="side")),
        Exercise("offset_back_squat", "reps", "Offset back squat", "front or 45°",
                 Targets(reps=5, eccentric_s=4.0), single_leg=True,
                 prescription="5 per side, 4 s lowering, keep the bar level",
                 spec=replace(_SQUAT, side_mode="target", view="front")),
        Exercise("stomping_lunge_step_up", "reps", "Stomping lunge step-up", "side",
                 Targets(reps=8), single_leg=True, prescription="8 per leg, whole foot lands on the box",
                 spec=RepSpec("hip_floor_L", sign=1, order="con_first", min_amp=0.12, min_dur_s=0.4,
                              max_dur_s=10.0, side_mode="box_leg", view="side", settle_s=1.5)),
        Exercise("lunge_heel_raise_hold", "reps", "Lunge hold with heel raise", "side",
                 Targets(hold_s=30.0), single_leg=True,
                 prescription="30 s per side, front heel up, back leg straight",
                 spec=RepSpec("hip_floor_L", sign=-1, min_amp=0.1, min_dur_s=3.0, max_dur_s=600.0,
                              side_mode="front_leg", view="side", hold=True, cutoff_hz=1.5)),
        Exercise("tib_raise", "reps", "Tib raise", "side", Targets(reps=15, eccentric_s=SLOW_RAISE_ECC_S),
                 prescription="15 slow reps (lowering 1.5 s or slower)",
                 spec=RepSpec("heel_up_deg", sign=-1, order="con_first", min_amp=8.0, min_dur_s=0.4,
                              max_dur_s=10.0, view="side")),
        Exercise("calf_raise", "reps", "Calf raise", "side", Targets(reps=15, eccentric_s=SLOW_RAISE_ECC_S),
                 prescription="15 slow reps (lowering 1.5 s or slower), body in a straight line",
                 spec=RepSpec("heel_up_deg", sign=1, order="con_first", min_amp=8.0, min_dur_s=0.4,
                              max_dur_s=10.0, view="side")),
        Exercise("squat", "reps", "Squat", "side or front", prescription="count reps, time phases", spec=_SQUAT),
        Exercise("deadlift", "reps", "Deadlift", "side", prescription="count reps, time phases",
                 spec=RepSpec("hip_angle_deg", sign=-1, min_amp=30.0, min_dur_s=0.6, view="side",
                              floor_start_knee_deg=135.0, floor_start_signal=("shoulder_h_L", 0.25),
                              rest_drop_s=0.25, hip_track=False)),
        Exercise("lunge", "reps", "Lunge", "side or front", prescription="count reps, time phases",
                 spec=replace(_SQUAT, min_amp=0.1, min_dur_s=0.4)),
        Exercise("jumping_jack", "reps", "Jumping jack", "front", prescription="count reps",
                 spec=RepSpec("wrist_up_L", sign=1, order="con_first", min_amp=0.35, min_dur_s=0.25,
                              max_dur_s=4.0, cutoff_hz=5.0, view="front")),
    )
}


def get_exercise(exercise_id: str) -> Exercise:
    """Look up an exercise; raises FormcheckError with the known ids if unknown."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        known = ", ".join(sorted(EXERCISES))
        raise FormcheckError(f"unknown exercise {exercise_id!r}; known: {known}") from None
