"""When the license files settle a vague declaration ("BSD", "LGPL", a trove classifier).

Shared by the resolvers that read a package's license files beside a declaration (PyPI's
wheels and sdists, npm's tarballs, installed copies): the files win when they are read with
confidence and account for every license the declaration names, hold the one license text in
place of the one license declared (the text is the grant, the declaration a label: mohawk
1.1.0 declares "MPL 2.0" over its only license file, the BSD-3-Clause text), or restrict at
least as much. When the declaration names more than the files hold, and the files restrict
less, they do not win: the files may not be the whole story.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ospo_scan.model import Evidence, Resolution

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ospo_scan.licenses.detect import Detection, TextMatch

# How closely the license files must match for their reading to replace a vague declaration:
# every file that holds a license matched nearly word for word, and no part left unexplained.
FILES_WIN_SCORE = 0.9


def names_public_domain(expression: str | None) -> bool:
    """Whether ``expression`` declares "public domain" (no SPDX id: a license file may say
    which dedication it is, the Unlicense or CC0, or grant a license after all)."""
    from ospo_scan.licenses.normalize import PUBLIC_DOMAIN_REF

    return expression is not None and PUBLIC_DOMAIN_REF in expression


def files_settle(files: Detection, declared: str) -> str | None:
    """How the files' reading replaces the vague ``declared`` expression: "is settled by"
    (they account for it, ``accounts_for``), "gives way to" (a single license text in place
    of a single declared license, or licenses that restrict at least as much,
    ``at_least_as_strict``), or ``None`` when the declaration stands."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF

    found = files.expression
    if found is None or UNKNOWN_TEXT_REF in found or files.score < FILES_WIN_SCORE:
        return None
    if accounts_for(found, declared):
        return "is settled by"
    if (" " not in found and " " not in declared) or at_least_as_strict(found, declared):
        return "gives way to"
    return None


# A license file that names no known license but has at least this many words with this many
# restricting ones ("not", "except", "must", "sold" ...) is another license's terms, not a
# layout of the declared one (a pointer, a copyright line) that the matcher missed.
MIN_TERMS_WORDS = 150
MIN_RESTRICTING_WORDS = 5
# The confidence of an answer that only says "not the declared license": a person reads it.
CONTRADICTION_CONFIDENCE = 0.3
# A license file this long that matches no known license holds terms of its own (a vendor's
# license, a custom grant), not just a copyright line; its confidence is lower still.
MIN_UNKNOWN_TERMS_WORDS = 40
UNKNOWN_TERMS_CONFIDENCE = 0.2


def unknown_terms(texts: list[str]) -> bool:
    """Whether license files that match no known license hold terms a person must read
    (``MIN_UNKNOWN_TERMS_WORDS`` words or more), as opposed to a bare copyright line."""
    from ospo_scan.licenses.detect import normalize_words

    return sum(len(normalize_words(text)) for text in texts) >= MIN_UNKNOWN_TERMS_WORDS


def contradicting_files(
    files: Detection, texts: list[str], declared: str
) -> tuple[str, float, str] | None:
    """How a package's license files contradict a clear ``declared`` expression, as
    (expression, confidence, why), or ``None`` when they do not:

    * no known license in them, but terms (long, with restricting words): an unknown
      license (``LicenseRef-ospo-license-text``), for a person to read;
    * read confidently as licenses that restrict more than the declared ones (an "MIT"
      declaration over a GPL text): the files' licenses.

    Files that agree, add details, or name something as permissive are not a contradiction:
    the declaration stands.
    """
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF, normalize_words, restricting_words
    from ospo_scan.licenses.normalize import license_keys

    try:
        if restriction(license_keys(declared)) >= restriction(["LicenseRef-unknown"]):
            return None  # declared proprietary or unknown already: nothing less to contradict
    except ValueError:
        return None
    found = files.expression
    if found is None:
        words = sum(len(normalize_words(text)) for text in texts)
        restricting = sum(len(restricting_words(text)) for text in texts)
        if words >= MIN_TERMS_WORDS and restricting >= MIN_RESTRICTING_WORDS:
            why = f"no known license in them, but {words} words of other terms"
            return UNKNOWN_TEXT_REF, CONTRADICTION_CONFIDENCE, why
        return None
    if UNKNOWN_TEXT_REF in found or files.score < FILES_WIN_SCORE:
        return None
    try:
        stricter = restriction(license_keys(found)) > restriction(license_keys(declared))
    except ValueError:
        return None
    if stricter and not accounts_for(found, declared):
        return found, files.score, f"they hold {found}, which restricts more"
    return None


def accounts_for(found: str, declared: str) -> bool:
    """Whether the licenses ``found`` in the files include each license ``declared``, up to
    the detail the declaration lacked: the same id, the same family ("BSD-3-Clause" guessed
    from "BSD" and a BSD-2-Clause text; "LGPL-2.0-or-later" guessed from "LGPL" and an
    LGPL-3.0 text), or a public-domain dedication for "Public Domain". A declared license the
    files do not name at all means the files are not the whole story: they do not win."""
    from ospo_scan.licenses.categories import category_of
    from ospo_scan.licenses.normalize import PUBLIC_DOMAIN_REF, license_family, license_keys

    try:
        found_keys = license_keys(found)
        declared_keys = license_keys(declared)
    except ValueError:
        return False
    found_families = {license_family(key) for key in found_keys}
    for key in declared_keys:
        if key in found_keys:
            continue
        if key == PUBLIC_DOMAIN_REF:
            if any(category_of(k) == "public-domain" for k in found_keys):
                continue
            return False
        if key.startswith("LicenseRef-") or license_family(key) not in found_families:
            return False
    return True


def settles_guess(stated: str, guessed: str) -> bool:
    """Whether a license a README or a source header states (one license) settles a vague
    declaration's guess: another license of the declared family ("BSD" and BSD-2-Clause), or
    one that restricts more (a "BSD License" classifier and GPLv2)."""
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.normalize import license_family, license_keys

    try:
        families = {license_family(key) for key in license_keys(guessed)}
        same_family = families == {license_family(stated)}
        stricter = restriction((stated,)) > restriction(license_keys(guessed))
    except ValueError:
        return False
    return stated != guessed and (same_family or stricter)


def at_least_as_strict(found: str, declared: str) -> bool:
    """Whether the licenses ``found`` in the files restrict at least as much as the vague
    declaration (categories ranked by ``categories.restriction``): a "Public Domain"
    classifier over a BSD-3-Clause file, an "MIT" classifier over a GPL text. The files are
    the grant, and taking them can then only make a policy stricter, never turn a declared
    copyleft into an "allowed"."""
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.normalize import license_keys

    try:
        return restriction(license_keys(found)) >= restriction(license_keys(declared))
    except ValueError:
        return False


