"""Typed values passed between the pipeline's stages.

``Landmarks`` is the stage boundary: after :mod:`formcheck.pose` everything
consumes it (or its saved ``.npz``), so re-analysis never reruns the model and
every analysis module is testable from literal arrays.

All times are seconds from the first frame's presentation timestamp.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

N_LANDMARKS = 33
"""Number of MediaPipe Pose landmarks per person."""

Side = Literal["left", "right"]
ContactSide = Literal["both", "left", "right"]


def contact_feet(side: ContactSide) -> tuple[int, ...]:
    """Foot indices (0 left, 1 right) of a contact made with ``side``."""
    return (0, 1) if side == "both" else ((0,) if side == "left" else (1,))


class FormcheckError(Exception):
    """An error with a one-line message meant for the user (bad input, missing model...)."""


@dataclass(frozen=True)
class VideoMeta:
    """What the container says about a video (or a camera stream).

    Attributes
    ----------
    path : str
        Source path (or ``"camera:N"``).
    fps : float
        Average frame rate (frames / s) from the container, not rounded (29.97 stays 29.97).
    frame_count : int
        Number of decoded frames.
    duration_s : float
        Time of the last frame minus time of the first, plus one mean frame period (s).
    width, height : int
        Frame size in pixels *after* applying the rotation metadata.
    rotation_deg : int
        Rotation applied to decoded frames (0, 90, 180, 270), clockwise.
    t0_s : float
        Presentation timestamp of the first frame in the container (s); report times are relative to it.
    """

    path: str
    fps: float
    frame_count: int
    duration_s: float
    width: int
    height: int
    rotation_deg: int = 0
    t0_s: float = 0.0

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"VideoMeta: expected positive frame size, got {self.width}x{self.height}")
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise ValueError(f"VideoMeta: expected a positive fps, got {self.fps}")
        if self.rotation_deg not in (0, 90, 180, 270):
            raise ValueError(f"VideoMeta: rotation_deg must be 0/90/180/270, got {self.rotation_deg}")

    def to_source(self) -> dict[str, Any]:
        """The report's ``source`` object."""
        return {
            "path": self.path,
            "fps": round(float(self.fps), 6),
            "frame_count": int(self.frame_count),
            "duration_s": round(float(self.duration_s), 6),
            "width": int(self.width),
            "height": int(self.height),
            "rotation_deg": int(self.rotation_deg),
        }


def publish(tmp: str | Path, dest: str | Path) -> None:
    """Give a temp file (made 0600 by ``mkstemp``) the umask's usual mode and rename it onto ``dest``."""
    umask = os.umask(0)
    os.umask(umask)
    mode = 0o777 if Path(tmp).is_dir() else 0o666
    os.chmod(tmp, mode & ~umask)
    os.replace(tmp, dest)


def _check(name: str, arr: NDArray[Any], shape: tuple[int, ...]) -> None:
    if arr.shape != shape:
        raise ValueError(f"Landmarks.{name}: expected shape {shape}, got {arr.shape}")


def _set_columns(obj: object, names: tuple[str, ...], dtypes: tuple[type, ...]) -> None:
    """Convert a frozen record's fields ``names`` to 1-D arrays of ``dtypes``, all of one length (ValueError)."""
    n = None
    for name, dt in zip(names, dtypes, strict=True):
        arr: NDArray[Any] = np.asarray(getattr(obj, name), dtype=dt)
        if arr.ndim != 1 or (n is not None and arr.shape[0] != n):
            raise ValueError(f"{type(obj).__name__}.{name}: expected shape ({n if n is not None else 'N'},), "
                             f"got {arr.shape}")
        n = arr.shape[0]
        object.__setattr__(obj, name, arr)


