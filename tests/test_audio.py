"""Cue tones: length, pitch, level and fades of the sine, and the choice of sound output with scripted sound
libraries (no sound card needed): library, terminal bell or silence, never an exception."""

from __future__ import annotations

import builtins
import io
import logging
import sys
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from formcheck.audio import SAMPLE_RATE_HZ, TONES, Audio, tone

FADE_S = 0.005


def _peak_hz(y: NDArray[np.int16], sample_rate_hz: int) -> float:
    spec = np.abs(np.fft.rfft(y.astype(np.float64), n=8 * len(y)))  # zero-padded for a finer peak
    return float(np.fft.rfftfreq(8 * len(y), 1.0 / sample_rate_hz)[np.argmax(spec)])


# --- tone ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("duration_s", "rate", "n"), [(0.03, 44100, 1323), (0.3, 44100, 13230),
                                                       (0.1, 8000, 800), (0.25, 22050, 5512)])
def test_tone_has_the_requested_number_of_samples(duration_s: float, rate: int, n: int) -> None:
    y = tone(440.0, duration_s, rate)
    assert y.shape == (n,) and y.dtype == np.int16


def test_a_zero_length_tone_is_one_silent_sample() -> None:
    y = tone(440.0, 0.0)
    assert y.shape == (1,) and int(y[0]) == 0


@pytest.mark.parametrize("cue", sorted(TONES))
def test_each_cue_tone_peaks_at_its_frequency(cue: str) -> None:
    f, d = TONES[cue]
    y = tone(f, d)
    assert len(y) == round(d * SAMPLE_RATE_HZ)
    assert _peak_hz(y, SAMPLE_RATE_HZ) == pytest.approx(f, abs=0.5 / d)  # half the spectral resolution


def test_tone_frequency_from_zero_crossings_at_another_sample_rate() -> None:
    y = tone(300.0, 0.5, 16000).astype(np.int32)
    nz = y[y != 0]
    crossings = int(np.count_nonzero(np.signbit(nz[1:]) != np.signbit(nz[:-1])))
    assert crossings / (2 * 0.5) == pytest.approx(300.0, abs=2.0)


def test_tone_is_loud_but_never_clips_int16() -> None:
    y = tone(1000.0, 0.2).astype(np.int32)
    assert 0.25 * 32767 < np.max(np.abs(y)) < 32767
    assert abs(int(np.max(y)) + int(np.min(y))) <= 2  # symmetric about zero: no DC offset


def test_tone_fades_in_and_out_over_5_ms() -> None:
    rate = SAMPLE_RATE_HZ
    k = int(FADE_S * rate)
    y = np.abs(tone(1000.0, 0.1, rate).astype(np.int32))
    full = int(y[2 * k:-2 * k].max())
    assert int(y[0]) == 0 and int(y[-1]) == 0  # starts and ends at silence: no click
    head, tail = y[: k // 5], y[-(k // 5):]  # first and last millisecond
    assert head.max() < 0.25 * full and tail.max() < 0.25 * full
    assert y[k:2 * k].max() >= 0.97 * full and y[-2 * k:-k].max() >= 0.97 * full  # full level once faded in
    env = [int(y[i:i + 44].max()) for i in range(0, k - 44, 44)]  # one 1 kHz cycle per window
    assert env == sorted(env)  # rising envelope during the fade-in


def test_a_tone_shorter_than_two_fades_still_starts_and_ends_silent() -> None:
    y = tone(1000.0, 0.004)
    assert len(y) == 176 and int(y[0]) == 0 and int(y[-1]) == 0
    assert np.max(np.abs(y.astype(np.int32))) > 1000


# --- Audio ---------------------------------------------------------------------------------------------------
class FakeStderr(io.StringIO):
    """A stderr that says whether it is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def _sounddevice(has_output: bool = True, fails: bool = False) -> ModuleType:
    """A scripted ``sounddevice``: records ``play`` calls; ``query_devices`` raises when there is no output."""
    mod = ModuleType("sounddevice")
    calls: list[tuple[Any, ...]] = []

    def query_devices(kind: str | None = None) -> dict[str, Any]:
        if not has_output:
            raise ValueError("No output device matching ''")
        return {"name": "fake", "max_output_channels": 2}

    def play(y: NDArray[np.int16], rate: int, blocking: bool = True) -> None:
        calls.append((y, rate, blocking))
        if fails:
            raise RuntimeError("Error opening OutputStream: device unavailable")

    mod.query_devices = query_devices  # type: ignore[attr-defined]
    mod.play = play  # type: ignore[attr-defined]
    mod.calls = calls  # type: ignore[attr-defined]
    return mod


def _simpleaudio() -> ModuleType:
    mod = ModuleType("simpleaudio")
    calls: list[tuple[Any, ...]] = []
    mod.play_buffer = lambda *a: calls.append(a)  # type: ignore[attr-defined]
    mod.calls = calls  # type: ignore[attr-defined]
    return mod


@pytest.fixture
def no_libs(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Neither sound library importable (None in sys.modules makes ``import`` raise ImportError)."""
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    monkeypatch.setitem(sys.modules, "simpleaudio", None)
    return monkeypatch


def _stderr(monkeypatch: pytest.MonkeyPatch, tty: bool) -> FakeStderr:
    err = FakeStderr(tty)
    monkeypatch.setattr(sys, "stderr", err)
    return err


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "formcheck.audio" and r.levelno == logging.WARNING]


