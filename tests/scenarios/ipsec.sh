#!/bin/sh
# IPsec sites (scenarios/ipsec-bgp.yaml).  A firewall with BGP in each of
# its two tunnels loses its first link at T: the PoP's session ends when
# its hold timer expires, within the configured hold time of T; the PoP
# withdraws the site's prefixes and the backbone stops carrying traffic to
# it (the head office's flow moves to the second tunnel); when the link
# returns the session comes back and the traffic with it.  A gateway with
# static routes, cut at the same T, keeps its routes until dead-peer
# detection declares its tunnel dead: the slower failover.  Every bound
# is read from the scenario file, none is written here.
. "$(dirname "$0")/lib.sh"
f="$SRCDIR/scenarios/ipsec-bgp.yaml"
db="$TMP/ipsec.db"

"$SASEBED" run "$f" --db "$db" >"$TMP/out" 2>&1 ||
	fail "ipsec-bgp: exit $? ($(tail -3 "$TMP/out"))"

# the configuration: hold time, DPD interval and misses, the cut and the
# return of partner-fw/wan1 (seconds)
secs() { sed -n "$1" "$f" | head -1 | sed 's/s$//'; }
hold=$(secs 's/.*bgp:.*hold: \([0-9]*s\).*/\1/p')
dpd=$(secs '/name: cloud-vpc/,$ s/^ *dpd: \([0-9]*s\) *$/\1/p')
[ -n "$dpd" ] || dpd=10                      # the default, as documented
misses=$(sed -n '/name: cloud-vpc/,$ s/^ *dpd-misses: \([0-9]*\) *$/\1/p' "$f" | head -1)
[ -n "$misses" ] || misses=3
cut=$(secs 's/.*at: \([0-9]*s\), link: partner-fw\/wan1, action: down.*/\1/p')
back=$(secs 's/.*at: \([0-9]*s\), link: partner-fw\/wan1, action: up.*/\1/p')
if [ -n "$hold" ] && [ -n "$cut" ] && [ -n "$back" ]; then pass; else
	fail "could not read hold '$hold', cut '$cut', back '$back' from $f"
fi
T=$(awk "BEGIN { print $cut * 1e9 }")
H=$(awk "BEGIN { print $hold * 1e9 }")
TH=$(awk "BEGIN { print $T + $H }")
B=$(awk "BEGIN { print $back * 1e9 }")

# both sessions came up at the start, with the configured hold time
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'bgp-up' AND t_ns < 1e9 AND value = $hold")
[ "$n" = 4 ] && pass || fail "bgp-up with hold $hold at the start: $n of 4 ends"

# the Paris PoP withdrew both prefixes, within the hold time of the cut
w=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'bgp-withdraw' AND node = 'par' AND t_ns > $T")
nw=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'bgp-withdraw' AND node = 'par' AND t_ns > $T AND t_ns <= $TH")
if within "$T" "$TH" "$w" && [ "$nw" = 2 ]; then pass; else
	fail "par withdrew at '$w' ns ($nw prefixes), cut at $T, hold $H"
fi
d=$(sql "$db" "SELECT detail FROM events WHERE kind = 'bgp-down' AND node = 'par' AND t_ns > $T AND t_ns <= $TH")
[ "$d" = "hold timer expired" ] && pass || fail "par's session went down: '$d'"
# and said why, in a NOTIFICATION (Hold Timer Expired is code 4)
c=$(sql "$db" "SELECT value FROM events WHERE kind = 'bgp-notify' AND node = 'par' AND t_ns > $T AND t_ns <= $TH")
[ "$c" = 4.0 ] && pass || fail "par's NOTIFICATION code '$c'"

# the backbone stopped carrying the flow to Paris: Frankfurt routes it to
# the second tunnel, within the hold time (the route event comes with
# the flow's next packet, 8 ms at most later)
m=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'route' AND subject = 'to-partner' AND detail LIKE '%tunnel:partner-fw/wan2>fra' AND t_ns > $T")
within "$T" "$(awk "BEGIN { print $TH + 8e6 }")" "$m" && pass ||
	fail "to-partner moved to the second tunnel at '$m' ns"
fo=$(metric "$db" flow to-partner failover-time)
within 0 "$H" "$fo" && pass || fail "to-partner failover-time $fo ns, hold $H"
# what crosses fra>par between the withdrawal and the return is the
# PoPs' own probes and adverts, no flow: under 50 kbps, where 1 Mbps
# crossed before the cut
q="SELECT avg(s.throughput_bps) FROM link_samples s JOIN links l ON l.run_id = s.run_id AND l.id = s.link_id WHERE l.name = 'backbone:fra>par' AND s.t_ns > %s AND s.t_ns <= %s"
before=$(sql "$db" "$(printf "$q" 5e9 "$T")")
during=$(sql "$db" "$(printf "$q" "$(awk "BEGIN { print $TH + 1e9 }")" "$B")")
if within 0.9e6 2e6 "$before" && within 0 50e3 "$during"; then pass; else
	fail "fra>par carried $before bps before the cut, $during after the withdrawal"
