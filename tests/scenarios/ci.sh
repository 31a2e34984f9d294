#!/bin/sh
# Several scenarios in one run, for CI: the exit status is the worst of
# them; --junit writes JUnit XML that the schema accepts, a suite per
# scenario and a case per expectation; --tap writes the same as TAP; a
# folder runs its .yaml files in name order.
. "$(dirname "$0")/lib.sh"

good="$SRCDIR/tests/scenarios/good/failing-expect.yaml"
bad="$SRCDIR/tests/scenarios/bad/30-unknown-app-kind.yaml"
auth="$SRCDIR/scenarios/tunnel-auth.yaml"
cd "$TMP" || exit 99

"$SASEBED" run "$good" "$bad" "$auth" --quiet --junit j.xml --tap t.tap 2>err
rc=$?
[ "$rc" -eq 2 ] && pass || fail "a bad scenario among them: exit $rc, expected 2"
"$SASEBED" run "$auth" "$good" --quiet 2>/dev/null
rc=$?
[ "$rc" -eq 1 ] && pass || fail "a failed expectation among them: exit $rc, expected 1"

if command -v xmllint >/dev/null; then
	xmllint --noout --schema "$SRCDIR/tests/scenarios/junit.xsd" j.xml 2>xerr \
		&& pass || fail "JUnit file rejected: $(cat xerr)"
	x() { xmllint --xpath "$1" j.xml; }
	[ "$(x 'string(/testsuites/@tests)')" = 6 ] && pass || fail "tests=$(x 'string(/testsuites/@tests)')"
	[ "$(x 'string(/testsuites/@failures)')" = 1 ] && pass || fail "failures"
	[ "$(x 'string(/testsuites/@errors)')" = 1 ] && pass || fail "errors"
	[ "$(x 'count(/testsuites/testsuite)')" = 3 ] && pass || fail "suites"
	# the failing case names its line and carries the measured value
	f=$(x 'string(//testsuite[@name="failing-expect"]/testcase/failure/@message)')
	case "$f" in *failing-expect.yaml:22:5:*measured*fail) pass ;; *) fail "failure message '$f'" ;; esac
	[ "$(x 'string(//testcase[failure]/@line)')" = 22 ] && pass || fail "failure line"
	# the bad scenario is an error with the loader's file:line:col
	e=$(x 'string(//testcase/error/@message)')
	case "$e" in *30-unknown-app-kind.yaml:16:22:*) pass ;; *) fail "error message '$e'" ;; esac
else
	echo "xmllint not installed: the JUnit schema is not checked"
fi

[ "$(sed -n 2p t.tap)" = "1..6" ] && pass || fail "TAP plan: $(sed -n 2p t.tap)"
[ "$(grep -c '^not ok' t.tap)" = 2 ] && pass || fail "TAP: $(grep -c '^not ok' t.tap) not ok"
[ "$(grep -c '^ok' t.tap)" = 4 ] && pass || fail "TAP: $(grep -c '^ok' t.tap) ok"

# a folder: its scenarios, in name order
mkdir dir && cp "$auth" dir/b.yaml && cp "$good" dir/a.yaml && echo "not a scenario" >dir/notes.txt
"$SASEBED" run dir --quiet --junit d.xml 2>/dev/null
rc=$?
[ "$rc" -eq 1 ] && pass || fail "folder: exit $rc"
n=$(grep -c '<testsuite ' d.xml)
[ "$n" = 2 ] && pass || fail "folder: $n suites"
first=$(grep -m1 '<testsuite ' d.xml | sed 's/.*name="\([^"]*\)".*/\1/')
[ "$first" = failing-expect ] && pass || fail "folder: '$first' ran first"
# --db names one file: refused for several scenarios
"$SASEBED" run dir --db x.db --quiet 2>/dev/null
[ $? -eq 2 ] && pass || fail "--db with a folder accepted"
# a folder with no scenario is bad input, not a pass
mkdir empty
"$SASEBED" run empty --quiet 2>err
[ $? -eq 2 ] && grep -q 'no .yaml files' err && pass || fail "empty folder: $(cat err)"
finish
