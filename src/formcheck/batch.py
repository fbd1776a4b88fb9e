"""Batch mode: analyse every clip in a folder, in parallel, resumably.

Per clip, ``OUT/<clip>/`` gets what :func:`formcheck.pipeline.analyze_file` writes (report.json,
.html, .csv, landmarks.npz, annotated.mp4) plus ``batch_key.json``; ``OUT/summary.csv`` and
``OUT/index.html`` get one row per clip.

- Which exercise: a mapping file entry (CSV or JSON, glob -> exercise) wins, then ``--exercise``,
  then the clip's name (``squat_side_1.mp4`` -> squat, ``jumprope...`` -> jump_rope; see
  :data:`NAME_ALIASES`).
- Resumable: a clip is skipped when ``OUT/<clip>/batch_key.json`` holds the same key, a hash of
  the clip's bytes and the settings (exercise, model, video on/off, formcheck version).
  ``force=True`` redoes every clip. Failed clips are always retried.
- Crash/interrupt safe: each clip is analysed into ``OUT/.partial/<random>/`` and the finished
  folder is renamed into place with its key written last, so an interrupted run leaves every
  finished report intact and no half-written one (leftovers are swept on the next run).
- One bad clip is a ``failed`` row with its reason; the others go on.
- Runs serially (``workers=1``), on a local process pool, or on a Dask distributed cluster
  (``dask_scheduler``; the workers must see the same file system paths).
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import logging
import math
import multiprocessing
import os
import re
import shutil
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Annotated, Any, Protocol

import typer

from formcheck import __version__
from formcheck.exercises import EXERCISES
from formcheck.render import atomic_write_text, key_numbers
from formcheck.types import FormcheckError
from formcheck.video import VIDEO_EXTENSIONS

log = logging.getLogger(__name__)

KEY_FILE = "batch_key.json"
PARTIAL_DIR = ".partial"
SUMMARY_CSV = "summary.csv"
INDEX_HTML = "index.html"

NAME_ALIASES: dict[str, str] = {
    "jumprope": "jump_rope", "skipping": "jump_rope", "rope": "jump_rope",
    "doubleunder": "double_unders", "doubleunders": "double_unders", "du": "double_unders",
    "pogo": "pogo_hops", "pogohop": "pogo_hops", "hop": "hops", "hops": "hops", "jump": "hops",
    "squat": "squat", "boxsquat": "single_leg_box_squat", "slsquat": "single_leg_box_squat",
    "offsetsquat": "offset_back_squat", "deadlift": "deadlift", "lunge": "lunge",
    "lungehold": "lunge_heel_raise_hold", "stepup": "stomping_lunge_step_up",
    "jumpingjack": "jumping_jack", "jumpingjacks": "jumping_jack", "calfraise": "calf_raise",
    "tibraise": "tib_raise",
}
"""Clip-name prefixes (lower case, letters and digits only) -> exercise id; exercise ids match too."""

SUMMARY_COLUMNS = [
    "clip", "status", "exercise", "reason", "report", "seconds",
    "contacts", "gct_mean_ms", "gct_sd_ms", "gct_precision_ms", "flight_mean_ms", "rsi_mean", "heel_touches",
    "reps", "reps_left", "reps_right", "eccentric_mean_s", "concentric_mean_s", "reps_flagged",
    "hold_left_s", "hold_right_s", "hold_any_s", "fps", "out_of_view_s",
]
"""Columns of ``summary.csv`` (key numbers from :func:`formcheck.render.key_numbers`)."""


class AnalyzeFn(Protocol):
    """Per-clip analysis: write the clip's report files into ``out_dir`` and return the report."""

    def __call__(self, video: Path, exercise: str, out_dir: Path, *, model: str, video_out: bool) -> dict[str, Any]:
        ...


ProgressCallback = Callable[[int, int, "ClipResult | None"], None]
"""``progress(done, total, result)``: called once with ``(0, total, None)``, then after every clip."""


