"""License statements: short license files that name the licenses they offer."""

from __future__ import annotations

import pytest

from ospo_scan.licenses.detect import detect_license_text
from ospo_scan.licenses.statement import STATEMENT_CONFIDENCE, read_statement

DUAL_WITH_COMMERCIAL = """Software License Agreement
==========================

**Acme Editor** (https://git.test/acme/editor)
Copyright (c) 2010-2026, Acme Ltd. All rights reserved.

Licensed under a dual-license model, this software is available under:

* the [GNU General Public License Version 2 or later](https://www.gnu.org/licenses/gpl.html),
* or commercial license terms from Acme Ltd.

For more information, see: https://acme.test/licensing.
"""

TRI_LICENSE = """For complete licensing information, visit: https://acme.test/license

Acme Scheduler Premium is tri-licensed, meaning you must choose
one of three licenses to use:

- Commercial License
  (a paid license, intended for commercial use)
  https://acme.test/commercial-license

- Creative Commons Non-Commercial No-Derivatives
  (intended for trial and non-commercial use)
  https://creativecommons.org/licenses/by-nc-nd/4.0/

- GPLv3 License
  (intended for open-source projects)
  http://www.gnu.org/licenses/gpl-3.0.en.html
"""


def test_a_dual_license_statement_with_a_commercial_option() -> None:
    statement = read_statement(DUAL_WITH_COMMERCIAL)
    assert statement is not None
    assert statement.expression == "GPL-2.0-or-later"
    assert "a commercial license is also offered" in statement.note


def test_a_tri_license_statement_reads_names_and_urls() -> None:
    statement = read_statement(TRI_LICENSE)
    assert statement is not None
    assert statement.expression == "CC-BY-NC-ND-4.0 OR GPL-3.0-only"


def test_detection_falls_back_to_the_statement_with_its_confidence() -> None:
    detection = detect_license_text(DUAL_WITH_COMMERCIAL, filename="LICENSE.md")
    assert detection.expression == "GPL-2.0-or-later"
    assert detection.score == STATEMENT_CONFIDENCE
    assert detection.note is not None and detection.note.startswith("LICENSE.md: a license")


# The prose form (python-subunit 1.4.6's COPYING has this shape): one sentence names the
# licenses joined by "or", another says the reader chooses; a bullet about other code after it
# is not the list of choices.
PROSE_CHOICE = """Acme is licensed under two licenses, the Apache License, Version 2.0 or the
3-clause BSD License. You may use this project under either of these licenses
- choose the one that works best for you.

Code incorporated into Acme from other projects keeps its own license:
* The runtests.py module is a GPL test support module, never installed.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PROSE_CHOICE, {"Apache-2.0", "BSD-3-Clause"}),
        (
            "This project is dual licensed under the MIT license or the Apache License 2.0.\n",
            {"MIT", "Apache-2.0"},
        ),
        # A version "or later" is one license, not a choice.
        ("Dual licensed: this is available under the GPL version 2 or later.\n", None),
        # A name that normalize does not know: not a plain statement.
        ("Dual licensed under the MIT license or the Acme Fair Use Terms.\n", None),
    ],
    ids=["subunit", "dual-or", "or-later", "unknown-name"],
)
def test_a_choice_stated_in_one_sentence(text: str, expected: set[str] | None) -> None:
    statement = read_statement(text)
    if expected is None:
        assert statement is None
    else:
        assert statement is not None
        assert set(statement.expression.split(" OR ")) == expected


@pytest.mark.parametrize(
    "text",
    [
        # No statement of choice: a list is not an offer.
        "Acme uses:\n\n* MIT\n* Apache 2.0\n",
        # An item that names no license: not a plain statement.
        "This software is dual-licensed under:\n\n* MIT\n* the Acme Fair Use Terms\n",
        # A list of bundled third-party components and their licenses.
        "This package bundles third-party code available under:\n\n* MIT\n* BSD-3-Clause\n",
        # Only a commercial option.
        "This software is available under:\n\n* a commercial license from Acme\n",
        # Far too long for a statement.
        "This software is available under:\n\n* MIT\n\n" + "Terms apply. " * 200,
    ],
)
def test_what_is_not_a_statement(text: str) -> None:
    assert read_statement(text) is None
