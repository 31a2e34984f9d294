#!/bin/sh
# The command line: help, version, usage errors (exit 2, a message), a
# failed expectation (exit 1, naming the expectation's line), check.
. "$(dirname "$0")/lib.sh"

expect_rc() { # expected-status description command...
	want=$1; what=$2; shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq "$want" ] && pass || fail "$what: exit $rc, expected $want: $(cat "$TMP/err")"
}

expect_rc 0 "--version" "$SASEBED" --version
grep -q '^sasebed [0-9]' "$TMP/out" && pass || fail "--version prints no version"
expect_rc 0 "--help" "$SASEBED" --help
grep -q 'usage: sasebed run' "$TMP/out" && pass || fail "--help prints no usage"
expect_rc 2 "no arguments" "$SASEBED"
expect_rc 2 "unknown command" "$SASEBED" frobnicate
grep -q "unknown command 'frobnicate'" "$TMP/err" && pass || fail "unknown command not named"
expect_rc 2 "missing file" "$SASEBED" run "$TMP/nope.yaml"
grep -qF "$TMP/nope.yaml" "$TMP/err" && pass || fail "missing file not named"
expect_rc 2 "bad seed" "$SASEBED" run "$SRCDIR/scenarios/mumbai-us-peak.yaml" --seed banana
expect_rc 2 "bad --until" "$SASEBED" run "$SRCDIR/scenarios/mumbai-us-peak.yaml" --until 5parsecs
expect_rc 0 "check flagship" "$SASEBED" check "$SRCDIR/scenarios/mumbai-us-peak.yaml"
grep -q ': ok' "$TMP/out" && pass || fail "check prints no ok"

f="$SRCDIR/tests/scenarios/good/failing-expect.yaml"
expect_rc 1 "failing expectation" "$SASEBED" run "$f" --db "$TMP/f.db"
grep -qF "$f:" "$TMP/out" && grep -q ': fail$' "$TMP/out" && pass || fail "failure not reported with its place: $(cat "$TMP/out")"
[ "$(sql "$TMP/f.db" "SELECT count(*) FROM expectations WHERE status = 'fail'")" = 1 ] && pass || fail "expectation outcome not recorded"
[ "$(sql "$TMP/f.db" "SELECT count(*) FROM expectations WHERE status = 'pass'")" = 1 ] && pass || fail "passing expectation not recorded"

# --out makes the folder and names the file after the scenario and seed
expect_rc 1 "--out" "$SASEBED" run "$f" --out "$TMP/res/deep" --seed 5 --quiet
[ -f "$TMP/res/deep/failing-expect-seed5.db" ] && pass || fail "--out file not where documented"
[ ! -s "$TMP/out" ] && pass || fail "--quiet printed: $(cat "$TMP/out")"
# emulate: what the address plan cannot hold is refused before anything
# is built (and before root is asked for): a site of nine links
{
	echo "name: nine"; echo "duration: 5s"
	echo "pops: [{name: fra, city: frankfurt}]"
	echo "sites:"; echo "  - name: big"; echo "    city: frankfurt"; echo "    links:"
	for i in 1 2 3 4 5 6 7 8 9; do echo "      - {name: w$i, bandwidth: 1Gbps}"; done
} >"$TMP/nine.yaml"
"$SASEBED" emulate "$TMP/nine.yaml" --out "$TMP/emu" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && grep -q "site 'big' has 9 links: a Socket has at most 8" "$TMP/err" && pass ||
    fail "emulate, nine links: exit $rc, $(cat "$TMP/err")"
[ ! -e "$TMP/emu" ] && pass || fail "emulate made its folder before refusing"
finish
