"""Short tones for live coaching, on whatever sound output exists.

Tries ``sounddevice`` then ``simpleaudio`` (neither is a dependency: install one for tones); otherwise
falls back to the terminal bell (when stderr is a terminal) or silence, and says so once in the log.
Playing never blocks and never raises: live mode must keep running without sound.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 44100
Cue = Literal["tick", "go", "heel", "warn", "done"]

TONES: dict[str, tuple[float, float]] = {
    "tick": (1000.0, 0.03),  # eccentric count: one click per second
    "go": (1500.0, 0.12),  # eccentric target reached
    "heel": (440.0, 0.18),  # heel touched on a hop
    "warn": (250.0, 0.25),  # lowering too fast / a fault
    "done": (880.0, 0.3),  # target reps reached
}
"""Cue -> (frequency Hz, duration s)."""

AudioMode = Literal["auto", "bell", "off"]


def tone(freq_hz: float, duration_s: float, sample_rate_hz: int = SAMPLE_RATE_HZ) -> NDArray[np.int16]:
    """A sine tone with 5 ms fades (mono int16)."""
    n = max(1, int(round(duration_s * sample_rate_hz)))
    t = np.arange(n) / sample_rate_hz
    y = np.sin(2 * np.pi * freq_hz * t)
    k = min(n // 2, int(0.005 * sample_rate_hz))
    if k > 0:
        ramp = np.linspace(0.0, 1.0, k)
        y[:k] *= ramp
        y[-k:] *= ramp[::-1]
    return (0.4 * 32767 * y).astype(np.int16)


class Audio:
    """Non-blocking cue sounds.

    Parameters
    ----------
    mode : {"auto", "bell", "off"}
        ``auto``: a sound library if installed and a device works, else the terminal bell, else silence.

    Attributes
    ----------
    backend : str
        ``"sounddevice"``, ``"simpleaudio"``, ``"bell"`` or ``"none"``.
    """

    def __init__(self, mode: AudioMode = "auto") -> None:
        self.backend = "none"
        self._mod: Any = None
        self._warned = False
        if mode == "off":
            log.info("audio off")
            return
        if mode == "auto":
            for name in ("sounddevice", "simpleaudio"):
                try:
                    self._mod = __import__(name)
                except Exception:  # ImportError, or OSError when PortAudio/ALSA is missing
                    continue
                if name == "sounddevice" and not self._has_output():
                    self._mod = None
                    continue
                self.backend = name
                log.info("audio cues via %s", name)
                return
        if sys.stderr.isatty():
            self.backend = "bell"
            log.warning("no sound library/device for tones (pip install sounddevice); using the terminal bell")
        else:
            log.warning("no sound output (no sound library/device, stderr is not a terminal): cues are visual only")

    def _has_output(self) -> bool:
        try:
            self._mod.query_devices(kind="output")
            return True
        except Exception:
            return False

    def play(self, cue: Cue) -> None:
        """Start playing ``cue`` and return at once; failures turn the sound off (logged once)."""
        if self.backend == "none":
            return
        try:
            if self.backend == "bell":
                sys.stderr.write("\a")
                sys.stderr.flush()
                return
            f, d = TONES[cue]
            y = tone(f, d)
            if self.backend == "sounddevice":
                self._mod.play(y, SAMPLE_RATE_HZ, blocking=False)
            else:
                self._mod.play_buffer(y.tobytes(), 1, 2, SAMPLE_RATE_HZ)
        except Exception as exc:
            if not self._warned:
                log.warning("audio cue failed (%s); continuing without sound", exc)
                self._warned = True
            self.backend = "none"
