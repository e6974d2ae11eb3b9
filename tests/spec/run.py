#!/usr/bin/env python3
"""Spec fixtures for appgen's validator (DESIGN §3).

Usage:
  python3 tests/spec/run.py [APPGEN] [-k TEXT] [-v] [--update]

APPGEN defaults to ./appgen. For every fixture it runs
`APPGEN check --format json FILE` (10 s timeout, stdin closed) and checks:

  tests/spec/valid/*.json    exit 0 and no diagnostic of severity error
                             (warnings are allowed);
  tests/spec/invalid/*.json  exit 1, and the diagnostics of severity error,
                             as "LINE:COL CODE" in the order appgen prints them,
                             equal the lines of the sibling NNN-name.expect.
                             When the .expect lists a W-code, warnings are
                             compared too (errors and warnings, in order).

Either way a fixture fails when appgen crashes (an exit code other than 0/1, or
a signal), times out, or prints something that is not the JSON report
{"files", "errors", "warnings", "diagnostics": [...]}, or a report whose
"errors" count disagrees with its diagnostics.

.expect files: one "LINE:COL CODE" per line (e.g. "7:46 E101"; a diagnostic
without a location is "0:0 E006"), plus optional "# comment" lines and a
"schema: accepts" line (read by tests/schema/differential.py: the JSON Schema
cannot express the rule the file breaks). Blank lines are ignored.

--update rewrites the diagnostic lines of the .expect files of failing invalid
fixtures from appgen's actual output, keeping "#" and "schema:" lines. It is
for renumbering after an intended change, never for accepting a bug: read the
human diagnostics (`appgen check FILE`) of every case it touches.

Prints "FAIL name: expected ... got ..." for each failure and ends with
"N passed, N failed"; exits 1 on any failure, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALID_DIR = HERE / "valid"
INVALID_DIR = HERE / "invalid"
TIMEOUT_S = 10

DIAG_LINE = re.compile(r"^(\d+):(\d+) ([EW]\d{3})$")
SCHEMA_LINE = re.compile(r"^\s*schema\s*:")


class Outcome:
    """What one `appgen check --format json` run produced."""

    def __init__(self, error: str | None = None, rc: int | None = None, report: dict | None = None):
        self.error = error      # why the run itself is broken (crash, timeout, bad JSON), or None
        self.rc = rc
        self.report = report

    def diagnostics(self, with_warnings: bool) -> list[str]:
        wanted = ("error", "warning") if with_warnings else ("error",)
        return [f'{d["line"]}:{d["column"]} {d["code"]}'
                for d in self.report["diagnostics"] if d["severity"] in wanted]


def describe_exit(rc: int) -> str:
    if rc < 0:
        try:
            return f"signal {signal.Signals(-rc).name}"
        except ValueError:
            return f"signal {-rc}"
    return f"exit {rc}"


def check_report(report) -> str | None:
    """None if `report` has the documented shape, else what is wrong with it."""
    if not isinstance(report, dict):
        return "the JSON report is not an object"
    for key in ("files", "errors", "warnings", "diagnostics"):
        if key not in report:
            return f'the JSON report has no "{key}"'
    diags = report["diagnostics"]
    if not isinstance(diags, list):
        return '"diagnostics" is not an array'
    for d in diags:
        if not isinstance(d, dict):
            return "a diagnostic is not an object"
        for key, kind in (("line", int), ("column", int), ("severity", str), ("code", str), ("message", str)):
            if not isinstance(d.get(key), kind) or isinstance(d.get(key), bool):
                return f'a diagnostic has no valid "{key}": {json.dumps(d)[:200]}'
    n_errors = sum(1 for d in diags if d["severity"] == "error")
    if report["errors"] != n_errors:
        return f'"errors" is {report["errors"]} but {n_errors} diagnostics are errors'
    return None


def run_appgen(appgen: str, path: Path) -> Outcome:
    try:
        # A session of its own, so a timeout kills whatever appgen started too.
        proc = subprocess.Popen([appgen, "check", "--format", "json", str(path)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as e:
        return Outcome(f"cannot run {appgen}: {e.strerror}")
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.communicate()
        return Outcome(f"timed out after {TIMEOUT_S} s")
    rc = proc.returncode
    if rc not in (0, 1):
        err = " ".join(stderr.decode("utf-8", "replace").split())[:200]
        what = "crashed with" if rc < 0 else "ended with unexpected"
        return Outcome(f"appgen {what} {describe_exit(rc)}" + (f" ({err})" if err else ""), rc=rc)
    try:
        report = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return Outcome(f"appgen printed invalid JSON ({e}): {stdout[:120]!r}", rc=rc)
    problem = check_report(report)
    if problem:
        return Outcome(f"appgen printed a malformed report: {problem}", rc=rc)
    return Outcome(rc=rc, report=report)


def read_expect(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(all lines, diagnostic lines, malformed lines) of an .expect file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    diags, bad = [], []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#") or SCHEMA_LINE.match(line):
            continue
        if DIAG_LINE.match(line):
            diags.append(line)
        else:
            bad.append(raw)
    return lines, diags, bad


def write_expect(path: Path, old_lines: list[str], diags: list[str]) -> None:
    """Replace the diagnostic lines of an .expect, keeping the rest where it was."""
    out, placed = [], False
    for raw in old_lines:
        if DIAG_LINE.match(raw.strip()):
            if not placed:
                out.extend(diags)
                placed = True
            continue
        out.append(raw)
    if not placed:
        # Before a trailing "schema:" line, if any; else at the end.
        at = len(out)
        while at > 0 and (SCHEMA_LINE.match(out[at - 1]) or not out[at - 1].strip()):
            at -= 1
        out[at:at] = diags
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def fmt(lines: list[str]) -> str:
    return "[" + ", ".join(lines) + "]" if lines else "[]"


def check_valid(appgen: str, path: Path) -> str | None:
    got = run_appgen(appgen, path)
    if got.error:
        return f"expected exit 0, got {got.error}"
    errors = got.diagnostics(with_warnings=False)
    if got.rc != 0 or errors:
        return f"expected exit 0 and no errors, got {describe_exit(got.rc)} {fmt(errors)}"
    return None


def check_invalid(appgen: str, path: Path, update: bool) -> tuple[str | None, bool]:
    """(failure or None, whether the .expect was rewritten)."""
    expect_path = path.with_suffix(".expect")
    if not expect_path.is_file():
        return f"no {expect_path.name}", False
    lines, expected, bad = read_expect(expect_path)
    if bad:
        return f"{expect_path.name}: malformed line {bad[0]!r} (want LINE:COL CODE, # comment or schema: accepts)", False
    if not expected and not update:
        return f"{expect_path.name} lists no diagnostic", False
    with_warnings = any(e.split()[1].startswith("W") for e in expected)
    got = run_appgen(appgen, path)
    if got.error:
        return f"expected exit 1 {fmt(expected)}, got {got.error}", False
    actual = got.diagnostics(with_warnings)
    if got.rc == 1 and actual == expected:
        return None, False
    if update and got.rc == 1 and actual:
        write_expect(expect_path, lines, actual)
        return None, True
    return f"expected exit 1 {fmt(expected)}, got {describe_exit(got.rc)} {fmt(actual)}", False


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="Run appgen against the spec fixtures in tests/spec/.")
    ap.add_argument("appgen", nargs="?", default="./appgen", help="the appgen binary (default ./appgen)")
    ap.add_argument("-k", dest="match", action="append", default=[],
                    help="only fixtures whose path contains TEXT (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print the fixtures that pass")
    ap.add_argument("--update", action="store_true",
                    help="rewrite the diagnostic lines of failing invalid fixtures' .expect from actual output")
    opts = ap.parse_args(argv)

    appgen = opts.appgen
    if os.sep in appgen or "/" in appgen:
        appgen = os.path.abspath(appgen)
        if not (os.path.isfile(appgen) and os.access(appgen, os.X_OK)):
            sys.stderr.write(f"run.py: {opts.appgen} is not an executable; build appgen first (make)\n")
            return 2

    def selected(p: Path) -> bool:
        rel = f"{p.parent.name}/{p.name}"
        return not opts.match or any(m in rel for m in opts.match)

    valid = sorted(p for p in VALID_DIR.glob("*.json") if selected(p))
    invalid = sorted(p for p in INVALID_DIR.glob("*.json") if selected(p))
    orphans = sorted(p for p in INVALID_DIR.glob("*.expect")
                     if selected(p) and not p.with_suffix(".json").exists())

    passed = failed = updated = 0

    def report(name: str, failure: str | None) -> None:
        nonlocal passed, failed
        if failure is None:
            passed += 1
            if opts.verbose:
                print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name}: {failure}")

    for path in valid:
        report(f"valid/{path.stem}", check_valid(appgen, path))
    for path in invalid:
        failure, rewrote = check_invalid(appgen, path, opts.update)
        if rewrote:
            updated += 1
            print(f"updated invalid/{path.stem}.expect")
        report(f"invalid/{path.stem}", failure)
    for path in orphans:
        report(f"invalid/{path.stem}", f"{path.name} has no {path.stem}.json")

    if not valid and not invalid:
        sys.stderr.write("run.py: no fixtures selected\n")
    if updated:
        print(f"{updated} .expect file{'s' if updated != 1 else ''} updated: "
              "read `appgen check FILE` for each before committing")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
