"""Pose estimation: MediaPipe Pose Landmarker (Tasks API, VIDEO mode) -> :class:`Landmarks`.

The bundled models (``full``, the default, and ``lite``) ship as package data; an
explicit path always wins; ``heavy`` is downloaded once from the official
MediaPipe address into a cache folder and verified by sha256.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import queue
import sys
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from formcheck.types import N_LANDMARKS, FormcheckError, Landmarks, publish
from formcheck.video import FrameChange, open_video

log = logging.getLogger(__name__)

BUNDLED = {"full": "pose_landmarker_full.task", "lite": "pose_landmarker_lite.task"}
"""Model names shipped with the package."""

HEAVY_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_heavy/float16/1/pose_landmarker_heavy.task"
)
"""Official, versioned address of the heavy model (Apache-2.0, Google)."""

HEAVY_SHA256: str | None = os.environ.get("FORMCHECK_HEAVY_SHA256") or None
"""Pinned sha256 of the heavy model, if known (environment ``FORMCHECK_HEAVY_SHA256`` overrides)."""


def model_cache_dir() -> Path:
    """Folder for downloaded models: ``$FORMCHECK_MODEL_DIR`` or ``~/.cache/formcheck/models``."""
    env = os.environ.get("FORMCHECK_MODEL_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "formcheck" / "models"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download_model(url: str, dest: Path, sha256: str | None, timeout_s: float = 30.0) -> Path:
    """Download ``url`` to ``dest`` atomically and check its sha256.

    When ``sha256`` is None the hash of the first download is recorded next to the
    file (``dest.sha256``, trust on first use) and every later load is checked
    against it.

    Raises
    ------
    FormcheckError
        Offline, HTTP error, or hash mismatch (the bad file is not kept).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout_s) as resp:
            while True:
                chunk = resp.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
        got = sha256_file(tmp)
        if sha256 is not None and got != sha256.lower():
            raise FormcheckError(f"downloaded model from {url} has sha256 {got}, expected {sha256}; not used")
        publish(tmp, dest)
        if sha256 is None:
            dest.with_suffix(dest.suffix + ".sha256").write_text(got + "\n")
            log.warning("no pinned sha256 for %s; recorded %s (trust on first use)", dest.name, got)
        return dest
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FormcheckError(
            f"cannot download the model from {url} ({reason}); you are probably offline: "
            f"download it by hand and pass --model PATH, or put it in {dest.parent}"
        ) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def _check_task_file(path: Path) -> Path:
    if not path.is_file():
        raise FormcheckError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise FormcheckError(f"{path} is not a MediaPipe .task model bundle")
    return path


def resolve_model(spec: str | Path, heavy_url: str = HEAVY_URL) -> Path:
    """Turn ``full`` / ``lite`` / ``heavy`` / a path into a ``.task`` file path.

    Parameters
    ----------
    spec : str or Path
        A bundled model name, ``heavy`` (downloaded once, cached), or a file path.
    heavy_url : str
        Where to fetch the heavy model (tests point this at a local server).
    """
    s = str(spec)
    if s in BUNDLED:
        name = BUNDLED[s]
        res = resources.files("formcheck.models").joinpath(name)
        candidates = [Path(str(res)), Path(__file__).resolve().parents[2] / "models" / name]
        for c in candidates:
            if c.is_file():
                return c
        raise FormcheckError(f"bundled model {name} is missing from the installation (looked in {candidates[0]})")
    if s == "heavy":
        dest = model_cache_dir() / "pose_landmarker_heavy.task"
        pinned = HEAVY_SHA256 or os.environ.get("FORMCHECK_HEAVY_SHA256") or None
        if dest.is_file():
            side = dest.with_suffix(".task.sha256")
            expected = pinned or (side.read_text().strip() if side.is_file() else None)
            if expected and sha256_file(dest) != expected.lower():
                raise FormcheckError(f"cached heavy model {dest} fails its sha256 check; delete it to re-download")
            return _check_task_file(dest)
        log.info("downloading the heavy model from %s", heavy_url)
        return _check_task_file(download_model(heavy_url, dest, pinned))
    return _check_task_file(Path(s).expanduser())


