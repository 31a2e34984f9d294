#!/bin/sh
# Cloud regions (scenarios/cloud-interconnect.yaml): a VPC attached to two
# PoPs over dedicated links.  Before the cut the branches reach it by the
# primary interconnect; when it fails the Frankfurt PoP withdraws the
# region's prefixes in the same instant (link state) and the traffic
# moves to the second interconnect within the backbone's convergence:
# the advert hold, the backbone delay from Frankfurt to the branch's PoP
# and one packet gap, each read from the scenario, its results or the
# PoP agent's source, none written here; when the interconnect returns
# the traffic returns to it.  Then the same region with its primary PoP
# restarting instead: the PoP holds the prefixes again once it is back.
. "$(dirname "$0")/lib.sh"
f="$SRCDIR/scenarios/cloud-interconnect.yaml"
db="$TMP/cloud.db"

"$SASEBED" run "$f" --db "$db" >"$TMP/out" 2>&1 ||
	fail "cloud-interconnect: exit $? ($(tail -3 "$TMP/out"))"

# the cut and the return of the primary (seconds), the flow's packet gap
secs() { sed -n "$1" "$f" | head -1 | sed 's/s$//'; }
cut=$(secs 's/.*at: \([0-9]*s\), link: aws-eu-central-1\/dx-fra, action: down.*/\1/p')
back=$(secs 's/.*at: \([0-9]*s\), link: aws-eu-central-1\/dx-fra, action: up.*/\1/p')
gap=$(sed -n 's/.*name: erp-paris,.*rate: \([0-9]*\)Mbps, packet-size: \([0-9]*\)B.*/\2 \1/p' "$f" |
	awk '{ print $1 * 8 / ($2 * 1e6) * 1e9 }')
# how long a PoP holds news of its own before it advertises it
hold=$(sed -n 's/^#define ORIGINATE_HOLD (\([0-9]*\) \* SB_MS).*/\1/p' "$SRCDIR/wan/pop.c")
bb=$(sql "$db" "SELECT delay_ns FROM links WHERE name = 'backbone:fra>par'")
if [ -n "$cut" ] && [ -n "$back" ] && [ -n "$gap" ] && [ -n "$hold" ] &&
    [ -n "$bb" ]; then pass; else
	fail "could not read cut '$cut', back '$back', gap '$gap', hold '$hold', delay '$bb'"
fi
T=$(awk "BEGIN { printf \"%.0f\", $cut * 1e9 }")
B=$(awk "BEGIN { printf \"%.0f\", $back * 1e9 }")
# the convergence bound: Frankfurt's advert leaves within the hold,
# crosses to Paris, and the flow's next packet takes the new route
C=$(awk "BEGIN { print $hold * 1e6 + $bb + $gap }")

route_at() { # FLOW FROM TO: the first route of FLOW in [FROM, TO)
	sql "$db" "SELECT detail FROM events WHERE kind = 'route' AND subject = '$1' AND t_ns >= $2 AND t_ns < $3 ORDER BY t_ns LIMIT 1"
}
route_t() { # FLOW FROM LIKE: when FLOW first took a route LIKE after FROM
	sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'route' AND subject = '$1' AND t_ns >= $2 AND detail LIKE '$3'"
}

# before: Paris by the backbone to Frankfurt and the primary; the region
# out by the primary too; a region is on no tunnel of its own
r=$(route_at erp-paris 0 "$T")
[ "$r" = "tunnel:paris-branch/wan1>par > backbone:par>fra > aws-eu-central-1/dx-fra:down" ] &&
	pass || fail "erp-paris before the cut: '$r'"
r=$(route_at sync-paris 0 "$T")
[ "$r" = "aws-eu-central-1/dx-fra:up > backbone:fra>par > tunnel:paris-branch/wan1>par" ] &&
	pass || fail "sync-paris before the cut: '$r'"
k=$(sql "$db" "SELECT kind FROM nodes WHERE name = 'aws-eu-central-1'")
ki=$(sql "$db" "SELECT group_concat(DISTINCT kind) FROM links WHERE name LIKE 'aws-eu-central-1/%'")
[ "$k" = cloud-region ] && [ "$ki" = interconnect ] && pass ||
	fail "the region is a '$k' node with '$ki' links"

# the cut: Frankfurt withdrew the prefixes at once (link state)
w=$(sql "$db" "SELECT t_ns FROM events WHERE kind = 'interconnect-down' AND node = 'fra' AND subject = 'aws-eu-central-1/dx-fra'")
[ "$w" = "$T" ] && pass || fail "fra withdrew at '$w' ns, cut at $T"

