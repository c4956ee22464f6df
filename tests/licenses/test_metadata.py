"""Core metadata (METADATA, PKG-INFO, JSON ``info``) read for its license fields."""

from __future__ import annotations

import pytest

from ospo_scan.licenses.metadata import (
    MAX_EVIDENCE_CHARS,
    LicenseFields,
    MetadataError,
    choose_license,
    fields_from_json_info,
    license_evidence,
    parse_core_metadata,
)
from ospo_scan.model import Evidence
from tests.conftest import FIXTURES

PYPI = FIXTURES / "registry" / "pypi"

# PKG-INFO as distutils wrote it (metadata 1.1): a License field holding a whole license text,
# continuation lines indented by 8 spaces, the description in a header.
OLD_PKG_INFO = (
    b"Metadata-Version: 1.1\n"
    b"Name: oldpkg\n"
    b"Version: 0.3\n"
    b"Summary: An old package\n"
    b"License: Copyright (c) 2009, Someone\n"
    b"        All rights reserved.\n"
    b"        \n"
    b"        Redistribution and use in source and binary forms are permitted.\n"
    b"Description: Old style description\n"
    b"        with continuation lines\n"
    b"Platform: UNKNOWN\n"
    b"Classifier: Development Status :: 4 - Beta\n"
    b"Classifier: License :: OSI Approved :: BSD License\n"
)


def test_metadata_2_4_with_license_expression() -> None:
    data = PYPI / "files/packages/3a/2a/7cc015f5/attrs-25.4.0-py3-none-any.whl.metadata"
    fields = parse_core_metadata(data.read_bytes())
    assert fields == LicenseFields(
        name="attrs",
        version="25.4.0",
        license_expression="MIT",
        license=None,
        classifiers=(),
        license_files=("LICENSE",),
        style="core",
    )


def test_license_field_and_classifiers() -> None:
    data = PYPI / "files/packages/80/56/60547f78/cattrs-26.1.0-py3-none-any.whl.metadata"
    fields = parse_core_metadata(data.read_bytes())
    assert (fields.license, fields.classifiers) == (
        "MIT",
        ("License :: OSI Approved :: MIT License",),
    )


def test_multiline_license_loses_its_continuation_indent() -> None:
    fields = parse_core_metadata(OLD_PKG_INFO)
    assert fields.license == (
        "Copyright (c) 2009, Someone\nAll rights reserved.\n\n"
        "Redistribution and use in source and binary forms are permitted."
    )
    assert fields.classifiers == ("License :: OSI Approved :: BSD License",)
    assert (fields.name, fields.version) == ("oldpkg", "0.3")


def test_setuptools_pipe_continuation() -> None:
    data = b"Metadata-Version: 2.1\nName: x\nVersion: 1\nLicense: line one\n       |line two\n"
    assert parse_core_metadata(data).license == "line one\nline two"


def test_body_is_not_read_as_headers() -> None:
    data = b"Metadata-Version: 2.1\nName: x\nVersion: 1\n\nLicense: GPL-3.0-only\n"
    assert parse_core_metadata(data).license is None


def test_the_body_keeps_only_what_the_readme_says_of_the_license() -> None:
    data = (
        b"Metadata-Version: 2.1\nName: x\nVersion: 1\n\n# x\n\nFast.\n\n"
        b"## License\n\nReleased under the MIT license.\n\n## Usage\n\nimport x\n"
    )
    assert parse_core_metadata(data).readme == "Released under the MIT license."
    assert parse_core_metadata(data.split(b"## License")[0]).readme is None


