"""Live mode: camera (or a file at real pace) -> pose on the newest frame -> online detector -> coaching.

One algorithm, two drivers: the session feeds the same online detector the analysis uses
(:func:`formcheck.analysis.make_online`) frame by frame, shows what a coach would say as it happens
(rep count, eccentric count-down, too-fast lowering, each hop's contact time, a red flash on a heel
touch), and at the end writes the same report files as ``formcheck analyze`` from the frames it
processed (dropped frames are simply absent), also after a crash or Ctrl-C.

Latency bookkeeping: every emitted event carries ``latency_s`` = clock at emission minus the arrival
time of the frame whose processing revealed it, and ``delay_s`` = clock at emission minus the arrival
time of the frame at the event's own media time (for a heel touch: the frame in which the heel
reached the floor).
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import IO, Annotated, Any, Protocol

import numpy as np
import typer
from numpy.typing import NDArray

from formcheck.analysis import OnlineDetector, make_online
from formcheck.audio import Audio, AudioMode, Cue
from formcheck.camera import CameraSource, Clock, FrameSource, LiveFrame, NewestFrameReader, PacedFileSource
from formcheck.exercises import Exercise, Targets, get_exercise
from formcheck.overlay import HEEL_FLASH_S, OverlayState, draw_overlay
from formcheck.types import N_LANDMARKS, Event, FormcheckError, Landmarks, VideoMeta

log = logging.getLogger(__name__)

WINDOW = "formcheck live"
CUE_SHOW_S = 2.5
"""How long a cue stays on screen (s of media time)."""
STANDING_S = 1.0
"""A ground or flight phase longer than this (s) is standing, not hopping: the phase display clears."""
HEEL_SHOW_S = 0.6
"""How long the heel-touch flash lasts after the cue is emitted (s)."""


class Estimator(Protocol):
    """What live mode needs from a pose model (``PoseEstimator`` or a test fake)."""

    model_name: str

    def process(self, image_rgb: NDArray[np.uint8], t_s: float) -> NDArray[np.float32] | None: ...

    def close(self) -> None: ...


# --- coaching state (pure) ------------------------------------------------------------------------
@dataclass
class Coach:
    """Turns detector events into what the screen and the speaker say (pure; no I/O).

    Parameters
    ----------
    exercise : Exercise
    targets : Targets
    """

    exercise: Exercise
    targets: Targets
    count: int = 0
    count_left: int = 0
    count_right: int = 0
    phase: str | None = None
    phase_t0_s: float | None = None
    side: str | None = None
    ecc_t0_s: float | None = None
    last_gct_ms: float | None = None
    last_flight_ms: float | None = None
    last_heel: bool = False
    heel_at_s: float | None = None
    cue: str | None = None
    cue_at_s: float = -math.inf
    ticks_done: int = 0
    done_announced: bool = False
    sounds: list[Cue] = field(default_factory=list)

    @property
    def hops(self) -> bool:
        return self.exercise.kind == "contacts"

    def reset(self) -> None:
        """Back to zero (the `r` key)."""
        fresh = Coach(self.exercise, self.targets)
        self.__dict__.update(fresh.__dict__)

    def _say(self, text: str, now_s: float, sound: Cue | None = None) -> Event:
        self.cue, self.cue_at_s = text, now_s
        if sound:
            self.sounds.append(sound)
        return Event("cue", now_s, {"text": text, "live": True})

    def on_event(self, e: Event, now_s: float) -> list[Event]:
        """Update from one detector event seen at media time ``now_s``; returns derived cue events."""
        out: list[Event] = []
        d = e.data
        if e.type == "phase":
            ph = str(d.get("phase"))
            if ph == "eccentric":
                self.phase, self.phase_t0_s, self.ecc_t0_s, self.ticks_done = "eccentric", e.t_s, e.t_s, 0
            elif ph == "concentric":
                self.phase, self.phase_t0_s = "concentric", e.t_s
            elif ph in ("bottom", "top"):
                ecc_ended = (ph == "bottom") == (self.exercise.spec is None or self.exercise.spec.order == "ecc_first")
                if self.ecc_t0_s is not None and ecc_ended:
                    out += self._check_eccentric(e.t_s - self.ecc_t0_s, now_s)
                    self.ecc_t0_s = None
                self.phase, self.phase_t0_s = ("pause", e.t_s) if ph == "bottom" else (None, None)
                if ph == "bottom" and self.exercise.spec is not None and self.exercise.spec.order != "ecc_first":
                    self.phase = None
        elif e.type == "rep":
            self.count += 1
            s = d.get("side")
            self.count_left += s == "left"
            self.count_right += s == "right"
            self.side = s if s in ("left", "right") else None
            tgt = self.targets.reps
            if tgt and not self.done_announced:
                per_side = self.exercise.single_leg and self.side is not None
                n = (self.count_left if self.side == "left" else self.count_right) if per_side else self.count
                if n >= tgt:
                    self.done_announced = not per_side
                    out.append(self._say(f"{n} reps{f' ({self.side})' if per_side else ''}: set done", now_s, "done"))
        elif e.type == "cue":
            self.cue, self.cue_at_s = str(d.get("text", "")), now_s
            self.sounds.append("warn")
        elif e.type == "hold_start":
            self.phase, self.phase_t0_s, self.side = "hold", e.t_s, d.get("side")
        elif e.type == "hold_end":
            self.phase, self.phase_t0_s = None, None
            dur = d.get("duration_s")
            if dur is not None:
                out.append(self._say(f"hold {float(dur):.1f} s", now_s, "done"))
        if d.get("heel_cue_withdrawn"):  # an early "heel!" the whole contact did not confirm (e.g. a landing)
            self.last_heel, self.heel_at_s = False, None
            out.append(self._say("heel call withdrawn", now_s, None))
        if e.type == "touchdown":  # hops are counted when completed (the last landing is no hop)
            self.phase, self.phase_t0_s = "ground", e.t_s
        elif e.type == "takeoff":
            self.phase, self.phase_t0_s = "flight", e.t_s
            g = d.get("gct_s")
            if g is not None and not d.get("standing"):
                self.last_gct_ms = float(g) * 1000.0
        elif e.type == "contact":
            self.last_gct_ms = float(d["gct_s"]) * 1000.0
            fl = d.get("flight_s")
            self.last_flight_ms = None if fl is None else float(fl) * 1000.0
            self.last_heel = bool(d.get("heel_touch"))
            hop = d.get("hop")
            if hop is not None:
                self.count = max(self.count, int(hop))
        elif e.type == "heel_touch":
            self.heel_at_s = now_s
            self.last_heel = True
            out.append(self._say(f"heel! (hop {d.get('hop', '?')})", now_s, "heel"))
        return out

    def _check_eccentric(self, ecc_s: float, now_s: float) -> list[Event]:
        from formcheck.reps import FAST_ECC_TOL

        tgt = self.targets.eccentric_s
        # The live phase events start the eccentric at a hysteresis crossing (late), so the live duration
        # runs short (we saw 1.6 s live for a 2.0 s lowering): the immediate cue uses twice the report's
        # tolerance; the rep's own fitted check (a "cue" event from the detector) follows ~0.6 s later.
        if tgt is None or ecc_s >= (1.0 - 2.0 * FAST_ECC_TOL) * tgt:
            return []
        return [self._say(f"too fast: lowered in about {ecc_s:.1f} s of {tgt:g} s", now_s, "warn")]

    def tick(self, now_s: float) -> None:
        """Advance the eccentric count-down to media time ``now_s`` (queues a click per second)."""
        tgt = self.targets.eccentric_s
        if self.phase != "eccentric" or self.ecc_t0_s is None or not tgt:
            return
        whole = int(math.floor(now_s - self.ecc_t0_s))
        n_ticks = int(math.ceil(tgt))
        while self.ticks_done < min(whole, n_ticks):
            self.ticks_done += 1
            self.sounds.append("go" if self.ticks_done >= n_ticks else "tick")

    def countdown(self, now_s: float) -> int | None:
        """Seconds of lowering left ("4, 3, 2, 1") during an eccentric with a target, else None."""
        tgt = self.targets.eccentric_s
        if self.phase != "eccentric" or self.ecc_t0_s is None or not tgt:
            return None
        left = tgt - (now_s - self.ecc_t0_s)
        return int(math.ceil(left)) if left > 0 else 0

    def take_sounds(self) -> list[Cue]:
        s, self.sounds = self.sounds, []
        return s

    def state(self, now_s: float) -> OverlayState:
        """The overlay at media time ``now_s``."""
        cue = self.cue if now_s - self.cue_at_s < CUE_SHOW_S else None
        cd = self.countdown(now_s)
        if cd is not None:
            cue = f"lower... {cd}" if cd > 0 else "up"
        elapsed = None if self.phase_t0_s is None else max(0.0, now_s - self.phase_t0_s)
        if self.phase in ("ground", "flight") and elapsed is not None and elapsed > STANDING_S:
            self.phase, self.phase_t0_s, elapsed = None, None, None  # standing still: the set paused
        target: float | None = None
        if self.phase == "eccentric":
            target = self.targets.eccentric_s
        elif self.phase == "concentric":
            target = self.targets.concentric_s
        elif self.phase == "hold":
            target = self.targets.hold_s
        flash = 0.0
        if self.heel_at_s is not None and now_s - self.heel_at_s < HEEL_SHOW_S:
            flash = 1.0 - (now_s - self.heel_at_s) / HEEL_SHOW_S * (1.0 - HEEL_FLASH_S / HEEL_SHOW_S)
        sided = self.exercise.single_leg and not self.hops
        return OverlayState(
            title=self.exercise.title, count=self.count, count_label="hops" if self.hops else "reps",
            count_left=self.count_left if sided else None, count_right=self.count_right if sided else None,
            target_count=self.targets.reps, phase=self.phase, phase_elapsed_s=elapsed, phase_target_s=target,
            side=self.side if self.phase else None, last_gct_ms=self.last_gct_ms, last_flight_ms=self.last_flight_ms,
            last_heel_touch=self.last_heel, heel_flash=float(np.clip(flash, 0.0, 1.0)), cue=cue, t_s=now_s,
        )


# --- the session engine ---------------------------------------------------------------------------
EventSink = Callable[[dict[str, Any]], None]


class LiveSession:
    """Pose + online detector + coach over live frames, with latency bookkeeping.

    Parameters
    ----------
    exercise : str
        Exercise id.
    meta : VideoMeta
        The source (frame size, nominal fps) for the online detector.
    estimator : Estimator
        Pose model (``process(image_rgb, t_s)``).
    targets : Targets or None
    clock : callable
        The monotonic clock frames' ``arrival_s`` come from.
    events_out : text file or None
        Every event is written as one JSON line and flushed.
    arrival_of : callable or None
        ``t_s -> arrival clock`` of the source frame at media time ``t_s`` (dropped frames included),
        for ``delay_s``; default: the processed frames only.
    """

    def __init__(self, exercise: str, meta: VideoMeta, estimator: Estimator, targets: Targets | None = None,
                 clock: Clock = time.monotonic, events_out: IO[str] | None = None,
                 arrival_of: Callable[[float], float | None] | None = None) -> None:
        self.exercise = get_exercise(exercise)
        self.targets = self.exercise.targets if targets is None else targets
        self.meta = meta
        self.estimator = estimator
        self.clock = clock
        self.events_out = events_out
        self.coach = Coach(self.exercise, self.targets)
        self.detector: OnlineDetector = make_online(self.exercise.id, meta, self.targets)
        self.active = True
        self.t: list[float] = []
        self.rows: list[NDArray[np.float32] | None] = []
        self._arr: list[float] = []
        self.events: list[dict[str, Any]] = []
        self.processed = 0
        self.last_row: NDArray[np.float32] | None = None
        self.last_t_s = 0.0
        self.t0_clock: float | None = None
        self._arrival_of = arrival_of
        self.sinks: list[EventSink] = []
        self.sets = 1

    # -- controls ---------------------------------------------------------------------------
    def stop_set(self) -> None:
        """Stop counting (space): pending events are flushed; frames are no longer recorded."""
        if not self.active:
            return
        self._emit(self.detector.finish(), None)
        self.active = False
        self.coach.phase = None
        self._emit([Event("set_stop", self.last_t_s)], None)

    def start_set(self) -> None:
        """Start a new set (space): a fresh detector; counts carry on."""
        if self.active:
            return
        self.detector = make_online(self.exercise.id, self.meta, self.targets)
        self.active = True
        self.sets += 1
        self._emit([Event("set_start", self.last_t_s)], None)

    def reset(self) -> None:
        """Forget everything recorded so far (`r`): counts, landmarks, detector state."""
        self.detector = make_online(self.exercise.id, self.meta, self.targets)
        self.coach.reset()
        self.t.clear()
        self.rows.clear()
        self._arr.clear()
        self._emit([Event("reset", self.last_t_s)], None)

    # -- per frame --------------------------------------------------------------------------
    def process(self, frame: LiveFrame) -> list[dict[str, Any]]:
        """Run pose on one frame, feed the detector (when a set is active), emit events."""
        if self.t0_clock is None:
            self.t0_clock = frame.arrival_s - frame.t_s
        if self.t and frame.t_s <= self.t[-1]:
            return []  # media time must increase (MediaPipe VIDEO mode, detectors)
        rgb = np.ascontiguousarray(frame.image[:, :, ::-1])
        row = self.estimator.process(rgb, frame.t_s)
        self.processed += 1
        self.last_row, self.last_t_s = row, frame.t_s
        if not self.active:
            return []
        self.t.append(frame.t_s)
        self.rows.append(row)
        self._arr.append(frame.arrival_s)
        if row is None:
            xyz = np.full((N_LANDMARKS, 3), np.nan, np.float32)
            vis = np.full(N_LANDMARKS, np.nan, np.float32)
        else:
            xyz, vis = row[:, 0:3], row[:, 3]
        out = self._emit(self.detector.update(frame.t_s, xyz, vis), frame)
        self.coach.tick(frame.t_s)
        return out

    def finish(self) -> list[dict[str, Any]]:
        """Flush the detector at the end of the session."""
        if not self.active:
            return []
        self.active = False
        return self._emit(self.detector.finish(), None)

    def _frame_arrival(self, t_s: float) -> float | None:
        if self._arrival_of is not None:
            return self._arrival_of(t_s)
        i = bisect.bisect_left(self.t, t_s - 1e-9)
        return self._arr[i] if i < len(self._arr) else None

    def _emit(self, events: list[Event], frame: LiveFrame | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        now_s = frame.t_s if frame is not None else self.last_t_s
        for e in events:
            derived = self.coach.on_event(e, now_s)
            for ev in [e, *derived]:
                emitted = self.clock()
                rec: dict[str, Any] = {"type": ev.type, "t_s": round(float(ev.t_s), 6)}
                rec["latency_s"] = round(emitted - frame.arrival_s, 6) if frame is not None else None
                rec["frame_t_s"] = round(frame.t_s, 6) if frame is not None else None
                base = self.t0_clock if self.t0_clock is not None else emitted
                rec["wall_s"] = round(emitted - base, 6)
                arr = self._frame_arrival(float(ev.t_s))
                rec["delay_s"] = round(emitted - arr, 6) if arr is not None and frame is not None else None
                rec["data"] = ev.data
                self._write(rec)
                out.append(rec)
        return out

    def _write(self, rec: dict[str, Any]) -> None:
        from formcheck.types import jsonable

        rec = jsonable(rec)
        self.events.append(rec)
        if self.events_out is not None:
            self.events_out.write(json.dumps(rec) + "\n")
            self.events_out.flush()
        for sink in self.sinks:
            sink(rec)

    # -- results ----------------------------------------------------------------------------
    def landmarks(self, source_fps: float | None = None) -> Landmarks:
        """The processed frames as :class:`Landmarks` (dropped frames absent).

        ``meta.fps`` is the rate frames were actually processed at (1 / median frame interval), so the
        report's timing precision reflects the dropped frames; the source's own rate is in the params.
        """
        t = np.asarray(self.t, np.float64)
        fps = float(source_fps or self.meta.fps)
        if len(t) > 1:
            dt = float(np.median(np.diff(t)))
            if dt > 0:
                fps = 1.0 / dt
        dur = float(t[-1] + 1.0 / fps) if len(t) else 0.0
        meta = replace(self.meta, fps=fps, frame_count=len(t), duration_s=dur)
        return Landmarks.from_frames(t, list(self.rows), meta, self.estimator.model_name)

    def annotate(self, image: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """Draw the current skeleton, counter, phase, tempo clock and cues on a BGR frame (in place)."""
        row = self.last_row
        st = self.coach.state(self.last_t_s)
        if not self.active:
            st = replace(st, cue="paused: space to start a set", phase=None)
        return draw_overlay(image, None if row is None else row[:, 0:3], st, None if row is None else row[:, 3])


# --- outputs --------------------------------------------------------------------------------------
def save_session(session: LiveSession, out_dir: Path, stats: dict[str, Any]) -> dict[str, Any] | None:
    """Write report.json/html/csv + landmarks.npz like ``analyze`` (via :mod:`formcheck.pipeline`).

    Returns the report, or None when nobody was detected (then only ``landmarks.npz`` is written).
    """
    from formcheck.pipeline import LANDMARKS_NPZ, PoseOptions, analyze_file

    lm = session.landmarks()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir.parent, prefix=f".{out_dir.name}.live-", suffix=".npz")
    os.close(fd)
    try:
        lm.save(tmp)
        if len(lm) == 0 or not lm.detected.any():
            out_dir.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, out_dir / LANDMARKS_NPZ)
            log.warning("nobody was detected in the %d processed frames: no report, landmarks saved", len(lm))
            return None
        report = analyze_file(None, session.exercise.id, out_dir, pose=PoseOptions(model=lm.model),
                              targets=session.targets, landmarks=tmp, video_out=False, extra_params={"live": stats})
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return report


def latency_stats(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Median / 95th percentile of ``latency_s`` and ``delay_s`` per event type (ms)."""
    out: dict[str, Any] = {}
    for typ in sorted({e["type"] for e in events}):
        lat = [e["latency_s"] for e in events if e["type"] == typ and e.get("latency_s") is not None]
        dl = [e["delay_s"] for e in events if e["type"] == typ and e.get("delay_s") is not None]
        if not lat:
            continue
        d: dict[str, Any] = {"n": len(lat), "latency_median_ms": round(float(np.median(lat)) * 1000, 1),
                             "latency_p95_ms": round(float(np.percentile(lat, 95)) * 1000, 1)}
        if dl:
            d.update(delay_median_ms=round(float(np.median(dl)) * 1000, 1),
                     delay_p95_ms=round(float(np.percentile(dl, 95)) * 1000, 1))
        out[typ] = d
    return out


