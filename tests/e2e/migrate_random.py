"""migrate_random.py - random version chains: applying an app's migrations
0001..N must give the schema a fresh build of version N creates.

    python3 migrate_random.py APPGEN SOCKDIR PORT ROLE WORKDIR CHAINS SEED

For each chain, a random blueprint and a random sequence of changes to it
(every kind the planner knows: tables and columns added, dropped, renamed,
types, defaults, required, unique, indexed, CHECKs, foreign keys and
onDelete, permissions, row filters, roles, signup role, auth off and on),
each committed to a Git repository; destructive changes are listed in
migrations.allowDestructive, so every version gets its migration. Then the
last build's migrations are applied in order with psql as ROLE (a
NOSUPERUSER NOBYPASSRLS role that may create in the databases made here),
a fresh build of the last version is applied to another database, and the
two pg_dump --schema-only outputs (normalized) must be equal.
Prints "ok ..." / "FAIL ..." lines (tests/e2e/lib.sh relays them).
Deterministic for a SEED.
"""
import copy
import json
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schema_normalize import normalize  # noqa: E402

AG, SOCK, PORT, ROLE, WORK, CHAINS, SEED = sys.argv[1:8]
CHAINS, SEED = int(CHAINS), int(SEED)
SLUG = "rnd-app"
SCHEMA = "app_rnd_app"
TYPES = ["uuid", "text", "int", "float", "bool", "date", "timestamptz", "jsonb"]
WIDENING = {("int", "float"), ("date", "timestamptz")}
ACTIONS = ["list", "read", "create", "update", "delete"]
PG_DUMP = os.environ.get("PG_DUMP", "/usr/lib/postgresql/15/bin/pg_dump")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def psql(user, db, *args):
    return run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", SOCK, "-p", PORT, "-U", user, "-d", db, *args])


class Gen:
    def __init__(self, rnd):
        self.r = rnd
        self.n = 0

    def name(self, prefix):
        self.n += 1
        return "%s%d" % (prefix, self.n)

    def column(self):
        r = self.r
        t = r.choice(TYPES)
        c = {"name": self.name("c"), "type": t}
        if r.random() < 0.3:
            c["required"] = True
        if t == "text":
            if r.random() < 0.3:
                c["enum"] = ["a", "b", "c"][: r.randint(1, 3)]
                if r.random() < 0.5:
                    c["default"] = c["enum"][0]
            elif r.random() < 0.3:
                c["maxLength"] = r.randint(5, 50)
            if r.random() < 0.2 and "enum" not in c:
                c["unique"] = True
        if t in ("int", "float"):
            if r.random() < 0.4:
                c["min"] = r.randint(-5, 0)
            if r.random() < 0.4:
                c["max"] = r.randint(10, 100)
            if r.random() < 0.4:
                c["default"] = 1 if t == "int" else 1.5
        if t == "bool" and r.random() < 0.4:
            c["default"] = r.random() < 0.5
        if t in ("date", "timestamptz", "uuid") and r.random() < 0.3:
            c["indexed"] = True
        if c.get("required") and "default" not in c:
            c["default"] = {"text": "x", "int": 1, "float": 1.5, "bool": True, "date": "2026-01-01",
                            "timestamptz": "2026-01-01T00:00:00Z", "jsonb": {"k": 1},
                            "uuid": "00000000-0000-0000-0000-000000000001"}[t]
            if "enum" in c:
                c["default"] = c["enum"][0]
        return c

    def table(self):
        return {"name": self.name("t"), "columns": [self.column() for _ in range(self.r.randint(1, 4))]}


def tables(bp):
    return bp["data"]["tables"]


def allow(bp, entry):
    bp.setdefault("migrations", {"allowDestructive": []})["allowDestructive"].append(entry)


def forget_table(bp, name):
    """Remove every reference to table `name` (it was dropped)."""
    bp["data"]["relationships"] = [x for x in bp["data"]["relationships"]
                                   if name not in (x["fromTable"], x["toTable"])]
    sec = bp["security"]
    for k in ("permissions", "rowFilters"):
        if k in sec:
            sec[k] = [p for p in sec[k] if p["resource"] != name]


