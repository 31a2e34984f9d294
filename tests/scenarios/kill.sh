#!/bin/sh
# A run killed with SIGKILL at 20 moments keeps every batch committed
# before the kill: each file opens, passes integrity_check, holds every
# sample row a reader saw committed before the kill, whole ticks only (each
# tick has a row for every link, or none), and its run says 'running' (no
# process marked it) until the next report, which marks it 'interrupted'
# with reached_ns the last tick kept.
#
# The moments are drawn from a fixed seed: kill i waits until a reader
# sees K_i ticks committed (1 to 8), then reads J_i more times (0 to 3)
# before the kill, so the signal lands anywhere in the batch being written.
# Nothing depends on how fast the machine is: the waits are for what the
# file holds, and a year of simulated time cannot finish first.  Last, a
# report of a run still going marks nothing.
. "$(dirname "$0")/lib.sh"

f="$SRCDIR/tests/scenarios/good/long-run.yaml"
seed=12
q() { sqlite3 -batch -noheader -cmd ".timeout 5000" "$1" "$2"; }

i=1
while [ $i -le 20 ]; do
	db="$TMP/kill$i.db"
	rnd 8; want=$((r + 1))
	rnd 4; extra=$r
	"$SASEBED" run "$f" --db "$db" --quiet >"$TMP/out" 2>"$TMP/err" &
	kill_at $! "$db" "SELECT count(DISTINCT t_ns) || ' ' || count(*) || ' ' || ifnull(max(t_ns), -1) FROM flow_samples" $want $extra
	if [ "$rc" -ne 137 ]; then
		fail "kill $i: exit $rc, not killed ($(cat "$TMP/err"))"; i=$((i + 1)); continue
	fi
	if [ -z "$seen" ]; then
		fail "kill $i: never saw $want ticks committed"; i=$((i + 1)); continue
	fi
	set -- $seen
	ticks=$1 rows=$2 tmax=$3
	[ "$(q "$db" "PRAGMA integrity_check")" = ok ] && pass || fail "kill $i: integrity_check"
	kept=$(q "$db" "SELECT count(*) FROM flow_samples WHERE t_ns <= $tmax")
	[ "$kept" = "$rows" ] && pass || fail "kill $i: $rows sample rows committed up to t=$tmax before the kill, $kept after"
	half=$(q "$db" "SELECT count(*) FROM (SELECT t_ns FROM link_samples GROUP BY t_ns HAVING count(*) != (SELECT count(*) FROM links))")
	[ "$half" = 0 ] && pass || fail "kill $i: $half ticks written in part"
	[ "$(q "$db" "SELECT status FROM runs")" = running ] && pass || fail "kill $i: status $(q "$db" "SELECT status FROM runs"), expected running before a report"
	# the next report marks it; every fifth, to keep the test short
	if [ $((i % 5)) -eq 0 ]; then
		"$SASEBED" report "$db" --out "$TMP/report$i" >"$TMP/out" 2>"$TMP/err"
		rc=$?
		[ "$rc" -eq 0 ] && pass || fail "kill $i: report exit $rc: $(cat "$TMP/err")"
		grep -q "marked interrupted" "$TMP/err" && pass || fail "kill $i: report said nothing of the kill"
		[ "$(q "$db" "SELECT status FROM runs")" = interrupted ] && pass || fail "kill $i: not marked interrupted by the report"
		[ "$(q "$db" "SELECT reached_ns = (SELECT max(t_ns) FROM flow_samples) FROM runs")" = 1 ] && pass || fail "kill $i: reached_ns is not the last tick kept"
		"$SASEBED" report "$db" --out "$TMP/report$i" >"$TMP/out" 2>"$TMP/err"
		grep -q "marked interrupted" "$TMP/err" && fail "kill $i: marked twice" || pass
	fi
	rm -f "$db" "$db-wal" "$db-shm"
	i=$((i + 1))
done

# A run still being written is not taken for a killed one.
db="$TMP/live.db"
"$SASEBED" run "$f" --db "$db" --quiet >"$TMP/out" 2>"$TMP/err" &
pid=$!
polls=0
until [ "$(q "$db" "SELECT count(*) FROM flow_samples" 2>/dev/null)" -ge 1 ] 2>/dev/null || [ $polls -ge 3000 ]; do
	polls=$((polls + 1)); sleep 0.02
done
"$SASEBED" report "$db" --out "$TMP/live" >"$TMP/out" 2>"$TMP/err"
grep -q "marked interrupted" "$TMP/err" && fail "live run: marked interrupted while running" || pass
[ "$(q "$db" "SELECT status FROM runs")" = running ] && pass || fail "live run: status changed while running"
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
finish