@dataclass(frozen=True, eq=False)
class ShoeEvents:
    """Contact events timed from the image motion of the shoes (:mod:`formcheck.footflow`), one row per event
    and foot.

    Attributes
    ----------
    kind : (N,) int8
        0 touchdown, 1 takeoff.
    foot : (N,) int8
        0 left, 1 right.
    estimate_s : (N,) float64
        The landmark-based event time the measurement window was centred on (s).
    t_s : (N,) float64
        The event time from the points tracked on the shoe (s); NaN where the shoe could not time it.
    unc_s : (N,) float64
        One-sigma uncertainty of ``t_s`` (s); NaN where ``t_s`` is.
    n_points : (N,) int32
        Shoe points that timed the event.
    """

    kind: NDArray[np.int8]
    foot: NDArray[np.int8]
    estimate_s: NDArray[np.float64]
    t_s: NDArray[np.float64]
    unc_s: NDArray[np.float64]
    n_points: NDArray[np.int32]

    FIELDS = ("kind", "foot", "estimate_s", "t_s", "unc_s", "n_points")
    _DTYPES = (np.int8, np.int8, np.float64, np.float64, np.float64, np.int32)

    def __post_init__(self) -> None:
        _set_columns(self, self.FIELDS, self._DTYPES)
        if not np.isin(self.kind, (0, 1)).all() or not np.isin(self.foot, (0, 1)).all():
            raise ValueError("ShoeEvents: kind and foot must be 0 or 1")

    def __len__(self) -> int:
        return int(self.kind.shape[0])


@dataclass(frozen=True, eq=False)
class ShoePitch:
    """Foot pitch of each ground contact measured on the image of the shoe (:mod:`formcheck.footpitch`), one row
    per contact.

    Attributes
    ----------
    touchdown_s, takeoff_s : (N,) float64
        The landmark-based contact whose frames were measured (s).
    foot : (N,) int8
        The foot measured (0 left, 1 right): the one nearer the camera.
    min_pitch_deg : (N,) float64
        Lowest pitch over the contact (median of a ``heel_smooth_s`` window) relative to the same shoe standing
        flat (deg, heel above toe positive); NaN where the contact could not be measured.
    sigma_deg : (N,) float64
        One-sigma uncertainty of ``min_pitch_deg`` (deg); NaN where it is.
    heel_t_s : (N,) float64
        Middle of the lowest window (s).
    n_frames : (N,) int32
        Frames of the contact whose shoe was registered.
    """

    touchdown_s: NDArray[np.float64]
    takeoff_s: NDArray[np.float64]
    foot: NDArray[np.int8]
    min_pitch_deg: NDArray[np.float64]
    sigma_deg: NDArray[np.float64]
    heel_t_s: NDArray[np.float64]
    n_frames: NDArray[np.int32]

    FIELDS = ("touchdown_s", "takeoff_s", "foot", "min_pitch_deg", "sigma_deg", "heel_t_s", "n_frames")
    _DTYPES = (np.float64, np.float64, np.int8, np.float64, np.float64, np.float64, np.int32)

    def __post_init__(self) -> None:
        _set_columns(self, self.FIELDS, self._DTYPES)
        if not np.isin(self.foot, (0, 1)).all():
            raise ValueError("ShoePitch: foot must be 0 or 1")
        if not (self.takeoff_s >= self.touchdown_s).all():
            raise ValueError("ShoePitch: a takeoff before its touchdown")

    def __len__(self) -> int:
        return int(self.foot.shape[0])

    def row_for(self, start_s: float, end_s: float, feet: tuple[int, ...] = (0, 1)) -> int | None:
        """The first measured row (finite pitch) of one of ``feet`` whose window overlaps ``[start_s, end_s]`` by
        more than half of the shorter of the two; None when none does."""
        for k in range(len(self)):
            a, b = float(self.touchdown_s[k]), float(self.takeoff_s[k])
            if (np.isfinite(self.min_pitch_deg[k]) and int(self.foot[k]) in feet
                    and min(b, end_s) - max(a, start_s) > 0.5 * min(b - a, end_s - start_s)):
                return k
        return None


