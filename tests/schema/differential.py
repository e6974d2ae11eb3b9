#!/usr/bin/env python3
"""Differential test: appgen's validator against schema/blueprint-v2.schema.json.

DESIGN §3 makes the JSON Schema the normative artifact and appgen's own validator
the judge; the two must agree on every file. This script checks that they do.

Usage:
  differential.py [APPGEN [FIXTURE|DIR ...]]
      APPGEN defaults to ./appgen. Fixtures default to blueprints/*.json,
      tests/spec/valid/*.json and tests/spec/invalid/*.json (those that exist,
      relative to the repository root). A directory stands for its *.json files.
      For each fixture, `APPGEN check --format json FILE` (exit 0 = accept,
      1 = reject) and the schema (accept = valid UTF-8 JSON and schema-valid)
      must give the same verdict. Ends with the line "N passed, N failed";
      exits 1 on any failure.
  differential.py --schema-only FILE|DIR ...
      Only print the schema's verdict for each file, with every schema error.
      Exits 1 when any file is rejected.

The one exception: a fixture NAME.json whose sibling NAME.expect has a line
`schema: accepts` states that the schema cannot express the rule it breaks
(a cross-reference, a duplicate key, ...). It passes when appgen rejects it
AND the schema accepts it; a schema rejection there means the annotation is stale.

Files with a top-level "spec_version" key are the backend-spec dialect (seed
001), which the schema does not describe; they are reported as skipped.

The schema side deliberately follows JSON Schema 2020-12 where the Python
implementation would differ: `pattern` uses ECMA-262 semantics for `$` (Python's
`$` also matches before a final newline), `format` is annotation only, and JSON
is parsed strictly (UTF-8, a leading BOM skipped, no NaN/Infinity).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

try:
    import jsonschema
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError, best_match
except ImportError:  # pragma: no cover - environment problem
    sys.stderr.write("differential.py: the jsonschema package is missing; "
                     "pip install -r tests/schema/requirements.txt\n")
    sys.exit(3)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCHEMA = ROOT / "schema" / "blueprint-v2.schema.json"
DEFAULT_FIXTURE_DIRS = ("blueprints", "tests/spec/valid", "tests/spec/invalid")
EXPECT_SCHEMA_ACCEPTS = re.compile(r"^\s*schema\s*:\s*accepts\s*$", re.MULTILINE)
APPGEN_TIMEOUT_S = 60

ACCEPT, REJECT, SKIP, ERROR = "accepts", "rejects", "skipped", "error"


# ---------------------------------------------------------------- schema side

def _ecma_regex(pattern: str) -> str:
    """Translate the few ECMA-262 regex points where Python differs and that matter here:
    `$` outside a character class means end of input only (Python: also before a final \\n)."""
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
        elif c == "$":
            c = r"\Z"
        out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(_ecma_regex(pattern), re.ASCII)


def _pattern_keyword(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _properties_keyword(validator, properties, instance, schema):
    # As the stock keyword, but a `false` subschema (a key forbidden in this position,
    # e.g. enum on an int column) reports the key's own path, which the stock one loses.
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name not in instance:
            continue
        if subschema is False:
            yield ValidationError(f"{name!r} is not allowed here", path=[name], schema_path=[name])
        else:
            yield from validator.descend(instance[name], subschema, path=name, schema_path=name)


BlueprintValidator = validators.extend(
    Draft202012Validator, {"pattern": _pattern_keyword, "properties": _properties_keyword})

# Keywords of the 2020-12 vocabularies (core, applicator, unevaluated, validation,
# meta-data, format-annotation, content). A key outside this set in a schema
# position is almost certainly a typo the meta-schema does not catch.
KNOWN_KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor",
    "$vocabulary", "$comment",
    "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
    "prefixItems", "items", "contains", "properties", "patternProperties",
    "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
    "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties",
    "required", "dependentRequired",
    "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
    "format", "contentEncoding", "contentMediaType", "contentSchema",
}
_SUBSCHEMA = ("not", "if", "then", "else", "items", "contains", "additionalProperties",
              "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("$defs", "properties", "patternProperties", "dependentSchemas")


def lint_schema(schema: dict) -> list[str]:
    """Problems the meta-schema does not catch: unknown keywords, dangling local $refs,
    and properties of closed objects without a description (editors show it as help)."""
    problems: list[str] = []

    def resolve(ref: str) -> bool:
        if not ref.startswith("#/"):
            return False
        node = schema
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def walk(node, where: str) -> None:
        if isinstance(node, bool):
            return
        if not isinstance(node, dict):
            problems.append(f"{where}: a schema must be an object or a boolean")
            return
        for key in node:
            if key not in KNOWN_KEYWORDS:
                problems.append(f"{where}: unknown keyword {key!r}")
        if "$ref" in node and not resolve(node["$ref"]):
            problems.append(f"{where}: $ref {node['$ref']!r} does not resolve")
        closed = node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False
        for key in _SUBSCHEMA:
            if key in node:
                walk(node[key], f"{where}/{key}")
        for key in _SUBSCHEMA_LISTS:
            for i, sub in enumerate(node.get(key, ())):
                walk(sub, f"{where}/{key}/{i}")
        for key in _SUBSCHEMA_MAPS:
            for name, sub in node.get(key, {}).items():
                walk(sub, f"{where}/{key}/{name}")
                if key == "properties" and closed and not (isinstance(sub, dict) and sub.get("description")):
                    problems.append(f"{where}/properties/{name}: no description")

    walk(schema, "#")
    return problems


def load_validator(schema_path: Path) -> BlueprintValidator:
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    BlueprintValidator.check_schema(schema)  # raises SchemaError
    problems = lint_schema(schema)
    if problems:
        raise jsonschema.exceptions.SchemaError("; ".join(problems))
    return BlueprintValidator(schema, format_checker=None)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


MAX_DEPTH = 64  # appgen's AG_JSON_MAX_DEPTH


def _no_duplicates(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")
        seen.add(key)
    return dict(pairs)


def _finite_float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")
    return value


def _finite_int(text):
    value = int(text)
    if abs(value) > 1.7976931348623157e308:
        raise ValueError(f"number {text} is out of range")
    return value


def _check_strings_and_depth(value, depth):
    """What RFC 8259 leaves open and appgen rejects: nesting deeper than
    64, strings with lone surrogates or NUL (they are not UTF-8 text)."""
    if isinstance(value, (dict, list)):
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str):
                _check_string(key)
            _check_strings_and_depth(item, depth + 1)
    elif isinstance(value, str):
        _check_string(value)


def _check_string(s):
    if "\0" in s:
        raise ValueError("NUL character in a string")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise ValueError("lone surrogate in a string")


def parse_json(raw: bytes):
    """Strict JSON: UTF-8, no NaN/Infinity. Raises ValueError. A leading
    byte-order mark is skipped, as RFC 8259 section 8.1 allows and appgen does.
    Also rejected, as appgen does: duplicate keys, nesting deeper than 64,
    lone surrogates, NUL in strings, numbers out of double range."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8: {e}") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant,
                           object_pairs_hook=_no_duplicates, parse_float=_finite_float,
                           parse_int=_finite_int)
        _check_strings_and_depth(value, 1)
        return value
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None


