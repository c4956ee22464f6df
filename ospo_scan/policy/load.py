"""Policy files: read TOML, check every key, and report every problem at once."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import ospo_scan
from ospo_scan.errors import InputError, PolicyError
from ospo_scan.model import Scope
from ospo_scan.patterns import PackagePattern, VersionRange
from ospo_scan.policy.model import (
    Level,
    ListName,
    Policy,
    PolicyException,
)

if TYPE_CHECKING:
    from ospo_scan.licenses.curations import Curation

T = TypeVar("T")
KeyPath = tuple[str | int, ...]

LICENSE_LIST_KEYS = ("allow", "review", "deny")
CATEGORY_LIST_KEYS = ("allow-categories", "review-categories", "deny-categories")
LEVEL_KEYS = ("default", "unknown", "unresolved")
SCOPE_KEYS = {"dev": Scope.DEV, "optional": Scope.OPTIONAL}
TOP_KEYS = ("policy", "licenses", "scopes", "exceptions", "curations")
POLICY_KEYS = ("name", "description", "version")
LICENSES_KEYS = (*LICENSE_LIST_KEYS, *CATEGORY_LIST_KEYS, *LEVEL_KEYS, "min-confidence")
EXCEPTION_KEYS = ("purl", "version", "licenses", "reason", "approved-by", "expires")
REQUIRED_EXCEPTION_KEYS = {
    "purl": 'the package it covers, e.g. purl = "pkg:npm/left-pad"',
    "reason": "why the exception is granted",
    "approved-by": "who approved it",
    "expires": "the last day it applies, a TOML date such as expires = 2027-06-30",
}
CURATION_KEYS = ("purl", "version", "license", "reason", "curated-by", "date", "evidence")
REQUIRED_CURATION_KEYS = {
    "purl": 'the packages it corrects, e.g. purl = "pkg:npm/left-pad"',
    "license": 'the true license as an SPDX expression, e.g. license = "MIT OR Apache-2.0"',
    "reason": "why the declared license is wrong",
    "curated-by": "who checked the license",
    "date": "when it was checked, a TOML date such as date = 2025-06-30",
    "evidence": 'a URL or file showing the license, e.g. evidence = ["https://..."]',
}
CURATION_FILE_KEYS = ("curations",)
LEVELS = tuple(level.value for level in Level)
# Words people reach for when they mean a level; suggested in the message.
LEVEL_HINTS = {
    "deny": "error",
    "fail": "error",
    "warn": "warning",
    "review": "warning",
    "allow": "ignore",
    "off": "ignore",
    "none": "ignore",
}

# SPDX 2.3 annex D: a user-defined license is "LicenseRef-" followed by letters, digits, "." or
# "-", optionally prefixed by "DocumentRef-<id>:".
LICENSE_REF = re.compile(
    r"^(DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+$", re.IGNORECASE
)
LICENSE_ENTRY_EXPECTED = 'an SPDX license id, "ID WITH EXCEPTION-ID" or LicenseRef-...'
LICENSE_ITEM = "an SPDX license id"
BUILTIN_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def load_policy(path: Path) -> Policy:
    """Read and check the policy file at ``path``.

    Returns the ``Policy``. Raises ``PolicyError`` listing every problem found (each with the
    file, the line where it could be found, the key path and what was expected), or with one
    problem when the file cannot be read at all.
    """
    shown = str(path)
    try:
        text = _read_toml_text(path, "policy")
    except InputError as exc:
        raise PolicyError([exc], path=shown) from exc
    return parse_policy(text, shown)


def _read_toml_text(path: Path, kind: str) -> str:
    """The text of a TOML file; raises ``InputError`` when it is missing, unreadable or not
    UTF-8 (``kind`` names the file in messages: "policy", "curation")."""
    shown = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"no such {kind} file", path=shown, expected=f"a TOML {kind} file"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read the {kind} file: {exc.strerror or exc}", path=shown) from exc
    try:
        # TOML 1.0: "A TOML file must be a valid UTF-8 encoded Unicode document." Some Windows
        # editors start it with a byte order mark, which tomllib would reject: drop it.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8 ({exc.reason})",
            path=shown,
            line=line,
            expected="a UTF-8 text file",
        ) from exc


def load_curations(path: Path, *, label: str | None = None) -> tuple[Curation, ...]:
    """Read and check a curations file (``[[curations]]`` tables, see docs/policy.md).

    ``label`` names the file in the curations' messages and evidence (default: ``path``).
    Returns the curations in file order. Raises ``PolicyError`` listing every problem, each
    with the file, the line and the key path.
    """
    shown = str(path)
    try:
        text = _read_toml_text(path, "curation")
    except InputError as exc:
        raise PolicyError([exc], path=shown) from exc
    return parse_curations(text, shown, label=label)


def parse_curations(text: str, path: str, *, label: str | None = None) -> tuple[Curation, ...]:
    """Check the curations TOML ``text``; ``path`` names the file in messages and locates
    evidence files given by relative path. Returns the curations; raises ``PolicyError``."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([_syntax_problem(exc, text, path)], path=path) from exc
    checker = _Checker(path, _Locator(text), label=label)
    curations = checker.curations_file(document)
    if checker.problems:
        raise PolicyError(list(checker.problems), path=path)
    return curations