@dataclass(frozen=True, eq=False)
class FootPitchSeries:
    """The pitch of one shoe in every frame, registered on the image against the same shoe standing flat
    (:class:`formcheck.footpitch.SeriesMeter`); drives the rep engine of tib and calf raises.

    Attributes
    ----------
    foot : int
        The foot measured (0 left, 1 right): the one nearer the camera.
    pitch_deg : (T,) float64
        Pitch relative to the flat stand (deg, heel above toe positive); NaN where the frame was not registered.
    cc : (T,) float64
        ECC correlation of each frame's registration (0-1); NaN where none was made.
    """

    foot: int
    pitch_deg: NDArray[np.float64]
    cc: NDArray[np.float64]

    def __post_init__(self) -> None:
        object.__setattr__(self, "foot", int(self.foot))
        _set_columns(self, ("pitch_deg", "cc"), (np.float64, np.float64))
        if self.foot not in (0, 1):
            raise ValueError("FootPitchSeries: foot must be 0 or 1")

    def __len__(self) -> int:
        return int(self.pitch_deg.shape[0])


@dataclass(frozen=True, eq=False)
class HipTrack:
    """The vertical image motion of the hip region between consecutive frames, tracked on the video
    (:class:`formcheck.hipflow.HipTracker`); with the landmarks' hip it drives the rep engine of hip-driven lifts.

    Attributes
    ----------
    dy_px : (T,) float64
        Image motion of the hip region from the previous frame to this one (px, y down); NaN in the first frame
        and where too few points were tracked.
    points : (T,) int64
        Points that agreed forwards and backwards in each frame pair (0 where none).
    """

    dy_px: NDArray[np.float64]
    points: NDArray[np.int64]

    def __post_init__(self) -> None:
        _set_columns(self, ("dy_px", "points"), (np.float64, np.int64))

    def __len__(self) -> int:
        return int(self.dy_px.shape[0])