def test_latin1_pkg_info_and_byte_order_mark() -> None:
    data = "\ufeffMetadata-Version: 1.0\nName: caf\xe9\nLicense: MIT\n".encode("latin-1", "ignore")
    assert parse_core_metadata(data).name == "caf\xe9"
    utf8 = "\ufeffMetadata-Version: 1.0\nName: caf\xe9\nLicense: MIT\n".encode()
    assert parse_core_metadata(utf8).name == "caf\xe9"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><body>404 Not Found</body></html>", "no Metadata-Version or Name"),
        (b"\x00\x01\x02binary", "no Metadata-Version or Name"),
        (b"", "no Metadata-Version or Name"),
    ],
)
def test_not_core_metadata(data: bytes, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        parse_core_metadata(data)


def test_oversized_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    from ospo_scan.licenses import metadata

    monkeypatch.setattr(metadata, "MAX_METADATA_BYTES", 10)
    with pytest.raises(MetadataError, match="too large"):
        parse_core_metadata(b"Metadata-Version: 2.1\n")


def test_json_info() -> None:
    info = {
        "name": "demo",
        "version": "1.0",
        "license": "  ",
        "license_expression": "MIT OR Apache-2.0",
        "classifiers": ["Topic :: Utilities", "License :: OSI Approved :: MIT License"],
        "license_files": ["LICENSE-MIT", "LICENSE-APACHE"],
        "description": "# demo\n\n- Distributed under free software license GPLv2\n",
    }
    assert fields_from_json_info(info) == LicenseFields(
        name="demo",
        version="1.0",
        license_expression="MIT OR Apache-2.0",
        license=None,
        classifiers=("License :: OSI Approved :: MIT License",),
        license_files=("LICENSE-MIT", "LICENSE-APACHE"),
        style="json",
        readme="Distributed under free software license GPLv2",
    )


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ([], "info is list, expected an object"),
        ({"license": 3}, "info.license is int, expected a string"),
        ({"classifiers": "License :: MIT"}, "info.classifiers is not a list of strings"),
        ({"license_files": [1]}, "info.license_files is not a list of strings"),
    ],
)
def test_malformed_json_info(info: object, message: str) -> None:
    with pytest.raises(MetadataError, match=message):
        fields_from_json_info(info)


def test_evidence_names_every_field_and_where() -> None:
    fields = LicenseFields(
        license_expression="MIT",
        license="MIT License",
        classifiers=("License :: OSI Approved :: MIT License",),
        license_files=("LICENSE",),
    )
    where = "https://files.test/demo-1.0-py3-none-any.whl METADATA"
    assert license_evidence(fields, where) == (
        Evidence("registry:pypi", "MIT", f"{where} License-Expression"),
        Evidence("registry:pypi", "MIT License", f"{where} License"),
        Evidence("registry:pypi", "License :: OSI Approved :: MIT License", f"{where} Classifier"),
        Evidence("registry:pypi", "LICENSE", f"{where} License-File"),
    )


def test_evidence_clips_a_pasted_license_text() -> None:
    text = "Permission is hereby granted. " * 400
    value = license_evidence(LicenseFields(license=text), "x")[0].value
    assert value.startswith(text[:MAX_EVIDENCE_CHARS])
    assert value.endswith(f"... ({len(text) - MAX_EVIDENCE_CHARS} more characters)")


def test_fields_survive_the_cache_round_trip() -> None:
    fields = parse_core_metadata(OLD_PKG_INFO)
    assert LicenseFields.from_json(fields.to_json()) == fields
    with_readme = LicenseFields(license="BSD", readme="Released under the MIT license.")
    assert LicenseFields.from_json(with_readme.to_json()) == with_readme
    # Fields cached before the README was read have no "readme".
    stored = {k: v for k, v in with_readme.to_json().items() if k != "readme"}
    assert LicenseFields.from_json(stored) == LicenseFields(license="BSD")
    assert LicenseFields.from_json({"name": 1}) is None
    assert LicenseFields.from_json("MIT") is None


# -- precedence --------------------------------------------------------------------------------


