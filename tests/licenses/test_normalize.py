"""normalize(), from_classifiers() and the id helpers, on strings met in real package metadata."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from ospo_scan.licenses.normalize import (
    COMMONS_CLAUSE_REF,
    LICENSE_TEXT_REF,
    PROPRIETARY_REF,
    PUBLIC_DOMAIN_REF,
    SEE_LICENSE_FILE_REF,
    AllOf,
    AnyOf,
    LicenseLeaf,
    Normalized,
    canonical_exception,
    canonical_id,
    from_classifiers,
    is_unknown_key,
    license_keys,
    normalize,
    parse_expression,
    refine_gnu_version,
    render,
)

# (declared string, expected expression, expected method). The strings are the ones found in
# npm package.json / lockfiles, setup.py and PKG-INFO "License:", Maven POM <name>, gemspecs,
# composer.json, Cargo.toml and SBOMs.
CASES: list[tuple[str, str | None, str]] = [
    # Valid SPDX: any shape, any case, rendered canonically.
    ("MIT", "MIT", "spdx"),
    ("mit", "MIT", "spdx"),
    ("ISC", "ISC", "spdx"),
    ("Apache-2.0", "Apache-2.0", "spdx"),
    ("apache-2.0", "Apache-2.0", "spdx"),
    ("BSD-3-Clause", "BSD-3-Clause", "spdx"),
    ("bsd-2-clause", "BSD-2-Clause", "spdx"),
    ("BSD-3-Clause-Clear", "BSD-3-Clause-Clear", "spdx"),
    ("BSD-2-Clause-Patent", "BSD-2-Clause-Patent", "spdx"),
    ("0BSD", "0BSD", "spdx"),
    ("BlueOak-1.0.0", "BlueOak-1.0.0", "spdx"),
    ("Python-2.0", "Python-2.0", "spdx"),
    ("CC-BY-3.0", "CC-BY-3.0", "spdx"),
    ("CC-BY-4.0", "CC-BY-4.0", "spdx"),
    ("CC0-1.0", "CC0-1.0", "spdx"),
    ("Unlicense", "Unlicense", "spdx"),
    ("WTFPL", "WTFPL", "spdx"),
    ("Zlib", "Zlib", "spdx"),
    ("zlib", "Zlib", "spdx"),
    ("MPL-2.0", "MPL-2.0", "spdx"),
    ("EPL-2.0", "EPL-2.0", "spdx"),
    ("Artistic-2.0", "Artistic-2.0", "spdx"),
    ("X11", "X11", "spdx"),
    ("MIT-0", "MIT-0", "spdx"),
    ("Unicode-DFS-2016", "Unicode-DFS-2016", "spdx"),
    ("Unicode-3.0", "Unicode-3.0", "spdx"),
    ("GPL-3.0-or-later", "GPL-3.0-or-later", "spdx"),
    ("gpl-3.0-only", "GPL-3.0-only", "spdx"),
    ("LGPL-2.1-or-later", "LGPL-2.1-or-later", "spdx"),
    ("AGPL-3.0-only", "AGPL-3.0-only", "spdx"),
    ("SSPL-1.0", "SSPL-1.0", "spdx"),
    ("BUSL-1.1", "BUSL-1.1", "spdx"),
    ("Elastic-2.0", "Elastic-2.0", "spdx"),
    ("MPL-2.0-no-copyleft-exception", "MPL-2.0-no-copyleft-exception", "spdx"),
    ("Apache-2.0 OR MIT", "Apache-2.0 OR MIT", "spdx"),
    ("MIT OR Apache-2.0", "MIT OR Apache-2.0", "spdx"),
    ("mit OR apache-2.0", "MIT OR Apache-2.0", "spdx"),
    ("mit or apache-2.0", "MIT OR Apache-2.0", "spdx"),
    ("(MIT OR Apache-2.0)", "MIT OR Apache-2.0", "spdx"),
    ("(MIT OR CC0-1.0)", "MIT OR CC0-1.0", "spdx"),
    ("(MIT AND BSD-3-Clause)", "MIT AND BSD-3-Clause", "spdx"),
    ("(BSD-2-Clause OR MIT OR Apache-2.0)", "BSD-2-Clause OR MIT OR Apache-2.0", "spdx"),
    ("MIT OR Apache-2.0 OR Zlib", "MIT OR Apache-2.0 OR Zlib", "spdx"),
    ("Apache-2.0 AND MIT AND MPL-2.0", "Apache-2.0 AND MIT AND MPL-2.0", "spdx"),
    ("BSD-3-Clause AND MPL-2.0", "BSD-3-Clause AND MPL-2.0", "spdx"),
    (
        "(MIT OR Apache-2.0) AND Unicode-DFS-2016",
        "(MIT OR Apache-2.0) AND Unicode-DFS-2016",
        "spdx",
    ),
    ("MIT AND (Apache-2.0 OR BSD-2-Clause)", "MIT AND (Apache-2.0 OR BSD-2-Clause)", "spdx"),
    ("Apache-2.0 WITH LLVM-exception", "Apache-2.0 WITH LLVM-exception", "spdx"),
    (
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "spdx",
    ),
    (
        "gpl-2.0-only with classpath-exception-2.0",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "spdx",
    ),
    (
        "Apache-2.0 WITH LLVM-exception OR MIT",
        "Apache-2.0 WITH LLVM-exception OR MIT",
        "spdx",
    ),
    ("MIT AND MIT", "MIT", "spdx"),
    ("LicenseRef-scancode-public-domain", "LicenseRef-scancode-public-domain", "spdx"),
    ("licenseref-foo", "LicenseRef-foo", "spdx"),
    (
        "Apache-2.0 AND LicenseRef-5f8cebc9aab3ce69",
        "Apache-2.0 AND LicenseRef-5f8cebc9aab3ce69",
        "spdx",
    ),
    (
        "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
        "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
        "spdx",
    ),
    # "X+" keeps SPDX semantics, except on GNU ids that have an -or-later form.
    ("Apache-2.0+", "Apache-2.0+", "spdx"),
    ("MPL-1.1+", "MPL-1.1+", "spdx"),
    # Deprecated ids become their replacements.
    ("GPL-2.0+", "GPL-2.0-or-later", "deprecated"),
    ("GPL-2.0", "GPL-2.0-only", "deprecated"),
    ("GPL-3.0", "GPL-3.0-only", "deprecated"),
    ("GPL-3.0+", "GPL-3.0-or-later", "deprecated"),
    ("GPL-1.0+", "GPL-1.0-or-later", "deprecated"),
    ("LGPL-2.1", "LGPL-2.1-only", "deprecated"),
    ("LGPL-2.1+", "LGPL-2.1-or-later", "deprecated"),
    ("LGPL-3.0", "LGPL-3.0-only", "deprecated"),
    ("LGPL-2.0+", "LGPL-2.0-or-later", "deprecated"),
    ("AGPL-3.0", "AGPL-3.0-only", "deprecated"),
    ("AGPL-1.0", "AGPL-1.0-only", "deprecated"),
    ("GFDL-1.3", "GFDL-1.3-only", "deprecated"),
    ("AGPL-3.0+", "AGPL-3.0-or-later", "deprecated"),
    ("GFDL-1.2+", "GFDL-1.2-or-later", "deprecated"),
    ("GPL-2.0-only+", "GPL-2.0-or-later", "deprecated"),
    ("eCos-2.0", "GPL-2.0-or-later WITH eCos-exception-2.0", "deprecated"),
    ("wxWindows", "LGPL-2.0-or-later WITH WxWindows-exception-3.1", "deprecated"),
    (
        "GPL-2.0-with-classpath-exception",
        "GPL-2.0-only WITH Classpath-exception-2.0",
        "deprecated",
    ),
    ("GPL-3.0-with-GCC-exception", "GPL-3.0-only WITH GCC-exception-3.1", "deprecated"),
    ("GPL-2.0-with-bison-exception", "GPL-2.0-only WITH Bison-exception-2.2", "deprecated"),
    ("BSD-2-Clause-FreeBSD", "BSD-2-Clause-Views", "deprecated"),
    ("BSD-2-Clause-NetBSD", "BSD-2-Clause", "deprecated"),
    ("StandardML-NJ", "SMLNJ", "deprecated"),
    ("Nunit", "zlib-acknowledgement", "deprecated"),
    ("bzip2-1.0.5", "bzip2-1.0.6", "deprecated"),
    ("Net-SNMP", "Net-SNMP", "deprecated"),
    ("GPL-2.0 WITH Linux-syscall-note", "GPL-2.0-only WITH Linux-syscall-note", "deprecated"),
    ("MIT OR GPL-3.0", "MIT OR GPL-3.0-only", "deprecated"),
    ("(GPL-2.0+ OR MIT)", "GPL-2.0-or-later OR MIT", "deprecated"),
    # Aliases.
    ("MIT License", "MIT", "alias"),
    ("The MIT License", "MIT", "alias"),
    ("The MIT License (MIT)", "MIT", "alias"),
    ("MIT license", "MIT", "alias"),
    ("MIT Licence", "MIT", "alias"),
    ("MIT/X11", "MIT", "alias"),
    ("Expat", "MIT", "alias"),
    ("Expat (MIT/X11)", "MIT", "alias"),
    ("License: MIT", "MIT", "alias"),
    ("Licensed under the MIT license", "MIT", "alias"),
    ("Apache 2.0", "Apache-2.0", "alias"),
    ("Apache 2", "Apache-2.0", "alias"),
    ("Apache2", "Apache-2.0", "alias"),
    ("Apache v2", "Apache-2.0", "alias"),
    ("Apache License 2.0", "Apache-2.0", "alias"),
    ("Apache License, Version 2.0", "Apache-2.0", "alias"),
    ("Apache License Version 2.0", "Apache-2.0", "alias"),
    ("Apache License (2.0)", "Apache-2.0", "alias"),
    ("The Apache Software License, Version 2.0", "Apache-2.0", "alias"),
    ("Apache Software License 2.0", "Apache-2.0", "alias"),
    ("Apache Software License", "Apache-2.0", "alias"),
    ("ASL 2.0", "Apache-2.0", "alias"),
    ("ALv2", "Apache-2.0", "alias"),
    ("Apache 1.1", "Apache-1.1", "alias"),
    ("new BSD", "BSD-3-Clause", "alias"),
    ("New BSD License", "BSD-3-Clause", "alias"),
    ("Modified BSD License", "BSD-3-Clause", "alias"),
    ("BSD-3", "BSD-3-Clause", "alias"),
    ("BSD 3-Clause", "BSD-3-Clause", "alias"),
    ("BSD 3-Clause License", "BSD-3-Clause", "alias"),
    ("BSD 3-clause license", "BSD-3-Clause", "alias"),
    ("3-clause BSD", "BSD-3-Clause", "alias"),
    ("BSD (3 clause)", "BSD-3-Clause", "alias"),
    ('BSD 3-Clause "New" or "Revised" License', "BSD-3-Clause", "alias"),
    ("Simplified BSD", "BSD-2-Clause", "alias"),
    ("2-clause BSD", "BSD-2-Clause", "alias"),
    ("BSD 2-Clause License", "BSD-2-Clause", "alias"),
    ("FreeBSD License", "BSD-2-Clause-Views", "alias"),
    ("Clear BSD", "BSD-3-Clause-Clear", "alias"),
    ("ISC License", "ISC", "alias"),
    ("ISC License (ISCL)", "ISC", "alias"),
    ("GPLv2", "GPL-2.0-only", "alias"),
    ("GPL v2", "GPL-2.0-only", "alias"),
    ("GPL-2", "GPL-2.0-only", "alias"),
    ("GPL2", "GPL-2.0-only", "alias"),
    ("GPLv2+", "GPL-2.0-or-later", "alias"),
    ("GPLv2 or later", "GPL-2.0-or-later", "alias"),
    ("GPL v3", "GPL-3.0-only", "alias"),
    ("GPLv3", "GPL-3.0-only", "alias"),
    ("GPLv3+", "GPL-3.0-or-later", "alias"),
    ("GNU GPL v3", "GPL-3.0-only", "alias"),
    ("GNU GPLv3", "GPL-3.0-only", "alias"),
    ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only", "alias"),
    ("GNU General Public License v3 or later", "GPL-3.0-or-later", "alias"),
    ("GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later", "alias"),
    ("GNU General Public License, version 2", "GPL-2.0-only", "alias"),
    ("GNU General Public License v3.0 only", "GPL-3.0-only", "alias"),
    ("GPL version 3 or any later version", "GPL-3.0-or-later", "alias"),
    ("GPL (>= 2)", "GPL-2.0-or-later", "alias"),
    ("LGPLv2.1+", "LGPL-2.1-or-later", "alias"),
    ("LGPL v2.1", "LGPL-2.1-only", "alias"),
    ("LGPLv3", "LGPL-3.0-only", "alias"),
    ("LGPLv3+", "LGPL-3.0-or-later", "alias"),
    ("GNU Lesser General Public License v3.0", "LGPL-3.0-only", "alias"),
    ("GNU Lesser General Public License v2.1 or later", "LGPL-2.1-or-later", "alias"),
    ("GNU Library General Public License v2", "LGPL-2.0-only", "alias"),
    ("AGPLv3", "AGPL-3.0-only", "alias"),
    ("AGPLv3+", "AGPL-3.0-or-later", "alias"),
    ("GNU Affero General Public License v3", "AGPL-3.0-only", "alias"),
    ("MPL 2.0", "MPL-2.0", "alias"),
    ("MPL2", "MPL-2.0", "alias"),
    ("Mozilla Public License 2.0", "MPL-2.0", "alias"),
    ("Mozilla Public License, v. 2.0", "MPL-2.0", "alias"),
    ("Mozilla Public License Version 1.1", "MPL-1.1", "alias"),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0", "alias"),
    ("Eclipse Public License - v 1.0", "EPL-1.0", "alias"),
    ("Eclipse Public License v2.0", "EPL-2.0", "alias"),
    ("EPL 2.0", "EPL-2.0", "alias"),
    ("Eclipse Distribution License - v 1.0", "BSD-3-Clause", "alias"),
    ("CDDL 1.1", "CDDL-1.1", "alias"),
    ("Common Development and Distribution License 1.0", "CDDL-1.0", "alias"),
    (
        "CDDL + GPLv2 with classpath exception",
        "CDDL-1.1 OR GPL-2.0-only WITH Classpath-exception-2.0",
        "alias",
    ),
    ("GPL2 w/ CPE", "GPL-2.0-only WITH Classpath-exception-2.0", "alias"),
    ("GPLv2 with Classpath Exception", "GPL-2.0-only WITH Classpath-exception-2.0", "alias"),
    ("GPL-2.0 with classpath exception", "GPL-2.0-only WITH Classpath-exception-2.0", "alias"),
    (
        "GNU General Public License v3 or later, with GCC Runtime Library Exception 3.1",
        "GPL-3.0-or-later WITH GCC-exception-3.1",
        "alias",
    ),
    ("PSF", "PSF-2.0", "alias"),
    ("PSF License", "PSF-2.0", "alias"),
    ("Python Software Foundation License", "PSF-2.0", "alias"),
    ("The Unlicense", "Unlicense", "alias"),
    ("Unlicense (Unlicense)", "Unlicense", "alias"),
    ("WTFPL-2.0", "WTFPL", "alias"),
    ("zlib/libpng", "Zlib", "alias"),
    ("Repoze Public License", "BSD-3-Clause-Modification", "alias"),
    ("zlib License", "Zlib", "alias"),
    ("CC0", "CC0-1.0", "alias"),
    ("CC0 1.0 Universal", "CC0-1.0", "alias"),
    ("Creative Commons Zero v1.0 Universal", "CC0-1.0", "alias"),
    ("CC BY 4.0", "CC-BY-4.0", "alias"),
    ("CC BY-SA 4.0", "CC-BY-SA-4.0", "alias"),
    ("CC-BY-NC-SA 4.0", "CC-BY-NC-SA-4.0", "alias"),
    ("Creative Commons Attribution 4.0 International", "CC-BY-4.0", "alias"),
    ("Creative Commons Attribution-ShareAlike 3.0", "CC-BY-SA-3.0", "alias"),
    ("Creative Commons Attribution-NonCommercial 4.0 International", "CC-BY-NC-4.0", "alias"),
    ("Boost Software License 1.0", "BSL-1.0", "alias"),
    ("Boost Software License", "BSL-1.0", "alias"),
    ("Business Source License 1.1", "BUSL-1.1", "alias"),
    ("Elastic License 2.0", "Elastic-2.0", "alias"),
    ("Server Side Public License", "SSPL-1.0", "alias"),
    ("Microsoft Public License", "MS-PL", "alias"),
    ("Universal Permissive License v1.0", "UPL-1.0", "alias"),
    ("SIL Open Font License 1.1", "OFL-1.1", "alias"),
    ("EUPL 1.2", "EUPL-1.2", "alias"),
    ("European Union Public Licence 1.2", "EUPL-1.2", "alias"),
    ("Artistic License 2.0", "Artistic-2.0", "alias"),
    ("Perl 5", "Artistic-1.0-Perl OR GPL-1.0-or-later", "alias"),
    ("perl_5", "Artistic-1.0-Perl OR GPL-1.0-or-later", "alias"),
    ("Ruby License", "Ruby", "alias"),
    ("PostgreSQL License", "PostgreSQL", "alias"),
    ("Bouncy Castle Licence", "MIT", "alias"),
    ("BSD 3 Clause", "BSD-3-Clause", "alias"),
    ("Public Domain", PUBLIC_DOMAIN_REF, "alias"),
    ("public domain", PUBLIC_DOMAIN_REF, "alias"),
    ("Commons Clause", COMMONS_CLAUSE_REF, "alias"),
    # Lists in prose: "or"/"dual" make a choice, anything else is AND (conservative).
    ("MIT or Apache 2.0", "MIT OR Apache-2.0", "alias"),
    ("MIT OR Apache License 2.0", "MIT OR Apache-2.0", "alias"),
    ("Apache License 2.0 and MIT", "Apache-2.0 AND MIT", "alias"),
    ("Apache-2.0 / MIT", "Apache-2.0 OR MIT", "alias"),
    ("MIT/Apache-2.0", "MIT OR Apache-2.0", "alias"),
    ("MIT / Apache 2.0", "MIT OR Apache-2.0", "alias"),
    ("Apache-2.0, MIT", "Apache-2.0 AND MIT", "alias"),
    ("MIT, BSD-3-Clause", "MIT AND BSD-3-Clause", "alias"),
    ("Apache License, Version 2.0 and MIT", "Apache-2.0 AND MIT", "alias"),
    ("Apache License, Version 2.0, MIT", "Apache-2.0 AND MIT", "alias"),
    ("GPL v2 or later, MIT", "GPL-2.0-or-later AND MIT", "alias"),
    ("BSD-2-Clause, Ruby", "BSD-2-Clause AND Ruby", "alias"),
    ("MIT and/or Apache-2.0", "MIT OR Apache-2.0", "alias"),
    ("GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only", "alias"),
    ("Dual MIT/GPL", "MIT OR GPL-1.0-or-later", "ambiguous"),
    ("Dual licensed under MIT and Apache 2.0", "MIT OR Apache-2.0", "alias"),
    ("Dual-licensed: MIT, Apache-2.0", "MIT OR Apache-2.0", "alias"),
    ("MIT,", "MIT", "alias"),
    ("MIT License, see LICENSE file", "MIT", "alias"),
    ("LGPL, see LICENSE", "LGPL-2.0-or-later", "ambiguous"),
    ("Proprietary license. See LICENSE", PROPRIETARY_REF, "proprietary"),
    ("Apache License 2.0 with LLVM Exceptions", "Apache-2.0 WITH LLVM-exception", "alias"),
    ("Unicode License Agreement - Data Files and Software (2016)", "Unicode-DFS-2016", "alias"),
    ("MIT OR", "MIT", "alias"),
    # Restrictions written like exceptions stay visible as keys of their own.
    ("Apache-2.0 WITH Commons-Clause", f"Apache-2.0 AND {COMMONS_CLAUSE_REF}", "alias"),
    ("Apache 2.0 with Commons Clause", f"Apache-2.0 AND {COMMONS_CLAUSE_REF}", "alias"),
    ("MIT + Commons Clause", f"MIT AND {COMMONS_CLAUSE_REF}", "alias"),
    (
        "GPL-2.0-or-later WITH Foo-exception",
        "GPL-2.0-or-later AND LicenseRef-ospo-foo-exception",
        "unrecognized",
    ),
    # Ambiguous: a guess, never silent.
    ("BSD", "BSD-3-Clause", "ambiguous"),
    ("BSD License", "BSD-3-Clause", "ambiguous"),
    ("The BSD License", "BSD-3-Clause", "ambiguous"),
    ("GPL", "GPL-1.0-or-later", "ambiguous"),
    ("GNU GPL", "GPL-1.0-or-later", "ambiguous"),
    ("GNU General Public License (GPL)", "GPL-1.0-or-later", "ambiguous"),
    ("LGPL", "LGPL-2.0-or-later", "ambiguous"),
    ("GNU Lesser General Public License", "LGPL-2.0-or-later", "ambiguous"),
    ("AGPL", "AGPL-3.0-or-later", "ambiguous"),
    ("MPL", "MPL-2.0", "ambiguous"),
    ("Apache License", "Apache-2.0", "ambiguous"),
    ("Eclipse Public License", "EPL-1.0", "ambiguous"),
    ("Artistic License", "Artistic-2.0", "ambiguous"),
    ("MIT OR GPL", "MIT OR GPL-1.0-or-later", "ambiguous"),
    # License URLs.
    ("https://opensource.org/licenses/MIT", "MIT", "url"),
    ("http://opensource.org/licenses/mit-license.php", "MIT", "url"),
    ("https://opensource.org/license/bsd-3-clause/", "BSD-3-Clause", "url"),
    ("http://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0", "url"),
    ("http://www.apache.org/licenses/LICENSE-2.0.txt", "Apache-2.0", "url"),
    ("https://www.apache.org/licenses/LICENSE-2.0.html", "Apache-2.0", "url"),
    ("www.apache.org/licenses/LICENSE-2.0", "Apache-2.0", "url"),
    ("https://www.gnu.org/licenses/gpl-3.0.html", "GPL-3.0-only", "url"),
    ("http://www.gnu.org/licenses/old-licenses/gpl-2.0.html", "GPL-2.0-only", "url"),
    ("https://www.gnu.org/licenses/lgpl-2.1.txt", "LGPL-2.1-only", "url"),
    ("https://www.gnu.org/licenses/agpl.html", "AGPL-3.0-only", "url"),
    ("https://spdx.org/licenses/BSD-3-Clause.html", "BSD-3-Clause", "url"),
    ("https://spdx.org/licenses/MIT", "MIT", "url"),
    ("https://www.mozilla.org/en-US/MPL/2.0/", "MPL-2.0", "url"),
    ("http://www.eclipse.org/legal/epl-v10.html", "EPL-1.0", "url"),
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0", "url"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0", "url"),
    ("https://choosealicense.com/licenses/mit/", "MIT", "url"),
    ("http://www.gnu.org/copyleft/gpl.html", "GPL-1.0-or-later", "ambiguous"),
    ("http://www.opensource.org/licenses/bsd-license.php", "BSD-3-Clause", "url"),
    # npm specifics and files.
    ("UNLICENSED", PROPRIETARY_REF, "proprietary"),
    ("unlicensed", PROPRIETARY_REF, "proprietary"),
    ("SEE LICENSE IN LICENSE.md", SEE_LICENSE_FILE_REF, "unrecognized"),
    ("SEE LICENSE IN <LICENSE>", SEE_LICENSE_FILE_REF, "unrecognized"),
    ("See LICENSE file", SEE_LICENSE_FILE_REF, "unrecognized"),
    ("LICENSE.txt", SEE_LICENSE_FILE_REF, "unrecognized"),
    ("COPYING", SEE_LICENSE_FILE_REF, "unrecognized"),
    (
        "https://github.com/owner/project/blob/main/LICENSE",
        SEE_LICENSE_FILE_REF,
        "unrecognized",
    ),
    # Proprietary declarations.
    ("Proprietary", PROPRIETARY_REF, "proprietary"),
    ("Commercial", PROPRIETARY_REF, "proprietary"),
    ("Other/Proprietary License", PROPRIETARY_REF, "proprietary"),
    ("All Rights Reserved", PROPRIETARY_REF, "proprietary"),
    ("Copyright (c) 2020 Example Corp. All rights reserved.", PROPRIETARY_REF, "proprietary"),
    # Nothing declared.
    ("", None, "unrecognized"),
    ("   ", None, "unrecognized"),
    ("UNKNOWN", None, "unrecognized"),
    ("unknown", None, "unrecognized"),
    ("NOASSERTION", None, "spdx"),
    ("NONE", None, "spdx"),
    ("none", None, "spdx"),
    ("-", None, "unrecognized"),
    ("n/a", None, "unrecognized"),
    # A copyright notice names the holder, not the terms (gevent-websocket 0.10.1's License).
    ("Copyright 2011-2017 Jeffrey Gelens <jeffrey@noppo.pro>", None, "unrecognized"),
    ("(c) 2020 Example Corp.", None, "unrecognized"),
    # ... unless it names terms too: a person reads it.
    (
        "Copyright (c) 2019 Ann, licensed under the Foo terms",
        "LicenseRef-ospo-copyright-c-2019-ann-licensed-u-c6c85c9f",
        "unrecognized",
    ),
    # Unrecognized: visible LicenseRefs, never a guess.
    ("Dual License", "LicenseRef-ospo-dual-license", "unrecognized"),
    ("Custom", "LicenseRef-ospo-custom", "unrecognized"),
    ("OSI Approved", "LicenseRef-ospo-osi-approved", "unrecognized"),
    ("BSD+Patents", "LicenseRef-ospo-bsd-patents", "unrecognized"),
    ("Foo-1.0 OR MIT", "LicenseRef-ospo-foo-1.0 OR MIT", "unrecognized"),
    ("BSL", "LicenseRef-ospo-bsl", "unrecognized"),
    # "-style" means "not exactly": never read as the license itself.
    ("MIT-style", "LicenseRef-ospo-mit-style", "unrecognized"),
    ("BSD-style", "LicenseRef-ospo-bsd-style", "unrecognized"),
    ("BSD-like", "LicenseRef-ospo-bsd-like", "unrecognized"),
    # A parenthetical that qualifies the name is not dropped.
    ("BSD License 2.0", "LicenseRef-ospo-bsd-license-2.0", "unrecognized"),
    (
        "MIT (non-commercial use only)",
        "LicenseRef-ospo-mit-non-commercial-use-only",
        "unrecognized",
    ),
    ("Apache 2.0 (modified)", "LicenseRef-ospo-apache-2.0-modified", "unrecognized"),
    ("BSD License (BSD-2-Clause)", "BSD-2-Clause", "alias"),
    ("Apache-2.0 / Commons Clause", f"Apache-2.0 AND {COMMONS_CLAUSE_REF}", "alias"),
    ("MIT OR Commons-Clause", f"MIT AND {COMMONS_CLAUSE_REF}", "alias"),
    ("MIT, some restrictions apply", "LicenseRef-ospo-mit-some-restrictions-apply", "unrecognized"),
]


@pytest.mark.parametrize(
    ("raw", "expression", "method"), CASES, ids=[c[0] or "<empty>" for c in CASES]
)
def test_normalize(raw: str, expression: str | None, method: str) -> None:
    result = normalize(raw)
    assert (result.expression, result.method) == (expression, method)
    assert result.raw == raw


def test_there_are_many_real_world_cases() -> None:
    assert len(CASES) >= 150
    assert len({raw for raw, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("raw", "expression"),
    [(raw, expression) for raw, expression, _ in CASES if expression is not None],
)
def test_output_is_canonical_spdx(raw: str, expression: str) -> None:
    """Every answer parses as SPDX and reads back as itself, exactly and with method spdx."""
    assert render(parse_expression(expression)) == expression
    again = normalize(expression)
    # Net-SNMP is deprecated with no replacement: it stays, and stays "deprecated".
    method, confidence = ("deprecated", 0.95) if expression == "Net-SNMP" else ("spdx", 1.0)
    assert (again.expression, again.method, again.confidence) == (expression, method, confidence)


def test_confidence_follows_the_method() -> None:
    assert normalize("MIT").confidence == 1.0
    assert 0.9 <= normalize("GPL-2.0").confidence < 1.0
    assert 0.5 <= normalize("MIT License").confidence < normalize("GPL-2.0").confidence
    # Ambiguous and unrecognized answers are below the 0.5 a resolver flags for review.
    assert normalize("BSD").confidence < 0.5
    assert normalize("GPL").confidence < 0.5
    assert normalize("some words").confidence < normalize("BSD").confidence
    # A list read from prose is trusted less than any of its parts.
    assert normalize("Apache-2.0, MIT").confidence < normalize("Apache 2.0").confidence


def test_ambiguous_answers_say_why() -> None:
    result = normalize("BSD License")
    assert result.note is not None and "BSD-3-Clause assumed" in result.note
    assert "any version" in (normalize("GPL").note or "")


def test_see_license_in_names_the_file() -> None:
    result = normalize("SEE LICENSE IN LICENSE-COMMERCIAL.txt")
    assert result.expression == SEE_LICENSE_FILE_REF
    assert result.note is not None and "LICENSE-COMMERCIAL.txt" in result.note
    assert is_unknown_key(SEE_LICENSE_FILE_REF)


def test_unrecognized_refs_are_valid_short_spdx_ids() -> None:
    long_a = "Some very long home-made license name that goes on and on, version A"
    long_b = "Some very long home-made license name that goes on and on, version B"
    keys = [normalize(raw).expression or "" for raw in (long_a, long_b, "Ümlaut Lizenz ©")]
    for key in keys:
        assert re.fullmatch(r"LicenseRef-ospo-[a-z0-9.-]+", key), key
        assert len(key) <= len("LicenseRef-ospo-") + 40
        assert is_unknown_key(key)
    assert keys[0] != keys[1]
    assert keys[2] == "LicenseRef-ospo-mlaut-lizenz"


def test_quoted_and_padded_values() -> None:
    assert normalize('"MIT"').expression == "MIT"
    assert normalize("  Apache-2.0\n").expression == "Apache-2.0"


def test_normalize_is_cached() -> None:
    assert normalize("MIT OR Apache-2.0") is normalize("MIT OR Apache-2.0")


# Whole license texts in a metadata field. The texts below are written for the test from the
# licenses' key sentences (the phrases the matcher keys on), with their usual layout.
MIT_TEXT = """The MIT License (MIT)

