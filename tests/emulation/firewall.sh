#!/bin/sh
# The WAN firewall in the PoP daemon: the firewall scenario of the
# simulator's tests (tests/scenarios/good/firewall.yaml) run for real.  The
# rule blocking branch from the dc's subnet drops the db flow at the PoP,
# with an fw-block event naming the rule, while the other site-to-site
# flows arrive; moved below the allow rule, it decides nothing and db
# arrives.  Needs root: skipped otherwise.
. "$(dirname "$0")/lib.sh"
src="$SRCDIR/tests/scenarios/good/firewall.yaml"

emulate() {
	"$SASEBED" emulate "$1" --until 4s --db "$2" --out "$TMP/out" >"$TMP/out.txt" 2>&1
	echo $?
}
db="$TMP/fw.db"
rc=$(emulate "$src" "$db")
cat "$TMP/out.txt"
# the Internet flows are not emulated, so their expectations have no data
[ "$rc" = 1 ] && pass || fail "exit $rc"
for x in "db blocked by the firewall: measured 100%: pass" \
    "lab-db allowed by the firewall: measured 0%: pass" \
    "files blocked at-most 0: measured 0%: pass"; do
	grep -q "flow $x" "$TMP/out.txt" && pass || fail "not said: flow $x"
done
ev=$(sql "$db" "SELECT node || ' ' || subject || ' ' || detail FROM events WHERE kind = 'fw-block'")
[ "$ev" = "fra db branch-no-dc" ] && pass || fail "fw-block events: '$ev'"
got=$(sql "$db" "SELECT value FROM metrics WHERE subject = 'db' AND metric = 'delivered'")
[ "${got:-0}" = 0.0 ] && pass || fail "db delivered ${got:-none} through a block"
got=$(sql "$db" "SELECT value FROM metrics WHERE subject = 'lab-db' AND metric = 'delivered'")
[ "${got%.*}" -gt 500 ] && pass || fail "lab-db delivered only $got"
hits=$(sql "$db" "SELECT detail FROM events WHERE kind = 'firewall-counters' AND subject = 'branch-no-dc'")
echo "$hits" | grep -q "sessions 1," && pass || fail "branch-no-dc counted: $hits"

# the block below the allow rule: it never decides, db arrives
block_below_allow "$src" >"$TMP/moved.yaml"
mdb="$TMP/moved.db"
rc=$(emulate "$TMP/moved.yaml" "$mdb")
grep -q "flow db blocked by the firewall: measured 0%: fail" "$TMP/out.txt" && pass ||
    { cat "$TMP/out.txt"; fail "moved: db still blocked"; }
n=$(sql "$mdb" "SELECT count(*) FROM events WHERE kind = 'fw-block'")
[ "$n" = 0 ] && pass || fail "moved: $n fw-block events"
got=$(sql "$mdb" "SELECT value FROM metrics WHERE subject = 'db' AND metric = 'delivered'")
[ "${got%.*}" -gt 500 ] && pass || fail "moved: db delivered only $got"
finish
