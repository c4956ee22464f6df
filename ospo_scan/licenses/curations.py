"""License curations: corrections of packages whose declared license is wrong or misleading.

A curation names packages the way a policy exception does (a purl pattern, optionally a
version range), the SPDX expression that is true for them, why, who curated it, when, and the
evidence (a URL to the license file at that version, or a file kept beside the curations).
Curations are the first step of the resolution chain: they override every other source.

Organizations write them in their policy (``[[curations]]``), in files the policy names
(``curations = ["curations.toml"]``) or in files given with ``scan --curations FILE``; ospo-scan
ships a small set for well-known packages (``data/curations.toml``). Files are read and
checked by ``ospo_scan.policy.load`` (every problem at once, with file, line and key path).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from ospo_scan.model import Component, Evidence
from ospo_scan.patterns import PackagePattern, VersionRange

CURATION_SOURCE = "curation"
# The confidence of a curated answer: a person read the license file and vouches for it.
CURATION_CONFIDENCE = 1.0
SHIPPED_FILE = "curations.toml"
SHIPPED_LABEL = "shipped curations.toml"


@dataclass(frozen=True, slots=True)
class Curation:
    """One correction: which packages, the true license, and who says so, why and on what.

    ``path`` names the file it was read from (``line`` is where its table starts) and
    ``index`` its position in that file's ``curations`` array, for messages. ``license`` is a
    canonical SPDX expression; ``curated_on`` is the TOML key ``date``; ``evidence`` holds
    URLs or file paths (as written).
    """

    index: int
    path: str
    package: PackagePattern
    license: str
    reason: str
    curated_by: str
    curated_on: date
    evidence: tuple[str, ...]
    versions: VersionRange | None = None
    line: int | None = None

    @property
    def label(self) -> str:
        """How messages name it: ``curations.toml:12: curations[0] (pkg:npm/foo, >=1.0, <2)``."""
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        scope = self.package.text + (f", {self.versions.text}" if self.versions else "")
        return f"{where}: curations[{self.index}] ({scope})"

    def matches(self, purl: str, version: str | None) -> bool:
        """Whether it names this component: package pattern, then version range if any.

        The same matching as policy exceptions (docs/policy.md, "Package patterns" and
        "Version ranges"); a component without a version never matches a range.
        """
        if not self.package.matches(purl):
            return False
        if self.versions is None:
            return True
        return version is not None and self.versions.contains(version)

    def describe(self) -> str:
        """One line for evidence and findings: where, why, who, when and on what evidence."""
        return (
            f"{self.label}: {self.reason} (curated by {self.curated_by} on "
            f"{self.curated_on.isoformat()}; evidence: {', '.join(self.evidence)})"
        )

    def evidence_item(self) -> Evidence:
        """The curation as the evidence of a resolution: value is the curated expression."""
        return Evidence(CURATION_SOURCE, self.license, self.describe())


def find_curation(curations: Sequence[Curation], component: Component) -> Curation | None:
    """The first curation that names ``component``, or ``None``.

    Order is precedence: callers list ``--curations`` files, then the policy's, then the
    shipped set, so that an organization's curation wins over a shipped one.
    """
    kind = component.purl[4 : component.purl.find("/")].lower()  # "pkg:<type>/..."
    for curation in curations:
        if curation.package.type == kind and curation.matches(component.purl, component.version):
            return curation
    return None


def shipped_curations_path() -> Path:
    """The shipped curations file inside the installed package."""
    return Path(str(resources.files("ospo_scan.licenses").joinpath("data", SHIPPED_FILE)))


@functools.cache
def shipped_curations() -> tuple[Curation, ...]:
    """The curations shipped with ospo-scan, read once per process.

    Raises ``PolicyError`` if the shipped file is broken (a packaging bug; a test checks it).
    """
    from ospo_scan.policy.load import load_curations

    return load_curations(shipped_curations_path(), label=SHIPPED_LABEL)