# The source files whose first lines may carry a package's GNU notice: Python, Cython and the
# C sources some wheels ship (never type stubs, which seldom carry one).
NOTICE_SOURCE_SUFFIXES = (".py", ".pyx", ".c", ".cc", ".cpp")


def is_test_source(parts: list[str] | tuple[str, ...]) -> bool:
    """Whether a path (split on "/") is a test module ("test_x.py", "x_test.py",
    "conftest.py") or lies in a tests folder ("tests", "test_unit"); a package whose own name
    begins with "test" ("testfixtures") is not one. A test's notice is not the package's."""
    *folders, base = (part.lower() for part in parts)
    in_tests = any(
        folder in ("test", "tests", "testing") or folder.startswith("test_") for folder in folders
    )
    return (
        in_tests or base.startswith("test_") or base == "conftest.py" or base.endswith("_test.py")
    )


_GNU_ONLY = re.compile(r"(?<![\w.+-])(?:GPL|LGPL|AGPL)-\d\.\d-only(?![\w.+-])")


def gnu_version_open(expression: str | None) -> bool:
    """Whether ``expression`` has a GNU ``-only`` id (which a notice may make ``-or-later``;
    callers make sure the declaration did not say "only" itself)."""
    return expression is not None and _GNU_ONLY.search(expression) is not None


# "Or later" in a README's License section: "LGPL v3 or later", "the GPL, v3 or later", "GNU
# General Public License version 2 or (at your option) any later version", "GPLv3+".
_LATER_IN_PROSE = re.compile(
    r"\b(?P<family>(?:A|L)?GPL|GNU\s+(?:(?P<kind>Affero|Lesser|Library)\s+)?General\s+Public"
    r"\s+Licen[cs]e)(?![a-uw-z])[\s,-]*(?:v(?:ersion)?\.?\s*)?(?P<major>[123])"
    r"(?:\.(?P<minor>[01]))?"
    r"(?:\s*\+|[\s,-]+or[\s-]+(?:\(at\s+your\s+option\)\s+)?(?:any\s+)?later\b)",
    re.IGNORECASE,
)


def later_versions_stated(text: str) -> list[str]:
    """The GNU ``-or-later`` ids that prose states ("free software under license LGPL v3 or
    later": ``LGPL-3.0-or-later``), for a README's License section. A family name without a
    version, or a version without "or later", states nothing."""
    found: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        if _ONLY.search(sentence) is None:
            found.extend(_later_ids(sentence, found))
    return found


# A sentence that says "only" or "not" beside an "or later" limits it ("Oracle elects to use
# only the General Public License version 2 ... where ... GPLv2 or any later version may be
# used"): it states no later versions.
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")
_ONLY = re.compile(r"\b(?:only|not|never|except)\b", re.IGNORECASE)


def _later_ids(sentence: str, seen: list[str]) -> list[str]:
    found: list[str] = []
    for match in _LATER_IN_PROSE.finditer(sentence):
        family = match.group("family").upper()
        if family.startswith("GNU"):
            kind = (match.group("kind") or "").lower()
            family = {"affero": "AGPL", "lesser": "LGPL", "library": "LGPL"}.get(kind, "GPL")
        major = match.group("major")
        minor = match.group("minor") or "0"  # "LGPL v2" is the Library GPL 2.0
        license_id = f"{family}-{major}.{minor}-or-later"
        if license_id not in found and license_id not in seen:
            found.append(license_id)
    return found


# How much of a file's beginning may hold its notice (a README is passed whole, for its
# License section).
NOTICE_CHARS = 8 * 1024


def refined_by_notice(
    resolution: Resolution, where: str, headers: list[tuple[str, str]]
) -> Resolution | None:
    """``resolution`` with its GNU ids made ``-or-later`` by the first file beginning in
    ``headers`` (file name, text) whose notice grants "or (at your option) any later version"
    of the same license (``normalize.refine_gnu_version``), or, for a README, whose License
    section says so ("All code is licensed under the GPL, v3 or later":
    ``later_versions_stated``), that file's text added to the evidence as ``<where> <file>``;
    ``None`` when no notice settles it."""
    from ospo_scan.licenses.detect import detect_license_text
    from ospo_scan.licenses.metadata import clip_evidence
    from ospo_scan.licenses.normalize import refine_gnu_version
    from ospo_scan.licenses.readme import README_NAME, license_section

    if resolution.expression is None:
        return None
    for member, header in headers:
        name = member.rsplit("/", 1)[-1]
        detection = detect_license_text(header[:NOTICE_CHARS], filename=name)
        notices = [match.license_id for match in detection.matches]
        refined = refine_gnu_version(resolution.expression, notices, version_known=True)
        said, method = f"the notice in {member}", "license-text"
        if refined is None and README_NAME.match(name):
            header = license_section(header) or ""
            stated = later_versions_stated(header)
            refined = refine_gnu_version(resolution.expression, stated, version_known=True)
            said, method = f"the License section of {member}", "readme"
        if refined is None:
            continue
        evidence = (
            *resolution.evidence,
            Evidence(resolution.source, clip_evidence(header), f"{where} {member}"),
        )
        note = f"{said} grants {refined}"
        reason = f"{resolution.reason}; {note}" if resolution.reason else note
        return replace(
            resolution, expression=refined, evidence=evidence, reason=reason, method=method
        )
    return None


