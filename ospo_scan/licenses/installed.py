"""Installed metadata beside the lockfile: node_modules package.json, site-packages METADATA.

A developer's checkout usually has its dependencies installed next to the lockfile. Their
metadata is what the registry would answer, already on disk, so the chain reads it before
asking the network (DESIGN.md, resolution chain step 3). Only files are read: nothing of the
scanned project is imported, executed or installed.

* npm: ``<lockfile dir>/node_modules/<name>/package.json`` (for package-lock v2+ entries, the
  exact ``node_modules/...`` folder the lockfile names; for pnpm also the
  ``node_modules/.pnpm/<name>@<version>/node_modules/<name>`` store folder). The document is
  read the way the npm resolver reads the registry's (``license``, legacy ``licenses``,
  ``SEE LICENSE IN <file>``, the license files and README for a package that names none).
* PyPI: ``*.dist-info/METADATA`` in the site-packages of a virtual environment beside the
  lockfile (``.venv``, ``venv``, ``env``; POSIX and Windows layouts), checked against the
  ``.dist-info`` license files exactly as the PyPI resolver checks a wheel's.

An installed copy counts only when its name and version are the component's: a stale
node_modules or venv must not answer for another version. Files are only followed while their
real path stays inside the lockfile's folder (a symlink in an untrusted checkout cannot make
the scan read ``/etc``), and each read is capped in size.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ospo_scan.model import Component, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.resolve import Answer, ChainRun

logger = logging.getLogger(__name__)

SOURCE = "installed"
MAX_DOCUMENT_BYTES = 1024 * 1024  # a package.json or METADATA larger than this is not metadata
MAX_LICENSE_TEXT = 256 * 1024
MAX_LICENSE_FILES = 4
# Virtual environment folders looked for beside a Python lockfile (uv, poetry, pdm and
# pipenv with PIPENV_VENV_IN_PROJECT create ".venv"; "venv" and "env" are the usual manual
# names).
VENV_NAMES = (".venv", "venv", "env")
_PACKAGES_KEY = re.compile(r'^packages\["(?P<folder>(?:[^"\\]|\\.)*)"\]$')
_NPM_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")


@dataclass
class _Root:
    """One lockfile folder: its real path, and the installed Python distributions found in
    its virtual environments (built on first use)."""

    folder: Path
    real: str
    dists: dict[tuple[str, str], Path] | None = None
    node_modules: bool | None = None  # whether the folder has node_modules (checked once)

    def has_node_modules(self) -> bool:
        if self.node_modules is None:
            self.node_modules = os.path.isdir(self.folder / "node_modules")
        return self.node_modules


@dataclass
class _Finder:
    """Looks up installed copies; remembers what it learned about each lockfile folder."""

    roots: dict[str, _Root | None] = field(default_factory=dict)

    def root(self, lockfile: str) -> _Root | None:
        folder = Path(lockfile).parent
        key = str(folder)
        if key not in self.roots:
            try:
                real = os.path.realpath(folder)
            except OSError:
                self.roots[key] = None
            else:
                self.roots[key] = _Root(folder, real) if os.path.isdir(real) else None
        return self.roots[key]


class InstalledStep:
    """Step 3 of the chain: installed metadata beside the lockfile (see the module doc)."""

    name = "installed"
    network = False
    overrides = False

    def __call__(self, components: Sequence[Component], run: ChainRun) -> dict[str, Answer]:
        from ospo_scan.licenses.resolve import Answer

        finder = _Finder()
        said: dict[str, Answer] = {}
        for component in components:
            note = _not_looked_up(component)
            if note is not None:
                said[component.purl] = Answer(None, note=note)
                continue
            try:
                resolution = _resolve(finder, component)
            except Exception:  # one odd folder must not sink the scan; the chain goes on
                logger.warning(
                    "reading installed metadata of %s failed", component.purl, exc_info=True
                )
                resolution = None
            if resolution is None:
                folders = ", ".join(
                    sorted({str(Path(loc.path).parent) for loc in component.locations})
                )
                note = f"no installed copy of {component.name} {component.version} in {folders}"
                said[component.purl] = Answer(None, note=note)
                continue
            said[component.purl] = Answer(
                resolution, final=resolution.resolved, note=resolution.reason
            )
        return said


def _not_looked_up(component: Component) -> str | None:
    """Why installed metadata is not looked for, or ``None`` when it is."""
    if component.ecosystem not in ("npm", "pypi"):
        return f"installed metadata is read for npm and PyPI packages, not {component.ecosystem}"
    if not component.registry:
        return "not from a package registry"
    if not component.version:
        return "no pinned version"
    if not component.locations:
        return "no lockfile to look beside"
    return None


def _resolve(finder: _Finder, component: Component) -> Resolution | None:
    if component.ecosystem == "npm":
        for location in component.locations:
            root = finder.root(location.path)
            if root is None or not root.has_node_modules():
                continue
            for folder in _npm_folders(root, component, location.path, location.key):
                document = _package_json(root, folder, component)
                if document is not None:
                    return npm_resolution(root, folder, document)
    elif component.version:
        for location in component.locations:
            root = finder.root(location.path)
            if root is None:
                continue
            dist_info = _python_dists(root).get(_python_key(component.name, component.version))
            if dist_info is not None:
                return pypi_resolution(root, dist_info, component)
    return None


# -- npm --------------------------------------------------------------------------------------


def _npm_folders(root: _Root, component: Component, lockfile: str, key: str | None) -> list[Path]:
    """Where the component may be installed, most specific first."""
    folders: list[Path] = []
    if Path(lockfile).name in _NPM_LOCKFILES and key:
        found = _PACKAGES_KEY.match(key)
        if found is not None:
            try:
                folder = json.loads(f'"{found.group("folder")}"')
            except ValueError:
                folder = ""
            if isinstance(folder, str) and folder.startswith("node_modules/"):
                folders.append(root.folder / folder)
    name = component.name
    folders.append(root.folder / "node_modules" / name)
    # pnpm's virtual store: node_modules/.pnpm/<name with "/" as "+">@<version>/node_modules/<name>
    store = f"{name.replace('/', '+')}@{component.version}"
    folders.append(root.folder / "node_modules" / ".pnpm" / store / "node_modules" / name)
    return list(dict.fromkeys(folders))


def _package_json(root: _Root, folder: Path, component: Component) -> dict[str, Any] | None:
    """The installed package.json when it is the component's name and version."""
    data = _read_inside(root, folder / "package.json", MAX_DOCUMENT_BYTES)
    if data is None:
        return None
    try:
        document = json.loads(data)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    name, version = document.get("name"), document.get("version")
    # npm names are case-sensitive, but an installed folder of an aliased package
    # ("npm:other@1") holds the other name: only the version and the folder's name decide.
    if version != component.version or (isinstance(name, str) and name != component.name):
        return None
    return document


