"""Model resolution, the heavy-model download (against a local server), and the pose stage on a tiny clip."""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from formcheck import pose
from formcheck.types import FormcheckError


def test_bundled_models_resolve_and_are_task_bundles() -> None:
    for name in ("full", "lite"):
        p = pose.resolve_model(name)
        assert p.name == f"pose_landmarker_{name}.task"
        with zipfile.ZipFile(p) as z:
            assert {"pose_detector.tflite", "pose_landmarks_detector.tflite"} <= set(z.namelist())


def test_bundled_model_hashes_match_models_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "models" / "README.md").read_text()
    for name in ("full", "lite"):
        assert pose.sha256_file(pose.resolve_model(name)) in readme


def test_explicit_path_wins_and_bad_paths_fail_clearly(tmp_path: Path) -> None:
    lite = pose.resolve_model("lite")
    assert pose.resolve_model(str(lite)) == lite
    with pytest.raises(FormcheckError, match="not found"):
        pose.resolve_model(str(tmp_path / "missing.task"))
    junk = tmp_path / "junk.task"
    junk.write_text("not a zip")
    with pytest.raises(FormcheckError, match="not a MediaPipe"):
        pose.resolve_model(str(junk))


@pytest.fixture()
def local_server(tmp_path: Path) -> Iterator[tuple[str, bytes]]:
    """Serve a small fake .task bundle on 127.0.0.1 (a stand-in for the official address)."""
    served = tmp_path / "srv"
    served.mkdir()
    bundle = served / "pose_landmarker_heavy.task"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("pose_detector.tflite", b"d" * 100)
        z.writestr("pose_landmarks_detector.tflite", b"l" * 100)
    data = bundle.read_bytes()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):  # type: ignore[no-untyped-def]
            super().__init__(*a, directory=str(served), **k)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/pose_landmarker_heavy.task", data
    finally:
        srv.shutdown()
        srv.server_close()


