#!/usr/bin/env python3
"""specs.py - table specs for refine_client.mjs, made from an app's IR.

Usage:
  specs.py login URL EMAIL PASSWORD      print an access token (POST /auth/login)
  specs.py make IR_JSON URL OUTDIR       write OUTDIR/<table>.json for every table
                                        (env TOKEN: the bearer token, if any)

`make` reads the normalized blueprint (blueprint.json of the app tree) and,
for every table in tableOrder, writes a spec with three valid create
bodies (every writable column filled with a value its type, enum, min, max,
maxLength and format allow; distinct in every column where the type has
room), a PATCH body, a sort column and a filter column and value (an
ordered type when the table has one), and a "contains" text operand. The
parents a foreign key needs are created first over HTTP (POST /<parent>,
their own required parents before them; one parent per row for a unique
foreign key). It prints one line per table, "spec TABLE" or "skip TABLE:
why", and exits 1 when a parent could not be created. Standard library
only; talks to URL alone, without a proxy.
"""

import datetime
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid

NS = uuid.UUID("5d6f2c1e-8a4b-4f3e-9c2d-7b1a0e9f8c31")
ROWS = 3
ORDERED = ("int", "float", "date", "timestamptz")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=dict(headers or {}), method=method)
    try:
        with OPENER.open(req, timeout=15) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode(errors="replace")


def login(url, email, password):
    data = urllib.parse.urlencode({"username": email, "password": password}).encode()
    status, body = request(url + "/auth/login", data, {"Content-Type": "application/x-www-form-urlencoded"}, "POST")
    if status != 200 or not isinstance(body, dict) or "access_token" not in body:
        sys.exit("login as %s: %s %s" % (email, status, body))
    print(body["access_token"])


def letters(k):
    """k in base 26 with the digits a..z: a, b, ..., z, ba, bb, ..."""
    out = ""
    while True:
        out = chr(ord("a") + k % 26) + out
        k //= 26
        if k == 0:
            return out


class Maker:
    def __init__(self, ir, url, token):
        self.url = url.rstrip("/")
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = "Bearer " + token
        self.tables = {t["name"]: t for t in ir["data"]["tables"]}
        self.order = ir["data"]["tableOrder"]
        self.fk = {(r["fkTable"], r["fkColumn"]): r for r in ir["data"]["relationships"]}
        self.k = 0  # every generated row takes the next k: values differ across rows
        self.parents = {}  # table -> id of a parent row shared by non-unique foreign keys

    def writable(self, table):
        return [c for c in self.tables[table]["columns"] if not c.get("system")]

    def value(self, table, col, k):
        typ, name = col["type"], col["name"]
        lo, hi = col.get("min"), col.get("max")
        if "enum" in col:
            return col["enum"][k % len(col["enum"])]
        if typ == "text":
            if col.get("format") == "email":
                v = "user%d.%s@example.com" % (k, name.replace("_", "-"))
            elif col.get("format") == "url":
                v = "https://example.com/%s/%d" % (name, k)
            else:
                v = "r%d-%s" % (k, name)
            n = col.get("maxLength")
            return v if n is None or len(v) <= n else letters(k).rjust(n, "a")[-n:]
        if typ in ("int", "float"):
            base = lo if lo is not None else 1
            v = base + k + (0.5 if typ == "float" else 0)
            if hi is not None and v > hi:
                v = base + k % max(1, int(hi - base) + 1)
            return int(v) if typ == "int" else float(v)
        if typ == "bool":
            return k % 2 == 0
        if typ == "uuid":
            return str(uuid.uuid5(NS, "%s/%s/%d" % (table, name, k)))
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=k)
        if typ == "date":
            return day.isoformat()
        if typ == "timestamptz":
            return "%sT10:%02d:00+00:00" % (day.isoformat(), k % 60)
        return {"k": k, "name": name, "tags": ["x", "y"]}

    def body(self, table, k, stack=(), fill_optional_fks=True):
        """A valid create body for table; parents are created as needed."""
        out = {}
        for col in self.writable(table):
            rel = self.fk.get((table, col["name"]))
            if rel is None:
                out[col["name"]] = self.value(table, col, k)
                continue
            parent = rel["refTable"]
            if parent in stack or (not col["required"] and not fill_optional_fks):
                if col["required"]:
                    raise RuntimeError("required foreign key %s.%s closes a cycle" % (table, col["name"]))
                continue
            if col["unique"]:
                out[col["name"]] = self.create(parent, stack + (table,))[rel["refColumn"]]
            else:
                if parent not in self.parents:
                    self.parents[parent] = self.create(parent, stack + (table,))
                out[col["name"]] = self.parents[parent][rel["refColumn"]]
        return out

    def create(self, table, stack):
        self.k += 1
        body = self.body(table, self.k, stack, fill_optional_fks=False)
        status, row = request(self.url + "/" + table, json.dumps(body).encode(), self.headers, "POST")
        if status != 201 or not isinstance(row, dict):
            raise RuntimeError("POST /%s %s: %s %s" % (table, json.dumps(body), status, row))
        return row

    def spec(self, table):
        bodies = []
        for _ in range(ROWS):
            self.k += 1
            bodies.append(self.body(table, self.k))
        cols = [c for c in self.writable(table) if (table, c["name"]) not in self.fk]
        if not cols:
            raise RuntimeError("no column to sort or filter on but foreign keys")

        def distinct(c):
            return len({json.dumps(b[c["name"]], sort_keys=True) for b in bodies}) == ROWS

        def pick(pred):
            return next((c for c in cols if pred(c) and distinct(c)), None) or next((c for c in cols if pred(c)), None)

        ordered = pick(lambda c: c["type"] in ORDERED)
        text = pick(lambda c: c["type"] == "text" and "enum" not in c)
        sort = ordered or text or cols[0]
        filt = pick(lambda c: c["type"] in ORDERED and c is not sort) or sort
        spec = {
            "name": table,
            "create": bodies[0],
            "more": bodies[1:],
            "patch": {},
            "sort": sort["name"],
            "filter": {"column": filt["name"], "value": bodies[1][filt["name"]]},
        }
        if text is not None:
            spec["contains"] = {"column": text["name"], "value": str(bodies[1][text["name"]]).upper()}
        self.k += 1
        for c in cols[:2]:
            spec["patch"][c["name"]] = self.value(table, c, self.k)
        return spec


def make(ir_path, url, outdir):
    with open(ir_path) as f:
        ir = json.load(f)
    maker = Maker(ir, url, os.environ.get("TOKEN"))
    failed = False
    for table in maker.order:
        try:
            spec = maker.spec(table)
        except RuntimeError as e:
            print("skip %s: %s" % (table, e))
            failed = True
            continue
        with open(os.path.join(outdir, table + ".json"), "w") as f:
            json.dump(spec, f, indent=2)
        print("spec " + table)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "login":
        login(sys.argv[2].rstrip("/"), sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
