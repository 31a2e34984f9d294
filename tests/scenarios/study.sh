#!/bin/sh
# sasebed study: the same study with -j 1, -j 2 and (when MPI was built)
# under mpirun -n 2 writes the same rows; a study killed midway
# (SIGKILL, then SIGTERM) and started again ends with exactly the rows of
# one never stopped, and so does one killed at 8 seeded moments, each kill
# losing no merged run; bad study files are refused at their line and
# column; the report and the saturation point are there.
. "$(dirname "$0")/lib.sh"

S="$SRCDIR/tests/studies"
# the rows that do not depend on the wall clock, in key order
ROWS="SELECT run_id, point, rep, seed, status, exit_status, reached_ns, events FROM runs ORDER BY run_id;
SELECT * FROM results ORDER BY run_id, metric;
SELECT * FROM metrics ORDER BY run_id, scope, subject, metric;
SELECT * FROM expectations ORDER BY run_id, idx;
SELECT * FROM link_peaks ORDER BY run_id, link;
SELECT * FROM summary ORDER BY point, metric;
SELECT * FROM link_summary ORDER BY point, link;
SELECT * FROM point_checks ORDER BY point, expectation;
SELECT * FROM saturation ORDER BY param, expectation, context;"
rows() { sqlite3 -batch "$1" "$ROWS"; }

# -j 1 and -j 2
"$SASEBED" study "$S/tiny.yaml" -j 1 --out "$TMP/j1" >"$TMP/out1" 2>"$TMP/err" ||
	fail "study -j 1: exit $?: $(cat "$TMP/err")"
"$SASEBED" study "$S/tiny.yaml" -j 2 --out "$TMP/j2" --quiet >"$TMP/out2" 2>"$TMP/err" ||
	fail "study -j 2: exit $?: $(cat "$TMP/err")"
rows "$TMP/j1/tiny.db" >"$TMP/rows1"
rows "$TMP/j2/tiny.db" >"$TMP/rows2"
n=$(sql "$TMP/j1/tiny.db" "SELECT count(*) FROM runs WHERE status = 'completed'")
[ "$n" = 6 ] && pass || fail "-j 1: $n completed runs, expected 6"
cmp -s "$TMP/rows1" "$TMP/rows2" && pass || fail "-j 1 and -j 2 differ: $(diff "$TMP/rows1" "$TMP/rows2" | head -5)"
[ -s "$TMP/out2" ] && fail "--quiet printed: $(cat "$TMP/out2")" || pass
# distinct seeds per repetition, the same at every point
s=$(sql "$TMP/j1/tiny.db" "SELECT count(DISTINCT seed) || '/' || count(DISTINCT point || '-' || seed) FROM runs")
[ "$s" = "2/6" ] && pass || fail "seeds: $s, expected 2 distinct, 6 point-seed pairs"
# the parameter is a column of the views, GROUP BY answers directly
v=$(sql "$TMP/j1/tiny.db" "SELECT group_concat(shops || ':' || n, ' ') FROM (SELECT shops, count(*) AS n FROM v_results WHERE metric = 'mos' GROUP BY shops ORDER BY shops)")
[ "$v" = "2:2 4:2 8:2" ] && pass || fail "v_results by shops: '$v'"
# the inspection saturates at 8 shops: mean MOS under 4, named as such
v=$(sql "$TMP/j1/tiny.db" "SELECT value FROM saturation WHERE param = 'shops'")
[ "$v" = 8 ] && pass || fail "saturation point: '$v', expected 8"
grep -q "saturation: shops where mos at-least 4 first fails: 8" "$TMP/out1" && pass ||
	fail "no saturation line in: $(cat "$TMP/out1")"
v=$(sql "$TMP/j1/tiny.db" "SELECT round(max(mean), 2) FROM v_link_summary WHERE link = 'inspection:sgp' AND shops = 8")
within 0.8 1.0 "$v" && pass || fail "inspection peak utilisation at 8 shops: '$v'"
for f in index.html mos-by-shops.svg mos-by-shops.png latency-p95-by-shops.svg utilisation-by-shops.svg; do
	[ -s "$TMP/j1/$f" ] && pass || fail "report: no $f"
