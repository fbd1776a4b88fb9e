"""Batch engine: exercise resolution, outputs, resume/force, bad clips, interruption, pools, Dask.

Most tests inject :func:`fixtures.batch_clips.fake_analyze`; one test runs the real pipeline.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from fixtures.batch_clips import fake_analyze, make_clip
from formcheck import batch as fb
from formcheck.types import FormcheckError


@pytest.fixture(autouse=True)
def call_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "calls.log"
    monkeypatch.setenv("FC_FAKE_LOG", str(log))
    return log


def _calls(log: Path) -> list[str]:
    return sorted(log.read_text().split()) if log.exists() else []


def _rows(out: Path) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO((out / "summary.csv").read_text())))
    for r in rows:
        r.pop("seconds")
    return rows


def _folder(tmp_path: Path) -> Path:
    d = tmp_path / "clips"
    make_clip(d / "pogo_1.mp4", "contacts")
    make_clip(d / "squat_a.MOV", "reps")
    make_clip(d / "week2" / "deadlift_b.mp4", "reps 2")
    make_clip(d / "notes.txt", "not a clip")
    return d


@pytest.mark.parametrize(("name", "expected"), [
    ("squat_side_barpath_1.mp4", "squat"), ("Squat Day 3.MOV", "squat"),
    ("jumpropespeed_front_plummer-jp1_1.mp4", "jump_rope"), ("doubleunder_front_hooneybadger_2.mp4", "double_unders"),
    ("hops_side_quva023_1.mp4", "hops"), ("jumpingjack_front_unknown550_1.mp4", "jumping_jack"),
    ("lunge_front_quva020_1.mp4", "lunge"), ("lunge_heel_raise_hold_l.mp4", "lunge_heel_raise_hold"),
    ("deadlift_side_formfit_1.mp4", "deadlift"), ("single-leg-box-squat 2.mp4", "single_leg_box_squat"),
    ("pogo.mp4", "pogo_hops"), ("barbelllift_front_quva032_1.mp4", None), ("IMG_0042.mp4", None),
])
def test_exercise_from_clip_name(name: str, expected: str | None) -> None:
    assert fb.exercise_from_name(name) == expected


def test_mapping_beats_exercise_option_which_beats_the_name(tmp_path: Path) -> None:
    m = tmp_path / "map.csv"
    m.write_text("clip,exercise\nweek2/*,calf_raise\nIMG_0042,tib_raise\n")
    pairs = fb.load_mapping(m)
    assert fb.resolve_exercise("week2/squat_x.mp4", "lunge", pairs) == "calf_raise"
    assert fb.resolve_exercise("IMG_0042.mp4", None, pairs) == "tib_raise"
    assert fb.resolve_exercise("squat_x.mp4", "lunge", pairs) == "lunge"
    assert fb.resolve_exercise("squat_x.mp4", None, pairs) == "squat"
    j = tmp_path / "map.json"
    j.write_text(json.dumps({"*.MOV": "deadlift"}))
    assert fb.resolve_exercise("a/b.MOV", None, fb.load_mapping(j)) == "deadlift"
    j.write_text(json.dumps({"*.MOV": "backflip"}))
    with pytest.raises(FormcheckError, match="unknown exercise 'backflip'"):
        fb.load_mapping(j)


def test_batch_writes_reports_summary_and_index(tmp_path: Path, call_log: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    seen: list[tuple[int, int]] = []
    res = fb.run_batch(folder, out, workers=1, analyze=fake_analyze, progress=lambda d, t, r: seen.append((d, t)))
    assert [r.status for r in res.results] == ["ok", "ok", "ok"]
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    for sub in ("pogo_1", "squat_a", "week2/deadlift_b"):
        assert {p.name for p in (out / sub).iterdir()} == {"report.json", "report.html", "report.csv", fb.KEY_FILE}
    rows = _rows(out)
    assert [(r["clip"], r["exercise"], r["status"]) for r in rows] == [
        ("pogo_1.mp4", "pogo_hops", "ok"), ("squat_a.MOV", "squat", "ok"), ("week2/deadlift_b.mp4", "deadlift", "ok")]
    assert rows[0]["contacts"] == "12" and rows[0]["heel_touches"] == "2" and rows[1]["reps_left"] == "3"
    index = (out / "index.html").read_text()
    assert 'href="week2/deadlift_b/report.html"' in index and "3 ok" in index
    assert not (out / fb.PARTIAL_DIR).exists()


def test_rerun_skips_unchanged_clips_and_force_redoes_them(tmp_path: Path, call_log: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    fb.run_batch(folder, out, workers=1, analyze=fake_analyze)
    call_log.unlink()
    res = fb.run_batch(folder, out, workers=1, analyze=fake_analyze)
    assert [r.status for r in res.results] == ["cached"] * 3 and _calls(call_log) == []
    assert _rows(out)[0]["gct_mean_ms"] != ""  # cached rows keep their numbers
    make_clip(folder / "squat_a.MOV", "reps changed")  # new content -> redone
    res = fb.run_batch(folder, out, workers=1, analyze=fake_analyze)
    assert _calls(call_log) == ["squat_a.MOV"]
    call_log.unlink()
    fb.run_batch(folder, out, workers=1, analyze=fake_analyze, model="lite")  # settings changed -> redone
    assert len(_calls(call_log)) == 3
    call_log.unlink()
    fb.run_batch(folder, out, workers=1, analyze=fake_analyze, model="lite", force=True)
    assert len(_calls(call_log)) == 3


def test_bad_clips_are_reported_and_do_not_stop_the_others(tmp_path: Path, call_log: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    make_clip(folder / "squat_corrupt.mp4", "corrupt")
    make_clip(folder / "squat_crash.mp4", "crash")
    make_clip(folder / "IMG_0042.mp4", "reps")
    res = fb.run_batch(folder, out, workers=1, analyze=fake_analyze)
    by = {r.clip: r for r in res.results}
    assert by["squat_corrupt.mp4"].status == "failed" and "not a readable video" in by["squat_corrupt.mp4"].reason
    assert by["squat_crash.mp4"].reason == "internal error: RuntimeError: boom"
    assert "cannot tell the exercise" in by["IMG_0042.mp4"].reason
    assert {r.clip for r in res.failed} == {"squat_corrupt.mp4", "squat_crash.mp4", "IMG_0042.mp4"}
    assert by["squat_a.MOV"].status == "ok" and not (out / "squat_corrupt").exists()
    call_log.unlink()
    fb.run_batch(folder, out, workers=1, analyze=fake_analyze)
    assert _calls(call_log) == ["squat_corrupt.mp4", "squat_crash.mp4"]  # failures are retried, not cached


def test_interrupt_keeps_finished_reports_and_leaves_no_half_written_one(tmp_path: Path, call_log: Path) -> None:
    folder, out = _folder(tmp_path), tmp_path / "out"
    fb.run_batch(folder, out, workers=1, analyze=fake_analyze)
    old = (out / "week2/deadlift_b/report.json").read_text()
    make_clip(folder / "squat_a.MOV", "reps v2")
    make_clip(folder / "week2" / "deadlift_b.mp4", "interrupt")  # last in order; interrupted mid-write
    with pytest.raises(KeyboardInterrupt):
        fb.run_batch(folder, out, workers=1, analyze=fake_analyze, force=True)
    assert (out / "week2/deadlift_b/report.json").read_text() == old  # previous report intact
    assert json.loads((out / "squat_a/report.json").read_text())["exercise"] == "squat"
    assert not (out / fb.PARTIAL_DIR).exists()
    assert [r["status"] for r in _rows(out)] == ["ok", "ok", "interrupted"]
    make_clip(folder / "week2" / "deadlift_b.mp4", "reps v3")
    call_log.unlink()
    res = fb.run_batch(folder, out, workers=1, analyze=fake_analyze)
    assert [r.status for r in res.results] == ["cached", "cached", "ok"]
    assert _calls(call_log) == ["deadlift_b.mp4"]


def test_process_pool_gives_the_same_summary_as_serial(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    make_clip(folder / "squat_corrupt.mp4", "corrupt")
    fb.run_batch(folder, tmp_path / "serial", workers=1, analyze=fake_analyze)
    res = fb.run_batch(folder, tmp_path / "pool", workers=2, analyze=fake_analyze)
    assert len(res.failed) == 1
    assert _rows(tmp_path / "pool") == _rows(tmp_path / "serial")


def test_dask_local_cluster_gives_the_same_summary(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    folder = _folder(tmp_path)
    fb.run_batch(folder, tmp_path / "local", workers=1, analyze=fake_analyze)
    with distributed.LocalCluster(host="127.0.0.1", protocol="tcp", n_workers=1, processes=False,
                                  dashboard_address=None) as cl:
        fb.run_batch(folder, tmp_path / "dask", analyze=fake_analyze, dask_scheduler=cl.scheduler_address)
    assert _rows(tmp_path / "dask") == _rows(tmp_path / "local")


def test_cli_exit_status_says_whether_any_clip_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer
    from typer.testing import CliRunner

    app = typer.Typer()
    app.command()(fb.batch)
    app.command("noop")(lambda: None)
    monkeypatch.setattr(fb, "default_analyze", fake_analyze)
    folder = _folder(tmp_path)
    r = CliRunner().invoke(app, ["batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    make_clip(folder / "squat_corrupt.mp4", "corrupt")
    r = CliRunner().invoke(app, ["batch", str(folder), "--out", str(tmp_path / "o"), "--workers", "1"])
    assert r.exit_code == 1 and "squat_corrupt.mp4" in r.output
    r = CliRunner().invoke(app, ["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1 and "not a folder" in r.output


@pytest.mark.slow
def test_real_pipeline_batch_on_a_short_clip_and_a_corrupt_one(tmp_path: Path, footage: Path) -> None:
    clip = footage / "hops_side_quva023_1.mp4"
    if not clip.exists():
        pytest.skip("clip missing")
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "hops_quva.mp4").symlink_to(clip)
    make_clip(folder / "squat_broken.mp4", "\x00" * 500)
    res = fb.run_batch(folder, tmp_path / "out", workers=1, video_out=False, model="lite")
    by = {r.clip: r for r in res.results}
    assert by["squat_broken.mp4"].status == "failed" and by["squat_broken.mp4"].reason
    assert by["hops_quva.mp4"].status == "ok", by["hops_quva.mp4"].reason
    assert (tmp_path / "out/hops_quva/report.html").is_file()


def test_ctrl_c_on_a_process_pool_keeps_finished_clips_only(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    folder, out = tmp_path / "clips", tmp_path / "out"
    for name, what in (("squat_1", "sleep:0.1"), ("squat_2", "sleep:0.1"), ("squat_3", "sleep:30"),
                       ("squat_4", "sleep:30")):
        make_clip(folder / f"{name}.mp4", what)
    # A shell starts background jobs with SIGINT ignored and Python keeps an inherited "ignore": restore the
    # disposition a terminal's foreground job has, or a test run launched in the background never sees Ctrl-C.
    script = ("import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
              "from pathlib import Path\nfrom fixtures.batch_clips import fake_analyze\nfrom formcheck.batch import "
              f"run_batch\nrun_batch(Path({str(folder)!r}), Path({str(out)!r}), workers=2, analyze=fake_analyze)\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parent))
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ((out / "squat_1" / fb.KEY_FILE).exists() and (out / "squat_2" / fb.KEY_FILE).exists()):
            assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.05)
        time.sleep(0.3)  # clips 3 and 4 are now running
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode != 0 and b"KeyboardInterrupt" in err
    assert [r["status"] for r in _rows(out)] == ["ok", "ok", "interrupted", "interrupted"]
    assert not (out / "squat_3").exists() and not (out / fb.PARTIAL_DIR).exists()
    assert json.loads((out / "squat_1" / "report.json").read_text())["exercise"] == "squat"