def parse_policy(text: str, path: str) -> Policy:
    """Check the policy TOML ``text``; ``path`` names the file in messages (and ``Policy.path``).

    Returns the ``Policy``; raises ``PolicyError`` listing every problem.
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([_syntax_problem(exc, text, path)], path=path) from exc
    checker = _Checker(path, _Locator(text))
    policy = checker.check(document, default_name=Path(path).stem or "policy")
    if checker.problems:
        raise PolicyError(list(checker.problems), path=path)
    assert policy is not None
    return policy


def builtin_policies_dirs() -> tuple[Path, ...]:
    """Where shipped policies live: inside the installed package, then the checkout's folder."""
    package = Path(ospo_scan.__file__).resolve().parent
    # The wheel carries policies/ as ospo_scan/_policies (pyproject force-include); a checkout
    # or editable install has them in the top-level policies/ folder.
    return (package / "_policies", package.parent / "policies")


def list_builtin_policies() -> tuple[str, ...]:
    """The names of the shipped policies (usable as ``--policy NAME``), sorted."""
    names = {
        found.stem
        for folder in builtin_policies_dirs()
        if folder.is_dir()
        for found in folder.glob("*.toml")
    }
    return tuple(sorted(names))


def builtin_policy_path(name: str = "default") -> Path:
    """The file of the shipped policy ``name`` (e.g. ``default``, ``saas``).

    Raises ``InputError`` naming the available policies when there is no such policy.
    """
    if BUILTIN_NAME.match(name):
        for folder in builtin_policies_dirs():
            candidate = folder / f"{name}.toml"
            if candidate.is_file():
                return candidate
    available = list_builtin_policies()
    close = difflib.get_close_matches(name, available, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    raise InputError(
        f'no policy file or shipped policy named "{name}"{hint}',
        expected=f"a policy file path or one of {', '.join(available) or '(none installed)'}",
    )


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str, path: str) -> InputError:
    # tomllib (Python 3.11) puts the position only into the message: "... (at line 3, column 9)"
    # or "... (at end of document)".
    message = str(exc)
    line: int | None = None
    where = ""
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if match:
        line, where = int(match.group(1)), f" at column {match.group(2)}"
    else:
        match = re.search(r"\s*\(at end of document\)$", message)
        if match:
            line, where = max(1, len(text.splitlines())), " at the end of the file"
    what = message[: match.start()] if match else message
    return InputError(
        f"invalid TOML: {what[:1].lower()}{what[1:]}{where}",
        path=path,
        line=line,
        expected="a TOML document, see docs/policy.md",
    )


def key_text(key: KeyPath) -> str:
    """A key path as users write it: ``licenses.allow[2]``, ``exceptions[1].expires``."""
    text = ""
    for part in key:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            bare = re.fullmatch(r"[A-Za-z0-9_-]+", part)
            shown = part if bare else f'"{part}"'
            text += f".{shown}" if text else shown
    return text


def _type_name(value: object) -> str:
    # The TOML names of the value types tomllib returns (TOML 1.0 spec, section "Keys/Values").
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime):
        return "a date-time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, time):
        return "a time"
    return type(value).__name__  # pragma: no cover - tomllib returns nothing else


def _what(value: object) -> str:
    """``"MIT" is a string``, ``3 is an integer``, ``is a table``: a wrong value, shown."""
    if isinstance(value, bool):
        return f"{str(value).lower()} is a boolean"
    if isinstance(value, str):
        return f'"{value}" is a string'
    if isinstance(value, int | float | date | time):
        shown = value.isoformat() if isinstance(value, date | time) else str(value)
        return f"{shown} is {_type_name(value)}"
    return f"is {_type_name(value)}"


