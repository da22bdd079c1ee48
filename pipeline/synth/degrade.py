"""Make clean page images look scanned or photographed — moderately.

A letter's ``render`` mapping chooses the treatment; anything it leaves out is
drawn from the letter's seeded generator within moderate bounds:

- ``tone``: paper colour (e.g. "#ece8dc" for grey recycled paper), with faint
  mottling; ``white_clip`` (default on for PNG and TIFF) lifts the paper to
  pure white as scanner software does, which also keeps lossless files small;
- ``skew``: rotation in degrees (default ±0.3–1.2);
- ``blur``: Gaussian sigma in pixels at the output resolution;
- ``noise``: Gaussian sensor noise sigma (grey levels);
- ``photo``: a phone photo — the sheet in slight perspective on a desk, with
  uneven light (``illum``) and a warm cast;
- ``mode``: "L" (grey scan) or "RGB"; bilevel output is made by the TIFF writer
  from ``threshold``.

The hard profile (``hard.py``) adds keys the moderate letters never set, so
their pages come out as before: ``copies`` (photocopy generations, with
``stroke``, ``copy_blur``, ``streaks``, ``border``), ``mottle`` (paper
unevenness), ``speckle``, and for photos ``warp`` (corner jitter), ``curl``
and ``shadow`` (see ``scanfx.py``).
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from pipeline.synth import scanfx
from pipeline.synth.marks import _smooth_noise


def _hex(c: str) -> np.ndarray:
    c = c.lstrip("#")
    return np.array([int(c[i:i + 2], 16) for i in (0, 2, 4)], np.float32)


def _skew(a: np.ndarray, angle: float, fill: np.ndarray) -> np.ndarray:
    h, w = a.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(a, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=tuple(float(v) for v in fill))


def _illumination(h: int, w: int, strength: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth light falloff: brighter near a random point, darker towards the far corner."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.1, 0.5) * h
    dist = np.sqrt(((xx - cx) / w) ** 2 + ((yy - cy) / h) ** 2)
    return (1 - strength * np.clip(dist / 0.9, 0, 1) ** 1.5)[..., None]


def _photo(a: np.ndarray, spec: dict, rng: np.random.Generator) -> np.ndarray:
    """Place the sheet on a desk in slight perspective, as a hand-held phone sees it."""
    h, w = a.shape[:2]
    out_w = int(spec.get("photo_width", round(w * 1.1)))
    out_h = round(out_w * 4 / 3)
    margin = 0.045
    k = float(spec.get("warp", 0.01))
    j = lambda: rng.uniform(-k, k)  # noqa: E731 - corner jitter as a fraction of the frame
    ox, oy = out_w * margin, out_h * margin
    pw, ph = out_w * (1 - 2 * margin), out_w * (1 - 2 * margin) * h / w
    oy = (out_h - ph) / 2
    dst = np.float32([[ox + j() * out_w, oy + j() * out_h], [ox + pw + j() * out_w, oy + j() * out_h],
                      [ox + pw + j() * out_w, oy + ph + j() * out_h], [ox + j() * out_w, oy + ph + j() * out_h]])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    if spec.get("curl"):  # -1 marks the area outside the sheet, as the perspective warp's border does
        a = scanfx.curl(a, float(spec["curl"]), rng, fill=-1.0)
    desk = _hex(spec.get("desk", "#6b5a48"))
    bg = np.empty((out_h, out_w, 3), np.float32)
    bg[:] = desk
    bg *= (1 + 0.08 * _smooth_noise(rng, out_h, out_w, 6))[..., None]
    warped = cv2.warpPerspective(a, m, (out_w, out_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                                 borderValue=(-1, -1, -1))
    sheet = warped[..., :1] >= 0
    res = np.where(sheet, warped, bg)
    res *= _illumination(out_h, out_w, float(spec.get("illum", 0.22)), rng)
    if spec.get("shadow"):
        res *= scanfx.border_shadow(out_h, out_w, float(spec["shadow"]), rng)
    res *= np.array([1.0, 0.975, 0.93], np.float32)  # warm indoor light
    return res


def degrade(img: Image.Image, spec: dict, rng: np.random.Generator, default_white_clip: bool,
            page: int = 0) -> Image.Image:
    a = np.asarray(img.convert("RGB"), np.float32)
    h, w = a.shape[:2]
    if spec.get("copies"):  # the letter received is a photocopy (of a photocopy)
        a = scanfx.photocopy(a, spec, rng)
    tone = _hex(spec.get("tone", "#ffffff"))
    if spec.get("tone"):
        mottle = 1 + float(spec.get("mottle", 0.012)) * _smooth_noise(rng, h, w, 12)[..., None]
        a = a * (tone / 255) * mottle
    if spec.get("photo"):
        a = _photo(a, spec, rng)
        angle = 0.0
    else:
        if "skew" in spec:  # a fed stack of pages: each sheet a little different
            angle = float(spec["skew"]) + (rng.uniform(-0.25, 0.25) if page else 0.0)
        else:
            angle = float(rng.choice([-1, 1]) * rng.uniform(0.3, 1.0))
        a = _skew(a, angle, tone * 0.985)
        if spec.get("illum"):
            a *= _illumination(h, w, float(spec["illum"]), rng)
    sigma_b = float(spec.get("blur", 0.6))
    if sigma_b > 0:
        a = cv2.GaussianBlur(a, (0, 0), sigma_b)
    mode = spec.get("mode", "L")
    if mode == "L":
        a = a @ np.array([0.299, 0.587, 0.114], np.float32)
    noise = float(spec.get("noise", 3.0))
    if noise > 0:
        a = a + rng.normal(0, noise, a.shape).astype(np.float32)
    if spec.get("speckle"):
        a = scanfx.speckle(a, float(spec["speckle"]), rng)
    if spec.get("white_clip", default_white_clip):
        lo, hi = float(spec.get("black_point", 0)), float(spec.get("white_point", 228))
        a = (a - lo) * (255 / (hi - lo))
    out = Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8), "L" if mode == "L" else "RGB")
    out.info["skew"] = angle
    return out


def bilevel(img: Image.Image, threshold: int = 150) -> Image.Image:
    """A fixed-threshold black-and-white page, as a fax-mode scanner makes."""
    g = np.asarray(img.convert("L"))
    return Image.fromarray(np.where(g >= threshold, 255, 0).astype(np.uint8), "L").convert("1")
