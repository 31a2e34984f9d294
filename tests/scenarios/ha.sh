#!/bin/sh
# Socket HA pairs, end to end in the simulator (scenarios/ha-pair.yaml):
# - the primary powers off: the secondary takes over within heartbeat x
#   misses plus a tunnel's set-up, both read from the scenario, for two
#   heartbeat settings, and no sooner than (misses - 1) heartbeats;
# - after it the site's traffic flows through the secondary's tunnels,
#   without loss, both ways;
# - the primary back: it stands by (no pre-emption); with pre-emption it
#   takes back over, and that hand-over is bounded by a set-up alone;
# - the primary loses its WAN ports instead: it says so in a heartbeat
#   at once, and the takeover is a set-up alone, no heartbeats missed;
# - an expectation on takeover-time fails when the bound is too tight.
. "$(dirname "$0")/lib.sh"

scn="$SRCDIR/scenarios/ha-pair.yaml"
cd "$TMP" || exit 99

# secs TIME: "200ms", "1s", "1m" in seconds
secs() {
	awk -v t="$1" 'BEGIN {
		if (t ~ /ms$/) { sub(/ms$/, "", t); print t / 1000 }
		else if (t ~ /us$/) { sub(/us$/, "", t); print t / 1e6 }
		else if (t ~ /m$/) { sub(/m$/, "", t); print t * 60 }
		else { sub(/s$/, "", t); print t + 0 } }'
}
# field FILE PATTERN KEY: KEY's value on the first line matching PATTERN
field() {
	grep -m1 -- "$2" "$1" | sed "s/.*[{ ]$3: \([^,}]*\).*/\1/"
}

# settings FILE: read hb, misses, the failure's time and the tunnel's
# set-up from FILE; 1 if one is missing
settings() {
	hb=$(secs "$(field "$1" 'ha: {' heartbeat)")
	misses=$(field "$1" 'ha: {' misses)
	delay=$(secs "$(awk '/name: branch/ { b = 1 } b && /name: wan1/ { print; exit }' "$1" | sed 's/.*delay: \([^,}]*\).*/\1/')")
	rate=$(field "$1" 'name: erp,' rate | sed 's/kbps$//')
	size=$(field "$1" 'name: erp,' packet-size | sed 's/B$//')
	fail_at=$(secs "$(field "$1" 'socket: branch/primary, action: \(links-\)*down' at)")
	[ -n "$hb" ] && [ -n "$misses" ] && [ -n "$delay" ] && [ -n "$rate" ] \
		&& [ -n "$size" ] && [ -n "$fail_at" ] || return 1
	# The tunnel's set-up: the DTLS handshake's three round trips
	# (cookie exchange included) over the access link both ways (the
	# site and its PoP share a city), then the first packet, which may
	# wait a packet gap and crosses one way; 1 ms for the LAN crossings
	# and serialisation.
	setup=$(awk -v d="$delay" -v r="$rate" -v s="$size" \
		'BEGIN { rtt = 2 * d; print 3 * rtt + rtt / 2 + s * 8 / (r * 1000) + 0.001 }')
}

# check NAME FILE: run FILE, and bound its takeover by its own settings
check() {
	"$SASEBED" run "$2" --quiet --db "$1.db" || { fail "$1 does not pass"; return; }
	settings "$2" || { fail "$1: settings not found in $2"; return; }
	hi=$(awk -v h="$hb" -v m="$misses" -v s="$setup" 'BEGIN { print h * m + s }')
	lo=$(awk -v h="$hb" -v m="$misses" 'BEGIN { print h * (m - 1) }')
	took=$(awk -v v="$(metric "$1.db" site branch takeover-time)" 'BEGIN { if (v != "") print v / 1e9 }')
	within "$lo" "$hi" "$took" && pass \
		|| fail "$1: takeover $took s, not within [$lo, $hi] (heartbeat $hb s x $misses + set-up $setup s)"
	# the event says the same, and when
	ev=$(sql "$1.db" "SELECT t_ns / 1e9 - $fail_at - value FROM events WHERE kind = 'ha-takeover'")
	within -0.000001 0.000001 "$ev" && pass || fail "$1: ha-takeover event off by $ev s"
	[ "$(sql "$1.db" "SELECT subject FROM events WHERE kind = 'ha-takeover'")" = branch/secondary ] \
		&& pass || fail "$1: the takeover was not the secondary's"
	# traffic through the secondary after: both flows' routes use its
	# tunnel, and from a second after the takeover to the primary's
	# return nothing is lost
	t=$(sql "$1.db" "SELECT t_ns FROM events WHERE kind = 'ha-takeover'")
	for f in erp erp-back; do
		r=$(sql "$1.db" "SELECT detail FROM events WHERE kind = 'route' AND subject = '$f' AND t_ns >= $t - 1000000000 ORDER BY t_ns DESC LIMIT 1")
		case "$r" in
		*"tunnel:branch/wan1>fra#1"*) pass ;;
		*) fail "$1: $f's route after the takeover: '$r'" ;;
		esac
		row=$(sql "$1.db" "SELECT sum(sent) || '|' || sum(delivered) FROM v_flow_samples WHERE flow = '$f' AND t_ns > $t + 1000000000 AND t_ns <= 120000000000")
		sent=${row%|*}; got=${row#*|}
		[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ "$sent" = "$got" ] \
			&& pass || fail "$1: $f after the takeover: sent|delivered $row"
	done
}

