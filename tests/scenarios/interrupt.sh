#!/bin/sh
# A run stopped by SIGINT or SIGTERM keeps what it had: the file opens,
# passes integrity_check, holds the samples up to the stop, and the run is
# marked interrupted; the exit status is 128 + the signal.
. "$(dirname "$0")/lib.sh"

f="$SRCDIR/tests/scenarios/good/long-run.yaml"
for pair in INT:2 TERM:15; do
	sig=${pair%:*}; num=${pair#*:}
	db="$TMP/$sig.db"
	"$SASEBED" run "$f" --db "$db" --quiet >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	# wait (bounded) for the run to have committed a few batches: a
	# condition, not a guess at how long it takes
	i=0
	while [ $i -lt 600 ]; do
		n=$(sql "$db" "SELECT count(*) FROM flow_samples" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge 3 ] && break
		i=$((i + 1)); sleep 0.1
	done
	kill -$sig $pid
	wait $pid
	rc=$?
	want=$((128 + num))
	[ "$rc" -eq "$want" ] && pass || fail "SIG$sig: exit $rc, expected $want"
	[ "$(sql "$db" "PRAGMA integrity_check")" = ok ] && pass || fail "SIG$sig: integrity_check"
	[ "$(sql "$db" "SELECT status FROM runs")" = interrupted ] && pass || fail "SIG$sig: not marked interrupted"
	n=$(sql "$db" "SELECT count(*) FROM flow_samples")
	[ "$n" -ge 3 ] && pass || fail "SIG$sig: only $n samples kept"
	reached=$(sql "$db" "SELECT reached_ns FROM runs")
	last=$(sql "$db" "SELECT max(t_ns) FROM flow_samples")
	[ "$last" -le "$reached" ] && pass || fail "SIG$sig: samples after the stop"
	grep -q interrupted "$TMP/err" && pass || fail "SIG$sig: no message"
done
finish
