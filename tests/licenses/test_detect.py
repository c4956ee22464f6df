"""License text detection: real license files, hard negatives, several files, the npm tarball."""

from __future__ import annotations

import io
import random
import re
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ospo_scan.licenses.cache import LicenseCache
from ospo_scan.licenses.detect import (
    UNKNOWN_TEXT_REF,
    Detection,
    combine_detections,
    detect_license_text,
    normalize_words,
    template_info,
)
from ospo_scan.licenses.http import HttpClient
from ospo_scan.licenses.normalize import AnyOf, LicenseLeaf, normalize, parse_expression
from ospo_scan.licenses.registries.npm import (
    NS_LICENSE_FILES,
    SOURCE,
    NpmResolver,
    license_file_wanted,
)
from ospo_scan.model import Component
from ospo_scan.sources.base import make_purl
from tests.conftest import FIXTURES
from tests.licenses.conftest import RECORDED, RecordedRegistry

TEXTS = FIXTURES / "license-texts"


def _read(name: str) -> str:
    return (TEXTS / name).read_text(encoding="utf-8", errors="replace")


def _table() -> list[tuple[str, str, str]]:
    """(file, truth, detected if different) rows of the fixtures' README."""
    rows = []
    for line in (TEXTS / "README.md").read_text(encoding="utf-8").splitlines():
        found = re.match(r"^\| `([^`]+)` \| ([^|]*)\| ([^|]*)\|", line)
        if found:
            rows.append((found.group(1), found.group(2).strip(), found.group(3).strip()))
    return rows


def _shape(expression: str | None) -> Any:
    """An expression as nested frozensets, so that "A OR B" equals "B OR A"."""
    if expression is None or expression == "none":
        return None

    def walk(node: Any) -> Any:
        if isinstance(node, LicenseLeaf):
            return (node.key, node.exception)
        kind = "or" if isinstance(node, AnyOf) else "and"
        return (kind, frozenset(walk(item) for item in node.items))

    return walk(parse_expression(expression))


def _keys(expression: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9.+-]+", expression)) - {"AND", "OR", "WITH"}


# -- the real license files ------------------------------------------------------------------


def test_every_fixture_file_is_in_the_table() -> None:
    listed = {name for name, _, _ in _table()}
    present = {path.name for path in TEXTS.iterdir() if path.name != "README.md"}
    assert listed == present
    assert len(present) >= 70


@pytest.mark.parametrize(("name", "truth", "detected"), _table(), ids=lambda v: str(v)[:60])
def test_fixture_file(name: str, truth: str, detected: str) -> None:
    result = detect_license_text(_read(name), filename=name.split("__")[-1])
    assert _shape(result.expression) == _shape(detected or truth)
    if result.expression is not None:
        assert 0.0 < result.score <= 1.0
        assert result.matches
        assert all(1 <= m.start_line <= m.end_line for m in result.matches)
    if detected and detected != "none":
        # A miss must be conservative: an unknown part, or fewer permissive licenses than the
        # truth, never a license the file does not hold.
        assert UNKNOWN_TEXT_REF in detected or _keys(detected) <= _keys(truth)


def test_accuracy_on_the_fixture_files() -> None:
    rows = _table()
    right = sum(
        1
        for name, truth, _ in rows
        if _shape(detect_license_text(_read(name)).expression) == _shape(truth)
    )
    # 69 of 74 today; the five misses are listed (and explained) in the README.
    assert right / len(rows) >= 0.93


# -- hard negatives: a restriction added to a permissive text is not that license -------------

MIT = _read("npm__express__5.3.0__LICENSE")
BSD3 = _read("pypi__click__8.5.1__LICENSE.txt")
BSD2 = _read("npm__esprima__4.0.1__LICENSE.BSD")
UNLICENSE = _read("npm__tweetnacl__1.0.3__LICENSE")
# MIT-0 is the MIT text without its notice condition.
MIT0 = (
    _read("npm__express__5.3.0__LICENSE")
    .replace("(The MIT License)\n\n", "")
    .replace(
        ", subject to\nthe following conditions:\n\nThe above copyright notice and this"
        " permission notice shall be\nincluded in all copies or substantial portions of the"
        " Software.",
        ".",
    )
)
APACHE = _read("pypi__requests__2.34.2__LICENSE")
GPL3 = _read("pypi__pygithub__2.10.0__COPYING")
LGPL3 = _read("pypi__pygithub__2.10.0__COPYING.LESSER")
NOTICE_PARAGRAPH = "substantial portions of the Software."


def _after_notice(extra: str) -> str:
    assert MIT.count(NOTICE_PARAGRAPH) == 1
    return MIT.replace(NOTICE_PARAGRAPH, f"{NOTICE_PARAGRAPH}\n\n{extra}")


WITH_OR_WITHOUT = "Redistribution and use in source and binary forms, with or without"


