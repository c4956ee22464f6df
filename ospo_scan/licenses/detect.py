"""License text detection: which SPDX licenses a license file holds, matched against SPDX templates.

The SPDX License List ships each license as a template (license-list-XML): the text with its
optional parts (``<optional>``, the title, the copyright line) and variable parts (``<alt
match="regex">``) marked. ``scripts/update_license_texts.py`` turns those templates into word
sequences under ``data/`` with the same word normalization as this module (``normalize_words``),
so matching follows the SPDX License List Matching Guidelines: case, whitespace, punctuation,
quotes, bullets and numbering, ``http``/``https``, British/American spellings and copyright
lines do not matter; optional parts may be absent; variable parts may hold other words.

How a text is read:

1. Its words are normalized; copyright lines are kept but marked "soft" (never extra text).
2. Candidates: the templates most of whose word pairs (bigrams) occur in the text.
3. Each candidate is aligned with the stretch of text where its word pairs cluster (an anchored,
   patience-style diff over word ids, with ``difflib`` only for small gaps), then scored:
   ``score = matched required words / (required words + added words)``. A match is accepted
   only when the score is high *and* nothing meaningful was added or removed: no added run of
   words longer than a few (``MIT`` plus "shall be used for Good, not Evil" is the JSON
   license, not MIT), no added restricting word ("not", "commercial", "military", ...), no
   granting word removed ("sell", "modify", ...), no long required passage missing.
4. The best accepted match wins its stretch; the text before and after it is read the same way,
   so files that concatenate several licenses give one match per part.
5. What is left over is judged: short connecting prose (a title, "dual licensed under ...")
   is ignored; anything with restricting words, names of licenses that were not matched, or
   of some length becomes an unknown part (``LicenseRef-ospo-license-text``), so a policy
   never reads a partly understood file as allowed.

Matches combine with AND, or with OR when the left-over prose offers a choice ("dual
licensed", "at your option"). The GPL family text alone names its version, not whether "or
any later version" applies: that is granted by the notice, so a text match gives ``-only``
(the reading that claims fewer rights) unless an "or later" notice is matched as well: an SPDX
header template, or the FSF's "either version N of the License, or (at your option) any later
version" sentence under the program's own name (``_GNU_NOTICE``; the LGPL-3.0 and AGPL notices
written from the GPL one have no template). An LGPL-3.0 file that also carries the GPL-3.0
text it builds on is LGPL-3.0 alone.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import gzip
import itertools
import json
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

__all__ = [
    "DATA_FILE",
    "NORMALIZATION",
    "RARE_PAIRS",
    "UNKNOWN_TEXT_REF",
    "Detection",
    "TextMatch",
    "combine_detections",
    "detect_license_text",
    "is_copyright_line",
    "normalize_words",
    "offers_choice",
    "restricting_words",
    "strip_line_lead",
    "template_info",
]

logger = logging.getLogger(__name__)

# The generated template data (scripts/update_license_texts.py) and the version of
# ``normalize_words`` it was made with: the data must be regenerated when that changes.
DATA_FILE = "license-templates.json.gz"
DATA_FORMAT = 2
NORMALIZATION = 1

# The unknown part of a partly recognized text (same key as normalize's, so policies agree).
UNKNOWN_TEXT_REF = "LicenseRef-ospo-license-text"

# Limits that keep one detection bounded: characters read, words aligned, matches recorded.
MAX_TEXT_CHARS = 500_000
MAX_MATCHES = 50
MAX_CANDIDATES = 12  # templates aligned per stretch of text, best bigram coverage first
MIN_COVERAGE = 0.8  # share of a template's required word pairs the text must contain
RARE_PAIRS = 24  # rare word pairs per template in the candidate filter
ACCEPT = 0.95  # least score of an accepted match
NEAR_MISS = 0.75  # a rejected candidate this close is named in the note
MIN_REQUIRED_WORDS = 8  # templates shorter than this are too generic to match on words
# Leftover prose longer than this (in words) is an unknown part even without a red flag.
MAX_BENIGN_LEFTOVER = 120
_MAX_LICENSE_TALK = 4  # "license" words in one stretch of benign left-over prose
_VERSION_WORDS = frozenset({"version", "v", "versions"})
_FEW_DIFFERENCES = 2  # a short template (a notice) may differ in this many words anyway
_TITLE_WORDS = 10  # an optional end block this short may be a stray title match
_TITLE_GAP = 2  # words a title may add between optional matches ("MIT Expat License")
_SMALL_GAP = 400  # gaps (len_a * len_b) aligned with difflib directly
_MAX_DIFFLIB = 40_000  # larger gaps without unique anchors stay unaligned (they differ)


# --------------------------------------------------------------------------------------------
# Public data types


@dataclass(frozen=True, slots=True)
class TextMatch:
    """One license found in a text: its SPDX id, the match score (0..1) and its lines (1-based).

    ``license_id`` is an SPDX license id; for an ``SPDX-License-Identifier:`` line it is the
    expression written there.
    """

    license_id: str
    score: float
    start_line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Detection:
    """What a license text holds.

    ``expression`` is a canonical SPDX expression, or ``None`` when no license was recognized
    (never a guess). It contains ``LicenseRef-ospo-license-text`` when part of the text matched
    no license. ``score`` (0..1) is the weakest match's score times the share of the text that
    was explained; 0.0 when nothing matched. ``matches`` are in text order; ``note`` says what
    a reviewer should know (near misses, left-over text, choices, truncation).
    """

    expression: str | None
    score: float
    matches: tuple[TextMatch, ...]
    note: str | None


# --------------------------------------------------------------------------------------------
# Word normalization (shared with scripts/update_license_texts.py)

# British and other spellings the SPDX matching guidelines treat as the same word (guideline
# "equivalent words"), mapped to one form. Hyphenated forms ("sub-license") are joined first.
_EQUIVALENT = {
    "acknowledgement": "acknowledgment",
    "acknowledgements": "acknowledgments",
    "analogue": "analog",
    "analyse": "analyze",
    "artefact": "artifact",
    "artefacts": "artifacts",
    "authorisation": "authorization",
    "authorised": "authorized",
    "calibre": "caliber",
    "cancelled": "canceled",
    "capitalisations": "capitalizations",
    "catalogue": "catalog",
    "categorise": "categorize",
    "centre": "center",
    "emphasised": "emphasized",
    "favour": "favor",
    "favourite": "favorite",
    "fulfil": "fulfill",
    "fulfilment": "fulfillment",
    "initialise": "initialize",
    "judgement": "judgment",
    "labelling": "labeling",
    "labour": "labor",
    "licence": "license",
    "licences": "licenses",
    "licenced": "licensed",
    "licencee": "licensee",
    "licencees": "licensees",
    "licencing": "licensing",
    "licencor": "licensor",
    "licensor's": "licensors",
    "maximise": "maximize",
    "modelled": "modeled",
    "modelling": "modeling",
    "offence": "offense",
    "optimise": "optimize",
    "organisation": "organization",
    "organisations": "organizations",
    "organise": "organize",
    "practise": "practice",
    "programme": "program",
    "programmes": "programs",
    "realise": "realize",
    "recognise": "recognize",
    "signalling": "signaling",
    "sublicence": "sublicense",
    "utilisation": "utilization",
    "whilst": "while",
    "wilful": "willful",
    "https": "http",
}
# "(a)", "(iv)", "(12)" and "(c)": list markers inside a paragraph and the copyright sign.
_PAREN_MARKER = re.compile(r"\(\s*(?:[a-z]|[ivx]{1,4}|\d{1,2})\s*\)")
_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011\u2012\u2013](?=[^\W\d_])")
_APOSTROPHE = re.compile(r"(?<=[^\W_])['\u2019`](?=[^\W_])")
_WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")


def normalize_words(text: str) -> list[str]:
    """The words of ``text`` in matching form: lower case, no punctuation, one spelling.

    Quotes, dashes and other punctuation vanish; hyphenated words are joined ("non-commercial"
    -> "noncommercial"); "(a)"/"(iv)"/"(c)" markers and the copyright sign are dropped;
    ``https`` reads as ``http`` and a ``www.`` prefix is dropped; British spellings become
    American ones. Dotted words stay whole ("2.0", "apache.org").
    """
    folded = unicodedata.normalize("NFKC", text).lower().replace("\u00a9", " ")
    folded = _PAREN_MARKER.sub(" ", folded)
    folded = _HYPHEN.sub("", folded)
    folded = _APOSTROPHE.sub("", folded)
    words: list[str] = []
    for word in _WORD.findall(folded):
        if word.startswith("www."):
            word = word[4:]
        words.append(_EQUIVALENT.get(word, word))
    return words


# --------------------------------------------------------------------------------------------
# Word lists that guard against a wrong "allowed"

# Added anywhere (inside a match or in left-over prose), these words may restrict the license.
_RESTRICTING = frozenset(
    """not no nor non never except unless only solely exclusively commercial commercially
    noncommercial evil military nuclear weapons weapon prohibited prohibit prohibits forbidden
    forbid restricted restriction restrictions restrict sold fee fees payment pay proprietary
    confidential must shall harm""".split()
)
# The same, for the words filling a variable part (a name): names rarely hold these.
_RESTRICTING_IN_VARIABLE = frozenset(
    """not nor never except unless solely exclusively commercial noncommercial evil military
    nuclear weapons prohibited forbidden restricted restriction sold fee""".split()
)
# Removed from a permissive text, these words take a permission away.
_GRANTING = frozenset(
    """use copy modify merge publish distribute sublicense sell redistribute redistribution
    redistributions reproduce display perform prepare derivative commercial any purpose free
    charge royalty royaltyfree irrevocable perpetual worldwide permitted permission granted
    grant hereby rights patent""".split()
)
# Added as prose around the matches, these words limit where the licenses apply ("except
# when otherwise stated"), which is no restriction of use.
_SCOPE_WORDS = frozenset({"except", "unless"})
# Prose that says which files each matched license covers ("The MIT license is used for
# src/x.py only. All remaining files are licensed under the LGPLv3."): there "only", "except"
# and "solely" limit where a license applies, not what it allows.
_FILE_SCOPE = re.compile(r"\b(?:files?|director(?:y|ies)|folders?|modules?)\b")
_SCOPE_LIMITS = frozenset({"only", "except", "unless", "solely", "exclusively"})


def offers_choice(text: str) -> bool:
    """Whether ``text`` speaks of a choice between licenses ("dual licensed", "at your
    option", "either of"): a quick look before matching it."""
    return _CHOICE.search(" ".join(normalize_words(text))) is not None


def restricting_words(text: str) -> list[str]:
    """The words of ``text`` that may restrict a license ("not", "commercial", "only", ...),
    in matching form and in order; the matcher never lets them pass as added text."""
    return [word for word in normalize_words(text) if word in _RESTRICTING]


# Words that name a restrictive license family (copyleft, non-commercial, ethical). In prose
# left over around the matches they point at a license that was not matched ("the vendored
# parser is GPL"), which makes that prose an unknown part. Permissive families do not: a
# mention of them cannot hide a stronger obligation. Word prefixes, then whole words; the
# ambiguous ones count only next to "license" ("Mozilla's root certificates" is no MPL).
_FAMILY_PREFIXES = (
    ("agpl", "agpl"),
    ("lgpl", "lgpl"),
    ("gpl", "gpl"),
    ("gfdl", "gfdl"),
    ("mpl", "mpl"),
    ("eupl", "eupl"),
    ("cddl", "cddl"),
    ("sspl", "sspl"),
    ("busl", "busl"),
    ("cecill", "cecill"),
)
_FAMILY_WORDS = {"epl": "epl", "osl": "osl", "qpl": "qpl", "affero": "agpl", "copyleft": "copyleft"}
_AMBIGUOUS_FAMILY_WORDS = {
    "gnu": "gnu",
    "lesser": "lgpl",
    "mozilla": "mpl",
    "eclipse": "epl",
    "creative": "cc",
    "commons": "cc",
    "artistic": "artistic",
    "json": "json",
    "hippocratic": "hippocratic",
}
_GNU_FAMILIES = frozenset({"gpl", "lgpl", "agpl", "gfdl"})
_COPYLEFT_FAMILIES = frozenset(
    {"gpl", "lgpl", "agpl", "gfdl", "mpl", "eupl", "cddl", "epl", "osl", "cecill", "sspl"}
)
_LICENSE_WORDS = frozenset({"license", "licenses", "licensed", "licensing", "public"})
_CHOICE_NOTE = "no license text, but it offers a choice between licenses"
# Prose that makes several licenses a choice.
_CHOICE = re.compile(
    r"\b(?:dual(?:ly|ed)? ?licensed|duallicensed|dual ?license|(?:multi|tri|triple) ?licensed|"
    r"either of|"
    r"at (?:your|the licensees|the users) (?:option|choice|discretion)|your choice of|"
    r"(?:may|can) (?:choose|select|elect)|choose (?:either|between|one)|choice of|"
    r"one of (?:the following|these|two|three|four) licenses|"
    r"at the (?:discretion|option|choice) of the (?:user|licensee|recipient)|alternatively)\b"
)


# --------------------------------------------------------------------------------------------
# The template index (loaded once, lazily)


@dataclass(frozen=True, slots=True)
class _Variable:
    start: int  # first template position of its original words
    end: int
    limit: int  # most words it may hold
    # What it may hold: exact word sequences, and patterns with wildcards (regular
    # expressions over the words joined by spaces). Neither: any words up to the limit.
    exact: frozenset[tuple[int, ...]] | None
    patterns: tuple[str, ...]
    pattern_words: frozenset[str]  # the literal words of the patterns


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _pattern_source(words: Sequence[str]) -> str:
    """A regular expression over space-joined words: ``+`` is one or more words, ``*`` any."""
    parts = []
    for word in words:
        if word == "+":
            parts.append(r"\S+(?: \S+)*")
        elif word == "*":
            parts.append(r"(?:\S+(?: \S+)*)?")
        else:
            parts.append(re.escape(word))
    return " ?".join(parts)


@dataclass(slots=True)
class _Template:
    license_id: str
    kind: str  # "text" (a whole license) or "header" (its standard notice)
    aliases: tuple[str, ...]  # ids whose template reads the same
    words: list[int]
    required: bytes  # 1 where the word is required (not optional, not variable)
    required_prefix: list[int]  # required_prefix[i] = required words before position i
    variables: tuple[_Variable, ...]
    name_words: frozenset[str]
    required_count: int = 0
    bigrams: frozenset[int] = frozenset()
    rare: tuple[int, ...] = ()  # its rarest required word pairs (they locate it in a text)
    names_parties: bool = False  # it has a BSD non-endorsement clause (_names_the_parties)


@dataclass(slots=True)
class _Index:
    templates: list[_Template]
    vocabulary: dict[str, int]
    words: list[str]
    width: int  # bigram key = first * width + second
    granting: frozenset[int]
    source: str
    # The rarest word pairs of each template (few templates share them), and which templates
    # have each: a text must hold half of a template's rare pairs to be compared with it.
    rare: dict[int, list[int]]
    rare_counts: list[int]


_LOCK = threading.Lock()
_LOADED: list[_Index] = []  # the index, once built (resolvers detect from several threads)


def _index() -> _Index:
    """The template index, built once on first use from the shipped data (~0.2 s)."""
    if _LOADED:
        return _LOADED[0]
    with _LOCK:
        if not _LOADED:
            raw = resources.files("ospo_scan.licenses").joinpath("data", DATA_FILE).read_bytes()
            _LOADED.append(_build_index(json.loads(gzip.decompress(raw))))
        return _LOADED[0]


def template_info() -> dict[str, Any]:
    """Facts about the shipped template data: source, license list, counts.

    Returns a dict with ``source`` (where the templates came from), ``licenses`` (distinct
    SPDX ids) and ``templates`` (texts and notices). Loads the data when not loaded yet.
    """
    index = _index()
    return {
        "source": index.source,
        "licenses": len({t.license_id for t in index.templates}),
        "templates": len(index.templates),
    }


def _build_index(data: dict[str, Any]) -> _Index:
    if data.get("format") != DATA_FORMAT or data.get("normalization") != NORMALIZATION:
        raise RuntimeError(
            f"{DATA_FILE} was generated for another version of the detector "
            "(run scripts/update_license_texts.py)"
        )
    words_by_id: list[str] = list(data["vocabulary"])
    vocabulary = {word: number for number, word in enumerate(words_by_id)}
    width = len(words_by_id) + 1
    templates: list[_Template] = []
    rare: dict[int, list[int]] = {}
    rare_counts: list[int] = []
    for number, entry in enumerate(data["templates"]):
        template = _parse_template(entry, vocabulary, width)
        templates.append(template)
        sample = [first * width + second for first, second in entry.get("rare", ())]
        for key in sample:
            rare.setdefault(key, []).append(number)
        rare_counts.append(len(sample))
        template.rare = tuple(sample)
    granting = frozenset(vocabulary[w] for w in _GRANTING if w in vocabulary)
    source = str(data.get("source", {}).get("description", "unknown"))
    return _Index(templates, vocabulary, words_by_id, width, granting, source, rare, rare_counts)


_REQUIRED_FLAGS = bytes.maketrans(b"rov", b"\x01\x00\x00")


def _parse_template(entry: dict[str, Any], vocabulary: dict[str, int], width: int) -> _Template:
    """One template of the data file: word ids, one kind letter per word (``r`` required,
    ``o`` optional, ``v`` variable) and the variables [start, end, limit, alternatives]."""
    words: list[int] = entry["words"]
    required = entry["kinds"].encode("ascii").translate(_REQUIRED_FLAGS)
    prefix = list(itertools.accumulate(required, initial=0))
    # Pairs of adjacent required words: the big-integer AND marks byte i when bytes i-1
    # and i are both 1 (C speed, where a Python loop over 600k words takes a tenth of a second).
    flags = int.from_bytes(required, "big")
    both = (flags & (flags >> 8)).to_bytes(len(required), "big")[1:]
    keys = [first * width + second for first, second in zip(words, words[1:], strict=False)]
    variables: list[_Variable] = []
    for start, end, limit, alternatives in entry.get("vars", ()):
        exact: set[tuple[int, ...]] | None = None
        patterns: list[str] = []
        pattern_words: set[str] = set()
        if alternatives is not None:
            exact = set()
            for alternative in alternatives:
                if "+" in alternative or "*" in alternative:
                    patterns.append(_pattern_source(alternative))
                    pattern_words.update(w for w in alternative if w not in ("+", "*"))
                else:
                    exact.add(tuple(vocabulary.get(word, -2) for word in alternative))
        variables.append(
            _Variable(
                start,
                end,
                int(limit),
                None if exact is None else frozenset(exact),
                tuple(patterns),
                frozenset(pattern_words),
            )
        )
    return _Template(
        license_id=entry["id"],
        kind=entry.get("kind", "text"),
        aliases=tuple(entry.get("aliases", ())),
        words=words,
        required=required,
        required_prefix=prefix,
        variables=tuple(variables),
        name_words=frozenset(entry.get("name_words", ())),
        required_count=prefix[-1],
        bigrams=frozenset(itertools.compress(keys, both)),
        names_parties=_has_run(words, [vocabulary.get(word, -2) for word in _ENDORSE]),
    )


def _has_run(words: list[int], run: list[int]) -> bool:
    """Whether ``run`` occurs in ``words`` as consecutive items."""
    return any(words[k : k + len(run)] == run for k, word in enumerate(words) if word == run[0])


# --------------------------------------------------------------------------------------------
# The input text


@dataclass(slots=True)
class _Input:
    words: list[str]
    ids: list[int]  # template vocabulary ids; -1 for words no template uses
    lines: list[int]  # 1-based line of each word
    soft: bytearray  # 1: the word is on a copyright line (never counted as added text)
    identifiers: list[tuple[str, int]]  # SPDX-License-Identifier expressions and their line
    bigrams: list[int]  # bigrams[i] = key of (ids[i], ids[i + 1]), -1 when either is unknown


_SPDX_IDENTIFIER = re.compile(
    r"SPDX-License-Identifier:\s*(?P<expression>[^\n]*?)\s*(?:\*/|-->|#\})?\s*$", re.IGNORECASE
)
_COPYRIGHT_LINE = re.compile(
    r"^[\W_]*(?:(?:portions\s+)?copyright\b(?!\s+(?:notices?|holders?|owners?|and\b|law\b|laws\b"
    r"|statements?|protection|licen[cs]e))|[(\[]c[)\]]|\u00a9)",
    re.IGNORECASE,
)
# Years are never terms of a license: in a text they date a copyright ("2001-2022").
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_RESERVED_LINE = re.compile(r"^[\W_]*all\s+rights\s+reserved\W*$", re.IGNORECASE)
# A leading comment marker, blockquote, heading or bullet, then a "1." / "1.1." / "a)" number.
_LINE_LEAD = re.compile(r"^[^\w(]*")
_NUMBERING = re.compile(r"^\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivx]{1,6})[.)](?:\s+|$)", re.I)


def is_copyright_line(line: str) -> bool:
    """Whether ``line`` is a copyright notice ("Copyright (c) 2020 Ann", "(C) Bob", "All
    rights reserved"): its words may differ from a template's (guideline B.3.6)."""
    return bool(_COPYRIGHT_LINE.match(line) or _RESERVED_LINE.match(line))


def strip_line_lead(line: str) -> str:
    """``line`` without its leading comment marker, bullet or list number ("1.", "a)", "-").

    Applied to each line of a text and of the templates alike (bullets do not matter in
    matching; SPDX guideline B.3.4).
    """
    return _NUMBERING.sub("", _LINE_LEAD.sub("", line))


_MARKDOWN_LINK = re.compile(r"\]\((?:[a-z]+:|#|\.{0,2}/)[^)\s]*\)", re.IGNORECASE)


def _prepare(text: str, index: _Index) -> _Input:
    words: list[str] = []
    lines: list[int] = []
    soft = bytearray()
    identifiers: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if "SPDX-License-Identifier" in line or "spdx-license-identifier" in line.lower():
            found = _SPDX_IDENTIFIER.search(line)
            if found is not None and found.group("expression"):
                identifiers.append((found.group("expression"), number))
                continue
        is_soft = is_copyright_line(line)
        line_words = normalize_words(_MARKDOWN_LINK.sub("]", strip_line_lead(line)))
        words.extend(line_words)
        lines.extend([number] * len(line_words))
        soft.extend(is_soft or _YEAR.match(word) is not None for word in line_words)
    vocabulary = index.vocabulary
    ids = [vocabulary.get(word, -1) for word in words]
    width = index.width
    bigrams = [
        first * width + second if first >= 0 and second >= 0 else -1
        for first, second in zip(ids, ids[1:], strict=False)
    ]
    return _Input(words, ids, lines, soft, identifiers, bigrams)


# --------------------------------------------------------------------------------------------
# Alignment: matching blocks between a template's words and a stretch of the text


def _matching_blocks(a: Sequence[int], b: Sequence[int]) -> list[tuple[int, int, int]]:
    """(i, j, n) triples with a[i:i+n] == b[j:j+n], increasing in i and j, adjacent merged."""
    found: list[tuple[int, int, int]] = []
    _patience(a, b, 0, len(a), 0, len(b), found, 0)
    found.sort()
    merged: list[tuple[int, int, int]] = []
    for i, j, n in found:
        if merged:
            pi, pj, pn = merged[-1]
            if pi + pn == i and pj + pn == j:
                merged[-1] = (pi, pj, pn + n)
                continue
        merged.append((i, j, n))
    return merged


def _patience(
    a: Sequence[int],
    b: Sequence[int],
    alo: int,
    ahi: int,
    blo: int,
    bhi: int,
    out: list[tuple[int, int, int]],
    depth: int,
) -> None:
    """Patience diff: anchor on words unique to both sides, recurse into the gaps.

    Near-identical texts (the usual case) cost little more than a linear scan, where
    ``difflib`` alone is quadratic in the common words ("the", "of") of long licenses.
    """
    n = 0
    while alo + n < ahi and blo + n < bhi and a[alo + n] == b[blo + n]:
        n += 1
    if n:
        out.append((alo, blo, n))
        alo, blo = alo + n, blo + n
    n = 0
    while ahi - n > alo and bhi - n > blo and a[ahi - n - 1] == b[bhi - n - 1]:
        n += 1
    if n:
        out.append((ahi - n, bhi - n, n))
        ahi, bhi = ahi - n, bhi - n
    if alo >= ahi or blo >= bhi:
        return
    size = (ahi - alo) * (bhi - blo)
    anchors = [] if size <= _SMALL_GAP or depth > 40 else _unique_pairs(a, b, alo, ahi, blo, bhi)
    if not anchors:
        if size <= _MAX_DIFFLIB:
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            out.extend((alo + i, blo + j, k) for i, j, k in matcher.get_matching_blocks() if k)
        return
    previous_a, previous_b = alo, blo
    for i, j in _increasing(anchors):
        if i < previous_a or j < previous_b:
            continue  # inside the run of an earlier anchor
        _patience(a, b, previous_a, i, previous_b, j, out, depth + 1)
        k = 0
        while i + k < ahi and j + k < bhi and a[i + k] == b[j + k]:
            k += 1
        out.append((i, j, k))
        previous_a, previous_b = i + k, j + k
    _patience(a, b, previous_a, ahi, previous_b, bhi, out, depth + 1)


def _unique_pairs(
    a: Sequence[int], b: Sequence[int], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """(i, j) for each word that occurs exactly once in a[alo:ahi] and once in b[blo:bhi]."""
    in_a: dict[int, int] = {}
    repeated: set[int] = set()
    for i in range(alo, ahi):
        word = a[i]
        if word in in_a:
            repeated.add(word)
        else:
            in_a[word] = i
    in_b: dict[int, int] = {}
    for j in range(blo, bhi):
        word = b[j]
        if word in in_a and word not in repeated:
            if word in in_b:
                repeated.add(word)
            else:
                in_b[word] = j
    return sorted((in_a[word], j) for word, j in in_b.items() if word not in repeated)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by i) whose j increase too."""
    tails: list[int] = []  # tails[k] = smallest j ending an increasing run of length k + 1
    tail_index: list[int] = []
    previous = [-1] * len(pairs)
    for position, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_index.append(position)
        else:
            tails[k] = j
            tail_index[k] = position
        previous[position] = tail_index[k - 1] if k else -1
    chain: list[tuple[int, int]] = []
    position = tail_index[-1] if tail_index else -1
    while position >= 0:
        chain.append(pairs[position])
        position = previous[position]
    chain.reverse()
    return chain


def _trim_stray_blocks(blocks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Drop small blocks at either end that lie far from the rest (common words elsewhere)."""
    start, end = 0, len(blocks)
    while end - start > 1:
        _, j, n = blocks[start]
        gap = blocks[start + 1][1] - (j + n)
        if n * 4 < gap and gap > 4:
            start += 1
        else:
            break
    while end - start > 1:
        _, j, n = blocks[end - 1]
        previous_i, previous_j, previous_n = blocks[end - 2]
        gap = j - (previous_j + previous_n)
        if n * 4 < gap and gap > 4:
            end -= 1
        else:
            break
    return blocks[start:end]


def _trim_optional_ends(
    blocks: list[tuple[int, int, int]], template: _Template, source: _Input
) -> list[tuple[int, int, int]]:
    """Drop blocks at either end that match only optional words of the template when other
    text separates them from the rest: "dual licensed under the MIT license or GPLv3" must
    not pull the preamble into the MIT match through the optional title "The MIT License"."""
    prefix = template.required_prefix
    soft = source.soft
    start, end = 0, len(blocks)
    while end - start > 1:
        i, j, n = blocks[start]
        gap = soft.count(0, j + n, blocks[start + 1][1])
        if prefix[i + n] - prefix[i] or not gap or n > min(gap, _TITLE_WORDS):
            break
        start += 1
    while end - start > 1:
        i, j, n = blocks[end - 1]
        _, previous_j, previous_n = blocks[end - 2]
        gap = soft.count(0, previous_j + previous_n, j)
        if prefix[i + n] - prefix[i] or not gap or n > min(gap, _TITLE_WORDS):
            break
        end -= 1
    # Optional words matched farther out than a title's stray word or two ("... is available
    # under the "MIT Expat" license as set forth below. MIT Expat License / Permission is
    # hereby granted"): the preamble's "the MIT ... license" is not the title, the heading is.
    required = [
        k for k in range(start, end) if prefix[blocks[k][0] + blocks[k][2]] - prefix[blocks[k][0]]
    ]
    if required:
        first, last = required[0], required[-1]
        for k in range(first - 1, start - 1, -1):
            _, j, n = blocks[k]
            if soft.count(0, j + n, blocks[k + 1][1]) > _TITLE_GAP:
                start = k + 1
                break
        for k in range(last + 1, end):
            _, previous_j, previous_n = blocks[k - 1]
            if soft.count(0, previous_j + previous_n, blocks[k][1]) > _TITLE_GAP:
                end = k
                break
    return blocks[start:end]


# --------------------------------------------------------------------------------------------
# Scoring one template against one stretch of text


@dataclass(slots=True)
class _Alignment:
    template: _Template
    start: int  # first and last+1 position of the matched stretch in the input
    end: int
    score: float
    matched: int  # required template words matched
    explained: int  # words of the stretch the template explains
    accepted: bool
    problem: str | None  # why it was not accepted


def _align(template: _Template, source: _Input, lo: int, hi: int, index: _Index) -> _Alignment:
    """Align ``template`` with ``source.ids[lo:hi]`` and judge the match (see module doc)."""
    a = template.words
    b = source.ids
    blocks = [(i, lo + j, n) for i, j, n in _matching_blocks(a, b[lo:hi])]
    blocks = _trim_optional_ends(_trim_stray_blocks(blocks), template, source)
    required_count = template.required_count
    if not blocks:
        return _Alignment(template, lo, lo, 0.0, 0, 0, False, "no common text")
    start = blocks[0][1]
    end = blocks[-1][1] + blocks[-1][2]
    prefix = template.required_prefix
    matched = sum(prefix[i + n] - prefix[i] for i, _, n in blocks)

    # Required words the text lacks: in the unmatched stretches of the template.
    longest_missing = 0
    missing_words: list[str] = []
    missing_versions: list[str] = []  # required words right after "version"
    previous_end = 0
    for i, _, n in [*blocks, (len(a), 0, 0)]:
        gap_required = prefix[i] - prefix[previous_end]
        if gap_required:
            longest_missing = max(longest_missing, gap_required)
            if len(missing_words) < 40:
                missing_words.extend(
                    index.words[a[k]] for k in range(previous_end, i) if template.required[k]
                )
                missing_versions.extend(
                    index.words[a[k]]
                    for k in range(max(1, previous_end), i)
                    if template.required[k] and index.words[a[k - 1]] in _VERSION_WORDS
                )
        previous_end = i + n
    missing_granting = [word for word in missing_words if word in _GRANTING]

    # Words of the text the template explains: matched ones, and those filling a variable.
    covered = bytearray(end - start)
    for _, j, n in blocks:
        covered[j - start : j - start + n] = b"\x01" * n
    block_starts = [i for i, _, _ in blocks]
    for variable in template.variables:
        first, last = _variable_span(variable, blocks, block_starts, start, end)
        if first >= last:
            continue
        if _variable_accepts(variable, source, first, last):
            covered[first - start : last - start] = b"\x01" * (last - first)
    soft = source.soft
    for position in range(start, end):
        if soft[position]:
            covered[position - start] = 1
    if template.names_parties:
        for run in re.finditer(b"\x00+", bytes(covered)):
            if _names_the_parties(source.words, start + run.start(), start + run.end()):
                covered[run.start() : run.end()] = b"\x01" * (run.end() - run.start())

    added = covered.count(0)
    longest_added = max(
        (
            run.end() - run.start()
            for run in re.finditer(b"\x00+", bytes(covered))
            if not _names_the_work(source.words[start + run.start() : start + run.end()])
        ),
        default=0,
    )
    added_positions = (
        [start + offset for offset, flag in enumerate(covered) if not flag]
        if added <= 4 * _FEW_DIFFERENCES + required_count // 10
        else []
    )
    added_words = [source.words[position] for position in added_positions]
    added_versions = [
        source.words[position]
        for position in added_positions
        if position > 0 and source.words[position - 1] in _VERSION_WORDS
    ]
    added_restricting = sorted({word for word in added_words if word in _RESTRICTING})
    score = matched / (required_count + added) if required_count + added else 0.0
    # Numbers name versions ("version 2" against "version 3"): in a notice, or right after
    # "version", no difference in a number passes. (Elsewhere in long texts numbers are
    # mostly section references that formatting changes.)
    checked = missing_words + added_words if template.kind == "header" else []
    changed_numbers = sorted(
        {
            word
            for word in [*checked, *missing_versions, *added_versions]
            if any(c.isdigit() for c in word)
        }
    )
    # A GNU notice names its license: "the GNU Lesser General Public License" in a GPL
    # notice's words is another license, however few words differ.
    other_gnu = sorted(set(added_words) & _GNU_FAMILY_WORDS.get(template.license_id[:4], set()))
    problem = None
    if template.kind == "header" and other_gnu:
        problem = "names another GNU license (" + ", ".join(repr(w) for w in other_gnu) + ")"
    elif score < ACCEPT and (required_count - matched) + added > _FEW_DIFFERENCES:
        problem = f"score {score:.2f}"
    elif changed_numbers:
        problem = "different numbers " + ", ".join(repr(word) for word in changed_numbers[:5])
    elif longest_added > max(3, required_count // 100):
        problem = f"{longest_added} words added in one place"
    elif added_restricting:
        problem = "added words " + ", ".join(repr(word) for word in added_restricting[:5])
    elif longest_missing > max(5, required_count // 50):
        problem = f"{longest_missing} required words missing in one place"
    elif missing_granting:
        problem = "missing words " + ", ".join(repr(w) for w in sorted(set(missing_granting)))
    explained = end - start - added
    return _Alignment(template, start, end, score, matched, explained, problem is None, problem)


# Words that only name what the license covers ("forms of the software as well as
# documentation", the Pallets projects' BSD-3-Clause): added in one run of at most
# MAX_WORK_WORDS, they widen nothing and restrict nothing. They still count against the score.
_WORK_WORDS = frozenset(
    """a an the of and or as well this its software documentation source code binary forms
    form""".split()
)
MAX_WORK_WORDS = 8


def _names_the_work(words: list[str]) -> bool:
    """Whether an added run of words only names the work the license covers."""
    return len(words) <= MAX_WORK_WORDS and all(word in _WORK_WORDS for word in words)


# The non-endorsement clause of the BSD family ("Neither the name of the copyright holder nor
# the names of its contributors may be used to endorse or promote products derived from this
# software ...") names whose names may not be used; projects word that naming part freely
# ("The names of the authors and copyright holders may not be used", "Neither the names of the
# contributors nor the associated institutions may be used"). SPDX makes the holder's name a
# variable; a run of added words that ends within the naming part, at most
# MAX_PARTY_WORDS before "endorse or promote", holds no restricting word and only says who is
# named (or the "not" of "may not be used") is explained like a variable.
_ENDORSE = ("endorse", "or", "promote")
MAX_PARTY_WORDS = 24
_PARTY_NEGATION = frozenset({"not", "nor", "neither"})


def _names_the_parties(words: list[str], first: int, last: int) -> bool:
    """Whether words[first:last], added to a match, only names the parties of a BSD
    non-endorsement clause (see above)."""
    if last - first > MAX_PARTY_WORDS:
        return False
    horizon = words[last : last + MAX_PARTY_WORDS]
    try:
        endorse = next(k for k in range(len(horizon)) if tuple(horizon[k : k + 3]) == _ENDORSE)
    except StopIteration:
        return False
    # Between the run and "endorse": "... may [not] be used to" and the rest of the naming.
    between = horizon[:endorse]
    if "used" not in between[-3:]:
        return False
    run = words[first:last]
    return not any(
        word in _RESTRICTING and word not in _PARTY_NEGATION for word in [*run, *between]
    )


def _variable_span(
    variable: _Variable,
    blocks: list[tuple[int, int, int]],
    block_starts: list[int],
    start: int,
    end: int,
) -> tuple[int, int]:
    """Input positions [first, last) that fill ``variable``: from just after the last word
    matched before it to the first word matched after it."""
    first, last = start, end
    k = bisect.bisect_left(block_starts, variable.start) - 1
    # The block before the variable (it may run into the variable's original words).
    while k >= 0:
        i, j, n = blocks[k]
        if i < variable.start:
            first = j + min(n, variable.start - i)
            break
        k -= 1
    k = bisect.bisect_left(block_starts, variable.start)
    if k > 0:
        k -= 1
    while k < len(blocks):
        i, j, n = blocks[k]
        if i + n > variable.end:
            last = j + max(0, variable.end - i)
            break
        k += 1
    return first, max(first, last)


def _variable_accepts(variable: _Variable, source: _Input, first: int, last: int) -> bool:
    """Whether the words at [first, last) may fill ``variable`` (its pattern, its limit)."""
    if last - first > variable.limit:
        return False
    words = source.words[first:last]
    if variable.exact is None:
        return not any(word in _RESTRICTING_IN_VARIABLE for word in words)
    if tuple(source.ids[first:last]) in variable.exact:
        return True
    joined = " ".join(words)
    for pattern in variable.patterns:
        if _compiled(pattern).fullmatch(joined):
            return not any(
                word in _RESTRICTING_IN_VARIABLE and word not in variable.pattern_words
                for word in words
            )
    return False


# --------------------------------------------------------------------------------------------
# Detection


@dataclass(slots=True)
class _Found:
    template: _Template
    start: int
    end: int
    score: float


@dataclass(slots=True)
class _Search:
    source: _Input
    index: _Index
    candidates: list[_Template]  # templates worth trying anywhere in the text
    found: list[_Found]
    near_misses: dict[str, tuple[float, str]]  # license id -> (score, problem)
    positions: dict[int, list[int]]  # bigram key -> input positions
    # License exceptions found in the text no match covers: (exception id, first, end word).
    exceptions: list[tuple[str, int, int]] = field(default_factory=list)


def detect_license_text(text: str, *, filename: str | None = None) -> Detection:
    """Identify the SPDX license(s) that a license file's text (or a license field) holds.

    ``filename`` (``LICENSE``, ``COPYING.LESSER``, ...) only names the file in the note. A
    text that quotes no license but names the licenses it offers is read as a statement
    (``statement.read_statement``, at ``STATEMENT_CONFIDENCE``).
    Returns a ``Detection``: its ``expression`` is ``None`` when no license is recognized,
    and holds ``LicenseRef-ospo-license-text`` for a part that matches no license. Never
    raises for any input (empty, binary, huge: at most ``MAX_TEXT_CHARS`` are read).
    """
    label = f"{filename}: " if filename else ""
    notes: list[str] = []
    if "\x00" in text[:8192] or _mostly_control(text[:8192]):
        return Detection(None, 0.0, (), f"{label}binary data, not a license text")
    machine_readable = _copyright_format(text)
    if machine_readable is not None:
        expression, names = machine_readable
        note = f"{label}a machine-readable copyright file: License fields {', '.join(names)}"
        return Detection(expression, COPYRIGHT_FORMAT_SCORE, (), note)
    truncated = len(text) > MAX_TEXT_CHARS
    if truncated:
        text = text[:MAX_TEXT_CHARS]
        notes.append(f"only the first {MAX_TEXT_CHARS} characters were read")
    index = _index()
    source = _prepare(text, index)
    search = _Search(source, index, _global_candidates(source, index), [], {}, _positions(source))
    _search(search, 0, len(source.ids))
    _find_gnu_notices(search)
    _find_exceptions(search)
    search.found.sort(key=lambda found: found.start)
    detection = _conclude(search, notes, label, truncated)
    if detection.expression is None:
        # No license text in it: it may name its licenses instead (licenses/statement.py).
        from ospo_scan.licenses.statement import STATEMENT_CONFIDENCE, read_statement

        statement = read_statement(text)
        if statement is not None:
            return Detection(
                statement.expression, STATEMENT_CONFIDENCE, (), f"{label}{statement.note}"
            )
    return detection


# Debian's machine-readable copyright format (copyright-format 1.0, also REUSE's dep5): stanzas
# of "Files:", "Copyright:" and "License:" fields, the license named by a short name on the
# License field's first line. Its licenses all apply to the files they name: AND. Read as
# declared names, not matched texts, hence below a word-for-word match.
COPYRIGHT_FORMAT_SCORE = 0.9
_FIELD = re.compile(r"^(?P<name>[A-Za-z-]+):[ \t]*(?P<value>.*)$")


def _copyright_format(text: str) -> tuple[str, list[str]] | None:
    """(the AND of the License fields of the Files stanzas, their names) when ``text`` is a
    machine-readable copyright file, else ``None``: a Format header or a first stanza that
    opens with Files, and every License short name one normalize reads confidently."""
    from ospo_scan.licenses.normalize import PUBLIC_DOMAIN_REF, normalize, parse_expression, render

    lines = text.lstrip("\ufeff").splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not re.match(r"^(?:Format|Files):", first):
        return None
    names: list[str] = []
    in_files = False
    for line in lines:
        if not line.strip():
            in_files = False
            continue
        field = _FIELD.match(line)
        if field is None:
            continue  # a continuation line (indented) or prose
        name = field.group("name").lower()
        if name in ("files", "file", "function"):
            in_files = True
        elif name == "license" and in_files and field.group("value").strip():
            names.append(field.group("value").strip())
    if not names:
        return None
    expressions: list[str] = []
    for name in dict.fromkeys(names):
        reading = normalize(name)
        if reading.expression is None or reading.method not in ("spdx", "deprecated", "alias"):
            return None
        unknown = "LicenseRef-" in reading.expression.replace(PUBLIC_DOMAIN_REF, "")
        if reading.confidence < 0.7 or unknown:
            return None
        expressions.append(
            f"({reading.expression})" if " " in reading.expression else reading.expression
        )
    joined = render(parse_expression(" AND ".join(dict.fromkeys(expressions))))
    return joined, list(dict.fromkeys(names))


def _mostly_control(sample: str) -> bool:
    if not sample:
        return False
    control = sum(1 for char in sample if ord(char) < 32 and char not in "\n\r\t\f\v")
    return control * 10 > len(sample) or sample.count("\ufffd") * 10 > len(sample)


def _global_candidates(source: _Input, index: _Index) -> list[_Template]:
    """Templates with enough of their required word pairs somewhere in the text.

    A first pass counts each template's rare pairs in the text (cheap: few templates share
    a rare pair); only templates holding half of them are checked on all their pairs. A
    template that can be accepted holds nearly all its pairs, rare ones included.
    """
    present = set(source.bigrams)
    present.discard(-1)
    if not present:
        return []
    hits: Counter[int] = Counter()
    rare = index.rare
    for key in present:
        holders = rare.get(key)
        if holders is not None:
            hits.update(holders)
    out = []
    for number, count in hits.items():
        if count * 2 < index.rare_counts[number]:
            continue
        template = index.templates[number]
        wanted = template.bigrams
        if template.required_count < MIN_REQUIRED_WORDS or not wanted:
            continue
        if len(wanted & present) >= MIN_COVERAGE * len(wanted):
            out.append(template)
    return out


def _positions(source: _Input) -> dict[int, list[int]]:
    positions: dict[int, list[int]] = {}
    for position, key in enumerate(source.bigrams):
        if key >= 0:
            positions.setdefault(key, []).append(position)
    return positions


def _search(search: _Search, lo: int, hi: int) -> None:
    """Find the best accepted match in [lo, hi), then search the text on each side of it."""
    if len(search.found) >= MAX_MATCHES or hi - lo < MIN_REQUIRED_WORDS:
        return
    if (hi - lo) - _soft_words(search, lo, hi) < MIN_REQUIRED_WORDS:
        return
    present = set(search.source.bigrams[lo : max(lo, hi - 1)])
    ranked: list[tuple[float, int, _Template]] = []
    for template in search.candidates:
        wanted = template.bigrams
        common = len(wanted & present)
        coverage = common / len(wanted)
        if coverage < MIN_COVERAGE:
            continue
        # Coverage of the template first; then how much of this stretch it explains; then
        # the larger template (a longer text that is fully present explains more).
        explained = common / max(1, len(present))
        ranked.append((2 * coverage + explained, len(template.words), template))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
    best: _Alignment | None = None
    words = hi - lo
    for _, _, template in ranked[:MAX_CANDIDATES]:
        if template.required_count * ACCEPT > words:
            continue  # the stretch is too short to hold this template
        if best is not None and best.score >= 0.999 and template.required_count <= best.matched:
            continue  # cannot explain more, nor match more closely
        window_lo, window_hi = _window(search, template, lo, hi)
        alignment = _align(template, search.source, window_lo, window_hi, search.index)
        if not alignment.accepted:
            if alignment.score >= NEAR_MISS and alignment.problem:
                known = search.near_misses.get(template.license_id)
                if known is None or known[0] < alignment.score:
                    search.near_misses[template.license_id] = (alignment.score, alignment.problem)
            continue
        if best is None or _better(alignment, best):
            best = alignment
    if best is None:
        return
    search.found.append(_Found(best.template, best.start, best.end, best.score))
    search.near_misses.pop(best.template.license_id, None)
    _search(search, lo, best.start)
    _search(search, best.end, hi)


def _soft_words(search: _Search, lo: int, hi: int) -> int:
    return search.source.soft.count(1, lo, hi)


def _better(one: _Alignment, other: _Alignment) -> bool:
    """Whether ``one`` explains the text better: more of its words, then a closer match, then
    more required words (the more specific template), then the id that claims fewer rights
    (``-only`` before ``-or-later``), then the shorter id."""

    def key(alignment: _Alignment) -> tuple[int, float, int, int, int]:
        license_id = alignment.template.license_id
        return (
            alignment.explained,
            round(alignment.score, 3),
            alignment.matched,  # the more specific template (fewer optional parts)
            0 if license_id.endswith("-or-later") else 1,
            -len(license_id),
        )

    return key(one) > key(other)


def _window(search: _Search, template: _Template, lo: int, hi: int) -> tuple[int, int]:
    """The stretch of [lo, hi) that may hold ``template``, with some margin.

    Each occurrence of one of its rare word pairs says where the template would start (the
    pair's position in the text less its position in the template); the densest cluster of
    such starts wins. Rare pairs cost far less than all pairs in a long text (a file of a
    thousand MIT copies holds each common pair thousands of times).
    """
    length = len(template.words)
    if hi - lo <= length * 3 // 2 + 40:
        return lo, hi
    offsets = _rare_offsets(template)
    starts: list[int] = []
    for key, offset in offsets.items():
        starts.extend(p - offset for p in search.positions.get(key, ()) if lo <= p < hi)
    if not starts:
        return lo, lo
    starts.sort()
    width = length // 5 + 20  # words added or missing before a pair shift its estimate
    best_count, best_first, best_last = 0, starts[0], starts[0]
    first = 0
    for last in range(len(starts)):
        while starts[last] - starts[first] > width:
            first += 1
        if last - first + 1 > best_count:
            best_count, best_first, best_last = last - first + 1, starts[first], starts[last]
    margin = length // 10 + 20
    return max(lo, best_first - margin), min(hi, best_last + length + margin)


_OFFSETS: dict[int, dict[int, int]] = {}


def _rare_offsets(template: _Template) -> dict[int, int]:
    """Where each rare pair (or, lacking those, each pair) first occurs in the template."""
    found = _OFFSETS.get(id(template))
    if found is None:
        wanted = set(template.rare or template.bigrams)
        width = _index().width
        words = template.words
        found = {}
        for position in range(len(words) - 1):
            key = words[position] * width + words[position + 1]
            if key in wanted and key not in found:
                found[key] = position
        _OFFSETS[id(template)] = found
    return found


# --------------------------------------------------------------------------------------------
# From matches to an expression


def _conclude(search: _Search, notes: list[str], label: str, truncated: bool) -> Detection:
    source = search.source
    matches: list[TextMatch] = []
    parts: list[tuple[str, str]] = []  # (license id, kind)
    families: set[str] = set()
    for found in search.found:
        template = found.template
        if template.kind == "header" and _after_how_to_apply(source, found.start):
            # The sample notice in a GPL-family text's "How to Apply These Terms" appendix
            # (when the text match stopped short of it): an example, not this file's notice.
            continue
        start_line = source.lines[found.start]
        end_line = source.lines[found.end - 1]
        matches.append(TextMatch(template.license_id, round(found.score, 4), start_line, end_line))
        parts.append((template.license_id, template.kind))
        families.add(_family_of_id(template.license_id))
    spans = [(match.start_line, match.end_line) for match in matches]
    for expression, line in source.identifiers:
        if any(first <= line <= last for first, last in spans):
            continue  # an example inside the license text (CAL-1.0 shows how to tag files)
        parsed = _identifier_expression(expression)
        if parsed is None:
            notes.append(f"line {line}: SPDX-License-Identifier {expression!r} is not valid")
            continue
        matches.append(TextMatch(parsed, 1.0, line, line))
        parts.append((parsed, "identifier"))
        families.update(_family_of_id(key) for key in re.findall(r"[\w.+-]+", parsed))
    matches.sort(key=lambda match: (match.start_line, match.end_line))

    attached = _attachable_exceptions(search.exceptions, [license_id for license_id, _ in parts])
    leftover, choice, unknown_words, leftover_lines = _leftover(search, families, attached)
    total = sum(1 for flag in source.soft if not flag) or 1
    for license_id, (score, problem) in sorted(search.near_misses.items(), key=lambda x: -x[1][0]):
        if len(notes) > 4:
            break
        if unknown_words or not parts:
            notes.append(f"resembles {license_id} (score {score:.2f}) but {problem}")
    if not parts:
        if _CHOICE.search(" ".join(source.words[:MAX_BENIGN_LEFTOVER])):
            # "Available under either of the licenses in LICENSE.APACHE or LICENSE.BSD":
            # combine_detections reads the package's other license files as a choice.
            notes.append(_CHOICE_NOTE)
        note = label + ("; ".join(notes) if notes else "no license recognized")
        return Detection(None, 0.0, (), note)

    ids = _combine_family([license_id for license_id, _ in parts], parts, notes)
    ids = _with_exceptions(ids, attached, notes)
    operator = " AND "
    if len(ids) > 1 and choice:
        operator = " OR "
        notes.append("the text offers a choice between the licenses (OR)")
    expression = operator.join(
        f"({license_id})" if " " in license_id and len(ids) > 1 else license_id
        for license_id in ids
    )
    explained = 1.0
    if unknown_words or truncated:
        if unknown_words:
            notes.append(
                f"{unknown_words} words on lines {leftover_lines} match no license: "
                "kept as an unknown part"
            )
        if " OR " in expression:
            expression = f"({expression})"
        expression = f"{expression} AND {UNKNOWN_TEXT_REF}"
        explained = max(0.0, 1 - unknown_words / total)
    elif leftover:
        notes.append(f"{leftover} words of other text ignored (titles, notices)")
    # Each license counts by its best match: a name in the preamble ("or the Academic Free
    # License version 2.1", a partial match) takes nothing from its whole text quoted below.
    best: dict[str, float] = {}
    for match in matches:
        best[match.license_id] = max(best.get(match.license_id, 0.0), match.score)
    score = min(best.values()) * explained
    summary = label + "; ".join(notes) if notes else None
    return Detection(expression, round(score, 4), tuple(matches), summary)


# The FSF's notice granting a GNU license "or any later version" ("How to Apply These Terms"),
# with the program's own name where the template says "this program": the SPDX header templates
# only know "This program"/"This library", and LGPL-3.0 and AGPL notices written from the GPL
# one ("the GNU Lesser General Public License as published by ...") have none. Only the
# sentence that grants the versions is required; the warranty and "you should have received a
# copy" sentences that follow it are covered when present. Over normalized words.
_NAME_WORDS = r"(?:[^ ]+ ){1,6}?"  # the program's name ("psycopg2", "the GNU C Library")
# The title may carry its abbreviation before or after it: "the (LGPL) GNU Lesser General
# Public License", "the GNU General Public License (GPL)".
_GNU_ABBREVIATION = r"(?:(?:a|l)?gpl )?"
_GNU_TITLE = (
    r"the " + _GNU_ABBREVIATION + r"(?:gnu )?(?P<kind>lesser |library |affero )?"
    r"general public license " + _GNU_ABBREVIATION
)
_GNU_NOTICE = re.compile(
    r"(?<![^ ])(?:(?P<name>(?:[^ ]+ ){1,4}?)is free software "
    r"you can redistribute it and or modify it )?"
    r"under the terms of " + _GNU_TITLE + r"(?:as published by the free software foundation )?"
    r"(?:either )?version (?P<version>[123](?:\.[01])?) (?:of the license )?"
    r"or at your option any later version"
    r"(?: (?P<tail>" + _NAME_WORDS + r")is distributed in the hope that it will be useful but "
    r"without any warranty without even the implied warranty of merchantability or fitness for "
    r"a particular purpose see the (?:gnu )?(?:lesser |library |affero )?general public license "
    r"for more details)?"
    r"(?: you should have received a copy of the (?:gnu )?(?:lesser |library |affero )?general "
    r"public license (?:along with (?P<along>" + _NAME_WORDS + r"))?if not "
    r"(?:see http gnu\.org licenses|write to the free software foundation"
    r"(?P<address>(?: [^ ]+){0,14}?) usa))?(?![^ ])"
)
_GNU_KINDS = {None: "GPL", "lesser ": "LGPL", "library ": "LGPL", "affero ": "AGPL"}
_GNU_VERSIONS = {"1": "1.0", "2": "2.0", "3": "3.0"}


@functools.cache
def _notice_template(license_id: str) -> _Template:
    """A stand-in template for a GNU notice found by ``_GNU_NOTICE`` (kind "header")."""
    return _Template(license_id, "header", (), [], b"", [0], (), frozenset())


def _find_gnu_notices(search: _Search) -> None:
    """Add the GNU "or any later version" notices in the text no match covers (see
    ``_GNU_NOTICE``). A notice whose variable words (the program's name) hold a restricting
    word is not taken, nor the sample notice of a license text's "How to Apply" appendix."""
    from ospo_scan.licenses.normalize import canonical_id

    source = search.source
    covered = sorted((found.start, found.end) for found in search.found)
    gaps: list[tuple[int, int]] = []
    position = 0
    for start, end in covered:
        if start > position:
            gaps.append((position, start))
        position = max(position, end)
    gaps.append((position, len(source.words)))
    for lo, hi in gaps:
        if hi - lo < MIN_REQUIRED_WORDS:
            continue
        words = source.words[lo:hi]
        joined = " ".join(words)
        # Word index of each character offset where a word starts.
        offsets = list(itertools.accumulate((len(word) + 1 for word in words), initial=0))
        for match in _GNU_NOTICE.finditer(joined):
            first = lo + bisect.bisect_left(offsets, match.start())
            last = lo + bisect.bisect_left(offsets, match.end())
            variable: list[str] = []
            if match.group("name"):
                # The program's name is on the line of "is free software": earlier words
                # ("This file is part of demo.") are left over, for _leftover to judge.
                verb = lo + bisect.bisect_left(offsets, match.end("name"))
                while first < verb and source.lines[first] != source.lines[verb]:
                    first += 1
                variable.extend(source.words[first:verb])
            for part in match.group("tail", "along", "address"):
                variable.extend((part or "").split())
            if any(word in _RESTRICTING for word in variable):
                continue
            if _after_how_to_apply(source, first):
                continue
            family = _GNU_KINDS[match.group("kind")]
            version = _GNU_VERSIONS.get(match.group("version"), match.group("version"))
            license_id = f"{family}-{version}-or-later"
            if canonical_id(license_id) != license_id or len(search.found) >= MAX_MATCHES:
                continue
            search.found.append(_Found(_notice_template(license_id), first, last, 1.0))


# SPDX license exceptions a license file may append to (or put before) its license text, by
# their operative sentences over normalized words, with the ids they modify: an exception
# alone grants nothing, so it is only read beside a match of one of those licenses
# (``Apache-2.0 WITH LLVM-exception``); elsewhere its words stay an unknown part.
_EXCEPTIONS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "LLVM-exception",
        ("Apache-2.0",),
        re.compile(
            r"(?:llvm exceptions to the apache 2\.0 license )?as an exception if as a result of"
            r" your compiling your source code portions of this software are embedded into an"
            r" object form of such source code you may redistribute such embedded portions in"
            r" such object form without complying with the conditions of sections"
            r" (?:\d+ |and )+of the license(?: in addition if you combine or link compiled forms"
            r" of this software"
            r" with software that is licensed under the gplv2 (?:[^ ]+ ){1,80}?only with"
            r" respect to the combined software)?"
        ),
    ),
    (
        # The GCC runtime library's linking exception, as libgit2 and uWSGI word it too.
        "GCC-exception-2.0",
        ("GPL-2.0-only", "GPL-2.0-or-later"),
        re.compile(
            r"(?:linking exception )?in addition to the permissions in the gnu general public"
            r" license (?:the free software foundation gives|the authors give) you unlimited"
            r" permission to link the compiled version of this (?:file|library) into"
            r" combinations with other programs and to distribute those combinations without"
            r" any restriction coming from the use of this file(?: the general public license"
            r" restrictions do apply in other respects for example they cover modification of"
            r" the file and distribution when not linked into a combined? executable)?"
        ),
    ),
)


def _find_exceptions(search: _Search) -> None:
    """Record the license exceptions (``_EXCEPTIONS``) in the words no match covers."""
    words = search.source.words
    covered = _covered(search, [])
    joined = " ".join(words)
    offsets = list(itertools.accumulate((len(word) + 1 for word in words), initial=0))
    for exception_id, _, pattern in _EXCEPTIONS:
        for match in pattern.finditer(joined):
            first = bisect.bisect_left(offsets, match.start())
            end = bisect.bisect_left(offsets, match.end() + 1)
            while first < end and covered[first]:
                first += 1  # a heading the license's match ran into ("... license")
            if first < end and not any(covered[first:end]):
                search.exceptions.append((exception_id, first, end))


# The license ids each exception modifies.
_MODIFIES = {exception_id: ids for exception_id, ids, _ in _EXCEPTIONS}


def _covered(search: _Search, exceptions: list[tuple[str, int, int]]) -> bytearray:
    """One flag per input word: set where a match (or one of ``exceptions``) explains it."""
    covered = bytearray(len(search.source.ids))
    for start, end in [(f.start, f.end) for f in search.found] + [e[1:] for e in exceptions]:
        covered[start:end] = b"\x01" * (end - start)
    return covered


def _attachable_exceptions(
    exceptions: list[tuple[str, int, int]], license_ids: list[str]
) -> list[tuple[str, int, int]]:
    """The exceptions found beside a matched license they modify."""
    return [e for e in exceptions if any(i in _MODIFIES[e[0]] for i in license_ids)]


def _with_exceptions(
    ids: list[str], exceptions: list[tuple[str, int, int]], notes: list[str]
) -> list[str]:
    """``ids`` with each license an attached exception modifies written ``X WITH E``."""
    out = list(ids)
    for exception_id in dict.fromkeys(e[0] for e in exceptions):
        for position, license_id in enumerate(out):
            if license_id in _MODIFIES[exception_id]:
                out[position] = f"{license_id} WITH {exception_id}"
                notes.append(f"the {exception_id} text modifies {license_id}")
    return out


# Words that, added to a GNU notice template, make it another GNU license's notice (keyed by
# the template id's first four characters: "GPL-", "LGPL", "AGPL").
_GNU_FAMILY_WORDS = {
    "GPL-": {"lesser", "library", "affero"},
    "LGPL": {"affero"},
    "AGPL": {"lesser", "library"},
}

_HOW_TO_APPLY = re.compile(r"\b(?:how to apply|attach the following notices?|following notice)\b")


def _after_how_to_apply(source: _Input, start: int) -> bool:
    """Whether the words just before ``start`` introduce a license's sample notice."""
    return bool(_HOW_TO_APPLY.search(" ".join(source.words[max(0, start - 80) : start])))


def _identifier_expression(expression: str) -> str | None:
    """The canonical form of an ``SPDX-License-Identifier`` value, or ``None`` if invalid."""
    from ospo_scan.licenses.normalize import parse_expression, render

    try:
        return render(parse_expression(expression.strip().strip("()").strip() or "?"))
    except ValueError:
        try:
            return render(parse_expression(expression))
        except ValueError:
            return None


def _family_of_id(license_id: str) -> str:
    """ "GPL-3.0-only" -> "gpl", "CC-BY-4.0" -> "cc", "MIT" -> "mit"."""
    return license_id.split("-", 1)[0].lower()


# Sentences beside a license text that restrict nothing the license grants, though their
# words ("not", "reserved") would count as terms: a reservation of the rights the license does
# not grant (prance 26.7.19: "All rights not covered below are reserved"), and the clause with
# which intergovernmental organisations keep their immunities (ECMWF's eckitlib 2.5.0: "In
# applying this licence, ECMWF does not waive the privileges and immunities ...").
_BENIGN_CLAUSE = re.compile(
    r"\b(?:all rights )?not (?:expressly )?(?:covered|granted)(?: (?:below|above|herein|"
    r"hereunder|by this license))? are reserved\b"
    r"|\bdoes not waive the privileges and immunities granted to it by virtue of its status as"
    r" an intergovernmental organi[sz]ation(?: nor does it submit to any jurisdiction)?\b"
    # A license's own name, whose "no" restricts nothing (reedsolo 1.7.0: "your choice of
    # Unlicense ... or MIT No Attribution License").
    r"|\bmit no attribution\b"
)


_VENDOR_TERMS = re.compile(
    r"\bsubject to (?:the )?(?:[\w.-]+ ){0,3}?(?:terms of (?:service|use)"
    r"|(?:end user )?license agreement|eula)\b"
)
_SUBCOMPONENTS = re.compile(
    r"\bcontains subcomponents with separate copyright notices and license terms\b"
)


def _names_family(words: list[str], position: int, families: set[str]) -> bool:
    """Whether one of the few words before ``words[position]`` is a matched family's name
    ("bsd" for BSD-3-Clause, "mit", "apache")."""
    before = words[max(0, position - _NAME_REACH) : position]
    return any(word in families for word in before)


_NAME_REACH = 4  # "Simplified BSD license", "BSD 3 clause license": the name is this close


def _foreign_families(words: list[str], families: set[str]) -> list[str]:
    """Restrictive license families named in ``words`` that no match accounts for."""
    foreign: list[str] = []
    for position, word in enumerate(words):
        family = _FAMILY_WORDS.get(word)
        if family is None:
            family = next((f for prefix, f in _FAMILY_PREFIXES if word.startswith(prefix)), None)
        if family is None and word in _AMBIGUOUS_FAMILY_WORDS:
            near = words[max(0, position - 4) : position + 5]
            if _LICENSE_WORDS.intersection(near):
                family = _AMBIGUOUS_FAMILY_WORDS[word]
        if family is None:
            continue
        if family == "gnu":
            known = bool(_GNU_FAMILIES & families)
        elif family == "copyleft":
            known = bool(_COPYLEFT_FAMILIES & families)
        else:
            known = family in families
        if not known:
            foreign.append(word)
    return foreign


def _leftover(
    search: _Search, families: set[str], exceptions: list[tuple[str, int, int]]
) -> tuple[int, bool, int, str]:
    """Judge the words no match (and no attached ``exceptions`` text) explains: (ignored
    words, offers a choice, unknown words, the lines of the unknown words)."""
    source = search.source
    covered = _covered(search, exceptions)
    runs: list[tuple[int, int]] = []
    position = 0
    total = len(covered)
    while position < total:
        if covered[position] or source.soft[position]:
            position += 1
            continue
        run_start = position
        while position < total and not covered[position]:
            position += 1
        runs.append((run_start, position))
    ignored = 0
    unknown = 0
    choice = False
    unknown_lines: list[tuple[int, int]] = []
    for run_start, run_end in runs:
        words = [source.words[p] for p in range(run_start, run_end) if not source.soft[p]]
        kept = _BENIGN_CLAUSE.sub(" ", " ".join(words)).split()
        ignored += len(words) - len(kept)
        words = kept
        if not words:
            continue
        offers_choice = bool(_CHOICE.search(" ".join(words)))
        restricting = [w for w in words if w in _RESTRICTING and w not in _SCOPE_WORDS]
        # "This package is subject to the Mapbox Terms of Service": a vendor's terms by name,
        # however short, are terms (@mapbox/search-js-core 1.6.0 over an MIT text).
        restricting.extend(found.group(0) for found in _VENDOR_TERMS.finditer(" ".join(words)))
        if restricting and _FILE_SCOPE.search(" ".join(words)):
            restricting = [w for w in restricting if w not in _SCOPE_LIMITS]
        if offers_choice:
            # "You may choose either license": "may" and "either" are the point here.
            restricting = [w for w in restricting if w not in ("must", "shall", "only")]
        foreign = _foreign_families(words, families)
        # Prose that keeps talking about licenses ("third-party license text follows") is
        # about terms we did not match; a title or "is licensed as follows" is not.
        # A license word that follows the name of a matched family ("distributed under a BSD
        # 3-clause license", numbagg 0.9.6) names that license: it is not such talk.
        talk = sum(
            1
            for position, word in enumerate(words)
            if word in _LICENSE_WORDS and not _names_family(words, position, families)
        )
        # A statement that offers the matched licenses as a choice names them all ("licensed
        # under Apache License 2.0, MIT License and New BSD License; you can choose one"):
        # its license words are the point, not terms of their own.
        # The Apache Software Foundation's list of subcomponents after its license text: it
        # names the licenses of bundled code, which are not the package's (apache-superset
        # 6.1.0's fonts under the OFL); a copyleft one named there is still foreign.
        subcomponents = _SUBCOMPONENTS.search(" ".join(words)) is not None
        benign = (
            len(words) <= MAX_BENIGN_LEFTOVER
            and (talk <= _MAX_LICENSE_TALK or offers_choice or subcomponents)
            and not restricting
            and not foreign
        )
        if benign:
            ignored += len(words)
            choice = choice or offers_choice
        else:
            unknown += len(words)
            unknown_lines.append((source.lines[run_start], source.lines[run_end - 1]))
    described = ", ".join(
        f"{first}" if first == last else f"{first}-{last}" for first, last in unknown_lines[:5]
    )
    return ignored, choice, unknown, described


def _combine_family(ids: list[str], parts: list[tuple[str, str]], notes: list[str]) -> list[str]:
    """Dedupe ids and apply the GPL family rules (see the module doc)."""
    or_later_notices = {
        license_id
        for license_id, kind in parts
        if kind in ("header", "identifier") and license_id.endswith("-or-later")
    }
    out: list[str] = []
    for license_id, kind in parts:
        if license_id.endswith("-only") and kind == "text":
            later = license_id[: -len("-only")] + "-or-later"
            if later in or_later_notices:
                notes.append(f"the notice grants {later}; the text is its version's license")
                license_id = later
        if license_id not in out:
            out.append(license_id)
    if any(license_id.startswith("LGPL-3.0") for license_id in out):
        text_gpl = {
            license_id
            for license_id, kind in parts
            if kind == "text" and license_id.startswith("GPL-3.0")
        }
        if text_gpl & set(out):
            notes.append("the GPL-3.0 text is part of LGPL-3.0, which builds on it")
            out = [license_id for license_id in out if license_id not in text_gpl]
    return out


_UNKNOWN_IN = re.compile(re.escape(UNKNOWN_TEXT_REF))


# A license file named for the license it holds: LICENSE-MIT, LICENSE.APACHE2, license-cc0,
# LICENSE_APACHE-2.0, LICENSE.BSD3.txt.
_NAMED_FILE = re.compile(
    r"^(?:licen[cs]e|copying)[-_.](?P<name>[a-z0-9][a-z0-9._-]*?)(?:\.(?:txt|md|rst))?$",
    re.IGNORECASE,
)


def _named_for_licenses(detections: Sequence[Detection], names: Sequence[str]) -> bool:
    """Whether every license file that holds a license holds one permissive (or public-domain)
    license, in a file named for it, and they are different licenses: LICENSE-MIT beside
    LICENSE-APACHE, the way Rust projects and many npm and PyPI authors offer a choice
    without saying so in words. A NOTICE, a plain LICENSE or a copyleft text among them
    makes it no such pair (parts of a fork under each license are as likely)."""
    from ospo_scan.licenses.categories import category_of

    ids: set[str] = set()
    for detection, name in zip(detections, names, strict=True):
        if detection.expression is None:
            continue
        found = _NAMED_FILE.match(name.rsplit("/", 1)[-1])
        license_id = detection.expression
        if found is None or " " in license_id or license_id.startswith("LicenseRef-"):
            return False
        if category_of(license_id) not in ("permissive", "public-domain"):
            return False
        token = re.sub(r"[^a-z0-9]", "", found.group("name").lower())
        spelled = re.sub(r"[^a-z0-9]", "", license_id.lower())
        if not token or not (spelled.startswith(token) or token.startswith(spelled)):
            return False
        ids.add(license_id)
    return len(ids) >= 2


def combine_detections(
    detections: Iterable[Detection], names: Sequence[str] | None = None
) -> Detection:
    """One reading of several license files of the same package (LICENSE, COPYING.LESSER ...).

    Their expressions combine with AND (the files do not say they are alternatives), after the
    same family rules as inside one file: an LGPL-3.0 file makes a separate GPL-3.0 text part of
    it. When a file holds no license but says the licenses are a choice ("either of the licenses
    in LICENSE.APACHE or LICENSE.BSD"), they combine with OR; so do permissive licenses each in
    a file named for it (``names``, the files' names in the same order: ``_named_for_licenses``).
    Files without a recognized license are otherwise left out. Returns a ``Detection`` with
    ``expression=None`` when no file held a recognized license; its score is the weakest.
    """
    from ospo_scan.licenses.normalize import AllOf, LicenseLeaf, parse_expression, render

    every = list(detections)
    useful = [d for d in every if d.expression is not None]
    if not useful:
        notes = [d.note for d in every if d.note]
        return Detection(None, 0.0, (), "; ".join(notes) or None)
    if len(useful) == 1:
        return useful[0]
    pointers = [d for d in every if d.expression is None and _CHOICE_NOTE in (d.note or "")]
    named = names is not None and _named_for_licenses(every, names)
    if named or (pointers and all(_UNKNOWN_IN.search(d.expression or "") is None for d in useful)):
        # A file that only says the others are alternatives (cryptography's LICENSE), or
        # files named for their licenses.
        expressions = [str(d.expression) for d in useful]
        parts = list(dict.fromkeys(f"({e})" if " " in e else e for e in expressions))
        node = parse_expression(" OR ".join(parts))
        matches = tuple(match for d in useful for match in d.matches)
        note = (
            "permissive licenses side by side, each in a file named for it: a choice (OR)"
            if named
            else "a license file offers the other files' licenses as a choice (OR)"
        )
        return Detection(render(node), min(d.score for d in useful), matches, note)
    items: list[Any] = []
    for detection in useful:
        assert detection.expression is not None
        node = parse_expression(detection.expression)
        for item in node.items if isinstance(node, AllOf) else (node,):
            if item not in items:
                items.append(item)
    keys = {item.key for item in items if isinstance(item, LicenseLeaf)}
    notes = [d.note for d in useful if d.note]
    if any(key.startswith("LGPL-3.0") for key in keys):
        gpl = [
            item
            for item in items
            if isinstance(item, LicenseLeaf) and item.key in ("GPL-3.0-only",)
        ]
        if gpl:
            items = [item for item in items if item not in gpl]
            notes.append("the GPL-3.0 text is part of LGPL-3.0, which builds on it")
    for item in list(items):
        if isinstance(item, LicenseLeaf) and item.key.endswith("-only"):
            later = LicenseLeaf(item.key[: -len("-only")] + "-or-later", item.exception)
            if later in items:
                items.remove(item)
    node = items[0] if len(items) == 1 else AllOf(tuple(items))
    matches = tuple(match for d in useful for match in d.matches)
    score = min(d.score for d in useful)
    return Detection(render(node), score, matches, "; ".join(notes) or None)
