"""Red marks pressed onto paper: fingerprints (手印) and a round seal (公章).

Both are RGBA rasters (straight alpha) built with numpy from a seed, so they
differ from mark to mark but never from run to run. They are composited by
multiplying, as ink on paper: the text under a mark stays visible.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image, ImageDraw

from pipeline.synth import fonts


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Low-frequency noise in [-1, 1]: a small random grid upscaled bicubically."""
    g = rng.uniform(-1, 1, size=(cells + 3, cells + 3)).astype(np.float32)
    big = cv2.resize(g, (w + 2 * w // cells, h + 2 * h // cells), interpolation=cv2.INTER_CUBIC)
    oy, ox = h // cells, w // cells
    return np.clip(big[oy:oy + h, ox:ox + w], -1, 1)


def _rotate(rgba: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.01:
        return rgba
    im = Image.fromarray(rgba, "RGBA").rotate(angle, resample=Image.BICUBIC, expand=True)
    return np.asarray(im)


def fingerprint(w_px: int, h_px: int, seed: int, angle: float = 0.0) -> np.ndarray:
    """A reddish, semi-transparent fingertip print with ridges (a loop or whorl)."""
    rng = np.random.default_rng(seed)
    w_px, h_px = max(8, w_px), max(10, h_px)
    yy, xx = np.mgrid[0:h_px, 0:w_px].astype(np.float32)
    u = (xx - w_px / 2) / (w_px / 2)
    v = (yy - h_px / 2) / (h_px / 2)
    r = np.sqrt(u ** 2 + v ** 2)
    theta = np.arctan2(v, u)
    edge = 0.93 + 0.05 * np.sin(3 * theta + rng.uniform(0, 6)) + 0.03 * np.sin(7 * theta + rng.uniform(0, 6))
    mask = np.clip((edge - r) / 0.12, 0, 1)
    warp = _smooth_noise(rng, h_px, w_px, 4)
    ridges = rng.uniform(14, 18)  # ridge periods from the core to the edge
    core_v = rng.uniform(-0.45, 0.1)
    if rng.random() < 0.5:  # whorl: near-concentric ellipses around the core
        phase = ridges * np.sqrt((u * 1.15) ** 2 + (v - core_v) ** 2)
    else:  # loop: ridges recurve around the core, flatten towards the tip
        phase = ridges * (np.sqrt(u ** 2 + (v - core_v) ** 2) + 0.25 * (v - core_v) + 0.2 * np.abs(u))
    phase = phase * 2 * math.pi + 2.5 * warp + 1.2 * _smooth_noise(rng, h_px, w_px, 9)
    ridge = (0.5 + 0.5 * np.sin(phase)) ** 1.4
    pressure = np.clip(0.95 - 0.45 * r ** 2 + 0.35 * _smooth_noise(rng, h_px, w_px, 3), 0.1, 1)
    speck = rng.random((h_px, w_px)) > 0.12
    alpha = mask * (0.2 + 0.8 * ridge) * pressure * speck * rng.uniform(0.6, 0.75)
    rgba = np.zeros((h_px, w_px, 4), np.uint8)
    rgba[..., 0] = int(rng.uniform(185, 215))
    rgba[..., 1] = int(rng.uniform(30, 60))
    rgba[..., 2] = int(rng.uniform(40, 70))
    rgba[..., 3] = np.clip(alpha * 255, 0, 255).astype(np.uint8)
    rgba = cv2.GaussianBlur(rgba, (0, 0), max(0.35, w_px / 300))
    return _rotate(rgba, angle)


def _star(cx: float, cy: float, r: float) -> list[tuple[float, float]]:
    pts = []
    for k in range(10):
        rad = r if k % 2 == 0 else r * 0.382
        a = -math.pi / 2 + k * math.pi / 5
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    return pts


def seal(d_px: int, text: str, seed: int, angle: float = 0.0, font: str = "noto_serif_bold") -> np.ndarray:
    """A round red seal: ring, five-pointed star and the name along the upper arc."""
    rng = np.random.default_rng(seed)
    s = max(40, d_px)
    m = Image.new("L", (s, s), 0)
    d = ImageDraw.Draw(m)
    ring = max(2, round(s * 0.035))
    d.ellipse((ring / 2, ring / 2, s - ring / 2, s - ring / 2), outline=255, width=ring)
    d.polygon(_star(s / 2, s / 2, s * 0.16), fill=255)
    n = len(text)
    if n:
        px = round(s * (0.15 if n <= 10 else 0.12))
        f = fonts.pil_font(font, px)
        span = math.radians(min(250, 24 * n + 40))
        for i, ch in enumerate(text):
            a = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
            rr = s / 2 - ring - px * 0.72
            cx, cy = s / 2 + rr * math.cos(a), s / 2 + rr * math.sin(a)
            tile = Image.new("L", (px * 2, px * 2), 0)
            ImageDraw.Draw(tile).text((px, px), ch, font=f, fill=255, anchor="mm")
            tile = tile.rotate(-math.degrees(a + math.pi / 2), resample=Image.BICUBIC)
            m.paste(255, (round(cx - px), round(cy - px)), tile)
    a = np.asarray(m, np.float32) / 255
    ink = np.clip(0.8 + 0.3 * _smooth_noise(rng, s, s, 5) - 0.25 * (rng.random((s, s)) < 0.08), 0, 1)
    rgba = np.zeros((s, s, 4), np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = 205, 32, 42
    rgba[..., 3] = np.clip(a * ink * 0.85 * 255, 0, 255).astype(np.uint8)
    rgba = cv2.GaussianBlur(rgba, (0, 0), max(0.5, s / 400))
    return _rotate(rgba, angle)


def composite(page: np.ndarray, rgba: np.ndarray, cx: float, cy: float) -> None:
    """Multiply ``rgba`` onto ``page`` (H×W×3 uint8, in place), centred at (cx, cy) pixels."""
    h, w = rgba.shape[:2]
    x0, y0 = round(cx - w / 2), round(cy - h / 2)
    px0, py0 = max(0, x0), max(0, y0)
    px1, py1 = min(page.shape[1], x0 + w), min(page.shape[0], y0 + h)
    if px1 <= px0 or py1 <= py0:
        return
    src = rgba[py0 - y0:py1 - y0, px0 - x0:px1 - x0].astype(np.float32)
    a = src[..., 3:4] / 255
    tint = 1 - a * (1 - src[..., :3] / 255)
    region = page[py0:py1, px0:px1].astype(np.float32)
    page[py0:py1, px0:px1] = np.clip(region * tint + 0.5, 0, 255).astype(np.uint8)


def raster(mark, px_per_pt: float) -> np.ndarray:
    """The RGBA raster of a layout ``Mark`` at a given resolution."""
    if mark.kind == "fingerprint":
        return fingerprint(round(mark.w * px_per_pt), round(mark.h * px_per_pt), mark.seed, mark.angle)
    if mark.kind == "seal":
        return seal(round(mark.w * px_per_pt), mark.text, mark.seed, mark.angle)
    raise ValueError(f"unknown mark kind {mark.kind!r}")