# A license file that names one license for the package and puts some of its files under
# another says so in words before that other text: "Parts of typeshed are licensed under
# different licenses (like the MIT license)", "Portions of this software are derived from
# py-faster-rcnn", "Some Python files have been taken from the standard library", "The files
# in jinxed/terminfo/*.py ... are derived from the ncurses terminfo database". Those parts are
# the package's own code, and their license applies to it beside the declared one.
_SAME_SENTENCE = r"(?:[^.;:]|\.(?=\S)){0,120}?"  # a dot inside "demo/*.py" ends nothing
_PORTION = re.compile(
    rf"\b(?:parts?|portions?|some|certain)\b{_SAME_SENTENCE}"
    r"\b(?:licensed|derived|based(?!\s+on\s+the\s+(?:program|library|work)\b)|taken|adapted"
    r"|copied|ported)\b"
    r"|\b(?:derived|adapted|taken|copied|ported)\s++from\s++"
    r"(?!(?:this|the)\s+(?:software|work|program|library)\b)"
    rf"|\bfiles?\b{_SAME_SENTENCE}\b(?:are|is)\s+(?:licensed|distributed|released|available)"
    r"\s+under\b"
    # "The Blowfish portions are under the following license:" (bcrypt-pbkdf 1.0.2), "Some
    # portions of code from previous versions ... are released under the MIT License"
    # (react-leaflet 5.0.0)
    rf"|\b(?:parts?|portions?)\b{_SAME_SENTENCE}\b(?:are|is)\s+"
    r"(?:released\s+|distributed\s+|available\s+|provided\s+)?under\b",
    re.IGNORECASE,
)
# Words that make the other text a separate project shipped alongside (a bundled library, a
# vendored copy, a dependency linked into a binary): the labels and most OSPOs list those as
# third-party notices, not as the package's license.
_BUNDLED = re.compile(
    r"\b(?:bundl(?:e|es|ed|ing)|vendor(?:ed|s)?|third[- ]party|3rd[- ]party|dependenc(?:y|ies)"
    r"|statically|dynamically|linked|binary distributions?|wheels?|includes? the following"
    r"|(?:libraries|components|packages)\s+(?:are\s+)?(?:used\s+and\s+)?included\s+(?:in|within))\b",
    re.IGNORECASE,
)
# A license file named for other projects' code (LICENSE-3RD-PARTY.txt, LICENSES_bundled.txt,
# THIRD_PARTY_NOTICES) lists what the package ships beside its own code.
_BUNDLED_FILE = re.compile(r"third|3rd|bundled|vendor", re.IGNORECASE)
# The words with which a statement names the PSF agreement when the file reproduces the whole
# CPython license stack (which is SPDX's Python-2.0 text): the project's name for it decides.
_PSF_NAMED = re.compile(r"PSF|Python Software Foundation License", re.IGNORECASE)


def mentions_portions(text: str) -> bool:
    """Whether a license file has words that may put part of a package under another
    license (a quick look before its texts are matched, see ``portion_licenses``)."""
    return _PORTION.search(text) is not None


# The least match score of a text taken as a portion's license.
PORTION_SCORE = FILES_WIN_SCORE


def portion_licenses(
    texts: list[tuple[str, str]], detections: list[Detection], declared: str
) -> list[tuple[str, str, str]]:
    """The licenses, besides the ``declared`` ones, that the package's license files (their
    (member, text) and ``detections``, in the same order) put parts of the package under in
    so many words (``_PORTION``), as (license id, member, the words that say so). A text is
    only counted when the words before it, in the same file and outside any matched license
    text, introduce it as a part of the package and say nothing of bundled or third-party
    code (``_BUNDLED``); and only when the files hold the declared license too (files about
    something else do not speak for the package)."""
    from ospo_scan.licenses.normalize import license_family, license_keys

    try:
        declared_keys = set(license_keys(declared))
    except ValueError:
        return []
    # The declared licenses' families: an "or later" declaration over its text (which reads
    # as "only") is the same license; and the LGPL builds on the GPL.
    declared_families = {license_family(key) for key in declared_keys}
    matched = {license_family(m.license_id) for d in detections for m in d.matches}
    if not declared_families <= matched:
        return []
    if "LGPL" in declared_families:
        declared_families.add("GPL")
    found: list[tuple[str, str, str]] = []
    for (member, text), detection in zip(texts, detections, strict=True):
        if _BUNDLED_FILE.search(member.rsplit("/", 1)[-1]):
            continue
        lines = text.splitlines()
        previous_end = 0
        statement: str | None = None
        for match in sorted(detection.matches, key=lambda m: m.start_line):
            between = " ".join(lines[previous_end : max(match.start_line, previous_end)])
            previous_end = max(previous_end, match.end_line)
            if _BUNDLED.search(between):
                break  # from here on the file lists other projects
            said = _PORTION.search(between)
            if said is not None:
                statement = " ".join(between[said.start() :].split())[:160]
            license_id = match.license_id
            if statement is not None and license_id.startswith("Python-2.0"):
                if _PSF_NAMED.search(between):
                    license_id = "PSF-2.0"
            if (
                statement is not None
                and " " not in license_id
                and license_family(license_id) not in declared_families
                and match.score >= PORTION_SCORE
                and license_id not in {f[0] for f in found}
            ):
                found.append((license_id, member, statement))
    return found


# A sentence of a license file that puts something under a license it only names or links:
# "The data contained in `holidays.yaml` is available under CC BY-SA 3.0 <url>".
# Not a relative clause about other software ("link ... with software that is licensed under
# the GPLv2", the LLVM exception's words).
_NAMED_UNDER = re.compile(
    r"(?<!\bthat )(?<!\bwhich )(?<!\bwho )"
    r"\b(?:is|are)\s+(?:also\s+)?(?:available|licensed|released|distributed|provided)"
    r"\s+under\s+(?:the\s+(?:terms\s+of\s+(?:the\s+)?)?)?(?P<rest>[^\n]{1,160})",
    re.IGNORECASE,
)
_NAME_END = re.compile(r"\s*(?:<|\(|,|;|\bas\b|\.\s|\.$)")
_URL_IN = re.compile(r"https?://[^\s<>()\]]+")


def stricter_named_parts(
    texts: list[tuple[str, str]], detections: list[Detection], declared: str
) -> list[tuple[str, str, str]]:
    """Licenses that the package's license files ((member, text) and their ``detections``, in
    the same order) put something under by name or URL only (``_NAMED_UNDER``), in prose
    outside any matched license text, that restrict more than every declared license, as
    (license id, member, the words that say so). date-holidays 3.37.0 declares "(ISC AND
    CC-BY-3.0)"; its LICENSE says the holiday data "is available under CC BY-SA 3.0 <url>":
    a share-alike part the declaration leaves out, whose absence would read as allowed. Only
    files that hold a declared license speak for the package, and sentences in or after a
    notice of bundled code do not count (``_BUNDLED``)."""
    from ospo_scan.licenses.normalize import license_family, license_keys

    try:
        declared_keys = license_keys(declared)
    except ValueError:
        return []
    families = {license_family(key) for key in declared_keys}
    found: list[tuple[str, str, str]] = []
    for (member, text), detection in zip(texts, detections, strict=True):
        if _BUNDLED_FILE.search(member.rsplit("/", 1)[-1]):
            continue
        if not families & {license_family(m.license_id) for m in detection.matches}:
            continue
        lines = text.splitlines()
        for match in detection.matches:
            lines[match.start_line - 1 : match.end_line] = [""] * (
                match.end_line - match.start_line + 1
            )
        flat = " ".join(" ".join(lines).split())

        def bundled(said: re.Match[str], flat: str = flat) -> bool:
            return _BUNDLED.search(flat[max(0, said.start() - 200) : said.end()]) is not None

        for license_id, words in _named_stricter(flat, declared_keys, bundled):
            if license_id not in {f[0] for f in found}:
                found.append((license_id, member, words))
    return found


