"""Glue: source -> pose -> analysis -> report files.

:func:`analyze_file` is the one entry point the CLI, batch mode and tests use.
All outputs of one run are written into a staging folder beside the output folder
and moved into place only when every file is complete, so a failed run leaves
no partial output.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck import footflow, footpitch, hipflow
from formcheck.analysis import analyze
from formcheck.exercises import Targets, get_exercise
from formcheck.pose import ProgressFn, estimate_video
from formcheck.report import build_report, feet_in_frame_fraction, write_json
from formcheck.reps import box_windows
from formcheck.types import FormcheckError, Landmarks, Rep, publish
from formcheck.video import Frame, open_video

log = logging.getLogger(__name__)

MIN_FEET_IN_FRAME = 0.2
"""Ground-contact analysis refuses a clip whose feet are seen in fewer of its frames than this."""

REPORT_JSON = "report.json"
LANDMARKS_NPZ = "landmarks.npz"
REPORT_HTML = "report.html"
REPORT_CSV = "report.csv"
ANNOTATED_MP4 = "annotated.mp4"


@dataclass(frozen=True)
class PoseOptions:
    """How the pose model is run.

    Attributes
    ----------
    model : str
        ``full``, ``lite``, ``heavy`` or a ``.task`` path.
    min_detection_confidence, min_tracking_confidence : float
        MediaPipe thresholds in [0, 1].
    smooth : bool or None
        MediaPipe's temporal smoothing; None chooses by exercise (:func:`default_smoothing`).
    tracked : bool or None
        With smoothing off, also run MediaPipe's tracked (smoothed) pass and keep it as ``Landmarks.tracked``
        (:class:`~formcheck.pose.PoseEstimator`); None: on for ground contacts when ``smooth`` is also None.
    """

    model: str = "full"
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth: bool | None = None
    tracked: bool | None = None


def default_smoothing(exercise: str) -> bool:
    """Whether the pose stage should use MediaPipe's temporal smoothing for ``exercise``.

    Ground contacts: no. The filter lags fast events (touchdowns 20-60 ms late on rendered
    hops), and contact timing is the measurement. Reps and holds: yes. Without the filter
    MediaPipe runs its face-based person detector on every frame, and loses the person when
    the face is hidden (a barbell plate in a side-view squat: 92-94 % of frames kept instead
    of 100 % on the real squat clips); the lag shifts a slow rep's start and end alike.
    Measured in docs/validation.md.
    """
    return get_exercise(exercise).kind == "reps"


def default_tracked(exercise: str) -> bool:
    """Whether the unsmoothed pose stage should also run MediaPipe's tracked pass for ``exercise``.

    Ground contacts: yes. Unsmoothed, MediaPipe re-detects the athlete on every frame and loses small or
    picture-in-picture athletes (double-under clip 4: 86 % of frames); the tracked pass keeps them, and
    counting contacts on it while timing them on the unsmoothed pass brought most rope clips' counts within
    one of the labels (docs/validation.md). Reps: no (they run smoothed).
    """
    return get_exercise(exercise).kind == "contacts"


def resolved(options: PoseOptions, exercise: str | None) -> PoseOptions:
    """``options`` with ``smooth`` and ``tracked`` decided (by exercise when None; both off without one).

    Examples
    --------
    >>> resolved(PoseOptions(), "pogo_hops").smooth, resolved(PoseOptions(), "pogo_hops").tracked
    (False, True)
    >>> resolved(PoseOptions(), "squat").smooth, resolved(PoseOptions(), "squat").tracked
    (True, False)
    >>> resolved(PoseOptions(tracked=True), "squat").smooth, resolved(PoseOptions(smooth=False), "pogo_hops").tracked
    (False, False)
    """
    smooth, tracked = options.smooth, options.tracked
    if smooth is None:
        # an explicit tracked pass asks for the unsmoothed series it runs beside
        smooth = False if tracked else (default_smoothing(exercise) if exercise is not None else False)
        if tracked is None:
            tracked = default_tracked(exercise) if exercise is not None else False
    return PoseOptions(options.model, options.min_detection_confidence, options.min_tracking_confidence, smooth,
                       bool(tracked) and not smooth)


def hip_tracked(exercise: str) -> bool:
    """Whether ``exercise`` is timed from the hip region tracked on the video (``RepSpec.hip_tracked``)."""
    spec = get_exercise(exercise).spec
    return spec is not None and spec.hip_tracked


def run_pose(video: str | Path, options: PoseOptions | None = None, progress: ProgressFn | None = None,
             hip_track: bool = False) -> Landmarks:
    """Landmarks of every frame of ``video`` (container timestamps).

    With ``hip_track`` the hip region is also tracked on each frame as the pose stage decodes it
    (:class:`formcheck.hipflow.StreamingHipTracker`), unchecked: :func:`measure_hip_track` decides whether it is used.
    """
    o = resolved(options or PoseOptions(), None)
    hook = None
    tracker = hipflow.StreamingHipTracker() if hip_track else None
    if tracker is not None:
        def hook(t_s: float, rgb: NDArray[np.uint8], row: NDArray[np.float32] | None) -> None:
            h, w = rgb.shape[:2]
            xy = None if row is None else np.asarray(row[:, :2], np.float64) * np.array([w, h])
            tracker.push(t_s, np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.uint8), xy)
    lm = estimate_video(video, o.model, o.min_detection_confidence, o.min_tracking_confidence, progress,
                        smooth=bool(o.smooth), tracked=bool(o.tracked), on_frame=hook)
    if tracker is not None and len(lm) > 0:
        track = tracker.result()
        if len(track) == len(lm):
            lm = dataclasses.replace(lm, hip_track=track)
    return lm


def measure_shoes(lm: Landmarks, video: str | Path, exercise: str) -> Landmarks:
    """``lm`` with its ground contacts measured on the shoes in ``video``.

    Runs the contact analysis once to find the contacts, then decodes the video a second time keeping only the
    frames it needs: around each event at high frame rates, re-timed from optical flow on the soles
    (:mod:`formcheck.footflow`, stored as ``lm.shoe_events``), and, at any frame rate, the stand and every
    contact's frames, where the shoe nearer the camera is registered against the standing shoe for the heel
    decision (:mod:`formcheck.footpitch`, stored as ``lm.shoe_pitch``). Both are saved with the landmarks, so
    re-analysis keeps them. Unchanged when no contact was found, or when neither applies (below
    :data:`formcheck.footflow.MIN_FPS` without a stand seen from the side). Exercises driven by foot pitch (tib
    and calf raises) get their shoe pitch series instead (:func:`measure_foot_pitch`), exercises driven by the hip
    height their hip track (:func:`measure_hip_track`, not the deadlift: ``RepSpec.hip_track``); other rep exercises
    are returned unchanged. Step-ups also get their lead foot's pitch on the box (:func:`measure_box_heels`).
    """
    ex = get_exercise(exercise)
    if ex.spec is not None and ex.spec.signal == "heel_up_deg" and not ex.spec.hold:
        return measure_foot_pitch(lm, video, exercise)
    if hip_tracked(exercise):
        lm = measure_hip_track(lm, video)
        return measure_box_heels(lm, video, exercise) if exercise == "stomping_lunge_step_up" else lm
    if ex.kind != "contacts":
        return lm
    analysis = analyze(lm, exercise, ex.targets)
    if not analysis.contacts:
        return lm
    requests = footflow.requests_for(analysis.contacts) if footflow.usable(lm.t) else []
    flow_need = footflow.frames_needed(lm.t, requests)
    pitch_plan = footpitch.plan(lm, analysis.contacts, _stand_s(analysis.params))
    meter = footpitch.PitchMeter(lm, pitch_plan) if pitch_plan is not None else None
    need = flow_need | (pitch_plan.frames_needed() if pitch_plan is not None else set())
    if not need:
        return lm

    def frames(src: Iterable[Frame]) -> Iterator[tuple[int, float, NDArray[np.uint8]]]:
        for f in _checked(lm, src):
            if meter is not None:
                meter.push(f.index, f.image)
            if f.index in flow_need:
                yield f.index, f.t_s, f.image

    with open_video(video, "gray", select=need) as src:
        try:
            shoe = footflow.time_events(lm, frames(src), requests)
        except ValueError as exc:  # not the frames the landmarks came from
            log.warning("%s: shoe measurements skipped: %s", video, exc)
            return lm
    out = lm
    if requests:
        log.info("shoe timing: %d of %d events timed from the shoes", int(np.isfinite(shoe.t_s).sum()), len(shoe))
        out = dataclasses.replace(out, shoe_events=shoe)
    if meter is not None:
        pitch = meter.result()
        log.info("shoe pitch: %d of %d contacts measured", int(np.isfinite(pitch.min_pitch_deg).sum()), len(pitch))
        out = dataclasses.replace(out, shoe_pitch=pitch)
    return out


STAND_MIN_S = 0.5
"""Shortest still stretch between reps (s) whose middle can be the flat reference of a foot pitch series."""
STAND_GAP_S = 0.15
"""The reference is taken this far from a rep's start or end (s): the fitted phase ends are a few frames off."""