@pytest.mark.parametrize(
    ("inserted", "expected"),
    [
        # The older Pallets projects' wording (events 0.5, nodeenv 1.10.0): it only names the
        # work, and is still BSD-3-Clause.
        (" of the software as well\nas documentation", "BSD-3-Clause"),
        # Words that limit the grant are another license, however few.
        (" for academic research purposes", None),
    ],
)
def test_words_added_to_a_bsd_text(inserted: str, expected: str | None) -> None:
    assert BSD3.count(WITH_OR_WITHOUT) == 1
    text = BSD3.replace("binary forms, with", f"binary forms{inserted}, with")
    result = detect_license_text(text)
    if expected is None:
        assert result.expression is None or "BSD-3-Clause" not in result.expression.split()
    else:
        assert result.expression == expected


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        # python-geohash 0.9.2's LICENSE opens so, then gives the three texts.
        (
            "Code is licensed under Apache License 2.0, MIT Licence and NEW BSD License.\n"
            "You can choose one of these licences. Declarations follow:",
            "Apache-2.0 OR MIT OR BSD-3-Clause",
        ),
        # The same licenses without a choice: each covers part of the code, all apply.
        (
            "Code is licensed under Apache License 2.0, MIT Licence and NEW BSD License.\n"
            "Each of these licences covers other files. Declarations follow:",
            "Apache-2.0 AND MIT AND BSD-3-Clause",
        ),
        # Talk of licenses the texts below do not account for is not explained away.
        (
            "Code is licensed under licenses. The license terms and licensing of the public\n"
            "parts differ from the license of the rest. Declarations follow:",
            "Apache-2.0 AND MIT AND BSD-3-Clause AND LicenseRef-ospo-license-text",
        ),
    ],
)
def test_a_statement_offering_the_texts_below_as_a_choice(statement: str, expected: str) -> None:
    text = "\n\n".join((statement, APACHE, MIT, BSD3))
    assert detect_license_text(text).expression == expected


def test_an_introduction_naming_the_licenses_that_follow() -> None:
    # numba's neighbour numbagg 0.9.6: titles and a sentence naming each text's license.
    text = (
        "License\n=======\n\nNumbagg is distributed under a BSD 3-clause license. It includes"
        " portions of\nBottleneck, which is distributed under a Simplified BSD license.\n\n"
        "Numbagg license\n===============\n\n" + BSD3 + "\n\nBottleneck license\n"
        "==================\n\n" + BSD2
    )
    detection = detect_license_text(text)
    assert detection.expression == "BSD-3-Clause AND BSD-2-Clause"


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        # edge-tts 7.3.1's LICENSE opens so, then gives the MIT and LGPL 3 texts: "only"
        # limits which files a license covers, and both apply to the package.
        (
            "The MIT license is used for 'src/demo/srt_composer.py' only. All\n"
            "remaining files are licensed under the LGPLv3.",
            "MIT AND LGPL-3.0-only",
        ),
        # "Only" that limits what the license allows is a term of its own.
        (
            "The MIT license below applies only if the software is used by students.",
            "MIT AND LGPL-3.0-only AND LicenseRef-ospo-license-text",
        ),
    ],
)
def test_a_statement_of_which_files_each_license_covers(statement: str, expected: str) -> None:
    text = "\n\n-----\n\n".join((statement, MIT, LGPL3))
    assert detect_license_text(text).expression == expected


# The LLVM project's exceptions as @bytecodealliance/componentize-js 0.23.0 appends them.
LLVM_EXCEPTION = """--- LLVM Exceptions to the Apache 2.0 License ----

As an exception, if, as a result of your compiling your source code, portions
of this Software are embedded into an Object form of such source code, you
may redistribute such embedded portions in such Object form without complying
with the conditions of Sections 4(a), 4(b) and 4(d) of the License.

In addition, if you combine or link compiled forms of this Software with
software that is licensed under the GPLv2 ("Combined Software") and if a
court of competent jurisdiction determines that the patent provision (Section
3), the indemnity provision (Section 9) or other Section of the License
conflicts with the conditions of the GPLv2, you may retroactively and
prospectively choose to deem waived or otherwise exclude such Section(s) of
the License, but only in their entirety and only with respect to the Combined
Software.
"""
# The linking exception as uWSGI 2.0.31's LICENSE puts it before the GPL 2 text.
LINKING_EXCEPTION = """LINKING EXCEPTION

 In addition to the permissions in the GNU General Public License,
 the authors give you unlimited permission to link the compiled
 version of this library into combinations with other programs,
 and to distribute those combinations without any restriction
 coming from the use of this file. (The General Public License
 restrictions do apply in other respects; for example, they cover
 modification of the file, and distribution when not linked into
 a combined executable.)
"""
GPL2 = _read("pypi__pylint__4.1.4__LICENSE")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (APACHE + "\n\n" + LLVM_EXCEPTION, "Apache-2.0 WITH LLVM-exception"),
        (LINKING_EXCEPTION + "\n\n" + GPL2, "GPL-2.0-only WITH GCC-exception-2.0"),
        # Beside a license it does not modify, an exception is terms of its own.
        (MIT + "\n\n" + LLVM_EXCEPTION, "MIT AND LicenseRef-ospo-license-text"),
        # Alone, it grants nothing.
        (LLVM_EXCEPTION, None),
    ],
)
def test_a_license_exception_beside_its_license(text: str, expected: str | None) -> None:
    assert detect_license_text(text).expression == expected


