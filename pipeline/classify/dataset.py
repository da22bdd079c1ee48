"""Reading labelled and unlabelled corpora from JSONL.

One JSON object per line. The text of a record is its ``title`` (when present
and non-empty) followed by its text field: a message's title is usually its
most telling sentence, and the tipdm training text already starts with it.
Field names are parameters, and the label set is whatever the file holds, so
the same code trains on the public benchmark and on a city's own corpus; only
when asked does it insist that labels are the city's category codes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import EvaluationError, InputFileError

TITLE_FIELD = "title"


@dataclass(frozen=True)
class Corpus:
    """Texts (title + text) of one JSONL file, with their ids and, if labelled, labels."""

    path: Path
    ids: list[str]
    texts: list[str]
    labels: list[str] | None
    file_sha256: str

    def __len__(self) -> int:
        return len(self.texts)

    def label_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.labels or []).items()))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def corpus_files(path: Path) -> list[Path]:
    """The JSONL files a corpus path names: the file itself, or a folder's ``*.jsonl`` in name order.

    A city keeps its training letters one file per category (easier to review
    and to extend); training takes the folder as one corpus.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if not files:
            raise InputFileError(f"{path}: folder holds no .jsonl files", reason_code="empty")
        return files
    return [path]


def path_sha256(path: Path) -> str:
    """SHA-256 of a corpus file, or of a folder's files (names and contents) in order."""
    files = corpus_files(path)
    if len(files) == 1 and files[0] == Path(path):
        return file_sha256(files[0])
    digest = hashlib.sha256()
    for file in files:
        digest.update(f"{file.name}\0{file_sha256(file)}\n".encode())
    return digest.hexdigest()


def corpus_sha256(texts: Sequence[str], labels: Sequence[str]) -> str:
    """A hash of the (text, label) pairs in order, whatever file they came from.

    The model version names this hash, so two models trained on the same
    examples carry the same data hash even if one file was re-exported with
    other fields or key order.
    """
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(json.dumps([text, label], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; a bad line is an InputFileError."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: no such file", reason_code="unreadable")
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    message = f"{path}:{number}: not valid JSON ({exc.msg})"
                    raise InputFileError(message, reason_code="corrupt") from None
                if not isinstance(record, dict):
                    raise InputFileError(f"{path}:{number}: expected a JSON object", reason_code="corrupt")
                yield number, record
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text", reason_code="corrupt") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})", reason_code="unreadable") from None


def record_text(record: dict, text_field: str, *, where: str) -> str:
    """Title (if any) and text of one record, joined by a newline."""
    text = record.get(text_field)
    if not isinstance(text, str):
        raise InputFileError(f"{where}: field '{text_field}' is missing or not a string", reason_code="corrupt")
    title = record.get(TITLE_FIELD) if text_field != TITLE_FIELD else None
    if isinstance(title, str) and title.strip():
        return f"{title.strip()}\n{text}"
    return text


def read_corpus(path: Path, *, text_field: str = "text", label_field: str | None = "label",
                id_field: str = "id") -> Corpus:
    """Read a JSONL corpus (a file, or a folder of them); ``label_field=None`` reads it unlabelled.

    A record without an id gets its line number, so every output line can
    still be traced back to its input line.
    """
    path = Path(path)
    ids: list[str] = []
    texts: list[str] = []
    labels: list[str] = []
    files = corpus_files(path)
    for file in files:
        for number, record in iter_jsonl(file):
            where = f"{file}:{number}"
            texts.append(record_text(record, text_field, where=where))
            ids.append(str(record.get(id_field, number if len(files) == 1 else f"{file.stem}:{number}")))
            if label_field is not None:
                labels.append(_label_of(record, label_field, where=where))
    if not texts:
        raise InputFileError(f"{path}: holds no records", reason_code="empty")
    return Corpus(path=path, ids=ids, texts=texts, labels=labels if label_field is not None else None,
                  file_sha256=path_sha256(path))


def _label_of(record: dict, label_field: str, *, where: str) -> str:
    label = record.get(label_field)
    if not isinstance(label, str | int) or isinstance(label, bool) or str(label).strip() == "":
        raise InputFileError(f"{where}: field '{label_field}' is missing or empty", reason_code="corrupt")
    return str(label).strip()


def check_labels_in_taxonomy(labels: Sequence[str], category_codes: Sequence[str], *, source: str = "") -> None:
    """Refuse labels that are not category codes of the city's taxonomy.

    A city corpus labelled with a typo (``land_aquisition``) or with last
    year's codes would otherwise train a model that predicts categories the
    routing stage cannot look up.
    """
    known = set(category_codes)
    unknown = sorted(set(labels) - known)
    if unknown:
        shown = ", ".join(unknown[:10]) + (" ..." if len(unknown) > 10 else "")
        prefix = f"{source}: " if source else ""
        raise EvaluationError(
            f"{prefix}{len(unknown)} label(s) are not category codes of the policy taxonomy: {shown}"
            f" (known codes: {', '.join(category_codes)})"
        )
