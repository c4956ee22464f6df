"""What the opening comments of a package's sources state (ospo_scan.licenses.headers)."""

from __future__ import annotations

import pytest

from ospo_scan.licenses.headers import SourceReading, leading_comment, source_license
from ospo_scan.licenses.normalize import PUBLIC_DOMAIN_REF

APACHE_NOTICE = (
    "# Copyright 2020 Demo Inc.\n#\n"
    '# Licensed under the Apache License, Version 2.0 (the "License");\n'
    "# you may not use this file except in compliance with the License.\n"
    "# You may obtain a copy of the License at\n#\n"
    "#     http://www.apache.org/licenses/LICENSE-2.0\n#\n"
    "# Unless required by applicable law or agreed to in writing, software\n"
    '# distributed under the License is distributed on an "AS IS" BASIS,\n'
    "# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\n"
    "# See the License for the specific language governing permissions and\n"
    "# limitations under the License.\n\nimport os\n"
)
GPL_NOTICE = (
    "/*\n * This file is part of demo.\n *\n"
    " * demo is free software: you can redistribute it and/or modify\n"
    " * it under the terms of the GNU General Public License as published by\n"
    " * the Free Software Foundation, either version 3 of the License, or\n"
    " * (at your option) any later version.\n *\n"
    " * demo is distributed in the hope that it will be useful,\n"
    " * but WITHOUT ANY WARRANTY; without even the implied warranty of\n"
    " * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the\n"
    " * GNU General Public License for more details.\n */\n#include <stdio.h>\n"
)


@pytest.mark.parametrize(
    ("text", "comment"),
    [
        (
            "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# One\n#  Two\nimport os\n# Three\n",
            "One\nTwo",
        ),
        ("'use strict';\n// One\n// Two\nvar a;\n", "One\nTwo"),
        ("/*!\n * One\n * Two\n */\nvar a; /* Three */\n", "One\nTwo"),
        ("/* One */\n/* Two */\ncode();\n", "One\nTwo"),
        ('"""Demo.\n\nOne\n"""\n# Two\nimport os\n', "Demo.\n\nOne\n\nTwo"),
        ("r'''One'''\nimport os\n", "One"),
        ("import os\n# One\n", ""),
        ("", ""),
    ],
)
def test_leading_comment(text: str, comment: str) -> None:
    assert leading_comment(text) == comment


@pytest.mark.parametrize(
    ("text", "expression"),
    [
        ("// SPDX-License-Identifier: MIT OR Apache-2.0\n", "MIT OR Apache-2.0"),
        ("/* SPDX-License-Identifier: BSD-3-Clause */\n", "BSD-3-Clause"),
        ("<!-- SPDX-License-Identifier: GPL-2.0+ -->\n", "GPL-2.0-or-later"),
        ("import os\n\n__license__ = 'MIT'\n", "MIT"),
        ('__license__ = "Apache License, Version 2.0"\n', "Apache-2.0"),
        ("/**\n * @license MIT\n * Copyright Demo\n */\n", "MIT"),
        ("# demo\n# License: BSD-2-Clause\n", "BSD-2-Clause"),
        (APACHE_NOTICE, "Apache-2.0"),
        (GPL_NOTICE, "GPL-3.0-or-later"),
        ("# Copyright (c) 2023 Demo\n# Distributed under the MIT software license\n", "MIT"),
        ("// This library is released under the ISC license.\n", "ISC"),
        ("/*\n    demo.js\n    2013-02-19\n\n    Public Domain.\n*/\n", PUBLIC_DOMAIN_REF),
        ("# Released into the public domain by its author.\n", PUBLIC_DOMAIN_REF),
    ],
)
def test_what_a_file_states(text: str, expression: str) -> None:
    reading = source_license([("demo/demo.py", text)])
    assert reading is not None
    assert reading.expression == expression
    assert reading.confidence == 0.7


@pytest.mark.parametrize(
    "text",
    [
        "import os\n",
        # A license named after code, or in a later comment: not the file's opening comment.
        "import os\n# Licensed under the MIT license.\n",
        "var a = 1;\n/* @license MIT */\n",
        # A family name, an unknown name, a sentence about something else.
        "# License: BSD\n",
        "# License: see LICENSE file\n",
        "# Uses libfoo, which is licensed under the LGPL.\n",
        "__license__ = 'Proprietary and confidential'\n",
        # A license text with other terms added is no clear statement.
        "# Permission is hereby granted to Demo Inc. employees only.\n",
    ],
)
def test_what_states_nothing(text: str) -> None:
    assert source_license([("demo/demo.py", text)]) is None


def test_files_in_vendored_folders_are_not_the_packages() -> None:
    sources = [
        ("demo/_vendor/six.py", "# SPDX-License-Identifier: MIT\n"),
        ("package/node_modules/x/index.js", "// SPDX-License-Identifier: ISC\n"),
        ("demo/third_party/lib.py", "# SPDX-License-Identifier: GPL-3.0-only\n"),
    ]
    assert source_license(sources) is None


def test_different_files_stating_different_licenses_all_apply() -> None:
    reading = source_license(
        [
            ("demo/a.py", "# SPDX-License-Identifier: Apache-2.0\n"),
            ("demo/b.py", "import os\n"),
            ("demo/c.py", "# SPDX-License-Identifier: MIT\n"),
            ("demo/d.py", "__license__ = 'Apache 2.0'\n"),
        ]
    )
    assert reading == SourceReading(
        "Apache-2.0 AND MIT",
        0.7,
        (
            ("demo/a.py", "# SPDX-License-Identifier: Apache-2.0"),
            ("demo/c.py", "# SPDX-License-Identifier: MIT"),
            ("demo/d.py", "__license__ = 'Apache 2.0'"),
        ),
    )
