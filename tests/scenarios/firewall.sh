#!/bin/sh
# The PoP's firewalls in a whole scenario (tests/scenarios/good/firewall.yaml):
# a WAN rule blocks branch from the dc's subnet, so that flow is dropped at
# the PoP with an fw-block event naming the rule while the other flows pass;
# moved below the allow rule, the same rule no longer decides and the flow
# passes (the run's "blocked" expectation then fails, exit 1).  Allow with
# inspection costs the PoP's inspection time and plain allow does not; the
# Internet firewall blocks by category; per-rule counts are in the results.
. "$(dirname "$0")/lib.sh"

src="$SRCDIR/tests/scenarios/good/firewall.yaml"
db="$TMP/fw.db"
"$SASEBED" run "$src" --quiet --db "$db" >"$TMP/out" 2>&1; rc=$?
[ "$rc" = 0 ] && pass || fail "run: exit $rc: $(cat "$TMP/out")"

ev() { sql "$1" "SELECT count(*) FROM events WHERE kind = 'fw-block' $2"; }
# the block: one event, at the PoP, about the flow, naming the rule
[ "$(ev "$db" "AND node = 'fra' AND subject = 'db' AND detail = 'branch-no-dc'")" = 1 ] && pass || fail "no fw-block event for db naming branch-no-dc"
[ "$(ev "$db" "AND subject IN ('lab-db', 'erp', 'files', 'crm-sync')")" = 0 ] && pass || fail "a block event for an allowed flow"
[ "$(metric "$db" flow db delivered)" = 0.0 ] && pass || fail "db delivered something"
sent=$(metric "$db" flow db firewall-blocked)
within 4900 5100 "$sent" && pass || fail "db: $sent packets blocked"
# dropped at the PoP: its tunnel to the dc carried none of it
route=$(sql "$db" "SELECT detail FROM events WHERE kind = 'route' AND subject = 'db'")
[ "$route" = "tunnel:branch/wan1>fra > firewall:fra > tunnel:dc/wan1>fra" ] && pass || fail "db's route: $route"
# other traffic flows, and to the same subnet from another site
for f in lab-db erp files crm-sync; do
	d=$(metric "$db" flow $f delivered)
	within 4900 5100 "$d" && pass || fail "$f delivered $d"
done
# counts per rule: the block decided one session of every db packet
[ "$(metric "$db" firewall-wan branch-no-dc hits)" = 1.0 ] && pass || fail "branch-no-dc hits"
[ "$(metric "$db" firewall-wan branch-no-dc packets)" = "$sent" ] && pass || fail "branch-no-dc packets"
[ "$(metric "$db" firewall-wan allow-sites hits)" = 2.0 ] && pass || fail "allow-sites hits"
[ "$(metric "$db" firewall-wan wan-implicit-block hits)" = 0.0 ] && pass || fail "implicit block hits"
# the Internet firewall: gaming blocked by category, the rest allowed
[ "$(ev "$db" "AND subject = 'game' AND detail = 'no-gaming'")" = 1 ] && pass || fail "no block event for game"
[ "$(metric "$db" flow game delivered)" = 0.0 ] && pass || fail "game delivered something"
[ "$(metric "$db" firewall-internet internet-implicit-allow hits)" = 1.0 ] && pass || fail "internet implicit allow hits"
# inspection: what allow-with-inspection passed, the implicit Internet
# allow included, and nothing else (a plain allow skips it)
offered=$(metric "$db" inspection fra offered)
insp=$(sql "$db" "SELECT sum(value) FROM metrics WHERE metric = 'packets' AND subject IN ('inspect-erp', 'internet-implicit-allow')")
[ "$offered" = "$insp" ] && pass || fail "inspection offered $offered, inspected rules passed $insp"
# erp and files take the same path; erp pays the engines' 3 ms
e=$(metric "$db" flow erp latency-mean)
f=$(metric "$db" flow files latency-mean)
d=$(awk -v a="$e" -v b="$f" 'BEGIN { print a - b }')
within 2900000 3100000 "$d" && pass || fail "inspected erp is $d ns slower than files"

# the block moved below the allow: it never decides, db flows
block_below_allow "$src" >"$TMP/moved.yaml"
grep -A4 'allow-sites' "$TMP/moved.yaml" | grep -q 'branch-no-dc' && pass || fail "the rule did not move: $(cat "$TMP/moved.yaml")"
mdb="$TMP/moved.db"
"$SASEBED" run "$TMP/moved.yaml" --db "$mdb" >"$TMP/out" 2>&1; rc=$?
[ "$rc" = 1 ] && pass || fail "moved: exit $rc, not 1 (the blocked expectation should fail): $(cat "$TMP/out")"
grep -q 'flow db blocked by the firewall: measured 0%: fail' "$TMP/out" && pass || fail "moved: $(cat "$TMP/out")"
[ "$(sql "$mdb" "SELECT count(*) FROM expectations WHERE status = 'fail'")" = 1 ] && pass || fail "moved: other expectations failed"
[ "$(ev "$mdb" "AND subject = 'db'")" = 0 ] && pass || fail "moved: db still blocked"
d=$(metric "$mdb" flow db delivered)
within 4900 5100 "$d" && pass || fail "moved: db delivered $d"
[ "$(metric "$mdb" firewall-wan branch-no-dc hits)" = 0.0 ] && pass || fail "moved: the block still hit"
[ "$(metric "$mdb" firewall-wan allow-sites hits)" = 3.0 ] && pass || fail "moved: allow-sites hits"

# no firewall: the section gone, every flow flows and all are inspected
awk '/^firewall:/ { skip = 1; next } /^[a-z]/ { skip = 0 } !skip' "$src" |
	grep -v 'firewall: blocked\|metric: blocked' >"$TMP/none.yaml"
ndb="$TMP/none.db"
"$SASEBED" run "$TMP/none.yaml" --quiet --db "$ndb" >"$TMP/out" 2>&1; rc=$?
[ "$rc" = 0 ] && pass || fail "no firewall: exit $rc: $(cat "$TMP/out")"
[ "$(sql "$ndb" "SELECT count(*) FROM metrics WHERE scope LIKE 'firewall-%'")" = 0 ] && pass || fail "no firewall: firewall metrics"
route=$(sql "$ndb" "SELECT detail FROM events WHERE kind = 'route' AND subject = 'db'")
[ "$route" = "tunnel:branch/wan1>fra > inspection:fra > tunnel:dc/wan1>fra" ] && pass || fail "no firewall: db's route: $route"
sent=$(sql "$ndb" "SELECT sum(value) FROM metrics WHERE scope = 'flow' AND metric = 'delivered'")
offered=$(metric "$ndb" inspection fra offered)
awk -v o="$offered" -v s="$sent" 'BEGIN { exit !(o >= s) }' && pass || fail "no firewall: inspection offered $offered of $sent delivered"
finish