def test_heavy_download_checks_sha256(local_server: tuple[str, bytes], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url, data = local_server
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(pose, "HEAVY_SHA256", hashlib.sha256(data).hexdigest())
    p = pose.resolve_model("heavy", heavy_url=url)
    assert p.read_bytes() == data
    assert pose.resolve_model("heavy", heavy_url="http://127.0.0.1:9/unused") == p  # cached: no second download


def test_heavy_download_with_wrong_hash_is_refused_and_not_kept(
    local_server: tuple[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = local_server
    cache = tmp_path / "cache"
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(cache))
    monkeypatch.setattr(pose, "HEAVY_SHA256", "0" * 64)
    with pytest.raises(FormcheckError, match="sha256"):
        pose.resolve_model("heavy", heavy_url=url)
    assert not any(cache.iterdir())


def test_heavy_download_offline_gives_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMCHECK_MODEL_DIR", str(tmp_path / "cache"))
    with socket.socket() as s:  # a port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FormcheckError, match="offline"):
        pose.resolve_model("heavy", heavy_url=f"http://127.0.0.1:{port}/pose_landmarker_heavy.task")
    assert not any((tmp_path / "cache").iterdir())


def test_confidence_out_of_range_is_rejected() -> None:
    with pytest.raises(FormcheckError, match="confidence"):
        pose.PoseEstimator("lite", min_detection_confidence=1.5)


def test_nobody_in_a_blank_frame() -> None:
    with pose.PoseEstimator("lite") as est:
        assert est.process(np.full((240, 320, 3), 128, np.uint8), 0.0) is None


def test_prefetch_keeps_order_and_reraises() -> None:
    assert list(pose.prefetch(iter(range(100)), depth=3)) == list(range(100))

    def boom():  # type: ignore[no-untyped-def]
        yield 1
        raise FormcheckError("decoder broke")

    it = pose.prefetch(boom())
    assert next(it) == 1
    with pytest.raises(FormcheckError, match="decoder broke"):
        next(it)


def test_prefetch_stops_its_thread_when_abandoned() -> None:
    import threading

    it = pose.prefetch(iter(range(10_000)), depth=2)
    next(it)
    it.close()  # type: ignore[attr-defined]
    assert not any(t.name == "formcheck-decode" and t.is_alive() for t in threading.enumerate())


def test_pick_person_follows_the_previous_hips() -> None:
    a = np.zeros((33, 9), np.float32)
    b = np.zeros((33, 9), np.float32)
    a[23:25, :2] = [[0.20, 0.5], [0.22, 0.5]]
    b[23:25, :2] = [[0.70, 0.5], [0.72, 0.5]]
    assert pose.pick_person([a, b], None) == 0  # no history: MediaPipe's first pose
    assert pose.pick_person([a, b], np.array([[0.69, 0.5], [0.71, 0.5]], np.float32)) == 1
    assert pose.pick_person([b, a], np.array([[0.21, 0.5], [0.23, 0.5]], np.float32)) == 1
    assert pose.pick_person([a], np.array([[0.9, 0.9], [0.9, 0.9]], np.float32)) == 0


def test_smoothing_choice_is_recorded() -> None:
    with pose.PoseEstimator("lite") as raw, pose.PoseEstimator("lite", smooth=True) as smooth:
        assert raw.params["mediapipe_smoothing"] is False
        assert smooth.params["mediapipe_smoothing"] is True


def test_crop_box_is_square_around_the_person_and_uncrop_inverts_it() -> None:
    row = np.zeros((33, 9), np.float32)
    row[:, 3] = 1.0
    row[:, 0] = np.linspace(0.40, 0.45, 33)  # a person 0.05 wide, 0.2 high, in a 1000 x 500 frame
    row[:, 1] = np.linspace(0.50, 0.70, 33)
    box = pose.crop_box(row, 1000, 500, margin=0.5)
    assert box is not None
    x0, y0, x1, y1 = box
    assert x1 - x0 == y1 - y0 == 200  # extent 100 px high, grown by half of it on each side
    assert x0 <= 400 and x1 >= 450 and y0 <= 250 and y1 >= 350
    # a pose found in the crop maps back to the frame
    inside = row.copy()
    inside[:, 0] = (row[:, 0] * 1000 - x0) / (x1 - x0)
    inside[:, 1] = (row[:, 1] * 500 - y0) / (y1 - y0)
    back = pose.uncrop(inside, box, 1000, 500)
    np.testing.assert_allclose(back[:, :2], row[:, :2], atol=1e-5)
    # a person filling most of the frame: a crop would not magnify them 2x, no crop
    big = row.copy()
    big[:, 1] = np.linspace(0.05, 0.95, 33)
    big[:, 0] = np.linspace(0.3, 0.7, 33)
    assert pose.crop_box(big, 1000, 500) is None


def test_small_athlete_is_tracked_on_a_crop_with_correct_coordinates() -> None:
    """A rendered athlete pasted small into a large frame: found on crops, landmarks where the truth is."""
    from formcheck.synth.body import build
    from formcheck.synth.command import motion_for
    from formcheck.synth.render import MP_POINTS, RenderOptions, make_scene

    m, _ = motion_for("pogo_hops", hops=2, seed=3)
    cam, scene = make_scene(RenderOptions(fps=30, view="side", width=320, height=240, seed=3, supersample=1))
    # The athlete about 0.4 of a 16:9 frame high, so a crop magnifies them over 2x. Much smaller (a fifth of
    # the frame) and MediaPipe's whole-frame detector never finds them: tracking needs one whole-frame detection.
    big_w, big_h, ox, oy = 800, 450, 400, 150
    tracked, plain = pose.PoseEstimator("full"), pose.PoseEstimator("full", track_s=0.0)
    errs, found_plain = [], 0
    with tracked, plain:
        for i in range(24):
            t = 0.3 + i / 30
            sk = build(m.pose(t))
            kp = cam.project(np.array([sk[name] for name in MP_POINTS.values()]))[0]
            canvas = np.full((big_h, big_w, 3), 120, np.uint8)
            canvas[oy:oy + 240, ox:ox + 320] = scene.render([sk])[:, :, ::-1]  # BGR -> RGB
            row = tracked.process(canvas, t)
            found_plain += plain.process(canvas, t) is not None
            if row is not None:
                xy = row[23:33, :2] * (big_w, big_h) - (ox, oy)
                errs.append(float(np.median(np.linalg.norm(xy - kp[23:33], axis=1))))
    assert tracked.crop_found >= 20
    assert len(errs) >= found_plain
    assert np.median(errs) < 0.04 * 240  # legs within 4 % of the athlete's original frame height


def test_tracked_pass_keeps_both_series_and_crops_around_the_tracked_pose() -> None:
    """With the tracked pass, every frame gives the unsmoothed pose (found on a crop around the tracked one)
    and the tracked, smoothed pose; both where the truth is."""
    from formcheck.synth.body import build
    from formcheck.synth.command import motion_for
    from formcheck.synth.render import MP_POINTS, RenderOptions, make_scene

    m, _ = motion_for("pogo_hops", hops=2, seed=3)
    cam, scene = make_scene(RenderOptions(fps=30, view="side", width=320, height=240, seed=3, supersample=1))
    big_w, big_h, ox, oy = 800, 450, 400, 150
    est = pose.PoseEstimator("full", tracked=True)
    assert est.params["tracked_pass"] is True and est.params["mediapipe_smoothing"] is False
    errs_raw, errs_trk = [], []
    with est:
        for i in range(24):
            t = 0.3 + i / 30
            sk = build(m.pose(t))
            kp = cam.project(np.array([sk[name] for name in MP_POINTS.values()]))[0]
            canvas = np.full((big_h, big_w, 3), 120, np.uint8)
            canvas[oy:oy + 240, ox:ox + 320] = scene.render([sk])[:, :, ::-1]
            row = est.process(canvas, t)
            for r, errs in ((row, errs_raw), (est.last_tracked, errs_trk)):
                if r is not None:
                    xy = r[23:33, :2] * (big_w, big_h) - (ox, oy)
                    errs.append(float(np.median(np.linalg.norm(xy - kp[23:33], axis=1))))
    assert len(errs_raw) >= 20 and len(errs_trk) >= 20
    assert est.crop_found >= 20  # the unsmoothed pass ran on crops around the tracked pose
    assert np.median(errs_raw) < 0.04 * 240 and np.median(errs_trk) < 0.04 * 240


def test_tracked_pass_is_off_when_smoothing_is_on() -> None:
    with pose.PoseEstimator("lite", smooth=True, tracked=True) as est:
        assert est.params["tracked_pass"] is False and est.tracked is False


def test_the_frame_hook_sees_every_decoded_frame_with_its_landmark_row(tmp_path: Path) -> None:
    from formcheck.video import VideoWriter

    clip = tmp_path / "blank.mp4"
    with VideoWriter(clip, 30.0, 160, 120) as wr:
        for i in range(6):
            wr.write(np.full((120, 160, 3), 100 + 10 * i, np.uint8))
    seen: list[tuple[float, tuple[int, ...], bool]] = []
    lm = pose.estimate_video(clip, "lite", on_frame=lambda t, img, row: seen.append((t, img.shape, row is None)))
    assert [s[0] for s in seen] == lm.t.tolist()
    assert all(s[1] == (120, 160, 3) and s[2] for s in seen)  # rgb frames; nobody in them
