"""Pinhole camera looking at the athlete from the side, the front or 45°."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from formcheck.types import FormcheckError

VIEWS = ("side", "front", "45")
"""Camera placements: ``side`` sees the athlete's right side (athlete faces image right), ``front`` looks
the athlete in the face, ``45`` is halfway between (front-right)."""


@dataclass(frozen=True)
class Camera:
    """A pinhole camera without lens distortion.

    Attributes
    ----------
    position : (3,) array
        Optical centre in world metres.
    rot : (3, 3) array
        Rows are the camera's right, down and forward unit vectors in world coordinates.
    focal_px : float
        Focal length in pixels (square pixels).
    width, height : int
        Image size (px); the principal point is the image centre.
    """

    position: NDArray[np.float64]
    rot: NDArray[np.float64]
    focal_px: float
    width: int
    height: int

    @property
    def forward(self) -> NDArray[np.float64]:
        return self.rot[2]

    def to_cam(self, pts: NDArray[np.float64]) -> NDArray[np.float64]:
        """World points (..., 3) -> camera coordinates (..., 3); z is the depth along the optical axis (m)."""
        return (np.asarray(pts, float) - self.position) @ self.rot.T

    def project(self, pts: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """World points (..., 3) -> pixel coordinates (..., 2) and depth (...) in metres."""
        c = self.to_cam(pts)
        z = c[..., 2]
        uv = np.stack([self.width / 2 + self.focal_px * c[..., 0] / z,
                       self.height / 2 + self.focal_px * c[..., 1] / z], axis=-1)
        return uv, z

    def ray(self, u: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
        """World direction of the rays through pixels (u, v) (not normalised)."""
        d = np.stack([(u - self.width / 2) / self.focal_px, (v - self.height / 2) / self.focal_px,
                      np.ones_like(u)], axis=-1)
        return d @ self.rot


def look_at(position: NDArray[np.float64], target: NDArray[np.float64], focal_px: float,
            width: int, height: int) -> Camera:
    """A level camera (no roll) at ``position`` aimed at ``target``."""
    fwd = np.asarray(target, float) - np.asarray(position, float)
    fwd /= np.linalg.norm(fwd)
    right = np.cross(fwd, np.array([0.0, 0.0, 1.0]))
    right /= np.linalg.norm(right)
    down = np.cross(fwd, right)
    return Camera(np.asarray(position, float), np.stack([right, down, fwd]), float(focal_px), width, height)


def view_camera(view: str, width: int, height: int, *, distance_m: float = 4.2, height_m: float = 1.0,
                span_m: float = 2.35, target: tuple[float, float, float] = (0.0, 0.0, 0.95),
                azimuth_jitter_deg: float = 0.0) -> Camera:
    """The camera of a named view around an athlete standing at the origin facing +x.

    Parameters
    ----------
    view : {"side", "front", "45"}
    width, height : int
        Image size (px).
    distance_m : float
        Horizontal distance from the target (m).
    height_m : float
        Camera height above the floor (m).
    span_m : float
        Vertical extent of the scene at the target's distance that fills the image height (m); a 1.75 m
        athlete then fills about 1.75 / span_m of the frame.
    target : tuple
        World point at the image centre.
    azimuth_jitter_deg : float
        Extra rotation of the camera about the athlete (deg), for variety.
    """
    az = {"side": -90.0, "front": 0.0, "45": -45.0}.get(view)
    if az is None:
        raise FormcheckError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    a = np.deg2rad(az + azimuth_jitter_deg)
    tgt = np.asarray(target, float)
    pos = tgt + np.array([distance_m * np.cos(a), distance_m * np.sin(a), 0.0])
    pos[2] = height_m
    focal = height * distance_m / span_m
    return look_at(pos, tgt, focal, width, height)
