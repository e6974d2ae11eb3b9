# t0030: appgen import (backend spec -> BlueprintV2) and appgen schema.
. "$(dirname "$0")/lib.sh"

cat > "$TMP/spec.json" <<'JSON'
{
  "spec_version": "1.0",
  "project_name": "inventory_api",
  "description": "Stock keeping",
  "database": { "type": "postgres", "version": "15" },
  "auth": { "enabled": true, "type": "jwt", "access_token_expiry_minutes": 45 },
  "entities": [
    { "name": "Product", "table_name": "products", "crud": true,
      "fields": [
        { "name": "id", "type": "uuid", "primary_key": true, "nullable": false, "unique": true },
        { "name": "sku", "type": "string", "nullable": false, "unique": true },
        { "name": "price", "type": "float" },
        { "name": "stock", "type": "integer", "nullable": false },
        { "name": "active", "type": "boolean" },
        { "name": "created_at", "type": "datetime" } ] }
  ]
}
JSON
expect_exit 0 "check accepts the backend-spec dialect" "$AG" check "$TMP/spec.json"
expect_exit 0 "import to stdout" "$AG" import -o - "$TMP/spec.json"
cp "$TMP/out" "$TMP/v2.json"
python3 - "$TMP/v2.json" <<'PY' && ok "import maps the spec" || bad "import maps the spec" "$(cat "$TMP/v2.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert list(d)[:4] == ["version", "app", "data", "security"], list(d)
assert d["app"]["slug"] == "inventory-api"
cols = {c["name"]: c for c in d["data"]["tables"][0]["columns"]}
assert set(cols) == {"sku", "price", "stock", "active"}
assert cols["sku"]["type"] == "text" and cols["sku"]["required"] and cols["sku"]["unique"]
assert cols["stock"]["type"] == "int" and cols["active"]["type"] == "bool"
assert d["security"]["roles"] == ["Admin", "User"]
assert d["security"]["auth"]["accessTokenExpiryMinutes"] == 45
assert len(d["security"]["permissions"]) == 2
PY
expect_exit 0 "the imported file is a valid blueprint" "$AG" check "$TMP/v2.json"
mkdir -p "$TMP/r/blueprints"
(cd "$TMP/r" && "$AG" import "$TMP/spec.json" >"$TMP/o" 2>"$TMP/e"; echo $? > "$TMP/rc")
[ "$(cat "$TMP/rc")" = 0 ] && [ -f "$TMP/r/blueprints/inventory-api.json" ] && ok "import writes blueprints/<slug>.json" || bad "import writes blueprints/<slug>.json" "$(cat "$TMP/e")"
(cd "$TMP/r" && "$AG" import "$TMP/spec.json" >"$TMP/o" 2>"$TMP/e"; echo $? > "$TMP/rc")
[ "$(cat "$TMP/rc")" = 1 ] && ok "import keeps an existing file" || bad "import keeps an existing file"
expect_exit 0 "the written file passes the repo rules" "$AG" check "$TMP/r/blueprints"

sed 's/"type": "float"/"type": "money"/' "$TMP/spec.json" > "$TMP/bad.json"
expect_exit 1 "import rejects an unknown field type" "$AG" import -o - "$TMP/bad.json"
expect_grep "$TMP/err" 'bad.json:12:36: error\[E601\]' "spec errors point into the spec file"

expect_exit 0 "schema" "$AG" schema
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["$schema"].endswith("2020-12/schema")' "$TMP/out" \
	&& ok "schema is JSON Schema 2020-12" || bad "schema is JSON Schema 2020-12"
cmp -s "$TMP/out" "$PWD/schema/blueprint-v2.schema.json" && ok "schema prints the committed file" || bad "schema prints the committed file"
finish