def _did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {choice.casefold(): choice for choice in choices}
        close = difflib.get_close_matches(word.casefold(), list(lowered), n=1, cutoff=0.6)
        close = [lowered[c] for c in close]
    return f'; did you mean "{close[0]}"?' if close else ""


class _Locator:
    """Best-effort line numbers for key paths: tomllib gives none for values.

    Scans the text for table headers (``[licenses]``, the n-th ``[[exceptions]]``) and
    ``key =`` lines under them, and for the n-th string of a multi-line array.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(
        r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
    )
    # One array element: a string, a bare value (number, boolean, date) or a comment.
    _TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'[^']*'|[^\s,\[\]{}#"']+|(#.*)""")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: dict[KeyPath, int] = {}
        self.keys: dict[KeyPath, int] = {}
        self.key_order: list[int] = []
        counts: dict[str, int] = {}
        table: KeyPath = ()
        for number, line in enumerate(self.lines, start=1):
            header = self._HEADER.match(line)
            if header and not self._KEY.match(line):
                name = self._split(header.group(2))
                if header.group(1) == "[[":
                    index = counts.get(".".join(name), 0)
                    counts[".".join(name)] = index + 1
                    table = (*name, index)
                else:
                    table = name
                self.headers.setdefault(table, number)
                self.key_order.append(number)
                continue
            key = self._KEY.match(line)
            if key:
                self.keys.setdefault((*table, *self._split(key.group(1))), number)
                self.key_order.append(number)

    @staticmethod
    def _split(dotted: str) -> tuple[str, ...]:
        parts = re.findall(r""""[^"]*"|'[^']*'|[^.\s]+""", dotted)
        return tuple(part.strip("\"'") for part in parts)

    def line(self, key: KeyPath) -> int | None:
        """The line where ``key`` is written, else where its closest parent is, else None."""
        if key and isinstance(key[-1], int) and key[:-1] in self.keys:
            return self._element_line(key[:-1], key[-1])
        for end in range(len(key), 0, -1):
            prefix = key[:end]
            found = self.keys.get(prefix) or self.headers.get(prefix)
            if found is not None:
                return found
        return None

    def _element_line(self, array: KeyPath, index: int) -> int:
        start = self.keys[array]
        later = [n for n in self.key_order if n > start]
        stop = later[0] if later else len(self.lines) + 1
        seen = 0
        for number in range(start, stop):
            text = self.lines[number - 1]
            if number == start:
                text = text.split("=", 1)[1]
            for token in self._TOKEN.finditer(text):
                if token.group(1) is not None:
                    break  # a comment: the rest of the line is not data
                if seen == index:
                    return number
                seen += 1
        return start