def test_mit_with_good_not_evil_is_the_json_license() -> None:
    result = detect_license_text(_after_notice("The Software shall be used for Good, not Evil."))
    assert result.expression == "JSON"


@pytest.mark.parametrize(
    "text",
    [
        _after_notice("The Software may not be used for commercial purposes."),
        MIT.replace("to use, copy, modify", "to use for internal purposes only, copy, modify"),
        MIT.replace(", and/or sell", ""),
        BSD3.replace(
            "THIS SOFTWARE IS PROVIDED",
            "You acknowledge that this software is not designed, licensed or intended for use\n"
            "in the design, construction, operation or maintenance of any nuclear facility.\n\n"
            "THIS SOFTWARE IS PROVIDED",
        ),
    ],
    ids=["mit-non-commercial", "mit-internal-use-only", "mit-without-sell", "bsd-no-nuclear"],
)
def test_permissive_text_with_a_restriction_is_not_recognized(text: str) -> None:
    result = detect_license_text(text)
    assert result.expression is None
    assert result.note is not None and "resembles" in result.note


def test_a_license_named_before_its_text_scores_by_its_text() -> None:
    # simplejson's (and hjson's) preamble names "the Academic Free License version 2.1"
    # before quoting it: a partial match of the name, which must not lower the confidence in
    # the whole text quoted below.
    result = detect_license_text(_read("pypi__simplejson__4.3.0__LICENSE.txt"))
    assert _shape(result.expression) == _shape("AFL-2.1 OR MIT")
    assert [m.score for m in result.matches if m.license_id == "AFL-2.1"] == [0.75, 1.0]
    assert result.score == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # prance 26.7.19: the rights the license does not grant stay reserved, as they would.
        ("Copyright (C) Ann Smith. All rights\nnot covered below are reserved.\n\n" + MIT, "MIT"),
        # ECMWF keeps its immunities after the Apache text (eckitlib 2.5.0 and its kin).
        (
            APACHE + "\n\nIn applying this licence, ECMWF does not waive the privileges and\n"
            "immunities granted to it by virtue of its status as an intergovernmental\n"
            "organisation nor does it submit to any jurisdiction.\n",
            "Apache-2.0",
        ),
        # reedsolo 1.7.0: a choice that names "MIT No Attribution", whose "no" restricts nothing.
        (
            "The software is available under your choice of\nUnlicense or\nMIT No Attribution"
            " License:\n\n" + UNLICENSE + "\n\n" + MIT0,
            "Unlicense OR MIT-0",
        ),
        # The Apache Software Foundation's list of subcomponents after its text names the
        # licenses of bundled code (apache-superset 6.1.0).
        (
            APACHE + "\n\nAPACHE DEMO SUBCOMPONENTS:\n\nThe Apache Demo project contains"
            " subcomponents with separate copyright notices and license terms. Your use of the"
            " source code for these subcomponents is subject to the terms and conditions of the"
            " following licenses.\n\nThird party SIL Open Font License v1.1 (OFL-1.1)\n\n"
            "(SIL OPEN FONT LICENSE Version 1.1) The Demo font family\n",
            "Apache-2.0",
        ),
        # @mapbox/search-js-core 1.6.0: a vendor's terms named in one sentence, then the MIT
        # text of code it contains: the terms are an unknown part, however short.
        (
            "This package is subject to the Acme Terms of Service: https://acme.test/tos/\n\n"
            "Contains a portion of libdemo\n\n" + MIT,
            "MIT AND LicenseRef-ospo-license-text",
        ),
        # A reservation with a restriction of its own is still terms.
        (
            "All rights not covered below are reserved; no commercial use.\n\n" + MIT,
            "MIT AND LicenseRef-ospo-license-text",
        ),
    ],
)
def test_clauses_that_restrict_nothing_the_license_grants(text: str, expected: str) -> None:
    assert detect_license_text(text).expression == expected


def test_a_restriction_after_the_text_is_an_unknown_part() -> None:
    result = detect_license_text(
        MIT + "\nCommercial use of the Software requires a paid license.\n"
    )
    assert result.expression == f"MIT AND {UNKNOWN_TEXT_REF}"
    assert result.score < 1.0
    assert result.note is not None and "match no license" in result.note


NON_ENDORSEMENT = (
    "Neither the name of the copyright holder nor the names of its\n"
    "    contributors may be used to endorse"
)