def measure_foot_pitch(lm: Landmarks, video: str | Path, exercise: str) -> Landmarks:
    """``lm`` with the nearer shoe's pitch measured in every frame of ``video`` (``lm.foot_pitch``).

    The reps are found on the landmarks first; the flat reference is the still stretch just before the first rep
    (else between reps, else after the last), where the shoe standing flat becomes the template that every frame is
    registered against (:class:`formcheck.footpitch.SeriesMeter`); stretches where the registration held a wrong
    solution are left out (:func:`formcheck.footpitch.drop_lost_stretches`). Unchanged when no rep was found, no still
    stretch of :data:`STAND_MIN_S` holds a flat foot seen from the side, the video's frames are not the landmarks',
    or the series does not follow the landmarks' pitch (:func:`formcheck.footpitch.series_agreement`).
    """
    analysis = analyze(lm, exercise, get_exercise(exercise).targets)
    plan = _flat_stand(lm, analysis.reps)
    if plan is None:
        log.info("shoe pitch series: no flat stand of a foot seen from the side; landmark pitch kept")
        return lm
    meter = footpitch.SeriesMeter(lm, plan)
    if not _push_every_frame(lm, video, meter.push, "shoe pitch series"):
        return lm
    series, lost = footpitch.drop_lost_stretches(lm, meter.result())
    if lost:
        log.info("shoe pitch series: %d frames where the registration held a wrong solution left out", lost)
    agree = footpitch.series_agreement(lm, series)
    if agree < footpitch.MIN_AGREEMENT:
        log.warning("%s: the shoe pitch series does not follow the landmarks (correlation %.2f); landmark pitch kept",
                    video, agree)
        return lm
    log.info("shoe pitch series: %d of %d frames registered, correlation with the landmarks %.2f",
             int(np.isfinite(series.pitch_deg).sum()), len(series), agree)
    return dataclasses.replace(lm, foot_pitch=series)