def _row(lms: Any, world: Any) -> NDArray[np.float32]:
    """Pack one person's landmarks as (33, 9): x, y, z, visibility, presence, wx, wy, wz, 0."""
    out = np.zeros((N_LANDMARKS, 9), np.float32)
    for i, p in enumerate(lms[:N_LANDMARKS]):
        out[i, 0:5] = (p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0)
    if world:
        for i, p in enumerate(world[:N_LANDMARKS]):
            out[i, 5:8] = (p.x, p.y, p.z)
    else:
        out[:, 5:8] = np.nan
    return out


def _rows(res: Any) -> list[NDArray[np.float32]]:
    """Every pose of a MediaPipe result, packed by :func:`_row`."""
    worlds = res.pose_world_landmarks or [None] * len(res.pose_landmarks)
    return [_row(p, w) for p, w in zip(res.pose_landmarks, worlds, strict=False)]


@contextlib.contextmanager
def _native_stderr_muted() -> Iterator[None]:
    """Silence file descriptor 2 (MediaPipe's C++ logging) unless ``FORMCHECK_MEDIAPIPE_LOGS=1``."""
    if os.environ.get("FORMCHECK_MEDIAPIPE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def pick_person(rows: list[NDArray[np.float32]], prev_hips: NDArray[np.float32] | None) -> int:
    """Index of the pose to keep: the one whose hips (image coords) are nearest ``prev_hips``.

    Parameters
    ----------
    rows : list of (33, 9) arrays
        Candidate poses of one frame, in MediaPipe's order.
    prev_hips : (2, 2) array or None
        Normalized image x, y of the left and right hip in the previous frame; None -> the first pose.
    """
    if len(rows) <= 1 or prev_hips is None:
        return 0
    return int(np.argmin([float(np.sum(np.abs(r[23:25, :2] - prev_hips))) for r in rows]))


def crop_box(row: NDArray[np.float32], width: int, height: int, margin: float = 0.5,
             vis_min: float = 0.3, min_zoom: float = 2.0) -> tuple[int, int, int, int] | None:
    """Square pixel box (x0, y0, x1, y1) around one person's landmarks, grown by ``margin`` of its size.

    Parameters
    ----------
    row : (33, 9) array
        One pose as :func:`_row` packs it (normalized x, y first).
    width, height : int
        Frame size (px).
    margin : float
        Extra size on each side, as a fraction of the landmarks' extent (room for the motion since that frame).
    vis_min : float
        Landmarks less visible than this are left out of the extent (all are used if too few remain).
    min_zoom : float
        Crop only when the crop at least magnifies the athlete this much in the detector's input (the detector
        letterboxes whatever it gets to a fixed size, so the magnification is the frame's longer side over the
        crop's side). Below 2x the crop changed little on footage and cost steps on one speed-rope clip.

    Returns
    -------
    The box clipped to the frame, or None when cropping would magnify less than ``min_zoom``.
    """
    pts = row[:, :2].astype(np.float64) * (width, height)
    finite = np.asarray(np.isfinite(pts).all(axis=1), dtype=bool)
    good = np.asarray(finite & (row[:, 3] >= vis_min), dtype=bool)
    if good.sum() < 8:
        good = finite
    if good.sum() < 2:
        return None
    lo, hi = pts[good].min(axis=0), pts[good].max(axis=0)
    side = float(np.max(hi - lo)) * (1.0 + 2.0 * margin)
    cx, cy = (lo + hi) / 2.0
    n = int(round(side))
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x0 + n), min(height, y0 + n)
    if x1 - x0 < 16 or y1 - y0 < 16 or max(width, height) < min_zoom * n:
        return None
    return x0, y0, x1, y1


