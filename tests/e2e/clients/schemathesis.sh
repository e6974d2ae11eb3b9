#!/bin/sh
# schemathesis.sh URL [TOKEN] - property-based tests of a running generated
# backend from its own OpenAPI document (URL/openapi.json), with the pinned
# Schemathesis of requirements-schemathesis.txt.
#
#   sh tests/e2e/clients/schemathesis.sh http://127.0.0.1:8000 "$TOKEN"
#
# The venv lives in ~/.cache/appgen/schemathesis-venv/<hash of the pins>
# (pip downloads in ~/.cache/pip), made with $PYTHON (default python3.11)
# and reused while the pins are the same; every package is installed with
# --no-deps from the pinned closure, then `pip check`.
#
# Every operation is tested (examples, coverage and fuzzing phases; the
# stateful phase too, as the schema allows) with the Authorization header
# when TOKEN is given, a fixed seed, a bounded number of examples per
# operation, one worker, no shrinking database, and only the check
# not_a_server_error by default: 404 for random ids and 422 for invalid
# bodies are fine, a 5xx is a failure (exit 1). Schemathesis' own summary is
# printed; its JUnit report goes to $ST_REPORT_DIR when that is set.
#
# Environment: ST_CHECKS (default not_a_server_error; "all" or a comma
# list), ST_MAX_EXAMPLES (default 40), ST_SEED (default 20240101),
# ST_PHASES (default examples,coverage,fuzzing,stateful), ST_TIMEOUT (hard
# limit of the whole run in seconds, default 600), ST_REPORT_DIR.
#
# Only loopback URLs are accepted, and the proxy variables are cleared, so
# nothing but the local server is contacted.
set -u

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: schemathesis.sh URL [TOKEN]" >&2
	exit 2
fi
URL=${1%/}
TOKEN=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
REQ=$HERE/requirements-schemathesis.txt

case $URL in
http://127.*|http://localhost:*|http://localhost|"http://[::1]"*) ;;
*)
	echo "schemathesis.sh: only loopback URLs (127.0.0.0/8, localhost, [::1]): $URL" >&2
	exit 2
	;;
esac
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY 2>/dev/null
export NO_PROXY='*' no_proxy='*'

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
hash=$(grep -v '^#' "$REQ" | sha256sum | cut -c1-16)
VENV=$HOME/.cache/appgen/schemathesis-venv/$hash
if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -f "$VENV/.complete" ]; then
	rm -rf "$VENV"
	mkdir -p "$HOME/.cache/appgen/schemathesis-venv" "$HOME/.cache/pip"
	log=$(mktemp)
	if "$PY" -m venv "$VENV" >"$log" 2>&1 &&
		PIP_CACHE_DIR=$HOME/.cache/pip "$VENV/bin/pip" install -q --disable-pip-version-check \
			--no-deps -r "$REQ" >>"$log" 2>&1 &&
		"$VENV/bin/pip" check >>"$log" 2>&1; then
		touch "$VENV/.complete"
		echo "schemathesis.sh: venv made: $VENV"
	else
		echo "schemathesis.sh: could not make the venv $VENV:" >&2
		tail -n 20 "$log" >&2
		rm -rf "$VENV" "$log"
		exit 2
	fi
	rm -f "$log"
fi

set -- --config-file "$HERE/schemathesis.toml" run "$URL/openapi.json" \
	--checks "${ST_CHECKS:-not_a_server_error}" \
	--phases "${ST_PHASES:-examples,coverage,fuzzing,stateful}" \
	--max-examples "${ST_MAX_EXAMPLES:-40}" \
	--seed "${ST_SEED:-20240101}" \
	--workers 1 \
	--request-timeout 15 \
	--max-redirects 0 \
	--generation-database none \
	--suppress-health-check all \
	--no-color
[ -n "$TOKEN" ] && set -- "$@" --header "Authorization: Bearer $TOKEN"
if [ -n "${ST_REPORT_DIR:-}" ]; then
	set -- "$@" --report junit --report-dir "$ST_REPORT_DIR"
fi
# From an empty directory: nothing of the run lands where it was started.
work=$(mktemp -d)
(cd "$work" && exec timeout -k 10 "${ST_TIMEOUT:-600}" "$VENV/bin/schemathesis" "$@")
rc=$?
rm -rf "$work"
case $rc in
0) echo "schemathesis.sh: no failure over the operations of $URL/openapi.json" ;;
124) echo "schemathesis.sh: stopped after ${ST_TIMEOUT:-600} s" ;;
*) echo "schemathesis.sh: schemathesis exited $rc" ;;
esac
exit "$rc"