def _flat_stand(lm: Landmarks, reps: list[Rep]) -> footpitch.PitchPlan | None:
    """The plan (:func:`formcheck.footpitch.series_plan`) of the still stretch whose flat shoe is the template of a
    pitch measurement: just before the first rep, else between reps, else after the last (:data:`STAND_MIN_S` long
    at least, :data:`STAND_GAP_S` from any rep); None without reps or such a stand."""
    if not reps:
        return None
    t0, t1 = float(lm.t[0]), float(lm.t[-1])
    reps = sorted(reps, key=lambda r: r.start_s)
    gaps = [(t0, reps[0].start_s, True)] + [(a.end_s, b.start_s, False) for a, b in itertools.pairwise(reps)] \
        + [(reps[-1].end_s, t1, False)]
    for a, b, before_first in gaps:
        a, b = a + STAND_GAP_S, b - STAND_GAP_S
        if b - a < STAND_MIN_S:
            continue
        # before the first rep: just before it (the athlete may still be settling in at the clip's start)
        mid = b - footpitch.STAND_HALF_S if before_first else 0.5 * (a + b)
        plan = footpitch.series_plan(lm, mid)
        if plan is not None:
            return plan
    return None


def measure_box_heels(lm: Landmarks, video: str | Path, exercise: str) -> Landmarks:
    """``lm`` with each step-up's lead foot measured on the box on the video (``lm.shoe_pitch``, one row per rep).

    The reps are found on ``lm`` (with its hip track); in each rep's drive window (:func:`formcheck.reps.box_windows`)
    the foot on the box is registered against the shoe standing flat before the reps
    (:func:`formcheck.footpitch.box_plan`), and the lowest windowed pitch says whether its heel came down
    (:func:`formcheck.reps.box_heels`). MediaPipe's heel and toe read a flat foot on the box at up to 12° and a heel
    kept 17° up at 11.7-20.1° on rendered step-ups, where the shoe reads -3.5 to +0.6° and 13.4-18.0°
    (docs/validation.md).
    Unchanged when no rep or no flat stand seen from the side is found, or the video's frames are not the landmarks'.
    """
    analysis = analyze(lm, exercise, get_exercise(exercise).targets)
    base = _flat_stand(lm, analysis.reps)
    if base is None:
        log.info("box heels: no flat stand of a foot seen from the side; the landmarks judge the heel")
        return lm
    plan = footpitch.box_plan(lm, box_windows(analysis.reps), base)
    meter = footpitch.PitchMeter(lm, plan)
    if not _push_every_frame(lm, video, meter.push, "box heels", plan.frames_needed()):
        return lm
    pitch = meter.result()
    log.info("box heels: %d of %d reps' lead foot measured on the video", int(np.isfinite(pitch.min_pitch_deg).sum()),
             len(pitch))
    return dataclasses.replace(lm, shoe_pitch=pitch)


