#!/bin/sh
# Every scenario users start from (scenarios/*.yaml) validates and runs as
# is, to completion, with every expectation holding (exit 0), and its
# report draws the topology and the charts (kept in CHECK_REPORTS for
# people to look at).
. "$(dirname "$0")/lib.sh"

for f in "$SRCDIR"/scenarios/*.yaml; do
	name=$(basename "$f" .yaml)
	if ! "$SASEBED" check "$f" >"$TMP/out" 2>&1; then
		fail "check $name: $(cat "$TMP/out")"; continue
	fi
	"$SASEBED" run "$f" --db "$TMP/$name.db" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "run $name: exit $rc: $(cat "$TMP/out")"; continue
	fi
	st=$(sql "$TMP/$name.db" "SELECT status FROM runs")
	[ "$st" = completed ] || { fail "$name: run status '$st'"; continue; }
	pass
	r="${CHECK_REPORTS:-$TMP}/scenarios/$name"
	if ! "$SASEBED" report "$TMP/$name.db" --out "$r" >"$TMP/out" 2>&1; then
		fail "report $name: $(cat "$TMP/out")"; continue
	fi
	for f in index.html topology.svg topology.png flow-latency.svg \
		flow-latency.png failover-timeline.png latency-cdf.png; do
		[ -s "$r/$f" ] || fail "report $name: no $f"
	done
	pass
done
finish
