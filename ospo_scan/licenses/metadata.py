"""Python core metadata (METADATA, PKG-INFO, the JSON API's ``info``) read for its license."""

from __future__ import annotations

import email.parser
import email.policy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

from ospo_scan.model import Evidence

if TYPE_CHECKING:
    from ospo_scan.licenses.normalize import Normalized

EVIDENCE_SOURCE = "registry:pypi"

# Trove classifiers that speak about the license all start so (the classifier list, PEP 301).
LICENSE_CLASSIFIER_PREFIX = "License ::"

# Evidence keeps what a field said for a human to check; a whole license text pasted into the
# License field (tens of kilobytes for the GPL) is cut, since normalize() already read it all.
MAX_EVIDENCE_CHARS = 2000

# Core metadata is a few kilobytes; anything far larger is not a metadata file.
MAX_METADATA_BYTES = 8 * 1024 * 1024

# Field names as written in METADATA/PKG-INFO and in the JSON API's "info" object.
_FIELD_NAMES = {
    "core": {
        "license_expression": "License-Expression",
        "license": "License",
        "classifier": "Classifier",
        "license_file": "License-File",
    },
    "json": {
        "license_expression": "info.license_expression",
        "license": "info.license",
        "classifier": "info.classifiers",
        "license_file": "info.license_files",
    },
}


class MetadataError(ValueError):
    """A document that is not readable core metadata (or not a JSON ``info`` object)."""


