"""Harsher paper and scanner effects for the hard profile (``hard.py``).

``degrade.degrade`` calls these only when the render spec asks for them, so
the moderate set, which never does, keeps its bytes. All work on float32
pages (H×W×3 or H×W, 0–255) and draw from the letter's seeded generator.

- ``photocopy``: one or more generations of a copier: strokes spread or
  thinned, optics blur, a steep toner curve, grey output, toner specks, streaks along the feed direction and a dark band where the
  sheet did not cover the glass;
- ``speckle``: scanner dust and drop-outs (salt and pepper);
- ``curl``: the sheet not lying flat in a phone photo (text lines bow);
- ``border_shadow``: the phone's or the hand's shadow over one side of the frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from pipeline.synth.marks import _smooth_noise


def _grey(a: np.ndarray) -> np.ndarray:
    return a @ np.array([0.299, 0.587, 0.114], np.float32) if a.ndim == 3 else a


def _profile(rng: np.random.Generator, n: int, cells: int) -> np.ndarray:
    """Smooth 1-D noise in [-1, 1] of length ``n``."""
    return _smooth_noise(rng, 1, n, cells)[0]


def _toner_curve(g: np.ndarray, threshold: float, softness: float) -> np.ndarray:
    """A copier's toner either sticks or not: a steep sigmoid (ink black, paper white, greys pushed apart)."""
    return 255 / (1 + np.exp(-(g - threshold) / softness))


def _stroke_weight(g: np.ndarray, stroke: float) -> np.ndarray:
    """Fatter (``stroke`` > 0) or thinner strokes: part of the way to the 3×3 minimum or maximum.

    Done on the ink's shape rather than by moving the toner threshold, which
    would also turn a mid-grey fingerprint into a black blot over the name.
    """
    k = np.ones((3, 3), np.uint8)
    other = cv2.erode(g, k) if stroke > 0 else cv2.dilate(g, k)
    return g + 0.6 * abs(stroke) * (other - g)


def _streaks(h: int, w: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Darkening (0–1) of ``n`` toner streaks running down the page, fading in and out."""
    out = np.zeros((h, w), np.float32)
    xs = np.arange(w, dtype=np.float32)
    for _ in range(n):
        x0, width = rng.uniform(0.05, 0.95) * w, rng.uniform(0.6, 2.5) * w / 1240
        across = np.exp(-0.5 * ((xs - x0) / width) ** 2)
        along = np.clip(0.5 + 0.8 * _profile(rng, h, 6), 0, 1) * rng.uniform(0.25, 0.6)
        out += along[:, None] * across[None, :]
    return np.clip(out, 0, 1)


def _edge_band(h: int, w: int, frac: float, rng: np.random.Generator) -> np.ndarray:
    """Darkening (0–1) of a ragged band along one or two page edges (sheet off the glass)."""
    band = np.zeros((h, w), np.float32)
    sides = rng.choice(4, size=int(rng.integers(1, 3)), replace=False)
    for side in sides:
        n, m = (h, w) if side < 2 else (w, h)  # side 0/1: left/right edge, 2/3: top/bottom
        # the sheet's edge is straight but not parallel to the glass; the shadow is a little ragged
        tilt = np.linspace(-1, 1, n, dtype=np.float32) * rng.uniform(-0.4, 0.4)
        depth = frac * m * (1 + tilt + 0.08 * _profile(rng, n, 12))
        d = np.arange(m, dtype=np.float32)
        if side % 2:
            d = d[::-1]
        soft = 0.006 * m
        b = np.clip((depth[:, None] - d[None, :]) / soft + 0.5, 0, 1)
        band = np.maximum(band, b if side < 2 else b.T)
    return band


def _specks(shape: tuple[int, int], per_mpx: float, rng: np.random.Generator) -> np.ndarray:
    """A mask (0–1) of small round specks, ``per_mpx`` per million pixels."""
    h, w = shape
    m = np.zeros((h, w), np.float32)
    n = int(per_mpx * h * w / 1e6)
    for x, y, r in zip(rng.integers(0, w, n), rng.integers(0, h, n), rng.choice([0, 0, 1, 1, 2], n)):
        cv2.circle(m, (int(x), int(y)), int(r), 1.0, -1)
    return cv2.GaussianBlur(m, (0, 0), 0.6)


def photocopy(a: np.ndarray, spec: dict, rng: np.random.Generator) -> np.ndarray:
    """``spec["copies"]`` copier generations of a clean page; returns a grey page as H×W×3.

    ``stroke`` (−1 thin … +1 thick) sets the stroke weight, ``copy_blur`` the
    optics blur in pixels, ``streaks`` the number of toner streaks on the last
    copy, ``border`` the depth of the dark edge band as a fraction of the page.
    """
    g = _grey(a)
    h, w = g.shape
    stroke = float(spec.get("stroke", 0.0))
    for gen in range(int(spec["copies"])):
        g = cv2.GaussianBlur(_stroke_weight(g, stroke), (0, 0), float(spec.get("copy_blur", 0.8)))
        # set to keep a red print as a ridged smudge: darker copies blot out the names
        g = _toner_curve(g, 165 + rng.uniform(-8, 8), 22.0)
        g = g * (1 - 0.5 * _specks((h, w), 40 + 40 * gen, rng))
    if spec.get("streaks"):
        g = g * (1 - _streaks(h, w, int(spec["streaks"]), rng))
    if spec.get("border"):
        g = g * (1 - rng.uniform(0.55, 0.8) * _edge_band(h, w, float(spec["border"]), rng))
    # copier paper is never quite white: a faint haze of toner
    g = g * rng.uniform(0.94, 0.98)
    return np.repeat(g[..., None], 3, axis=2) if a.ndim == 3 else g


def speckle(a: np.ndarray, per_mpx: float, rng: np.random.Generator) -> np.ndarray:
    """Dust (dark specks) at ``per_mpx`` per million pixels, and a third as many drop-outs (light specks)."""
    h, w = a.shape[:2]
    dark, light = _specks((h, w), per_mpx, rng), _specks((h, w), per_mpx / 3, rng)
    if a.ndim == 3:
        dark, light = dark[..., None], light[..., None]
    return a * (1 - 0.8 * dark) + (255 - a) * 0.8 * light


def curl(a: np.ndarray, amount: float, rng: np.random.Generator, fill: float = -1.0) -> np.ndarray:
    """Bow the sheet: rows sag by up to ``amount`` of the page height, more towards one end."""
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = xx / w * 2 - 1
    sag = amount * h * (u ** 2 - 1 / 3) * (0.6 + 0.8 * yy / h if rng.random() < 0.5 else 1.4 - 0.8 * yy / h)
    return cv2.remap(a, xx, yy + sag, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=(fill, fill, fill))


def border_shadow(h: int, w: int, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Multiplier (H×W×1): a soft shadow over a 15–35 % strip along one side of the frame."""
    side = int(rng.integers(4))
    n, m = (h, w) if side < 2 else (w, h)
    reach = rng.uniform(0.15, 0.35) * m * (1 + 0.15 * _profile(rng, n, 4))
    d = np.arange(m, dtype=np.float32)
    if side % 2:
        d = d[::-1]
    s = np.clip((reach[:, None] - d[None, :]) / (0.12 * m), 0, 1) ** 0.8
    s = s if side < 2 else s.T
    return (1 - strength * s)[..., None]