# the traffic moved to the second interconnect within the bound
m=$(route_t erp-paris "$T" '%backbone:par>ams > aws-eu-central-1/dx-ams:down')
within "$T" "$(awk "BEGIN { print $T + $C }")" "$m" && pass ||
	fail "erp-paris moved to dx-ams at '$m' ns (cut $T, bound $C)"
fo=$(metric "$db" flow erp-paris failover-time)
within 0 "$C" "$fo" && pass || fail "erp-paris outage $fo ns, bound $C"
# each PoP forwards by its own table: at the cut Paris (not told yet)
# sends to Frankfurt, Frankfurt to Amsterdam, and Amsterdam (not told
# yet either, and preferring the primary) back to Frankfurt: a loop
# while the views disagree, so the packet of that moment has no route;
# after the bound none is without one
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'no-route' AND subject = 'erp-paris' AND t_ns = $T")
[ "$n" = 1 ] && pass || fail "erp-paris: $n no-route events at the cut"
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'no-route' AND t_ns > $T + $C")
[ "$n" = 0 ] && pass || fail "$n no-route events after the cut's bound"
# Munich enters at Frankfurt itself, which knew at once: one packet gap
fo=$(metric "$db" flow erp-munich failover-time)
within 0 "$gap" "$fo" && pass || fail "erp-munich outage $fo ns, gap $gap"
m=$(route_t sync-paris "$T" 'aws-eu-central-1/dx-ams:up >%')
within "$T" "$(awk "BEGIN { print $T + $gap }")" "$m" && pass ||
	fail "sync-paris left by dx-ams at '$m' ns"
# and nothing crossed the primary while it was down
n=$(sql "$db" "SELECT sum(s.packets) FROM link_samples s JOIN links l ON l.run_id = s.run_id AND l.id = s.link_id WHERE l.name LIKE 'aws-eu-central-1/dx-fra:%' AND s.t_ns > $T + 1e9 AND s.t_ns <= $B")
a=$(sql "$db" "SELECT sum(s.packets) FROM link_samples s JOIN links l ON l.run_id = s.run_id AND l.id = s.link_id WHERE l.name = 'aws-eu-central-1/dx-ams:down' AND s.t_ns > $T + 1e9 AND s.t_ns <= $B")
[ "$n" = 0 ] && [ "${a:-0}" -gt 0 ] && pass ||
	fail "while the primary was down: $n packets on it, '$a' on dx-ams"

# the return: held again at once, and the traffic came back to it
u=$(sql "$db" "SELECT t_ns FROM events WHERE kind = 'interconnect-up' AND node = 'fra' AND t_ns > 0")
[ "$u" = "$B" ] && pass || fail "fra held the prefixes again at '$u' ns, back at $B"
m=$(route_t erp-paris "$B" '%backbone:par>fra > aws-eu-central-1/dx-fra:down')
within "$B" "$(awk "BEGIN { print $B + $C }")" "$m" && pass ||
	fail "erp-paris back on dx-fra at '$m' ns (back $B, bound $C)"
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'route' AND detail LIKE '%dx-ams%' AND t_ns > $m")
[ "$n" = 0 ] && pass || fail "$n routes by dx-ams after the return"

# ---- the primary's PoP restarts instead ----
y="$TMP/restart.yaml"
sed -e 's|link: aws-eu-central-1/dx-fra, action: down|pop: fra, action: down|' \
    -e 's|link: aws-eu-central-1/dx-fra, action: up|pop: fra, action: up|' \
    -e '/^expect:/,$d' "$f" >"$y"
db="$TMP/restart.db"
"$SASEBED" run "$y" --db "$db" >"$TMP/out" 2>&1 ||
	fail "pop restart: exit $? ($(tail -3 "$TMP/out"))"
m=$(route_t erp-paris "$T" '%dx-ams:down')
within "$T" "$(awk "BEGIN { print $T + 2e9 }")" "$m" && pass ||
	fail "pop restart: erp-paris moved to dx-ams at '$m' ns"
u=$(sql "$db" "SELECT t_ns FROM events WHERE kind = 'interconnect-up' AND node = 'fra' AND t_ns > 0")
[ "$u" = "$B" ] && pass || fail "pop restart: fra held the prefixes again at '$u' ns"
m=$(route_t erp-paris "$B" '%backbone:par>fra > aws-eu-central-1/dx-fra:down')
within "$B" "$(awk "BEGIN { print $B + 2e9 }")" "$m" && pass ||
	fail "pop restart: erp-paris back on dx-fra at '$m' ns"
finish
