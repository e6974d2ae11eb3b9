#!/bin/sh
# demo.sh - what `make demo` shows once appgen is built.
set -eu
echo "== appgen check blueprints/"
./appgen --verbose check blueprints
echo
echo "== the normalized IR of one app (first 25 lines)"
./appgen check --print-ir blueprints/sales-crm.json | head -25
echo "..."
echo
echo "== a broken blueprint gets located diagnostics"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/"required"/"requird"/' -e 's/"type": "uuid"/"type": "uid"/' blueprints/sales-crm.json > "$tmp/sales-crm.json"
./appgen check "$tmp/sales-crm.json" 2>&1 | head -24 || true
echo
cat <<'TXT'
appgen checks blueprints today; `appgen build` (apps, site, zips, artifact
pushes) is being built next. See README.md.
TXT
