"""Rebuild the small test files in this folder (see README.md for provenance).

Run: python tests/resources/make_resources.py
The files are committed; this script documents exactly how each was made.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).parent
LETTERS = HERE / "letters"
TRUTH = HERE / "truth"
BROKEN = HERE / "broken"
PAGES = HERE / "pages"  # single page images for the preparation and layout tests
SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

# The text of each file is kept here and, for the tests, in truth/<name>.txt.
SCAN_LINES = [
    "关于柳河镇新庄村征地补偿款的反映",
    "市信访局：",
    "我村村民四十二户的补偿款至今未发放，",
    "请求尽快调查处理。联系人王德明",
]
SCAN_PAGE_TWO = [
    "附：签名名单",
    "王德明 李秀英 赵国强 陈玉兰",
    "共四十二户签名，名单另附。",
]
PDF_LINES = [
    "关于南湖区新港街道港城社区噪声扰民的联名信",
    "尊敬的领导：港城社区居民反映，附近工地夜间施工，",
    "噪声严重影响休息，恳请有关部门依法查处。",
    "联系人：刘桂芳 电话13905551234",
]


def scan_image(lines: list[str], *, width: int = 1700, dpi: int = 300) -> Image.Image:
    font = ImageFont.truetype(SERIF, 44, index=2)  # index 2: the SC face of the collection
    img = Image.new("RGB", (width, 140 + 80 * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((100, 80 + 80 * i), line, font=font, fill="black")
    # A red fingerprint over the contact's name, as petitioners press them.
    draw.ellipse((1150, 70 + 80 * (len(lines) - 1), 1290, 150 + 80 * (len(lines) - 1)), fill=(215, 60, 60))
    img.info["dpi"] = (dpi, dpi)
    return img


def text_pdf(path: Path, lines: list[str], **kwargs) -> None:
    pdfmetrics.registerFont(TTFont("zenhei", ZENHEI, subfontIndex=0))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1, **kwargs)  # invariant: same bytes every build
    c.setFont("zenhei", 13)
    for i, line in enumerate(lines):
        c.drawString(72, 760 - 22 * i, line)
    c.showPage()
    c.save()


TABLE_ROWS = [
    ["序号", "姓名", "身份证号", "联系电话"],
    ["1", "王德明", "410102195803124417", "13812345678"],
    ["2", "李秀英", "410102196111205025", "13905551234"],
    ["3", "赵国强", "41010219700605301X", "15937120011"],
]


def table_page(rows: list[list[str]]) -> Image.Image:
    """A ruled signature table, a red fingerprint pressed over the second name."""
    font = ImageFont.truetype(SERIF, 40, index=2)
    widths = [120, 220, 560, 360]
    row_h = 80
    img = Image.new("RGB", (sum(widths) + 200, row_h * len(rows) + 200), "white")
    draw = ImageDraw.Draw(img)
    x0, y0 = 100, 100
    for r, row in enumerate(rows):
        x = x0
        for w, text in zip(widths, row):
            draw.text((x + 14, y0 + r * row_h + 18), text, font=font, fill="black")
            x += w
    for r in range(len(rows) + 1):
        draw.line((x0, y0 + r * row_h, x0 + sum(widths), y0 + r * row_h), fill="black", width=3)
    x = x0
    for w in [0, *widths]:
        x += w
        draw.line((x, y0, x, y0 + row_h * len(rows)), fill="black", width=3)
    # The fingerprint: a translucent red oval with ridge-like rings over 李秀英.
    mark = Image.new("RGBA", img.size, (0, 0, 0, 0))
    mdraw = ImageDraw.Draw(mark)
    cx, cy = x0 + 120 + 110, y0 + 2 * row_h + 40
    for k in range(12, 0, -1):
        mdraw.ellipse((cx - 5 * k, cy - 6 * k, cx + 5 * k, cy + 6 * k), outline=(205, 40, 40, 150), width=2)
    img = Image.alpha_composite(img.convert("RGBA"), mark).convert("RGB")
    img.info["dpi"] = (300, 300)
    return img


def png_bomb() -> bytes:
    """A valid, tiny PNG whose header declares 60000 x 60000 pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 60000, 60000, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def main() -> None:
    for folder in (LETTERS, TRUTH, BROKEN):
        folder.mkdir(exist_ok=True)
    img = scan_image(SCAN_LINES)
    img.save(LETTERS / "scan_small.png", dpi=(300, 300))
    (TRUTH / "scan_small.txt").write_text("\n".join(SCAN_LINES) + "\n", encoding="utf-8")
    second = scan_image(SCAN_PAGE_TWO).convert("L")
    img.convert("L").save(LETTERS / "scan_two_pages.tiff", dpi=(300, 300), compression="tiff_lzw", save_all=True,
                          append_images=[second])
    (TRUTH / "scan_two_pages.txt").write_text("\n".join(SCAN_LINES + SCAN_PAGE_TWO) + "\n", encoding="utf-8")
    text_pdf(LETTERS / "text_layer.pdf", PDF_LINES)
    PAGES.mkdir(exist_ok=True)
    table_page(TABLE_ROWS).save(PAGES / "table_fingerprint.png", dpi=(300, 300))
    (TRUTH / "table_fingerprint.txt").write_text("\n".join(" ".join(r) for r in TABLE_ROWS) + "\n", encoding="utf-8")
    (TRUTH / "text_layer.txt").write_text("\n".join(PDF_LINES) + "\n", encoding="utf-8")

    # Broken inputs, one per quarantine reason.
    (BROKEN / "empty.pdf").write_bytes(b"")
    (BROKEN / "notes_not_a_letter.pdf").write_text("这不是一封信，只是一个写错扩展名的文本文件。\n", encoding="utf-8")
    (BROKEN / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    text_pdf(BROKEN / "encrypted.pdf", PDF_LINES, encrypt="secret")
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    (BROKEN / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    (BROKEN / "bomb.png").write_bytes(png_bomb())


if __name__ == "__main__":
    main()