def test_license_expression_beats_license_and_classifiers() -> None:
    fields = LicenseFields(
        license_expression="Apache-2.0",
        license="MIT",
        classifiers=("License :: OSI Approved :: BSD License",),
    )
    choice = choose_license(fields)
    assert choice is not None
    assert (choice.normalized.expression, choice.field) == ("Apache-2.0", "License-Expression")


def test_license_beats_classifiers() -> None:
    fields = LicenseFields(
        license="MIT", classifiers=("License :: OSI Approved :: Apache Software License",)
    )
    choice = choose_license(fields)
    assert choice is not None
    assert (choice.normalized.expression, choice.field) == ("MIT", "License")
    assert not choice.from_classifiers


@pytest.mark.parametrize("declared", ["UNKNOWN", "", None])
def test_empty_license_gives_way_to_classifiers(declared: str | None) -> None:
    fields = LicenseFields(
        license=declared,
        classifiers=("License :: OSI Approved :: Apache Software License",),
        style="json",
    )
    choice = choose_license(fields)
    assert choice is not None
    assert (choice.normalized.expression, choice.field) == ("Apache-2.0", "info.classifiers")
    assert choice.normalized.method == "classifier"
    assert choice.from_classifiers  # the PyPI resolver checks such answers against the files


def test_unrecognized_license_gives_way_to_classifiers() -> None:
    fields = LicenseFields(
        license="see the LICENSE file in the repository, it is fine",
        classifiers=("License :: OSI Approved :: MIT License",),
    )
    choice = choose_license(fields)
    assert choice is not None
    assert (choice.normalized.expression, choice.field) == ("MIT", "Classifier")


def test_unrecognized_license_is_kept_when_nothing_else_says_anything() -> None:
    choice = choose_license(LicenseFields(license="see the LICENSE file, it is fine"))
    assert choice is not None
    assert choice.normalized.method == "unrecognized"
    assert choice.normalized.expression is not None
    assert choice.normalized.expression.startswith("LicenseRef-")


def test_whole_license_text_in_the_license_field() -> None:
    mit = (
        "Copyright (c) 2014 Someone\n\n"
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
        'software and associated documentation files (the "Software"), to deal in the Software '
        "without restriction, including without limitation the rights to use, copy, modify, "
        "merge, publish, distribute, sublicense, and/or sell copies of the Software, and to "
        "permit persons to whom the Software is furnished to do so, subject to the following "
        "conditions:\n\nThe above copyright notice and this permission notice shall be included "
        "in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED "
        '"AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED '
        "TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND "
        "NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY "
        "CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR "
        "OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR "
        "OTHER DEALINGS IN THE SOFTWARE."
    )
    choice = choose_license(LicenseFields(license=mit))
    assert choice is not None
    assert choice.normalized.expression == "MIT"
    assert choice.normalized.method == "text"


def test_nothing_declared() -> None:
    assert choose_license(LicenseFields()) is None
    assert choose_license(LicenseFields(license="UNKNOWN")) is None


def test_vague_classifier_still_counts_as_declared() -> None:
    choice = choose_license(LicenseFields(classifiers=("License :: Freely Distributable",)))
    assert choice is not None and choice.field == "Classifier"
    assert choice.normalized.expression is not None
    assert choice.normalized.expression.startswith("LicenseRef-")


def test_ambiguous_license_gives_way_to_a_more_precise_classifier() -> None:
    fields = LicenseFields(
        license="LGPL",
        classifiers=(
            "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
        ),
    )
    choice = choose_license(fields)
    assert choice is not None
    assert (choice.normalized.expression, choice.field) == ("LGPL-3.0-or-later", "Classifier")


def test_ambiguous_license_stays_when_classifiers_are_no_better() -> None:
    fields = LicenseFields(license="BSD", classifiers=("License :: OSI Approved :: BSD License",))
    choice = choose_license(fields)
    assert choice is not None
    assert (choice.normalized.expression, choice.field) == ("BSD-3-Clause", "License")
    assert choice.normalized.method == "ambiguous"
