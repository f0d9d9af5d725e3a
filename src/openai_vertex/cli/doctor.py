"""``openai-vertex doctor``: check the installation, settings, credentials and (with --live) Vertex."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, TextIO

from ._doctor_base import FLAGS

if TYPE_CHECKING:
    from ._doctor_base import CheckResult

HELP = "check versions, settings, credentials and (with --live) the endpoint; print the fixes"
DESCRIPTION = """\
Check everything openai-vertex needs, in order, and print one line per check with the fix for
each failure: package versions; the settings and where each came from; the credentials found
(type, account), a token fetch and its expiry (the token is never printed); the base URL; the
endpoint and one tiny chat request (only with --live: it spends a few tokens of quota); the model
aliases; and whether environment-only mode or a patch is active. Exit status: 0 when no check
failed (skipped checks do not fail), 1 when one did (a bad environment variable included: finding
it is the check's job), 2 when a flag is wrong (then no check runs)."""

__all__ = ["DESCRIPTION", "FLAGS", "HELP", "add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--live", action="store_true", help="also connect to the endpoint and send one tiny chat request"
    )
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="run every check, --live included, against the bundled local emulator "
        "(serving --project and --location)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON, for machines")
    parser.add_argument(
        "--model", default="gemini-2.5-flash", help="model for the --live chat request (default: %(default)s)"
    )
    parser.add_argument("--project", help="Google Cloud project (default: GOOGLE_CLOUD_PROJECT, then ADC)")
    parser.add_argument("--location", help="Vertex location (default: GOOGLE_CLOUD_LOCATION, then global)")
    parser.add_argument("--api-version", choices=("v1", "v1beta1"), help="Vertex API version (default: v1)")
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="full API root, e.g. a private endpoint (default: built from the above)",
    )


def run(args: argparse.Namespace) -> int:
    from ._args import check_flags
    from ._doctor import DoctorOptions, metadata_probe_expected, run_checks
    from ._errors import InputError

    if args.emulator and args.base_url:  # the emulator is reached through the base URL
        raise InputError("--emulator and --base-url cannot be used together")
    # A bad flag is bad input (status 2), said once; a bad environment variable is a failed check.
    check_flags(vertex_project=args.project, vertex_location=args.location, base_url=args.base_url)

    options = DoctorOptions(
        project=args.project,
        location=args.location,
        api_version=args.api_version,
        base_url=args.base_url,
        model=args.model,
        live=args.live or args.emulator,  # the emulator spends no quota, so its chat check runs too
    )
    where: AbstractContextManager[str | None] = nullcontext(None)
    if args.emulator:
        from ._demo import emulator_environment

        where = emulator_environment(project=args.project, location=args.location)
    with where as emulator:
        if args.json:
            results = list(run_checks(options))
            report = {
                "ok": all(r.ok is not False for r in results),
                "emulator": emulator,
                "checks": [
                    {"name": r.name, "status": r.status, "ok": r.ok, "detail": r.detail, "fix": r.fix}
                    for r in results
                ],
            }
            sys.stdout.write(json.dumps(report, indent=2) + "\n")
        else:
            if metadata_probe_expected():  # say so up front: the credentials check may sit silent
                sys.stdout.write(
                    "No key file and no gcloud login here, so google-auth will ask the metadata "
                    "server; off Google Cloud that takes ~12 s (see gce_probe).\n"
                )
            results = _print_results(run_checks(options), emulator, options.live, sys.stdout)
    return 0 if all(r.ok is not False for r in results) else 1


def _print_results(
    results: Iterable[CheckResult], emulator: str | None, live: bool, out: TextIO
) -> list[CheckResult]:
    """Print each result as soon as its check finishes: the credentials check can take seconds."""
    if emulator is not None:
        out.write(f"Using the bundled emulator at {emulator}; nothing leaves this machine.\n\n")
    elif not live:
        out.write("Offline checks only; add --live to also call Vertex (one tiny chat request).\n\n")
    out.flush()
    done = []
    for result in results:
        lines = result.detail.splitlines() or [""]
        out.write(f"{result.status.upper():<6}{result.name:<15}{lines[0]}\n")
        for line in lines[1:]:
            out.write(f"{'':<21}{line}\n")
        if result.fix:
            out.write(f"{'':<21}fix: {result.fix}\n")
        out.flush()
        done.append(result)
    counts = {status: sum(r.status == status for r in done) for status in ("pass", "fail", "skip")}
    failed = counts["fail"]
    verdict = "No check failed" if not failed else f"{failed} check{'s' if failed > 1 else ''} failed"
    out.write(f"\n{verdict} ({counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped).\n")
    return done
