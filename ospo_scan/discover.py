"""Find the lockfiles under the paths a user gives, without following links or reading files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from ospo_scan.errors import InputError
from ospo_scan.sources import UNSUPPORTED, parser_for, sniff
from ospo_scan.sources.base import LockfileParser

# Folders that hold installed or generated copies of dependencies, or VCS data: the lockfiles
# inside them describe someone else's project, not this one.
SKIP_DIRS = frozenset(
    {
        "node_modules",
        ".venv",
        "venv",
        ".git",
        ".hg",
        ".svn",
        "vendor",
        "dist",
        "build",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".yarn",
        "bower_components",
    }
)


def discover(
    paths: Sequence[Path], exclude: Sequence[str] = ()
) -> tuple[list[tuple[Path, LockfileParser]], list[InputError]]:
    """Return the lockfiles found (with the parser that claims each) and the paths that failed.

    A file is taken as given and must be a supported lockfile; a directory is walked, skipping
    ``SKIP_DIRS``, symbolic links to directories, and folders or files whose path relative to
    the walked directory (or whose name) matches an ``exclude`` glob (``tests/fixtures``,
    ``*/testdata``). Results are sorted and de-duplicated.
    """
    found: dict[Path, LockfileParser] = {}
    errors: list[InputError] = []
    for path in paths:
        if path.is_file():
            parser = parser_for(path, explicit=True) or sniff(path)
            if path.name in UNSUPPORTED:
                errors.append(_unsupported(path))
            elif parser is None:
                errors.append(
                    InputError(
                        "not a supported lockfile",
                        path=str(path),
                        expected="a lockfile such as package-lock.json, uv.lock or poetry.lock",
                    )
                )
            else:
                found.setdefault(path, parser)
        elif path.is_dir():
            walk_errors: list[OSError] = []
            for file_path, parser in _walk(path, walk_errors.append, exclude):
                if parser is None:
                    errors.append(_unsupported(file_path))
                else:
                    found.setdefault(file_path, parser)
            errors.extend(
                InputError(
                    f"cannot read directory: {e.strerror or e}", path=str(e.filename or path)
                )
                for e in walk_errors
            )
        elif path.exists():
            errors.append(InputError("not a regular file or directory", path=str(path)))
        else:
            errors.append(InputError("no such file or directory", path=str(path)))
    return sorted(found.items(), key=lambda item: str(item[0])), errors


def _unsupported(path: Path) -> InputError:
    problem, expected, _ = UNSUPPORTED[path.name]
    return InputError(problem, path=str(path), expected=expected)


def _walk(
    root: Path, on_error: Callable[[OSError], None], exclude: Sequence[str]
) -> Iterable[tuple[Path, LockfileParser | None]]:
    """Lockfiles below ``root`` with their parser; ``None`` for an unsupported one."""

    def excluded(relative: str, name: str) -> bool:
        return any(fnmatchcase(relative, p) or fnmatchcase(name, p) for p in exclude)

    for folder, dirnames, filenames in os.walk(root, onerror=on_error):
        base = Path(folder)
        prefix = base.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        dirnames[:] = sorted(
            d for d in dirnames if d not in SKIP_DIRS and not excluded(prefix + d, d)
        )
        names = set(filenames)
        for name in filenames:
            file_path = base / name
            if name in UNSUPPORTED:
                if UNSUPPORTED[name][2] not in names and not excluded(prefix + name, name):
                    yield file_path, None
                continue
            parser = parser_for(file_path)
            if parser is None or file_path.is_symlink() or excluded(prefix + name, name):
                continue
            yield file_path, parser
