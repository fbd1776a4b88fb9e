"""Rasterise the scene with OpenCV: background, props, and the body as shaded capsules in depth order.

Every body part becomes a primitive with a camera depth; primitives are drawn far to near (painter's
algorithm). Capsules are shaded with a few nested, light-shifted layers (dark rim, base, highlight),
which is cheap and gives the limbs the rounded look the pose model expects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.synth.body import Skeleton
from formcheck.synth.camera import Camera

Image = NDArray[np.uint8]
BGR = tuple[int, int, int]

_SHIFT = 4  # sub-pixel bits for cv2 drawing
_SCALE = 1 << _SHIFT
BODY_MARGIN_M = 0.3
"""Margin (m) around a skeleton's points that holds every part drawn around them (the widest capsule radius is
0.15 m)."""
_LIGHT = np.array([-0.45, -0.89])  # image-space direction towards the light (up-left)


@dataclass(frozen=True)
class Look:
    """Colours (BGR) of one athlete and the room."""

    skin: BGR = (120, 160, 215)
    hair: BGR = (30, 40, 60)
    shirt: BGR = (170, 90, 30)
    trousers: BGR = (50, 45, 45)
    shoes: BGR = (40, 40, 200)
    sole: BGR = (235, 235, 235)
    wall: BGR = (200, 210, 215)
    floor: BGR = (110, 140, 170)
    box: BGR = (70, 110, 150)

    @staticmethod
    def from_seed(seed: int) -> Look:
        """A reproducible variation of skin, hair, shirt, trousers, shoes and room colours."""
        rng = np.random.default_rng(seed)
        skins = [(120, 160, 215), (95, 135, 190), (70, 100, 150), (140, 180, 225), (60, 85, 125)]
        shirts = [(170, 90, 30), (40, 60, 190), (60, 150, 60), (40, 150, 220), (140, 60, 140), (160, 160, 40)]
        trousers = [(50, 45, 45), (70, 40, 25), (40, 40, 40), (90, 80, 70)]
        shoes = [(40, 40, 200), (230, 230, 230), (30, 160, 240), (200, 120, 40), (30, 30, 30)]
        walls = [(200, 210, 215), (180, 200, 190), (215, 205, 190), (170, 175, 180)]
        floors = [(110, 140, 170), (90, 100, 110), (80, 120, 150), (120, 120, 115)]

        def pick(xs: list[BGR]) -> BGR:
            return xs[int(rng.integers(len(xs)))]

        return Look(skin=pick(skins), hair=pick([(30, 40, 60), (20, 20, 25), (40, 90, 140)]), shirt=pick(shirts),
                    trousers=pick(trousers), shoes=pick(shoes), wall=pick(walls), floor=pick(floors))


def _scale(c: BGR, k: float) -> BGR:
    return (min(255, int(c[0] * k)), min(255, int(c[1] * k)), min(255, int(c[2] * k)))


def background(cam: Camera, look: Look, seed: int, wall_distance_m: float = 2.2) -> Image:
    """Floor and back wall seen by ``cam``, with a baseboard, tiles and a little texture.

    The wall stands ``wall_distance_m`` behind the origin, perpendicular to the camera's horizontal view.
    """
    h, w = cam.height, cam.width
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    ray = cam.ray(u + 0.5, v + 0.5)
    fwd_h = np.array([cam.forward[0], cam.forward[1], 0.0])
    fwd_h /= np.linalg.norm(fwd_h)
    plane_pt = fwd_h * wall_distance_m
    denom_w = ray @ fwd_h
    with np.errstate(divide="ignore", invalid="ignore"):
        t_wall = ((plane_pt - cam.position) @ fwd_h) / denom_w
        t_floor = -cam.position[2] / ray[..., 2]
    t_wall = np.where(denom_w > 1e-9, t_wall, np.inf)
    t_floor = np.where(ray[..., 2] < -1e-9, t_floor, np.inf)
    on_floor = t_floor < t_wall
    t = np.where(on_floor, t_floor, t_wall)
    t = np.where(np.isfinite(t), t, 50.0)
    hit = cam.position + ray * t[..., None]
    rng = np.random.default_rng(seed + 7919)
    img = np.empty((h, w, 3), np.float64)
    # Wall: vertical gradient, faint noise, a baseboard.
    z = hit[..., 2]
    wall = np.asarray(look.wall, float) * (0.82 + 0.18 * np.clip(z / 3.0, 0, 1))[..., None]
    base = (z < 0.12)[..., None]
    wall = np.where(base, np.asarray(look.wall, float) * 0.55, wall)
    # Floor: planks along the wall with a faint grain, darker with distance.
    side = np.cross(fwd_h, [0.0, 0.0, 1.0])
    a = hit @ side
    b = hit @ fwd_h
    plank = np.floor(b / 0.18)
    shade = 0.85 + 0.1 * np.sin(plank * 12.9898) ** 2 + 0.04 * np.sin(a * 9.0 + plank * 3.1)
    seam = (np.abs(b / 0.18 - np.round(b / 0.18)) < 0.04)
    shade = np.where(seam, shade * 0.8, shade)
    dist = np.linalg.norm(hit - cam.position, axis=-1)
    shade = shade * np.clip(1.15 - dist / 25.0, 0.7, 1.1)
    floor = np.asarray(look.floor, float) * shade[..., None]
    img = np.where(on_floor[..., None], floor, wall)
    img += rng.normal(0.0, 2.5, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


@dataclass
class _Prim:
    depth: float
    draw: Callable[[Image], None]


def _pts(uv: NDArray[np.float64]) -> NDArray[np.int32]:
    return np.round(np.asarray(uv) * _SCALE).astype(np.int32)


def _capsule_2d(img: Image, a: NDArray[np.float64], b: NDArray[np.float64], ra: float, rb: float, col: BGR) -> None:
    d = b - a
    n = float(np.hypot(d[0], d[1]))
    if n > 1e-6:
        perp = np.array([-d[1], d[0]]) / n
        poly = np.array([a + perp * ra, b + perp * rb, b - perp * rb, a - perp * ra])
        cv2.fillConvexPoly(img, _pts(poly), col, cv2.LINE_AA, _SHIFT)
    for c, r in ((a, ra), (b, rb)):
        if r > 0.3:
            cv2.circle(img, tuple(int(x) for x in _pts(c)), round(r * _SCALE), col, -1, cv2.LINE_AA, _SHIFT)


def _shaded_capsule(img: Image, a: NDArray[np.float64], b: NDArray[np.float64], ra: float, rb: float,
                    col: BGR) -> None:
    d = b - a
    n = float(np.hypot(d[0], d[1]))
    perp = np.array([-d[1], d[0]]) / n if n > 1e-6 else np.array([0.0, 0.0])
    lit = perp * float(np.dot(perp, _LIGHT)) if n > 1e-6 else _LIGHT * 0.7
    for k, (s, bright) in enumerate(((1.0, 0.55), (0.86, 0.8), (0.6, 1.0), (0.28, 1.18))):
        off = lit * (1.0 - s) * (ra + rb) * 0.5 * (0.9 if k else 0.0)
        _capsule_2d(img, a + off, b + off, ra * s, rb * s, _scale(col, bright))


def _shaded_disc(img: Image, c: NDArray[np.float64], r: float, col: BGR) -> None:
    for k, (s, bright) in enumerate(((1.0, 0.6), (0.9, 0.82), (0.65, 1.0), (0.3, 1.15))):
        off = _LIGHT * (1.0 - s) * r * 0.6 * (1.0 if k else 0.0)
        cc = c + off
        cv2.circle(img, tuple(int(x) for x in _pts(cc)), round(r * s * _SCALE), _scale(col, bright), -1,
                   cv2.LINE_AA, _SHIFT)


class Scene:
    """Draws skeletons and props for one camera over a fixed background.

    With ``supersample`` k > 1 every frame is drawn k times larger and averaged down over k x k blocks, as a
    camera's pixels integrate the light over their area. OpenCV's anti-aliased polygon fill moves an edge only when
    it crosses about half a pixel: drawn at the frame's own size, the sole of a shoe turning by up to 0.2 degrees
    drew the flat sole's pixels, so slow onsets and ends of a movement were missing from the video
    (docs/validation.md, "The renderer's pixels: slow movements drawn in steps").
    """

    def __init__(self, cam: Camera, look: Look, bg: Image, supersample: int = 1) -> None:
        if supersample < 1:
            raise ValueError(f"supersample must be >= 1, got {supersample}")
        k = int(supersample)
        self.k = k
        self.size = (cam.width, cam.height)
        # drawn at k x: pixel i of the frame is the block k i .. k i + k - 1, whose centre k i + (k - 1) / 2 is where
        # the frame's pixel centre i lands (OpenCV draws integer coordinates at pixel centres)
        self.cam = cam if k == 1 else Camera(cam.position, cam.rot, cam.focal_px * k, cam.width * k + k - 1,
                                            cam.height * k + k - 1)
        self.look = look
        self.bg = bg  # at the frame's size; drawn large it is each pixel repeated k x k (:meth:`_bg_large`)
        self._canvas: Image | None = None  # k > 1: the large canvas, restored and read only where the bodies are
        self._static: tuple[tuple[_Prim, ...], Image] | None = None  # the props and the frame of background + props

    def px(self, p: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
        uv, z = self.cam.project(np.asarray(p, float))
        return uv, float(z)

    def rad(self, r_m: float, depth: float) -> float:
        return self.cam.focal_px * r_m / depth

    def capsule(self, p0: NDArray[np.float64], p1: NDArray[np.float64], r0: float, r1: float, col: BGR,
                bias: float = 0.0) -> _Prim:
        a, za = self.px(p0)
        b, zb = self.px(p1)
        ra, rb = self.rad(r0, za), self.rad(r1, zb)
        return _Prim((za + zb) / 2 + bias, lambda img: _shaded_capsule(img, a, b, ra, rb, col))

    def polygon(self, pts3: list[NDArray[np.float64]], col: BGR, bias: float = 0.0, shade: bool = True) -> _Prim:
        uv, z = self.cam.project(np.asarray(pts3, float))

        def f(img: Image) -> None:
            cv2.fillPoly(img, [_pts(uv)], col, cv2.LINE_AA, _SHIFT)
            if shade:
                cv2.polylines(img, [_pts(uv)], True, _scale(col, 0.6), 1, cv2.LINE_AA, _SHIFT)

        return _Prim(float(np.mean(z)) + bias, f)

    def box(self, lo: NDArray[np.float64], hi: NDArray[np.float64], col: BGR) -> list[_Prim]:
        """An axis-aligned cuboid; only faces turned towards the camera are drawn."""
        x0, y0, z0 = lo
        x1, y1, z1 = hi
        c = [np.array(v, float) for v in ((x0, y0, z0), (x1, y0, z0), (x1, y1, z0), (x0, y1, z0),
                                           (x0, y0, z1), (x1, y0, z1), (x1, y1, z1), (x0, y1, z1))]
        faces = [((4, 5, 6, 7), (0, 0, 1), 1.15), ((0, 1, 5, 4), (0, -1, 0), 0.9), ((2, 3, 7, 6), (0, 1, 0), 0.9),
                 ((1, 2, 6, 5), (1, 0, 0), 0.75), ((3, 0, 4, 7), (-1, 0, 0), 0.75)]
        out = []
        for idx, normal, k in faces:
            centre = np.mean([c[i] for i in idx], axis=0)
            if np.dot(np.asarray(normal, float), self.cam.position - centre) > 0:
                out.append(self.polygon([c[i] for i in idx], _scale(col, k), bias=50.0))
        return out

    def _shadow_ring(self, sk: Skeleton) -> tuple[NDArray[np.float64], float]:
        """The shadow's outline (canvas px) under the skeleton's feet and its strength."""
        feet = (sk["heel_l"] + sk["toe_l"] + sk["heel_r"] + sk["toe_r"]) / 4
        height = max(0.0, float(min(sk["heel_l"][2], sk["toe_l"][2], sk["heel_r"][2], sk["toe_r"][2])))
        radius_m = 0.32 + 0.3 * height
        ang = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        ring = np.stack([feet[0] + radius_m * np.cos(ang), feet[1] + radius_m * 0.6 * np.sin(ang),
                         np.zeros_like(ang)], axis=1)
        return self.cam.project(ring)[0], 0.35 / (1 + 3 * height)

    def shadow(self, img: Image, uv: NDArray[np.float64], strength: float) -> None:
        """Darken the floor inside the outline ``uv`` (canvas px), softly."""
        x0, y0 = np.floor(uv.min(axis=0)).astype(int) - 2
        x1, y1 = np.ceil(uv.max(axis=0)).astype(int) + 2
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, img.shape[1]), min(y1, img.shape[0])
        if x1 <= x0 or y1 <= y0:
            return
        roi = img[y0:y1, x0:x1]
        mask0 = np.zeros(roi.shape[:2], np.uint8)
        cv2.fillPoly(mask0, [_pts(uv - [x0, y0])], 255, cv2.LINE_AA, _SHIFT)
        sigma = max(1.0, (x1 - x0) / 12)
        if self.k == 1:
            mask = cv2.GaussianBlur(mask0, (0, 0), sigma).astype(np.float32)
        else:  # the soft shadow needs no sub-pixel detail: blurred at the frame's scale (a blur k x wide over k^2
            # more pixels was most of a supersampled frame's cost), then brought back up
            h, w = int(y1 - y0), int(x1 - x0)
            small = cv2.resize(mask0, (max(1, -(-w // self.k)), max(1, -(-h // self.k))),
                               interpolation=cv2.INTER_AREA)
            small = cv2.GaussianBlur(small, (0, 0), max(1.0, sigma / self.k))
            mask = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        k = 1.0 - strength * mask[..., None] / 255.0
        img[y0:y1, x0:x1] = (roi * k).astype(np.uint8)

    def body_prims(self, sk: Skeleton) -> list[_Prim]:
        lk = self.look
        p = sk.points
        prims: list[_Prim] = []
        up_t = sk.trunk_rot[:, 2]
        # Torso: one group at the torso's depth so shirt pieces never interleave with the arms.
        torso_parts = [
            (p["pelvis"] + up_t * 0.06, p["neck"] - up_t * 0.1, 0.135, 0.15, lk.shirt),
            (p["shoulder_l"], p["shoulder_r"], 0.065, 0.065, lk.shirt),
            (p["shoulder_l"] - up_t * 0.05, p["hip_l"] + up_t * 0.12, 0.075, 0.08, lk.shirt),
            (p["shoulder_r"] - up_t * 0.05, p["hip_r"] + up_t * 0.12, 0.075, 0.08, lk.shirt),
            (p["hip_l"], p["hip_r"], 0.11, 0.11, lk.trousers),
        ]
        _, tz = self.px((p["pelvis"] + p["neck"]) / 2)
        parts = [self.capsule(a, b, ra, rb, c) for a, b, ra, rb, c in torso_parts]

        def torso(img: Image, parts: list[_Prim] = parts) -> None:
            for q in sorted(parts, key=lambda q: -q.depth):
                q.draw(img)

        prims.append(_Prim(tz, torso))
        prims.append(self.capsule(p["neck"] - up_t * 0.03, p["head"] - sk.head_rot[:, 2] * 0.05, 0.05, 0.05,
                                  lk.skin, bias=0.02))
        for s in ("l", "r"):
            # Legs.
            prims.append(self.capsule(p[f"hip_{s}"], p[f"knee_{s}"], 0.085, 0.06, lk.trousers))
            prims.append(self.capsule(p[f"knee_{s}"], p[f"ankle_{s}"], 0.058, 0.042, lk.trousers))
            prims.extend(self._shoe(sk, s))
            # Arms: sleeve, upper arm, forearm, hand.
            sh, el, wr, hd = p[f"shoulder_{s}"], p[f"elbow_{s}"], p[f"wrist_{s}"], p[f"hand_{s}"]
            arm_parts = [(sh, el, 0.05, 0.042, lk.skin), (sh, sh + (el - sh) * 0.45, 0.062, 0.058, lk.shirt),
                         (el, wr, 0.04, 0.032, lk.skin), (wr, hd, 0.035, 0.03, _scale(lk.skin, 0.95))]
            arm = [self.capsule(a, b, ra, rb, c) for a, b, ra, rb, c in arm_parts]
            _, az = self.px((sh + el) / 2)

            def arm_draw(img: Image, arm: list[_Prim] = arm) -> None:
                for q in arm:
                    q.draw(img)

            prims.append(_Prim(az, arm_draw))
            _, wz = self.px(wr)
            prims.append(_Prim(wz - 0.001, arm[2].draw))
            prims.append(_Prim(wz - 0.001, arm[3].draw))
        prims.append(self._head(sk))
        return prims

    def _shoe(self, sk: Skeleton, s: str) -> list[_Prim]:
        p = sk.points
        heel, toe, up = p[f"heel_{s}"], p[f"toe_{s}"], p[f"footup_{s}"]
        fwd = (toe - heel) / np.linalg.norm(toe - heel)
        side = np.cross(up, fwd)
        outline = [heel, toe, toe + up * 0.035 - fwd * 0.01, toe - fwd * 0.1 + up * 0.07,
                   heel + fwd * 0.1 + up * 0.11, heel + up * 0.1 - fwd * 0.005]
        col = self.look.shoes
        sole_col = self.look.sole
        r = 0.042
        bulk = self.capsule(heel + fwd * r + up * r, toe - fwd * r * 1.2 + up * r * 0.9, r, r * 0.9, col)
        poly_near = self.polygon([q + side * 0.0 for q in outline], col, shade=True)
        sole_strip = self.polygon([heel, toe, toe + up * 0.014, heel + up * 0.016], sole_col, shade=False)

        def shoe(img: Image) -> None:
            bulk.draw(img)
            poly_near.draw(img)
            sole_strip.draw(img)

        _, z = self.px((heel + toe) / 2 + up * 0.04)
        return [_Prim(z, shoe)]

    def _head(self, sk: Skeleton) -> _Prim:
        lk = self.look
        p = sk.points
        hr = sk.head_rot
        r = sk.dims.head_radius
        head = p["head"]
        fwd, up = hr[:, 0], hr[:, 2]
        hair_c, hz = self.px(head - fwd * 0.018 + up * 0.016)
        face_c, fz = self.px(head + fwd * 0.008 - up * 0.01)
        r_hair = self.rad(r * 1.02, hz)
        r_face = self.rad(r * 0.97, fz)
        cam_pos = self.cam.position

        def visible(q: NDArray[np.float64]) -> bool:
            return float(np.dot(q - head, cam_pos - q)) > 0.0

        def draw(img: Image) -> None:
            _shaded_disc(img, hair_c, r_hair, lk.hair)
            _shaded_disc(img, face_c, r_face, lk.skin)
            for ear in ("ear_l", "ear_r"):
                if visible(p[ear]):
                    c, z = self.px(p[ear])
                    cv2.ellipse(img, tuple(int(x) for x in _pts(c)),
                                (int(self.rad(0.018, z) * _SCALE), int(self.rad(0.03, z) * _SCALE)), 0, 0, 360,
                                _scale(lk.skin, 0.8), -1, cv2.LINE_AA, _SHIFT)
            for eye in ("eye_l", "eye_r"):
                if visible(p[eye]):
                    c, z = self.px(p[eye])
                    cv2.circle(img, tuple(int(x) for x in _pts(c)), int(self.rad(0.014, z) * _SCALE),
                               (245, 245, 245), -1, cv2.LINE_AA, _SHIFT)
                    pc, _ = self.px(p[eye] + fwd * 0.006)
                    cv2.circle(img, tuple(int(x) for x in _pts(pc)), int(self.rad(0.008, z) * _SCALE),
                               (40, 30, 20), -1, cv2.LINE_AA, _SHIFT)
                    bw, _ = self.px(p[eye] + up * 0.024 + hr[:, 1] * 0.015)
                    bv, _ = self.px(p[eye] + up * 0.024 - hr[:, 1] * 0.015)
                    cv2.line(img, tuple(int(x) for x in _pts(bw)), tuple(int(x) for x in _pts(bv)), lk.hair,
                             max(1, int(self.rad(0.006, z))), cv2.LINE_AA, _SHIFT)
            if visible(p["nose"]):
                nc, z = self.px(p["nose"])
                base1, _ = self.px(p["nose"] + up * 0.035 - fwd * 0.015)
                base2, _ = self.px(p["nose"] - fwd * 0.02 - up * 0.005)
                tri = np.array([base1, nc, base2])
                cv2.fillConvexPoly(img, _pts(tri), _scale(lk.skin, 0.78), cv2.LINE_AA, _SHIFT)
                cv2.circle(img, tuple(int(x) for x in _pts(nc)), int(self.rad(0.011, z) * _SCALE),
                           _scale(lk.skin, 0.85), -1, cv2.LINE_AA, _SHIFT)
            ml, mr = p["mouth_l"], p["mouth_r"]
            if visible((ml + mr) / 2 + fwd * 0.01):
                a, z = self.px(ml)
                b, _ = self.px(mr)
                cv2.line(img, tuple(int(x) for x in _pts(a)), tuple(int(x) for x in _pts(b)), (60, 60, 150),
                         max(1, round(self.rad(0.008, z))), cv2.LINE_AA, _SHIFT)

        return _Prim(float(fz), draw)

    def _body_box(self, skeletons: list[Skeleton], shadows: list[tuple[NDArray[np.float64], float]]
                  ) -> tuple[int, int, int, int] | None:
        """Frame pixels ``x0, y0, x1, y1`` (end exclusive) that hold everything the skeletons draw (their parts
        with a margin wider than any part's radius, and their ``shadows``); None when a point is behind the camera."""
        w, h = self.size
        boxes = []
        for sk, (ring, _) in zip(skeletons, shadows, strict=True):
            pts = np.array(list(sk.points.values()), float)
            uv, z = self.cam.project(pts)
            if not np.all(z > 0.05):
                return None
            margin = self.cam.focal_px * BODY_MARGIN_M / float(z.min())
            boxes.append(np.concatenate([uv.min(axis=0) - margin, uv.max(axis=0) + margin]))
            boxes.append(np.concatenate([ring.min(axis=0) - 4, ring.max(axis=0) + 4]))
        if not boxes:
            return 0, 0, 0, 0
        b = np.array(boxes)
        k = self.k
        x0 = int(np.clip(np.floor(b[:, 0].min() / k) - 1, 0, w))
        y0 = int(np.clip(np.floor(b[:, 1].min() / k) - 1, 0, h))
        x1 = int(np.clip(np.ceil(b[:, 2].max() / k) + 1, x0, w))
        y1 = int(np.clip(np.ceil(b[:, 3].max() / k) + 1, y0, h))
        return x0, y0, x1, y1

    def _bg_large(self, x0: int = 0, y0: int = 0, x1: int | None = None, y1: int | None = None) -> Image:
        """The background drawn k times larger, over frame pixels ``x0 .. x1``, ``y0 .. y1`` (end exclusive; all of
        it by default): made when needed rather than kept (at 1280x720 and k = 8 it is 177 MB)."""
        k = self.k
        part = self.bg[y0:y1, x0:x1]
        # nearest neighbour at an integer scale repeats each pixel k x k (as np.repeat, several times faster)
        return np.asarray(cv2.resize(part, (part.shape[1] * k, part.shape[0] * k), interpolation=cv2.INTER_NEAREST),
                          np.uint8)

    def _down(self, img: Image) -> Image:
        # frame pixel i is the canvas block k i .. k i + k - 1 (the canvas is the background repeated k x k)
        k = self.k
        h, w = img.shape[0] // k, img.shape[1] // k
        return np.asarray(cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA), np.uint8)

    def _draw(self, img: Image, skeletons: list[Skeleton], shadows: list[tuple[NDArray[np.float64], float]],
              props: list[_Prim]) -> None:
        for ring, strength in shadows:
            self.shadow(img, ring, strength)
        for q in sorted(props, key=lambda q: -q.depth):
            q.draw(img)
        prims: list[_Prim] = []
        for sk in skeletons:
            prims.extend(self.body_prims(sk))
        for q in sorted(prims, key=lambda q: -q.depth):
            q.draw(img)

    def render(self, skeletons: list[Skeleton], props: list[_Prim] | None = None, whole: bool = False) -> Image:
        """Draw props then bodies (far to near) over a copy of the background.

        Supersampled (k > 1), only the box around the bodies and their shadows is drawn large and averaged down;
        the rest of the frame is the background with the props, drawn large once per set of props (the same
        pixels as drawing the whole frame large, ``whole=True``, at a fraction of the cost).
        """
        props = props or []
        shadows = [self._shadow_ring(sk) for sk in skeletons]
        if self.k == 1:
            img = self.bg.copy()
            self._draw(img, skeletons, shadows, props)
            return img
        box = None if whole else self._body_box(skeletons, shadows)
        if box is None:
            img = self._bg_large()
            self._draw(img, skeletons, shadows, props)
            return self._down(img)
        key = tuple(props)  # _Prim compares its depth and its draw function, which is the primitive's own
        if self._static is None or self._static[0] != key:
            big = self._bg_large()
            for q in sorted(props, key=lambda q: -q.depth):
                q.draw(big)
            self._static = (key, self._down(big))
        if self._canvas is None:  # only the body box is ever read, after it is restored from the background: the
            # rest need not hold the background (zeros are not written until drawn on: at 1280x720, k = 8, the
            # whole background drawn large is 177 MB)
            self._canvas = np.zeros((self.bg.shape[0] * self.k, self.bg.shape[1] * self.k, 3), np.uint8)
        k, (x0, y0, x1, y1) = self.k, box
        out = self._static[1].copy()
        if x1 > x0 and y1 > y0:
            canvas = self._canvas
            canvas[k * y0:k * y1, k * x0:k * x1] = self._bg_large(x0, y0, x1, y1)
            self._draw(canvas, skeletons, shadows, props)
            out[y0:y1, x0:x1] = self._down(canvas[k * y0:k * y1, k * x0:k * x1])
        return out
