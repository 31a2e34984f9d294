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

# Certificates and captures: signatures and hello randoms must not carry
# the wall clock into the results or onto the wire (sim/sealed_clock.c).
f="$SRCDIR/scenarios/tunnel-auth.yaml"
for i in 4 5; do
	"$SASEBED" run "$f" --quiet --until 1m --db "$TMP/$i.db" --pcap "$TMP/pcap$i" || fail "run $i"
	dump "$TMP/$i.db" >"$TMP/$i.txt"
done
# every hello random opens with the sealed instant, 2026-01-01T00:00:00Z,
# not the time of the run
grep -v '^CLIENT_RANDOM 6955b900' "$TMP/pcap4/keys.log" && fail "a hello random carries the wall clock" || pass
cmp -s "$TMP/4.txt" "$TMP/5.txt" && pass || fail "certificates: same seed, different results: $(diff "$TMP/4.txt" "$TMP/5.txt" | head -5)"
for p in "$TMP"/pcap4/*; do
	cmp -s "$p" "$TMP/pcap5/${p##*/}" && pass || fail "${p##*/} differs between two runs"
done
finish