def uncrop(row: NDArray[np.float32], box: tuple[int, int, int, int], width: int, height: int) -> NDArray[np.float32]:
    """Map a pose found in the crop ``box`` back to full-frame normalized coordinates (z scales with x)."""
    x0, y0, x1, y1 = box
    out = row.copy()
    out[:, 0] = (row[:, 0] * (x1 - x0) + x0) / width
    out[:, 1] = (row[:, 1] * (y1 - y0) + y0) / height
    out[:, 2] = row[:, 2] * (x1 - x0) / width
    return out


class PoseEstimator:
    """MediaPipe Pose Landmarker in VIDEO mode, one person.

    MediaPipe smooths landmarks over time only when it tracks a single pose
    (``num_poses=1``, its ``smooth_landmarks`` stage). That filter lags fast
    motion: on rendered 240 fps hops the toe kept sinking 30-60 ms after
    touchdown (see docs/validation.md). With ``smooth=False`` (the default)
    the model runs with ``num_poses=2``, which turns the filter off, and this
    class keeps one person itself: the pose whose hips are nearest the previous
    frame's (the first one MediaPipe returns when there is no previous frame).
    It costs about a third more CPU.

    Without smoothing MediaPipe also stops tracking: its person detector runs
    on every frame, letterboxed to 224 px, and a small athlete (a far camera,
    a picture-in-picture) is missed or boxed loosely there. So when somebody
    was seen less than ``track_s`` ago, this class crops a square around that person's last landmarks and runs
    the model (IMAGE mode, no smoothing) on the crop when that at least doubles
    the athlete's size in the detector's input; the whole frame is the
    fallback. On doubleunder_front_hooneybadger_4 (athlete 0.36 of the frame
    high) this took double-under recall from 0.37 to 0.65 (docs/validation.md).

    Parameters
    ----------
    model : str or Path
        ``full`` (default), ``lite``, ``heavy`` or a ``.task`` path.
    min_detection_confidence, min_tracking_confidence, min_presence_confidence : float
        MediaPipe thresholds in [0, 1].
    smooth : bool
        Use MediaPipe's own temporal smoothing (steadier, cheaper, but it lags fast events).
    track_s : float
        Unsmoothed mode: crop around the person seen at most this long ago (s); 0 turns cropping off.
    tracked : bool
        With ``smooth=False``: also run MediaPipe's tracked, smoothed pass on every frame (``num_poses=1``,
        VIDEO mode) and use it to find the athlete: the unsmoothed pass then runs on a crop around the tracked
        pose of the same frame, and keeps the pose nearest it. The tracked landmarks are kept too
        (:attr:`last_tracked`, ``Landmarks.tracked``): contact analysis counts on them, since the tracker does
        not lose a small or fast athlete, and times on the unsmoothed ones. Costs one more landmark-model run
        per frame.
    """

    def __init__(
        self,
        model: str | Path = "full",
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        smooth: bool = False,
        track_s: float = 0.5,
        tracked: bool = False,
    ) -> None:
        for name, v in (("detection", min_detection_confidence), ("tracking", min_tracking_confidence),
                        ("presence", min_presence_confidence)):
            if not 0.0 <= v <= 1.0:
                raise FormcheckError(f"{name} confidence must be in [0, 1], got {v}")
        from mediapipe.tasks.python import BaseOptions, vision

        self.model_path = resolve_model(model)
        self.model_name = self.model_path.name
        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=1 if smooth or tracked else 2,
            min_pose_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
            min_pose_presence_confidence=min_presence_confidence,
            output_segmentation_masks=False,
        )
        try:
            with _native_stderr_muted():
                self._lm = vision.PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            raise FormcheckError(f"cannot load pose model {self.model_path}: {exc}") from None
        self.params = {
            "model": self.model_name,
            "min_detection_confidence": min_detection_confidence,
            "min_tracking_confidence": min_tracking_confidence,
            "min_presence_confidence": min_presence_confidence,
            "mediapipe_smoothing": smooth,
            "tracked_pass": bool(tracked and not smooth),
        }
        self._last_ms = -1
        self._prev_hips: NDArray[np.float32] | None = None
        self._first = True
        self._opts = opts
        self.smooth = smooth
        self.tracked = bool(tracked and not smooth)
        self.last_tracked: NDArray[np.float32] | None = None
        self.track_s = float(track_s)
        self._crop_lm: Any = None
        self._last_seen: tuple[float, NDArray[np.float32]] | None = None
        self.crop_tries = 0
        self.crop_found = 0
        self.params["track_crop_s"] = self.track_s if not smooth else 0.0

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release the model (MediaPipe errors at exit if this is skipped)."""
        if self._lm is not None:
            self._lm.close()
            self._lm = None
        if self._crop_lm is not None:
            self._crop_lm.close()
            self._crop_lm = None

    def process(self, image_rgb: NDArray[np.uint8], t_s: float) -> NDArray[np.float32] | None:
        """Landmarks of one RGB frame at media time ``t_s`` (s) as a (33, 9) array, or None if nobody."""
        import mediapipe as mp

        # MediaPipe wants strictly increasing integer milliseconds.
        ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = ms
        if self.tracked:
            return self._process_tracked(image_rgb, t_s, ms)
        rows = [] if self.smooth else self._detect_on_crop(image_rgb, t_s)
        if not rows:
            img = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb))
            rows = _rows(self._detect_full(img, ms))
        if not rows:
            self._prev_hips = None
            return None
        k = pick_person(rows, self._prev_hips)
        self._prev_hips = rows[k][23:25, :2].copy()
        self._last_seen = (t_s, rows[k])
        return rows[k]

    def _process_tracked(self, image_rgb: NDArray[np.uint8], t_s: float, ms: int) -> NDArray[np.float32] | None:
        """Tracked pass on the whole frame, then the unsmoothed pass on a crop around its pose."""
        import mediapipe as mp

        img = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb))
        res = self._detect_full(img, ms)
        trk = next(iter(_rows(res)), None)  # num_poses=1: at most one
        self.last_tracked = trk
        if trk is not None:
            self._last_seen = (t_s, trk)
            self._prev_hips = trk[23:25, :2].copy()
        rows = self._detect_on_crop(image_rgb, t_s)
        if not rows:
            rows = _rows(self._image_lm().detect(img))
        if not rows:
            if trk is None:
                self._prev_hips = None
            return None
        k = pick_person(rows, self._prev_hips)
        if trk is None:
            self._prev_hips = rows[k][23:25, :2].copy()
            self._last_seen = (t_s, rows[k])
        return rows[k]

    def _image_lm(self) -> Any:
        """The IMAGE-mode, unsmoothed model (``num_poses=2``), created on first use."""
        from mediapipe.tasks.python import vision

        if self._crop_lm is None:
            opts = dataclasses.replace(self._opts, running_mode=vision.RunningMode.IMAGE, num_poses=2)
            with _native_stderr_muted():
                self._crop_lm = vision.PoseLandmarker.create_from_options(opts)
        return self._crop_lm

    def _detect_full(self, img: Any, ms: int) -> Any:
        """The VIDEO-mode model on the whole frame."""
        if self._first:
            # MediaPipe's C++ side prints set-up notices (XNNPACK, feedback tensors) on the first frame.
            with _native_stderr_muted():
                res = self._lm.detect_for_video(img, ms)
            self._first = False
            return res
        return self._lm.detect_for_video(img, ms)

    def _detect_on_crop(self, image_rgb: NDArray[np.uint8], t_s: float) -> list[NDArray[np.float32]]:
        """Poses found in a crop around the last person seen (full-frame coordinates), or []."""
        if self.track_s <= 0 or self._last_seen is None or t_s - self._last_seen[0] > self.track_s:
            return []
        h, w = image_rgb.shape[:2]
        box = crop_box(self._last_seen[1], w, h)
        if box is None:
            return []
        import mediapipe as mp

        x0, y0, x1, y1 = box
        crop = np.ascontiguousarray(image_rgb[y0:y1, x0:x1])
        self.crop_tries += 1
        res = self._image_lm().detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=crop))
        if not res.pose_landmarks:
            return []
        self.crop_found += 1
        return [uncrop(r, box, w, h) for r in _rows(res)]


ProgressFn = Callable[[int, int], None]
"""Progress callback: (frames done, frames expected)."""


FrameHook = Callable[[float, NDArray[np.uint8], "NDArray[np.float32] | None"], None]
"""``on_frame(t_s, rgb_image, landmark_row_or_None)`` of :func:`estimate_video`."""


def estimate_video(
    path: str | Path,
    model: str | Path = "full",
    min_detection_confidence: float = 0.5,
    min_tracking_confidence: float = 0.5,
    progress: ProgressFn | None = None,
    smooth: bool = False,
    tracked: bool = False,
    on_frame: FrameHook | None = None,
) -> Landmarks:
    """Run the pose model over every frame of a video file.

    Frames are streamed; frames with nobody detected stay in the series as NaN. With ``tracked`` (and
    ``smooth=False``) the result also carries the tracked, smoothed pass (``Landmarks.tracked``). ``on_frame``, when
    given, sees every frame once the model has run on it: ``on_frame(t_s, rgb_image, row)`` with the frame's
    ``(33, 9)`` landmark row (None when nobody was detected), so that image measurements need no second decode.

    Returns
    -------
    Landmarks with container timestamps.
    """
    with open_video(path, pixel_format="rgb24") as src, PoseEstimator(
        model, min_detection_confidence, min_tracking_confidence, smooth=smooth, tracked=tracked
    ) as est:
        ts: list[float] = []
        rows: list[NDArray[np.float32] | None] = []
        trk_rows: list[NDArray[np.float32] | None] = []
        total = src.frames_hint
        change = FrameChange()
        for frame in prefetch(src, depth=4):
            ts.append(frame.t_s)
            change.push(frame.image)
            rows.append(est.process(frame.image, frame.t_s))
            trk_rows.append(est.last_tracked)
            if on_frame is not None:
                on_frame(frame.t_s, frame.image, rows[-1])
            if progress is not None:
                progress(frame.index + 1, max(total, frame.index + 1))
        meta = src.meta
        if est.crop_tries:
            log.info("%d of %d frames found on a crop around the athlete (%d tried)", est.crop_found, len(ts),
                     est.crop_tries)
        if not ts:
            raise FormcheckError(f"{path}: no frames could be decoded")
        lm = Landmarks.from_frames(ts, rows, meta, est.model_name, trk_rows if est.tracked else None)
        return dataclasses.replace(lm, frame_change=np.array(change.values, np.float32))


_T = TypeVar("_T")


def prefetch(items: Iterable[_T], depth: int = 4) -> Iterator[_T]:
    """Iterate ``items`` in a background thread, at most ``depth`` ahead (bounded memory).

    Decoding overlaps with inference on another core; exceptions are re-raised in the caller.
    """
    q: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for it in items:
                while not stop.is_set():
                    try:
                        q.put((0, it), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((1, None))
        except BaseException as exc:
            q.put((2, exc))

    th = threading.Thread(target=work, name="formcheck-decode", daemon=True)
    th.start()
    try:
        while True:
            kind, val = q.get()
            if kind == 0:
                yield val
            elif kind == 1:
                return
            else:
                raise val
    finally:
        stop.set()
        while th.is_alive():
            try:
                q.get_nowait()
            except queue.Empty:
                th.join(timeout=0.05)
