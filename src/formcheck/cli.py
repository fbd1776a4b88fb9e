"""Command line: ``formcheck analyze | exercises | synth | batch | live | models``.

The only place where logging is configured and progress bars are drawn. Bad
input ends in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from formcheck.types import FormcheckError

# Quieten MediaPipe / TFLite's C++ logging before mediapipe is imported anywhere.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    name="formcheck",
    help="Honest numbers on a runner's strength and plyometric work, from one camera.",
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
)

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("formcheck")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line to stderr and return the Exit to raise."""
    typer.echo(f"formcheck: error: {message}", err=True)
    return typer.Exit(code)


def one_line_errors(func: F) -> F:
    """Turn FormcheckError (and any unexpected error) into one line and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except FormcheckError as exc:
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except typer.Exit:
            raise
        except Exception as exc:
            if os.environ.get("FORMCHECK_DEBUG"):
                raise
            raise fail(f"internal error: {type(exc).__name__}: {exc} (set FORMCHECK_DEBUG=1 for details)") from None

    return wrapper  # type: ignore[return-value]


class _Progress:
    """A rich progress bar with ETA driven by (done, total) callbacks."""

    def __init__(self, description: str, enabled: bool) -> None:
        self.enabled = (enabled and sys.stderr.isatty()) or os.environ.get("FORMCHECK_PROGRESS") == "1"
        self._bar: Any = None
        self._task: Any = None
        self.description = description

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("frames"), TimeRemainingColumn(), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.description, total=None)
        return self

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None and (done % 5 == 0 or done == total):
            self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@app.command()
@one_line_errors
def analyze(
    video: Path = typer.Argument(None, help="Video file to analyse (omit with --landmarks)."),
    exercise: str = typer.Option(..., "--exercise", "-e", help="Exercise id (see `formcheck exercises`)."),
    out: Path = typer.Option(Path("formcheck-out"), "--out", "-o", help="Output folder for the report files."),
    model: str = typer.Option("full", "--model", "-m", help="Pose model: full, lite, heavy or a .task path."),
    landmarks: Path = typer.Option(None, "--landmarks", help="Re-analyse a saved landmarks.npz (no model run)."),
    det_conf: float = typer.Option(0.5, "--det-conf", help="Minimum pose detection confidence [0-1]."),
    track_conf: float = typer.Option(0.5, "--track-conf", help="Minimum pose tracking confidence [0-1]."),
    smooth: bool = typer.Option(None, "--smooth/--no-smooth",
                                help="MediaPipe's temporal smoothing (default: on for reps, off for hops)."),
    tracked: bool = typer.Option(None, "--tracked/--no-tracked",
                                 help="With smoothing off, also run MediaPipe's tracked pass to follow the athlete "
                                      "and count contacts (default: on for hops; about 1.5x the pose time)."),
    target_eccentric: float = typer.Option(None, "--target-eccentric", help="Target lowering time (s)."),
    target_concentric: float = typer.Option(None, "--target-concentric", help="Target rising time (s)."),
    reps: int = typer.Option(None, "--reps", help="Target reps (per side for single-leg work)."),
    hold: float = typer.Option(None, "--hold", help="Target hold time per side (s)."),
    side: str = typer.Option(None, "--side", help="Working side for single-leg work: left or right."),
    no_video: bool = typer.Option(False, "--no-video", help="Skip the annotated video."),
    no_html: bool = typer.Option(False, "--no-html", help="Skip report.html and report.csv."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary, no progress bar."),
) -> None:
    """Analyse one clip: report.json, report.html, report.csv, landmarks.npz, annotated.mp4 in --out."""
    _setup_logging(verbose)
    from formcheck.exercises import get_exercise
    from formcheck.pipeline import PoseOptions, analyze_file

    ex = get_exercise(exercise)
    if side is not None and side not in ("left", "right"):
        raise FormcheckError(f"--side must be left or right, got {side!r}")
    if video is None and landmarks is None:
        raise FormcheckError("give a VIDEO or --landmarks FILE.npz")
    targets = ex.targets.merged(reps=reps, eccentric_s=target_eccentric, concentric_s=target_concentric,
                                hold_s=hold, side=side)
    with _Progress(f"pose ({model})", enabled=not quiet) as bar:
        report = analyze_file(
            video, exercise, out,
            pose=PoseOptions(model, det_conf, track_conf, smooth, tracked),
            targets=targets, landmarks=landmarks, video_out=not no_video, html=not no_html,
            progress=bar,
        )
    if not quiet:
        from formcheck.render import summary_text

        typer.echo(summary_text(report))
        typer.echo(f"Report: {out / 'report.json'}")


@app.command()
def exercises() -> None:
    """List the exercises formcheck knows, with the view they need and the default prescription."""
    from formcheck.exercises import EXERCISES

    width = max(len(k) for k in EXERCISES)
    for ex in EXERCISES.values():
        typer.echo(f"{ex.id:<{width}}  {ex.kind:<8}  view: {ex.view:<14}  {ex.prescription}")


@app.command()
@one_line_errors
def models(
    fetch: str = typer.Option(None, "--fetch", help="Download a model now (heavy) and print its path."),
) -> None:
    """Show the pose models, where they are and their sha256."""
    from formcheck.pose import BUNDLED, model_cache_dir, resolve_model, sha256_file

    if fetch:
        p = resolve_model(fetch)
        typer.echo(f"{fetch}: {p}  sha256 {sha256_file(p)}")
        return
    for name in BUNDLED:
        p = resolve_model(name)
        typer.echo(f"{name:<6} {p}  sha256 {sha256_file(p)}")
    heavy = model_cache_dir() / "pose_landmarker_heavy.task"
    typer.echo(f"heavy  {heavy if heavy.is_file() else 'not downloaded (formcheck models --fetch heavy)'}")


def _register_tools() -> None:
    """Commands implemented in their own modules (synthetic clips, batch, live)."""
    from formcheck.batch import batch
    from formcheck.live import live
    from formcheck.synth.command import synth

    app.command("synth")(one_line_errors(synth))
    app.command("batch")(one_line_errors(batch))
    app.command("live")(one_line_errors(live))


_register_tools()


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
