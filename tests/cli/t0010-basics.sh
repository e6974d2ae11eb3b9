# t0010: version, help, usage errors and exit codes.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "--version" "$AG" --version
expect_grep "$TMP/out" '^appgen [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"
expect_exit 0 "help" "$AG" help
for c in build check import schema help; do
	expect_grep "$TMP/out" "^  $c " "help lists $c"
done
expect_exit 0 "help check" "$AG" help check
expect_grep "$TMP/out" '--format text' "help check documents --format"
expect_exit 0 "check --help" "$AG" check --help
expect_grep "$TMP/out" '^usage: appgen check' "check --help shows check's usage"
expect_exit 2 "no command" "$AG"
expect_exit 2 "unknown command" "$AG" frobnicate
expect_grep "$TMP/err" "'frobnicate' is not an appgen command" "unknown command is named"
expect_exit 2 "unknown global option" "$AG" --bogus check
expect_exit 2 "unknown check option" "$AG" check --bogus
expect_exit 2 "bad --format" "$AG" check --format xml blueprints
expect_exit 2 "help of unknown command" "$AG" help nope
expect_exit 2 "missing path" "$AG" check /nonexistent/x.json
expect_grep "$TMP/err" "No such file" "missing path says why"
expect_exit 2 "schema takes no args" "$AG" schema extra
finish