def measure_hip_track(lm: Landmarks, video: str | Path) -> Landmarks:
    """``lm`` with the hip region's vertical motion tracked between every two frames of ``video``
    (``lm.hip_track``): the track the pose stage streamed (:func:`run_pose` with ``hip_track``), else one measured on
    a second decode (:class:`formcheck.hipflow.HipTracker`).

    Without the track when nobody was detected, the video's frames are not the landmarks', or the track does not
    follow the landmarks' hip: its fast motion correlates below :data:`formcheck.hipflow.MIN_AGREEMENT`
    (:func:`formcheck.hipflow.track_agreement`) or its speed differs from theirs by more than
    :data:`formcheck.hipflow.MAX_DISAGREEMENT_LEG_S` in the median (:func:`formcheck.hipflow.track_disagreement`).
    """
    if len(lm) < 2 or not lm.detected.any():
        return dataclasses.replace(lm, hip_track=None) if lm.hip_track is not None else lm
    track = lm.hip_track
    if track is None:
        tracker = hipflow.HipTracker(lm)
        if not _push_every_frame(lm, video, tracker.push, "hip track"):
            return lm
        track = tracker.result()
    agree, apart = hipflow.track_checks(lm, track)
    if not (agree >= hipflow.MIN_AGREEMENT and apart <= hipflow.MAX_DISAGREEMENT_LEG_S):
        # a method choice, not a fault of the input (the report's hip_source says which was used): not a warning
        log.info("%s: the hip track does not follow the landmarks (correlation %.2f, median speed difference "
                 "%.3f leg/s); landmark hip kept", video, agree, apart)
        return dataclasses.replace(lm, hip_track=None)
    log.info("hip track: %d of %d frame pairs tracked, correlation with the landmarks %.2f, median speed difference "
             "%.3f leg/s", int(np.isfinite(track.dy_px).sum()), len(track) - 1, agree, apart)
    return dataclasses.replace(lm, hip_track=track)


def _push_every_frame(lm: Landmarks, video: str | Path, push: Callable[[int, NDArray[np.uint8]], None],
                      what: str, select: set[int] | None = None) -> bool:
    """Decode ``video`` in grey and hand every checked frame (or those of ``select``) to ``push(index, image)``;
    False (logged, naming ``what``) when the video's frames are not the landmarks'."""
    with open_video(video, "gray", select=select) as src:
        try:
            for f in _checked(lm, src):
                push(f.index, f.image)
        except ValueError as exc:  # not the frames the landmarks came from
            log.warning("%s: %s skipped: %s", video, what, exc)
            return False
    return True


def _checked(lm: Landmarks, src: Iterable[Frame]) -> Iterator[Frame]:
    """The decoded frames that have pixels, each checked to be the landmark series' frame at its index
    (:func:`formcheck.footflow.check_frame`: ValueError otherwise)."""
    for f in src:
        if f.image.size:
            footflow.check_frame(lm.t, f.index, f.t_s)
            yield f


def _stand_s(params: dict[str, Any]) -> list[float]:
    """Middle of the stand that gave each foot (left, right) its flat-foot reference in the contact analysis (s;
    NaN when none)."""
    refs = params.get("flat_reference") or {}
    return [float(r["t_s"]) if r else float("nan") for r in (refs.get("left"), refs.get("right"))]


