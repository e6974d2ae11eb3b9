#!/bin/sh
# app_files_test.sh - the files around an app's code: backend/alembic
# (emitters.backend.alembic), and README.md, docker-compose.yml,
# db/init/00_role.sh, db/migrate.sh and .github/workflows/ci.yml
# (emitters.app.docs), on a real PostgreSQL 15.
#
# Run from the repository root with ./appgen built:  sh tests/e2e/app_files_test.sh
#
# Builds blueprints/, and the keyword-stress blueprint, the tests/spec/valid
# fixtures and a blueprint whose names are hostile to Markdown; then, with
# a private server (unix socket only, as in db_test.sh), for every app:
#   - each of these files starts with the generated-by line;
#   - docker-compose.yml parses (PyYAML) and holds together: the services,
#     pinned images, depends_on with their conditions, build context and
#     Dockerfile, every bind mount's source in the tree, no secret but
#     ${VAR:?...} references, the names the scripts use; then the db
#     service's init scripts and the migrate service's command run as
#     compose would run them (its environment, its mounts mapped onto the
#     tree) against the server: the role is NOSUPERUSER NOBYPASSRLS with
#     the password given, a second migrate skips;
#   - psql -f of db/migrations in order, as that role, in a fresh database;
#   - alembic upgrade head as that role in another fresh database gives the
#     same app schema (pg_dump --schema-only) and _migrations rows, only the
#     alembic_<schema> schema besides, nothing in public; a second upgrade
#     is a no-op; alembic after psql skips (applied_at unchanged); migrate.sh
#     after alembic skips; one alembic version per SQL file, one head;
#   - ci.yml parses and its references hold; its steps up to the
#     migrations run as a runner would run them (GITHUB_ENV included);
#   - README.md renders (cmark-gfm, GitHub's renderer): the title, table
#     headings and column labels read back as the blueprint's text, every
#     table row has its header's cells, the endpoints, auth routes and row
#     filters are there.
# Once: a migration failing half-way leaves nothing behind under alembic
# (and the error names the file and the cause), and a superuser is refused.
#
# Venvs: the backend's, cached like backend_test.sh does under
# ~/.cache/appgen/backend-venv/<hash of the pins>; PyYAML and cmarkgfm
# (pinned) under ~/.cache/appgen/app-files-venv/<hash>. pip downloads are
# cached in ~/.cache/pip.
#
# Prints "ok ..." / "FAIL ..." lines and "N passed, N failed"; exits 1 on
# a failure.
set -u

AG=${AG:-$PWD/appgen}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
PORT=5443
TOOL_PINS="PyYAML==6.0.3 cmarkgfm==2025.10.22"
. "$HERE/lib.sh"

if [ ! -x "$AG" ]; then
	bad "no appgen binary at $AG (run make first)"
	finish
fi