def _named_stricter(
    flat: str,
    declared_keys: Sequence[str],
    stop: Callable[[re.Match[str]], bool] | None = None,
) -> list[tuple[str, str]]:
    """The licenses that the sentences of ``flat`` (``_NAMED_UNDER``) put something under
    by name or URL and that restrict more than every one of ``declared_keys``, as (license
    id, the words that say so), up to the first sentence ``stop`` accepts."""
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.normalize import normalize

    declared_rank = restriction(declared_keys)
    found: list[tuple[str, str]] = []
    for said in _NAMED_UNDER.finditer(flat):
        if stop is not None and stop(said):
            break
        rest = said.group("rest")
        name = _NAME_END.split(rest, maxsplit=1)[0]
        for candidate in (name, *_URL_IN.findall(rest)[:1]):
            reading = normalize(candidate.strip().rstrip("."))
            license_id = reading.expression
            if (
                license_id is None
                or " " in license_id
                or reading.method not in ("spdx", "deprecated", "alias", "url")
                or reading.confidence < 0.8
            ):
                continue
            if license_id not in declared_keys and restriction([license_id]) > declared_rank:
                words = " ".join(flat[max(0, said.start() - 60) : said.end()].split())
                if license_id not in {f[0] for f in found}:
                    found.append((license_id, words[:160]))
            break
    return found