def default_analyze(video: Path, exercise: str, out_dir: Path, *, model: str, video_out: bool) -> dict[str, Any]:
    """The real per-clip analysis (:func:`formcheck.pipeline.analyze_file`)."""
    from formcheck.pipeline import PoseOptions, analyze_file

    return analyze_file(video, exercise, out_dir, pose=PoseOptions(model=model), video_out=video_out)


# --- values ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse (picklable; sent to workers)."""

    video: str
    clip: str
    out_root: str
    out_rel: str
    exercise: str
    key: str
    model: str
    video_out: bool


@dataclass
class ClipResult:
    """What happened to one clip.

    Attributes
    ----------
    clip : str
        Path relative to the batch folder (POSIX).
    status : {"ok", "cached", "failed", "interrupted"}
        ``cached``: unchanged since a previous run, not redone.
    exercise : str or None
    reason : str
        Why it failed (one line), else empty.
    out : str
        Output folder relative to the batch output folder.
    seconds : float
        Wall time spent on the clip in this run (s).
    numbers : dict
        :func:`formcheck.render.key_numbers` of the report.
    """

    clip: str
    status: str
    exercise: str | None = None
    reason: str = ""
    out: str = ""
    seconds: float = 0.0
    numbers: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The clip's ``summary.csv`` row."""
        has_report = self.status in ("ok", "cached")
        d: dict[str, Any] = {"clip": self.clip, "status": self.status, "exercise": self.exercise or "",
                             "reason": self.reason, "report": f"{self.out}/report.html" if has_report else "",
                             "seconds": round(self.seconds, 2)}
        for k in SUMMARY_COLUMNS[6:]:
            v = self.numbers.get(k)
            d[k] = "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else v
        return d


@dataclass
class BatchResult:
    """All clips' results, in clip order, and where the summaries are."""

    results: list[ClipResult]
    out: Path
    interrupted: bool = False

    @property
    def failed(self) -> list[ClipResult]:
        return [r for r in self.results if r.status == "failed"]

    def counts(self) -> dict[str, int]:
        c: dict[str, int] = {}
        for r in self.results:
            c[r.status] = c.get(r.status, 0) + 1
        return c


# --- discovery and settings -----------------------------------------------------------------------
def find_clips(folder: Path, exclude: Path | None = None) -> list[Path]:
    """Every video file under ``folder`` (recursive, by extension, sorted; hidden folders and ``exclude`` skipped)."""
    folder = Path(folder)
    ex = exclude.resolve() if exclude is not None else None
    out: list[Path] = []
    for root, dirs, files in os.walk(folder):
        rp = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (ex is None or (rp / d).resolve() != ex))
        out += [rp / f for f in sorted(files) if Path(f).suffix.lower() in VIDEO_EXTENSIONS and not f.startswith(".")]
    return out


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def exercise_from_name(name: str) -> str | None:
    """The exercise a clip's file name starts with (longest known id / alias wins), or None."""
    stem = _norm(Path(name).stem)
    table = {_norm(k): v for k, v in NAME_ALIASES.items()}
    table.update({_norm(k): k for k in EXERCISES})
    best = max((k for k in table if stem.startswith(k)), key=len, default=None)
    return table[best] if best else None