def forget_column(bp, tname, cname):
    bp["data"]["relationships"] = [x for x in bp["data"]["relationships"]
                                   if (x["fromTable"], x["fromColumn"]) != (tname, cname)]
    sec = bp["security"]
    if "rowFilters" in sec:
        sec["rowFilters"] = [f for f in sec["rowFilters"]
                             if not (f["resource"] == tname and cname in json.dumps(f["filter"]))]


def rename_refs(bp, old, new, column_of=None):
    for x in bp["data"]["relationships"]:
        if column_of is None:
            for k in ("fromTable", "toTable"):
                if x[k] == old:
                    x[k] = new
        elif x["fromTable"] == column_of and x["fromColumn"] == old:
            x["fromColumn"] = new
    sec = bp["security"]
    for k in ("permissions", "rowFilters"):
        for p in sec.get(k, []):
            if column_of is None and p["resource"] == old:
                p["resource"] = new
            elif column_of is not None and k == "rowFilters" and p["resource"] == column_of:
                p["filter"] = json.loads(json.dumps(p["filter"]).replace('"%s"' % old, '"%s"' % new))


def fk_columns(bp):
    return {(x["fromTable"], x["fromColumn"]) for x in bp["data"]["relationships"]}


def filter_columns(bp):
    out = set()
    for f in bp["security"].get("rowFilters", []):
        for t in tables(bp):
            if t["name"] == f["resource"]:
                for c in t["columns"]:
                    if '"%s"' % c["name"] in json.dumps(f["filter"]):
                        out.add((t["name"], c["name"]))
    return out


