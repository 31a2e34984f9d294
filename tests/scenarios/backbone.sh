#!/bin/sh
# The PoPs' routing and inspection, end to end: a degraded backbone link
# is routed around and back within the convergence times the run records;
# a failed PoP's Sockets move and the other PoPs route around it; load
# past a PoP's inspection capacity queues, then drops, and passes the
# capacity within 5%; on a full mesh of 24 PoPs the control messages stay
# a few a second per link, and on a chain of PoPs adverts are passed on.
. "$(dirname "$0")/lib.sh"
G="$SRCDIR/tests/scenarios/good"

# ---- a degraded link: two hops, then back ----
db="$TMP/degrade.db"
"$SASEBED" run "$G/backbone-degrade.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "backbone-degrade: exit $? ($(tail -3 "$TMP/out"))"
conv() { metric "$db" convergence "$1" convergence-time; }
c1=$(conv "backbone:lon>fra set at 1m")
c2=$(conv "backbone:lon>fra set at 3m")
# when the flow's route first went through Amsterdam, and first came back:
# the route event comes with the flow's first packet after the change, up
# to one packet gap (4 ms) later, hence the 10 ms beyond convergence
away=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'route' AND subject = 'erp' AND detail LIKE '%backbone:lon>ams > backbone:ams>fra%' AND t_ns >= 60e9")
back=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'route' AND subject = 'erp' AND detail LIKE '%backbone:lon>fra >%' AND t_ns >= 180e9")
if [ -n "$away" ] && [ -n "$c1" ] && within 60e9 "$(awk "BEGIN { print 60e9 + $c1 + 10e6 }")" "$away" &&
    within 0.1e9 5e9 "$c1"; then pass; else
	fail "degrade: moved to the two-hop path at '$away' ns, convergence '$c1' ns"
fi
if [ -n "$back" ] && [ -n "$c2" ] && within 180e9 "$(awk "BEGIN { print 180e9 + $c2 + 10e6 }")" "$back" &&
    within 0.1e9 15e9 "$c2"; then pass; else
	fail "recovery: moved back at '$back' ns, convergence '$c2' ns"
fi
# nothing went the long way before the fault, nor after the way back
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'route' AND subject = 'erp' AND detail LIKE '%ams%' AND (t_ns < 60e9 OR t_ns > $back)")
[ "$n" = 0 ] && pass || fail "degrade: $n routes through ams outside the fault"
# the probes saw the loss: the link's measured loss is in the results
l=$(metric "$db" backbone-port "backbone:lon>fra" probes)
within 2000 3000 "$l" && pass || fail "degrade: lon>fra probes $l (expected 10/s for 4m)"

# ---- a PoP fails ----
db="$TMP/popfail.db"
"$SASEBED" run "$G/pop-fail.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "pop-fail: exit $? ($(tail -3 "$TMP/out"))"
# the Socket moved to Amsterdam, and back once London returned
t=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'route' AND subject = 'erp' AND detail LIKE 'tunnel:uk-office/wan1>ams%' AND t_ns > 60e9")
within 60e9 70e9 "$t" && pass || fail "pop-fail: uk-office moved to ams at '$t'"
# Frankfurt found London unreachable by its probes, and routed to it again
u=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'bb-route' AND node = 'fra' AND subject = 'lon' AND detail = 'unreachable' AND t_ns > 60e9")
within 60.1e9 62e9 "$u" && pass || fail "pop-fail: fra lost lon at '$u'"
r=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'bb-route' AND node = 'fra' AND subject = 'lon' AND detail LIKE 'via lon%' AND t_ns > 120e9")
[ "$r" -ge 1 ] && pass || fail "pop-fail: fra never routed to lon again"
fo=$(metric "$db" flow erp failover-time)
within 0.5e9 8e9 "$fo" && pass || fail "pop-fail: erp failover $fo ns"
c=$(metric "$db" convergence "pop:lon down at 1m" convergence-time)
[ -n "$c" ] && pass || fail "pop-fail: no convergence record for the PoP"

