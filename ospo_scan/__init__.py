"""ospo-scan: dependency license and compliance scanner.

The stable interface is the command line and the report schemas (JSON schema_version,
CycloneDX); the Python modules may change between releases.
"""

__version__ = "0.1.0"