@dataclass(frozen=True, eq=False)
class Landmarks:
    """A pose time series for one person.

    Attributes
    ----------
    t : (T,) float64
        Frame times in seconds from the first frame, strictly increasing (container timestamps).
    xyz : (T, 33, 3) float32
        Image landmarks: x and y normalized to [0, 1] by frame width and height (y grows
        downwards), z MediaPipe's relative depth. NaN in frames where nobody was detected.
    visibility : (T, 33) float32
        Per-landmark visibility in [0, 1]; NaN where nobody was detected.
    presence : (T, 33) float32
        Per-landmark presence in [0, 1]; NaN where nobody was detected.
    world : (T, 33, 3) float32
        World landmarks in metres, origin between the hips, y down; NaN where nobody was detected.
    meta : VideoMeta
        The source video.
    model : str
        Model used (file name of the ``.task``, or ``"synthetic"``).
    tracked : Landmarks or None
        The same frames from a second pass of the model with MediaPipe's tracking and temporal smoothing on
        (steadier person tracking, but events lag 20-60 ms), when the pose stage ran both; None otherwise.
        The main series is then the unsmoothed one.
    shoe_events : ShoeEvents or None
        Ground-contact events re-timed from optical flow on the shoes in the video frames (high frame rates
        only, see :mod:`formcheck.footflow`), saved with the landmarks so that re-analysis keeps them.
    shoe_pitch : ShoePitch or None
        Each contact's foot pitch measured on the shoe image against the standing shoe (any frame rate, side
        views with a stand, see :mod:`formcheck.footpitch`), saved likewise.
    foot_pitch : FootPitchSeries or None
        The nearer shoe's pitch in every frame measured on the image (tib and calf raises seen from the side),
        saved likewise; one value per frame.
    hip_track : HipTrack or None
        The hip region's vertical motion between frames tracked on the image (hip-driven rep exercises), saved
        likewise; one value per frame.
    frame_change : (T,) float32 or None
        How much each frame differs from the one before it (mean absolute grey-level difference, 0-255, of the two
        frames shrunk; NaN for the first), measured by the pose stage (:class:`formcheck.video.FrameChange`) to
        find frames a frame-rate conversion repeated (:mod:`formcheck.repeats`); None when not measured.
    """

    t: NDArray[np.float64]
    xyz: NDArray[np.float32]
    visibility: NDArray[np.float32]
    presence: NDArray[np.float32]
    world: NDArray[np.float32]
    meta: VideoMeta
    model: str = "unknown"
    tracked: Landmarks | None = None
    shoe_events: ShoeEvents | None = None
    shoe_pitch: ShoePitch | None = None
    foot_pitch: FootPitchSeries | None = None
    hip_track: HipTrack | None = None
    frame_change: NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        t = np.asarray(self.t, dtype=np.float64)
        object.__setattr__(self, "t", t)
        if t.ndim != 1:
            raise ValueError(f"Landmarks.t: expected shape (T,), got {t.shape}")
        n = t.shape[0]
        for name, shape in (
            ("xyz", (n, N_LANDMARKS, 3)),
            ("visibility", (n, N_LANDMARKS)),
            ("presence", (n, N_LANDMARKS)),
            ("world", (n, N_LANDMARKS, 3)),
        ):
            arr = np.asarray(getattr(self, name), dtype=np.float32)
            _check(name, arr, shape)
            object.__setattr__(self, name, arr)
        if n > 1 and not np.all(np.diff(t) > 0):
            raise ValueError("Landmarks.t: timestamps must be strictly increasing")
        if not np.all(np.isfinite(t)):
            raise ValueError("Landmarks.t: timestamps must be finite")
        if self.tracked is not None:
            if self.tracked.tracked is not None:
                raise ValueError("Landmarks.tracked: a tracked series cannot carry another one")
            if self.tracked.t.shape != t.shape or not np.array_equal(self.tracked.t, t):
                raise ValueError("Landmarks.tracked: must have the same timestamps as the main series")
        if self.foot_pitch is not None and len(self.foot_pitch) != n:
            raise ValueError(f"Landmarks.foot_pitch: expected {n} frames, got {len(self.foot_pitch)}")
        if self.hip_track is not None and len(self.hip_track) != n:
            raise ValueError(f"Landmarks.hip_track: expected {n} frames, got {len(self.hip_track)}")
        if self.frame_change is not None:
            fc = np.asarray(self.frame_change, dtype=np.float32)
            _check("frame_change", fc, (n,))
            object.__setattr__(self, "frame_change", fc)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @property
    def detected(self) -> NDArray[np.bool_]:
        """(T,) True where a person was detected."""
        return np.isfinite(self.xyz[:, 0, 0])

    def xy_px(self) -> NDArray[np.float64]:
        """(T, 33, 2) image landmarks in pixels (isotropic units, y down)."""
        out = self.xyz[:, :, :2].astype(np.float64)
        out[:, :, 0] *= self.meta.width
        out[:, :, 1] *= self.meta.height
        return out

    @classmethod
    def empty(cls, meta: VideoMeta, model: str = "unknown") -> Landmarks:
        """A series with no frames."""
        z3 = np.zeros((0, N_LANDMARKS, 3), np.float32)
        z1 = np.zeros((0, N_LANDMARKS), np.float32)
        return cls(np.zeros(0), z3, z1, z1.copy(), z3.copy(), meta, model)

    @classmethod
    def from_frames(
        cls,
        t: list[float] | NDArray[np.float64],
        frames: list[NDArray[np.float32] | None],
        meta: VideoMeta,
        model: str,
        tracked_frames: list[NDArray[np.float32] | None] | None = None,
    ) -> Landmarks:
        """Build from per-frame ``(33, 9)`` rows ``[x, y, z, vis, pres, wx, wy, wz, _]`` or None.

        ``tracked_frames``, when given, are the same frames from the tracked (smoothed) pass (see ``tracked``).
        """
        n = len(frames)
        xyz = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        vis = np.full((n, N_LANDMARKS), np.nan, np.float32)
        pres = np.full((n, N_LANDMARKS), np.nan, np.float32)
        world = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        for i, f in enumerate(frames):
            if f is None:
                continue
            xyz[i] = f[:, 0:3]
            vis[i] = f[:, 3]
            pres[i] = f[:, 4]
            world[i] = f[:, 5:8]
        tracked = None if tracked_frames is None else cls.from_frames(t, tracked_frames, meta, model)
        return cls(np.asarray(t, np.float64), xyz, vis, pres, world, meta, model, tracked)

    def save(self, path: str | Path) -> None:
        """Write to ``.npz`` atomically."""
        path = Path(path)
        meta = json.dumps(asdict(self.meta))
        extra: dict[str, Any] = {}
        if self.tracked is not None:
            tr = self.tracked
            extra = {"tracked_xyz": tr.xyz, "tracked_visibility": tr.visibility, "tracked_presence": tr.presence,
                     "tracked_world": tr.world}
        if self.shoe_events is not None:
            extra.update({f"shoe_{k}": getattr(self.shoe_events, k) for k in ShoeEvents.FIELDS})
        if self.shoe_pitch is not None:
            extra.update({f"pitch_{k}": getattr(self.shoe_pitch, k) for k in ShoePitch.FIELDS})
        if self.foot_pitch is not None:
            fps = self.foot_pitch
            extra.update({"footpitch_foot": np.array(fps.foot), "footpitch_pitch_deg": fps.pitch_deg,
                          "footpitch_cc": fps.cc})
        if self.hip_track is not None:
            extra.update({"hiptrack_dy_px": self.hip_track.dy_px, "hiptrack_points": self.hip_track.points})
        if self.frame_change is not None:
            extra["frame_change"] = self.frame_change
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp.npz")
        os.close(fd)
        try:
            np.savez_compressed(
                tmp,
                t=self.t,
                xyz=self.xyz,
                visibility=self.visibility,
                presence=self.presence,
                world=self.world,
                meta=np.array(meta),
                model=np.array(self.model),
                format=np.array("formcheck.landmarks/1"),
                **extra,
            )
            publish(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: str | Path) -> Landmarks:
        """Read a ``.npz`` written by :meth:`save`; raises FormcheckError if it is not one."""
        path = Path(path)
        if not path.is_file():
            raise FormcheckError(f"landmarks file not found: {path}")
        try:
            with np.load(path, allow_pickle=False) as z:
                if "format" not in z or not str(z["format"]).startswith("formcheck.landmarks/"):
                    raise FormcheckError(f"{path} is not a formcheck landmarks file")
                meta_d = json.loads(str(z["meta"]))
                names = {f.name for f in fields(VideoMeta)}
                meta = VideoMeta(**{k: v for k, v in meta_d.items() if k in names})
                tracked = None
                if "tracked_xyz" in z:
                    tracked = cls(z["t"], z["tracked_xyz"], z["tracked_visibility"], z["tracked_presence"],
                                  z["tracked_world"], meta, str(z["model"]))
                shoe = None
                if "shoe_kind" in z:
                    shoe = ShoeEvents(*(z[f"shoe_{k}"] for k in ShoeEvents.FIELDS))
                pitch = None
                if "pitch_foot" in z:
                    pitch = ShoePitch(*(z[f"pitch_{k}"] for k in ShoePitch.FIELDS))
                series = None
                if "footpitch_foot" in z:
                    series = FootPitchSeries(int(z["footpitch_foot"]), z["footpitch_pitch_deg"], z["footpitch_cc"])
                hip = None
                if "hiptrack_dy_px" in z:
                    hip = HipTrack(z["hiptrack_dy_px"], z["hiptrack_points"])
                change = z["frame_change"] if "frame_change" in z else None
                return cls(z["t"], z["xyz"], z["visibility"], z["presence"], z["world"], meta, str(z["model"]),
                           tracked, shoe, pitch, series, hip, change)
        except FormcheckError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise FormcheckError(f"cannot read landmarks file {path}: {exc}") from exc