@dataclass(frozen=True, slots=True)
class LicenseFields:
    """The license fields of one release's metadata, exactly as found (not normalized).

    ``classifiers`` holds only the ``License ::`` classifiers. ``style`` says where the fields
    were read ("core": a METADATA/PKG-INFO file; "json": the JSON API), which names the fields
    in evidence. ``name`` and ``version`` are the release the document describes.
    """

    name: str | None = None
    version: str | None = None
    license_expression: str | None = None
    license: str | None = None
    classifiers: tuple[str, ...] = ()
    license_files: tuple[str, ...] = ()
    style: Literal["core", "json"] = "core"
    # What the long description (the README) says of the license: its License section or a
    # sentence stating it (``readme.license_words``), cut to ``MAX_README_WORDS_CHARS``.
    readme: str | None = None

    @property
    def declares_anything(self) -> bool:
        """Whether any field says something about the license (even "UNKNOWN")."""
        return bool(self.license_expression or self.license or self.classifiers)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (for the cache); ``from_json`` reads it back."""
        return {
            "name": self.name,
            "version": self.version,
            "license_expression": self.license_expression,
            "license": self.license,
            "classifiers": list(self.classifiers),
            "license_files": list(self.license_files),
            "style": self.style,
            "readme": self.readme,
        }

    @classmethod
    def from_json(cls, value: Any) -> LicenseFields | None:
        """Read back ``to_json`` output; ``None`` when ``value`` does not have that shape."""
        if not isinstance(value, dict):
            return None
        # "readme" is absent from fields cached before it was read.
        strings = ("name", "version", "license_expression", "license", "readme")
        if any(not isinstance(value.get(key), str | None) for key in strings):
            return None
        classifiers = value.get("classifiers")
        license_files = value.get("license_files")
        style = value.get("style")
        if not (_is_str_list(classifiers) and _is_str_list(license_files)):
            return None
        if style not in ("core", "json"):
            return None
        return cls(
            name=value.get("name"),
            version=value.get("version"),
            license_expression=value.get("license_expression"),
            license=value.get("license"),
            classifiers=tuple(classifiers),
            license_files=tuple(license_files),
            style="core" if style == "core" else "json",
            readme=value.get("readme"),
        )


@dataclass(frozen=True, slots=True)
class LicenseChoice:
    """The field that decided the license and what normalize made of it."""

    normalized: Normalized
    field: str  # the field name as written in evidence ("License-Expression", "info.license")
    from_classifiers: bool = False  # read from the trove classifiers (the vaguest signal)
    # The License field, chosen, and the classifiers name different licenses ("MIT" and an
    # "MIT No Attribution" classifier): the metadata contradicts itself.
    disputed: bool = False


def parse_core_metadata(data: bytes) -> LicenseFields:
    """Read the license fields of a METADATA or PKG-INFO file (core metadata 1.0 to 2.4).

    The format is RFC 822 headers (https://packaging.python.org/specifications/core-metadata/),
    read with the stdlib email parser as the spec suggests; of the body (the long description)
    only what it says of the license is kept (``LicenseFields.readme``). Returns the fields
    as found; raises ``MetadataError`` when ``data`` is not core metadata (too large, or no
    ``Metadata-Version``/``Name`` header).
    """
    if len(data) > MAX_METADATA_BYTES:
        raise MetadataError(f"{len(data)} bytes is too large for core metadata")
    # Metadata 2.1+ is UTF-8; older PKG-INFO files were written in whatever the author's
    # platform used, latin-1 decodes any byte so a stray one does not lose the whole file.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if text.startswith("\ufeff"):
        text = text[1:]
    message = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text)
    if message.get("Metadata-Version") is None and message.get("Name") is None:
        raise MetadataError("no Metadata-Version or Name header (not core metadata)")
    license_files = tuple(v for v in (_header(x) for x in _all(message, "License-File")) if v)
    return LicenseFields(
        name=_header(message.get("Name")),
        version=_header(message.get("Version")),
        license_expression=_header(message.get("License-Expression")),
        license=_multiline(message.get("License")),
        classifiers=_license_classifiers(_header(x) for x in _all(message, "Classifier")),
        license_files=license_files,
        style="core",
        readme=_readme_words(message.get_payload()),
    )


def fields_from_json_info(info: Any) -> LicenseFields:
    """Read the license fields of the JSON API's ``info`` object (project or release JSON).

    Returns the fields as found; raises ``MetadataError`` when ``info`` is not an object or a
    field has the wrong type.
    """
    if not isinstance(info, Mapping):
        raise MetadataError(f"info is {type(info).__name__}, expected an object")
    values: dict[str, str | None] = {}
    for key in ("name", "version", "license_expression", "license"):
        value = info.get(key)
        if value is not None and not isinstance(value, str):
            raise MetadataError(f"info.{key} is {type(value).__name__}, expected a string")
        values[key] = (value.strip() or None) if isinstance(value, str) else None
    classifiers = info.get("classifiers") or []
    license_files = info.get("license_files") or []
    if not _is_str_list(classifiers):
        raise MetadataError("info.classifiers is not a list of strings")
    if not _is_str_list(license_files):
        raise MetadataError("info.license_files is not a list of strings")
    return LicenseFields(
        name=values["name"],
        version=values["version"],
        license_expression=values["license_expression"],
        # The index copies the header as written, continuation indents included.
        license=_multiline(values["license"]),
        classifiers=_license_classifiers(classifiers),
        license_files=tuple(f for f in license_files if f),
        style="json",
        readme=_readme_words(info.get("description")),
    )


def license_evidence(fields: LicenseFields, where: str) -> tuple[Evidence, ...]:
    """One ``Evidence`` per license field seen, its detail naming ``where`` and the field."""
    names = _FIELD_NAMES[fields.style]
    evidence: list[Evidence] = []
    if fields.license_expression:
        detail = f"{where} {names['license_expression']}"
        evidence.append(Evidence(EVIDENCE_SOURCE, fields.license_expression, detail))
    if fields.license:
        detail = f"{where} {names['license']}"
        evidence.append(Evidence(EVIDENCE_SOURCE, clip_evidence(fields.license), detail))
    evidence.extend(
        Evidence(EVIDENCE_SOURCE, classifier, f"{where} {names['classifier']}")
        for classifier in fields.classifiers
    )
    evidence.extend(
        Evidence(EVIDENCE_SOURCE, name, f"{where} {names['license_file']}")
        for name in fields.license_files
    )
    return tuple(evidence)


def choose_license(fields: LicenseFields) -> LicenseChoice | None:
    """The license the fields declare, by precedence; ``None`` when none declares one.

    PEP 639 ``License-Expression`` beats ``License``, which beats the license classifiers
    (PEP 639: "tools MUST NOT use the License field when License-Expression is present";
    classifiers are the oldest and vaguest signal). A field that normalize cannot recognize
    gives way to the next one, and is only used (as a ``LicenseRef``) when nothing else
    declares a license; a field naming only a family ("BSD", "LGPL", normalize's
    "ambiguous") gives way to classifiers of that family that normalize reads with more
    confidence.
    """
    from ospo_scan.licenses.normalize import from_classifiers, normalize

    names = _FIELD_NAMES[fields.style]
    trove: LicenseChoice | None = None
    if fields.classifiers:
        from_trove = from_classifiers(fields.classifiers)
        if from_trove is not None and from_trove.expression is not None:
            trove = LicenseChoice(from_trove, names["classifier"], from_classifiers=True)
    fallback: LicenseChoice | None = None
    for key, raw in (
        ("license_expression", fields.license_expression),
        ("license", fields.license),
    ):
        if not raw:
            continue
        normalized = normalize(raw)
        if normalized.expression is None:
            continue  # "UNKNOWN", "NOASSERTION", "none": the field declares nothing
        choice = LicenseChoice(normalized, names[key])
        if normalized.method == "unrecognized":
            fallback = fallback or choice
            continue
        # "BSD" or "LGPL" names a family; a classifier of that family ("LGPLv3+") may say
        # which one. A classifier of another family ("GNU GPL" beside "Other/Proprietary
        # License") contradicts the field instead: the field, the author's words, stays.
        if (
            normalized.method == "ambiguous"
            and trove is not None
            and trove.normalized.confidence > normalized.confidence
            and _refines(trove.normalized.expression, normalized.expression)
        ):
            return trove
        if key == "license" and trove is not None and normalized.expression is not None:
            if not _names_all(normalized.expression, trove.normalized.expression):
                return LicenseChoice(normalized, names[key], disputed=True)
        return choice
    return trove or fallback


def _refines(detailed: str | None, vague: str) -> bool:
    """Whether every license family the vague reading names is among ``detailed``'s."""
    from ospo_scan.licenses.normalize import license_family, license_keys

    if detailed is None:
        return False
    try:
        detailed_families = {license_family(key) for key in license_keys(detailed)}
        return all(license_family(key) in detailed_families for key in license_keys(vague))
    except ValueError:
        return False


def _names_all(declared: str, classifiers: str | None) -> bool:
    """Whether every license the classifiers name is in the declared expression (by id, or
    by family when the declaration or the classifier only names a family)."""
    from ospo_scan.licenses.normalize import license_family, license_keys

    if classifiers is None:
        return True
    try:
        declared_keys = set(license_keys(declared))
        classifier_keys = license_keys(classifiers)
    except ValueError:
        return True
    families = {license_family(key) for key in declared_keys}
    return all(
        key in declared_keys or (license_family(key) in families and key not in _EXACT_IDS)
        for key in classifier_keys
    )


# Classifier ids that are a license of their own, not a detail of their family's: an "MIT No
# Attribution" classifier beside "MIT" is another license.
_EXACT_IDS = frozenset({"MIT-0", "0BSD", "BSD-1-Clause", "Apache-1.1", "Apache-1.0"})


def _license_classifiers(classifiers: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(c for c in classifiers if c and c.startswith(LICENSE_CLASSIFIER_PREFIX))


def _all(message: Any, name: str) -> list[Any]:
    found = message.get_all(name)
    return list(found) if found else []


# The most of a long description read for its License section, and of that kept.
MAX_DESCRIPTION_CHARS = 256 * 1024
MAX_README_WORDS_CHARS = 4000


def _readme_words(description: Any) -> str | None:
    """What a long description says of the package's license (``readme.license_words``)."""
    from ospo_scan.licenses.readme import license_words

    if not isinstance(description, str) or not description.strip():
        return None
    words = license_words(description[:MAX_DESCRIPTION_CHARS])
    return words[:MAX_README_WORDS_CHARS] if words else None


def _header(value: Any) -> str | None:
    """A one-line header value, stripped; ``None`` when absent or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _multiline(value: Any) -> str | None:
    """A header value that may span lines (License), with the continuation indent removed.

    Writers indent continuation lines by 8 spaces (distutils ``rfc822_escape``) or by
    7 spaces and a ``|`` (some setuptools versions); either prefix is dropped so that a
    license text pasted into the field reads as written.
    """
    if value is None:
        return None
    lines = str(value).splitlines()
    out = [lines[0].strip()] if lines else []
    for line in lines[1:]:
        if line.startswith("       |"):
            out.append(line[8:].rstrip())
        elif line.startswith("        "):
            out.append(line[8:].rstrip())
        else:
            out.append(line.strip())
    text = "\n".join(out).strip()
    return text or None


def clip_evidence(text: str) -> str:
    """``text`` cut to ``MAX_EVIDENCE_CHARS``, saying how much was left out."""
    if len(text) <= MAX_EVIDENCE_CHARS:
        return text
    return f"{text[:MAX_EVIDENCE_CHARS]}... ({len(text) - MAX_EVIDENCE_CHARS} more characters)"


def _is_str_list(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)
