"""``ospo-scan licenses``: explain how one package's license is resolved; normalize strings."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ospo_scan.cli import EXIT_OK, cli
from ospo_scan.cli.options import (
    cache_dir_option,
    curation_options,
    policy_option,
    registry_option,
    timeout_option,
)

if TYPE_CHECKING:
    from ospo_scan.licenses.normalize import Normalized
    from ospo_scan.licenses.resolve import Explanation, SourceReport
    from ospo_scan.model import Component, Finding, Resolution, ScannedComponent
    from ospo_scan.policy.model import Policy

FORMATS = ("text", "json")
PURL_EXPECTED = "pkg:TYPE/[NAMESPACE/]NAME@VERSION, e.g. pkg:npm/left-pad@1.3.0"


@cli.group()
def licenses() -> None:
    """Look into license resolution: where a package's license comes from, and how license
    strings are read."""


@licenses.command()
@click.argument("purl")
@policy_option
@click.option("--offline", is_flag=True, help="Do not ask the registry (curations, cache only).")
@registry_option
@cache_dir_option
@click.option(
    "--lockfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A lockfile pinning the package: its license data is the chain's lockfile source.",
)
@curation_options
@timeout_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
def explain(
    purl: str,
    policy_arg: str | None,
    offline: bool,
    registries: tuple[str, ...],
    cache_dir: Path | None,
    lockfile: Path | None,
    curation_files: tuple[Path, ...],
    shipped_curations: bool,
    timeout: float,
    output_format: str,
) -> int:
    """Show every source of the resolution chain for PURL (with its version): what each one
    says, which answer a scan uses and why, and the policy's verdict on it.

    Unlike a scan, the chain does not stop at the first answer: the registry is asked even
    when the cache has an answer (and refreshes it). The lockfile is a source only with
    --lockfile. Exit code 0 whatever the verdict; 2 for bad input.
    """
    from ospo_scan.cli.scan import load_curation_files, load_policy_arg, registry_overrides
    from ospo_scan.licenses.curations import shipped_curations as shipped
    from ospo_scan.licenses.resolve import ResolveOptions
    from ospo_scan.licenses.resolve import explain as explain_chain
    from ospo_scan.policy.evaluate import evaluate

    canonical = _canonical_purl(purl)
    component, lockfile_note = _component(canonical, lockfile)
    policy = load_policy_arg(policy_arg)
    curations = (
        *load_curation_files(curation_files),
        *policy.curations,
        *(shipped() if shipped_curations else ()),
    )
    options = ResolveOptions(
        offline=offline,
        cache_dir=cache_dir,
        registries=registry_overrides(registries),
        concurrency=1,
        timeout=timeout,
        curations=curations,
    )
    explanation = explain_chain(component, options)
    evaluation = evaluate(policy, [(component, explanation.resolution)], today=date.today())
    scanned = evaluation.components[0]
    findings = [finding for finding in evaluation.findings if finding.purl == component.purl]
    if output_format == "json":
        document = _document(explanation, lockfile_note, policy, scanned, findings)
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        click.echo(_text(explanation, lockfile_note, policy, scanned, findings), nl=False)
    return EXIT_OK


@licenses.command()
@click.argument("strings", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
def normalize(strings: tuple[str, ...], output_format: str) -> int:
    """Read each STRING as a declared license: the SPDX expression, how it was read (method),
    the confidence and a note. A trove classifier ("License :: ...") is read as one."""
    readings = [_normalize(text) for text in strings]
    if output_format == "json":
        click.echo(json.dumps([_normalized_json(r) for r in readings], indent=2))
        return EXIT_OK
    for index, reading in enumerate(readings):
        if index:
            click.echo("")
        click.echo(json.dumps(reading.raw, ensure_ascii=False))
        click.echo(f"  expression: {reading.expression or '(none: declares no license)'}")
        click.echo(f"  method:     {reading.method}")
        click.echo(f"  confidence: {reading.confidence:.2f}")
        if reading.note:
            click.echo(f"  note:       {reading.note}")
    return EXIT_OK


# --- the component to explain ---------------------------------------------------------------


def _canonical_purl(text: str) -> str:
    """The canonical form of the purl the user typed; ``click.BadParameter`` if it is not one
    or has no version (a license belongs to one version)."""
    from packageurl import PackageURL

    from ospo_scan.sources.base import make_purl

    try:
        purl = PackageURL.from_string(text.strip())
    except ValueError as exc:
        raise click.BadParameter(
            f"{text!r} is not a package URL: {str(exc).rstrip('.')} (expected {PURL_EXPECTED})",
            param_hint="PURL",
        ) from exc
    if not purl.version:
        raise click.BadParameter(
            f"{text!r} has no version (expected {PURL_EXPECTED})", param_hint="PURL"
        )
    qualifiers = dict(purl.qualifiers) if purl.qualifiers else None
    return make_purl(purl.type, purl.name, purl.version, purl.namespace, qualifiers, purl.subpath)


def _component(purl: str, lockfile: Path | None) -> tuple[Component, str | None]:
    """The component for ``purl``: from ``lockfile`` when it pins it (with its license data),
    else built from the purl; and a note when the lockfile cannot be the lockfile source."""
    from packageurl import PackageURL

    from ospo_scan.model import Component
    from ospo_scan.sources import parse_file

    parsed = PackageURL.from_string(purl)
    note = None
    if lockfile is None:
        note = "not consulted: no --lockfile given"
    else:
        components = parse_file(lockfile).components
        for found in components:
            if found.purl == purl:
                return found, None
        note = f"not consulted: {purl} is not in {lockfile} ({len(components)} components)"
    if parsed.type == "maven" and parsed.namespace:
        name = f"{parsed.namespace}:{parsed.name}"
    elif parsed.namespace:
        name = f"{parsed.namespace}/{parsed.name}"
    else:
        name = parsed.name
    component = Component(purl=purl, name=name, version=parsed.version, ecosystem=parsed.type)
    return component, note


# --- explain: text ---------------------------------------------------------------------------


def _text(
    explanation: Explanation,
    lockfile_note: str | None,
    policy: Policy,
    scanned: ScannedComponent,
    findings: list[Finding],
) -> str:
    lines = [explanation.component.purl, "", "Sources, in the order of the chain:"]
    for number, source in enumerate(explanation.sources, start=1):
        won = " (wins)" if source.step == explanation.winner else ""
        lines.append(f"  {number}. {source.step}{won}: {_summary(source, lockfile_note)}")
        lines.extend(f"       {detail}" for detail in _details(source))
    lines += ["", f"Winner: {explanation.winner or 'none'}: {explanation.why}"]
    lines += ["", "Resolution (what a scan records):"]
    lines.extend(f"  {line}" for line in _resolution_lines(explanation.resolution))
    where = f" ({policy.path})" if policy.path else ""
    lines += ["", f"Policy {policy.name}{where}: {scanned.verdict}"]
    if scanned.elected:
        lines.append(f"  elected: {scanned.elected}")
    if not findings:
        lines.append("  no findings")
    lines.extend(f"  {f.severity} {f.rule}: {f.message}" for f in findings)
    if explanation.requests:
        plural = "s" if explanation.requests != 1 else ""
        lines += ["", f"({explanation.requests} registry request{plural})"]
    return "\n".join(lines) + "\n"


def _summary(source: SourceReport, lockfile_note: str | None) -> str:
    """One line: the expression a source gave, or why it gave none."""
    if source.step == "lockfile" and lockfile_note is not None:
        return lockfile_note
    resolution = source.resolution
    if resolution is None:
        return f"nothing: {source.note or 'no answer'}"
    if resolution.expression is None:
        return f"no license: {resolution.reason or source.note or 'unresolved'}"
    from ospo_scan.licenses.resolve import CHECKED_LATER

    if source.final:
        kept = ""
    elif source.note == CHECKED_LATER:
        kept = " (a declaration the registry checks; it stands if the registry cannot)"
    else:
        kept = " (not final: kept as evidence)"
    return f"{resolution.expression}{kept}"


def _details(source: SourceReport) -> list[str]:
    """The raw value, how it was read, and where it was found, one per line."""
    resolution = source.resolution
    if resolution is None:
        return []
    if resolution.source == "curation":
        return [f"{item.detail}" for item in resolution.evidence if item.detail][:1]
    details: list[str] = []
    if source.raw is not None:
        details.append(f"raw: {_quoted(source.raw)}")
    if resolution.expression is not None:
        method = source.method or "not recorded (combined from several values)"
        details.append(
            f"said by: {resolution.source}; read as: {method}; "
            f"confidence {resolution.confidence:.2f}"
        )
        if resolution.reason:
            details.append(f"note: {resolution.reason}")
    for item in resolution.evidence:
        if item.source == "cache":
            details.append(f"from the cache: {item.detail or 'stored earlier'}")
        elif item.detail:
            details.append(f"where: {item.detail}")
    return list(dict.fromkeys(details))


def _resolution_lines(resolution: Resolution) -> list[str]:
    from ospo_scan.licenses.resolve import acknowledgement, declared_license

    lines = [
        f"expression: {resolution.expression or '(none: unresolved)'}",
        f"source: {resolution.source}; method: {resolution.method or '-'}; "
        f"confidence {resolution.confidence:.2f}; "
        f"acknowledgement: {acknowledgement(resolution) or '-'}",
    ]
    declared = declared_license(resolution)
    if declared is not None:
        lines.append(f"declared by the package: {_quoted(declared)}")
    if resolution.reason:
        lines.append(f"reason: {resolution.reason}")
    if resolution.evidence:
        lines.append("evidence:")
        lines.extend(
            f"  - {item.source}: {_quoted(item.value)}"
            + (f" ({item.detail})" if item.detail else "")
            for item in resolution.evidence
        )
    return lines


def _quoted(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 3] + "..."
    return json.dumps(flat, ensure_ascii=False)


# --- explain: JSON ---------------------------------------------------------------------------


def _document(
    explanation: Explanation,
    lockfile_note: str | None,
    policy: Policy,
    scanned: ScannedComponent,
    findings: list[Finding],
) -> dict[str, Any]:
    """The explanation as JSON data (a diagnostic format, not the versioned scan report)."""
    sources = []
    for source in explanation.sources:
        note = source.note
        if source.step == "lockfile" and lockfile_note is not None:
            note = lockfile_note
        sources.append(
            {
                "step": source.step,
                "won": source.step == explanation.winner,
                "final": source.final,
                "note": note,
                "raw": source.raw,
                "method": source.method,
                "answer": None if source.resolution is None else _resolution(source.resolution),
            }
        )
    return {
        "purl": explanation.component.purl,
        "sources": sources,
        "winner": explanation.winner,
        "why": explanation.why,
        "resolution": _resolution(explanation.resolution),
        "policy": {
            "name": policy.name,
            "path": policy.path,
            "verdict": scanned.verdict.value,
            "elected": scanned.elected,
            "findings": [
                {"severity": f.severity.value, "rule": f.rule, "message": f.message}
                for f in findings
            ],
        },
        "requests": explanation.requests,
    }


def _resolution(resolution: Resolution) -> dict[str, Any]:
    from ospo_scan.licenses.resolve import acknowledgement, answered_from_cache, declared_license

    return {
        "expression": resolution.expression,
        "source": resolution.source,
        "confidence": round(resolution.confidence, 4),
        "method": resolution.method,
        "reason": resolution.reason,
        "acknowledgement": acknowledgement(resolution),
        "declared": declared_license(resolution),
        "cached": answered_from_cache(resolution),
        "evidence": [
            {"source": item.source, "value": item.value, "detail": item.detail}
            for item in resolution.evidence
        ],
    }


# --- normalize -------------------------------------------------------------------------------


def _normalize(text: str) -> Normalized:
    from ospo_scan.licenses.normalize import from_classifiers
    from ospo_scan.licenses.normalize import normalize as read

    if text.strip().startswith("License ::"):
        reading = from_classifiers([text])
        if reading is not None:
            return reading
    return read(text)


def _normalized_json(reading: Normalized) -> dict[str, Any]:
    return {
        "raw": reading.raw,
        "expression": reading.expression,
        "method": reading.method,
        "confidence": reading.confidence,
        "note": reading.note,
    }