# ---- a PoP restarts quicker than its neighbours' probes miss it ----
# London is down for 100 ms, less than the three probes (300 ms) that
# would have its neighbours mark their ports to it down.  Back, it knows
# nothing; they must see from its first advert that it restarted and tell
# it what it lost.  Numbering its adverts on past the crash hid that: it
# had no routes until their next refresh, 30 s later, and every flow
# through it had none either.
y="$TMP/restart.yaml"
sed -e 's/at: 2m, pop: lon, action: up/at: 60.1s, pop: lon, action: up/' \
    -e '/^expect:/,$d' "$G/pop-fail.yaml" >"$y"
db="$TMP/restart.db"
"$SASEBED" run "$y" --db "$db" >"$TMP/out" 2>&1 ||
	fail "pop restart: exit $? ($(tail -3 "$TMP/out"))"
for to in fra ams; do
	t=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'bb-route' AND node = 'lon' AND subject = '$to' AND detail LIKE 'via %' AND t_ns >= 60.1e9")
	within 60.1e9 61.1e9 "$t" && pass ||
		fail "pop restart: lon routed to $to again at '$t' ns, back at 60.1 s"
done

# ---- inspection past capacity ----
db="$TMP/insp.db"
"$SASEBED" run "$G/inspection.yaml" --db "$db" >"$TMP/out" 2>&1 ||
	fail "inspection: exit $? ($(tail -3 "$TMP/out"))"
q="SELECT %s FROM link_samples s JOIN links l ON l.run_id = s.run_id AND l.id = s.link_id WHERE l.name = 'inspection:fra' AND s.t_ns > %s AND s.t_ns <= %s"
# within capacity: under 70% busy, no drops, little waiting
u=$(sql "$db" "$(printf "$q" "avg(s.utilisation)" 5e9 20e9)")
d=$(sql "$db" "$(printf "$q" "sum(s.drops_queue)" 5e9 20e9)")
w1=$(sql "$db" "$(printf "$q" "avg(s.delay_mean_ns)" 5e9 20e9)")
within 0.55 0.65 "$u" && [ "$d" = 0 ] && pass ||
	fail "inspection below capacity: utilisation $u, drops $d"
# past it: the wait grows to the queue limit, drops start, and what
# passes is the capacity: 100 Mbps within 5%
w2=$(sql "$db" "$(printf "$q" "avg(s.delay_mean_ns)" 25e9 40e9)")
d=$(sql "$db" "$(printf "$q" "sum(s.drops_queue)" 25e9 40e9)")
tp=$(sql "$db" "$(printf "$q" "avg(s.throughput_bps)" 25e9 40e9)")
awk -v a="$w1" -v b="$w2" 'BEGIN { exit !(b > 10 * a && b > 3e6) }' && pass ||
	fail "inspection: wait $w1 ns below capacity, $w2 ns past it"
[ "$d" -gt 1000 ] && pass || fail "inspection: $d drops past capacity"
within 95e6 105e6 "$tp" && pass || fail "inspection: $tp bps past capacity"
# single pass: the two engines' costs (10 + 30 us) added once
lat=$(sql "$db" "SELECT delay_ns FROM links WHERE name = 'inspection:fra'")
[ "$lat" = 40000 ] && pass || fail "inspection: latency $lat ns, not 40 us"

