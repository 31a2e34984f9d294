#!/bin/sh
# Same scenario and seed, same results, row for row; another seed, other
# results.  Everything is compared but the wall-clock columns of runs.
. "$(dirname "$0")/lib.sh"

f="$SRCDIR/scenarios/mumbai-us-peak.yaml"
dump() {
	for t in nodes links flows flow_samples link_samples events metrics expectations; do
		echo "== $t"
		sqlite3 -batch "$1" "SELECT * FROM $t ORDER BY 1, 2, 3, 4"
	done
	sqlite3 -batch "$1" "SELECT scenario, seed, version, status, duration_ns, reached_ns, events FROM runs"
}
for i in 1 2; do
	"$SASEBED" run "$f" --quiet --db "$TMP/$i.db" || fail "run $i"
	dump "$TMP/$i.db" >"$TMP/$i.txt"
done
"$SASEBED" run "$f" --seed 7 --quiet --db "$TMP/3.db" || fail "run 3"
dump "$TMP/3.db" >"$TMP/3.txt"

rows=$(wc -l <"$TMP/1.txt")
[ "$rows" -gt 1000 ] && pass || fail "only $rows rows to compare"
cmp -s "$TMP/1.txt" "$TMP/2.txt" && pass || fail "same seed, different results: $(diff "$TMP/1.txt" "$TMP/2.txt" | head -5)"
cmp -s "$TMP/1.txt" "$TMP/3.txt" && fail "seed 7 gave the same results as seed 42" || pass
finish