def report_from_landmarks(
    lm: Landmarks, exercise: str, targets: Targets | None = None, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Analyse a landmark series and build the report dict (pure)."""
    ex = get_exercise(exercise)
    tg = ex.targets if targets is None else targets
    analysis = analyze(lm, exercise, tg)
    p = dict(params or {})
    p["targets"] = {k: v for k, v in tg.__dict__.items() if v is not None}
    return build_report(lm, exercise, analysis, p)


def _commit(stage: Path, out_dir: Path) -> None:
    """Move a finished staging folder's files into ``out_dir``."""
    if not out_dir.exists():
        publish(stage, out_dir)
        return
    if not out_dir.is_dir():
        raise FormcheckError(f"output path {out_dir} exists and is not a directory")
    for f in stage.iterdir():
        os.replace(f, out_dir / f.name)
    stage.rmdir()


def analyze_file(
    video: str | Path | None,
    exercise: str,
    out_dir: str | Path,
    *,
    pose: PoseOptions | None = None,
    targets: Targets | None = None,
    landmarks: str | Path | None = None,
    video_out: bool = True,
    html: bool = True,
    progress: ProgressFn | None = None,
    extra_params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Analyse one clip and write its report files into ``out_dir``.

    Parameters
    ----------
    video : path or None
        The clip. May be None when ``landmarks`` is given (no annotated video then).
    exercise : str
        Exercise id (see ``formcheck exercises``).
    out_dir : path
        Output folder; created (with its parents) only when the run succeeds.
    pose : PoseOptions
        Model and confidences.
    targets : Targets or None
        Prescription overrides (default: the exercise's).
    landmarks : path or None
        A saved ``landmarks.npz`` to analyse instead of running the model.
    video_out : bool
        Write ``annotated.mp4``.
    html : bool
        Write ``report.html`` and ``report.csv``.
    progress : callable or None
        Called with (frames done, frames expected) while the model runs.
    extra_params : dict or None
        More entries for the report's ``params`` (a live session's ``live`` figures), in every file written.

    Returns
    -------
    The report dict (also written to ``out_dir/report.json``).

    Raises
    ------
    FormcheckError
        Bad input: unreadable video, unknown exercise, nobody in the video...
    """
    get_exercise(exercise)  # fail fast on a bad id, before the model runs
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise FormcheckError(f"output path {out} exists and is not a directory")
    po = resolved(pose or PoseOptions(), exercise)
    if landmarks is not None:
        lm = Landmarks.load(landmarks)
        src_path = str(video) if video is not None else lm.meta.path
    elif video is not None:
        lm = run_pose(video, po, progress, hip_track=hip_tracked(exercise))
        src_path = str(video)
        if lm.detected.any():
            lm = measure_shoes(lm, video, exercise)
    else:
        raise FormcheckError("give a video or --landmarks FILE.npz")
    if len(lm) == 0 or not lm.detected.any():
        raise FormcheckError(f"{src_path}: nobody detected in any of its {len(lm)} frames")
    if get_exercise(exercise).kind == "contacts":
        feet = feet_in_frame_fraction(lm)
        if feet < MIN_FEET_IN_FRAME:
            raise FormcheckError(f"{src_path}: the feet are out of frame or hidden in {1 - feet:.0%} of the frames "
                                 "with a person; ground contacts need the whole body, feet included, in view")
    if landmarks is not None:
        params: dict[str, Any] = {"pose": {"model": lm.model, "landmarks_file": str(landmarks)}}
    else:
        params = {"pose": {**po.__dict__, "model": lm.model}}
    params.update(extra_params or {})
    report = report_from_landmarks(lm, exercise, targets, params)
    report["source"]["path"] = src_path

    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.partial-"))
    try:
        lm.save(stage / LANDMARKS_NPZ)
        files = {"json": REPORT_JSON, "landmarks": LANDMARKS_NPZ}
        if html:
            from formcheck import render

            render.write_html(report, lm, stage / REPORT_HTML)
            render.write_csv(report, stage / REPORT_CSV)
            files.update(html=REPORT_HTML, csv=REPORT_CSV)
        video_path = Path(src_path)
        if video_out and video_path.is_file():
            from formcheck.annotate import write_annotated_video

            codec = write_annotated_video(video_path, lm, report, stage / ANNOTATED_MP4)
            files["video"] = ANNOTATED_MP4
            report["params"]["annotated_video_codec"] = codec
        report["files"] = files
        write_json(report, stage / REPORT_JSON)
        _commit(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return report