@pytest.mark.parametrize(
    ("naming", "expected"),
    [
        # The wordings real BSD texts use for who is named (dpkt, py-moneyed, nbval have
        # ones like these): still BSD-3-Clause.
        (
            "The names of the authors and copyright holders may not be used to endorse",
            "BSD-3-Clause",
        ),
        (
            "Neither the names of the copyright holders of this software, nor its\n"
            "    contributors, may be used to endorse",
            "BSD-3-Clause",
        ),
        (
            "Neither the names of the contributors nor the associated institutions\n"
            "    may be used to endorse",
            "BSD-3-Clause",
        ),
        # A limit slipped into the naming part is not a name.
        (
            "Neither the name of the copyright holder nor its contributors may be used\n"
            "    commercially or to endorse",
            None,
        ),
    ],
)
def test_the_naming_part_of_a_bsd_non_endorsement_clause_varies(
    naming: str, expected: str | None
) -> None:
    assert BSD3.count(NON_ENDORSEMENT) == 1
    result = detect_license_text(BSD3.replace(NON_ENDORSEMENT, naming))
    if expected is None:
        assert result.expression is None or "BSD-3-Clause" not in result.expression.split()
    else:
        assert result.expression == expected


def test_bsd_3_clause_clear_and_bsd_4_clause_are_told_apart() -> None:
    clear = BSD3.replace(
        "are permitted provided",
        "are permitted (subject to the limitations in the disclaimer below) provided",
    ).replace(
        "THIS SOFTWARE IS PROVIDED",
        "NO EXPRESS OR IMPLIED LICENSES TO ANY PARTY'S PATENT RIGHTS ARE GRANTED BY\n"
        "THIS LICENSE.\n\nTHIS SOFTWARE IS PROVIDED",
    )
    four = BSD3.replace(
        "3.  Neither",
        "3.  All advertising materials mentioning features or use of this software\n"
        "    must display the following acknowledgement: This product includes\n"
        "    software developed by Pallets.\n\n4.  Neither",
    )
    assert detect_license_text(BSD3).expression == "BSD-3-Clause"
    assert detect_license_text(clear).expression == "BSD-3-Clause-Clear"
    assert detect_license_text(four).expression == "BSD-4-Clause"


# -- GPL family: the notice decides "or later" -------------------------------------------------

GPL3_LATER_NOTICE = """\
    This program is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.

    This program is distributed in the hope that it will be useful,
    but WITHOUT ANY WARRANTY; without even the implied warranty of
    MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
    GNU General Public License for more details.

    You should have received a copy of the GNU General Public License
    along with this program.  If not, see <https://www.gnu.org/licenses/>.
"""


def test_gpl_text_alone_is_only_and_with_an_or_later_notice_is_or_later() -> None:
    assert detect_license_text(GPL3).expression == "GPL-3.0-only"
    assert detect_license_text(GPL3_LATER_NOTICE).expression == "GPL-3.0-or-later"
    combined = detect_license_text("Copyright 2020 Ann\n\n" + GPL3_LATER_NOTICE + "\n" + GPL3)
    assert combined.expression == "GPL-3.0-or-later"
    assert combined.note is not None and "notice grants GPL-3.0-or-later" in combined.note


def test_a_version_2_notice_is_not_read_as_version_3() -> None:
    notice = GPL3_LATER_NOTICE.replace("version 3 of", "version 2 of")
    assert detect_license_text(notice).expression != "GPL-3.0-or-later"


def test_the_sample_notice_inside_the_gpl_text_is_no_or_later_grant() -> None:
    # The GPL's "How to Apply These Terms" appendix shows an "or later" notice.
    assert "any later version" in GPL3
    assert detect_license_text(_read("pypi__pylint__4.1.4__LICENSE")).expression == ("GPL-2.0-only")


def test_lgpl_3_with_the_gpl_3_text_is_lgpl_3() -> None:
    result = detect_license_text(LGPL3 + "\n\n" + GPL3)
    assert result.expression == "LGPL-3.0-only"
    assert [m.license_id for m in result.matches] == ["LGPL-3.0-only", "GPL-3.0-only"]


# The notice of web3 1.10.4's LICENSE (its whole text): the GPL notice with the program's name
# and "Lesser", for which SPDX has no header template.
LGPL3_NAMED_NOTICE = """\
This file is part of web3.js.

web3.js is free software: you can redistribute it and/or modify
it under the terms of the GNU Lesser General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.

web3.js is distributed in the hope that it will be useful,
but WITHOUT ANY WARRANTY; without even the implied warranty of
MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
GNU Lesser General Public License for more details.

You should have received a copy of the GNU Lesser General Public License
along with web3.js.  If not, see <http://www.gnu.org/licenses/>.
"""


