#!/bin/sh
# Remote users, end to end in the simulator:
# - scenarios/remote-workforce.yaml: 300 users in at least eight cities,
#   each a node of kind 'user' with its last mile; the users whose PoP
#   (Paris) fails at 5 min each have one outage, within dead-peer
#   detection plus a handshake, and move to another PoP; every other user
#   neither moves nor has an outage; the outage events carry the group;
# - a user whose own access link is cut: its outage starts at the cut and
#   ends when its tunnel is up again, after the link returns; a cut
#   shorter than dead-peer detection is an outage of the cut's length;
# - an expectation on users' outage-time can fail (exit 1);
# - the last-mile profiles give each user's access link its figures.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || exit 99

"$SASEBED" run "$SRCDIR/scenarios/remote-workforce.yaml" --quiet --db rw.db \
	|| fail "remote-workforce does not pass"
[ "$(sql rw.db "SELECT count(*) FROM nodes WHERE kind = 'user'")" = 300 ] \
	&& pass || fail "not 300 user nodes"
cities=$(sql rw.db "SELECT count(DISTINCT city) FROM nodes WHERE kind = 'user'")
[ "$cities" -ge 8 ] && pass || fail "users in $cities cities"

# who was on the failed PoP: each user's first (and, unmoved, only) choice
fault=$(sql rw.db "SELECT t_ns FROM events WHERE kind = 'pop-down' AND subject = 'par'")
[ -n "$fault" ] || fail "no pop-down of par"
aff="SELECT node FROM events WHERE kind = 'pop-select' AND subject = 'par'"
naff=$(sql rw.db "SELECT count(*) FROM ($aff)")
[ "$naff" -ge 50 ] && pass || fail "only $naff users on par"
# each affected user: one outage from the fault, 9-12 s of dead-peer
# detection (three 3-s keepalives, the fault anywhere in the interval
# before the first missed one) plus a handshake, and a move elsewhere
bad=$(sql rw.db "SELECT count(*) FROM ($aff) a WHERE
	(SELECT count(*) FROM events e WHERE e.kind = 'user-outage' AND e.node = a.node
	    AND e.value BETWEEN 9 AND 13 AND e.t_ns - CAST(e.value * 1e9 AS INTEGER) BETWEEN $fault - 1000 AND $fault + 1000) != 1
	OR (SELECT count(*) FROM events e WHERE e.kind = 'pop-move' AND e.node = a.node
	    AND e.subject != 'par') != 1")
[ "$bad" = 0 ] && pass || fail "$bad affected users without one outage from the fault and one move"
[ "$(sql rw.db "SELECT count(*) FROM events WHERE kind = 'user-outage'")" = "$naff" ] \
	&& pass || fail "outages beyond the affected users"
moved=$(sql rw.db "SELECT count(*) FROM events WHERE kind IN ('pop-change', 'pop-move', 'user-outage')
	AND node IN (SELECT node FROM events WHERE kind = 'pop-select' AND subject != 'par')")
[ "$moved" = 0 ] && pass || fail "$moved moves or outages among the unaffected users"
# the metrics agree: an affected user's longest outage, an unaffected one's 0
u=$(sql rw.db "$aff LIMIT 1")
within 9 13 "$(sql rw.db "SELECT value / 1e9 FROM metrics WHERE scope = 'user' AND subject = '$u' AND metric = 'outage-time'")" \
	&& [ "$(metric rw.db user "$u" pop-moves)" = 1.0 ] \
	&& [ "$(metric rw.db user london-eng-1 outage-time)" = 0.0 ] \
	&& [ "$(metric rw.db user london-eng-1 outages)" = 0.0 ] \
	&& pass || fail "user metrics"
# the outage names the user's group, and the PoPs it left and reached
[ "$(sql rw.db "SELECT DISTINCT subject FROM events WHERE kind = 'user-outage' AND node LIKE 'paris-%'")" = sales ] \
	&& pass || fail "user-outage does not carry the group"
sql rw.db "SELECT detail FROM events WHERE kind = 'user-outage' AND node = '$u'" | grep -q '^from par to [a-z]*$' \
	&& pass || fail "user-outage detail: $(sql rw.db "SELECT detail FROM events WHERE kind = 'user-outage' AND node = '$u'")"
# the last miles
[ "$(sql rw.db "SELECT bandwidth_bps FROM links WHERE name = 'paris-travel-1/access:up'")" = 8000000 ] \
	&& [ "$(sql rw.db "SELECT bandwidth_bps FROM links WHERE name = 'milan-field-1/access:up'")" = 20000000 ] \
	&& [ "$(sql rw.db "SELECT bandwidth_bps FROM links WHERE name = 'london-eng-1/access:up'")" = 50000000 ] \
	&& pass || fail "last-mile bandwidths"

# --- a user's own link cut for 30 s ---
cat >cut.yaml <<'YAML'
name: user-cut
duration: 2m
pops:
  - {name: fra, city: frankfurt}
  - {name: ams, city: amsterdam}
sites:
  - {name: dc, city: frankfurt, links: [{name: wan1, bandwidth: 1Gbps}]}
users:
  - {name: anna, city: cologne, last-mile: 4g, group: field}
  - {name: ben, city: frankfurt}
applications:
  - {name: crm, kind: udp-cbr, from: anna, to: dc, rate: 8Kbps, packet-size: 200B}
timeline:
  - {at: 30s, action: down, link: anna/access}
  - {at: 60s, action: up, link: anna/access}
expect:
  - {users: anna, metric: outage-time, above: 30s}
  - {users: ben, metric: outage-time, at-most: 0s}
YAML
# cologne is not a city the geography knows: the error names it
"$SASEBED" check cut.yaml >out 2>&1
[ $? -eq 2 ] && grep -q "cut.yaml:9:.*unknown city 'cologne'" out \
	&& pass || fail "unknown user city: $(cat out)"
sed -i 's/cologne/dusseldorf/' cut.yaml
"$SASEBED" run cut.yaml --quiet --db cut.db || fail "user-cut does not pass"
row=$(sql cut.db "SELECT node || '|' || subject || '|' || (t_ns - CAST(value * 1e9 AS INTEGER) BETWEEN 30e9 - 1000 AND 30e9 + 1000) || '|' || (t_ns > 60e9) FROM events WHERE kind = 'user-outage'")
[ "$row" = "anna|field|1|1" ] && pass || fail "link-cut outage: '$row'"

# --- a cut shorter than dead-peer detection: the session survives, and
# the outage is the cut (2 s) ---
sed 's/at: 60s, action: up/at: 32s, action: up/; s/above: 30s/below: 5s/' cut.yaml >blip.yaml
"$SASEBED" run blip.yaml --quiet --db blip.db || fail "blip does not pass"
[ "$(sql blip.db "SELECT count(*) || '|' || max(value) FROM events WHERE kind = 'user-outage'")" = "1|2.0" ] \
	&& [ "$(sql blip.db "SELECT count(*) FROM events WHERE kind = 'pop-change'")" = 0 ] \
	&& pass || fail "blip: $(sql blip.db "SELECT t_ns, value FROM events WHERE kind = 'user-outage'")"

# --- an expectation on outage-time that does not hold ---
sed 's/above: 30s/below: 10s/' cut.yaml >fail.yaml
"$SASEBED" run fail.yaml --db fail.db >out 2>&1
[ $? -eq 1 ] && grep -q "users anna outage-time below 10s: measured .*: fail" out \
	&& pass || fail "a failing outage-time expectation: $(cat out)"
finish
