"""Registry resolvers by purl type: the ``RESOLVERS`` table, imported lazily."""

from __future__ import annotations

import importlib
from functools import cache

from ospo_scan.licenses.registries.base import RegistryResolver

# purl type -> (module in this package, class). Adding a registry = one module + one line.
RESOLVERS: dict[str, tuple[str, str]] = {
    "npm": ("npm", "NpmResolver"),
    "pypi": ("pypi", "PypiResolver"),
    "cargo": ("cargo", "CargoResolver"),
    "gem": ("gem", "GemResolver"),
    "composer": ("composer", "ComposerResolver"),
    "nuget": ("nuget", "NugetResolver"),
    "maven": ("maven", "MavenResolver"),
    "golang": ("golang", "GolangResolver"),
    "pub": ("pub", "PubResolver"),
    "hex": ("hex", "HexResolver"),
}


@cache
def resolver_for(ecosystem: str) -> RegistryResolver | None:
    """The resolver instance for a purl type, or ``None`` when no resolver exists for it.

    Raises ``ImportError``/``AttributeError`` only when ``RESOLVERS`` names a module or class
    that does not exist (a packaging bug, not a user error).
    """
    entry = RESOLVERS.get(ecosystem)
    if entry is None:
        return None
    module_name, class_name = entry
    module = importlib.import_module(f"{__name__}.{module_name}")
    resolver: RegistryResolver = getattr(module, class_name)()
    return resolver
