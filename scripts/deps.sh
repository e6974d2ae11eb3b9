#!/bin/sh
# deps.sh build|test|format - install what appgen needs, only when it is missing.
#
# build: the C toolchain and the Debian -dev packages appgen links against.
# test:  build + what `make check` runs: clang (ASan/UBSan, libFuzzer),
#        valgrind, git, Python venv support, PostgreSQL and OpenSSH's sshd
#        (the tests start their own servers in temporary directories, on
#        loopback), Node.js + npm (a Refine
#        client talks to a generated backend; only when node or npm is not on
#        PATH, so a Node.js from elsewhere is kept); then a Python venv with the
#        pinned test requirements under ~/.cache/appgen (reused across runs).
set -eu

mode=${1:-build}
build_pkgs="gcc make pkg-config libgit2-dev libcmark-dev libcurl4-openssl-dev libcjson-dev libzip-dev liblua5.4-dev"
test_pkgs="clang libclang-rt-14-dev valgrind git python3 python3-venv ca-certificates postgresql openssh-server openssh-client"

pkgs=$build_pkgs
[ "$mode" = test ] && pkgs="$pkgs $test_pkgs"
[ "$mode" = format ] && pkgs="clang-format"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ "$mode" = test ] && { ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; }; then
	missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
	echo "deps: installing$missing"
	if [ "$(id -u)" -eq 0 ]; then
		sudo=""
	elif command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "deps: missing packages:$missing; run as root or install them with apt-get" >&2
		exit 3
	fi
	export DEBIAN_FRONTEND=noninteractive
	# Packages with daemons (postgresql, openssh-server) must not start
	# them: the tests start their own, on loopback, and stop them. A
	# policy-rc.d that denies every start, for the install only.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
		$sudo chmod 755 /usr/sbin/policy-rc.d
	fi
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$mode" = test ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/appgen
	venv=$cache/venv
	req=tests/schema/requirements.txt
	stamp=$venv/.requirements
	if [ ! -x "$venv/bin/python" ] || ! cmp -s "$req" "$stamp" 2>/dev/null; then
		echo "deps: creating the test venv in $venv"
		rm -rf "$venv"
		mkdir -p "$cache"
		python3 -m venv "$venv"
		"$venv/bin/python" -m pip install -q --disable-pip-version-check \
			--cache-dir "$cache/pip" -r "$req"
		cp "$req" "$stamp"
	fi
fi