def mutate(bp, g):
    """One random change; returns its description."""
    r = g.r
    ts = tables(bp)
    sec = bp["security"]
    auth = sec["auth"]["enabled"]
    kinds = ["add_table", "add_column", "drop_column", "rename_column", "alter_type", "required",
             "default", "unique", "indexed", "check", "add_fk", "on_delete", "permissions"]
    if len(ts) > 1:
        kinds += ["drop_table", "rename_table"]
    if auth:
        kinds += ["row_filter", "roles", "signup", "auth_off"]
    else:
        kinds += ["auth_on"]
    kind = r.choice(kinds)
    t = r.choice(ts)
    used = fk_columns(bp) | filter_columns(bp)
    free = [c for c in t["columns"] if (t["name"], c["name"]) not in used]
    if kind == "add_table":
        ts.append(g.table())
    elif kind == "drop_table":
        ts.remove(t)
        forget_table(bp, t["name"])
        allow(bp, "drop table " + t["name"])
    elif kind == "rename_table":
        new = g.name("t")
        old = t["name"]
        t["name"], t["renamedFrom"] = new, old
        rename_refs(bp, old, new)
    elif kind == "add_column":
        t["columns"].append(g.column())
    elif kind == "drop_column" and len(t["columns"]) > 1 and free:
        c = r.choice(free)
        t["columns"].remove(c)
        forget_column(bp, t["name"], c["name"])
        allow(bp, "drop column %s.%s" % (t["name"], c["name"]))
    elif kind == "rename_column" and free:
        c = r.choice(free)
        old, new = c["name"], g.name("c")
        c["name"], c["renamedFrom"] = new, old
    elif kind == "alter_type" and free:
        c = r.choice(free)
        to = r.choice([x for x in TYPES if x != c["type"]])
        for k in ("enum", "min", "max", "maxLength", "default", "unique", "format"):
            c.pop(k, None)
        if (c["type"], to) not in WIDENING and to not in ("text", "jsonb"):
            allow(bp, "alter column %s.%s type" % (t["name"], c["name"]))
        c["type"] = to
        c.pop("required", None)
    elif kind == "required" and free:
        c = r.choice(free)
        if c.get("required"):
            del c["required"]
        elif "default" in c:
            c["required"] = True
    elif kind == "default" and free:
        c = r.choice(free)
        if "default" in c and not c.get("required"):
            del c["default"]
        elif c["type"] == "text" and "enum" not in c:
            c["default"] = r.choice(["y", "z"])
        elif c["type"] == "int":
            c["default"] = r.randint(0, 9)
        elif c["type"] == "bool":
            c["default"] = r.random() < 0.5
    elif kind == "unique" and free:
        c = r.choice(free)
        if c.get("unique"):
            del c["unique"]
        elif c["type"] in ("text", "int", "uuid"):
            c["unique"] = True
    elif kind == "indexed" and free:
        c = r.choice(free)
        c["indexed"] = not c.get("indexed", False)
    elif kind == "check" and free:
        c = r.choice(free)
        if c["type"] == "text":
            if "enum" in c or "maxLength" in c:
                c.pop("enum", None)
                c.pop("maxLength", None)
                if c.get("default") not in (None, "x", "y", "z") or c.get("required"):
                    c["default"] = "x"
            else:
                c["maxLength"] = r.randint(3, 9)
        elif c["type"] in ("int", "float"):
            if "min" in c:
                del c["min"]
            else:
                c["min"] = -1
    elif kind == "add_fk":
        # to the id or to a unique column of any table, itself included
        other = r.choice(ts)
        targets = [("id", "uuid")] + [(c["name"], c["type"]) for c in other["columns"]
                                      if c.get("unique") and c["type"] in ("text", "int", "uuid")]
        to, type_ = r.choice(targets)
        col = {"name": g.name("c"), "type": type_}
        t["columns"].append(col)
        bp["data"]["relationships"].append({"type": "many_to_one", "fromTable": t["name"], "fromColumn": col["name"],
                                            "toTable": other["name"], "toColumn": to,
                                            "onDelete": r.choice(["restrict", "cascade", "set_null"])})
    elif kind == "on_delete" and bp["data"]["relationships"]:
        x = r.choice(bp["data"]["relationships"])
        x["onDelete"] = r.choice([o for o in ["restrict", "cascade", "set_null"] if o != x["onDelete"]])
    elif kind == "permissions" and auth:
        role = r.choice(sec["roles"][1:] or sec["roles"])
        sec["permissions"] = [p for p in sec["permissions"] if (p["role"], p["resource"]) != (role, t["name"])]
        sec["permissions"].append({"role": role, "resource": t["name"],
                                   "actions": {a: r.random() < 0.6 for a in ACTIONS}})
    elif kind == "row_filter":
        role = r.choice(sec["roles"])
        rf = [f for f in sec["rowFilters"] if (f["role"], f["resource"]) == (role, t["name"])]
        if rf:
            sec["rowFilters"].remove(rf[0])
        else:
            texts = [c["name"] for c in t["columns"] if c["type"] == "text" and "enum" not in c]
            f = {"equals": ["created_by", "$user.id"]}
            if texts and r.random() < 0.5:
                f = {"or": [f, {"in": [r.choice(texts), ["p", "q"]]}]}
            sec["rowFilters"].append({"role": role, "resource": t["name"], "filter": f})
    elif kind == "roles":
        extra = [x for x in sec["roles"][1:] if x != sec["auth"].get("signupRole")]
        if extra and r.random() < 0.5:
            gone = r.choice(extra)
            sec["roles"].remove(gone)
            sec["permissions"] = [p for p in sec["permissions"] if p["role"] != gone]
            sec["rowFilters"] = [p for p in sec["rowFilters"] if p["role"] != gone]
            allow(bp, "drop role " + gone)
        else:
            sec["roles"].append("R%d" % g.n)
            g.n += 1
    elif kind == "signup":
        if "signupRole" in sec["auth"]:
            del sec["auth"]["signupRole"]
        elif len(sec["roles"]) > 1:
            sec["auth"]["signupRole"] = sec["roles"][1]
    elif kind == "auth_off":
        bp["security"] = {"auth": {"enabled": False}}
        allow(bp, "disable auth")
    elif kind == "auth_on":
        bp["security"] = {"auth": {"enabled": True}, "roles": ["Admin", "Staff"], "permissions": [], "rowFilters": []}
    else:
        return None
    return kind


