"""Shared test fixtures: paths to the repository, its samples and the shared footage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GLOG_minloglevel", "2")

REPO = Path(__file__).resolve().parents[1]
FOOTAGE = REPO.parent / "shared" / "footage"
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def footage() -> Path:
    """The shared real footage folder (skips the test when it is absent)."""
    if not FOOTAGE.is_dir():
        pytest.skip("../shared/footage not present")
    return FOOTAGE