def npm_resolution(root: _Root, folder: Path, document: dict[str, Any]) -> Resolution:
    """The installed package.json read as the npm resolver reads the registry's document,
    with the license files and README taken from the package folder."""
    from ospo_scan.licenses.registries.base import resolution_from
    from ospo_scan.licenses.registries.npm import (
        DECLARED,
        VAGUE,
        _gnu_version_open,
        declared_license,
        file_to_read,
        files_resolution,
        files_wanted,
    )
    from ospo_scan.licenses.settle import without_absent_folders

    raw, normalized = declared_license(document)
    where = str(folder)
    declared = resolution_from(
        normalized,
        SOURCE,
        raw=raw,
        detail=str(folder / "package.json"),
        none_reason="the installed package.json declares no license",
    )
    wanted = files_wanted(document)
    if wanted is None and not _gnu_version_open(document):
        return declared
    texts = _npm_license_texts(root, folder, file_to_read(wanted))
    texts = [
        (name, without_absent_folders(text, lambda sub: _has_folder(root, folder, sub)))
        for name, text in texts
    ]
    gnu_open = _gnu_version_open(document)
    # No license file (not even the one SEE LICENSE IN names): the README may say.
    no_files = wanted not in (None, VAGUE, DECLARED) and not texts
    readme = _npm_readme(root, folder) if no_files or gnu_open else None
    return files_resolution(declared, where, wanted, texts, readme, None, "the installed package")


def _npm_license_texts(root: _Root, folder: Path, wanted: str) -> list[tuple[str, str]]:
    """(file, text) of ``wanted`` (a path inside the package; case-insensitive fallback in its
    folder), or of every license-like file at the package's top when ``wanted`` is ``""``."""
    from ospo_scan.licenses.registries.npm import LICENSE_FILE_NAME

    if wanted:
        target = folder / wanted
        # "SEE LICENSE IN ../../x" names a file of the package, not of the rest of the checkout.
        package = _inside(root, folder)
        real = _inside(root, target)
        if package is None or real is None or not real.startswith(package.rstrip(os.sep) + os.sep):
            return []
        names = [target.name] if os.path.isfile(real) else []
        if not names:
            names = [n for n in _listing(root, target.parent) if n.lower() == target.name.lower()]
        paths = [target.parent / name for name in names[:1]]
    else:
        paths = [folder / n for n in sorted(_listing(root, folder)) if LICENSE_FILE_NAME.match(n)]
    return _read_texts(root, folder, paths)