@dataclass(frozen=True)
class Event:
    """A typed event emitted by a detector (online or offline).

    Attributes
    ----------
    type : str
        ``"touchdown"``, ``"takeoff"``, ``"heel_touch"``, ``"contact"``, ``"rep"``,
        ``"phase"``, ``"hold_start"``, ``"hold_end"``, ``"cue"``...
    t_s : float
        Media time of the event (s from the first frame).
    data : dict
        Event-specific values (JSON-serialisable), e.g. ``{"gct_s": 0.182}``.
    """

    type: str
    t_s: float
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "t_s": float(self.t_s), **self.data}


@dataclass(frozen=True)
class Contact:
    """One ground contact of a hopping set.

    Attributes
    ----------
    touchdown_s, takeoff_s : float
        Event times (s), sub-frame where the model allows.
    gct_s : float
        Ground contact time, ``takeoff_s - touchdown_s`` (s).
    flight_s : float or None
        Flight time before this contact (s); None for the first contact.
    heel_touch : bool
        Whether the heel reached the floor during this contact.
    side : {"both", "left", "right"}
        Which foot (feet) made the contact.
    touchdown_unc_s, takeoff_unc_s : float
        One-sigma timing uncertainty of each event (s).
    heel_confidence : float
        Confidence in ``heel_touch`` in [0, 1].
    """

    touchdown_s: float
    takeoff_s: float
    gct_s: float
    flight_s: float | None
    heel_touch: bool
    side: ContactSide = "both"
    touchdown_unc_s: float = float("nan")
    takeoff_unc_s: float = float("nan")
    heel_confidence: float = float("nan")
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.takeoff_s >= self.touchdown_s:
            raise ValueError(f"Contact: takeoff {self.takeoff_s} before touchdown {self.touchdown_s}")
        if self.side not in ("both", "left", "right"):
            raise ValueError(f"Contact.side: expected both/left/right, got {self.side!r}")

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