def test_a_gnu_notice_naming_its_program_grants_or_later() -> None:
    result = detect_license_text(LGPL3_NAMED_NOTICE)
    assert result.expression == "LGPL-3.0-or-later"
    assert result.score == 1.0
    assert [(m.license_id, m.start_line, m.end_line) for m in result.matches] == [
        ("LGPL-3.0-or-later", 3, 14)
    ]


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        (
            "demo is free software; you can redistribute it and/or modify it under the terms"
            " of the GNU Affero General Public License as published by the Free Software"
            " Foundation; either version 3 of the License, or (at your option) any later"
            " version.",
            "AGPL-3.0-or-later",
        ),
        (
            "The GNU C Library is free software; you can redistribute it and/or modify it"
            " under the terms of the GNU Library General Public License as published by the"
            " Free Software Foundation; either version 2 of the License, or (at your option)"
            " any later version.",
            "LGPL-2.0-or-later",
        ),
        # PyInstaller's COPYING.txt opens so (no "is free software" sentence).
        (
            "PyInstaller is licensed under the terms of the GNU General Public License\n"
            "as published by the Free Software Foundation; either version 2 of the License,\n"
            "or (at your option) any later version.",
            "GPL-2.0-or-later",
        ),
        (
            GPL3_LATER_NOTICE.replace("version 3 of", "version 2 of").replace(
                "see <https://www.gnu.org/licenses/>",
                "write to the Free Software Foundation, Inc.,\n51 Franklin Street, Fifth"
                " Floor, Boston, MA 02110-1301 USA",
            ),
            "GPL-2.0-or-later",
        ),
        # suds-community 1.2.0's module header: the abbreviation before the title.
        (
            "This program is free software; you can redistribute it and/or modify it under\n"
            "the terms of the (LGPL) GNU Lesser General Public License as published by the\n"
            "Free Software Foundation; either version 3 of the License, or (at your\n"
            "option) any later version.",
            "LGPL-3.0-or-later",
        ),
        # ... and after it.
        (
            "demo is free software; you can redistribute it and/or modify it under the terms"
            " of the GNU General Public License (GPL) as published by the Free Software"
            " Foundation; either version 2 of the License, or (at your option) any later"
            " version.",
            "GPL-2.0-or-later",
        ),
    ],
)
def test_gnu_or_later_notices(notice: str, expected: str) -> None:
    assert detect_license_text(notice).expression == expected


def test_a_gnu_notice_with_an_exception_keeps_the_exception_as_an_unknown_part() -> None:
    # psycopg2 2.9.9's LICENSE: the notice, then an OpenSSL linking exception in prose.
    text = LGPL3_NAMED_NOTICE.replace("web3.js", "psycopg2") + (
        "\nIn addition, as a special exception, the copyright holders give permission to"
        " link this program with the OpenSSL library, and distribute linked combinations"
        " including the two.\nYou must obey the GNU Lesser General Public License in all"
        " respects for all of the code used other than OpenSSL.\n"
    )
    result = detect_license_text(text)
    assert result.expression == f"LGPL-3.0-or-later AND {UNKNOWN_TEXT_REF}"


def test_a_gnu_notice_with_a_restricting_program_name_is_not_taken() -> None:
    notice = LGPL3_NAMED_NOTICE.replace(
        "web3.js is free software", "The noncommercial web3.js is free software"
    )
    result = detect_license_text(notice)
    assert result.expression is None or UNKNOWN_TEXT_REF in result.expression
    assert "LGPL-3.0-or-later" not in [m.license_id for m in result.matches]


def test_the_sample_notice_of_an_unmatched_gnu_text_is_no_grant() -> None:
    # A GPL 2 text too altered to match (a section cut out): its "How to Apply" appendix
    # still shows an "or later" notice, an example and not this file's grant.
    gpl2 = _read("pypi__pylint__4.1.4__LICENSE")
    start = gpl2.index("  2. You may modify your copy")
    altered = gpl2[:start] + gpl2[gpl2.index("  3. You may copy and distribute") :]
    result = detect_license_text(altered)
    assert "GPL-2.0-or-later" not in [m.license_id for m in result.matches]
    assert result.expression != "GPL-2.0-or-later"


# -- several licenses in one file ---------------------------------------------------------------


def test_concatenated_licenses_are_and_with_a_score_per_part() -> None:
    text = MIT + "\n\nThe vendored parser is licensed as follows:\n\n" + APACHE
    result = detect_license_text(text)
    assert result.expression == "MIT AND Apache-2.0"
    mit, apache = result.matches
    assert (mit.license_id, apache.license_id) == ("MIT", "Apache-2.0")
    assert mit.end_line < apache.start_line
    assert mit.score == apache.score == 1.0
    assert apache.end_line == len(text.splitlines())


def test_a_dual_license_preamble_makes_an_or() -> None:
    preamble = "This project is dual licensed: you may use it under the MIT license or the\n"
    preamble += "Apache License 2.0, at your option.\n\n"
    result = detect_license_text(preamble + MIT + "\n\n" + APACHE)
    assert result.expression == "MIT OR Apache-2.0"
    assert result.note is not None and "choice" in result.note


APACHE_NOTICE = """\
Copyright 2024 Example Corp.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
"""