def base(g):
    return {
        "version": 2,
        "app": {"name": "Random App", "slug": SLUG},
        "data": {"tables": [g.table() for _ in range(g.r.randint(1, 3))], "relationships": []},
        "security": {"auth": {"enabled": True}, "roles": ["Admin", "Staff", "Guest"], "permissions": [],
                     "rowFilters": []},
    }


def check(bp):
    p = os.path.join(WORK, "check.json")
    with open(p, "w") as f:
        json.dump(bp, f)
    return run([AG, "check", p]).returncode == 0


def dump(db):
    out = run([PG_DUMP, "-h", SOCK, "-p", PORT, "-U", "postgres", "--schema-only",
               "--no-comments", "-n", SCHEMA, db])
    return normalize(out.stdout)


def fresh_db(db):
    psql("postgres", "postgres", "-c", "DROP DATABASE IF EXISTS %s" % db, "-c", "CREATE DATABASE %s" % db,
         "-c", "GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %s TO %s" % (db, ROLE))


def commit(repo, bp, msg):
    with open(os.path.join(repo, "blueprints", SLUG + ".json"), "w") as f:
        json.dump(bp, f, indent=2)
    run(["git", "-C", repo, "add", "-A"])
    run(["git", "-C", repo, "-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", msg])


def build(repo, out):
    return run([AG, "--color=never", "build", "--repo", repo, "--out", out])


def chain(k):
    g = Gen(random.Random(SEED * 1000 + k))
    bp = base(g)
    if not check(bp):
        print("FAIL chain %d: the base blueprint does not validate" % k)
        return
    repo = os.path.join(WORK, "repo%d" % k)
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(os.path.join(repo, "blueprints"))
    run(["git", "-C", repo, "init", "-q", "-b", "main"])
    commit(repo, bp, "v1")
    kinds, versions = [], 1
    for _ in range(g.r.randint(4, 8)):
        for _try in range(10):
            nb = copy.deepcopy(bp)
            kind = mutate(nb, g)
            if kind and nb != bp and check(nb):
                bp = nb
                kinds.append(kind)
                versions += 1
                commit(repo, bp, kind)
                break
    out = os.path.join(WORK, "out%d" % k)
    b = build(repo, out)
    mdir = os.path.join(out, "apps", SLUG, "db", "migrations")
    files = sorted(os.listdir(mdir)) if os.path.isdir(mdir) else []
    label = "chain %d (%s)" % (k, " ".join(kinds))
    if b.returncode != 0 or len(files) != versions:
        print("FAIL %s: build exit %d, %d migrations for %d versions" % (label, b.returncode, len(files), versions))
        for line in (b.stderr.strip().splitlines() or ["(no output)"])[-8:]:
            print("     " + line)
        return
    fresh_db("rnd_migrated")
    fresh_db("rnd_fresh")
    for f in files:
        p = psql(ROLE, "rnd_migrated", "-f", os.path.join(mdir, f))
        if p.returncode != 0:
            print("FAIL %s: %s does not apply" % (label, f))
            for line in p.stderr.strip().splitlines()[-6:]:
                print("     " + line)
            return
    frepo = repo + "-fresh"
    shutil.rmtree(frepo, ignore_errors=True)
    os.makedirs(os.path.join(frepo, "blueprints"))
    run(["git", "-C", frepo, "init", "-q", "-b", "main"])
    commit(frepo, bp, "last version only")
    fout = out + "-fresh"
    build(frepo, fout)
    p = psql(ROLE, "rnd_fresh", "-f", os.path.join(fout, "apps", SLUG, "db", "migrations", "0001_init.sql"))
    if p.returncode != 0:
        print("FAIL %s: the fresh 0001 does not apply: %s" % (label, p.stderr.strip()[-300:]))
        return
    a, b2 = dump("rnd_migrated"), dump("rnd_fresh")
    if a == b2 and "CREATE TABLE" in b2:
        print("ok   %s: %d migrations give the fresh schema" % (label, len(files)))
    else:
        import difflib
        print("FAIL %s: the migrated schema differs from the fresh one" % label)
        for line in list(difflib.unified_diff(a.splitlines(), b2.splitlines(), "migrated", "fresh", lineterm=""))[:30]:
            print("     " + line)


for k in range(CHAINS):
    chain(k)