RepPhase = Literal["eccentric", "concentric"]


@dataclass(frozen=True)
class PhaseWindow:
    """One phase of a rep: ``"eccentric"``, ``"pause"`` (at the turn) or ``"concentric"``, from ``start_s`` to
    ``end_s`` (s)."""

    name: Literal["eccentric", "pause", "concentric"]
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        """Length of the phase (s)."""
        return self.end_s - self.start_s


def phase_windows(start_s: float, turn_start_s: float | None, turn_end_s: float | None, end_s: float,
                  bottom_s: float, first_phase: RepPhase = "eccentric") -> tuple[PhaseWindow, ...]:
    """A rep's phases in time order (s): ``first_phase`` from the start to the turn, the pause at the turn, the
    other phase from the turn to the end. Without turn times the turn is the instant ``bottom_s`` (no pause).
    Zero-length windows (a rep with no pause) are left out."""
    t0, t1 = (turn_start_s, turn_end_s) if turn_start_s is not None and turn_end_s is not None else (bottom_s,
                                                                                                      bottom_s)
    second: RepPhase = "concentric" if first_phase == "eccentric" else "eccentric"
    out = (PhaseWindow(first_phase, start_s, t0), PhaseWindow("pause", t0, t1), PhaseWindow(second, t1, end_s))
    return tuple(w for w in out if w.end_s > w.start_s)


def rep_phases(rep: dict[str, Any]) -> tuple[PhaseWindow, ...]:
    """:func:`phase_windows` of a rep as the report stores it (a dict from :meth:`Rep.to_dict`); a report written
    before the turn times were stored reads as eccentric first with the turn at ``bottom_s``."""
    def num(k: str) -> float | None:
        v = rep.get(k)
        return float(v) if isinstance(v, (int, float)) and np.isfinite(v) else None

    start, bottom, end = num("start_s"), num("bottom_s"), num("end_s")
    if start is None or bottom is None or end is None:
        return ()
    first: RepPhase = "concentric" if rep.get("first_phase") == "concentric" else "eccentric"
    return phase_windows(start, num("turn_start_s"), num("turn_end_s"), end, bottom, first)


