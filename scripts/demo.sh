#!/bin/sh
# demo.sh - what `make demo` shows once appgen is built: the example
# blueprints checked, compiled and zipped from this repository's HEAD
# commit, a rebuild the cache skips, and a broken blueprint's diagnostics.
set -eu
out=${OUT:-out}

echo "== appgen check blueprints/"
./appgen --verbose check blueprints
echo
echo "== appgen build (blueprints/ at HEAD of this repository)"
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
	./appgen build --out "$out" --zip
	echo
	echo "== again: nothing changed, so nothing is rebuilt"
	./appgen build --out "$out" --zip --explain
else
	./appgen build --worktree --out "$out" --zip
fi
echo
echo "== a broken blueprint gets located diagnostics"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e '0,/"required": true/s//"requird": true/' -e '0,/"type": "uuid"/s//"type": "uid"/' \
	blueprints/sales-crm.json > "$tmp/sales-crm.json"
./appgen check "$tmp/sales-crm.json" 2>&1 || true
echo
echo "The apps are in $out/apps/<slug>/ (one tree per blueprint), their zips in $out/dist/,"
echo "the report in $out/build.json. To start a blueprint repository of your own:"
echo "  ./appgen init ../my-apps   (then commit, appgen build --zip --push, appgen watch; see README.md)"
echo "The frontend and the catalog site ($out/site/) come with the next stages."
