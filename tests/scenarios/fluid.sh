#!/bin/sh
# Fluid background load on links (docs/fluid.md), through the whole
# simulator: the same small flow from three sites of one city, one with a
# quiet uplink, one with 90% of it taken by background, one whose uplink
# is overloaded by background in a 50 kB buffer.
. "$(dirname "$0")/lib.sh"
G="$SRCDIR/tests/scenarios/good"

db="$TMP/bg.db"
"$SASEBED" run "$G/background.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "background: exit $? ($(tail -3 "$TMP/out"))"

# the loaded flow waits what an M/G/1 queue at the uplink's utilisation
# (background and foreground together, as sampled) makes 1000-byte
# background packets wait: lambda E[S^2] / (2 (1 - rho)) with S 0.8 ms
clean=$(metric "$db" flow clean latency-mean)
loaded=$(metric "$db" flow loaded latency-mean)
rho=$(sql "$db" "SELECT avg(utilisation) FROM v_link_samples WHERE link = 'busy/wan1:up'")
pk=$(awk "BEGIN { print 0.9 * 0.8e6 / (2 * (1 - $rho)) }")
lo=$(awk "BEGIN { print $clean + 0.85 * $pk }")
hi=$(awk "BEGIN { print $clean + 1.15 * $pk }")
within "$lo" "$hi" "$loaded" && pass ||
	fail "background: loaded latency $loaded ns, quiet $clean ns, M/D/1 adds $pk ns at rho $rho"

# the link's utilisation counts the background's share: 0.9 up, and the
# varying rate down: 3 Mbit/s until 2m, 6 Mbit/s from 4m
within 0.90 0.93 "$rho" && pass || fail "background: busy uplink utilisation $rho"
u=$(sql "$db" "SELECT avg(utilisation) FROM v_link_samples WHERE link = 'busy/wan1:down' AND t_ns <= 120000000000")
within 0.30 0.31 "$u" && pass || fail "background: busy downlink utilisation before 2m $u, not 0.3"
u=$(sql "$db" "SELECT avg(utilisation) FROM v_link_samples WHERE link = 'busy/wan1:down' AND t_ns > 241000000000")
within 0.60 0.61 "$u" && pass || fail "background: busy downlink utilisation after 4m $u, not 0.6"

# overload in a finite buffer: the drowned flow loses packets at the
# uplink's queue and waits nearly the whole buffer (50 kB: 40 ms)
l=$(metric "$db" flow drowned loss)
within 0.001 0.2 "$l" && pass || fail "background: overloaded flow loss $l"
d=$(sql "$db" "SELECT sum(drops_queue) FROM v_link_samples WHERE link = 'full/wan1:up'")
[ "$d" -gt 0 ] && pass || fail "background: no queue drops on the overloaded uplink"
w=$(metric "$db" flow drowned latency-mean)
within 30e6 42e6 "$w" && pass || fail "background: overloaded flow latency $w ns"

# the quiet flow saw none of it
[ "$(sql "$db" "SELECT sum(drops_queue) FROM v_link_samples WHERE link LIKE 'quiet/%'")" = 0 ] &&
	pass || fail "background: the quiet site's link dropped packets"

# same seed, same numbers: the background's draws are deterministic
"$SASEBED" run "$G/background.yaml" --db "$TMP/bg2.db" >"$TMP/out" 2>&1
a=$(sql "$db" "SELECT group_concat(value) FROM (SELECT value FROM metrics ORDER BY scope, subject, metric)")
b=$(sql "$TMP/bg2.db" "SELECT group_concat(value) FROM (SELECT value FROM metrics ORDER BY scope, subject, metric)")
[ -n "$a" ] && [ "$a" = "$b" ] && pass || fail "background: two runs of one seed differ"
finish