def load_mapping(path: Path) -> list[tuple[str, str]]:
    """Read a clip -> exercise mapping: JSON ``{"glob": "exercise"}`` or CSV rows ``glob,exercise``.

    A CSV header row (``clip,exercise`` / ``pattern,exercise``) is allowed. Raises FormcheckError
    on an unreadable file or an unknown exercise id.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FormcheckError(f"cannot read mapping file {path}: {exc.strerror or exc}") from None
    pairs: list[tuple[str, str]] = []
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormcheckError(f"mapping file {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(d, dict):
            raise FormcheckError(f"mapping file {path}: expected a JSON object {{\"clip glob\": \"exercise\"}}")
        pairs = [(str(k), str(v)) for k, v in d.items()]
    else:
        for i, row in enumerate(csv.reader(io.StringIO(text))):
            row = [c.strip() for c in row]
            if not row or not row[0] or row[0].startswith("#"):
                continue
            if len(row) < 2:
                raise FormcheckError(f"mapping file {path} line {i + 1}: expected 'clip,exercise'")
            if i == 0 and row[1].lower() == "exercise":
                continue
            pairs.append((row[0], row[1]))
    for pat, ex in pairs:
        if ex not in EXERCISES:
            raise FormcheckError(f"mapping file {path}: unknown exercise {ex!r} for {pat!r}; "
                                 f"known: {', '.join(sorted(EXERCISES))}")
    return pairs


def resolve_exercise(rel: str, exercise: str | None, mapping: list[tuple[str, str]]) -> str | None:
    """Exercise of the clip at relative path ``rel``: mapping, then ``exercise``, then its name."""
    name = rel.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    for pat, ex in mapping:
        if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(name, pat) or stem == pat:
            return ex
    if exercise:
        return exercise
    return exercise_from_name(name)


def file_hash(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            h.update(b)
    return h.hexdigest()


def clip_key(content_hash: str, exercise: str, model: str, video_out: bool) -> str:
    """The resume key: content hash + the settings that change the outputs."""
    settings = {"content": content_hash, "exercise": exercise, "model": model, "video_out": video_out,
                "formcheck": __version__}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _out_names(rels: list[str]) -> dict[str, str]:
    """Output folder (relative) per clip: its path without extension; clashes get the extension appended."""
    base = {r: r.rsplit(".", 1)[0] for r in rels}
    seen: dict[str, int] = {}
    for b in base.values():
        seen[b] = seen.get(b, 0) + 1
    return {r: (b if seen[b] == 1 else f"{b}_{r.rsplit('.', 1)[-1].lower()}") for r, b in base.items()}


def _cached(out_dir: Path, key: str) -> dict[str, Any] | None:
    """The previous report when ``out_dir`` was finished with ``key``, else None."""
    try:
        stored = json.loads((out_dir / KEY_FILE).read_text())
        if stored.get("key") != key:
            return None
        report = json.loads((out_dir / "report.json").read_text())
        return report if isinstance(report, dict) else None
    except (OSError, ValueError):
        return None


# --- the per-clip work (runs in workers) ----------------------------------------------------------
def run_clip(job: ClipJob, analyze: AnalyzeFn) -> ClipResult:
    """Analyse one clip into a private partial folder, then move the finished folder into place."""
    t0 = time.perf_counter()
    root = Path(job.out_root)
    final = root / job.out_rel
    tmp_parent = root / PARTIAL_DIR / uuid.uuid4().hex
    stage = tmp_parent / final.name
    res = ClipResult(job.clip, "failed", job.exercise, out=job.out_rel)
    try:
        tmp_parent.mkdir(parents=True)
        try:
            report = analyze(Path(job.video), job.exercise, stage, model=job.model, video_out=job.video_out)
        except FormcheckError as exc:
            res.reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return res
        except Exception as exc:  # one bad clip must not stop the batch
            log.exception("analysis of %s crashed", job.clip)
            res.reason = f"internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            return res
        if not stage.is_dir() or not (stage / "report.json").is_file():
            res.reason = "internal error: the analysis wrote no report.json"
            return res
        atomic_write_text(stage / KEY_FILE, json.dumps({
            "key": job.key, "clip": job.clip, "exercise": job.exercise, "model": job.model,
            "video_out": job.video_out, "formcheck": __version__,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }, indent=1))
        final.parent.mkdir(parents=True, exist_ok=True)
        trash = tmp_parent / ".old"
        if final.exists():
            os.replace(final, trash)
        os.replace(stage, final)
        res.status, res.numbers = "ok", key_numbers(report)
        return res
    finally:
        res.seconds = time.perf_counter() - t0
        shutil.rmtree(tmp_parent, ignore_errors=True)


# --- summaries ------------------------------------------------------------------------------------
def summary_csv(results: list[ClipResult]) -> str:
    """``summary.csv`` text: one row per clip."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in results:
        w.writerow(r.row())
    return buf.getvalue()