@dataclass
class _Checker:
    """Walks the parsed TOML, collects problems and builds the ``Policy`` when there are none."""

    path: str
    locator: _Locator
    label: str | None = None  # how curations read from this file name it (default: path)

    def __post_init__(self) -> None:
        self.problems: list[InputError] = []
        self.misspelt: set[KeyPath] = set()

    def problem(self, key: KeyPath, message: str, expected: str | None = None) -> None:
        line = self.locator.line(key)
        shown = key_text(key)
        if line is not None and shown:
            # InputError shows the key only when there is no line; name the key anyway.
            message = f"{shown}: {message}"
        self.problems.append(
            InputError(message, path=self.path, line=line, key=shown or None, expected=expected)
        )

    # -- generic shapes -------------------------------------------------------------------

    def table(
        self, document: dict[str, object], key: KeyPath, allowed: tuple[str, ...]
    ) -> dict[str, object]:
        value: object = document
        for part in key:
            assert isinstance(value, dict)
            value = value.get(str(part), {})
        if not isinstance(value, dict):
            example = f"[{key_text(key)}]"
            self.problem(key, _what(value), expected=f"a table, written {example}")
            return {}
        for name in value:
            if name in TOP_KEYS and name not in allowed:
                # TOML: a key belongs to the last [table] header above it.
                self.problem(
                    (*key, name),
                    f'"{name}" is written inside [{key_text(key)}]',
                    expected=f"a top-level key: write {name} = ... above the first [table]",
                )
            elif name not in allowed:
                self.problem(
                    (*key, name),
                    f'unknown key "{name}" in [{key_text(key)}]{_did_you_mean(name, allowed)}',
                    expected=f"one of {', '.join(allowed)}",
                )
        return value

    def string(self, table: dict[str, object], key: KeyPath, expected: str) -> str | None:
        value = table.get(str(key[-1]))
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(key, _what(value), expected=expected)
            return None
        return value

    def strings(
        self, table: dict[str, object], key: KeyPath, item: str, example: str
    ) -> Iterator[tuple[KeyPath, str]]:
        """The strings of the array at ``key`` with their key paths; problems for the rest."""
        value = table.get(str(key[-1]))
        if value is None:
            return
        if not isinstance(value, list):
            self.problem(key, _what(value), expected=f"an array of strings, e.g. {example}")
            return
        for index, element in enumerate(value):
            if isinstance(element, str):
                yield (*key, index), element
            else:
                self.problem((*key, index), _what(element), expected=f"a string: {item}")

    def level(self, table: dict[str, object], key: KeyPath, default: Level) -> Level:
        value = self.string(table, key, expected=f"a string, one of {', '.join(LEVELS)}")
        if value is None:
            return default
        try:
            return Level(value.strip().lower())
        except ValueError:
            hint = LEVEL_HINTS.get(value.strip().lower())
            suggestion = f'; did you mean "{hint}"?' if hint else _did_you_mean(value, LEVELS)
            self.problem(
                key, f'"{value}" is not a level{suggestion}', expected=f"one of {', '.join(LEVELS)}"
            )
            return default

    def _required(
        self,
        table: dict[str, object],
        key: KeyPath,
        check: Callable[[], T | None],
        required: Mapping[str, str] = REQUIRED_EXCEPTION_KEYS,
    ) -> T | None:
        if str(key[-1]) not in table:
            if key in self.misspelt:
                return None
            self.problem(key[:-1], f'missing "{key[-1]}"', expected=required[str(key[-1])])
            return None
        return check()

    # -- the policy -----------------------------------------------------------------------

    def check(self, document: dict[str, object], default_name: str) -> Policy | None:
        for top in document:
            if top not in TOP_KEYS:
                self.problem(
                    (top,),
                    f'unknown key "{top}"{_did_you_mean(top, TOP_KEYS)}',
                    expected=f"the tables {', '.join(TOP_KEYS)}",
                )
        meta = self.table(document, ("policy",), POLICY_KEYS)
        name = self.string(meta, ("policy", "name"), expected="a string")
        description = self.string(meta, ("policy", "description"), expected="a string")
        version = self.string(meta, ("policy", "version"), expected='a string such as "1.2"')
        if name is not None and not name.strip():
            self.problem(("policy", "name"), "is empty", expected="a name for reports")

        licenses = self.table(document, ("licenses",), LICENSES_KEYS)
        lists = self._license_lists(licenses)
        categories = self._category_lists(licenses)
        levels = {key: self.level(licenses, ("licenses", key), Level.ERROR) for key in LEVEL_KEYS}
        scopes_table = self.table(document, ("scopes",), tuple(SCOPE_KEYS))
        scopes = tuple(
            (scope, self.level(scopes_table, ("scopes", key), Level.ERROR))
            for key, scope in SCOPE_KEYS.items()
            if key in scopes_table
        )
        min_confidence = self._min_confidence(licenses)
        exceptions = self._exceptions(document.get("exceptions"))
        curations = self._curations(document.get("curations"), files=True)
        if self.problems:
            return None
        return Policy(
            name=(name or "").strip() or default_name,
            path=self.path,
            description=description,
            version=version,
            allow=lists[ListName.ALLOW],
            review=lists[ListName.REVIEW],
            deny=lists[ListName.DENY],
            allow_categories=categories[ListName.ALLOW],
            review_categories=categories[ListName.REVIEW],
            deny_categories=categories[ListName.DENY],
            default=levels["default"],
            unknown=levels["unknown"],
            unresolved=levels["unresolved"],
            scopes=scopes,
            exceptions=exceptions,
            min_confidence=min_confidence,
            curations=curations,
        )

    def _license_lists(self, licenses: dict[str, object]) -> dict[ListName, tuple[str, ...]]:
        found: dict[ListName, list[str]] = {listed: [] for listed in ListName}
        first: dict[str, ListName] = {}
        for listed in ListName:
            for key, raw in self.strings(
                licenses, ("licenses", listed.value), LICENSE_ITEM, '["MIT", "Apache-2.0"]'
            ):
                entry = self.license_entry(key, raw)
                if entry is None:
                    continue
                other = first.setdefault(entry.casefold(), listed)
                if other is not listed:
                    self.problem(
                        key,
                        f'"{raw}" is already in licenses.{other}',
                        expected="each license in one list only",
                    )
                elif entry not in found[listed]:
                    found[listed].append(entry)
        return {listed: tuple(items) for listed, items in found.items()}

    def _category_lists(self, licenses: dict[str, object]) -> dict[ListName, tuple[str, ...]]:
        from ospo_scan.licenses.categories import CATEGORIES

        usable = tuple(c for c in CATEGORIES if c != "unknown")
        expected = f"one of {', '.join(usable)}"
        found: dict[ListName, list[str]] = {listed: [] for listed in ListName}
        first: dict[str, ListName] = {}
        for listed in ListName:
            list_key = f"{listed.value}-categories"
            for key, raw in self.strings(
                licenses, ("licenses", list_key), "a category name", '["permissive"]'
            ):
                category = raw.strip().lower()
                if category == "unknown":
                    self.problem(
                        key,
                        '"unknown" cannot be listed as a category',
                        expected='the setting unknown = "error" | "warning" | "info" | "ignore"',
                    )
                    continue
                if category not in usable:
                    suggestion = _did_you_mean(raw, usable)
                    self.problem(
                        key, f'"{raw}" is not a license category{suggestion}', expected=expected
                    )
                    continue
                other = first.setdefault(category, listed)
                if other is not listed:
                    self.problem(
                        key,
                        f'"{raw}" is already in licenses.{other}-categories',
                        expected="each category in one list only",
                    )
                elif category not in found[listed]:
                    found[listed].append(category)
        return {listed: tuple(items) for listed, items in found.items()}

    def license_entry(self, key: KeyPath, raw: str) -> str | None:
        """The canonical form of a listed license (``X``, ``X WITH E``, ``LicenseRef-...``)."""
        text = " ".join(raw.split())
        if re.search(r"[()]|\s(AND|OR)\s", text, flags=re.IGNORECASE):
            self.problem(
                key,
                f'"{raw}" is an expression, not a single license',
                expected=f"{LICENSE_ENTRY_EXPECTED}; list each license of an expression on its own",
            )
            return None
        parts = re.split(r"\s+WITH\s+", text, flags=re.IGNORECASE)
        license_id = _license_id(parts[0])
        if license_id is None:
            self.problem(
                key,
                f'"{parts[0] or raw}" is not an SPDX license id{_license_suggestion(parts[0])}',
                expected=LICENSE_ENTRY_EXPECTED,
            )
            return None
        if len(parts) == 1:
            return license_id
        from ospo_scan.licenses.normalize import canonical_exception

        exception = canonical_exception(parts[1]) if len(parts) == 2 else None
        if exception is None:
            self.problem(
                key,
                f'"{" WITH ".join(parts[1:])}" is not an SPDX license exception id'
                f"{_exception_suggestion(parts[1]) if len(parts) == 2 else ''}",
                expected='an SPDX exception id such as "Classpath-exception-2.0" after WITH',
            )
            return None
        return f"{license_id} WITH {exception}"

    def _min_confidence(self, licenses: dict[str, object]) -> float:
        key: KeyPath = ("licenses", "min-confidence")
        value = licenses.get("min-confidence")
        expected = "a number from 0 to 1, e.g. min-confidence = 0.6"
        if value is None:
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, _what(value), expected=expected)
            return 0.0
        if not 0 <= value <= 1:
            self.problem(key, f"{value} is not between 0 and 1", expected=expected)
            return 0.0
        return float(value)

    # -- curations ------------------------------------------------------------------------

    def curations_file(self, document: dict[str, object]) -> tuple[Curation, ...]:
        """The curations of a curations file: only ``[[curations]]`` tables."""
        for top in document:
            if top not in CURATION_FILE_KEYS:
                self.problem(
                    (top,),
                    f'unknown key "{top}" in a curations file'
                    f"{_did_you_mean(top, CURATION_FILE_KEYS)}",
                    expected="only [[curations]] tables",
                )
        if "curations" not in document:
            self.problem((), "no [[curations]] table", expected="at least one [[curations]] table")
            return ()
        return self._curations(document["curations"], files=False)

    def _curations(self, value: object, *, files: bool) -> tuple[Curation, ...]:
        """``[[curations]]`` tables; in a policy also names of curation files, read here."""
        if value is None:
            return ()
        expected = "an array of tables, each written [[curations]]"
        if files:
            expected += ', or of curation file names, curations = ["curations.toml"]'
        if not isinstance(value, list):
            self.problem(("curations",), _what(value), expected=expected)
            return ()
        found: list[Curation] = []
        for index, item in enumerate(value):
            key: KeyPath = ("curations", index)
            if isinstance(item, dict):
                curation = self._curation(index, item)
                if curation is not None:
                    found.append(curation)
            elif isinstance(item, str) and files:
                found.extend(self._curation_file(key, item))
            else:
                self.problem(key, _what(item), expected=expected)
        return tuple(found)

    def _curation_file(self, key: KeyPath, name: str) -> tuple[Curation, ...]:
        """The curations of the file ``name`` (relative to this file); its problems join ours."""
        if not name.strip():
            self.problem(key, "is empty", expected="the path of a curations file")
            return ()
        target = Path(self.path).parent / name.strip()
        shown = str(target)
        try:
            text = _read_toml_text(target, "curation")
            document = tomllib.loads(text)
        except InputError as exc:
            self.problem(
                key,
                f'"{name}": {exc.message} ({shown})',
                expected=exc.expected or "a curations file, named relative to the policy file",
            )
            return ()
        except tomllib.TOMLDecodeError as exc:
            self.problems.append(_syntax_problem(exc, text, shown))
            return ()
        checker = _Checker(shown, _Locator(text))
        curations = checker.curations_file(document)
        self.problems.extend(checker.problems)
        return curations

    def _curation(self, index: int, item: dict[str, object]) -> Curation | None:
        from ospo_scan.licenses.curations import Curation

        key: KeyPath = ("curations", index)
        self._unknown_item_keys(item, key, CURATION_KEYS, "a curation")
        required = REQUIRED_CURATION_KEYS
        package = self._required(item, (*key, "purl"), lambda: self._package(item, key), required)
        license = self._required(
            item, (*key, "license"), lambda: self._expression(item, key), required
        )
        reason = self._required(
            item, (*key, "reason"), lambda: self._text(item, key, "reason", required), required
        )
        curated_by = self._required(
            item,
            (*key, "curated-by"),
            lambda: self._text(item, key, "curated-by", required),
            required,
        )
        curated_on = self._required(item, (*key, "date"), lambda: self._date(item, key), required)
        evidence = self._required(
            item, (*key, "evidence"), lambda: self._evidence(item, key), required
        )
        versions = self._versions(item, key, package)
        if None in (package, license, reason, curated_by, curated_on, evidence):
            return None
        assert package is not None and license is not None and reason is not None
        assert curated_by is not None and curated_on is not None and evidence is not None
        return Curation(
            index=index,
            path=self.label or self.path,
            package=package,
            license=license,
            reason=reason,
            curated_by=curated_by,
            curated_on=curated_on,
            evidence=evidence,
            versions=versions,
            line=self.locator.line(key),
        )

    def _expression(self, item: dict[str, object], key: KeyPath) -> str | None:
        """The curated license: a valid SPDX expression, returned in canonical form."""
        from ospo_scan.licenses.normalize import normalize, parse_expression, render

        expected = 'an SPDX expression, e.g. "MIT", "Apache-2.0 OR MIT" or "LicenseRef-..."'
        raw = self.string(item, (*key, "license"), expected=f"a string: {expected}")
        if raw is None:
            return None
        try:
            return render(parse_expression(raw))
        except ValueError as exc:
            guess = normalize(raw)
            hint = ""
            if guess.expression and guess.method not in ("unrecognized", "ambiguous"):
                hint = f'; did you mean "{guess.expression}"?'
            self.problem((*key, "license"), f"{exc}{hint}", expected=expected)
            return None

    def _date(self, item: dict[str, object], key: KeyPath) -> date | None:
        value = item["date"]
        if isinstance(value, datetime) or not isinstance(value, date):
            self.problem(
                (*key, "date"),
                _what(value),
                expected="a TOML date without quotes, e.g. date = 2025-06-30",
            )
            return None
        return value

    def _evidence(self, item: dict[str, object], key: KeyPath) -> tuple[str, ...] | None:
        """URLs (http/https), package URLs of a file inside a package version
        (``pkg:npm/glob@3.2.11#LICENSE``), or files relative to this file, which must exist."""
        value = item["evidence"]
        entries = [value] if isinstance(value, str) else value
        expected = (
            "a URL, a package URL of the license file (pkg:TYPE/NAME@VERSION#FILE) or a file "
            'path, or an array of them, e.g. evidence = ["https://..."]'
        )
        if not isinstance(entries, list) or not entries:
            shown = "is empty" if entries == [] else _what(value)
            self.problem((*key, "evidence"), shown, expected=expected)
            return None
        found: list[str] = []
        for index, entry in enumerate(entries):
            entry_key: KeyPath = (
                (*key, "evidence", index)
                if isinstance(value, list)
                else (
                    *key,
                    "evidence",
                )
            )
            if not isinstance(entry, str) or not entry.strip():
                shown = _what(entry) if not isinstance(entry, str) else "is empty"
                self.problem(entry_key, shown, expected=expected)
                continue
            text = entry.strip()
            if text.startswith("pkg:"):
                problem = _file_purl_problem(text)
                if problem is not None:
                    self.problem(entry_key, problem, expected=expected)
                    continue
            elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
                if not text.lower().startswith(("https://", "http://")):
                    self.problem(entry_key, f'"{text}" is not an http(s) URL', expected=expected)
                    continue
            elif not (Path(self.path).parent / text).is_file():
                self.problem(
                    entry_key,
                    f'evidence file "{text}" does not exist (looked beside {self.path})',
                    expected=expected,
                )
                continue
            found.append(text)
        return tuple(found) if len(found) == len(entries) else None

    # -- exceptions -----------------------------------------------------------------------

    def _exceptions(self, value: object) -> tuple[PolicyException, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(
                ("exceptions",),
                _what(value),
                expected="an array of tables, each written [[exceptions]]",
            )
            return ()
        found: list[PolicyException] = []
        for index, item in enumerate(value):
            key: KeyPath = ("exceptions", index)
            if not isinstance(item, dict):
                self.problem(key, _what(item), expected="a table, [[exceptions]]")
                continue
            exception = self._exception(index, item)
            if exception is not None:
                found.append(exception)
        return tuple(found)

    def _unknown_item_keys(
        self, item: dict[str, object], key: KeyPath, allowed: tuple[str, ...], what: str
    ) -> None:
        """Report every key of an ``[[exceptions]]``/``[[curations]]`` item not in ``allowed``."""
        for name in item:
            if name in allowed:
                continue
            suggestion = _did_you_mean(name, allowed)
            self.problem(
                (*key, name),
                f'unknown key "{name}" in {what}{suggestion}',
                expected=f"one of {', '.join(allowed)}",
            )
            if suggestion:
                # "approved_by" for "approved-by": one problem, not also a missing key.
                self.misspelt.add((*key, suggestion.split('"')[1]))

    def _exception(self, index: int, item: dict[str, object]) -> PolicyException | None:
        key: KeyPath = ("exceptions", index)
        self._unknown_item_keys(item, key, EXCEPTION_KEYS, "an exception")
        package = self._required(item, (*key, "purl"), lambda: self._package(item, key))
        reason = self._required(item, (*key, "reason"), lambda: self._text(item, key, "reason"))
        approved_by = self._required(
            item, (*key, "approved-by"), lambda: self._text(item, key, "approved-by")
        )
        expires = self._required(item, (*key, "expires"), lambda: self._expires(item, key))
        versions = self._versions(item, key, package)
        licenses = tuple(
            entry
            for entry_key, raw in self.strings(item, (*key, "licenses"), LICENSE_ITEM, '["WTFPL"]')
            if (entry := self.license_entry(entry_key, raw)) is not None
        )
        if package is None or reason is None or approved_by is None or expires is None:
            return None
        return PolicyException(
            index=index,
            package=package,
            reason=reason,
            approved_by=approved_by,
            expires=expires,
            versions=versions,
            licenses=licenses,
        )

    def _package(self, item: dict[str, object], key: KeyPath) -> PackagePattern | None:
        expected = "pkg:TYPE/[NAMESPACE/]NAME[@VERSION], e.g. pkg:npm/left-pad"
        raw = self.string(item, (*key, "purl"), expected=f"a string, {expected}")
        if raw is None:
            return None
        try:
            return PackagePattern.parse(raw.strip())
        except ValueError as exc:
            self.problem((*key, "purl"), f'"{raw}" is not a package URL: {exc}', expected=expected)
            return None

    def _text(
        self,
        item: dict[str, object],
        key: KeyPath,
        name: str,
        required: Mapping[str, str] = REQUIRED_EXCEPTION_KEYS,
    ) -> str | None:
        expected = required[name]
        value = self.string(item, (*key, name), expected=f"a string: {expected}")
        if value is None:
            return None
        if not value.strip():
            self.problem((*key, name), "is empty", expected=expected)
            return None
        return value.strip()

    def _expires(self, item: dict[str, object], key: KeyPath) -> date | None:
        value = item["expires"]
        expected = "a TOML date without quotes, e.g. expires = 2027-06-30"
        if isinstance(value, datetime) or not isinstance(value, date):
            self.problem((*key, "expires"), _what(value), expected=expected)
            return None
        return value

    def _versions(
        self, item: dict[str, object], key: KeyPath, package: PackagePattern | None
    ) -> VersionRange | None:
        expected = 'comparisons joined by commas, e.g. ">=1.0, <2"'
        raw = self.string(item, (*key, "version"), expected=f"a string of {expected}")
        if raw is None:
            return None
        if package is not None and package.version is not None:
            self.problem(
                (*key, "version"),
                f'the purl already pins version "{package.version}"',
                expected="either @VERSION in purl or a version range, not both",
            )
            return None
        try:
            return VersionRange.parse(raw)
        except ValueError as exc:
            self.problem(
                (*key, "version"), f'"{raw}" is not a version range: {exc}', expected=expected
            )
            return None


def _file_purl_problem(text: str) -> str | None:
    """What is wrong with a package URL given as evidence, or ``None``: it must name one
    version and, as its subpath, the file in that version (purl spec: "subpath: extra
    subpath within a package, relative to the package root")."""
    from packageurl import PackageURL

    try:
        purl = PackageURL.from_string(text)
    except ValueError as exc:
        return f'"{text}" is not a package URL: {str(exc).rstrip(".")}'
    if not purl.version or not purl.subpath:
        return f'"{text}" does not name a version and a file (pkg:TYPE/NAME@VERSION#FILE)'
    return None


def _license_id(text: str) -> str | None:
    """The canonical id of one license as a policy names it, or ``None``.

    ``canonical_id`` fixes case and replaces deprecated ids (``GPL-2.0+`` is
    ``GPL-2.0-or-later``); ``X+`` stays ``X+`` where SPDX has no ``X-or-later`` id.
    """
    from ospo_scan.licenses.normalize import canonical_id

    if text.lower().startswith(("licenseref-", "documentref-")):
        # SPDX 2.3 annex D: after the prefix only letters, digits, "." and "-" are allowed;
        # the prefixes have a fixed spelling.
        if not LICENSE_REF.match(text):
            return None
        fixed = re.sub(r"^documentref-", "DocumentRef-", text, flags=re.IGNORECASE)
        return re.sub(r"(^|:)licenseref-", r"\1LicenseRef-", fixed, flags=re.IGNORECASE)
    return canonical_id(text)


def _license_suggestion(text: str) -> str:
    """``; did you mean "X"?`` for a misspelt or informal license name, else ``""``."""
    from ospo_scan.licenses.normalize import canonical_id, normalize

    guess = normalize(text)
    # An informal name the normalizer knows ("Apache 2.0", "GPLv3") maps to one id.
    if (
        guess.expression
        and guess.method in ("spdx", "deprecated", "alias")
        and not LICENSE_REF.match(guess.expression)
        and " " not in guess.expression
    ):
        return f'; did you mean "{guess.expression}"?'
    found = _near_miss(text, canonical_id)
    return f'; did you mean "{found}"?' if found else ""


def _exception_suggestion(text: str) -> str:
    """``; did you mean "X"?`` for a misspelt SPDX exception id, else ``""``."""
    from ospo_scan.licenses.normalize import canonical_exception

    found = _near_miss(text, canonical_exception)
    return f'; did you mean "{found}"?' if found else ""


_SPELLING = "abcdefghijklmnopqrstuvwxyz0123456789.-"


def _near_miss(text: str, lookup: Callable[[str], str | None]) -> str | None:
    """The id ``lookup`` knows that ``text`` is one typo away from, or without a version suffix.

    One typo is one character deleted, swapped with its neighbour, replaced or inserted
    (the edit-distance-1 candidates of a classic spelling corrector); ids are matched without
    regard to case, so lower case suffices.
    """
    word = text.strip().lower()
    if not word or len(word) > 64:
        return None
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    candidates = [a + b[1:] for a, b in splits if b]
    candidates += [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    candidates += [a + c + b[1:] for a, b in splits if b for c in _SPELLING]
    candidates += [a + c + b for a, b in splits for c in _SPELLING]
    # "Beerware-1.0" for "Beerware": a version the id does not have.
    candidates.append(re.sub(r"[-_ ]?v?\d+(\.\d+)*$", "", word))
    for candidate in candidates:
        if candidate and candidate != word:
            found = lookup(candidate)
            if found is not None:
                return found
    return None
