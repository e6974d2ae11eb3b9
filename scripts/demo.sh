#!/bin/sh
# demo.sh - what `make demo` shows once appgen is built: the example
# blueprints checked, compiled from this repository's HEAD commit, and a
# broken blueprint's diagnostics.
set -eu
out=${OUT:-out}

echo "== appgen check blueprints/"
./appgen --verbose check blueprints
echo
echo "== appgen build (blueprints/ at HEAD of this repository)"
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
	./appgen build --out "$out"
else
	./appgen build --worktree --out "$out"
fi
echo
echo "== a broken blueprint gets located diagnostics"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e '0,/"required": true/s//"requird": true/' -e '0,/"type": "uuid"/s//"type": "uid"/' \
	blueprints/sales-crm.json > "$tmp/sales-crm.json"
./appgen check "$tmp/sales-crm.json" 2>&1 || true
echo
echo "The apps are in $out/apps/<slug>/ (one tree per blueprint), the report in $out/build.json."
echo "The catalog site ($out/site/) and zips come with the next stages; see README.md."