def index_html(results: list[ClipResult], title: str = "formcheck batch") -> str:
    """``index.html``: a self-contained table of every clip with a link to its report."""
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    cols = [("clip", "clip"), ("status", "status"), ("exercise", "exercise"), ("contacts", "contacts"),
            ("gct_mean_ms", "GCT ms"), ("heel_touches", "heel touches"), ("reps_left", "reps L"),
            ("reps_right", "reps R"), ("reps", "reps"), ("eccentric_mean_s", "eccentric s"),
            ("reps_flagged", "flagged"), ("out_of_view_s", "out of view s"), ("reason", "reason")]
    head = "".join(f"<th>{escape(h)}</th>" for _, h in cols)
    body = []
    for r in results:
        row = r.row()
        cells = []
        for k, _ in cols:
            v = escape(str(row.get(k, "")))
            if k == "clip" and row["report"]:
                v = f'<a href="{escape(row["report"], quote=True)}">{v}</a>'
            cls = f' class="{escape(r.status)}"' if k == "status" else ""
            cells.append(f"<td{cls}>{v}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    summary = ", ".join(f"{n} {escape(s)}" for s, n in sorted(counts.items()))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>"
        "body{font:15px/1.4 system-ui,sans-serif;margin:0}main{max-width:1100px;margin:0 auto;padding:14px}"
        ".tw{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.88rem}"
        "th,td{border-bottom:1px solid #e5e7eb;padding:5px 8px;text-align:left;white-space:nowrap}"
        "td:last-child{white-space:normal}.ok,.cached{color:#16a34a}.failed{color:#dc2626;font-weight:600}"
        ".interrupted{color:#ea580c}</style></head><body><main>"
        f"<h1>{escape(title)}</h1><p>{len(results)} clips: {summary}</p>"
        f'<div class="tw"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
        "</main></body></html>"
    )


def write_summaries(out: Path, results: list[ClipResult]) -> None:
    """Write ``summary.csv`` and ``index.html`` atomically."""
    atomic_write_text(out / SUMMARY_CSV, summary_csv(results))
    atomic_write_text(out / INDEX_HTML, index_html(results))


# --- executors ------------------------------------------------------------------------------------
def _serial(jobs: list[ClipJob], analyze: AnalyzeFn) -> Iterator[ClipResult]:
    for job in jobs:
        yield run_clip(job, analyze)