def test_apache_notice_alone_is_apache() -> None:
    result = detect_license_text(APACHE_NOTICE)
    assert result.expression == "Apache-2.0"
    assert (result.matches[0].start_line, result.matches[0].end_line) == (1, 13)
    restricted = APACHE_NOTICE + "\nThis file may not be used for military purposes.\n"
    assert detect_license_text(restricted).expression == f"Apache-2.0 AND {UNKNOWN_TEXT_REF}"


def test_spdx_identifier_lines() -> None:
    result = detect_license_text("# SPDX-License-Identifier: MIT OR Apache-2.0\n")
    assert result.expression == "MIT OR Apache-2.0"
    assert result.matches[0].start_line == 1
    assert detect_license_text("SPDX-License-Identifier: not an expression").expression is None


# -- robustness and speed -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "no license recognized"),
        ("   \n\n  ", "no license recognized"),
        ("Copyright 2020 Ann\nAll rights reserved.\n", "no license recognized"),
        ("\x00\x01PK\x03\x04" + "\x00" * 200, "binary data, not a license text"),
        (bytes(random.Random(7).randbytes(4096)).decode("latin-1"), "binary"),
    ],
    ids=["empty", "blank", "copyright-only", "zip-header", "random-bytes"],
)
def test_nothing_to_recognize(text: str, note: str) -> None:
    result = detect_license_text(text)
    assert result == Detection(None, 0.0, (), result.note)
    assert result.note is not None and note in result.note


def test_a_5_mb_text_takes_bounded_time() -> None:
    big = MIT * (5_000_000 // len(MIT))
    start = time.perf_counter()
    result = detect_license_text(big)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0  # about 0.6 s on the development machine
    assert result.expression is not None and result.expression.startswith("MIT AND ")
    assert result.note is not None and "only the first" in result.note
    words = random.Random(3).choices("lorem ipsum dolor sit amet consectetur".split(), k=900_000)
    start = time.perf_counter()
    assert detect_license_text(" ".join(words)).expression is None
    assert time.perf_counter() - start < 10.0


def test_a_typical_license_file_takes_a_few_milliseconds() -> None:
    detect_license_text(MIT)  # builds the index once
    start = time.perf_counter()
    for _ in range(20):
        detect_license_text(MIT)
    per_file = (time.perf_counter() - start) / 20
    assert per_file < 0.05  # about 1 ms on the development machine


def test_the_shipped_data() -> None:
    info = template_info()
    assert info["licenses"] > 600
    assert info["templates"] > info["licenses"]
    assert "license-list-XML" in info["source"]


def test_word_normalization() -> None:
    assert normalize_words("Sub-licence the Software, (c) 2020; see https://www.Example.org") == [
        "sublicense",
        "the",
        "software",
        "2020",
        "see",
        "http",
        "example.org",
    ]
    assert normalize_words("“Non-commercial” (a) organisation’s") == [
        "noncommercial",
        "organizations",
    ]


# -- several files of one package ------------------------------------------------------------


def _package(prefix: str) -> Detection:
    names = sorted(path.name for path in TEXTS.glob(f"{prefix}__*"))
    return combine_detections(detect_license_text(_read(name), filename=name) for name in names)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("pypi__cryptography__50.0.2", "Apache-2.0 OR BSD-3-Clause"),
        ("pypi__packaging__26.4", "Apache-2.0 OR BSD-2-Clause"),
        ("pypi__pygithub__2.10.0", "LGPL-3.0-only"),
        ("npm__dompurify__3.4.18", "Apache-2.0 AND MPL-2.0"),
        ("pypi__requests__2.34.2", "Apache-2.0"),
    ],
)
def test_license_files_of_one_package(prefix: str, expected: str) -> None:
    assert _shape(_package(prefix).expression) == _shape(expected)


@pytest.mark.parametrize(
    "pointer",
    [
        "This project is dual licensed.\n\nSee LICENSE.LGPLv3 and LICENSE.Apache2\n",
        "This project is dualed licensed.\n\nSee LICENSE.LGPLv3 and LICENSE.Apache2\n",
        "This software is tri-licensed: see the other LICENSE files.\n",
        "demo can be used under one of two licenses.\n\n1. LICENSE.A\n2. LICENSE.B\n\n"
        "The license chosen is at the discretion of the user of demo.\n",
    ],
)
def test_a_pointer_file_makes_the_other_files_a_choice(pointer: str) -> None:
    apache = _read("pypi__cryptography__50.0.2__LICENSE.APACHE")
    bsd = _read("pypi__cryptography__50.0.2__LICENSE.BSD")
    combined = combine_detections(
        detect_license_text(text, filename=name)
        for name, text in (("LICENSE", pointer), ("LICENSE.A", apache), ("LICENSE.B", bsd))
    )
    assert _shape(combined.expression) == _shape("Apache-2.0 OR BSD-3-Clause")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        # Permissive licenses each in a file named for it: the Rust convention, a choice.
        (("LICENSE-APACHE", "LICENSE-MIT"), "Apache-2.0 OR MIT"),
        (("LICENSE.APACHE2", "LICENSE.MIT.txt"), "Apache-2.0 OR MIT"),
        (("license-apache", "license-mit", "AUTHORS"), "Apache-2.0 OR MIT"),
        # A plain LICENSE among them, or files not named for their license: both apply.
        (("LICENSE", "LICENSE-MIT"), "Apache-2.0 AND MIT"),
        (("LICENSE-MIT", "LICENSE-APACHE"), "Apache-2.0 AND MIT"),
    ],
)
def test_permissive_licenses_in_files_named_for_them_are_a_choice(
    names: tuple[str, ...], expected: str
) -> None:
    texts = [APACHE, MIT, "Jane Doe\nJohn Roe\n"][: len(names)]
    combined = combine_detections(
        [detect_license_text(text, filename=name) for name, text in zip(names, texts, strict=True)],
        names,
    )
    assert _shape(combined.expression) == _shape(expected)