def readme_named_parts(section: str, declared: str) -> list[tuple[str, str]]:
    """The licenses, restricting more than every declared one, that a README's License
    section (which names a declared license too) puts part of the package under by name
    (``_NAMED_UNDER``: "These models are licensed under the Creative Commons
    Attribution-ShareAlike 3.0 (CC BY-SA 3.0) license"), as (license id, the words that say
    so). Unlike in a license file, "bundled" here says the part ships with the package."""
    from ospo_scan.licenses.normalize import license_keys

    try:
        declared_keys = license_keys(declared)
    except ValueError:
        return []
    flat = " ".join(section.split())
    if not any(re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", flat) for key in declared_keys):
        return []
    return _named_stricter(flat, declared_keys)


def _without_other_cc_variant(expression: str, named: str) -> str:
    """``expression`` without the Creative Commons license of the same version as ``named``
    that an AND of it holds ("ISC AND CC-BY-3.0" when the files name CC-BY-SA-3.0 for that
    part: the files say which CC license it is)."""
    from ospo_scan.licenses.normalize import AllOf, LicenseLeaf, parse_expression, render

    version = re.search(r"-(\d\.\d)$", named)
    if not named.startswith("CC-") or version is None:
        return expression
    node = parse_expression(expression)
    if not isinstance(node, AllOf):
        return expression
    kept = tuple(
        item
        for item in node.items
        if not (
            isinstance(item, LicenseLeaf)
            and item.exception is None
            and item.key != named
            and item.key.startswith("CC-")
            and item.key.endswith(f"-{version.group(1)}")
        )
    )
    if len(kept) == len(node.items) or not kept:
        return expression
    return render(kept[0] if len(kept) == 1 else AllOf(kept))


def combination(expression: str | None) -> str | None:
    """ "AND" or "OR" when ``expression`` joins two or more licenses with that operator only
    (no nesting, no exception), else ``None``."""
    from ospo_scan.licenses.normalize import AllOf, AnyOf, LicenseLeaf, parse_expression

    if expression is None or (" AND " in expression) == (" OR " in expression):
        return None
    try:
        node = parse_expression(expression)
    except ValueError:
        return None
    if not isinstance(node, AllOf | AnyOf):
        return None
    if not all(isinstance(item, LicenseLeaf) and item.exception is None for item in node.items):
        return None
    return "AND" if isinstance(node, AllOf) else "OR"


def narrowed_by_files(files: Detection, declared: str) -> tuple[str, str] | None:
    """The license files' reading, and the declared licenses it leaves out, when the files
    hold (matched at ``FILES_WIN_SCORE`` or better, nothing unexplained) only some of the
    licenses that ``declared`` joins (``combination``):

    * with AND, when every license left out restricts no more than one the files hold
      ("(MIT AND Apache-2.0)" over the MIT text alone: the other usually covers bundled
      code); a copyleft part the files do not show is kept;
    * with OR, when the files hold exactly one of the alternatives ("(WTFPL OR MIT)" over the
      WTFPL alone): fewer alternatives restrict at least as much.

    Either way the answer is never more permissive under a policy than the declaration.
    ``None``: the declaration stands."""
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF
    from ospo_scan.licenses.normalize import license_keys

    operator = combination(declared)
    found = files.expression
    if operator is None or found is None or UNKNOWN_TEXT_REF in found:
        return None
    if files.score < FILES_WIN_SCORE:
        return None
    try:
        kept = set(license_keys(found))
        declared_keys = set(license_keys(declared))
    except ValueError:
        return None
    left_out = declared_keys - kept
    if not kept or not kept < declared_keys:
        return None
    if operator == "OR" and len(kept) != 1:
        return None
    if operator == "AND" and (
        " OR " in found or restriction(sorted(left_out)) > restriction(sorted(kept))
    ):
        return None
    return found, f" {operator} ".join(sorted(left_out))


def _named_but_unread(
    texts: list[tuple[str, str]], detections: list[Detection], left_out: str
) -> bool:
    """Whether a license file whose text was not recognized is named for a license the files
    would leave out (@zone-eu/mailsplit 5.4.30: "(MIT OR EUPL-1.1+)" over LICENSE.MIT and
    LICENSE.EUPL-1.2, the EUPL in Estonian): that license may well be in it."""
    from ospo_scan.licenses.normalize import license_family

    families = {license_family(key).lower() for key in re.findall(r"[\w.+-]+", left_out)}
    families.discard("or")
    families.discard("and")
    for (member, _), detection in zip(texts, detections, strict=True):
        name = member.rsplit("/", 1)[-1].lower()
        if detection.expression is None and any(family in name for family in families):
            return True
    return False


def widened_by_files(files: Detection, declared: str) -> str | None:
    """The license files' choice when a single ``declared`` license is one of the
    alternatives the files offer in so many words, each alternative matched at
    ``FILES_WIN_SCORE`` or better (hjson 3.1.0 declares "MIT License" over a file that
    says "available under the terms of the MIT license, or the Academic Free License
    version 2.1" and quotes both): the author named one of them. ``None``: the
    declaration stands (a choice that does not include it, or any alternative read only
    from a name or a weak match, which could be a misreading)."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF
    from ospo_scan.licenses.normalize import AnyOf, LicenseLeaf, parse_expression

    found = files.expression
    if found is None or " " in declared or UNKNOWN_TEXT_REF in found:
        return None
    try:
        node = parse_expression(found)
    except ValueError:
        return None
    if not isinstance(node, AnyOf) or LicenseLeaf(declared) not in node.items:
        return None
    confident = {match.license_id for match in files.matches if match.score >= FILES_WIN_SCORE}
    for item in node.items:
        if not isinstance(item, LicenseLeaf) or item.exception is not None:
            return None
        if item.key not in confident:
            return None
    return found


# Words that open a third-party notice after the package's own license text: "Contains code
# from glfx.js", "The bundled Google Closure Library is licensed under Apache 2.0", "This
# product bundles ...".
_THIRD_PARTY_NOTICE = re.compile(
    rf"{_BUNDLED.pattern}|\b(?:contains|includes|incorporates)\s+(?:code|software|material)"
    r"\s+(?:from|of|by)\b",
    re.IGNORECASE,
)


# The open-core license file ("Portions of this software are licensed as follows: * All
# content that resides under the "ee/" directory of this repository, if that directory exists,
# is licensed under the license defined below. ... * All software outside of the above-mentioned
# directories ... is available under the "MIT Expat" license"): a bullet that puts one folder
# under other terms, up to the next bullet.
_FOLDER_SCOPE = re.compile(
    r"\b(?:resides?|located|contained)\s+(?:under|in|within)\s+(?:an?|the)\s+"
    r"[\"'`\u201c]?(?P<folder>[\w.-]+)/?[\"'`\u201d]?\s+(?:director(?:y|ies)|folders?)\b",
    re.IGNORECASE,
)
_BULLET_LINE = re.compile(r"^\s{0,4}[*\u2022-]\s+\S")
# The template's other lines, which only point at the sections: its opening and the bullet for
# everything outside the folders.
_SCOPE_POINTERS = re.compile(
    r"\blicensed\s+as\s+follows\b|\boutside\s+(?:of\s+)?the\s+above[- ]mentioned\b",
    re.IGNORECASE,
)


def without_absent_folders(text: str, shipped: Callable[[str], bool]) -> str:
    """``text`` without each bulleted section that puts a folder the package does not ship
    (``shipped(folder)`` is false) under other terms (``_FOLDER_SCOPE``), from its bullet to
    the next bullet; a line in its place says what was left out. @strapi/strapi 5.55.1's
    LICENSE puts an "ee/" directory "if that directory exists" under the Strapi Enterprise
    terms, and the package has none: those terms are not its license. A section with no
    bullet after it is kept (where it ends cannot be told)."""
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        scope = _FOLDER_SCOPE.search(line) if _BULLET_LINE.match(line) else None
        if scope is not None and not shipped(scope.group("folder")):
            following = next(
                (k for k in range(index + 1, len(lines)) if _BULLET_LINE.match(lines[k])), None
            )
            if following is not None:
                folder = scope.group("folder")
                out.append(f"[the section on the {folder}/ folder is left out: none is shipped]")
                index = following
                continue
        out.append(line)
        index += 1
    if len(out) == len(lines):
        return text
    return "\n".join(line for line in out if _SCOPE_POINTERS.search(line) is None)


# A license file named for third-party code ("LICENSES.third-party", "THIRD_PARTY_NOTICES",
# "LICENSE-3RD-PARTY.txt"): the licenses of what the package vendors, not its own. Narrower
# than ``_BUNDLED_FILE``: exceptiongroup's LICENSE.vendored stays part of its answer.
_THIRD_PARTY_FILE = re.compile(r"(?i)(?:third|3rd)[-_. ]?party")


# A REUSE license folder (the REUSE specification): LICENSES/<SPDX id>.<txt|md>, one file per
# license used anywhere in the project.
_REUSE_FILE = re.compile(r"(?:^|/)LICENSES/(?P<id>[^/]+?)\.(?:txt|md)$")


def reuse_license_ids(members: Sequence[str]) -> list[str] | None:
    """The SPDX id each of a package's license files is named for, when every one of them
    sits in a REUSE ``LICENSES/`` folder under its license's id (``LicenseRef-...`` ids
    too); ``None`` otherwise."""
    from ospo_scan.licenses.normalize import canonical_id

    ids: list[str] = []
    for member in members:
        found = _REUSE_FILE.search(member)
        if found is None:
            return None
        license_id = found.group("id")
        canonical = license_id if license_id.startswith("LicenseRef-") else canonical_id(license_id)
        if canonical is None:
            return None
        ids.append(canonical)
    return ids or None


def is_third_party_file(member: str) -> bool:
    """Whether a license file's name says it holds third-party code's licenses."""
    return _THIRD_PARTY_FILE.search(member.rsplit("/", 1)[-1]) is not None


def read_license_files(texts: Sequence[tuple[str, str]]) -> list[Detection]:
    """Each license file's reading ((member, text) in, in the same order): its text matched
    against the license templates (``detect.detect_license_text``), without the texts that
    follow a notice of bundled code (``without_bundled``)."""
    from ospo_scan.licenses.detect import detect_license_text

    return [
        without_bundled(text, detect_license_text(text, filename=member.rsplit("/", 1)[-1]))
        for member, text in texts
    ]


def without_bundled(text: str, detection: Detection) -> Detection:
    """``detection`` of one license file without the license texts that follow a notice of
    bundled or third-party code (``_THIRD_PARTY_NOTICE``, in the words between the matched
    texts): mapbox-gl 1.13.3's LICENSE.txt is its BSD-3-Clause text, then "Contains code from
    glfx.js" and the MIT text. Those licenses cover other projects' code the package ships,
    which an OSPO lists as third-party notices, not as the package's license. They are only
    left out when they restrict no more than the licenses kept (a bundled copyleft library
    stays in the answer), when the file's own text comes first, and when the reading joins
    its licenses with AND; the note names what was left out."""
    from ospo_scan.licenses.categories import restriction
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF
    from ospo_scan.licenses.normalize import AllOf, parse_expression, render

    if detection.expression is None or not detection.matches:
        return detection
    lines = text.splitlines()
    ordered = sorted(detection.matches, key=lambda m: m.start_line)
    head = " ".join(lines[: ordered[0].start_line - 1])
    notice = _THIRD_PARTY_NOTICE.search(head)
    if notice is not None:
        return _own_terms_only(detection, head[: notice.start()])
    if len(detection.matches) < 2:
        return detection
    if " OR " in detection.expression or " WITH " in detection.expression:
        return detection
    kept = [ordered[0]]
    bundled: list[TextMatch] = []
    previous_end = ordered[0].end_line
    for match in ordered[1:]:
        between = " ".join(lines[previous_end : max(match.start_line, previous_end)])
        previous_end = max(previous_end, match.end_line)
        if bundled or _THIRD_PARTY_NOTICE.search(between):
            bundled.append(match)
        else:
            kept.append(match)
    own = {m.license_id for m in kept}
    dropped = sorted({m.license_id for m in bundled} - own)
    if not dropped or any(" " in key for key in [*own, *dropped]):
        return detection
    if restriction(dropped) > restriction(sorted(own)):
        return detection
    node = parse_expression(detection.expression)
    items = node.items if isinstance(node, AllOf) else (node,)
    remaining = [item for item in items if render(item) not in dropped]
    if not remaining or not any(render(item) != UNKNOWN_TEXT_REF for item in remaining):
        return detection
    expression = render(remaining[0] if len(remaining) == 1 else AllOf(tuple(remaining)))
    note = f"left out as bundled or third-party code: {', '.join(dropped)}"
    notes = "; ".join(filter(None, [detection.note, note]))
    return replace(detection, expression=expression, matches=tuple(kept), note=notes)


def _own_terms_only(detection: Detection, own: str) -> Detection:
    """A file whose own terms, which no known license has, come before a notice of bundled
    code and the bundled projects' license texts (testcafe 15.1's TESTCAFE_EULA.txt: the
    vendor's EULA, then "The following open source libraries are used and included within
    TestCafe" and their texts): those terms alone, an unknown license. ``detection`` as it is
    when the words before the notice are not such terms (a short title, a preamble)."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF, normalize_words, restricting_words

    if detection.expression is None or UNKNOWN_TEXT_REF not in detection.expression:
        return detection
    if len(normalize_words(own)) < MIN_TERMS_WORDS:
        return detection
    if len(restricting_words(own)) < MIN_RESTRICTING_WORDS:
        return detection
    bundled = ", ".join(sorted({match.license_id for match in detection.matches}))
    note = f"the file's own terms come first; left out as bundled or third-party code: {bundled}"
    notes = "; ".join(filter(None, [detection.note, note]))
    return replace(detection, expression=UNKNOWN_TEXT_REF, matches=(), note=notes)


