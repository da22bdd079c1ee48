"""Load a policy from a folder of YAML files, or the packaged 明州市 defaults.

A policy folder holds exactly three files: taxonomy.yaml, jurisdiction.yaml
and rules.yaml. Whatever is wrong with them surfaces as one
:class:`~pipeline.errors.ConfigError` naming the file and the field path
(``categories.3.base_risk``) in plain words, because the person fixing a
city's configuration is an administrator, not the author of the models.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from pydantic import ValidationError

from pipeline.config import schema
from pipeline.config.schema import ConfigFieldError, ConfigModel, Policy
from pipeline.errors import ConfigError

DEFAULT_CONFIG_DIR = Path(__file__).parent / "default"
TAXONOMY_FILE, JURISDICTION_FILE, RULES_FILE = "taxonomy.yaml", "jurisdiction.yaml", "rules.yaml"
# Policy fields filled from a whole file; every other Policy field is a section of rules.yaml.
_WHOLE_FILE_SECTIONS = {"taxonomy": TAXONOMY_FILE, "jurisdiction": JURISDICTION_FILE}

# Pattern constraints read as regexes in pydantic's messages; say what they mean.
_PATTERN_IN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "lower-case letters, digits and underscores, starting with a letter",
    r"^\d{2}-\d{2}$": "a month-day written MM-DD, e.g. 03-15",
}


def load_policy(config_dir: Path | None = None) -> Policy:
    """The policy in ``config_dir``; None means the packaged defaults (cached)."""
    if config_dir is None:
        return _load_packaged_policy()
    return _load_policy_from(Path(config_dir))


@functools.cache
def _load_packaged_policy() -> Policy:
    # Every stage asks for the policy; the packaged files cannot change while
    # the process runs, and a frozen Policy is safe to share.
    return _load_policy_from(DEFAULT_CONFIG_DIR)


def _load_policy_from(config_dir: Path) -> Policy:
    if not config_dir.is_dir():
        raise ConfigError("the policy configuration folder does not exist", file=str(config_dir))
    paths = {name: config_dir / name for name in (TAXONOMY_FILE, JURISDICTION_FILE, RULES_FILE)}
    documents = {name: _read_mapping(path) for name, path in paths.items()}
    rules = documents[RULES_FILE]
    for reserved in _WHOLE_FILE_SECTIONS:
        if reserved in rules:
            raise ConfigError(
                f"'{reserved}' cannot be a section of rules.yaml; it has its own file {_WHOLE_FILE_SECTIONS[reserved]}",
                file=str(paths[RULES_FILE]),
                field=reserved,
            )
    merged = {"taxonomy": documents[TAXONOMY_FILE], "jurisdiction": documents[JURISDICTION_FILE], **rules}
    try:
        return Policy.model_validate(merged)
    except ValidationError as exc:
        raise _config_error_from(exc, paths) from exc


# --- reading YAML -------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping.

    Plain YAML keeps the last value silently, so a pasted second ``medium:``
    would quietly replace the first; in a rules file that is always a mistake.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice in the same mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _UniqueKeyLoader.construct_mapping)


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"file is missing; a policy folder must hold {TAXONOMY_FILE}, {JURISDICTION_FILE} and {RULES_FILE}",
            file=str(path),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"file cannot be read as UTF-8 text: {exc}", file=str(path)) from exc
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"file is not valid YAML: {problem}", file=str(path), field=where) from exc
    if not isinstance(data, dict):
        found = "nothing" if data is None else f"a {type(data).__name__}"
        raise ConfigError(f"file must hold a mapping of keys to values, but holds {found}", file=str(path))
    return data


# --- turning validation errors into plain words ---------------------------------


def _config_error_from(exc: ValidationError, paths: dict[str, Path]) -> ConfigError:
    problems = _merge_misspellings([_describe(error, paths) for error in exc.errors()])
    first = problems[0]
    error = ConfigError(first.message, file=first.file, field=first.field)
    if len(problems) > 1:
        # ConfigError puts "(in FILE at FIELD)" after its message; the other
        # problems follow on their own lines so that suffix stays with the first.
        further = "".join(f"\n  - in {p.file} at {p.field}: {p.message}" for p in problems[1:])
        error.args = (f"{error.args[0]}\nfurther problems:{further}",)
    return error


class _Problem(NamedTuple):
    file: str
    field: str | None
    message: str
    kind: str
    key: str  # the last part of the field path


def _merge_misspellings(problems: list[_Problem]) -> list[_Problem]:
    """Report 'departmnet' given + 'department' missing as the one mistake it is."""
    missing = {(p.file, _parent(p.field), p.key): p for p in problems if p.kind == "missing"}
    merged: list[_Problem] = []
    absorbed: set[_Problem] = set()
    for problem in problems:
        if problem.kind == "extra_forbidden":
            siblings = [key for (file, parent, key) in missing if (file, parent) == (problem.file, _parent(problem.field))]
            guess = difflib.get_close_matches(problem.key, siblings, n=1)
            if guess:
                absorbed.add(missing[(problem.file, _parent(problem.field), guess[0])])
                message = f"unknown key '{problem.key}'; did you mean '{guess[0]}'? ('{guess[0]}' is required and missing)"
                problem = problem._replace(message=message)
        merged.append(problem)
    return [p for p in merged if p not in absorbed]


def _parent(field: str | None) -> str:
    return field.rpartition(".")[0] if field else ""


def _describe(error: Any, paths: dict[str, Path]) -> _Problem:
    """Where one pydantic error is (file, field path) and what it means in plain words."""
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, ConfigFieldError):
        loc += cause.path  # model validators report at the model; the cause knows the value
    file_name = _WHOLE_FILE_SECTIONS.get(str(loc[0])) if loc else None
    if file_name is not None:
        loc = loc[1:]
    else:
        file_name = RULES_FILE
    is_key_error = bool(loc) and loc[-1] == "[key]"  # a bad key in a mapping, e.g. by_risk.severe
    if is_key_error:
        loc = loc[:-1]
    field = ".".join(str(part) for part in loc) or None
    message = _plain_message(error, loc, cause, is_key_error)
    return _Problem(str(paths[file_name]), field, message, error["type"], str(loc[-1]) if loc else "")


def _plain_message(error: Any, loc: tuple[Any, ...], cause: Any, is_key_error: bool) -> str:
    kind, given = error["type"], error.get("input")
    last = loc[-1] if loc else None
    if is_key_error and kind == "literal_error":
        return f"key '{last}' is not allowed; expected {error['ctx']['expected']}"
    if is_key_error:
        return f"key '{last}' is not allowed: {error['msg']}"
    if kind == "missing":
        return f"required key '{last}' is missing"
    if kind == "extra_forbidden":
        guess = difflib.get_close_matches(str(last), _known_keys(), n=1)
        hint = f"; did you mean '{guess[0]}'?" if guess else ""
        return f"unknown key '{last}'{hint}"
    if kind == "literal_error":
        return f"'{given}' is not allowed; expected {error['ctx']['expected']}"
    if kind == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        return f"'{given}' is not in the expected form: {_PATTERN_IN_WORDS.get(pattern, pattern)}"
    if cause is not None:
        return str(cause)
    return f"{error['msg']} (found {given!r})"


@functools.cache
def _known_keys() -> tuple[str, ...]:
    """Every key any config model accepts: the vocabulary for 'did you mean'."""
    keys: set[str] = set()
    for name in schema.__all__:
        model = getattr(schema, name)
        if isinstance(model, type) and issubclass(model, ConfigModel):
            keys.update(model.model_fields)
    return tuple(sorted(keys))