@dataclass(frozen=True)
class Rep:
    """One repetition.

    Attributes
    ----------
    side : {"left", "right"} or None
        Working side for single-leg / single-side exercises, else None.
    start_s, bottom_s, end_s : float
        Start of the first phase, turning point (the centre of the pause there: the bottom of a squat, the top
        of a calf raise), end of the second phase (s).
    eccentric_s, concentric_s : float
        Lowering and rising durations (s); the pause at the turn is in neither.
    confidence : float
        Landmark-visibility confidence of the rep in [0, 1].
    flags : list of str
        Problems with the rep (``"fast_eccentric"``, ``"shallow"``, ``"low_confidence"``...).
    first_phase : {"eccentric", "concentric"}
        Which phase comes first: the eccentric for a squat or a deadlift from standing, the concentric for a
        calf raise, a step-up or a deadlift from the floor.
    turn_start_s, turn_end_s : float or None
        When the movement reached and left the turning point (s); the pause between them is in neither phase,
        so the first phase runs from ``start_s`` to ``turn_start_s`` and the second from ``turn_end_s`` to
        ``end_s`` (:meth:`phases`). None: the turn is the instant ``bottom_s``.
    """

    side: Side | None
    start_s: float
    bottom_s: float
    end_s: float
    eccentric_s: float
    concentric_s: float
    confidence: float = 1.0
    flags: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    first_phase: RepPhase = "eccentric"
    turn_start_s: float | None = None
    turn_end_s: float | None = None

    def __post_init__(self) -> None:
        if not (self.start_s <= self.bottom_s <= self.end_s):
            raise ValueError(f"Rep: expected start <= bottom <= end, got {self.start_s}, {self.bottom_s}, {self.end_s}")
        if self.side not in (None, "left", "right"):
            raise ValueError(f"Rep.side: expected left/right/None, got {self.side!r}")
        if self.first_phase not in ("eccentric", "concentric"):
            raise ValueError(f"Rep.first_phase: expected eccentric/concentric, got {self.first_phase!r}")
        if (self.turn_start_s is None) != (self.turn_end_s is None):
            raise ValueError("Rep: turn_start_s and turn_end_s are given together or not at all")
        if self.turn_start_s is not None and self.turn_end_s is not None and not (
                self.start_s <= self.turn_start_s <= self.turn_end_s <= self.end_s):
            raise ValueError(f"Rep: expected start <= turn start <= turn end <= end, got {self.start_s}, "
                             f"{self.turn_start_s}, {self.turn_end_s}, {self.end_s}")

    def phases(self) -> tuple[PhaseWindow, ...]:
        """The rep's phases in time order: the first phase, the pause at the turn, the second phase."""
        return phase_windows(self.start_s, self.turn_start_s, self.turn_end_s, self.end_s, self.bottom_s,
                             self.first_phase)

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass(frozen=True)
class Hold:
    """An isometric hold.

    Attributes
    ----------
    side : {"left", "right"} or None
    start_s, end_s, duration_s : float
        Seconds; ``duration_s = end_s - start_s``.
    """

    side: Side | None
    start_s: float
    end_s: float
    duration_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.end_s >= self.start_s:
            raise ValueError(f"Hold: end {self.end_s} before start {self.start_s}")

    def to_dict(self) -> dict[str, Any]:
        return _record_dict(self)


@dataclass
class Analysis:
    """What an analysis module returns: records, a summary, and cues."""

    contacts: list[Contact] = field(default_factory=list)
    reps: list[Rep] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    feedback: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


def _record_dict(rec: Contact | Rep | Hold) -> dict[str, Any]:
    """A record's report entry: its fields, then its ``extra`` keys at the same level, JSON-friendly."""
    d = {k: v for k, v in asdict(rec).items() if k != "extra"}
    d.update(rec.extra)
    return _jsonable(d)


def _jsonable(obj: Any) -> Any:
    """Convert numpy scalars / NaN to JSON-friendly values (NaN -> None)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return None if not np.isfinite(f) else f
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj


def jsonable(obj: Any) -> Any:
    """Public alias of the JSON conversion used for reports."""
    return _jsonable(obj)