def test_no_library_and_no_terminal_is_silent_and_says_so_once(no_libs: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    err = _stderr(no_libs, tty=False)
    with caplog.at_level(logging.INFO, logger="formcheck.audio"):
        audio = Audio("auto")
        for cue in TONES:
            audio.play(cue)  # type: ignore[arg-type]
    assert audio.backend == "none"
    assert err.getvalue() == ""
    msgs = _warnings(caplog)
    assert len(msgs) == 1 and "no sound output" in msgs[0]


def test_no_library_on_a_terminal_rings_the_bell(no_libs: pytest.MonkeyPatch) -> None:
    err = _stderr(no_libs, tty=True)
    audio = Audio("auto")
    assert audio.backend == "bell"
    audio.play("heel")
    audio.play("done")
    assert err.getvalue() == "\a\a"


def test_a_library_that_fails_to_load_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def importer(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "sounddevice":
            raise OSError("PortAudio library not found")  # what sounddevice raises without PortAudio
        if name == "simpleaudio":
            raise ImportError("No module named 'simpleaudio'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", importer)
    err = _stderr(monkeypatch, tty=False)
    audio = Audio("auto")
    audio.play("warn")
    assert audio.backend == "none" and err.getvalue() == ""


def test_sounddevice_without_an_output_device_is_not_used(no_libs: pytest.MonkeyPatch) -> None:
    sd = _sounddevice(has_output=False)
    no_libs.setitem(sys.modules, "sounddevice", sd)
    _stderr(no_libs, tty=False)
    audio = Audio("auto")
    audio.play("go")
    assert audio.backend == "none" and sd.calls == []  # type: ignore[attr-defined]


def test_sounddevice_without_an_output_device_falls_back_to_simpleaudio(no_libs: pytest.MonkeyPatch) -> None:
    no_libs.setitem(sys.modules, "sounddevice", _sounddevice(has_output=False))
    sa = _simpleaudio()
    no_libs.setitem(sys.modules, "simpleaudio", sa)
    audio = Audio("auto")
    assert audio.backend == "simpleaudio"
    audio.play("warn")
    f, d = TONES["warn"]
    assert sa.calls == [(tone(f, d).tobytes(), 1, 2, SAMPLE_RATE_HZ)]  # type: ignore[attr-defined]


def test_sounddevice_plays_the_cue_tone_without_blocking(no_libs: pytest.MonkeyPatch) -> None:
    sd = _sounddevice()
    no_libs.setitem(sys.modules, "sounddevice", sd)
    audio = Audio("auto")
    assert audio.backend == "sounddevice"
    audio.play("go")
    [(y, rate, blocking)] = sd.calls  # type: ignore[attr-defined]
    f, d = TONES["go"]
    np.testing.assert_array_equal(y, tone(f, d))
    assert y.dtype == np.int16 and rate == SAMPLE_RATE_HZ and blocking is False


def test_a_failing_device_turns_sound_off_without_raising(no_libs: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    sd = _sounddevice(fails=True)
    no_libs.setitem(sys.modules, "sounddevice", sd)
    audio = Audio("auto")
    with caplog.at_level(logging.WARNING, logger="formcheck.audio"):
        audio.play("tick")
        audio.play("tick")
        audio.play("done")
    assert audio.backend == "none"
    assert len(sd.calls) == 1  # type: ignore[attr-defined]  # not retried once off
    msgs = _warnings(caplog)
    assert len(msgs) == 1 and "device unavailable" in msgs[0]


def test_off_uses_no_library_and_makes_no_sound(no_libs: pytest.MonkeyPatch) -> None:
    sd = _sounddevice()
    no_libs.setitem(sys.modules, "sounddevice", sd)
    err = _stderr(no_libs, tty=True)
    audio = Audio("off")
    for cue in TONES:
        audio.play(cue)  # type: ignore[arg-type]
    assert audio.backend == "none" and sd.calls == [] and err.getvalue() == ""  # type: ignore[attr-defined]


def test_bell_mode_rings_the_bell_even_with_a_sound_library(no_libs: pytest.MonkeyPatch) -> None:
    sd = _sounddevice()
    no_libs.setitem(sys.modules, "sounddevice", sd)
    err = _stderr(no_libs, tty=True)
    audio = Audio("bell")
    audio.play("heel")
    assert audio.backend == "bell" and err.getvalue() == "\a" and sd.calls == []  # type: ignore[attr-defined]
