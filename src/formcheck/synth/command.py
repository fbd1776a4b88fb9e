"""``formcheck synth``: render a synthetic exercise clip with its exact ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from formcheck.exercises import EXERCISES
from formcheck.synth.camera import VIEWS
from formcheck.synth.motions import GENERATORS, Motion
from formcheck.types import FormcheckError


def parse_numbers(text: str, what: str) -> tuple[int, ...]:
    """``"4,9"`` -> (4, 9); empty -> (). Raises FormcheckError on anything else."""
    text = text.strip()
    if not text:
        return ()
    try:
        out = tuple(int(x) for x in text.replace(" ", "").split(",") if x)
    except ValueError:
        raise FormcheckError(f"{what}: expected comma-separated rep/hop numbers like 4,9, got {text!r}") from None
    if any(x < 1 for x in out):
        raise FormcheckError(f"{what}: numbers are 1-based, got {text!r}")
    return out


def motion_for(exercise: str, *, seed: int = 0, hops: int | None = None, reps: int | None = None,
               seconds: float | None = None, heel_touch: tuple[int, ...] = (), gct: float | None = None,
               flight: float | None = None, drift: float = 0.0, eccentric: float | None = None,
               fast: tuple[int, ...] = (), shallow: tuple[int, ...] = (), tilt: tuple[int, ...] = (),
               heel_drop_at: float | None = None, no_heel: tuple[int, ...] = ()) -> tuple[Motion, dict[str, Any]]:
    """Build the motion of ``exercise`` from CLI-style options; returns it and the parameters used."""
    if exercise not in GENERATORS:
        known = ", ".join(sorted(GENERATORS))
        raise FormcheckError(f"no synthetic generator for {exercise!r}; available: {known}")
    if exercise not in EXERCISES:
        raise FormcheckError(f"{exercise!r} is not in the exercise catalogue")
    kw: dict[str, Any] = {"seed": seed}
    if exercise == "pogo_hops":
        kw.update(hops=12 if hops is None else hops, heel_touch=heel_touch, drift=drift)
        if gct is not None:
            kw["gct_s"] = gct
        if flight is not None:
            kw["flight_s"] = flight
    elif heel_touch or hops is not None or gct is not None or flight is not None:
        raise FormcheckError("--hops/--heel-touch/--gct/--flight apply to pogo_hops only")
    if exercise == "lunge_heel_raise_hold":
        kw["hold_s"] = 30.0 if seconds is None else seconds
        if heel_drop_at is not None:
            kw["heel_drop_at_s"] = heel_drop_at
    elif seconds is not None or heel_drop_at is not None:
        raise FormcheckError("--seconds/--heel-drop-at apply to lunge_heel_raise_hold only")
    if exercise not in ("pogo_hops", "lunge_heel_raise_hold") and reps is not None:
        if reps < 1:
            raise FormcheckError(f"--reps must be at least 1, got {reps}")
        kw["reps"] = reps
    rep_faults = exercise in ("squat", "offset_back_squat", "single_leg_box_squat", "calf_raise", "tib_raise",
                              "deadlift")
    if fast or shallow:
        if not rep_faults:
            raise FormcheckError(f"--fast/--shallow are not available for {exercise}")
        kw.update(fast=fast, shallow=shallow)
    if eccentric is not None:
        if not rep_faults and exercise != "lunge":
            raise FormcheckError(f"--eccentric is not available for {exercise}")
        if not 0.2 <= eccentric <= 15:
            raise FormcheckError(f"--eccentric must be in 0.2..15 s, got {eccentric}")
        kw["eccentric_s"] = eccentric
    if tilt:
        if exercise != "offset_back_squat":
            raise FormcheckError("--tilt applies to offset_back_squat only")
        kw["tilt"] = tilt
    if no_heel:
        if exercise != "stomping_lunge_step_up":
            raise FormcheckError("--no-heel applies to stomping_lunge_step_up only")
        kw["no_heel"] = no_heel
    motion = GENERATORS[exercise](**kw)
    return motion, {k: (list(v) if isinstance(v, tuple) else v) for k, v in kw.items()}


def short_motion(exercise: str, seed: int = 0) -> tuple[Motion, dict[str, Any]]:
    """A short version of every exercise (for detection checks and tests): few reps, short holds."""
    if exercise == "pogo_hops":
        return motion_for(exercise, seed=seed, hops=6, heel_touch=(3,))
    if exercise == "lunge_heel_raise_hold":
        return motion_for(exercise, seed=seed, seconds=4.0, heel_drop_at=1.0)
    if exercise == "jumping_jack":
        return motion_for(exercise, seed=seed, reps=4)
    if exercise in ("stomping_lunge_step_up", "lunge", "offset_back_squat", "single_leg_box_squat"):
        return motion_for(exercise, seed=seed, reps=1, eccentric=2.0 if "squat" in exercise else None)
    return motion_for(exercise, seed=seed, reps=2)


def synth(
    exercise: Annotated[str, typer.Argument(help="Exercise id, e.g. pogo_hops, single_leg_box_squat.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (clip.mp4, truth.json, keypoints.npz).")],
    fps: Annotated[float, typer.Option(help="Frame rate: 30, 60, 120, 240...")] = 60.0,
    view: Annotated[str, typer.Option(help="Camera: side, front or 45.")] = "side",
    hops: Annotated[int | None, typer.Option(help="pogo_hops: ground contacts (default 12).")] = None,
    reps: Annotated[int | None, typer.Option(help="Reps (per side for single-side exercises).")] = None,
    seconds: Annotated[float | None, typer.Option(help="lunge_heel_raise_hold: hold per side (s, default 30).")] = None,
    heel_touch: Annotated[str, typer.Option(help="pogo_hops: 1-based hops whose heels touch, e.g. 4,9.")] = "",
    gct: Annotated[float | None, typer.Option(help="pogo_hops: ground contact time (s, default 0.18).")] = None,
    flight: Annotated[float | None, typer.Option(help="pogo_hops: flight time (s, default 0.32).")] = None,
    drift: Annotated[float, typer.Option(help="pogo_hops: fatigue, relative GCT rise over the set.")] = 0.0,
    eccentric: Annotated[float | None, typer.Option(help="Prescribed lowering time (s).")] = None,
    fast: Annotated[str, typer.Option(help="1-based reps with a too-fast eccentric, e.g. 2.")] = "",
    shallow: Annotated[str, typer.Option(help="1-based reps that stop short of full depth.")] = "",
    tilt: Annotated[str, typer.Option(help="offset_back_squat: 1-based reps with a tilted shoulder line.")] = "",
    heel_drop_at: Annotated[float | None, typer.Option(
        help="lunge_heel_raise_hold: front heel drops this many s into the first hold.")] = None,
    no_heel: Annotated[str, typer.Option(help="stomping_lunge_step_up: 1-based reps whose heel does not land.")] = "",
    seed: Annotated[int, typer.Option(help="Seed for timing jitter, colours, camera placement, noise.")] = 0,
    width: Annotated[int, typer.Option(help="Frame width (px).")] = 640,
    height: Annotated[int, typer.Option(help="Frame height (px).")] = 360,
    noise: Annotated[bool, typer.Option(help="Add sensor noise, blur and stronger compression.")] = False,
    supersample: Annotated[int, typer.Option(
        min=1, max=8, help="Draw each frame this many times larger and average it down, as a camera's pixels "
                           "integrate light (1: OpenCV's edges move in steps of about half a pixel).")] = 8,
) -> None:
    """Render a synthetic athlete doing EXERCISE, with the exact truth in truth.json beside clip.mp4."""
    from formcheck.synth.render import RenderOptions, render_clip

    if view not in VIEWS:
        raise FormcheckError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    motion, params = motion_for(
        exercise, seed=seed, hops=hops, reps=reps, seconds=seconds,
        heel_touch=parse_numbers(heel_touch, "--heel-touch"), gct=gct, flight=flight, drift=drift,
        eccentric=eccentric, fast=parse_numbers(fast, "--fast"), shallow=parse_numbers(shallow, "--shallow"),
        tilt=parse_numbers(tilt, "--tilt"), heel_drop_at=heel_drop_at, no_heel=parse_numbers(no_heel, "--no-heel"))
    truth = render_clip(motion, out, RenderOptions(fps=fps, view=view, width=width, height=height, seed=seed,
                                                   noise=noise, supersample=supersample), params)
    s = truth["source"]
    typer.echo(f"{out / 'clip.mp4'}: {exercise}, {s['frame_count']} frames at {fps:g} fps ({s['duration_s']:.2f} s), "
               f"{len(truth['contacts'])} contacts, {len(truth['reps'])} reps, {len(truth['holds'])} holds")