def _npm_readme(root: _Root, folder: Path) -> tuple[str, str] | None:
    """(README name, its License section or ``""``), or ``None`` without a README."""
    from ospo_scan.licenses.readme import README_NAME, license_section

    for name in sorted(_listing(root, folder)):
        if README_NAME.match(name):
            data = _read_inside(root, folder / name, MAX_LICENSE_TEXT)
            if data is not None:
                return name, license_section(data.decode("utf-8", "replace")) or ""
    return None


# -- PyPI -------------------------------------------------------------------------------------


def _python_key(name: str, version: str) -> tuple[str, str]:
    from ospo_scan.licenses.registries.pypi import canonical_name, canonical_version

    return canonical_name(name), canonical_version(version)


def _python_dists(root: _Root) -> dict[tuple[str, str], Path]:
    """(canonical name, canonical version) -> ``.dist-info`` folder, for every virtual
    environment beside the lockfile (the first one that has a distribution wins)."""
    if root.dists is not None:
        return root.dists
    dists: dict[tuple[str, str], Path] = {}
    for venv in VENV_NAMES:
        base = root.folder / venv
        if not _is_dir_inside(root, base):
            continue
        candidates = [base / "Lib" / "site-packages"]
        lib = base / "lib"
        candidates += [
            lib / n / "site-packages"
            for n in sorted(_listing(root, lib))
            if n.startswith(("python", "pypy"))
        ]
        for site in candidates:
            for entry in _listing(root, site):
                if not entry.endswith(".dist-info"):
                    continue
                name, _, version = entry[: -len(".dist-info")].partition("-")
                if name and version:
                    dists.setdefault(_python_key(name, version), site / entry)
    root.dists = dists
    return dists


def pypi_resolution(root: _Root, dist_info: Path, component: Component) -> Resolution | None:
    """The installed METADATA read as the PyPI resolver reads a wheel's: its declaration,
    checked against the ``.dist-info`` license files; those files alone when it declares
    nothing readable. ``None`` when the METADATA cannot be read."""
    from ospo_scan.licenses.metadata import (
        MetadataError,
        choose_license,
        license_evidence,
        parse_core_metadata,
    )
    from ospo_scan.licenses.registries.pypi import (
        choice_resolution,
        license_texts_resolution,
        settle_declaration,
    )

    data = _read_inside(root, dist_info / "METADATA", MAX_DOCUMENT_BYTES)
    if data is None:
        return None
    try:
        fields = parse_core_metadata(data)
    except MetadataError:
        return None
    where = str(dist_info)
    evidence = list(license_evidence(fields, f"{where}/METADATA"))
    choice = choose_license(fields)

    def texts() -> list[tuple[str, str, str]]:
        return [
            (where, name, text)
            for name, text in _dist_info_license_texts(root, dist_info, fields.license_files)
        ]

    if choice is not None and choice.normalized.method != "unrecognized":
        declared = settle_declaration(
            choice, texts, evidence, SOURCE, refine=True, readme=fields.readme
        )
        return _with_module_notices(root, dist_info, declared)
    found = [(name, text) for _, name, text in texts()]
    if found:
        from_texts = license_texts_resolution(found, where, evidence, SOURCE)
        if from_texts is not None:
            return _with_module_notices(root, dist_info, from_texts)
    if choice is not None:
        return choice_resolution(choice, evidence, SOURCE)
    return Resolution(
        None, SOURCE, 0.0, tuple(evidence), "the installed metadata declares no license"
    )


# As the PyPI resolver reads a wheel's top-level source files for a GNU notice: a few (never
# tests or stubs), each only up to its first characters.
MAX_NOTICE_MODULES = 4
NOTICE_HEADER_BYTES = 8 * 1024


def _with_module_notices(root: _Root, dist_info: Path, resolution: Resolution) -> Resolution:
    """``resolution`` with a GNU ``-only`` id made ``-or-later`` when the notice at the top
    of the distribution's installed modules says so (``settle.refined_by_notice``), as the
    PyPI resolver does with a wheel's modules, even over an SPDX ``-only`` in the metadata."""
    from ospo_scan.licenses.settle import gnu_version_open, refined_by_notice

    if not gnu_version_open(resolution.expression):
        return resolution
    site = dist_info.parent
    names = _read_inside(root, dist_info / "top_level.txt", MAX_DOCUMENT_BYTES) or b""
    headers: list[tuple[str, str]] = []
    for candidate in _notice_modules(root, site, names.decode("utf-8", "replace").split()):
        data = _read_inside(root, candidate, NOTICE_HEADER_BYTES)
        if data:
            headers.append(
                (candidate.relative_to(site).as_posix(), data.decode("utf-8", "replace"))
            )
        if len(headers) == MAX_NOTICE_MODULES:
            break
    refined = refined_by_notice(resolution, str(site), headers)
    return resolution if refined is None else refined