T=$(mktemp -d /tmp/agaf.XXXXXX) || exit 1
chmod 755 "$T"
cleanup() {
	pg_stop "$T"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# ---- build -----------------------------------------------------------------

if "$AG" build --worktree --repo "$ROOT" --out "$T/out" >"$T/build.log" 2>&1; then
	ok "appgen build of blueprints/"
else
	bad "appgen build of blueprints/" "$(tail -n 20 "$T/build.log")"
	finish
fi
extra_repo "$T/extra"
# Names Markdown would read as syntax: a table, HTML, emphasis, code, links.
"$PY" - "$ROOT/blueprints/sales-crm.json" "$T/extra/blueprints/hostile-md.json" <<'PYEOF'
import json
import sys

d = json.load(open(sys.argv[1]))
d["app"].update(name="Sales | <b>CRM</b> *&* `x` #1 $5 ~~no~~", slug="hostile-md", description="")
t = d["data"]["tables"][0]
t["label"] = "Firms | <i>all</i> *bold* _u_ [l](x) \\ &amp;"
t["columns"][0]["label"] = "Name\\with|pipe`tick <br>"
for c in t["columns"]:
    if c.get("enum"):
        c["enum"] = ["a|b", "<c>", "d*e", "it's"]
        c["default"] = "a|b"
json.dump(d, open(sys.argv[2], "w"), indent=2)
PYEOF
if "$AG" build --worktree --repo "$T/extra" --out "$T/out2" >"$T/build2.log" 2>&1; then
	ok "appgen build of keyword-stress, the tests/spec/valid fixtures and hostile-md"
else
	bad "appgen build of keyword-stress, the tests/spec/valid fixtures and hostile-md" "$(tail -n 20 "$T/build2.log")"
fi

# ---- venvs -----------------------------------------------------------------

backend_venv "$T/out/apps"
printf '%s\n' $TOOL_PINS >"$T/tool-pins"
TOOLS=$HOME/.cache/appgen/app-files-venv/$(sha256sum "$T/tool-pins" | cut -c1-16)
venv "$TOOLS" "PyYAML + cmarkgfm" "$T/tool-pins"
TPY=$TOOLS/bin/python

# ---- PostgreSQL --------------------------------------------------------------

pg_start "$T" "$PORT"
PG_DUMP=$PGBIN/pg_dump
[ -x "$PG_DUMP" ] || PG_DUMP=$(command -v pg_dump)


# dump DB SCHEMA: the schema's DDL, ownership and grants (pg_dump's random
# \restrict key left out).
dump() {
	"$PG_DUMP" -h "$SOCK" -p "$PORT" -U postgres --schema-only -n "$2" "$1" 2>&1 | grep -v '^\\\(un\)\{0,1\}restrict '
}

# fresh_db DB ROLE: an empty database the role may connect to and create in.
fresh_db() {
	q postgres postgres -c "CREATE DATABASE \"$1\"" -c "REVOKE ALL ON DATABASE \"$1\" FROM PUBLIC" \
		-c "GRANT CONNECT, CREATE, TEMPORARY ON DATABASE \"$1\" TO \"$2\""
}

# alembic_run APPDIR ROLE DB LOG [ARGS]: alembic ARGS (upgrade head) as ROLE on DB.
alembic_run() {
	_a_dir=$1 _a_role=$2 _a_db=$3 _a_log=$4
	shift 4
	[ $# -gt 0 ] || set -- upgrade head
	(cd "$_a_dir/backend" && DATABASE_URL="postgresql+psycopg://$_a_role@/$_a_db?host=$SOCK&port=$PORT" \
		"$VENV/bin/alembic" "$@") >"$_a_log" 2>&1
}

# report FILE PREFIX: the ok/FAIL lines a Python check printed.
report() {
	while IFS= read -r line; do
		case $line in
		"ok   "*) ok "$2: ${line#ok   }" ;;
		"FAIL "*) bad "$2: ${line#FAIL }" ;;
		"     "*) echo "$line" ;;
		*) bad "$2: unexpected output: $line" ;;
		esac
	done <"$1"
}

# ---- the Python checks ---------------------------------------------------------

cat >"$T/check.py" <<'PYEOF'
def check(name, cond, info=""):
    print(("ok   " if cond else "FAIL ") + name)
    if not cond and info:
        for line in str(info)[:1500].splitlines()[:20]:
            print("     " + line)
    return cond
PYEOF

# compose.py TREE SOCK PORT MODE: docker-compose.yml's structure, then (MODE
# run) its db init scripts and migrate command run against the server.
cat >"$T/compose.py" <<'PYEOF'
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys

import yaml

from check import check

tree, sock, port, mode = sys.argv[1:5]
bp = json.load(open(os.path.join(tree, "blueprint.json")))
role = db = bp["app"]["dbSchema"]
DOTENV = {"POSTGRES_PASSWORD": "pg-secret", "APP_DB_PASSWORD": "it's a \"p@ss\" w0rd \\ $x"}


class Missing(Exception):
    pass


def interpolate(s, env):
    """compose's ${VAR}, ${VAR:-default}, ${VAR:?message} and $$."""
    def one(m):
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1), m.group(2), m.group(3)
        value = env.get(name, "")
        if op == "?" and not value:
            raise Missing(arg)
        if op == "-" and not value:
            return arg
        return value
    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-?])([^}]*))?\}", one, s)


def envmap(service, env):
    e = service.get("environment") or {}
    if isinstance(e, list):
        e = dict(x.split("=", 1) for x in e)
    return {k: interpolate(str(v), env) for k, v in e.items()}


def mounts(service):
    """(host path in the tree or a volume name, container path) per volume."""
    out = []
    for v in service.get("volumes") or []:
        parts = v.split(":")
        out.append((parts[0], parts[1]))
    return out


def to_host(path, service):
    for src, dst in mounts(service):
        if src.startswith(".") and (path == dst or path.startswith(dst + "/")):
            return os.path.normpath(os.path.join(tree, src, os.path.relpath(path, dst)))
    return path


def psql(args, **kw):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", sock, "-p", port] + args,
                          capture_output=True, text=True, **kw)


def scram_ok(stored, password):
    m = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)", stored or "")
    if not m:
        return False
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(m.group(2)), int(m.group(1)))
    client = hmac.new(salted, b"Client Key", "sha256").digest()
    return base64.b64encode(hashlib.sha256(client).digest()).decode() == m.group(3)


try:
    doc = yaml.safe_load(open(os.path.join(tree, "docker-compose.yml")))