Copyright (c) 2019 Example Author

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

BSD_HEAD = """Copyright (c) 2020, Example Org
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
"""
BSD_THIRD = """
3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.
"""
BSD_DISCLAIMER = """
THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES ARISING IN ANY WAY OUT OF THE USE OF THIS SOFTWARE.
"""
ISC_TEXT = """ISC License

Copyright (c) 2004-2010 by Example Person

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS.
"""
APACHE_HEADER = """Copyright 2021 Example Inc.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
"""
APACHE_FULL_OUTLINE = """
                                 Apache License
                           Version 2.0, January 2004

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions. (... sections 1 to 8 ...)

   9. Accepting Warranty or Additional Liability. (...) by reason
      of your accepting any such warranty or additional liability.
"""
APACHE_APPENDIX = """
   END OF TERMS AND CONDITIONS

   APPENDIX: How to apply the Apache License to your work.

      (... how to attach the notice ...)

   Licensed under the Apache License, Version 2.0 (the "License");
   you may not use this file except in compliance with the License.
   (...) limitations under the License.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MIT_TEXT, "MIT"),
        ("# " + MIT_TEXT.replace("\n", "\n# "), "MIT"),  # as a comment block
        (BSD_HEAD + BSD_DISCLAIMER, "BSD-2-Clause"),
        (BSD_HEAD + BSD_THIRD + BSD_DISCLAIMER, "BSD-3-Clause"),
        (ISC_TEXT, "ISC"),
        (APACHE_HEADER, "Apache-2.0"),
        (APACHE_FULL_OUTLINE, "Apache-2.0"),
        (APACHE_FULL_OUTLINE + APACHE_APPENDIX, "Apache-2.0"),
        (
            BSD_HEAD
            + "\n3. The name of the author may not be used to endorse or promote products\n"
            "   derived from this software without specific prior written permission.\n"
            + BSD_DISCLAIMER,
            "BSD-3-Clause",
        ),
    ],
    ids=[
        "mit",
        "mit-commented",
        "bsd-2",
        "bsd-3",
        "isc",
        "apache-header",
        "apache-full",
        "apache-full-appendix",
        "bsd-3-name-of-the-author",
    ],
)
def test_common_license_texts(text: str, expected: str) -> None:
    result = normalize(text)
    assert (result.expression, result.method) == (expected, "text")
    assert 0.5 <= result.confidence < 1.0


@pytest.mark.parametrize(
    "text",
    [
        # JSON license: MIT plus a use restriction.
        MIT_TEXT + "\nThe Software shall be used for Good, not Evil.\n",
        # MIT with the Commons Clause rider.
        MIT_TEXT + '\n"Commons Clause" License Condition v1.0: the Software may not be sold.\n',
        # BSD-3-Clause-Clear: must not become BSD-3-Clause.
        BSD_HEAD
        + BSD_THIRD
        + "\nNO EXPRESS OR IMPLIED LICENSES TO ANY PARTY'S PATENT RIGHTS ARE GRANTED BY THIS "
        "LICENSE.\n" + BSD_DISCLAIMER,
        # BSD-4-Clause: the advertising clause.
        BSD_HEAD
        + "\n3. All advertising materials mentioning features or use of this software must "
        "display the following acknowledgement.\n" + BSD_THIRD + BSD_DISCLAIMER,
        # A license text nobody recognizes.
        "This software may be used by employees of Example Corp only.\n" * 5,
        # MIT followed by further, unrelated licenses (a NOTICE-style bundle).
        MIT_TEXT + ("\n---\nThird-party component license text follows. " * 20),
        # The Apache text with another license after it (typeshed's LICENSE file does this).
        APACHE_FULL_OUTLINE + APACHE_APPENDIX + "\nParts of this project are under the MIT "
        "license:\n" + MIT_TEXT,
        # ... or introduced as one part of a bundle.
        "Most of this project is MIT licensed; the vendored parser is under the license "
        "below, which we reproduce in full.\n\n" + "Some preamble. " * 30 + APACHE_FULL_OUTLINE,
        # The Apache header with a restriction added after it.
        APACHE_HEADER + "\nThis file may not be used for military purposes.\n",
    ],
    ids=[
        "json",
        "commons-clause",
        "bsd-3-clause-clear",
        "bsd-4-clause",
        "unknown",
        "bundle",
        "apache-then-mit",
        "apache-inside-a-bundle",
        "apache-header-with-restriction",
    ],
)
def test_license_texts_with_extra_terms_stay_unknown(text: str) -> None:
    result = normalize(text)
    assert (result.expression, result.method) == (LICENSE_TEXT_REF, "unrecognized")
    assert is_unknown_key(LICENSE_TEXT_REF)


# The License :: classifiers of the official trove classifier list (trove-classifiers
# 2025-2026), including the deprecated ones PyPI still shows on old releases.
OFFICIAL_LICENSE_CLASSIFIERS = [
    "License :: Aladdin Free Public License (AFPL)",
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
    "License :: CeCILL-B Free Software License Agreement (CECILL-B)",
    "License :: CeCILL-C Free Software License Agreement (CECILL-C)",
    "License :: DFSG approved",
    "License :: Eiffel Forum License (EFL)",
    "License :: Free For Educational Use",
    "License :: Free For Home Use",
    "License :: Free To Use But Restricted",
    "License :: Free for non-commercial use",
    "License :: Freely Distributable",
    "License :: Freeware",
    "License :: GUST Font License 1.0",
    "License :: GUST Font License 2006-09-30",
    "License :: Netscape Public License (NPL)",
    "License :: Nokia Open Source License (NOKOS)",
    "License :: OSI Approved",
    "License :: OSI Approved :: Academic Free License (AFL)",
    "License :: OSI Approved :: Apache Software License",
    "License :: OSI Approved :: Apple Public Source License",
    "License :: OSI Approved :: Artistic License",
    "License :: OSI Approved :: Attribution Assurance License",
    "License :: OSI Approved :: BSD License",
    "License :: OSI Approved :: Blue Oak Model License (BlueOak-1.0.0)",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)",
    "License :: OSI Approved :: CEA CNRS Inria Logiciel Libre License, version 2.1 (CeCILL-2.1)",
    "License :: OSI Approved :: CMU License (MIT-CMU)",
    "License :: OSI Approved :: Common Development and Distribution License 1.0 (CDDL-1.0)",
    "License :: OSI Approved :: Common Public License",
    "License :: OSI Approved :: Eclipse Public License 1.0 (EPL-1.0)",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)",
    "License :: OSI Approved :: Educational Community License, Version 2.0 (ECL-2.0)",
    "License :: OSI Approved :: Eiffel Forum License",
    "License :: OSI Approved :: European Union Public Licence 1.0 (EUPL 1.0)",
    "License :: OSI Approved :: European Union Public Licence 1.1 (EUPL 1.1)",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)",
    "License :: OSI Approved :: GNU Affero General Public License v3",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
    "License :: OSI Approved :: GNU Free Documentation License (FDL)",
    "License :: OSI Approved :: GNU General Public License (GPL)",
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)",
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
    "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)",
    "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)",
    "License :: OSI Approved :: IBM Public License",
    "License :: OSI Approved :: ISC License (ISCL)",
    "License :: OSI Approved :: Intel Open Source License",
    "License :: OSI Approved :: Jabber Open Source License",
    "License :: OSI Approved :: MIT License",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)",
    "License :: OSI Approved :: MITRE Collaborative Virtual Workspace License (CVW)",
    "License :: OSI Approved :: MirOS License (MirOS)",
    "License :: OSI Approved :: Motosoto License",
    "License :: OSI Approved :: Mozilla Public License 1.0 (MPL)",
    "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
    "License :: OSI Approved :: Mulan Permissive Software License v2 (MulanPSL-2.0)",
    "License :: OSI Approved :: NASA Open Source Agreement v1.3 (NASA-1.3)",
    "License :: OSI Approved :: Nethack General Public License",
    "License :: OSI Approved :: Nokia Open Source License",
    "License :: OSI Approved :: Open Group Test Suite License",
    "License :: OSI Approved :: Open Software License 3.0 (OSL-3.0)",
    "License :: OSI Approved :: PostgreSQL License",
    "License :: OSI Approved :: Python License (CNRI Python License)",
    "License :: OSI Approved :: Python Software Foundation License",
    "License :: OSI Approved :: Qt Public License (QPL)",
    "License :: OSI Approved :: Ricoh Source Code Public License",
    "License :: OSI Approved :: SIL Open Font License 1.1 (OFL-1.1)",
    "License :: OSI Approved :: Sleepycat License",
    "License :: OSI Approved :: Sun Industry Standards Source License (SISSL)",
    "License :: OSI Approved :: Sun Public License",
    "License :: OSI Approved :: The Unlicense (Unlicense)",
    "License :: OSI Approved :: Universal Permissive License (UPL)",
    "License :: OSI Approved :: University of Illinois/NCSA Open Source License",
    "License :: OSI Approved :: Vovida Software License 1.0",
    "License :: OSI Approved :: W3C License",
    "License :: OSI Approved :: X.Net License",
    "License :: OSI Approved :: Zero-Clause BSD (0BSD)",
    "License :: OSI Approved :: Zope Public License",
    "License :: OSI Approved :: zlib/libpng License",
    "License :: Other/Proprietary License",
    "License :: Public Domain",
    "License :: Repoze Public License",
]


@pytest.mark.parametrize("classifier", OFFICIAL_LICENSE_CLASSIFIERS)
def test_every_official_license_classifier_is_mapped(classifier: str) -> None:
    result = from_classifiers([classifier])
    assert result is not None and result.expression is not None
    # Mapped from our table (never the fallback for unknown classifiers), to a valid expression.
    assert result.note is None or "unknown classifier" not in result.note
    assert result.method in ("classifier", "proprietary")
    parse_expression(result.expression)
    assert result.confidence <= 0.8


@pytest.mark.parametrize(
    ("classifiers", "expression", "confidence"),
    [
        (["License :: OSI Approved :: MIT License"], "MIT", 0.8),
        (["License :: OSI Approved", "License :: OSI Approved :: MIT License"], "MIT", 0.8),
        (
            ["License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)"],
            "GPL-2.0-or-later",
            0.8,
        ),
        (["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"], "GPL-3.0-only", 0.8),
        (
            ["License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)"],
            "LGPL-3.0-or-later",
            0.8,
        ),
        (["License :: OSI Approved :: Apache Software License"], "Apache-2.0", 0.7),
        (["License :: OSI Approved :: BSD License"], "BSD-3-Clause", 0.4),
        (["License :: OSI Approved :: Python Software Foundation License"], "PSF-2.0", 0.8),
        (["License :: OSI Approved :: ISC License (ISCL)"], "ISC", 0.8),
        (["License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)"], "MPL-2.0", 0.8),
        (["License :: OSI Approved :: The Unlicense (Unlicense)"], "Unlicense", 0.8),
        (["License :: Public Domain"], PUBLIC_DOMAIN_REF, 0.7),
        (["License :: Other/Proprietary License"], PROPRIETARY_REF, 0.8),
        (["License :: OSI Approved"], "LicenseRef-ospo-osi-approved", 0.3),
        # Several licenses: all must be accepted (AND), in the order given.
        (
            [
                "License :: OSI Approved :: MIT License",
                "License :: OSI Approved :: Apache Software License",
            ],
            "MIT AND Apache-2.0",
            0.7,
        ),
        (
            [
                "Programming Language :: Python :: 3",
                "License :: OSI Approved :: BSD License",
                "License :: OSI Approved :: GNU General Public License (GPL)",
                "Operating System :: OS Independent",
            ],
            "BSD-3-Clause AND GPL-1.0-or-later",
            0.4,
        ),
        # Extra spaces and repeats do not matter.
        (
            ["License ::  OSI Approved  :: MIT License", "License :: OSI Approved :: MIT License"],
            "MIT",
            0.8,
        ),
        # A classifier newer than our table: the SPDX id in its parentheses.
        (
            ["License :: OSI Approved :: Fictional Future License (BSD-2-Clause-Patent)"],
            "BSD-2-Clause-Patent",
            0.8,
        ),
    ],
)
def test_from_classifiers(classifiers: list[str], expression: str, confidence: float) -> None:
    result = from_classifiers(classifiers)
    assert result is not None
    assert (result.expression, result.confidence) == (expression, confidence)


def test_from_classifiers_without_a_license_classifier() -> None:
    assert from_classifiers([]) is None
    assert from_classifiers(["Programming Language :: Python", "Topic :: Utilities"]) is None


def test_from_classifiers_keeps_the_classifiers_as_raw() -> None:
    result = from_classifiers(["License :: OSI Approved :: BSD License"])
    assert result == Normalized(
        "BSD-3-Clause",
        0.4,
        "classifier",
        "License :: OSI Approved :: BSD License",
        '"BSD License" names a family of licenses (2-, 3- and 4-clause); BSD-3-Clause assumed',
    )


def test_an_unknown_classifier_is_an_unknown_key() -> None:
    result = from_classifiers(["License :: Some Brand New License"])
    assert result is not None
    assert (result.expression, result.method) == (
        "LicenseRef-ospo-some-brand-new-license",
        "unrecognized",
    )


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("mit", "MIT"),
        ("MIT", "MIT"),
        ("apache-2.0", "Apache-2.0"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("gpl-2.0", "GPL-2.0-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("GPL-3.0-only+", "GPL-3.0-or-later"),
        ("Apache-2.0+", "Apache-2.0+"),
        ("eCos-2.0", "eCos-2.0"),
        ("Net-SNMP", "Net-SNMP"),
        ("MPL-2.0-no-copyleft-exception", "MPL-2.0-no-copyleft-exception"),
        (" BSD-3-Clause ", "BSD-3-Clause"),
        ("Classpath-exception-2.0", None),
        ("LicenseRef-foo", None),
        ("MIT License", None),
        ("MIT OR Apache-2.0", None),
        ("", None),
    ],
)
def test_canonical_id(key: str, expected: str | None) -> None:
    assert canonical_id(key) == expected


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("classpath-exception-2.0", "Classpath-exception-2.0"),
        ("LLVM-exception", "LLVM-exception"),
        ("linux-syscall-note", "Linux-syscall-note"),
        ("GCC-exception-3.1", "GCC-exception-3.1"),
        ("Nokia-Qt-exception-1.1", "Qt-LGPL-exception-1.1"),
        ("MIT", None),
        ("MPL-2.0-no-copyleft-exception", None),
        ("Commons-Clause", None),
    ],
)
def test_canonical_exception(key: str, expected: str | None) -> None:
    assert canonical_exception(key) == expected


def test_parse_expression_builds_the_tree() -> None:
    tree = parse_expression(
        "mit or (apache-2.0 and bsd-3-clause) or gpl-2.0+ with classpath-exception-2.0"
    )
    assert tree == AnyOf(
        (
            LicenseLeaf("MIT"),
            AllOf((LicenseLeaf("Apache-2.0"), LicenseLeaf("BSD-3-Clause"))),
            LicenseLeaf("GPL-2.0-or-later", "Classpath-exception-2.0"),
        )
    )
    assert render(tree) == (
        "MIT OR (Apache-2.0 AND BSD-3-Clause) OR GPL-2.0-or-later WITH Classpath-exception-2.0"
    )


def test_parse_expression_follows_spdx_precedence_and_flattens() -> None:
    # AND binds tighter than OR (SPDX 2.3 annex D); nested same operators flatten.
    assert parse_expression("MIT OR Apache-2.0 AND BSD-2-Clause") == AnyOf(
        (LicenseLeaf("MIT"), AllOf((LicenseLeaf("Apache-2.0"), LicenseLeaf("BSD-2-Clause"))))
    )
    assert parse_expression("MIT AND (ISC AND (Zlib AND MIT))") == AllOf(
        (LicenseLeaf("MIT"), LicenseLeaf("ISC"), LicenseLeaf("Zlib"))
    )
    assert parse_expression("eCos-2.0") == LicenseLeaf("GPL-2.0-or-later", "eCos-exception-2.0")
    assert parse_expression("LicenseRef-ospo-proprietary") == LicenseLeaf(PROPRIETARY_REF)


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "MIT OR",
        "(MIT",
        "MIT Apache-2.0",
        "Foo-1.0",
        "MIT License",
        "MIT WITH Foo-exception",
        "MIT WITH Apache-2.0",
        "Classpath-exception-2.0",
        "eCos-2.0 WITH Classpath-exception-2.0",
        "MIT/X11",
    ],
)
def test_parse_expression_rejects_invalid(expression: str) -> None:
    with pytest.raises(ValueError):
        parse_expression(expression)


def test_license_keys() -> None:
    assert license_keys(
        "MIT OR (Apache-2.0 AND MIT) OR GPL-2.0-only WITH Classpath-exception-2.0"
    ) == (
        "MIT",
        "Apache-2.0",
        "GPL-2.0-only",
    )
    assert license_keys("gpl-2.0+") == ("GPL-2.0-or-later",)
    with pytest.raises(ValueError):
        license_keys("not an expression")


@pytest.mark.parametrize(
    ("key", "unknown"),
    [
        ("MIT", False),
        ("GPL-2.0-or-later", False),
        ("Apache-2.0+", False),
        ("GPL-2.0", False),
        (PROPRIETARY_REF, False),
        (PUBLIC_DOMAIN_REF, False),
        (COMMONS_CLAUSE_REF, False),
        ("LicenseRef-ospo-dual-license", True),
        ("LicenseRef-scancode-public-domain", True),
        ("DocumentRef-x:LicenseRef-y", True),
        ("Foo-1.0", True),
        ("Classpath-exception-2.0", True),
    ],
)
def test_is_unknown_key(key: str, unknown: bool) -> None:
    assert is_unknown_key(key) is unknown


def _corpus_license_strings(corpus: Path) -> list[str]:
    """License values the corpus lockfiles and SBOMs declare (read in place)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("license", "licenseConcluded", "licenseDeclared", "expression"):
                    if isinstance(value, str):
                        found.append(value)
                if (
                    key == "license"
                    and isinstance(value, dict)
                    and isinstance(value.get("id"), str)
                ):
                    found.append(value["id"])
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted(corpus.glob("*/*/*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def test_corpus_license_strings_are_all_read(corpus: Path) -> None:
    strings = set(_corpus_license_strings(corpus))
    assert len(strings) >= 20
    for raw in sorted(strings):
        result = normalize(raw)
        if raw == "NOASSERTION":
            assert result.expression is None
            continue
        assert result.method in ("spdx", "alias"), (raw, result)
        assert result.expression is not None
        parse_expression(result.expression)
    assert normalize("MIT/X11").expression == "MIT"


def test_throughput_on_ten_thousand_strings() -> None:
    """normalize() sits on every scan's hot path: 10,000 distinct strings well under 10 s."""
    shapes = [
        "MIT OR Apache-2.0 AND LicenseRef-x{0}",
        "GPL-2.0+ OR LicenseRef-y{0}",
        "Apache License {0}",
        "Custom license number {0}",
        "MIT, LicenseRef-z{0}",
    ]
    strings = [shapes[index % len(shapes)].format(index) for index in range(10_000)]
    start = time.perf_counter()
    results = [normalize(raw) for raw in strings]
    cold = time.perf_counter() - start
    start = time.perf_counter()
    for raw in strings[-2000:]:
        normalize(raw)
    warm = time.perf_counter() - start
    assert all(result.expression for result in results)
    assert cold < 10.0, f"10,000 distinct strings took {cold:.2f} s"
    assert warm < 0.1, f"2,000 cached strings took {warm:.3f} s"


@pytest.mark.parametrize("raw", ["( )", "( AND MIT", "MIT AND (", "))", "/ /", ",,,", "WITH", "OR"])
def test_malformed_input_is_unrecognized_not_an_error(raw: str) -> None:
    result = normalize(raw)
    assert result.method == "unrecognized"
    assert result.expression is not None and is_unknown_key(result.expression)


def test_word_salad_always_gives_valid_stable_spdx() -> None:
    """Any mix of license words and operators: valid SPDX out, and reading it back is stable."""
    import random

    words = [
        "MIT", "OR", "AND", "WITH", "Apache-2.0", "GPL-2.0+", "(", ")", "/", ",", "and", "or",
        "with", "BSD", "GPL", "Commons Clause", "dual", "see LICENSE", "http://x.test/a", "+",
        "Classpath-exception-2.0", "LicenseRef-x", "Apache License, Version 2.0", "w/", "(MIT)",
        "GPLv2 or later", "Public Domain", "UNLICENSED", "licensed under", "Expat", "MIT/X11",
    ]  # fmt: skip
    rng = random.Random(20240601)
    for _ in range(1500):
        raw = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        result = normalize(raw)
        assert 0.0 <= result.confidence <= 1.0
        if result.expression is not None:
            assert render(parse_expression(result.expression)) == result.expression, raw
            assert normalize(result.expression).expression == result.expression, raw


# -- exceptions projects describe in words ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expression"),
    [
        # mysql-connector-python: LICENSE.txt names the Universal FOSS Exception, version 1.0.
        (
            "GNU GPLv2 (with FOSS License Exception)",
            "GPL-2.0-only WITH Universal-FOSS-exception-1.0",
        ),
        (
            "GPL-2.0 with the Universal FOSS Exception, Version 1.0",
            "GPL-2.0-only WITH Universal-FOSS-exception-1.0",
        ),
        # pygit2 / libgit2: COPYING's "LINKING EXCEPTION" is the GCC exception 2.0 wording.
        ("GPLv2 with linking exception", "GPL-2.0-only WITH GCC-exception-2.0"),
        # PyInstaller's License field; COPYING.txt names the Bootloader Exception.
        (
            "GPLv2-or-later with a special exception which allows to use PyInstaller to build and"
            " distribute non-free programs (including commercial ones)",
            "GPL-2.0-or-later WITH Bootloader-exception",
        ),
    ],
)
def test_exceptions_written_in_prose(raw: str, expression: str) -> None:
    result = normalize(raw)
    assert result.expression == expression
    assert result.method == "alias"
    assert 0.5 < result.confidence < 1.0


@pytest.mark.parametrize(
    "raw",
    [
        # "linking exception" is precise only for libgit2's GPLv2: elsewhere it is unknown.
        "GPLv3 with linking exception",
        "LGPLv2.1 with linking exception",
        # A special exception described in other words is no Bootloader exception.
        "GPLv2 with a special exception which allows commercial use",
    ],
)
def test_other_exceptions_in_prose_stay_unknown(raw: str) -> None:
    result = normalize(raw)
    assert result.method == "unrecognized"
    assert result.expression is not None and "LicenseRef-ospo-" in result.expression


@pytest.mark.parametrize(
    ("declared", "notices", "version_known", "refined"),
    [
        ("LGPL-3.0-only", ["LGPL-3.0-or-later"], True, "LGPL-3.0-or-later"),
        ("GPL-2.0-only", ["MIT", "GPL-2.0-or-later"], True, "GPL-2.0-or-later"),
        # The exception is kept.
        (
            "GPL-2.0-only WITH GCC-exception-2.0",
            ["GPL-2.0-or-later"],
            True,
            "GPL-2.0-or-later WITH GCC-exception-2.0",
        ),
        # A notice of an earlier version "or any later" covers the declared one.
        ("LGPL-2.1-only", ["LGPL-2.0-or-later"], True, "LGPL-2.1-or-later"),
        ("GPL-3.0-only", ["GPL-2.0-or-later"], True, "GPL-3.0-or-later"),
        # A family name guessed the version: the notice gives it.
        ("LGPL-2.0-or-later", ["LGPL-3.0-or-later"], False, "LGPL-3.0-or-later"),
        ("GPL-1.0-or-later", ["GPL-2.0-or-later"], False, "GPL-2.0-or-later"),
        # Another version, another family, two candidates, an -only notice: nothing to refine.
        ("GPL-2.0-only", ["GPL-3.0-or-later"], True, None),
        ("GPL-3.0-only", ["LGPL-3.0-or-later"], True, None),
        ("AGPL-3.0-only", ["GPL-3.0-or-later"], True, None),
        ("LGPL-2.0-or-later", ["LGPL-2.1-or-later", "LGPL-3.0-or-later"], False, None),
        ("GPL-2.0-only", ["GPL-2.0-only"], True, None),
        ("GPL-2.0-or-later", ["GPL-2.0-or-later"], True, None),  # already so
        # Each GNU id of a compound expression is refined on its own.
        ("GPL-2.0-only OR MIT", ["GPL-2.0-or-later"], True, "GPL-2.0-or-later OR MIT"),
        (
            "LGPL-2.1-only OR MPL-1.1 OR GPL-3.0-only",
            ["LGPL-2.1-or-later"],
            True,
            "LGPL-2.1-or-later OR MPL-1.1 OR GPL-3.0-only",
        ),
        ("MIT", ["GPL-2.0-or-later"], False, None),
        ("not an expression ((", ["GPL-2.0-or-later"], False, None),
    ],
)
def test_refine_gnu_version(
    declared: str, notices: list[str], version_known: bool, refined: str | None
) -> None:
    assert refine_gnu_version(declared, notices, version_known=version_known) == refined


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # jproperties 2.1.2's License field.
        (
            "BSD 3-Clause License; partially licensed under the Python Software Foundation License",
            "BSD-3-Clause AND PSF-2.0",
        ),
        ("MIT, with portions under the PSF License", "MIT AND PSF-2.0"),
        ("Apache 2.0 (some files under MIT)", "Apache-2.0 AND MIT"),
    ],
)
def test_a_main_license_with_portions_under_another(raw: str, expected: str) -> None:
    reading = normalize(raw)
    assert (reading.expression, reading.method) == (expected, "alias")
    assert reading.confidence <= 0.85
    assert reading.note is not None and "both apply (AND)" in reading.note


def test_portions_under_an_unknown_license_are_not_guessed() -> None:
    reading = normalize("Apache 2.0, parts under the Acme Fair Source License")
    assert reading.method == "unrecognized"
