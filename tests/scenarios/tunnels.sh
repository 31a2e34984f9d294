#!/bin/sh
# The tunnels in whole scenarios, read back from the results: who gets a
# tunnel and who does not (tunnel-auth), and how long failover takes when
# nothing but keepalives can tell (frankfurt-isp-outage).
. "$(dirname "$0")/lib.sh"

db="$TMP/auth.db"
"$SASEBED" run "$SRCDIR/scenarios/tunnel-auth.yaml" --quiet --db "$db" || fail "tunnel-auth run"
ev() { sql "$db" "SELECT count(*) FROM events WHERE kind = '$1' AND subject LIKE '$2%' ${3:+AND node = '$3'}"; }
[ "$(ev tunnel-up sin-misconfigured/)" = 0 ] && pass || fail "the misconfigured site got a tunnel"
[ "$(ev tunnel-auth-failure sin-misconfigured/ sin)" -ge 5 ] && pass || fail "the PoP did not report auth failures"
[ "$(ev tunnel-auth-failure sin-misconfigured/ sin-misconfigured)" -ge 5 ] && pass || fail "the Socket did not report auth failures"
for s in sin-psk sin-cert tyo-dc; do
	[ "$(ev tunnel-up $s/ $s)" = 1 ] && pass || fail "$s: not exactly one tunnel-up"
	[ "$(ev tunnel-auth-failure $s/)" = 0 ] && pass || fail "$s: auth failures"
done
# the metrics agree with the events
m=$(metric "$db" tunnel-socket 'sin-misconfigured/fibre>sin' auth-failures)
[ "$m" = "$(ev tunnel-auth-failure 'sin-misconfigured/fibre>sin' sin-misconfigured).0" ] && pass || fail "auth-failures metric $m"
# a link that cannot connect tries its next candidate PoP, and back
[ "$(ev tunnel-auth-failure 'sin-misconfigured/fibre>tyo' sin-misconfigured)" -ge 5 ] && pass || fail "the Socket did not try its next PoP"

db="$TMP/fra.db"
"$SASEBED" run "$SRCDIR/scenarios/frankfurt-isp-outage.yaml" --quiet --db "$db" || fail "frankfurt run"
cut=$(sql "$db" "SELECT t_ns FROM events WHERE kind = 'link-down'")
down=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'tunnel-down' AND node = 'fra-branch'")
why=$(sql "$db" "SELECT detail FROM events WHERE kind = 'tunnel-down' AND node = 'fra-branch' AND t_ns = $down")
echo "fibre cut at $cut ns, tunnel down at $down ns ($why)"
# three missed keepalives 3 s apart: 9 to 12 s after the cut
[ "$why" = dead-peer ] && pass || fail "tunnel down for '$why'"
[ $((down - cut)) -ge 9000000000 ] && [ $((down - cut)) -lt 12000000000 ] && pass || fail "detected after $((down - cut)) ns"
# the route moves to LTE right then
moved=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'route' AND subject = 'voice-like' AND detail LIKE 'tunnel:fra-branch/lte>%'")
[ "$moved" -ge "$down" ] && [ $((moved - down)) -lt 1000000000 ] && pass || fail "route moved at $moved"
finish