# --- the scenario as written: 1 s heartbeats, 3 misses ---
check default "$scn"
# the primary came back and stands by: one takeover, the secondary keeps
# the site
[ "$(metric default.db site branch takeovers)" = 1.0 ] && pass \
	|| fail "takeovers: $(metric default.db site branch takeovers)"
[ "$(sql default.db "SELECT detail FROM events WHERE kind = 'ha-state' AND subject = 'branch/primary'")" = "listen>standby: peer active" ] \
	&& pass || fail "the primary did not stand by on its return"

# --- 200 ms heartbeats, 5 misses, the failure between two heartbeats ---
sed 's/ha: {heartbeat: 1s, misses: 3}/ha: {heartbeat: 200ms, misses: 5}/; s/{at: 1m, socket: branch\/primary, action: down}/{at: 60130ms, socket: branch\/primary, action: down}/; s/below: 3.5s/below: 1.5s/' \
	"$scn" >fast.yaml
grep -q 'heartbeat: 200ms, misses: 5' fast.yaml && grep -q 'at: 60130ms' fast.yaml \
	|| fail "fast.yaml: the edit did not take"
check fast fast.yaml
# a faster heartbeat is a faster takeover
awk -v a="$(metric fast.db site branch takeover-time)" -v b="$(metric default.db site branch takeover-time)" \
	'BEGIN { exit !(a < b) }' && pass || fail "200 ms x 5 no faster than 1 s x 3"

# --- pre-emption: the primary takes back over when it returns ---
sed 's/ha: {heartbeat: 1s, misses: 3}/ha: {heartbeat: 1s, misses: 3, preempt: true}/' "$scn" >preempt.yaml
"$SASEBED" run preempt.yaml --quiet --db preempt.db || fail "preempt does not pass"
[ "$(metric preempt.db site branch takeovers)" = 2.0 ] && pass \
	|| fail "preempt: takeovers $(metric preempt.db site branch takeovers)"
[ "$(sql preempt.db "SELECT subject FROM events WHERE kind = 'ha-takeover' ORDER BY t_ns DESC LIMIT 1")" = branch/primary ] \
	&& pass || fail "preempt: the primary did not take back over"
# the hand-over is planned: no heartbeats to miss, a set-up alone (the
# primary hears the secondary's next heartbeat at most 1 s after it
# returns; the time counts from the secondary standing by)
back=$(sql preempt.db "SELECT value FROM events WHERE kind = 'ha-takeover' ORDER BY t_ns DESC LIMIT 1")
within 0 0.1 "$back" && pass || fail "preempt: hand-back took $back s"
[ "$(sql preempt.db "SELECT count(*) FROM events WHERE kind = 'ha-state' AND subject = 'branch/secondary' AND detail = 'active>standby: peer active'")" = 1 ] \
	&& pass || fail "preempt: the secondary did not stand by"

# --- the primary's links down: handed over at once ---
sed 's/{at: 1m, socket: branch\/primary, action: down}/{at: 1m, socket: branch\/primary, action: links-down}/; s/{at: 2m, socket: branch\/primary, action: up}/{at: 2m, socket: branch\/primary, action: links-up}/' \
	"$scn" >ports.yaml
grep -q 'action: links-down' ports.yaml || fail "ports.yaml: the edit did not take"
"$SASEBED" run ports.yaml --quiet --db ports.db || fail "ports does not pass"
settings ports.yaml || fail "ports: settings not found"
# the same set-up as the default run's, and two LAN crossings (the
# primary's heartbeat saying so, the secondary's answer) but no misses
took=$(awk -v v="$(metric ports.db site branch takeover-time)" 'BEGIN { if (v != "") print v / 1e9 }')
within 0 "$setup" "$took" && pass || fail "ports: takeover $took s, above a set-up of $setup s"
[ "$(sql ports.db "SELECT detail FROM events WHERE kind = 'ha-state' AND subject = 'branch/secondary'")" = "standby>active: peer not ready" ] \
	&& pass || fail "ports: the secondary did not take over for the primary's links"
[ "$(sql ports.db "SELECT count(*) FROM events WHERE kind = 'ha-state' AND subject = 'branch/primary' AND detail = 'active>standby: peer active'")" = 1 ] \
	&& pass || fail "ports: the primary did not stand by"
[ "$(metric ports.db ha-unit branch/secondary peer-lost)" = 0.0 ] \
	&& pass || fail "ports: the secondary counted its peer lost"

# --- an expectation on takeover-time can fail ---
sed 's/{site: branch, metric: takeover-time, below: 3.5s}/{site: branch, metric: takeover-time, below: 1s}/' "$scn" >tight.yaml
"$SASEBED" run tight.yaml --db tight.db --out tight >tight.out 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 'site branch takeover-time below 1s: measured .*: fail' tight.out \
	&& pass || fail "a takeover-time bound of 1s: exit $rc, $(cat tight.out)"

finish