done
grep -q "first fails at" "$TMP/j1/index.html" && grep -q "data:image/svg+xml;base64" "$TMP/j1/index.html" &&
	pass || fail "report page lacks the saturation table or its charts"

# killed after 2 runs are merged (read from the results file), then
# stopped with SIGTERM after 4, then finished: the rows of a study never
# stopped.  A one-value parameter makes each run long enough to catch.
sed 's/^parameters:/parameters:\n  - {name: length, path: duration, values: [1m]}/; s/^scenario: /scenario: '"$(echo "$S" | sed 's/[\/&]/\\&/g')"'\//' \
	"$S/tiny.yaml" >"$TMP/long.yaml"
"$SASEBED" study "$TMP/long.yaml" -j 2 --out "$TMP/full" --no-report -q 2>"$TMP/err" ||
	fail "long study: exit $?: $(cat "$TMP/err")"
stop_after() {  # SIGNAL K: start the study, signal it once K runs are in
	"$SASEBED" study "$TMP/long.yaml" -j 1 --out "$TMP/cut" --no-report -q 2>>"$TMP/cut.err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		k=$(sql "$TMP/cut/tiny.db" "SELECT count(*) FROM runs" 2>/dev/null)
		[ "${k:-0}" -ge "$2" ] && { kill "-$1" "$pid"; break; }
	done
	wait "$pid"
	echo $?
}
rc=$(stop_after KILL 2)
[ "$rc" = 137 ] && pass || fail "SIGKILL: study exit $rc (finished before the kill?)"
k=$(sql "$TMP/cut/tiny.db" "SELECT count(*) FROM runs")
[ "$k" -ge 2 ] && [ "$k" -lt 6 ] && pass || fail "after SIGKILL: $k runs, expected 2 to 5"
rc=$(stop_after TERM 4)
[ "$rc" = 143 ] && pass || fail "SIGTERM: study exit $rc"
grep -q "carries on" "$TMP/cut.err" && pass || fail "no word of resuming: $(cat "$TMP/cut.err")"
"$SASEBED" study "$TMP/long.yaml" -j 2 --out "$TMP/cut" --no-report >"$TMP/out" 2>"$TMP/err" ||
	fail "resumed study: exit $?: $(cat "$TMP/err")"
grep -q "6 runs, [1-4] to run" "$TMP/out" && pass || fail "the resumed study ran again what was done: $(head -1 "$TMP/out")"
rows "$TMP/full/tiny.db" >"$TMP/rows-full"
rows "$TMP/cut/tiny.db" >"$TMP/rows-cut"
cmp -s "$TMP/rows-full" "$TMP/rows-cut" && pass ||
	fail "resumed study differs: $(diff "$TMP/rows-full" "$TMP/rows-cut" | head -5)"
# run again, complete: nothing to run, the same rows
"$SASEBED" study "$TMP/long.yaml" --out "$TMP/cut" --no-report >"$TMP/out" 2>&1
grep -q "6 runs, 0 to run" "$TMP/out" && pass || fail "a finished study ran again: $(head -1 "$TMP/out")"

# Killed again and again: a study of 12 runs (-j 2) gets SIGKILL at 8
# moments drawn from a fixed seed (fewer if 10 runs are merged first),
# and is started again after each.  Kill i waits until the results file
# holds K_i merged runs (what it held at the start and 0 to 2 more, at
# most 9, so that runs are still to go) and a reader has read it J_i
# more times (0 to 3), so that the signal lands anywhere: as the study
# starts, before its first run is merged, while runs go, while one is
# merged.  After each kill the file passes integrity_check and holds
# every run the reader saw, a prefix of the plan, each with the rows of
# a study never stopped; each start runs only what is not merged; the
# last one ends with the rows of a study never stopped.  The waits are
# for what the file holds, not for the clock.
sed 's/^repetitions: 2/repetitions: 4/; s/^parameters:/parameters:\n  - {name: length, path: duration, values: [2m]}/; s/^scenario: /scenario: '"$(echo "$S" | sed 's/[\/&]/\\&/g')"'\//' \
	"$S/tiny.yaml" >"$TMP/kills.yaml"