# --- the loop -------------------------------------------------------------------------------------
@dataclass
class LiveOptions:
    """How a live session runs (see the ``live`` command for meanings)."""

    window: bool = True
    duration_s: float | None = None
    snapshot: Path | None = None
    audio: AudioMode = "auto"


def _arrival_lookup(reader: NewestFrameReader) -> Callable[[float], float | None]:
    def arrival_of(t_s: float) -> float | None:
        arr = reader.arrivals  # appended by the reader thread; a snapshot of its length is enough
        n = len(arr)
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if arr[mid][0] < t_s - 1e-9:
                lo = mid + 1
            else:
                hi = mid
        return arr[lo][1] if lo < n else None

    return arrival_of


def _check_display() -> None:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise FormcheckError("no display to show the live window (DISPLAY is not set); use --no-window")


def run_live(source: FrameSource, session: LiveSession, options: LiveOptions,
             on_event: EventSink | None = None) -> dict[str, Any]:
    """Run a session until the source ends, ``q``, ``--duration`` or Ctrl-C; returns the session stats.

    The caller saves the outputs (also when this raises).
    """
    audio = Audio(options.audio)
    reader = NewestFrameReader(source.frames())
    session._arrival_of = _arrival_lookup(reader)
    if on_event is not None:
        session.sinks.append(on_event)
    cv2: Any = None
    last_view: NDArray[np.uint8] | None = None
    if options.window:
        _check_display()
        import cv2 as _cv2

        cv2 = _cv2
        if "QT_QPA_FONTDIR" not in os.environ:  # OpenCV's Qt ships no fonts and warns once per draw call
            for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype", "/usr/share/fonts"):
                if Path(d).is_dir():
                    os.environ["QT_QPA_FONTDIR"] = d
                    break
        try:
            cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
            cv2.resizeWindow(WINDOW, session.meta.width, session.meta.height)
        except cv2.error as exc:
            raise FormcheckError(f"cannot open the live window ({exc}); use --no-window") from None
    stats: dict[str, Any] = {}
    started = session.clock()
    pose_ms: list[float] = []
    reader.start()
    try:
        while True:
            frame = reader.get(timeout=0.5)
            if frame is None:
                if reader.ended:
                    break
                continue
            t_a = session.clock()
            session.process(frame)
            pose_ms.append((session.clock() - t_a) * 1000.0)
            for s in session.coach.take_sounds():
                audio.play(s)
            if options.duration_s is not None and frame.t_s >= options.duration_s:
                break
            if cv2 is not None or options.snapshot is not None:
                last_view = session.annotate(frame.image.copy())
            if cv2 is not None and last_view is not None:
                cv2.imshow(WINDOW, last_view)
                key = cv2.waitKey(1) & 0xFF
                if key in (ord("q"), 27):
                    break
                if key == ord(" "):
                    if session.active:
                        session.stop_set()
                    else:
                        session.start_set()
                elif key == ord("r"):
                    session.reset()
                if cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1:
                    break
    finally:
        reader.stop()
        source.close()
        session.finish()
        for s in session.coach.take_sounds():
            audio.play(s)
        if cv2 is not None:
            try:
                cv2.destroyWindow(WINDOW)
                cv2.waitKey(1)
            except Exception:
                pass
        if options.snapshot is not None and last_view is not None:
            _write_png(options.snapshot, last_view)
        stats = {
            "source": session.meta.path, "source_fps": round(session.meta.fps, 3),
            "frames_arrived": reader.arrived, "frames_processed": session.processed,
            "frames_dropped": reader.dropped, "frames_recorded": len(session.t),
            "wall_s": round(session.clock() - started, 3), "sets": session.sets,
            "pose_ms_median": round(float(np.median(pose_ms)), 1) if pose_ms else None,
            "audio": audio.backend, "latency": latency_stats(session.events),
        }
        session._write({"type": "summary", "t_s": session.last_t_s, "latency_s": None, "data": stats})
    return stats


