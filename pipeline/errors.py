"""The exception hierarchy.

Every error a user can cause or meet carries a message meant for that user and
an exit code. The CLI maps them to exit codes at one boundary
(``pipeline.cli.main``); library code raises, never exits.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0
    bad_args = 2
    input_file = 3
    config = 4
    database = 5
    ocr_engine = 6
    missing_dependency = 7
    evaluation = 8
    case_rule = 9
    closure_problems = 10
    internal = 15


class LianmingError(Exception):
    """Base class: a failure with a user-facing message."""

    exit_code = ExitCode.internal

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__doc__ or self.__class__.__name__)

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(LianmingError):
    """The configuration is malformed."""

    exit_code = ExitCode.config

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None) -> None:
        where = " ".join(p for p in (f"in {file}" if file else "", f"at {field}" if field else "") if p)
        super().__init__(f"{message} ({where})" if where else message)
        self.file = file
        self.field = field


class DatabaseError(LianmingError):
    """The database cannot be reached or is at the wrong schema version."""

    exit_code = ExitCode.database


class InputFileError(LianmingError):
    """A file handed in cannot be read as a letter.

    ``reason_code`` is a stable machine-readable code (``corrupt``, ``encrypted``,
    ``empty``, ``unsupported_type``, ``too_large``, ``decompression_bomb``,
    ``unreadable``, ``no_pages``) that quarantine records keep beside the message.
    """

    exit_code = ExitCode.input_file

    def __init__(self, message: str, *, reason_code: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code


class MissingDependencyError(LianmingError):
    """A required external program is not installed."""

    exit_code = ExitCode.missing_dependency


class OcrEngineError(LianmingError):
    """An OCR engine failed on a page."""

    exit_code = ExitCode.ocr_engine


class OcrTimeoutError(OcrEngineError):
    """An OCR engine took longer than allowed on a page."""


class EvaluationError(LianmingError):
    """Evaluation inputs are missing or inconsistent."""

    exit_code = ExitCode.evaluation


class UsageError(LianmingError):
    """A command was given an argument it cannot use."""

    exit_code = ExitCode.bad_args


class CaseRuleError(LianmingError):
    """A case step that the case's state or the policy does not allow (the message says which)."""

    exit_code = ExitCode.case_rule