fi

# the session came back after the link, and the flow with it
u=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'bgp-up' AND node = 'par' AND t_ns > $B")
within "$B" 100e9 "$u" && pass || fail "par's session back at '$u' ns"
l=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'bgp-learn' AND node = 'par' AND t_ns > $B")
[ "$l" = 2 ] && pass || fail "par learned $l prefixes again"
r=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'route' AND subject = 'to-partner' AND detail LIKE '%tunnel:partner-fw/wan1>par' AND t_ns > $B")
within "$u" "$(awk "BEGIN { print $u + 1e9 }")" "$r" && pass ||
	fail "to-partner back through par at '$r' ns"
# the session over wan2 never went down
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind = 'bgp-down' AND subject = 'partner-fw/wan2>fra'")
[ "$n" = 0 ] && pass || fail "the wan2 session went down $n times"

# static routes: the gateway's stay until dead-peer detection, later
# than BGP's hold time, and go then: DPD probes only after a silent
# interval and gives up after `misses` unanswered probes, each an
# interval apart, so (misses - 1) to (misses + 2) intervals after the cut
s=$(sql "$db" "SELECT min(t_ns) FROM events WHERE kind = 'no-route' AND subject = 'to-vpc' AND t_ns > $T")
lo=$(awk "BEGIN { print $T + ($misses - 1) * $dpd * 1e9 }")
hi=$(awk "BEGIN { print $T + ($misses + 2) * $dpd * 1e9 }")
if within "$lo" "$hi" "$s" && awk -v s="$s" -v th="$TH" 'BEGIN { exit !(s > th) }'; then pass; else
	fail "to-vpc lost its route at '$s' ns (DPD $dpd s x $misses from $T)"
fi
# when the link is back the same route returns, and says so: a route
# event after the no-route, though the route is the one it had
r=$(sql "$db" "SELECT detail FROM events WHERE kind = 'route' AND subject = 'to-vpc' AND t_ns > $s ORDER BY t_ns LIMIT 1")
r0=$(sql "$db" "SELECT detail FROM events WHERE kind = 'route' AND subject = 'to-vpc' AND t_ns < $s ORDER BY t_ns DESC LIMIT 1")
[ -n "$r" ] && [ "$r" = "$r0" ] && pass ||
	fail "to-vpc after its no-route: '$r' (before: '$r0')"
n=$(sql "$db" "SELECT count(*) FROM events WHERE kind LIKE 'bgp-%' AND (node = 'cloud-vpc' OR subject LIKE 'cloud-vpc%')")
[ "$n" = 0 ] && pass || fail "$n BGP events for the static site"

# the sessions' counters reach the results
e=$(metric "$db" bgp-pop "partner-fw/wan1>par" established)
x=$(metric "$db" bgp-pop "partner-fw/wan1>par" hold-expired)
[ "$e" = 2.0 ] && [ "$x" = 1.0 ] && pass ||
	fail "bgp-pop metrics: established '$e', hold-expired '$x'"

# IKEv2 decides who gets a tunnel: the gateway with the wrong pre-shared
# key fails IKE_AUTH at both ends, again on each retry, and never comes up
sed 's/^    ipsec:$/    wrong-key: true\n    ipsec:/' "$f" > "$TMP/wrong.yaml"
"$SASEBED" run "$TMP/wrong.yaml" --db "$TMP/wrong.db" --until 20s >/dev/null 2>&1
a=$(sql "$TMP/wrong.db" "SELECT count(*) FROM events WHERE kind = 'tunnel-auth-failure' AND subject = 'cloud-vpc/wan1>ams' AND node = 'ams'")
b=$(sql "$TMP/wrong.db" "SELECT count(*) FROM events WHERE kind = 'tunnel-auth-failure' AND subject = 'cloud-vpc/wan1>ams' AND node = 'cloud-vpc' AND detail LIKE '%AUTHENTICATION_FAILED%'")
u=$(sql "$TMP/wrong.db" "SELECT count(*) FROM events WHERE kind = 'tunnel-up' AND subject LIKE 'cloud-vpc%'")
if [ "$a" -ge 2 ] && [ "$b" = "$a" ] && [ "$u" = 0 ]; then pass; else
	fail "wrong key: $a auth failures at the PoP, $b at the site, $u ups"
fi

finish
