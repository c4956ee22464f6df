"""Installed metadata beside the lockfile: node_modules package.json and site-packages METADATA."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ospo_scan.licenses.resolve import ResolveOptions, explain, resolve_licenses
from ospo_scan.model import Component, Resolution, SourceLocation
from ospo_scan.sources.base import make_purl

TEXTS = Path(__file__).parents[1] / "fixtures" / "license-texts"
MIT_TEXT = (TEXTS / "npm__express__5.3.0__LICENSE").read_text()
BSD3_TEXT = (TEXTS / "pypi__click__8.5.1__LICENSE.txt").read_text()


def npm(name: str, version: str, lockfile: Path, key: str | None = None) -> Component:
    namespace, _, short = name.rpartition("/")
    return Component(
        purl=make_purl("npm", short, version, namespace or None),
        name=name,
        version=version,
        ecosystem="npm",
        locations=(SourceLocation(str(lockfile), None, key),),
    )


def pypi(name: str, version: str, lockfile: Path) -> Component:
    return Component(
        purl=make_purl("pypi", name, version),
        name=name,
        version=version,
        ecosystem="pypi",
        locations=(SourceLocation(str(lockfile)),),
    )


def install_npm(folder: Path, document: dict[str, object], **files: str) -> None:
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps(document))
    for name, text in files.items():
        (folder / name).write_text(text)


def install_pypi(project: Path, dist_info: str, metadata: str, **licenses: str) -> Path:
    folder = project / ".venv" / "lib" / "python3.11" / "site-packages" / dist_info
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(metadata)
    for name, text in licenses.items():
        (folder / "licenses").mkdir(exist_ok=True)
        (folder / "licenses" / name).write_text(text)
    return folder


def resolve_offline(components: list[Component], tmp_path: Path) -> dict[str, object]:
    options = ResolveOptions(offline=True, cache_dir=tmp_path / "cache")
    resolutions, stats = resolve_licenses(components, options)
    assert stats.requests == 0
    return dict(resolutions)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


# -- npm -----------------------------------------------------------------------------------------


def test_npm_package_json_answers_offline(project: Path, tmp_path: Path) -> None:
    lockfile = project / "yarn.lock"
    install_npm(
        project / "node_modules" / "left-pad",
        {"name": "left-pad", "version": "1.3.0", "license": "WTFPL"},
    )
    component = npm("left-pad", "1.3.0", lockfile)
    options = ResolveOptions(offline=True, cache_dir=tmp_path / "cache")
    resolutions, stats = resolve_licenses([component], options)
    resolution = resolutions[component.purl]
    assert (resolution.expression, resolution.source, resolution.confidence) == (
        "WTFPL",
        "installed",
        1.0,
    )
    assert resolution.evidence[0].value == "WTFPL"
    assert resolution.evidence[0].detail == str(
        project / "node_modules" / "left-pad" / "package.json"
    )
    assert (stats.from_installed, stats.unresolved, stats.requests) == (1, 0, 0)


@pytest.mark.parametrize(
    ("ships_ee", "expected"),
    # The enterprise terms apply only when the package has the ee/ folder.
    [(False, "MIT"), (True, "MIT AND LicenseRef-ospo-license-text")],
)
def test_an_installed_open_core_package_without_its_folder(
    project: Path, tmp_path: Path, ships_ee: bool, expected: str
) -> None:
    from tests.licenses.test_settle import MIT_TEXT, OPEN_CORE

    folder = project / "node_modules" / "acme"
    install_npm(
        folder,
        {"name": "acme", "version": "1.0.0", "license": "SEE LICENSE IN LICENSE"},
        LICENSE=OPEN_CORE + MIT_TEXT,
    )
    (folder / "dist" / ("ee" if ships_ee else "core")).mkdir(parents=True)
    component = npm("acme", "1.0.0", project / "package-lock.json")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert isinstance(resolution, Resolution)
    assert resolution.expression == expected


def test_another_installed_version_does_not_answer(project: Path, tmp_path: Path) -> None:
    install_npm(
        project / "node_modules" / "left-pad",
        {"name": "left-pad", "version": "1.1.0", "license": "MIT"},
    )
    component = npm("left-pad", "1.3.0", project / "yarn.lock")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert resolution.expression is None  # offline and not in the cache: unresolved, never MIT


def test_package_lock_key_names_the_nested_folder(project: Path, tmp_path: Path) -> None:
    install_npm(
        project / "node_modules" / "debug", {"name": "debug", "version": "4.0.0", "license": "MIT"}
    )
    nested = project / "node_modules" / "a" / "node_modules" / "debug"
    install_npm(nested, {"name": "debug", "version": "2.6.9", "license": "ISC"})
    component = npm(
        "debug",
        "2.6.9",
        project / "package-lock.json",
        'packages["node_modules/a/node_modules/debug"]',
    )
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source) == ("ISC", "installed")


def test_pnpm_virtual_store_and_scoped_names(project: Path, tmp_path: Path) -> None:
    store = (
        project
        / "node_modules"
        / ".pnpm"
        / "@babel+core@7.24.0"
        / "node_modules"
        / "@babel"
        / "core"
    )
    install_npm(store, {"name": "@babel/core", "version": "7.24.0", "license": "MIT"})
    component = npm("@babel/core", "7.24.0", project / "pnpm-lock.yaml")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source) == ("MIT", "installed")


def test_see_license_in_reads_the_installed_file(project: Path, tmp_path: Path) -> None:
    folder = project / "node_modules" / "acme"
    document = {"name": "acme", "version": "1.0.0", "license": "SEE LICENSE IN LICENSE.txt"}
    install_npm(folder, document, **{"LICENSE.txt": MIT_TEXT})
    component = npm("acme", "1.0.0", project / "yarn.lock")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source) == ("MIT", "installed")
    assert resolution.confidence >= 0.9
    assert any(item.detail == f"{folder} LICENSE.txt" for item in resolution.evidence)


def test_a_declared_and_is_checked_against_the_installed_license_files(
    project: Path, tmp_path: Path
) -> None:
    document = {"name": "fast-image", "version": "8.18.0", "license": "(MIT AND Apache-2.0)"}
    install_npm(project / "node_modules" / "fast-image", document, LICENSE=MIT_TEXT)
    component = npm("fast-image", "8.18.0", project / "package-lock.json")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source) == ("MIT", "installed")
    assert "grant only MIT, not Apache-2.0" in (resolution.reason or "")


def test_no_license_field_reads_the_license_files_then_the_readme(
    project: Path, tmp_path: Path
) -> None:
    install_npm(
        project / "node_modules" / "a", {"name": "a", "version": "1.0.0"}, LICENSE=BSD3_TEXT
    )
    readme = "# b\n\nA package.\n\n## License\n\nMIT\n"
    install_npm(
        project / "node_modules" / "b", {"name": "b", "version": "1.0.0"}, **{"README.md": readme}
    )
    a, b = npm("a", "1.0.0", project / "yarn.lock"), npm("b", "1.0.0", project / "yarn.lock")
    resolutions = resolve_offline([a, b], tmp_path)
    assert (resolutions[a.purl].expression, resolutions[a.purl].source) == (
        "BSD-3-Clause",
        "installed",
    )
    from_readme = resolutions[b.purl]
    assert (from_readme.expression, from_readme.source) == ("MIT", "installed")
    assert from_readme.confidence <= 0.7  # a README is documentation, not the grant


def test_files_outside_the_checkout_are_never_read(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    install_npm(outside, {"name": "evil", "version": "1.0.0", "license": "MIT"})
    (project / "node_modules").mkdir()
    os.symlink(outside, project / "node_modules" / "evil")
    secret = tmp_path / "secret.txt"
    secret.write_text(MIT_TEXT)
    document = {
        "name": "sneaky",
        "version": "1.0.0",
        "license": "SEE LICENSE IN ../../../secret.txt",
    }
    install_npm(project / "node_modules" / "sneaky", document)
    evil, sneaky = (
        npm("evil", "1.0.0", project / "yarn.lock"),
        npm("sneaky", "1.0.0", project / "yarn.lock"),
    )
    resolutions = resolve_offline([evil, sneaky], tmp_path)
    assert resolutions[evil.purl].expression is None
    sneaky_answer = resolutions[sneaky.purl]
    assert sneaky_answer.expression == "LicenseRef-ospo-see-license-file"
    # Only the package.json declaration is evidence: the file outside the package was not read.
    assert [item.value for item in sneaky_answer.evidence] == ["SEE LICENSE IN ../../../secret.txt"]
    assert sneaky_answer.reason is not None
    assert "no ../../../secret.txt in the installed package" in sneaky_answer.reason


# -- PyPI ----------------------------------------------------------------------------------------


def test_pep639_metadata_in_a_venv(project: Path, tmp_path: Path) -> None:
    metadata = (
        "Metadata-Version: 2.4\nName: Acme_Widget\nVersion: 2.0\n"
        "License-Expression: MIT OR Apache-2.0\n"
    )
    install_pypi(project, "acme_widget-2.0.dist-info", metadata)
    component = pypi("acme-widget", "2.0.0", project / "uv.lock")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source, resolution.confidence) == (
        "MIT OR Apache-2.0",
        "installed",
        1.0,
    )


@pytest.mark.parametrize(
    ("declared", "text", "expected", "why"),
    [
        # A classifier is settled by the installed license file.
        (
            "Classifier: License :: OSI Approved :: BSD License",
            BSD3_TEXT,
            "BSD-3-Clause",
            "settled by the license files LICENSE",
        ),
        # types-* stub packages: typeshed's LICENSE puts parts under MIT; read from the venv,
        # the answer is the registry's.
        (
            "License-Expression: Apache-2.0",
            (TEXTS / "pypi__mypy__2.4.1__LICENSE").read_text(),
            "Apache-2.0 AND MIT",
            "puts part of the package under MIT",
        ),
    ],
)
def test_the_installed_license_file_checks_the_declaration(
    project: Path, tmp_path: Path, declared: str, text: str, expected: str, why: str
) -> None:
    metadata = (
        f"Metadata-Version: 2.4\nName: acme\nVersion: 1.0\n{declared}\nLicense-File: LICENSE\n"
    )
    install_pypi(project, "acme-1.0.dist-info", metadata, LICENSE=text)
    component = pypi("acme", "1.0", project / "uv.lock")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source) == (expected, "installed")
    assert why in (resolution.reason or "")


def test_metadata_without_a_license_falls_back_to_the_license_files(
    project: Path, tmp_path: Path
) -> None:
    install_pypi(
        project,
        "bare-3.1.dist-info",
        "Metadata-Version: 2.1\nName: bare\nVersion: 3.1\n",
        LICENSE=MIT_TEXT,
    )
    component = pypi("bare", "3.1", project / "poetry.lock")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source) == ("MIT", "installed")


def test_an_installed_package_without_license_files_reads_its_readme(
    project: Path, tmp_path: Path
) -> None:
    # As the registry path: a vague classifier, no license file, a README line stating GPLv2.
    install_pypi(
        project,
        "engine-2.1.dist-info",
        "Metadata-Version: 2.1\nName: engine\nVersion: 2.1\n"
        "Classifier: License :: OSI Approved :: BSD License\n\n"
        "# Engine\n\n- Distributed under free software license GPLv2\n",
    )
    component = pypi("engine", "2.1", project / "uv.lock")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source, resolution.method) == (
        "GPL-2.0-only",
        "installed",
        "readme",
    )


def test_explain_says_where_it_looked(project: Path, tmp_path: Path) -> None:
    component = pypi("absent", "1.0", project / "uv.lock")
    explanation = explain(component, ResolveOptions(offline=True, cache_dir=tmp_path / "cache"))
    installed = next(source for source in explanation.sources if source.step == "installed")
    assert installed.resolution is None
    assert installed.note == f"no installed copy of absent 1.0 in {project}"
    cargo = Component(
        purl="pkg:cargo/serde@1.0.0", name="serde", version="1.0.0", ecosystem="cargo"
    )
    explanation = explain(cargo, ResolveOptions(offline=True, cache_dir=tmp_path / "cache"))
    installed = next(source for source in explanation.sources if source.step == "installed")
    assert installed.note == "installed metadata is read for npm and PyPI packages, not cargo"


@pytest.mark.parametrize("notice_in", ["__init__.py", "core.py"])
def test_a_gnu_notice_in_the_installed_modules_settles_or_later(
    project: Path, tmp_path: Path, notice_in: str
) -> None:
    gpl3 = (TEXTS / "pypi__pygithub__2.10.0__COPYING").read_text()
    metadata = (
        "Metadata-Version: 2.1\nName: acme\nVersion: 1.0\n"
        "Classifier: License :: OSI Approved :: GNU General Public License v3 (GPLv3)\n"
        "License-File: COPYING\n"
    )
    dist_info = install_pypi(project, "acme-1.0.dist-info", metadata, COPYING=gpl3)
    (dist_info / "top_level.txt").write_text("acme\n")
    (dist_info.parent / "acme").mkdir()
    notice = (
        "# This program is free software: you can redistribute it and/or modify it under the\n"
        "# terms of the GNU General Public License as published by the Free Software\n"
        "# Foundation, either version 3 of the License, or (at your option) any later version.\n"
    )
    if notice_in == "__init__.py":
        (dist_info.parent / "acme" / "__init__.py").write_text(notice)
    else:
        # The package's __init__ says nothing; a module beside it does, a test's does not count.
        (dist_info.parent / "acme" / "__init__.py").write_text("from acme.core import *\n")
        (dist_info.parent / "acme" / "a_test.py").write_text(notice)
        (dist_info.parent / "acme" / notice_in).write_text(notice)
    component = pypi("acme", "1.0", project / "uv.lock")
    resolution = resolve_offline([component], tmp_path)[component.purl]
    assert (resolution.expression, resolution.source) == ("GPL-3.0-or-later", "installed")
    assert resolution.reason is not None
    assert resolution.reason.endswith(f"the notice in acme/{notice_in} grants GPL-3.0-or-later")
