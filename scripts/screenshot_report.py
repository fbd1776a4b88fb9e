"""Render a report page in headless Chromium and save a PNG screenshot.

Usage::

    python scripts/screenshot_report.py OUT_DIR_OR_REPORT_HTML [--png out.png] [--width 1200 --height 2400]
    python scripts/screenshot_report.py --demo contacts|reps|hold [--png out.png]

With a folder, ``report.html`` inside it is used. ``--demo`` renders the test fixtures
(synthetic report + landmarks). Prints a JSON line: the PNG path, its size, and whether the
page's HTML references anything on the network.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

NETWORK_REF = re.compile(
    r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""",
    re.IGNORECASE,
)


def find_chromium() -> str | None:
    """Path of a Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def screenshot(html: Path, png: Path, width: int = 1200, height: int = 2400, timeout_s: float = 60.0) -> Path:
    """Screenshot ``html`` with headless Chromium into ``png``; raises RuntimeError on failure."""
    exe = find_chromium()
    if exe is None:
        raise RuntimeError("chromium not found (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="fc-chromium-") as prof:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={prof}", f"--screenshot={png}",
               f"--window-size={width},{height}", html.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot (exit {proc.returncode}): {proc.stderr[-500:]}")
    return png


def _demo(kind: str, out_dir: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from fixtures.reports import contacts_report, hold_report, reps_report, synthetic_landmarks
    from formcheck import render

    rep = {"contacts": contacts_report, "reps": reps_report, "hold": hold_report}[kind]()
    lm = synthetic_landmarks(rep) if kind != "hold" else None
    path = out_dir / "report.html"
    render.write_html(rep, lm, path)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", nargs="?", type=Path, help="report.html or a folder holding one")
    ap.add_argument("--demo", choices=["contacts", "reps", "hold"])
    ap.add_argument("--png", type=Path, default=Path("report.png"))
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=2400)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="fc-shot-"))
    if a.demo:
        html = _demo(a.demo, tmp)
    elif a.target is not None:
        html = a.target / "report.html" if a.target.is_dir() else a.target
    else:
        ap.error("give a report.html / folder, or --demo")
    text = html.read_text(encoding="utf-8")
    png = screenshot(html, a.png, a.width, a.height)
    print(json.dumps({"html": str(html), "png": str(png), "png_bytes": png.stat().st_size,
                      "network_refs": NETWORK_REF.findall(text), "svg_charts": text.count("<svg")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