def _worker_init() -> None:
    """Keep each pool worker to about one core (the pool provides the parallelism); leave Ctrl-C to the parent.

    Ctrl-C in a terminal sends SIGINT to the whole process group. A worker interrupted at a random point (in
    the middle of taking a job off the queue, say) can leave the pool's manager waiting for it; the parent, which
    gets the same signal, terminates the workers itself (:func:`_pool`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - opencv comes with mediapipe
        pass


def _pool(jobs: list[ClipJob], analyze: AnalyzeFn, workers: int) -> Iterator[ClipResult]:
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with threads (progress bar, model)
    ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init)
    futs: dict[Future[ClipResult], ClipJob] = {ex.submit(run_clip, j, analyze): j for j in jobs}
    try:
        for f in as_completed(futs):
            try:
                yield f.result()
            except BrokenProcessPool:
                j = futs[f]
                yield ClipResult(j.clip, "failed", j.exercise, "a worker process died (crash or out of memory)",
                                 j.out_rel)
        ex.shutdown(wait=True)
    except BaseException:
        # the worker list first: shutdown() forgets it (sets _processes to None)
        procs = list((getattr(ex, "_processes", None) or {}).values())
        ex.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            p.terminate()
        for p in procs:
            p.join(timeout=2)
            if p.is_alive():
                p.kill()
                p.join(timeout=2)
        raise


def _dask(jobs: list[ClipJob], analyze: AnalyzeFn, address: str) -> Iterator[ClipResult]:
    try:
        from distributed import Client
        from distributed import as_completed as d_as_completed
    except ImportError:
        raise FormcheckError('--dask-scheduler needs Dask: pip install "formcheck[dask]"') from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise FormcheckError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
    futs = {client.submit(run_clip, j, analyze, pure=False, key=f"formcheck-{j.key[:16]}-{uuid.uuid4().hex[:8]}"):
            j for j in jobs}
    try:
        for f in d_as_completed(list(futs)):
            try:
                yield f.result()
            except Exception as exc:
                j = futs[f]
                yield ClipResult(j.clip, "failed", j.exercise, f"dask: {type(exc).__name__}: {exc}", j.out_rel)
    except BaseException:
        client.cancel(list(futs))
        raise
    finally:
        client.close()


# --- the engine -----------------------------------------------------------------------------------
def run_batch(
    folder: Path,
    out: Path,
    *,
    exercise: str | None = None,
    mapping: Path | None = None,
    workers: int | None = None,
    force: bool = False,
    video_out: bool = True,
    model: str = "full",
    dask_scheduler: str | None = None,
    analyze: AnalyzeFn | None = None,
    progress: ProgressCallback | None = None,
) -> BatchResult:
    """Analyse every clip under ``folder`` into ``out`` (see the module docstring).

    Parameters
    ----------
    folder, out : Path
        Input folder (searched recursively) and output folder.
    exercise : str or None
        Exercise for clips the mapping does not name (None: guess from each clip's name).
    mapping : Path or None
        CSV / JSON clip-glob -> exercise file.
    workers : int or None
        Parallel processes (default: all cores); 1 runs in this process.
    force : bool
        Redo clips even when unchanged since the last run.
    video_out : bool
        Write ``annotated.mp4`` per clip.
    model : str
        Pose model (``full``, ``lite``, ``heavy`` or a path).
    dask_scheduler : str or None
        Address of a Dask distributed scheduler to run on instead of local processes.
    analyze : AnalyzeFn or None
        Per-clip analysis (default :func:`default_analyze`); must be picklable for pools.
    progress : callable or None
        ``progress(done, total, result)``.

    Returns
    -------
    BatchResult (``summary.csv`` and ``index.html`` are written even when interrupted).

    Raises
    ------
    FormcheckError
        Missing folder, no clips, bad mapping file or exercise id.
    KeyboardInterrupt
        Re-raised after the summaries are written.
    """
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise FormcheckError(f"{folder}: not a folder")
    if exercise is not None and exercise not in EXERCISES:
        raise FormcheckError(f"unknown exercise {exercise!r}; known: {', '.join(sorted(EXERCISES))}")
    pairs = load_mapping(mapping) if mapping is not None else []
    if out.exists() and not out.is_dir():
        raise FormcheckError(f"output path {out} exists and is not a folder")
    clips = find_clips(folder, exclude=out)
    if not clips:
        raise FormcheckError(f"{folder}: no video files ({', '.join(VIDEO_EXTENSIONS)})")
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / PARTIAL_DIR, ignore_errors=True)  # leftovers of an interrupted run
    analyze_fn: AnalyzeFn = analyze or default_analyze

    rels = [c.relative_to(folder).as_posix() for c in clips]
    names = _out_names(rels)
    results: dict[str, ClipResult] = {}
    jobs: list[ClipJob] = []
    for clip, rel in zip(clips, rels, strict=True):
        ex_id = resolve_exercise(rel, exercise, pairs)
        if ex_id is None:
            results[rel] = ClipResult(rel, "failed", None, "cannot tell the exercise from the name; use --exercise "
                                      "or a --mapping file", names[rel])
            continue
        try:
            key = clip_key(file_hash(clip), ex_id, model, video_out)
        except OSError as exc:
            results[rel] = ClipResult(rel, "failed", ex_id, f"cannot read the file: {exc.strerror or exc}", names[rel])
            continue
        prev = None if force else _cached(out / names[rel], key)
        if prev is not None:
            results[rel] = ClipResult(rel, "cached", ex_id, out=names[rel], numbers=key_numbers(prev))
            continue
        jobs.append(ClipJob(str(clip.resolve()), rel, str(out.resolve()), names[rel], ex_id, key, model, video_out))

    total = len(rels)
    done = len(results)
    if progress:
        progress(0, total, None)
        for r in list(results.values()):
            progress(done, total, r)  # already decided: cached or failed before running
    interrupted = False
    n_workers = min(workers or os.cpu_count() or 1, max(len(jobs), 1))
    if dask_scheduler:
        stream = _dask(jobs, analyze_fn, dask_scheduler)
    elif n_workers <= 1:
        stream = _serial(jobs, analyze_fn)
    else:
        stream = _pool(jobs, analyze_fn, n_workers)
    try:
        for r in stream:
            results[r.clip] = r
            done += 1
            if progress:
                progress(done, total, r)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if hasattr(stream, "close"):
            stream.close()
        shutil.rmtree(out / PARTIAL_DIR, ignore_errors=True)
        job_ex = {j.clip: j.exercise for j in jobs}
        ordered = [results.get(rel) or ClipResult(rel, "interrupted", job_ex.get(rel),
                                                  "batch interrupted before this clip finished", names[rel])
                   for rel in rels]
        write_summaries(out, ordered)
    return BatchResult(ordered, out, interrupted)


# --- CLI ------------------------------------------------------------------------------------------
def batch(
    folder: Annotated[Path, typer.Argument(help="Folder of clips (searched recursively by extension).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: <clip>/report.*, summary.csv, index.html.")],
    exercise: Annotated[str | None, typer.Option("--exercise", "-e",
                        help="Exercise for every clip (default: from --mapping or each clip's name).")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m",
                       help="CSV or JSON file: clip name or glob -> exercise id.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-w", min=1,
                       help="Parallel processes (default: all cores).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo clips that are unchanged since the last run.")] = False,
    no_video: Annotated[bool, typer.Option("--no-video", help="Do not write annotated.mp4.")] = False,
    model: Annotated[str, typer.Option("--model", help="Pose model: full, lite, heavy or a .task path.")] = "full",
    dask_scheduler: Annotated[str | None, typer.Option("--dask-scheduler",
                              help="Run on an existing Dask cluster (tcp://host:8786).")] = None,
) -> None:
    """Analyse every clip in FOLDER; resumable (unchanged clips are skipped unless --force)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[last]}"), console=console, transient=False) as bar:
        task = bar.add_task("batch", total=None, last="")

        def on_progress(done: int, total: int, r: ClipResult | None) -> None:
            last = "" if r is None else f"{r.clip}: {r.status}" + (f" ({r.reason})" if r.reason else "")
            bar.update(task, completed=done, total=total, last=last[:80])

        try:
            res = run_batch(folder, out, exercise=exercise, mapping=mapping, workers=workers, force=force,
                            video_out=not no_video, model=model, dask_scheduler=dask_scheduler,
                            progress=on_progress)
        except FormcheckError as exc:
            bar.stop()
            console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            bar.stop()
            console.print(f"interrupted: finished reports are kept; see {out / SUMMARY_CSV}", markup=False,
                          soft_wrap=True)
            raise typer.Exit(130) from None
    counts = ", ".join(f"{n} {s}" for s, n in sorted(res.counts().items()))
    console.print(f"{len(res.results)} clips: {counts}. Summary: {out / INDEX_HTML}", markup=False, highlight=False,
                  soft_wrap=True)
    for r in res.failed:
        console.print(f"  failed {r.clip}: {r.reason}", markup=False, highlight=False, soft_wrap=True)
    if res.failed:
        raise typer.Exit(1)