# Words every copy of a common license has (the first match is enough): a license file
# without its declared license's words may hold another license; one with them seldom does.
_FAMILY_MARKERS = {
    "MIT": re.compile(r"permission\s+is\s+hereby\s+granted", re.IGNORECASE),
    "Apache": re.compile(r"apache\s+license", re.IGNORECASE),
    "BSD": re.compile(r"redistribution\s+and\s+use\s+in\s+source", re.IGNORECASE),
    "ISC": re.compile(r"permission\s+to\s+use,\s+copy,\s+modify", re.IGNORECASE),
    "GPL": re.compile(r"general\s+public\s+license", re.IGNORECASE),
    "LGPL": re.compile(r"lesser\s+general\s+public|library\s+general\s+public", re.IGNORECASE),
    "AGPL": re.compile(r"affero\s+general\s+public", re.IGNORECASE),
    "MPL": re.compile(r"mozilla\s+public\s+license", re.IGNORECASE),
    "Unlicense": re.compile(r"free\s+and\s+unencumbered\s+software", re.IGNORECASE),
    "BlueOak": re.compile(r"blue\s+oak", re.IGNORECASE),
    "CC0": re.compile(r"\bcc0\b", re.IGNORECASE),
    "PSF": re.compile(r"python\s+software\s+foundation", re.IGNORECASE),
    "WTFPL": re.compile(r"do\s+what\s+the\s+fuck", re.IGNORECASE),
    "Zlib": re.compile(r"altered\s+source\s+versions\s+must\s+be\s+plainly", re.IGNORECASE),
    "0BSD": re.compile(r"permission\s+to\s+use,\s+copy,\s+modify,?\s+and/or", re.IGNORECASE),
    "OFL": re.compile(r"open\s+font\s+license", re.IGNORECASE),
}
_EXCEPTION_WORDS = re.compile(r"\bexception\b|in\s+addition\s+to\s+the\s+permissions", re.I)


def may_differ(declared: str, texts: list[str]) -> bool:
    """Whether license files may hold something other than the single ``declared`` license
    (a quick look before they are matched): its family's usual words are missing from one of
    them, or a GNU declaration's files speak of an exception. A family without such words
    (BUSL, BlueOak, the Unicode licenses, ...) may always differ: its files are matched."""
    from ospo_scan.licenses.normalize import license_family

    if " " in declared:
        return False
    family = license_family(declared)
    marker = _FAMILY_MARKERS.get(family)
    if family in ("GPL", "LGPL", "AGPL") and _EXCEPTION_WORDS.search("\n".join(texts)):
        return True
    return marker is None or any(marker.search(text) is None for text in texts)


def _declared_text_absent(declared: str, detections: list[Detection]) -> bool:
    """Whether no license file holds a license of the single ``declared`` license's family
    (nor any other recognized license)."""
    if " " in declared:
        return False
    return all(detection.expression is None for detection in detections)


# Words that head an obligation added to a license's text ("Attribution Requirement: All
# distributions ... must include the following attribution", the Commons Clause): a quick
# look before matching a file that holds the declared license's text. (Not "must display the
# following acknowledgement": the BSD advertising clause and the OpenSSL texts say that.)
_ADDED_OBLIGATION = re.compile(r"\battribution\s+requirements?\b|\bcommons\s+clause\b", re.I)


# Files that packagers list as license files but that only name people or changes.
_NOT_TERMS_FILE = re.compile(
    r"^(?:authors?|contributors?|credits|thanks|maintainers|changelog|changes|history|readme)",
    re.IGNORECASE,
)


def terms_files(
    declared: str, texts: list[tuple[str, str]], detections: list[Detection]
) -> list[str]:
    """The license files (members) that hold no known license but terms of their own: long
    enough (``MIN_TERMS_WORDS``), with restricting words (``MIN_RESTRICTING_WORDS``), without
    the usual words of the ``declared`` license's family (then it is a variant of that text
    the matcher missed), and not named for third-party code or for people; or any length, when
    it puts part of the package under a vendor's enterprise, commercial or proprietary license
    by name (``_OTHER_TERMS``). xlwings 0.37.8 declares BSD-3-Clause and ships, beside that
    text, LICENSE_PRO.txt: the commercial EULA of its ``pro`` folder."""
    from ospo_scan.licenses.detect import normalize_words, restricting_words
    from ospo_scan.licenses.normalize import license_family

    marker = _FAMILY_MARKERS.get(license_family(declared))
    found = []
    for (member, text), detection in zip(texts, detections, strict=True):
        name = member.rsplit("/", 1)[-1]
        if detection.expression is not None or _BUNDLED_FILE.search(name):
            continue
        if _NOT_TERMS_FILE.match(name) or _GOVERNMENT_DISCLAIMER.search(" ".join(text.split())):
            continue
        if _OTHER_TERMS.search(" ".join(text.split())):
            found.append(member)
            continue
        if marker is None or marker.search(text):
            continue
        words = len(normalize_words(text))
        if words >= MIN_TERMS_WORDS and len(restricting_words(text)) >= MIN_RESTRICTING_WORDS:
            found.append(member)
    return found


