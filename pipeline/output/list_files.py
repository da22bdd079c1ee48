"""Assignment lists as files: one XLSX (a sheet per unit) and a printable PDF per unit.

The XLSX is for the units' desks (filterable, Chinese headers, fixed column
widths, the header row frozen); the PDF is what gets printed, stamped and
filed. Both are written to a temporary name and renamed.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pipeline.output.assignments import COLUMNS, AssignmentRow, by_unit

# The PDF shows the columns a printed 交办单 needs; provenance stays in the XLSX.
PDF_COLUMNS = ("case_id", "change", "category", "summary", "place", "signatory_count", "representative_name",
               "representative_phone", "risk", "risk_reasons", "ack_due", "result_due", "co_units")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(unit: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = _SHEET_FORBIDDEN.sub("_", unit)[:31] or "unit"
    title, n = base, 2
    while title in used:
        suffix = f"~{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def safe_file_stem(unit: str) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", unit).strip("_") or "unit"


def write_xlsx(rows: list[AssignmentRow], path: Path, *, title_date: date) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for unit, unit_rows in by_unit(rows).items():
        sheet = workbook.create_sheet(sheet_title(unit, used))
        sheet.append([header for _, header, _ in COLUMNS])
        for index, (_, _, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in unit_rows:
            sheet.append([row.values.get(field) for field, _, _ in COLUMNS])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                # Text read from a letter is never a formula: openpyxl would
                # store "=…" (a summary, a name) as one, and Excel would run it.
                if cell.data_type == "f":
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        sheet.oddHeader.center.text = f"交办单 {unit} {title_date.isoformat()}"
    if not workbook.worksheets:
        sheet = workbook.create_sheet("无新交办")
        sheet.append(["本次没有新交办或变更的事项"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    workbook.save(tmp)
    os.replace(tmp, path)
    return path


def write_unit_pdf(unit: str, rows: list[AssignmentRow], path: Path, *, title_date: date, run_id: str | None) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from pipeline.text.archive import cjk_text_font

    font = cjk_text_font()
    body = ParagraphStyle("cell", fontName=font, fontSize=7.5, leading=9.5, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20)
    note = ParagraphStyle("note", fontName=font, fontSize=8.5, leading=11)
    headers = {field: header for field, header, _ in COLUMNS}
    data = [[Paragraph(headers[f], body) for f in PDF_COLUMNS]]
    for row in rows:
        data.append([Paragraph(_escape(row.values.get(f)), body) for f in PDF_COLUMNS])
    # Relative widths (mm on landscape A4 with 8 mm margins: 281 mm), scaled to the frame below so the
    # table never runs off the page. A date, a phone number and a case id each fit on one line.
    widths = [22, 12, 18, 46, 20, 10, 13, 20, 9, 44, 17, 17, 33]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    doc = SimpleDocTemplate(str(tmp), pagesize=landscape(A4), leftMargin=8 * mm, rightMargin=8 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm, title=f"交办单 {unit}", author="Lianming")
    scale = doc.width / sum(widths)
    table = Table(data, colWidths=[w * scale for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    doc.build([
        Paragraph(f"交办单　{_escape(unit)}", title),
        Paragraph(f"日期 {title_date.isoformat()}　共 {len(rows)} 件　流程运行号 {_escape(run_id)}"
                  "　身份证号已脱敏；签名人名单不随单下发（个人信息保护）", note),
        Spacer(1, 4 * mm),
        table,
    ])
    os.replace(tmp, path)
    return path


def _escape(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_assignment_lists(rows: list[AssignmentRow], out_dir: Path, *, title_date: date,
                           run_id: str | None) -> dict[str, Path | list[Path]]:
    """交办单-<date>.xlsx and one 交办单-<date>-<unit>.pdf per unit in ``out_dir``."""
    stem = f"交办单-{title_date.isoformat()}"
    xlsx = write_xlsx(rows, out_dir / f"{stem}.xlsx", title_date=title_date)
    pdfs = [write_unit_pdf(unit, unit_rows, out_dir / f"{stem}-{safe_file_stem(unit)}.pdf",
                           title_date=title_date, run_id=run_id)
            for unit, unit_rows in by_unit(rows).items()]
    return {"xlsx": xlsx, "pdf": pdfs}