def _pointer(error: ValidationError) -> str:
    return "/" + "/".join(str(p) for p in error.absolute_path)


def describe(error: ValidationError) -> str:
    return f"{_pointer(error)}: {error.message}"


def schema_verdict(validator, path: Path, all_errors: bool = False):
    """(verdict, details) with verdict ACCEPT, REJECT or SKIP; details is a list of strings."""
    try:
        doc = parse_json(path.read_bytes())
    except OSError as e:
        return ERROR, [f"cannot read: {e.strerror}"]
    except ValueError as e:
        return REJECT, [str(e)]
    if isinstance(doc, dict) and "spec_version" in doc:
        return SKIP, ["backend-spec dialect (spec_version): not described by the schema"]
    try:
        if all_errors:
            errors = sorted(validator.iter_errors(doc), key=lambda e: (_pointer(e), e.message))
            return (REJECT if errors else ACCEPT), [describe(e) for e in errors]
        error = best_match(validator.iter_errors(doc))
    except RecursionError:
        return REJECT, ["nested too deeply"]
    return (ACCEPT, []) if error is None else (REJECT, [describe(error)])


# ---------------------------------------------------------------- appgen side

def _first_diagnostic(node):
    """The first object with a "message" in appgen's JSON output, whatever its exact shape."""
    todo = [node]
    while todo:
        cur = todo.pop(0)
        if isinstance(cur, dict):
            if isinstance(cur.get("message"), str):
                return cur
            todo.extend(cur.values())
        elif isinstance(cur, list):
            todo.extend(cur)
    return None