except Exception as e:  # noqa: BLE001
    check("docker-compose.yml parses", False, e)
    sys.exit(0)
check("docker-compose.yml parses", isinstance(doc, dict))
services = doc.get("services") or {}
check("services are db, migrate and backend", set(services) == {"db", "migrate", "backend"}, list(services))
check("top-level keys are known to compose", set(doc) <= {"name", "services", "volumes", "networks"}, list(doc))
dbs, mig, be = services.get("db", {}), services.get("migrate", {}), services.get("backend", {})

images = [s.get("image") for s in services.values() if "image" in s]
check("every image is a pinned postgres:15.N tag",
      images and all(re.fullmatch(r"postgres:15\.\d+(-[a-z]+)?", i or "") for i in images), images)
deps_ok = all(d in services for s in services.values() for d in (s.get("depends_on") or {}))
check("depends_on names services of the file", deps_ok)
cond = lambda s, d: ((services.get(s, {}).get("depends_on") or {}).get(d) or {}).get("condition")
check("migrate waits for db healthy; backend for db healthy and migrate completed",
      cond("migrate", "db") == "service_healthy" and cond("backend", "db") == "service_healthy"
      and cond("backend", "migrate") == "service_completed_successfully")
check("db has a healthcheck", bool((dbs.get("healthcheck") or {}).get("test")))
build = be.get("build") or {}
ctxdir = os.path.join(tree, build.get("context", "?"))
check("backend builds from a context in the tree with its Dockerfile",
      os.path.isdir(ctxdir) and os.path.isfile(os.path.join(ctxdir, build.get("dockerfile", "Dockerfile"))), build)
named = set((doc.get("volumes") or {}).keys())
bad_mounts = []
for name, s in services.items():
    for src, dst in mounts(s):
        if src.startswith("."):
            if not os.path.exists(os.path.join(tree, src)):
                bad_mounts.append(f"{name}: {src}")
        elif src not in named:
            bad_mounts.append(f"{name}: volume {src} not declared")
check("every bind mount's source is in the tree; named volumes are declared", not bad_mounts, bad_mounts)
env_files = be.get("env_file") or []
env_files = [env_files] if isinstance(env_files, str) else env_files
check("backend's env_file .env has its .env.example in the tree",
      env_files == [".env"] and os.path.isfile(os.path.join(tree, ".env.example")), env_files)

# No secret in the file: every password is a required ${VAR:?...}.
secrets = {}
for name, s in services.items():
    for k, v in (s.get("environment") or {}).items():
        if re.search(r"PASSWORD|SECRET", k):
            secrets[f"{name}.{k}"] = v
