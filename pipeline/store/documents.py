"""The document store: originals kept exactly as received, content-addressed.

A file's address is the SHA-256 of its bytes, so storing the same bytes twice
is a no-op and nothing in the store is ever overwritten or modified. Writes go
to a temporary file in the same folder, are fsynced, then renamed into place:
a crash leaves either the whole file or nothing under its address.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    relative_path: str


def relative_path_for(sha256: str) -> str:
    # Two levels of fan-out keep folders small at millions of letters.
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        return self.root / relative_path_for(sha256)

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def put_file(self, source: Path) -> StoredFile:
        """Copy ``source`` into the store while hashing it, in one pass."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=self.root)
        try:
            with os.fdopen(fd, "wb") as tmp, open(source, "rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    tmp.write(chunk)
                    size += len(chunk)
                tmp.flush()
                os.fsync(tmp.fileno())
            sha = digest.hexdigest()
            final = self.path_of(sha)
            if final.is_file():
                os.unlink(tmp_name)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.chmod(tmp_name, 0o444)  # originals are read-only by construction
                os.replace(tmp_name, final)
            return StoredFile(sha, size, relative_path_for(sha))
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def put_bytes(self, data: bytes) -> StoredFile:
        with tempfile.NamedTemporaryFile(delete=False) as tmp:
            tmp.write(data)
        try:
            return self.put_file(Path(tmp.name))
        finally:
            os.unlink(tmp.name)

    def read_bytes(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