def with_terms_files(
    expression: str, texts: list[tuple[str, str]], detections: list[Detection]
) -> tuple[str, str] | None:
    """``expression`` (what the license files settled) with an unknown part for each file of
    terms no known license has (``terms_files``), and the note that says so; ``None`` when
    there is none."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF
    from ospo_scan.licenses.normalize import parse_expression, render

    unknown = terms_files(expression, texts, detections)
    if not unknown or UNKNOWN_TEXT_REF in expression:
        return None
    names = ", ".join(member.rsplit("/", 1)[-1] for member in unknown)
    joined = f"({expression}) AND {UNKNOWN_TEXT_REF}"
    return render(parse_expression(joined)), f"{names} holds terms that match no known license"


# The disclaimer that U.S. national laboratories put in a NOTICE beside their open-source
# license (quests 2026.2.22's, from Lawrence Livermore): "This work was prepared as an account
# of work sponsored by an agency of the United States Government. Neither ... makes any
# warranty ...". It disclaims and forbids endorsement claims; it adds no terms of use.
_GOVERNMENT_DISCLAIMER = re.compile(
    r"prepared\s+as\s+an\s+account\s+of\s+work\s+sponsored\s+by\s+an\s+agency\s+of\s+the\s+"
    r"united\s+states\s+government",
    re.IGNORECASE,
)


# A license file that puts part of the package under a vendor's own terms by name, without
# quoting them: inference-gpu 1.8.3's LICENSE says its "inference/enterprise/" folders "are
# governed by the Roboflow Enterprise License" (shipped in the wheel; the text is not).
_OTHER_TERMS = re.compile(
    r"\b(?:governed\s+by|licensed\s+under|subject\s+to|covered\s+by)\s+(?:the\s+)?"
    r"(?:[\w.-]+\s+){0,3}(?:enterprise|commercial|proprietary)\s+licen[cs]e\b",
    re.IGNORECASE,
)


def declared_with_exception(files: Detection, declared: str) -> str | None:
    """``declared`` (one GNU license) with the exception that its license files attach to
    the same license ("GPL-2.0-or-later" over the GPL 2 text with the linking exception:
    "GPL-2.0-or-later WITH GCC-exception-2.0"); ``None`` when they attach none."""
    from ospo_scan.licenses.normalize import license_family

    found = files.expression
    if found is None or " " in declared or files.score < FILES_WIN_SCORE:
        return None
    family = license_family(declared)
    version = re.sub(r"-(?:only|or-later)$", "", declared)
    for item in found.split(" AND "):
        license_id, _, exception = item.strip("()").partition(" WITH ")
        same = license_family(license_id) == family and license_id.startswith(version)
        if exception and same:
            return f"{declared} WITH {exception}"
    return None


def files_instead(files: Detection, declared: str) -> str | None:
    """The license files' reading when it names a single license of another family than the
    single ``declared`` one, matched at ``FILES_WIN_SCORE`` or better: the text is the grant
    and the declaration a label its author got wrong, either way (deep-translator 1.11.4
    declares "MIT" and ships the Apache 2.0 text; mohawk 1.1.0 declares "MPL 2.0" and ships
    the BSD-3-Clause text, its only license file). The caller names the declared license in
    the reason, so the conflict shows. ``None``: the declaration stands."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF
    from ospo_scan.licenses.normalize import license_family

    found = files.expression
    if found is None or " " in found or " " in declared or UNKNOWN_TEXT_REF in found:
        return None
    if files.score < FILES_WIN_SCORE or license_family(found) == license_family(declared):
        return None
    return found


# A GNU license declared by its version alone ("LGPLv2", "GPLv2+") over a license file that
# holds another version's text of the same license: the text says which version is granted.
# "LGPLv2" names the Library GPL 2.0 or, as most who write it mean, the Lesser GPL 2.1 that
# replaced it in 1999 (ps-mem 3.14 declares "LGPLv2" and python-xlib 0.33 "LGPLv2+" over the
# 2.1 text; func-timeout 4.3.5 "LGPLv2" over the LGPL 3 text).
_GNU_ID = re.compile(r"(?P<family>(?:A|L)?GPL)-(?P<version>\d\.\d)-(?P<suffix>only|or-later)")
_GNU_TEXT_VERSION = re.compile(
    r"general\s+public\s+licen[cs]e\W+version\s+(?P<version>\d(?:\.\d)?)", re.IGNORECASE
)


def _gnu_other_version(declared: str, texts: list[str]) -> bool:
    """Whether the single GNU ``declared`` license may be another version in the files (a
    quick look at their titles, "GNU LESSER GENERAL PUBLIC LICENSE Version 2.1")."""
    found = _GNU_ID.fullmatch(declared)
    if found is None:
        return False
    declared_version = found.group("version")
    for text in texts:
        for title in _GNU_TEXT_VERSION.finditer(text[:4000]):
            version = title.group("version")
            if (version if "." in version else f"{version}.0") != declared_version:
                return True
    return False


def _gnu_version_of_text(files: Detection, declared: str) -> str | None:
    """The single GNU ``declared`` license at the version of the one text of the same
    license the files hold (matched at ``FILES_WIN_SCORE`` or better), with the declared
    ``-only`` or ``-or-later``; ``None`` when they hold no such single text."""
    from ospo_scan.licenses.normalize import license_keys

    wanted = _GNU_ID.fullmatch(declared)
    if wanted is None or files.expression is None or files.score < FILES_WIN_SCORE:
        return None
    try:
        keys = license_keys(files.expression)
    except ValueError:
        return None
    held = [_GNU_ID.fullmatch(key) for key in keys]
    if len(held) != 1 or held[0] is None or held[0].group("family") != wanted.group("family"):
        return None
    version = held[0].group("version")
    if version == wanted.group("version"):
        return None
    return f"{wanted.group('family')}-{version}-{wanted.group('suffix')}"


# One license of the BSD family, by its SPDX id (the variants differ in a clause or two).
_BSD_VARIANT = re.compile(r"BSD-[1-4]-Clause(?:-[A-Za-z0-9.]+)*")
# The clauses that tell the common BSD variants apart (a quick look before matching): the
# endorsement clause (three clauses), the advertising clause (four), and the LBNL, "views and
# conclusions" and patent paragraphs.
_BSD_ENDORSEMENT = re.compile(r"endorse|promote", re.IGNORECASE)
_BSD_OTHER_CLAUSES = re.compile(
    r"advertising|enhancements|views\s+and\s+conclusions|patent", re.IGNORECASE
)