"$SASEBED" study "$TMP/kills.yaml" -j 2 --out "$TMP/kfull" --no-report -q 2>"$TMP/err" ||
	fail "12-run study: exit $?: $(cat "$TMP/err")"
# the merged runs' own rows, those before run $2 only
runrows() {
	sqlite3 -batch "$1" "SELECT run_id, point, rep, seed, status, exit_status, reached_ns, events FROM runs WHERE run_id < $2 ORDER BY run_id;
SELECT * FROM results WHERE run_id < $2 ORDER BY run_id, metric;
SELECT * FROM metrics WHERE run_id < $2 ORDER BY run_id, scope, subject, metric;
SELECT * FROM expectations WHERE run_id < $2 ORDER BY run_id, idx;
SELECT * FROM link_peaks WHERE run_id < $2 ORDER BY run_id, link;"
}
rq() { sqlite3 -batch -readonly -noheader -cmd ".timeout 5000" "$1" "$2" 2>/dev/null; }
db="$TMP/kcut/tiny.db"
seed=7
have=0 kills=0
while [ $kills -lt 8 ] && [ $have -le 9 ]; do
	rnd 3; want=$((have + r))
	[ $want -le 9 ] || want=9
	rnd 4; extra=$r
	"$SASEBED" study "$TMP/kills.yaml" -j 2 --out "$TMP/kcut" --no-report >"$TMP/kout" 2>>"$TMP/kerr" &
	kill_at $! "$db" "SELECT count(*) FROM runs" $want $extra
	kills=$((kills + 1))
	[ "$rc" = 137 ] || { fail "kill $kills (at $want runs, +$extra reads): exit $rc, not killed: $(cat "$TMP/kerr")"; break; }
	# (killed as it started, it may have said nothing yet)
	[ ! -s "$TMP/kout" ] || grep -q "12 runs, $((12 - have)) to run" "$TMP/kout" && pass ||
		fail "kill $kills: the start after $have merged runs said: $(head -1 "$TMP/kout")"
	[ -n "$seen" ] || { fail "kill $kills: never saw $want runs merged"; break; }
	[ "$(rq "$db" "PRAGMA integrity_check")" = ok ] && pass || fail "kill $kills: integrity_check"
	k=$(rq "$db" "SELECT count(*) || ' ' || ifnull(max(run_id) + 1, 0) FROM runs")
	[ "${k% *}" = "${k#* }" ] && pass || fail "kill $kills: the merged runs are not a prefix of the plan: count, max + 1: $k"
	k=${k% *}
	[ "$k" -ge "$seen" ] && pass || fail "kill $kills: $seen runs merged before the kill, $k after"
	runrows "$TMP/kfull/tiny.db" "$k" >"$TMP/krows-full"
	runrows "$db" 1000000 >"$TMP/krows-cut"
	cmp -s "$TMP/krows-full" "$TMP/krows-cut" && pass ||
		fail "kill $kills: the $k runs kept differ from a study never stopped: $(diff "$TMP/krows-full" "$TMP/krows-cut" | head -5)"
	echo "kill $kills: once $want runs were merged and $extra reads more; $k merged"
	have=$k
done
[ $kills -ge 3 ] && pass || fail "only $kills kills"
"$SASEBED" study "$TMP/kills.yaml" -j 2 --out "$TMP/kcut" --no-report >"$TMP/kout" 2>"$TMP/err" ||
	fail "study resumed after $kills kills: exit $?: $(cat "$TMP/err")"
grep -q "12 runs, $((12 - have)) to run" "$TMP/kout" && pass ||
	fail "the last start after $have merged runs said: $(head -1 "$TMP/kout")"
rows "$TMP/kfull/tiny.db" >"$TMP/rows-full"
rows "$db" >"$TMP/rows-cut"
cmp -s "$TMP/rows-full" "$TMP/rows-cut" && pass ||
	fail "study resumed after $kills kills differs: $(diff "$TMP/rows-full" "$TMP/rows-cut" | head -5)"

