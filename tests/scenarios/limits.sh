#!/bin/sh
# Scenarios bigger than the memory a run may use are refused before the
# run, with exit 2, the estimate and the place that costs the most, and no
# results file; ones that fit are not; and the estimate is an upper bound
# of what a run really takes.  SASEBED_MEMORY stands for the machine's
# memory, so the answers do not depend on the machine.
# (tests/scenarios/bad/80-terabit-queue.yaml is the queue-and-rate case.)
. "$(dirname "$0")/lib.sh"

sites() {
	echo "name: many"
	echo "duration: 1h"
	echo "pops:"
	echo "  - {name: fra, city: frankfurt}"
	echo "sites:"
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "  - {name: s%d, city: frankfurt, links: [{name: wan1, bandwidth: 10Mbps}]}\n", i }'
}

# 20,000 sites do not fit in 4 GB: the sites are named, at the first one
sites 20000 >"$TMP/many.yaml"
for cmd in check run; do
	rm -f "$TMP/out.db"
	if [ $cmd = run ]; then set -- --db "$TMP/out.db"; else set --; fi
	SASEBED_MEMORY=4GB "$SASEBED" $cmd "$TMP/many.yaml" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && pass || fail "$cmd 20000 sites: exit $rc, expected 2"
	grep -qF "$TMP/many.yaml:6:5: the run would need about" "$TMP/err" && pass || fail "$cmd 20000 sites: $(cat "$TMP/err")"
	grep -qF "the most is for 20000 sites" "$TMP/err" && pass || fail "$cmd 20000 sites: costliest not named: $(cat "$TMP/err")"
	[ ! -e "$TMP/out.db" ] && pass || fail "$cmd 20000 sites: a results file was written"
done

# a million sites: refused too, whatever the machine (the file alone is
# past what a scenario may be)
sites 1000000 >"$TMP/million.yaml"
rm -f "$TMP/out.db"
"$SASEBED" run "$TMP/million.yaml" --db "$TMP/out.db" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && pass || fail "a million sites: exit $rc, expected 2: $(cat "$TMP/err")"
[ ! -e "$TMP/out.db" ] && pass || fail "a million sites: a results file was written"
rm -f "$TMP/million.yaml"

# 200 sites fit in 4 GB
sites 200 >"$TMP/some.yaml"
SASEBED_MEMORY=4GB "$SASEBED" check "$TMP/some.yaml" >"$TMP/out" 2>"$TMP/err" && pass || fail "200 sites refused: $(cat "$TMP/err")"

# a budget that is not a size is bad input, named
SASEBED_MEMORY=lots "$SASEBED" check "$SRCDIR/tests/scenarios/good/long-run.yaml" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 2 ] && pass || fail "SASEBED_MEMORY=lots: exit $rc, expected 2"
grep -q "SASEBED_MEMORY" "$TMP/err" && pass || fail "SASEBED_MEMORY=lots: $(cat "$TMP/err")"

# The estimate (read from a refusal with a budget of one byte) is above
# the peak resident size of a real run, where GNU time can measure it and
# the build is not under AddressSanitizer (whose shadow memory is its own).
if [ -x /usr/bin/time ] && ! grep -q __asan_init "$SASEBED"; then
	sites 100 >"$TMP/hundred.yaml"
	for f in "$TMP/hundred.yaml" "$SRCDIR/tests/scenarios/good/web.yaml" \
	    "$SRCDIR/tests/scenarios/good/offcloud-pair.yaml"; do
		SASEBED_MEMORY=1B "$SASEBED" check "$f" >/dev/null 2>"$TMP/err"
		est=$(sed -n 's/.*would need about \([0-9.]*\) \([KMG]B\).*/\1 \2/p' "$TMP/err")
		est_kb=$(echo "$est" | awk '{ m = $2 == "KB" ? 1 : $2 == "MB" ? 1000 : 1000000; printf "%d", $1 * m * 1000 / 1024 }')
		sed -i 's/^duration: 1h$/duration: 10s/' "$TMP/hundred.yaml"
		/usr/bin/time -f %M -o "$TMP/rss" "$SASEBED" run "$f" --db "$TMP/m.db" --quiet >/dev/null 2>&1
		rss=$(tail -n 1 "$TMP/rss")
		[ -n "$est_kb" ] && [ "$rss" -le "$est_kb" ] && pass || fail "$(basename "$f"): peak ${rss} KB above the estimate ${est} ($est_kb KB)"
	done
fi
finish