def _write_png(path: Path, image: NDArray[np.uint8]) -> None:
    import cv2

    from formcheck.types import publish

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}", suffix=".png")
    os.close(fd)
    try:
        if not cv2.imwrite(tmp, image):
            raise FormcheckError(f"cannot write snapshot {path}")
        publish(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _describe(rec: dict[str, Any]) -> str | None:
    """One terminal line per event a user cares about (headless coaching)."""
    d, typ, t = rec.get("data") or {}, rec["type"], rec["t_s"]
    if typ == "rep":
        side = f" {d['side']}" if d.get("side") else ""
        return (f"{t:7.2f} s  rep {d.get('index', '?')}{side}: lowering {d.get('eccentric_s', float('nan')):.1f} s, "
                f"rising {d.get('concentric_s', float('nan')):.1f} s")
    if typ == "contact":
        fl = d.get("flight_s")
        fl_txt = f", flight {fl * 1000:.0f} ms" if fl is not None else ""
        heel = "  HEEL" if d.get("heel_touch") else ""
        return f"{t:7.2f} s  hop {d.get('hop', '?')}: contact {d['gct_s'] * 1000:.0f} ms{fl_txt}{heel}"
    if typ == "cue":
        return f"{t:7.2f} s  {d.get('text', '')}"
    if typ == "hold_end":
        return f"{t:7.2f} s  hold {d.get('duration_s', float('nan')):.1f} s"
    return None


# --- the command ----------------------------------------------------------------------------------
def live(
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id (see `formcheck exercises`).")],
    camera: Annotated[int, typer.Option("--camera", "-c", help="Camera index (/dev/videoN).")] = 0,
    source: Annotated[Path | None, typer.Option(
        "--source", help="Play this video file at its real pace instead of the camera.")] = None,
    model: Annotated[str, typer.Option(
        "--model", "-m",
        help="Pose model: full (default; real time at 720p 30 fps on 2 cores), lite (slower machines; swaps "
             "left/right in side views and misses heel touches on our renders) or a .task path.")]
    = "full",
    no_window: Annotated[bool, typer.Option("--no-window", help="No display (headless); cues go to the terminal.")]
    = False,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Folder for the session's report (default formcheck-live-DATE-TIME).")] = None,
    events_out: Annotated[Path | None, typer.Option(
        "--events-out", help="Write every event as it happens, one JSON object a line.")] = None,
    target_eccentric: Annotated[float | None, typer.Option(
        "--target-eccentric", help="Target lowering time (s): counted down on screen.")] = None,
    reps: Annotated[int | None, typer.Option("--reps", help="Target reps (per side for single-leg work).")] = None,
    side: Annotated[str | None, typer.Option("--side", help="Working side: left or right.")] = None,
    duration: Annotated[float | None, typer.Option("--duration", help="Stop after this many seconds.")] = None,
    audio: Annotated[str, typer.Option("--audio", help="Sound cues: auto, bell or off.")] = "auto",
    snapshot: Annotated[Path | None, typer.Option(
        "--snapshot", help="Save the last window image (with overlay) as PNG at the end.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No event lines in the terminal.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
) -> None:
    """Live feedback from a camera (or a file played at real pace): counts, tempo, contact times, heel cues.

    Keys in the window: space = stop/start a set, r = reset, q = quit. The session's report.json,
    report.html, report.csv and landmarks.npz are written to --out at the end (also after Ctrl-C).
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ex = get_exercise(exercise)
    if side is not None and side not in ("left", "right"):
        raise FormcheckError(f"--side must be left or right, got {side!r}")
    if audio not in ("auto", "bell", "off"):
        raise FormcheckError(f"--audio must be auto, bell or off, got {audio!r}")
    if duration is not None and duration <= 0:
        raise FormcheckError(f"--duration must be positive, got {duration}")
    if target_eccentric is not None and not 0 < target_eccentric <= 60:
        raise FormcheckError(f"--target-eccentric must be in (0, 60] s, got {target_eccentric}")
    if reps is not None and reps < 1:
        raise FormcheckError(f"--reps must be at least 1, got {reps}")
    targets = ex.targets.merged(reps=reps, eccentric_s=target_eccentric, side=side)
    out_dir = out or Path(f"formcheck-live-{datetime.now():%Y%m%d-%H%M%S}")
    if out_dir.exists() and not out_dir.is_dir():
        raise FormcheckError(f"output path {out_dir} exists and is not a directory")
    if not no_window:
        _check_display()
    from formcheck.pose import PoseEstimator, resolve_model

    resolve_model(model)  # a bad model name fails before the camera opens
    src: FrameSource = PacedFileSource(source) if source is not None else CameraSource(camera)
    sink: IO[str] | None = None
    try:
        if events_out is not None:
            events_out.parent.mkdir(parents=True, exist_ok=True)
            sink = events_out.open("w", encoding="utf-8")
        from formcheck.pipeline import default_smoothing

        with PoseEstimator(model, smooth=default_smoothing(ex.id)) as est:
            session = LiveSession(ex.id, src.meta, est, targets, events_out=sink)
            printer: EventSink | None = None
            if not quiet:
                def printer(rec: dict[str, Any]) -> None:
                    line = _describe(rec)
                    if line:
                        typer.echo(line)

            old = _sigterm_to_interrupt()
            interrupted = False
            stats: dict[str, Any] = {}
            try:
                stats = run_live(src, session, LiveOptions(window=not no_window, duration_s=duration,
                                                           snapshot=snapshot, audio=audio),  # type: ignore[arg-type]
                                 printer)
            except KeyboardInterrupt:
                interrupted = True
            finally:
                if not stats:
                    stats = {"source": src.meta.path, "frames_recorded": len(session.t), "aborted": True}
                report = save_session(session, out_dir, stats)
                _restore_sigterm(old)
    finally:
        src.close()
        if sink is not None:
            sink.close()
    if report is not None:
        from formcheck.render import summary_text

        if not quiet:
            typer.echo(summary_text(report))
    typer.echo(f"Session: {stats.get('frames_processed', '?')} frames processed, "
               f"{stats.get('frames_dropped', '?')} dropped; report in {out_dir}")
    if interrupted:
        raise typer.Exit(130)


def _sigterm_to_interrupt() -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        return None


def _restore_sigterm(old: Any) -> None:
    if old is not None:
        try:
            signal.signal(signal.SIGTERM, old)
        except ValueError:
            pass
