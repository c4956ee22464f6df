"""License resolution: declared strings to SPDX expressions, categories, registry look-ups."""
