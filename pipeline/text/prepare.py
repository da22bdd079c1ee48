"""Page preparation before OCR: small named steps, each measurable alone.

A step takes and returns a greyscale page (PIL "L") and its dpi. The steps
that run, in order, are configuration (``ocr_prepare``), chosen with
``bench/ocr.py``: a step stays in the default only if it lowers the error
rate on the project's scans.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image, ImageOps

from pipeline.settings import DEFAULT_PREPARE_STEPS

TARGET_DPI = 300

Step = Callable[[Image.Image, int], tuple[Image.Image, int]]


def drop_red_ink(image: Image.Image) -> Image.Image:
    """Greyscale from the red channel: red seals and fingerprints vanish.

    Red ink is bright in the red channel, black ink stays dark, so the marks
    that petitioners press over their names stop hiding the characters.
    """
    if image.mode in ("1", "L", "I;16", "I"):
        return image.convert("L")
    return image.convert("RGB").getchannel("R")


def upscale_to_target(image: Image.Image, dpi: int) -> tuple[Image.Image, int]:
    """Both engines are tuned to about 300 dpi text; 200 dpi scans lose strokes."""
    if dpi >= TARGET_DPI * 0.9:
        return image, dpi
    factor = TARGET_DPI / dpi
    size = (round(image.width * factor), round(image.height * factor))
    return image.resize(size, Image.Resampling.LANCZOS), TARGET_DPI


def _ink_mask(grey: np.ndarray) -> np.ndarray:
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return mask


def estimate_skew(image: Image.Image, *, max_angle: float = 4.0, step: float = 0.1) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal.

    Projection profiles: rows of a correctly rotated page alternate between
    ink and gaps, so the variance of the row sums peaks at the right angle.
    Run on a reduced copy: the angle, not the detail, matters here.
    """
    grey = np.asarray(image.convert("L"))
    scale = 1000 / max(grey.shape)
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    mask = _ink_mask(small)
    h, w = mask.shape
    centre = (w / 2, h / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        return float(np.var(rotated.sum(axis=1, dtype=np.float64)))

    coarse = max(np.arange(-max_angle, max_angle + 1e-9, 0.5), key=score)
    fine = max(np.arange(coarse - 0.5, coarse + 0.5 + 1e-9, step), key=score)
    return float(fine)


def deskew(image: Image.Image, dpi: int) -> tuple[Image.Image, int]:
    angle = estimate_skew(image)
    if abs(angle) < 0.15:
        return image, dpi
    return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255), dpi


def flatten_background(image: Image.Image, dpi: int) -> tuple[Image.Image, int]:
    """Divide out uneven paper, shadows and dark photocopy borders.

    The background is estimated by a closing much larger than a stroke
    (characters vanish from it, shading stays); dividing by it leaves ink on
    an even white page.
    """
    grey = np.asarray(image.convert("L"))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(15, dpi // 10),) * 2)
    background = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, kernel)
    background = cv2.GaussianBlur(background, (0, 0), dpi / 30)
    flat = cv2.divide(grey, np.maximum(background, 1), scale=255)
    return Image.fromarray(flat), dpi


def denoise(image: Image.Image, dpi: int) -> tuple[Image.Image, int]:
    """A 3x3 median removes salt-and-pepper speckle without eating strokes at 300 dpi."""
    return Image.fromarray(cv2.medianBlur(np.asarray(image.convert("L")), 3)), dpi


def binarize(image: Image.Image, dpi: int) -> tuple[Image.Image, int]:
    """Adaptive threshold: local contrast decides ink, so faint copies survive."""
    grey = np.asarray(image.convert("L"))
    block = (dpi // 6) | 1
    out = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 15)
    return Image.fromarray(out), dpi


def rule_mask(grey: np.ndarray, dpi: int) -> np.ndarray:
    """Long horizontal and vertical ink runs: the rules of a table or form."""
    mask = _ink_mask(grey)
    length = max(40, dpi // 3)  # a third of an inch: longer than any character stroke
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    lines = cv2.bitwise_or(horizontal, vertical)
    return cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))


def remove_rules(image: Image.Image, dpi: int) -> tuple[Image.Image, int]:
    """Paint table rules white, so engines stop reading them as | and 一."""
    grey = np.asarray(image.convert("L")).copy()
    grey[rule_mask(grey, dpi) > 0] = 255
    return Image.fromarray(grey), dpi


def _upscale(image: Image.Image, dpi: int) -> tuple[Image.Image, int]:
    return upscale_to_target(image, dpi)


STEPS: dict[str, Step] = {
    "upscale": _upscale,
    "deskew": deskew,
    "flatten": flatten_background,
    "denoise": denoise,
    "binarize": binarize,
    "remove_rules": remove_rules,
}
DEFAULT_STEPS = DEFAULT_PREPARE_STEPS


def prepare_for_ocr(image: Image.Image, dpi: int, steps: tuple[str, ...] | list[str] = DEFAULT_STEPS) -> tuple[Image.Image, int]:
    """EXIF orientation, red ink dropped, then the configured steps in order."""
    image = ImageOps.exif_transpose(image) if image.mode != "1" else image
    page = drop_red_ink(image)
    for name in steps:
        page, dpi = STEPS[name](page, dpi)
    return page, dpi
