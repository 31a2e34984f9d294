#!/bin/sh
# Baselines: the same scenario and seed compare as unchanged; doubling the
# keepalive interval doubles the failover time, which compare reports first
# and fails on; tolerances move the line; folders pair runs by name; a run
# records itself as the baseline and is later held against it.
. "$(dirname "$0")/lib.sh"

sc="$SRCDIR/tests/scenarios/good/failover-short.yaml"
cd "$TMP" || exit 99
sed 's/^pops:/tunnels: {keepalive: 6s}\npops:/' "$sc" >slow.yaml

"$SASEBED" run "$sc" --quiet --db a.db && "$SASEBED" run "$sc" --quiet --db b.db \
	|| fail "the scenario does not pass"
"$SASEBED" run slow.yaml --quiet --db slow.db
[ $? -eq 1 ] && pass || fail "the slow failover passed its 12 s bound"

"$SASEBED" compare a.db b.db >out
rc=$?
[ "$rc" -eq 0 ] && pass || fail "same seed: exit $rc"
grep -q '^  0 regressions, 0 better, 0 changed, [1-9][0-9]* within tolerance$' out \
	&& pass || fail "same seed: $(tail -1 out)"

"$SASEBED" compare a.db slow.db >out
rc=$?
[ "$rc" -eq 1 ] && pass || fail "doubled keepalive: exit $rc"
# the first row is the failover time, 9 s become 18 s
row=$(sed -n 3p out)
case "$row" in
*"flow voice failover-time"*9.0*s*18.0*s*REGRESSION) pass ;;
*) fail "first row: '$row'" ;;
esac
grep -q 'expect 41:5 flow voice failover-time below 12s  *pass  *fail.*REGRESSION' out \
	&& pass || fail "the expectation's outcome: $(grep expect out)"

# a tolerance wide enough lets the failover time through
"$SASEBED" compare --abs failover-time=10s a.db slow.db >out
grep -q '^  flow voice failover-time.*REGRESSION' out && fail "--abs 10s ignored" || pass
"$SASEBED" compare --rel failover-time=150% a.db slow.db >out
grep -q '^  flow voice failover-time.*REGRESSION' out && fail "--rel 150% ignored" || pass
"$SASEBED" compare --abs failover-time=1% a.db b.db 2>err
[ $? -eq 2 ] && grep -q "failover-time=1%" err && pass || fail "a fraction for a time: $(cat err)"
"$SASEBED" compare --abs keepalives-sent=3 a.db b.db 2>err
[ $? -eq 2 ] && grep -q "no tolerance for metric 'keepalives-sent'" err \
	&& pass || fail "tolerance on a count: $(cat err)"

# bad input is exit 2, with the reason
"$SASEBED" compare a.db nowhere.db 2>err
[ $? -eq 2 ] && grep -q 'nowhere.db' err && pass || fail "missing file: $(cat err)"
"$SASEBED" compare a.db . 2>err
[ $? -eq 2 ] && grep -q 'not one of each' err && pass || fail "file and folder: $(cat err)"
echo "not sqlite" >junk.db
"$SASEBED" compare a.db junk.db 2>err
[ $? -eq 2 ] && grep -q 'not two results files' err && pass || fail "junk: $(cat err)"

# folders, paired by file name; a run missing from the new folder fails
mkdir base new
cp a.db base/x.db && cp slow.db base/y.db && cp b.db new/x.db && cp b.db new/z.db
"$SASEBED" compare base new >out
[ $? -eq 1 ] && pass || fail "folders: exit"
grep -q 'base/y.db: missing from new: REGRESSION' out && pass || fail "missing run"
grep -q 'new/z.db: not in the baseline' out && pass || fail "extra run"
cp slow.db new/y.db
"$SASEBED" compare new base >out
[ $? -eq 0 ] && fail "folders: extra run in base passes" || pass

# a run records itself as the baseline, and later runs are held against it
"$SASEBED" run "$sc" --quiet --out r --baseline bl 2>err
[ $? -eq 2 ] && grep -q 'no baseline' err && pass || fail "no baseline yet: $(cat err)"
"$SASEBED" run "$sc" --quiet --out r --save-baseline bl >/dev/null \
	&& [ -f bl/failover-short-seed11.db ] && pass || fail "--save-baseline"
"$SASEBED" run "$sc" --quiet --out r --baseline bl >out
[ $? -eq 0 ] && grep -q '0 regressions' out && pass || fail "against itself: $(cat out)"
"$SASEBED" run slow.yaml --quiet --out r --baseline bl --abs failover-time=10s >out
rc=$?
[ "$rc" -eq 1 ] && pass || fail "slow against the baseline: exit $rc"
grep -q '^  flow voice failover-time.*REGRESSION' out && fail "--abs on run ignored" || pass
finish
