# t0046: appgen build --zip - deterministic zips of the app trees.
. "$(dirname "$0")/lib.sh"
R=$TMP/repo
git_repo "$R" sales-crm helpdesk

expect_exit 0 "build --zip" "$AG" build --repo "$R" --out "$TMP/o1" --zip
Z=$TMP/o1/dist/helpdesk-v1.zip
[ -f "$Z" ] && [ -f "$TMP/o1/dist/sales-crm-v1.zip" ] && ok "one zip per app in OUT/dist" || bad "one zip per app in OUT/dist" "$(ls -R "$TMP/o1" | head)"
python3 -c 'import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$Z" \
	&& ok "every entry's CRC checks" || bad "every entry's CRC checks"

python3 - "$Z" "$TMP/o1/apps/helpdesk" "$TMP/o1/build.json" <<'PY' && ok "entries: sorted, under helpdesk-v1/, fixed time and modes, same bytes as the tree" || bad "entries: sorted, under helpdesk-v1/, fixed time and modes, same bytes as the tree"
import json, os, stat, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
infos = z.infolist()
names = [i.filename for i in infos]
assert names == sorted(names, key=lambda n: n.encode()), names[:5]
tree = sorted(os.path.relpath(os.path.join(d, f), sys.argv[2]) for d, _, fs in os.walk(sys.argv[2]) for f in fs)
assert names == ["helpdesk-v1/" + p for p in sorted(tree, key=lambda n: n.encode())], (names[:3], tree[:3])
for i in infos:
    assert not i.filename.startswith("/") and ".." not in i.filename.split("/")
    assert i.date_time == (1980, 1, 1, 0, 0, 0), i.date_time
    assert i.create_system == 3 and i.extra == b"" and i.compress_type == zipfile.ZIP_DEFLATED
    mode = i.external_attr >> 16
    disk = os.stat(os.path.join(sys.argv[2], i.filename.split("/", 1)[1])).st_mode
    assert stat.S_IMODE(mode) == stat.S_IMODE(disk) and stat.S_ISREG(mode), (i.filename, oct(mode), oct(disk))
    assert z.read(i) == open(os.path.join(sys.argv[2], i.filename.split("/", 1)[1]), "rb").read()
assert z.comment == b""
r = {a["slug"]: a for a in json.load(open(sys.argv[3]))["apps"]}
assert r["helpdesk"]["zip"] == "dist/helpdesk-v1.zip" and r["helpdesk"]["stage"] == "pack"
PY

# the same commit elsewhere, in another time zone, umask and locale: the same bytes
(umask 077; TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 "$AG" -q build --repo "$R" --out "$TMP/o2" --zip >/dev/null 2>&1)
cmp -s "$Z" "$TMP/o2/dist/helpdesk-v1.zip" && cmp -s "$TMP/o1/dist/sales-crm-v1.zip" "$TMP/o2/dist/sales-crm-v1.zip" \
	&& ok "zips are byte-identical across out dirs, TZ, umask and locale" || bad "zips are byte-identical across out dirs, TZ, umask and locale"
[ "$(stat -c %a "$TMP/o2/dist/helpdesk-v1.zip")" = 644 ] && ok "zip mode ignores the umask" || bad "zip mode ignores the umask"
rm -rf "$TMP/o3"
(umask 022; "$AG" -q build --repo "$R" --out "$TMP/o3" --zip --jobs 2 >/dev/null 2>&1)
cmp -s "$Z" "$TMP/o3/dist/helpdesk-v1.zip" && ok "and with --jobs 2" || bad "and with --jobs 2"

# up to date: nothing rewritten; a missing zip is made again
ino=$(stat -c %i "$Z")
expect_exit 0 "rebuild --zip" "$AG" build --repo "$R" --out "$TMP/o1" --zip --explain
expect_grep "$TMP/out" '^helpdesk +up to date$' "an up-to-date app keeps its zip"
[ "$(stat -c %i "$Z")" = "$ino" ] && ok "the zip is not rewritten" || bad "the zip is not rewritten"
rm -f "$Z"
expect_exit 0 "rebuild --zip without the zip" "$AG" build --repo "$R" --out "$TMP/o1" --zip --explain
expect_grep "$TMP/out" '^helpdesk +rebuilt: zip missing$' "a missing zip is rebuilt"
cmp -s "$Z" "$TMP/o2/dist/helpdesk-v1.zip" && ok "to the same bytes" || bad "to the same bytes"

# without --zip nothing goes to dist/
"$AG" -q build --repo "$R" --out "$TMP/o4" >/dev/null 2>&1
[ ! -e "$TMP/o4/dist" ] && ok "no --zip, no dist/" || bad "no --zip, no dist/"
finish