check("every password in the file is a required variable ${VAR:?...}",
      secrets and all(re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", v) for v in secrets.values()), secrets)
try:
    interpolate(json.dumps(doc), {})
    check("compose without .env refuses to interpolate", False)
except Missing as e:
    check("compose without .env refuses to interpolate, saying what to set", "set" in str(e), e)

benv = envmap(be, DOTENV)
url = benv.get("DATABASE_URL", "")
m = re.fullmatch(r"postgresql\+psycopg://([^:@]+):(.*)@([^:/]+):(\d+)/([^?]+)", url)
check("backend's DATABASE_URL is the app's role on the db service",
      m and m.group(1) == role and m.group(2) == DOTENV["APP_DB_PASSWORD"] and m.group(3) == "db"
      and m.group(5) == db, url)
ports = [interpolate(p, {}) for p in be.get("ports") or []]
check("backend publishes container port 8000 (the Dockerfile's)",
      ports == ["8000:8000"] and "EXPOSE 8000" in open(os.path.join(ctxdir, "Dockerfile")).read(), ports)
menv = envmap(mig, DOTENV)
check("migrate connects to db as the app's role and database",
      menv.get("PGHOST") == "db" and menv.get("PGUSER") == role and menv.get("PGDATABASE") == db
      and menv.get("PGPASSWORD") == DOTENV["APP_DB_PASSWORD"], menv)

if mode != "run":
    sys.exit(0)

# ---- run them: the db service's first start, then migrate, twice ----
init = [to_host(dst, dbs) for src, dst in mounts(dbs) if dst == "/docker-entrypoint-initdb.d"]
check("db mounts an init directory into /docker-entrypoint-initdb.d", len(init) == 1 and os.path.isdir(init[0]), init)
denv = dict(os.environ, POSTGRES_USER="postgres", POSTGRES_DB="postgres", PGHOST=sock, PGPORT=port)
denv.update(envmap(dbs, DOTENV))
for f in sorted(os.listdir(init[0])) if init and os.path.isdir(init[0]) else []:
    path = os.path.join(init[0], f)
    if f.endswith(".sh"):
        check(f"init script {f} is executable (the entrypoint runs it, not sources it)", os.access(path, os.X_OK))
        r = subprocess.run([path], env=denv, capture_output=True, text=True)
    elif f.endswith(".sql"):
        r = psql(["-U", "postgres", "-d", "postgres", "-f", path], env=denv)
    else:
        continue
    check(f"init script {f} runs", r.returncode == 0, r.stdout + r.stderr)
r = psql(["-U", "postgres", "-d", "postgres", "-A", "-t", "-F", "|", "-c",
          "SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreatedb, rolcreaterole, rolpassword"
          f" FROM pg_authid WHERE rolname = '{role}'"])
row = r.stdout.strip().split("|", 5)
check(f"role {role}: LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
      row[:5] == ["f", "f", "t", "f", "f"], r.stdout + r.stderr)
check(f"role {role} has the password APP_DB_PASSWORD gave (quotes, backslash and all)",
      len(row) == 6 and scram_ok(row[5], DOTENV["APP_DB_PASSWORD"]))
r = psql(["-U", role, "-d", db, "-A", "-t", "-c", "SELECT has_database_privilege(current_database(), 'CREATE')"])
check(f"database {db} exists and {role} may create in it", r.stdout.strip() == "t", r.stdout + r.stderr)

cmd = (mig.get("entrypoint") or []) + (mig.get("command") or [])
cmd = [to_host(a, mig) for a in cmd]
check("migrate runs a script of the tree", any(os.path.isfile(a) and a.startswith(tree) for a in cmd), cmd)
menv = dict(os.environ, **menv)
menv.update(PGHOST=sock, PGPORT=port)
for n, expect in ((1, "applied"), (2, "skipped")):
    r = subprocess.run(cmd, env=menv, capture_output=True, text=True)
    out = r.stdout + r.stderr
    check(f"migrate run {n} exits 0 and says {expect}", r.returncode == 0 and expect in out
          and (n == 1 or "applied already" in out), out)
PYEOF

# ci.py TREE SOCK PORT MODE: ci.yml's structure, then (MODE run) its steps
# up to the migrations, as a runner would run them.
cat >"$T/ci.py" <<'PYEOF'
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

from check import check

tree, sock, port, mode = sys.argv[1:5]
bp = json.load(open(os.path.join(tree, "blueprint.json")))
role = db = bp["app"]["dbSchema"]
try:
    doc = yaml.safe_load(open(os.path.join(tree, ".github/workflows/ci.yml")))
except Exception as e:  # noqa: BLE001
    check("ci.yml parses", False, e)
    sys.exit(0)
on = doc.get("on", doc.get(True))  # YAML 1.1 reads the key on as true
check("ci.yml parses and runs on push and pull_request", isinstance(on, dict) and {"push", "pull_request"} <= set(on), on)
jobs = doc.get("jobs") or {}
check("ci.yml has one job", len(jobs) == 1, list(jobs))
job = next(iter(jobs.values()), {})
image = ((job.get("services") or {}).get("postgres") or {}).get("image", "")
compose = yaml.safe_load(open(os.path.join(tree, "docker-compose.yml")))
check("the postgres service is the pinned image docker compose uses",
      image == compose["services"]["db"]["image"] and re.fullmatch(r"postgres:15\.\d+(-[a-z]+)?", image), image)
steps = job.get("steps") or []
uses = [s.get("uses", "") for s in steps if "uses" in s]
check("steps use actions/checkout and actions/setup-python, pinned to a major version",
      any(re.fullmatch(r"actions/checkout@v\d+", u) for u in uses)
      and any(re.fullmatch(r"actions/setup-python@v\d+", u) for u in uses), uses)
py = [s.get("with", {}).get("python-version") for s in steps if s.get("uses", "").startswith("actions/setup-python")]
check("Python 3.11, as a string", py == ["3.11"], py)
missing = []
for s in steps:
    for ref in re.findall(r"(?:db|backend)/[\w./-]*\w", s.get("run", "")):
        if not os.path.exists(os.path.join(tree, s.get("working-directory", "."), ref)):
            missing.append(ref)
    wd = s.get("working-directory")
    if wd and not os.path.isdir(os.path.join(tree, wd)):
        missing.append(wd)
check("every file and directory the steps name is in the tree", not missing, missing)
tests = [s for s in steps if "pytest" in s.get("run", "")]
check("a step runs pytest in backend/ against the app's role and database",
      len(tests) == 1 and tests[0].get("working-directory") == "backend"
      and re.fullmatch(rf"postgresql\+psycopg://{role}@localhost:5432/{db}", tests[0].get("env", {}).get("DATABASE_URL", "")),
      tests)
install = [s for s in steps if "pip install" in s.get("run", "")]
check("a step installs backend/requirements.txt and backend/requirements-test.txt",
      len(install) == 1 and "-r backend/requirements.txt" in install[0]["run"]
      and "-r backend/requirements-test.txt" in install[0]["run"], install)

if mode != "run":
    sys.exit(0)

# ---- run the steps before the install, with GITHUB_ENV ----
# setup-python puts its python first on PATH: this venv's stands in for it.
env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
env.update({k: str(v) for k, v in (doc.get("env") or {}).items()})
env.update({k: str(v) for k, v in (job.get("env") or {}).items()})
with tempfile.NamedTemporaryFile("r", suffix=".env") as genv:
    for s in steps:
        if "uses" in s or "pip install" in s["run"] or "pytest" in s["run"]:
            continue
        senv = dict(env, **{k: str(v) for k, v in (s.get("env") or {}).items()})
        senv.update(PGHOST=sock, PGPORT=port, GITHUB_ENV=genv.name)
        check(f"step {s.get('name')!r} has no expression to evaluate", "${{" not in json.dumps(s))
        r = subprocess.run(["bash", "-e", "-c", s["run"]], cwd=os.path.join(tree, s.get("working-directory", ".")),
                           env=senv, capture_output=True, text=True)
        check(f"step {s.get('name')!r} runs", r.returncode == 0, r.stdout + r.stderr)
        genv.seek(0)
        for line in genv.read().splitlines():
            k, _, v = line.partition("=")
            env[k] = v
check("the steps exported APP_DB_PASSWORD and a SECRET_KEY of 32+ characters",
      env.get("APP_DB_PASSWORD") and len(env.get("SECRET_KEY", "")) >= 32)
r = subprocess.run(["psql", "-X", "-A", "-t", "-h", sock, "-p", port, "-U", role, "-d", db, "-c",
                    f'SELECT count(*) FROM "{db}"."_migrations"'], capture_output=True, text=True)
n = len(os.listdir(os.path.join(tree, "db/migrations")))
check(f"after the steps, {role} sees its {n} migration(s) applied", r.stdout.strip() == str(n), r.stdout + r.stderr)
PYEOF

# readme.py TREE: README.md rendered by cmark-gfm.
cat >"$T/readme.py" <<'PYEOF'
import html.parser
import json
import os
import sys

import cmarkgfm
from cmarkgfm.cmark import Options

from check import check

tree = sys.argv[1]
bp = json.load(open(os.path.join(tree, "blueprint.json")))
src = open(os.path.join(tree, "README.md"), encoding="utf-8").read()
first = src.splitlines()[0]
check("README.md starts with the generated-by line as an HTML comment",
      first == f"<!-- generated by appgen from blueprints/{bp['app']['slug']}.json@v1 — do not edit -->", first)


class Doc(html.parser.HTMLParser):
    """Headings (tag, text) and tables (rows of cell texts), in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.headings, self.tables, self.items, self.tags = [], [], [], []
        self.text, self.where = None, None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("h1", "h2", "h3", "td", "th", "li"):
            self.text, self.where = "", tag
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])

    def handle_endtag(self, tag):
        if tag == self.where:
            t = self.text.strip()
            if tag in ("td", "th"):
                self.tables[-1][-1].append(t)
            elif tag == "li":
                self.items.append(t)
            else:
                self.headings.append((tag, t))
            self.where = None

    def handle_data(self, data):
        if self.where:
            self.text += data


doc = Doc()
doc.feed(cmarkgfm.github_flavored_markdown_to_html(src, options=Options.CMARK_OPT_UNSAFE))
h = doc.headings
check("the title reads back as the app's name", h and h[0] == ("h1", bp["app"]["name"].strip()), h[:1])
for t in bp["data"]["tables"]:
    check(f"table {t['name']}: its heading reads back as its label",
          ("h3", f"{(t.get('label') or t['name']).strip()} ({t['name']})") in h, [x for x in h if x[0] == "h3"][:8])
rows = [r for tab in doc.tables for r in tab]
ragged = [tab[0] for tab in doc.tables if any(len(r) != len(tab[0]) for r in tab)]
check("every table row has as many cells as its header", doc.tables and not ragged, ragged)
labels = {(r[0], r[1]) for r in rows if len(r) == 5}
want = {(c["name"], (c.get("label") or c["name"]).strip()) for t in bp["data"]["tables"] for c in t["columns"]}
check("every column's label reads back in the table list", want <= labels, sorted(want - labels)[:5])
api = {r[0] for r in rows if len(r) == 6}
check("the API lists every table", {"/" + t["name"] for t in bp["data"]["tables"]} <= api, api)
auth = bp["security"]["auth"]
paths = {r[1] for r in rows if len(r) == 4}
want = {"/auth/login", "/auth/me", "/auth/users", "/auth/users/{id}"} if auth["enabled"] else set()
if auth.get("signupRole"):
    want.add("/auth/signup")
check("the auth routes are listed when auth is on (signup with a signupRole)",
      want == (paths & {"/auth/login", "/auth/me", "/auth/users", "/auth/users/{id}", "/auth/signup"}), paths)
filters = [i for i in doc.items if " on " in i and "only rows where" in i]
check("one line in words per row filter", len(filters) == len(bp["security"]["rowFilters"]), filters)
names = {x[1] for x in h if x[0] == "h3"}
check("one heading per role", all(any(n.split(" (")[0] == r for n in names) for r in bp["security"]["roles"]))
for var in ("DATABASE_URL", "SECRET_KEY", "CORS_ORIGINS", "POSTGRES_PASSWORD", "APP_DB_PASSWORD"):
    check(f"{var} is documented", any(var in r[0] for r in rows if len(r) == 2), var)
for words in ("docker compose up", "alembic upgrade head", "uvicorn app.main:app", "cd backend && pytest",
              "NOBYPASSRLS", "pip install -r backend/requirements.txt"):
    check(f"how to run: {words!r}", words in src)
if not bp["app"]["description"]:
    unexpected = set(doc.tags) - {"h1", "h2", "h3", "p", "code", "pre", "table", "thead", "tbody", "tr", "th",
                                  "td", "ul", "ol", "li", "strong", "a"}
    check("no HTML but the README's own (blueprint text is escaped)", not unexpected, unexpected)
PYEOF

# ---- per app ---------------------------------------------------------------------

# header_lines APPDIR: the generated-by line of every file these emitters write.
header_lines() {
	_h_want="generated by appgen from blueprints/$(basename "$1").json@v1 — do not edit"
	_h_bad=
	for _h_f in backend/alembic.ini backend/alembic/env.py $(cd "$1" && ls backend/alembic/versions/*.py) \
		docker-compose.yml .github/workflows/ci.yml; do
		[ "$(head -n 1 "$1/$_h_f" 2>/dev/null)" = "# $_h_want" ] || _h_bad="$_h_bad $_h_f"
	done
	for _h_f in db/init/00_role.sh db/migrate.sh; do
		[ "$(head -n 1 "$1/$_h_f" 2>/dev/null)" = "#!/bin/sh" ] &&
			[ "$(sed -n 2p "$1/$_h_f")" = "# $_h_want" ] || _h_bad="$_h_bad $_h_f"
	done
	[ -z "$_h_bad" ] && ok "$slug: every file starts with the generated-by line (after #!)" \
		|| bad "$slug: every file starts with the generated-by line (after #!)" "$_h_bad"
}

# rows DB SCHEMA: the _migrations rows, applied_at included.
rows() { val postgres "$1" "SELECT version, name, applied_at FROM \"$2\".\"_migrations\" ORDER BY 1"; }

# same_schema DB WHAT: DB's app schema is the reference's (pg_dump), as an
# ok/bad line. Uses slug, schema and W of check_app.
same_schema() {
	dump "$1" "$schema" >"$W/$1.sql"
	cmp -s "$W/ref.sql" "$W/$1.sql" && ok "$slug: $2" || bad "$slug: $2" "$(diff "$W/ref.sql" "$W/$1.sql" | head -n 20)"
}

# upgrade_again DB DUMP LOG: alembic upgrade head on a migrated DB changes
# neither its schema (DUMP) nor the _migrations rows, and leaves alembic
# at the head. Uses dir, role, schema, vschema, last of check_app.
upgrade_again() {
	_u_rows=$(rows "$1" "$schema")
	alembic_run "$dir" "$role" "$1" "$3" && [ "$(rows "$1" "$schema")" = "$_u_rows" ] &&
		dump "$1" "$schema" | cmp -s - "$2" &&
		[ "$(val postgres "$1" "SELECT version_num FROM \"$vschema\".alembic_version")" = "$last" ]
}

# check_app APPDIR MODE: everything above (MODE full), or only the files'
# structure and the README (MODE light).
check_app() {
	dir=$1
	slug=$(basename "$dir")
	W=$T/work/$slug
	mkdir -p "$W"
	schema=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["app"]["dbSchema"])' "$dir/blueprint.json")
	role=$schema
	vschema=alembic_$schema
	header_lines "$dir"
	(cd "$T" && "$TPY" readme.py "$dir") >"$W/readme.log" 2>&1
	report "$W/readme.log" "$slug: README"
	if [ "$2" = light ]; then
		for _c in compose ci; do
			(cd "$T" && "$TPY" $_c.py "$dir" "$SOCK" "$PORT" static) >"$W/$_c.log" 2>&1
			report "$W/$_c.log" "$slug: $_c"
		done
		return
	fi

	# One alembic version per SQL file, chained, one head.
	nsql=$(ls "$dir"/db/migrations/*.sql | wc -l)
	nver=$(ls "$dir"/backend/alembic/versions/*.py 2>/dev/null | wc -l)
	last=$(ls "$dir"/db/migrations/*.sql | tail -n 1 | sed 's|.*/\([0-9]*\)_.*|\1|')
	if alembic_run "$dir" nobody nodb "$W/heads.log" heads && [ "$nsql" = "$nver" ] &&
		[ "$(cat "$W/heads.log")" = "$last (head)" ]; then
		ok "$slug: one alembic version per SQL migration ($nver), head $last"
	else
		bad "$slug: one alembic version per SQL migration, one head" "$nsql sql, $nver versions; $(cat "$W/heads.log")"
	fi

	# docker compose: the file, then db's init scripts and migrate.
	(cd "$T" && "$TPY" compose.py "$dir" "$SOCK" "$PORT" run) >"$W/compose.log" 2>&1
	report "$W/compose.log" "$slug: compose"
	# The checks below need the role even if compose's init script failed.
	[ "$(val postgres postgres "SELECT count(*) FROM pg_roles WHERE rolname = '$role'")" = 1 ] ||
		q postgres postgres -c "CREATE ROLE \"$role\" LOGIN NOSUPERUSER NOBYPASSRLS" -c "CREATE DATABASE \"$role\"" >/dev/null 2>&1

	# The reference: psql -f of every file, in order, as the role.
	ref=${schema}_psql
	if fresh_db "$ref" "$role" >"$W/ref.log" 2>&1 &&
		for f in "$dir"/db/migrations/*.sql; do q "$role" "$ref" -f "$f" || exit 1; done >>"$W/ref.log" 2>&1; then
		ok "$slug: psql -f db/migrations/*.sql as $role"
	else
		bad "$slug: psql -f db/migrations/*.sql as $role" "$(cat "$W/ref.log")"
		return
	fi
	dump "$ref" "$schema" >"$W/ref.sql"
	grep -q 'CREATE TABLE' "$W/ref.sql" && ok "$slug: pg_dump of the reference schema" \
		|| bad "$slug: pg_dump of the reference schema" "$(head -n 5 "$W/ref.sql")"
	same_schema "$role" "compose's migrate gives the reference schema"

	# alembic on a fresh database.
	adb=${schema}_alembic
	fresh_db "$adb" "$role" >"$W/adb.log" 2>&1 || bad "$slug: database $adb" "$(cat "$W/adb.log")"
	if alembic_run "$dir" "$role" "$adb" "$W/alembic1.log"; then
		ok "$slug: alembic upgrade head as $role on a fresh database"
	else
		bad "$slug: alembic upgrade head as $role on a fresh database" "$(tail -n 20 "$W/alembic1.log")"
		return
	fi
	same_schema "$adb" "alembic gives the schema psql gives (pg_dump --schema-only)"
	[ "$(val postgres "$ref" "SELECT version, name FROM \"$schema\".\"_migrations\" ORDER BY 1")" = \
		"$(val postgres "$adb" "SELECT version, name FROM \"$schema\".\"_migrations\" ORDER BY 1")" ] &&
		ok "$slug: alembic records the same _migrations rows" || bad "$slug: alembic records the same _migrations rows"
	schemas="SELECT string_agg(nspname, ' ' ORDER BY nspname) FROM pg_namespace WHERE nspname !~ '^(pg_|information_schema$)'"
	got=$(val postgres "$adb" "$schemas")
	[ "$got" = "$vschema $schema public" ] && ok "$slug: besides the app schema, only $vschema (alembic's)" \
		|| bad "$slug: besides the app schema, only $vschema (alembic's)" "$got"
	got=$(val postgres "$adb" "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
	[ "$got" = 0 ] && ok "$slug: nothing in public" || bad "$slug: nothing in public" "$got"
	got=$(val postgres "$adb" "SELECT version_num FROM \"$vschema\".alembic_version")
	[ "$got" = "$last" ] && ok "$slug: alembic_version is $last" || bad "$slug: alembic_version is $last" "$got"

	# A second upgrade is a no-op; after psql, alembic skips (the rows'
	# applied_at would change if a file ran again) and records the head.
	upgrade_again "$adb" "$W/$adb.sql" "$W/alembic2.log" && ! grep -q "Running upgrade" "$W/alembic2.log" \
		&& ok "$slug: a second alembic upgrade head is a no-op" \
		|| bad "$slug: a second alembic upgrade head is a no-op" "$(tail -n 10 "$W/alembic2.log")"
	upgrade_again "$ref" "$W/ref.sql" "$W/alembic3.log" && grep -q "skipped" "$W/alembic3.log" \
		&& ok "$slug: alembic after psql skips what psql applied and records $last" \
		|| bad "$slug: alembic after psql skips what psql applied and records $last" "$(tail -n 10 "$W/alembic3.log")"

	# alembic first, then migrate.sh: skipped.
	if PGHOST=$SOCK PGPORT=$PORT PGUSER=$role PGDATABASE=$adb sh "$dir/db/migrate.sh" >"$W/migrate.log" 2>&1 &&
		grep -q "applied already, skipped" "$W/migrate.log" && ! grep -q ": applied$" "$W/migrate.log"; then
		ok "$slug: db/migrate.sh after alembic skips"
	else
		bad "$slug: db/migrate.sh after alembic skips" "$(cat "$W/migrate.log")"
	fi

	# Start over for CI: no database, no role.
	q postgres postgres -c "DROP DATABASE \"$ref\"" -c "DROP DATABASE \"$adb\"" -c "DROP DATABASE \"$role\"" \
		-c "DROP ROLE \"$role\"" >"$W/drop.log" 2>&1 || bad "$slug: drop the databases and the role" "$(cat "$W/drop.log")"
	(cd "$T" && "$TPY" ci.py "$dir" "$SOCK" "$PORT" run) >"$W/ci.log" 2>&1
	report "$W/ci.log" "$slug: ci"
	same_schema "$role" "CI's steps give the reference schema"
	q postgres postgres -c "DROP DATABASE IF EXISTS \"$role\"" -c "DROP ROLE IF EXISTS \"$role\"" >"$W/drop2.log" 2>&1 ||
		bad "$slug: drop CI's database and role" "$(cat "$W/drop2.log")"
}

# Every step on the example apps, keyword-stress and hostile-md; the
# structure and the README on the spec fixtures (their names stress those).
for d in "$T"/out/apps/*/ "$T"/out2/apps/*/; do
	case ${d%/} in
	"$T"/out/*|*/keyword-stress|*/hostile-md) check_app "${d%/}" full ;;
	*) check_app "${d%/}" light ;;
	esac
done

# ---- once: a failing migration, a superuser ------------------------------------------

APP=$T/out/apps/sales-crm
F=$T/failing
cp -r "$APP" "$F"
sed -i 's/^COMMIT;$/SELECT 1 \/ 0;\nCOMMIT;/' "$F/db/migrations/0001_init.sql"
q postgres postgres -c "CREATE ROLE app_sales_crm LOGIN NOSUPERUSER NOBYPASSRLS" >/dev/null 2>&1
fresh_db fail app_sales_crm >/dev/null 2>&1
if alembic_run "$F" app_sales_crm fail "$T/fail.log"; then
	bad "alembic fails on a migration that fails half-way"
else
	grep -q "0001_init.sql failed, nothing of it was applied: division by zero" "$T/fail.log" &&
		! grep -q "CREATE TABLE" "$T/fail.log" &&
		ok "alembic fails on a migration that fails half-way, naming the file and the cause (not quoting the SQL)" ||
		bad "alembic's error names the file and the cause" "$(tail -n 5 "$T/fail.log")"
	[ "$(val postgres fail "SELECT to_regnamespace('app_sales_crm') IS NULL, (SELECT count(*) FROM alembic_app_sales_crm.alembic_version)")" = "t|0" ] &&
		ok "the failed migration left no schema and no alembic version behind" ||
		bad "the failed migration left no schema and no alembic version behind" \
			"$(val postgres fail "SELECT nspname FROM pg_namespace")"
fi
if alembic_run "$APP" app_sales_crm fail "$T/fail2.log" &&
	[ "$(val postgres fail "SELECT version_num FROM alembic_app_sales_crm.alembic_version")" = 0001 ]; then
	ok "after the fix, alembic upgrade head applies it on the same database"
else
	bad "after the fix, alembic upgrade head applies it on the same database" "$(tail -n 5 "$T/fail2.log")"
fi
fresh_db super app_sales_crm >/dev/null 2>&1
if alembic_run "$APP" postgres super "$T/super.log"; then
	bad "alembic refuses a superuser"
else
	grep -q "refusing to migrate as a superuser" "$T/super.log" &&
		[ "$(val postgres super "SELECT count(*) FROM pg_namespace WHERE nspname LIKE '%sales_crm'")" = 0 ] &&
		ok "alembic refuses a superuser and creates nothing" ||
		bad "alembic refuses a superuser and creates nothing" "$(tail -n 5 "$T/super.log")"
fi

finish
