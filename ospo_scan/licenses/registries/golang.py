"""Go module resolver: the license file at the root of the module zip the module proxy serves."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from packageurl import PackageURL

from ospo_scan.licenses.http import RegistryResponseError
from ospo_scan.licenses.registries.base import resolution_from
from ospo_scan.licenses.registries.common import (
    NO_VERSION,
    NOT_FOUND_TTL,
    combine_licenses,
    malformed,
    response_error,
)
from ospo_scan.licenses.wheel import ArchiveError, ArchiveNotFound, ArchiveRefused, RemoteZip
from ospo_scan.model import Component, Evidence, Resolution

if TYPE_CHECKING:
    from ospo_scan.licenses.cache import LicenseCache
    from ospo_scan.licenses.http import HttpClient
    from ospo_scan.licenses.normalize import Normalized

logger = logging.getLogger(__name__)

SOURCE = "registry:golang"
REGISTRY = "the Go module proxy"
NO_LICENSE_FILE = "no license file at the module root"

# License file names at a module root (case-insensitive), after the names the Go package
# site accepts: LICENSE / LICENCE / COPYING / UNLICENSE with an optional variant suffix
# (-MIT, -APACHE, .docs ...) and text extension, and MIT-LICENSE style names. Source files
# such as license.go are not license files.
_LICENSE_FILE = re.compile(
    r"(?:(?:un)?licen[cs]e|copying)"
    r"(?:[-_.](?:mit|apache(?:-2\.0)?|bsd|isc|gpl|lgpl|mpl|lesser|code|docs|2\.0))?"
    r"(?:\.(?:md|markdown|txt|rst))?"
    r"|(?:mit|apache|bsd)[-_]licen[cs]e(?:\.(?:md|markdown|txt))?",
    re.IGNORECASE,
)
# At most this many license files are read (LICENSE-MIT + LICENSE-APACHE is the common pair).
MAX_LICENSE_FILES = 4
MAX_LICENSE_TEXT = 256 * 1024

# Several license files at the root: the module does not say whether they are alternatives
# (the Rust-style LICENSE-MIT + LICENSE-APACHE pair usually is) or all apply (a LICENSE plus
# a COPYING for bundled code). All applying (AND) is the reading a policy can rely on.
SEVERAL_NOTE = "several license files at the module root, read as all applying (AND)"
SEVERAL_CAP = 0.8


class GolangResolver:
    """Identifies the license file at the root of ``<endpoint>/<module>/@v/<version>.zip``.

    The module zip (GOPROXY protocol) is read by HTTP range requests: its central directory,
    then only the license files (``wheel.RemoteZip``; a proxy that ignores Range sends the
    whole zip, accepted up to ``wheel.MAX_WHOLE_BODY``). The text is identified by
    ``normalize``, which knows the common license texts (MIT, BSD-2/3-Clause, Apache-2.0,
    ISC); any other text becomes a low-confidence ``LicenseRef``. Nothing is cloned, built or
    run.
    """

    ecosystem = "golang"

    def resolve(
        self, component: Component, http: HttpClient, endpoint: str, cache: LicenseCache
    ) -> Resolution:
        """Return the module version's resolution and cache it (briefly when not found).

        Raises ``RegistryUnavailable`` (from ``http``) when the proxy cannot be reached; a
        404/410, an unexpected status or an unreadable zip become unresolved resolutions.
        """
        found = module_and_version(component)
        if found is None:
            return Resolution(None, SOURCE, 0.0, (), NO_VERSION)
        module, version = found
        url = zip_url(endpoint, module, version)
        try:
            archive = RemoteZip.open(http, url)
            names = root_license_files(archive.names, module, version)
            texts = [(name, archive.read(name)) for name in names[:MAX_LICENSE_FILES]]
        except ArchiveNotFound:
            resolution = Resolution(None, SOURCE, 0.0, (), f"not found in {REGISTRY}")
            cache.put_resolution(component.purl, resolution, ttl=NOT_FOUND_TTL)
            return resolution
        except ArchiveRefused as exc:
            refused = RegistryResponseError(url, f"unexpected HTTP {exc.status}", exc.status)
            return response_error(refused, SOURCE, REGISTRY, url)
        except ArchiveError as exc:
            return malformed(SOURCE, url, str(exc))
        except RegistryResponseError as exc:
            return response_error(exc, SOURCE, REGISTRY, url)
        if not texts:
            evidence = (Evidence(SOURCE, f"{len(archive.names)} files", url),)
            resolution = Resolution(None, SOURCE, 0.0, evidence, NO_LICENSE_FILE)
        else:
            resolution = _resolution(texts, url)
        # A module version's zip never changes (the checksum database pins it).
        cache.put_resolution(component.purl, resolution)
        return resolution


def module_and_version(component: Component) -> tuple[str, str] | None:
    """(module path, version with its "v"), or ``None`` without a pinned version.

    The purl's namespace and name together are the module path; Go versions always start
    with "v" (a purl written without it gets it back, as packageurl-python's URLs do).
    """
    try:
        purl = PackageURL.from_string(component.purl)
    except ValueError:
        module, version = component.name, component.version
    else:
        module = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
        version = purl.version
    if not version:
        return None
    if not version.startswith("v"):
        version = f"v{version}"
    return module, version


def escape_path(text: str) -> str:
    """Module path/version escaping of the GOPROXY protocol: "A" becomes "!a".

    ("Module proxy protocol": case-encoding keeps paths apart on case-insensitive storage.)
    """
    return re.sub(r"[A-Z]", lambda match: "!" + match.group().lower(), text)


def zip_url(endpoint: str, module: str, version: str) -> str:
    """``<endpoint>/<escaped module>/@v/<escaped version>.zip``."""
    path = quote(escape_path(module), safe="/!~-._")
    return f"{endpoint.rstrip('/')}/{path}/@v/{quote(escape_path(version), safe='!~-._+')}.zip"


def root_license_files(names: Sequence[str], module: str, version: str) -> list[str]:
    """The license files directly under the module root, sorted.

    Every file of a module zip lies under ``<module>@<version>/`` (the Go module zip format).
    """
    prefix = f"{module}@{version}/"
    found = []
    for name in names:
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix) :]
        if "/" not in rest and is_license_file_name(rest):
            found.append(name)
    return sorted(found, key=lambda name: (len(name), name))


def is_license_file_name(name: str) -> bool:
    """Whether a file name (no folder) is a license file name (see ``_LICENSE_FILE``)."""
    return _LICENSE_FILE.fullmatch(name) is not None


def read_license_files(files: Sequence[tuple[str, bytes]]) -> Normalized | None:
    """The license of one or more license files (name, bytes), identified by their text.

    Several files are read as all applying (AND, see ``SEVERAL_NOTE``); identical readings
    count once.
    """
    from ospo_scan.licenses.normalize import normalize

    readings = [
        normalize(data[:MAX_LICENSE_TEXT].decode("utf-8", errors="replace").lstrip("\ufeff"))
        for _, data in files
    ]
    note = SEVERAL_NOTE if len(files) > 1 else None
    return combine_licenses(readings, "AND", raw=file_names(files), note=note, cap=SEVERAL_CAP)


def file_names(files: Sequence[tuple[str, bytes]]) -> str:
    """The base names of license files, for evidence: "LICENSE-APACHE, LICENSE-MIT"."""
    return ", ".join(name.rsplit("/", 1)[-1] for name, _ in files)


def _resolution(files: list[tuple[str, bytes]], url: str) -> Resolution:
    return resolution_from(
        read_license_files(files),
        SOURCE,
        raw=file_names(files),
        detail=f"{url}: {', '.join(name for name, _ in files)}",
        none_reason="the module's license file declares no license",
    )
