"""The optional ``manifest.csv`` a scanning station writes beside its files.

Columns ``file,received_at,station``. ``file`` is relative to the manifest's
folder. ``received_at`` is ISO 8601; a value without a zone is in the office's
zone. A bad row is reported and ignored (the file then takes its registration
time), never fatal: the letters themselves matter more than their sidecar.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

MANIFEST_NAME = "manifest.csv"


@dataclass(frozen=True)
class ManifestEntry:
    received_at: datetime | None
    station: str | None


@dataclass
class Manifest:
    entries: dict[Path, ManifestEntry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def lookup(self, path: Path) -> ManifestEntry | None:
        return self.entries.get(path.resolve())


def parse_timestamp(value: str, zone: ZoneInfo) -> datetime:
    ts = datetime.fromisoformat(value.strip())
    return ts if ts.tzinfo else ts.replace(tzinfo=zone)


def read_manifest(manifest_path: Path, *, zone: ZoneInfo, into: Manifest | None = None) -> Manifest:
    manifest = into or Manifest()
    folder = manifest_path.parent
    try:
        with open(manifest_path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"file"} - set(reader.fieldnames or [])
            if missing:
                manifest.problems.append(f"{manifest_path}: no 'file' column; manifest ignored")
                return manifest
            for lineno, row in enumerate(reader, start=2):
                name = (row.get("file") or "").strip()
                if not name:
                    manifest.problems.append(f"{manifest_path}:{lineno}: empty file name; row ignored")
                    continue
                received_at = None
                raw_ts = (row.get("received_at") or "").strip()
                if raw_ts:
                    try:
                        received_at = parse_timestamp(raw_ts, zone)
                    except ValueError:
                        manifest.problems.append(
                            f"{manifest_path}:{lineno}: received_at {raw_ts!r} is not ISO 8601; registration time used")
                target = (folder / name).resolve()
                if not target.exists():
                    manifest.problems.append(f"{manifest_path}:{lineno}: lists {name}, which is not there")
                station = (row.get("station") or "").strip() or None
                manifest.entries[target] = ManifestEntry(received_at=received_at, station=station)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        manifest.problems.append(f"{manifest_path}: cannot be read ({exc}); manifest ignored")
    return manifest