def test_a_copyleft_text_in_a_file_named_for_it_is_no_choice() -> None:
    names = ("LICENSE.GPL-3", "LICENSE.MIT")
    combined = combine_detections(
        [detect_license_text(GPL3, filename=names[0]), detect_license_text(MIT, filename=names[1])],
        names,
    )
    assert _shape(combined.expression) == _shape("GPL-3.0-only AND MIT")


def test_combining_nothing_recognized() -> None:
    empty = detect_license_text("")
    assert combine_detections([empty, empty]).expression is None


# -- a whole license text in a metadata field -------------------------------------------------


def test_normalize_reads_whole_texts_with_the_detector() -> None:
    gpl = normalize(GPL3)
    assert (gpl.expression, gpl.method) == ("GPL-3.0-only", "text")
    assert gpl.confidence == 0.75  # as sure as a key-phrase reading (score 1.0)
    json_license = normalize(_after_notice("The Software shall be used for Good, not Evil."))
    assert json_license.expression == "JSON"


# -- npm: SEE LICENSE IN <file>, or no license at all: the tarball's file -------------------------

ENDPOINT = f"{RECORDED}/npm"
TARBALLS = "https://files.test/npm"


def _tarball(files: dict[str, str], *, top: str = "package") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, text in {"package.json": '{"name": "demo"}', **files}.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _npm(name: str, version: str) -> Component:
    return Component(
        purl=make_purl("npm", name, version), name=name, version=version, ecosystem="npm"
    )


@pytest.fixture
def http(recorded_session: RecordedRegistry) -> Iterator[HttpClient]:
    with HttpClient(session_factory=recorded_session.session, sleep=lambda s: None) as client:
        yield client


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[LicenseCache]:
    with LicenseCache(tmp_path) as opened:
        yield opened


def _publish(
    recorded: RecordedRegistry, name: str, document: dict[str, Any], tarball: bytes | None
) -> str:
    url = f"{TARBALLS}/{name}-1.0.0.tgz"
    recorded.add(f"{ENDPOINT}/{name}/1.0.0", {**document, "dist": {"tarball": url}})
    if tarball is None:
        recorded.add(url, status=404)
    else:
        recorded.add(url, tarball)
    return url


@pytest.mark.parametrize(
    ("document", "wanted"),
    [
        ({"license": "SEE LICENSE IN LICENSE.md"}, "LICENSE.md"),
        ({"license": "SEE LICENSE IN ./docs/TERMS.txt"}, "docs/TERMS.txt"),
        ({"license": "see license in 'EULA'."}, "EULA"),
        ({}, ""),
        ({"license": ""}, ""),
        ({"license": "MIT"}, None),
        ({"license": "UNLICENSED"}, None),
    ],
)
def test_which_license_file_is_wanted(document: dict[str, Any], wanted: str | None) -> None:
    assert license_file_wanted(document) == wanted


