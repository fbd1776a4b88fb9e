"""The exercise catalogue: ids, what kind of analysis each needs, and the default prescription.

One small declarative entry per exercise. The rep engine's signal specs (which
angle or height drives each exercise, thresholds in body-relative units) live
with the entries in :data:`EXERCISES` so that adding an exercise is one edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from formcheck.types import FormcheckError

Kind = Literal["contacts", "reps"]


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

    def merged(self, **overrides: object) -> Targets:
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
    """

    id: str
    kind: Kind
    title: str
    view: str
    targets: Targets = field(default_factory=Targets)
    single_leg: bool = False
    prescription: str = ""


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
                 Targets(reps=6, eccentric_s=4.0), single_leg=True, prescription="6 per leg, 4 s eccentric"),
        Exercise("offset_back_squat", "reps", "Offset back squat", "front or 45°",
                 Targets(reps=5, eccentric_s=4.0), single_leg=True,
                 prescription="5 per side, 4 s lowering, keep the bar level"),
        Exercise("stomping_lunge_step_up", "reps", "Stomping lunge step-up", "side",
                 Targets(reps=8), single_leg=True, prescription="8 per leg, whole foot lands on the box"),
        Exercise("lunge_heel_raise_hold", "reps", "Lunge hold with heel raise", "side",
                 Targets(hold_s=30.0), single_leg=True,
                 prescription="30 s per side, front heel up, back leg straight"),
        Exercise("tib_raise", "reps", "Tib raise", "side", Targets(reps=15),
                 prescription="15 slow reps"),
        Exercise("calf_raise", "reps", "Calf raise", "side", Targets(reps=15),
                 prescription="15 slow reps, body in a straight line"),
        Exercise("squat", "reps", "Squat", "side or front", prescription="count reps, time phases"),
        Exercise("deadlift", "reps", "Deadlift", "side", prescription="count reps, time phases"),
        Exercise("lunge", "reps", "Lunge", "side or front", prescription="count reps, time phases"),
        Exercise("jumping_jack", "reps", "Jumping jack", "front", prescription="count reps"),
    )
}


def get_exercise(exercise_id: str) -> Exercise:
    """Look up an exercise; raises FormcheckError with the known ids if unknown."""
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        known = ", ".join(sorted(EXERCISES))
        raise FormcheckError(f"unknown exercise {exercise_id!r}; known: {known}") from None