# ---- a full mesh of 24 PoPs: the control plane stays quadratic ----
# Every directed backbone link carries its sender's probes and the echoes
# of its far end's (10 + 10 a second) and, once at the start, the adverts
# of every PoP.  A PoP that took its own advert, relayed back to it, for
# news, or an advert relayed to PoPs that had it from its origin, sent
# hundreds a second on every link instead.
n=24
y="$TMP/mesh.yaml"
{
	printf 'name: mesh\nseed: 3\nduration: 20s\nsample-interval: 10s\n'
	printf 'tunnels: {mode: null-cipher}\npops:\n'
	i=0; while [ $i -lt $n ]; do
		printf '  - {name: p%d, city: frankfurt}\n' $i; i=$((i + 1)); done
	printf 'backbone:\n  bandwidth: 10Gbps\n  pairs:\n'
	i=0; while [ $i -lt $n ]; do j=$((i + 1)); while [ $j -lt $n ]; do
		printf '    - {between: [p%d, p%d], delay: %dms}\n' $i $j \
		    $((20 + (37 * i + 17 * j) % 101)); j=$((j + 1)); done
		i=$((i + 1)); done
	printf 'sites:\n'
	for s in 0 13; do
		printf '  - {name: s%d, city: frankfurt, pop: p%d, links: [{name: wan1, bandwidth: 50Mbps, delay: 5ms}]}\n' $s $s
	done
	printf 'applications:\n  - {name: f, kind: udp-cbr, from: s0, to: s13, rate: 80kbps, packet-size: 1000B, start: 1s}\n'
} >"$y"
db="$TMP/mesh.db"
"$SASEBED" run "$y" --db "$db" >"$TMP/out" 2>&1 ||
	fail "mesh: exit $? ($(tail -3 "$TMP/out"))"
# control messages a second per directed link, the flow's packets aside
r=$(sql "$db" "SELECT (sum(value) - (SELECT value FROM metrics WHERE scope = 'flow' AND subject = 'f' AND metric = 'delivered')) / ($n * ($n - 1) * 20.0) FROM metrics WHERE scope = 'link' AND subject LIKE 'backbone:%' AND metric = 'delivered'")
within 19 25 "$r" && pass || fail "mesh: $r messages a second on a backbone link (expected 20 to 25)"
# and the adverts did their work: the flow crossed the mesh
f=$(metric "$db" flow f delivered)
[ "${f%.*}" -gt 180 ] && pass || fail "mesh: the flow delivered '$f' packets"

# ---- a chain of PoPs: adverts relayed where there is no direct link ----
# Every pair of PoPs has a link; three are down from the start, leaving
# p0 - p1 - p2 - p3.  What p0 says reaches p3 only through p1 and p2,
# which must pass it on, as the origin does not list them.
y="$TMP/chain.yaml"
{
	printf 'name: chain\nseed: 5\nduration: 10s\nsample-interval: 5s\n'
	printf 'tunnels: {mode: null-cipher}\npops:\n'
	for i in 0 1 2 3; do printf '  - {name: p%d, city: frankfurt}\n' $i; done
	printf 'backbone:\n  bandwidth: 1Gbps\n  pairs:\n'
	printf '    - {between: [p%d, p%d], delay: 10ms}\n' 0 1 0 2 0 3 1 2 1 3 2 3
	printf 'sites:\n'
	for s in 0 3; do
		printf '  - {name: s%d, city: frankfurt, pop: p%d, links: [{name: wan1, bandwidth: 50Mbps, delay: 5ms}]}\n' $s $s
	done
	printf 'timeline:\n'
	for pr in '0, 2' '0, 3' '1, 3'; do
		printf '  - {at: 0s, backbone: [p%s, p%s], action: down}\n' \
		    "${pr%,*}" "${pr#*, }"
	done
	printf 'applications:\n  - {name: f, kind: udp-cbr, from: s0, to: s3, rate: 80kbps, packet-size: 1000B, start: 2s}\n'
} >"$y"
db="$TMP/chain.db"
"$SASEBED" run "$y" --db "$db" >"$TMP/out" 2>&1 ||
	fail "chain: exit $? ($(tail -3 "$TMP/out"))"
f=$(metric "$db" flow f delivered)
# 10 packets a second for 8 s
[ "${f%.*}" -ge 78 ] && pass || fail "chain: the flow delivered '$f' packets"
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'bb-route' AND node = 'p0' AND subject = 'p3' AND detail LIKE 'via p1%'")
[ "$n" -ge 1 ] && pass || fail "chain: p0 never routed to p3 via p1"
finish