def _other_bsd_variant(declared: str, texts: list[str]) -> bool:
    """Whether license files may hold another BSD variant than the ``declared`` one."""
    if _BSD_VARIANT.fullmatch(declared) is None:
        return False
    joined = "\n".join(texts)
    if _BSD_OTHER_CLAUSES.search(joined):
        return True
    endorsement = _BSD_ENDORSEMENT.search(joined) is not None
    return endorsement != (declared == "BSD-3-Clause")


def refined_by_files(
    declared: str, texts: list[tuple[str, str]], detections: list[Detection] | None = None
) -> tuple[str, str] | None:
    """A clear ``declared`` expression refined by the package's license files ((member,
    text), and their ``detections`` when the caller has them), as (expression, why), or
    ``None`` when they change nothing:

    * a single BSD variant over files that hold, matched confidently and alone, another BSD
      variant becomes the files' variant (authors pick a BSD id from a list: django-auth-ldap
      5.4.0 declares BSD-3-Clause over the two-clause text);
    * a single license over files that hold a single license of another family becomes that
      license (``files_instead``);
    * a GNU license takes the version of the one text of it that its files hold ("LGPLv2"
      over the LGPL 2.1 text: ``_gnu_version_of_text``);
    * a GNU license gains the exception its files attach to it (``declared_with_exception``);
    * an AND or OR of licenses is narrowed to those the files grant (``narrowed_by_files``);
    * the licenses that the files put parts of the package under are joined with AND
      (``portion_licenses``).

    Quick looks at the texts (``may_differ``, ``mentions_portions``, the BSD clauses) spare
    matching them when none of this can apply."""
    from ospo_scan.licenses.detect import UNKNOWN_TEXT_REF, combine_detections, offers_choice
    from ospo_scan.licenses.normalize import parse_expression, render

    if not texts:
        return None
    expression = declared
    plain = [text for _, text in texts]
    joined = combination(expression) is not None
    bsd = _other_bsd_variant(expression, plain)
    gnu = _gnu_other_version(expression, plain)
    differ = may_differ(expression, plain)
    added = not differ and any(_ADDED_OBLIGATION.search(text) for text in plain)
    portions = any(mentions_portions(text) for text in plain)
    others = any(_NAMED_UNDER.search(text) for text in plain)
    # "Modifications on these files are dual licensed (both MIT and PSF)" (parso) is parts.
    choice = not (joined or portions) and any(offers_choice(text) for text in plain)
    if not (bsd or gnu or joined or differ or added or choice or portions or others):
        return None
    if detections is None:
        detections = read_license_files(texts)
    names = ", ".join(member.rsplit("/", 1)[-1] for member, _ in texts)
    said: list[str] = []
    combined = combine_detections(detections, [member for member, _ in texts])
    found = combined.expression
    if (
        bsd
        and found is not None
        and found != expression
        and _BSD_VARIANT.fullmatch(found) is not None
        and combined.score >= FILES_WIN_SCORE
    ):
        said.append(f"the license files {names} hold {found}, not the declared {expression}")
        expression = found
    version = _gnu_version_of_text(combined, expression) if gnu else None
    if version is not None:
        said.append(
            f"the license files {names} hold the text of another version than the declared"
            f" {expression}: {version}"
        )
        expression = version
    instead = files_instead(combined, expression) if differ else None
    if instead is not None:
        said.append(
            f"the license files {names} hold {instead}, not the declared {expression}: the"
            " text is the grant"
        )
        expression = instead
    excepted = declared_with_exception(combined, expression) if differ else None
    if excepted is not None:
        said.append(f"the license files {names} attach an exception: {excepted}")
        expression = excepted
    narrowed = narrowed_by_files(combined, expression) if joined else None
    if narrowed is not None and _named_but_unread(texts, detections, narrowed[1]):
        narrowed = None
    if narrowed is not None:
        said.append(f"the license files {names} grant only {narrowed[0]}, not {narrowed[1]}")
        expression = narrowed[0]
    widened = widened_by_files(combined, expression) if choice and not joined else None
    if widened is not None:
        said.append(f"the license files {names} offer a choice: {widened}")
        expression = widened
    found_portions = portion_licenses(texts, detections, expression)
    parts = [license_id for license_id, _, _ in found_portions]
    said.extend(
        f'{member} puts part of the package under {lid}: "{words}"'
        for lid, member, words in found_portions
    )
    named = stricter_named_parts(texts, detections, expression) if others else []
    for license_id, member, words in named:
        if license_id not in parts:
            parts.append(license_id)
            said.append(f'{member} puts part of the package under {license_id}: "{words}"')
            expression = _without_other_cc_variant(expression, license_id)
    # A file of terms no known license has, beside the declared license's text: a person
    # reads them (never dropped for the declaration, which does not name them).
    unknown = terms_files(expression, texts, detections) if differ else []
    if unknown and _declared_text_absent(expression, detections):
        # The files hold other terms and not the declared license's text: the terms are
        # the grant, the declaration a label (eslint-plugin-sonarjs 4.2.2 declares
        # LGPL-3.0-only over the Sonar Source-Available License).
        names = ", ".join(member.rsplit("/", 1)[-1] for member in unknown)
        said.append(
            f"{names} holds terms that match no known license, and no file holds the text of"
            f" the declared {expression}"
        )
        expression = UNKNOWN_TEXT_REF
    elif unknown:
        names = ", ".join(member.rsplit("/", 1)[-1] for member in unknown)
        said.append(f"{names} holds terms that match no known license")
        parts.append(UNKNOWN_TEXT_REF)
    elif added:
        # An obligation appended to the declared license's text in the same file (crawl4ai
        # 0.9.5's "Attribution Requirement" after the Apache License): a person reads it.
        appended = [
            member
            for (member, text), detection in zip(texts, detections, strict=True)
            if _ADDED_OBLIGATION.search(text)
            and detection.expression is not None
            and UNKNOWN_TEXT_REF in detection.expression
            and any(m.license_id == expression for m in detection.matches)
        ]
        if appended:
            names = ", ".join(member.rsplit("/", 1)[-1] for member in appended)
            said.append(f"{names} adds terms that match no known license to the {expression} text")
            parts.append(UNKNOWN_TEXT_REF)
    if not said:
        return None
    with_parts = " AND ".join([f"({expression})" if " OR " in expression else expression, *parts])
    return render(parse_expression(with_parts)), "; ".join(said)