def _notice_modules(root: _Root, site: Path, top_level: list[str]) -> list[Path]:
    """The installed source files of the distribution's top-level names most likely to carry
    its notice: single-file modules, then each package's own files (``__init__`` first)."""
    from ospo_scan.licenses.settle import NOTICE_SOURCE_SUFFIXES, is_test_source

    found: list[Path] = []
    for name in top_level:
        # A top-level test package ("tests/") or module ("test_demo") is not the package.
        if is_test_source([name, ""]) or is_test_source([f"{name}.py"]):
            continue
        found.append(site / f"{name}.py")
        files = sorted(
            entry
            for entry in _listing(root, site / name)
            if entry.endswith(NOTICE_SOURCE_SUFFIXES) and not is_test_source([name, entry])
        )
        files.sort(key=lambda entry: entry != "__init__.py")
        found.extend(site / name / entry for entry in files)
    return found


def _dist_info_license_texts(
    root: _Root, dist_info: Path, declared: Sequence[str]
) -> list[tuple[str, str]]:
    """(path inside .dist-info, text) of the declared ``License-File`` entries (PEP 639:
    relative to ``.dist-info/licenses/``; older wheels put them at the top of .dist-info),
    else of the license-like files at the top of ``.dist-info``; and of a NOTICE file in
    ``licenses/`` that the metadata does not name, as the PyPI resolver reads a wheel."""
    from ospo_scan.licenses.registries.pypi import is_license_file_name, is_undeclared_notice

    paths: list[Path] = []
    for name in declared:
        for candidate in (dist_info / "licenses" / name, dist_info / name):
            if _is_file_inside(root, candidate):
                paths.append(candidate)
                break
    if not declared:
        for top in (dist_info, dist_info / "licenses"):
            paths += [top / n for n in sorted(_listing(root, top)) if is_license_file_name(n)]
    folder = dist_info / "licenses"
    paths += [
        folder / n
        for n in sorted(_listing(root, folder))
        if folder / n not in paths
        and is_undeclared_notice(f"licenses/{n}", "licenses/")
        and _is_file_inside(root, folder / n)
    ]
    return _read_texts(root, dist_info, paths)


# -- reading files safely ---------------------------------------------------------------------


def _read_texts(root: _Root, base: Path, paths: Sequence[Path]) -> list[tuple[str, str]]:
    """(path relative to ``base``, text) of the first ``MAX_LICENSE_FILES`` readable files."""
    texts = []
    for path in paths[:MAX_LICENSE_FILES]:
        data = _read_inside(root, path, MAX_LICENSE_TEXT)
        if data is not None:
            texts.append((path.relative_to(base).as_posix(), data.decode("utf-8", "replace")))
    return texts


def _inside(root: _Root, path: Path) -> str | None:
    """The real path of ``path`` when it lies inside the lockfile's folder, else ``None``."""
    try:
        real = os.path.realpath(path)
    except OSError:
        return None
    if real != root.real and not real.startswith(root.real.rstrip(os.sep) + os.sep):
        return None
    return real


def _is_file_inside(root: _Root, path: Path) -> bool:
    real = _inside(root, path)
    return real is not None and os.path.isfile(real)


def _is_dir_inside(root: _Root, path: Path) -> bool:
    real = _inside(root, path)
    return real is not None and os.path.isdir(real)


# How many folders of an installed package are looked through for one of a given name; past
# this, the package is taken to have it (a license section for it then stays).
MAX_FOLDERS_SEARCHED = 5_000


def _has_folder(root: _Root, package: Path, name: str) -> bool:
    """Whether the installed package at ``package`` has a folder called ``name`` anywhere
    inside it (its own ``node_modules`` left out; links not followed)."""
    real = _inside(root, package)
    if real is None:
        return True
    seen = 0
    for _, folders, _ in os.walk(real):
        if name in folders:
            return True
        folders[:] = [f for f in folders if f != "node_modules"]
        seen += len(folders)
        if seen > MAX_FOLDERS_SEARCHED:
            return True
    return False


def _listing(root: _Root, folder: Path) -> list[str]:
    """The entry names of a folder inside the lockfile's folder (empty when unreadable)."""
    real = _inside(root, folder)
    if real is None:
        return []
    try:
        return os.listdir(real)
    except OSError:
        return []


def _read_inside(root: _Root, path: Path, limit: int) -> bytes | None:
    """At most ``limit`` bytes of a regular file inside the lockfile's folder, else ``None``."""
    if not os.path.isfile(path):  # one stat for the common case: nothing installed there
        return None
    real = _inside(root, path)
    if real is None:
        return None
    try:
        with open(real, "rb") as handle:
            return handle.read(limit)
    except OSError:
        return None