def appgen_verdict(appgen: str, path: Path):
    """(verdict, detail) from `appgen check --format json FILE`."""
    try:
        proc = subprocess.run([appgen, "check", "--format", "json", str(path)],
                              stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=APPGEN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return ERROR, f"timed out after {APPGEN_TIMEOUT_S} s"
    except OSError as e:
        return ERROR, f"cannot run {appgen}: {e.strerror}"
    detail = ""
    try:
        diag = _first_diagnostic(json.loads(proc.stdout.decode("utf-8", "replace")))
    except ValueError:
        diag = None
    if diag is not None:
        where = ":".join(str(diag[k]) for k in ("line", "column") if k in diag)
        code = diag.get("code", "")
        detail = " ".join(x for x in (code, where and f"at {where}", diag["message"]) if x)
    elif proc.returncode not in (0, 1) or not proc.stdout.strip():
        detail = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode == 0:
        return ACCEPT, detail
    if proc.returncode == 1:
        return REJECT, detail
    return ERROR, f"exit {proc.returncode}" + (f": {detail}" if detail else "")


# ---------------------------------------------------------------- driver

def expand(args) -> list[Path]:
    files: list[Path] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        else:
            files.append(p)
    return files


def default_fixtures() -> list[Path]:
    return expand(str(ROOT / d) for d in DEFAULT_FIXTURE_DIRS if (ROOT / d).is_dir())


def shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def one_line(text: str) -> str:
    return " ".join(text.split())


def declares_schema_accepts(path: Path) -> bool:
    expect = path.with_suffix(".expect")
    try:
        return bool(EXPECT_SCHEMA_ACCEPTS.search(expect.read_text(encoding="utf-8")))
    except OSError:
        return False


def run_schema_only(validator, files: list[Path]) -> int:
    counts = {ACCEPT: 0, REJECT: 0, SKIP: 0, ERROR: 0}
    for path in files:
        verdict, details = schema_verdict(validator, path, all_errors=True)
        counts[verdict] += 1
        if verdict == ACCEPT:
            print(f"accept {shown(path)}")
        else:
            word = {REJECT: "reject", SKIP: "skip", ERROR: "error"}[verdict]
            print(f"{word} {shown(path)}: {one_line(details[0])}")
            for d in details[1:]:
                print(f"    {one_line(d)}")
    print(f"{counts[ACCEPT]} accepted, {counts[REJECT]} rejected, {counts[SKIP]} skipped"
          + (f", {counts[ERROR]} unreadable" if counts[ERROR] else ""))
    return 1 if counts[REJECT] or counts[ERROR] else 0


def run_differential(validator, appgen: str, files: list[Path], verbose: bool) -> int:
    passed = failed = skipped = 0
    for path in files:
        name = shown(path)
        s_verdict, s_details = schema_verdict(validator, path)
        if s_verdict == SKIP:
            skipped += 1
            print(f"skip {name}: {s_details[0]}")
            continue
        a_verdict, a_detail = appgen_verdict(appgen, path)
        s_first = one_line(s_details[0]) if s_details else "-"
        a_first = one_line(a_detail) or "-"
        exempt = declares_schema_accepts(path)
        if exempt:
            ok = a_verdict == REJECT and s_verdict == ACCEPT
        else:
            ok = a_verdict == s_verdict and a_verdict in (ACCEPT, REJECT)
        if ok:
            passed += 1
            if verbose:
                print(f"ok   {name}: " + ("appgen rejects, schema accepts (declared in .expect)"
                                          if exempt else f"both {a_verdict}"))
            continue
        failed += 1
        note = " [declared 'schema: accepts': appgen must reject, schema must accept]" if exempt else ""
        print(f"FAIL {name}: appgen {a_verdict}, schema {s_verdict}{note}; "
              f"schema error: {s_first}; appgen: {a_first}")
    if skipped:
        print(f"{skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        description="Check that appgen's validator and the BlueprintV2 JSON Schema agree.",
        epilog="Without --schema-only the first argument is the appgen binary (default ./appgen).")
    ap.add_argument("--schema-only", action="store_true",
                    help="only print the schema's verdict (and all errors) for each FILE")
    ap.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA,
                    help="schema file (default: %(default)s)")
    ap.add_argument("-v", "--verbose", action="store_true", help="also print the fixtures that pass")
    ap.add_argument("args", nargs="*", metavar="APPGEN|FILE")
    opts = ap.parse_args(argv)

    try:
        validator = load_validator(opts.schema)
    except (OSError, ValueError) as e:
        print(f"FAIL {shown(opts.schema)}: cannot load: {e}")
        print("0 passed, 1 failed")
        return 1
    except jsonschema.exceptions.SchemaError as e:
        print(f"FAIL {shown(opts.schema)}: not a valid 2020-12 schema: {one_line(e.message)}")
        print("0 passed, 1 failed")
        return 1

    if opts.schema_only:
        if not opts.args:
            ap.error("--schema-only needs at least one FILE or DIR")
        return run_schema_only(validator, expand(opts.args))

    appgen = opts.args[0] if opts.args else "./appgen"
    files = expand(opts.args[1:]) if len(opts.args) > 1 else default_fixtures()
    if os.sep not in appgen and "/" not in appgen:
        appgen_path = appgen  # looked up on PATH by subprocess
    else:
        appgen_path = os.path.abspath(appgen)
        if not os.access(appgen_path, os.X_OK):
            sys.stderr.write(f"differential.py: {appgen} is not an executable; build appgen first\n")
            return 3
    if not files:
        sys.stderr.write("differential.py: no fixtures found\n")
    return run_differential(validator, appgen_path, files, opts.verbose)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