def test_see_license_in_reads_the_file_from_the_tarball(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    tarball = _tarball({"LICENSE.md": BSD3, "README.md": "# demo\n"})
    url = _publish(recorded_session, "seefile", {"license": "SEE LICENSE IN LICENSE.md"}, tarball)
    resolution = NpmResolver().resolve(_npm("seefile", "1.0.0"), http, ENDPOINT, cache)
    assert resolution.expression == "BSD-3-Clause"
    assert resolution.source == SOURCE
    assert resolution.confidence == 1.0
    assert resolution.evidence[0].value == "SEE LICENSE IN LICENSE.md"
    assert resolution.evidence[-1].detail == f"{url} package/LICENSE.md"
    ranges = [r.headers.get("Range") for r in recorded_session.requests if r.url == url]
    assert ranges == ["bytes=0-16777215"]
    assert cache.get(NS_LICENSE_FILES, f"{url}#LICENSE.md") == {
        "files": [["package/LICENSE.md", BSD3]]
    }


def test_no_license_field_reads_the_license_files(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    tarball = _tarball({"LICENSE-MIT": MIT, "LICENSE-APACHE": APACHE, "index.js": ""}, top="demo")
    url = _publish(recorded_session, "nolicense", {"name": "nolicense"}, tarball)
    resolver = NpmResolver()
    resolution = resolver.resolve(_npm("nolicense", "1.0.0"), http, ENDPOINT, cache)
    # Permissive licenses each in a file named for it: a choice.
    assert _shape(resolution.expression) == _shape("Apache-2.0 OR MIT")
    details = [evidence.detail for evidence in resolution.evidence]
    assert details == [f"{url} demo/LICENSE-APACHE", f"{url} demo/LICENSE-MIT"]
    # The files are cached: a new resolver with the same cache asks for the document only.
    asked = len(recorded_session.requests)
    cache.put_resolution(_npm("nolicense", "1.0.0").purl, resolution, ttl=0.0)
    again = NpmResolver().resolve(_npm("nolicense", "1.0.0"), http, ENDPOINT, cache)
    assert again.expression == resolution.expression
    assert [r.url for r in recorded_session.requests[asked:]] == [f"{ENDPOINT}/nolicense/1.0.0"]


def test_a_license_file_with_extra_terms_keeps_an_unknown_part(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    text = MIT + "\nUse in military systems is prohibited.\n"
    _publish(
        recorded_session,
        "extra",
        {"license": "SEE LICENSE IN LICENSE"},
        _tarball({"LICENSE": text}),
    )
    resolution = NpmResolver().resolve(_npm("extra", "1.0.0"), http, ENDPOINT, cache)
    assert resolution.expression == f"MIT AND {UNKNOWN_TEXT_REF}"
    assert resolution.reason is not None and "match no license" in resolution.reason


def test_a_missing_tarball_or_file_keeps_the_declared_answer(
    recorded_session: RecordedRegistry, http: HttpClient, cache: LicenseCache
) -> None:
    _publish(recorded_session, "gone", {"license": "SEE LICENSE IN LICENSE"}, None)
    gone = NpmResolver().resolve(_npm("gone", "1.0.0"), http, ENDPOINT, cache)
    assert gone.expression == normalize("SEE LICENSE IN LICENSE").expression
    assert gone.reason is not None and "HTTP 404" in gone.reason
    _publish(recorded_session, "nofile", {}, _tarball({"README.md": "# no license here\n"}))
    nofile = NpmResolver().resolve(_npm("nofile", "1.0.0"), http, ENDPOINT, cache)
    assert nofile.expression is None
    assert nofile.reason == (
        "the npm registry declares no license; no license file in the tarball;"
        " README.md has no (single) License section"
    )


def test_a_lesser_gpl_notice_is_not_read_as_the_gpl_notice() -> None:
    # The FSF's LGPL 3 notice is the GPL 3 notice with "Lesser" added: one word, another license.
    header = (
        "# demo\n# Copyright (C) 2020 Ann Example\n#\n"
        "# This program is free software: you can redistribute it and/or modify it under\n"
        "# the terms of the GNU Lesser General Public License as published by the Free\n"
        "# Software Foundation, either version 3 of the License, or (at your option) any\n"
        "# later version.\n#\n"
        "# This program is distributed in the hope that it will be useful, but WITHOUT\n"
        "# ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or FITNESS\n"
        "# FOR A PARTICULAR PURPOSE. See the GNU Lesser General Public License for more\n"
        "# details.\n"
    )
    detection = detect_license_text(header)
    assert detection.expression == "LGPL-3.0-or-later"
    assert [match.license_id for match in detection.matches] == ["LGPL-3.0-or-later"]


# -- Debian's machine-readable copyright format --------------------------------------------

COPYRIGHT_FORMAT = """Format: https://copyright-format.test/1.0/
Upstream-Name: demo

Files: *
Copyright: 2020 The demo authors
License: BSD-3-Clause

Files: demo/_vendored/fast.py
Copyright: 2014 Jane Roe
License: Expat

Files: demo/data/*
Copyright: none
License: public-domain

License: BSD-3-Clause
 Redistribution and use in source and binary forms, with or without
 modification, are permitted provided that the following conditions are met: ...
"""


def test_a_machine_readable_copyright_file_joins_its_license_fields() -> None:
    result = detect_license_text(COPYRIGHT_FORMAT, filename="LICENSE.txt")
    assert _shape(result.expression) == _shape(
        "BSD-3-Clause AND MIT AND LicenseRef-ospo-public-domain"
    )
    assert result.note == (
        "LICENSE.txt: a machine-readable copyright file: License fields BSD-3-Clause, Expat,"
        " public-domain"
    )


def test_a_copyright_file_with_a_license_name_nobody_knows_is_not_read_as_one() -> None:
    text = COPYRIGHT_FORMAT.replace("License: Expat", "License: Acme-Fair-Use")
    result = detect_license_text(text)
    assert result.expression is None or "MIT" not in result.expression