# under mpirun -n 2: the rows of -j 1
if [ "$HAVE_MPI" = yes ] && [ -n "$MPIRUN" ]; then
	# Open MPI's plugins keep memory LeakSanitizer cannot name (no
	# frames of ours); the same code is leak-checked without MPI above
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	OMPI_MCA_btl=self,tcp OMPI_MCA_rmaps_base_oversubscribe=1 \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    "$MPIRUN" -n 2 "$SASEBED" study "$S/tiny.yaml" --out "$TMP/mpi" --no-report -q >"$TMP/out" 2>&1 ||
		fail "mpirun -n 2: exit $?: $(tail -5 "$TMP/out")"
	rows "$TMP/mpi/tiny.db" >"$TMP/rows-mpi"
	cmp -s "$TMP/rows1" "$TMP/rows-mpi" && pass ||
		fail "mpirun -n 2 and -j 1 differ: $(diff "$TMP/rows1" "$TMP/rows-mpi" | head -5)"
	[ -s "$TMP/mpi/ranks/rank-1.db" ] && pass || fail "rank 1 wrote no file of its own"
else
	echo "MPI not built or mpirun not found: the mpirun -n 2 study is skipped"
fi

# bad study files: exit 2, the study file's place and what is wrong
bad() {  # NAME LOC WORDS, the study text on stdin
	cat >"$TMP/$1.yaml"
	"$SASEBED" study "$TMP/$1.yaml" --out "$TMP/bad-$1" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" = 2 ] || { fail "$1: exit $rc, expected 2"; return; }
	grep -qF "$TMP/$1.yaml:$2: " "$TMP/err" || { fail "$1: no '$2' in: $(cat "$TMP/err")"; return; }
	grep -qF -- "$3" "$TMP/err" || { fail "$1: no '$3' in: $(cat "$TMP/err")"; return; }
	[ -e "$TMP/bad-$1/tiny.db" ] && { fail "$1: a results file was made"; return; }
	pass
}
base="scenario: $S/tiny-base.yaml"
bad path-key 4:21 "the scenario has no 'cont' in 'sites[name=shop]'" <<STUDY
study: x
$base
parameters:
  - {name: n, path: "sites[name=shop].cont", values: [1]}
metrics: [{metric: mos}]
STUDY
bad path-select 4:21 "no item of 'sites' has name: shops" <<STUDY
study: x
$base
parameters:
  - {name: n, path: "sites[name=shops].count", values: [1]}
metrics: [{metric: mos}]
STUDY
bad path-index 4:21 "[7]: not an index" <<STUDY
study: x
$base
parameters:
  - {name: n, path: "sites[7].count", values: [1]}
metrics: [{metric: mos}]
STUDY
bad value-refused 4:21 "site count must be at least 1" <<STUDY
study: x
$base
parameters:
  - {name: n, path: "sites[name=shop].count", values: [2, 0]}
metrics: [{metric: mos}]
STUDY
bad unknown-key 3:1 "unknown key 'repetition'" <<STUDY
study: x
$base
repetition: 3
metrics: [{metric: mos}]
STUDY
bad range-step 4:45 "step above 0" <<STUDY
study: x
$base
parameters:
  - {path: "sites[name=shop].count", range: {from: 1, to: 5, step: 0}}
metrics: [{metric: mos}]
STUDY
bad expect-metric 5:14 "no metric named 'moss'" <<STUDY
study: x
$base
metrics: [{metric: mos}]
expect:
  - {metric: moss, above: 4}
STUDY
bad no-scenario 2:11 "cannot open" <<STUDY
study: x
scenario: nowhere.yaml
metrics: [{metric: mos}]
STUDY
# the study users start from: its base scenario is valid
"$SASEBED" check "$SRCDIR/scenarios/studies/pop-capacity-base.yaml" >/dev/null 2>"$TMP/err" && pass ||
	fail "pop-capacity-base.yaml: $(cat "$TMP/err")"
# a results file of another study is not overwritten
"$SASEBED" study "$S/tiny.yaml" --out "$TMP/other" --db "$TMP/j1/tiny.db" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 0 ] && pass || fail "same study, its own results file: exit $rc: $(cat "$TMP/err")"
"$SASEBED" study "$TMP/long.yaml" --db "$TMP/j1/tiny.db" --out "$TMP/other" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 2 ] && grep -q "another study" "$TMP/err" && pass || fail "another study's results file: exit $rc: $(cat "$TMP/err")"
finish
