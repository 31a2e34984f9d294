# Shared by the scenario tests.  make check sets SASEBED (the binary) and
# SRCDIR (the source tree); by hand, run from the build folder.
: "${SASEBED:=$PWD/sasebed}"
: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sasebed-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failures=0
passes=0

fail() { echo "not ok: $*" >&2; failures=$((failures + 1)); }
pass() { passes=$((passes + 1)); }

# sql DB QUERY: one value
sql() { sqlite3 -batch -noheader "$1" "$2"; }

# metric DB SCOPE SUBJECT NAME: a final metric's value
metric() { sql "$1" "SELECT value FROM metrics WHERE scope = '$2' AND subject = '$3' AND metric = '$4'"; }

# within LO HI VALUE: LO <= VALUE <= HI, decimals too; empty is not
within() {
	awk -v lo="$1" -v hi="$2" -v v="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'
}

# flows N FROM TO RATE SIZE [MORE]: N applications f0..f(N-1), one line of
# YAML each, as many distinct flows for placement tests
flows() {
	i=0
	while [ "$i" -lt "$1" ]; do
		echo "  - {name: f$i, kind: udp-cbr, from: $2, to: $3, rate: $4, packet-size: $5$6}"
		i=$((i + 1))
	done
}

# rnd N: a number from 0 to N-1 into r, drawn from a generator seeded
# by $seed (set it first), so that a test's random choices are the same
# every time.  Call it as is, not in $(...): a subshell would draw from
# the same state every time.
rnd() {
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	r=$(( seed / 65536 % $1 ))
}

# kill_at PID DB QUERY K J: SIGKILL process PID once QUERY on DB gives a
# first number of K or more and has been read J more times (or once PID
# has ended, or after 3000 reads), then reap it.  Sets seen, the last
# answer that reached K (empty if none did), and rc, PID's exit status.
# The reader opens DB read-only, so that it creates no file before the
# process does; it waits for what the file holds, not for the clock.
kill_at() {
	seen="" _n=0 _polls=0
	while kill -0 "$1" 2>/dev/null && [ $_polls -lt 3000 ]; do
		_polls=$((_polls + 1))
		_got=$(sqlite3 -batch -readonly -noheader -cmd ".timeout 5000" "$2" "$3" 2>/dev/null)
		[ -n "$_got" ] && [ "${_got%% *}" -ge "$4" ] || { sleep 0.01; continue; }
		seen=$_got
		[ $_n -ge "$5" ] && break
		_n=$((_n + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1"
	rc=$?
}

# block_below_allow FILE: the firewall test scenario with its block rule
# (branch-no-dc) moved below the allow rule (allow-sites), on stdout
block_below_allow() {
	awk '
		/- name: branch-no-dc/ { hold = 1 }
		hold && /allow-with-inspection/ { hold = 0 }
		hold { buf = buf $0 "\n"; next }
		{ print }
		/name: allow-sites/ { printf "%s", buf }
	' "$1"
}

finish() {
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
}

command -v sqlite3 >/dev/null || { echo "sqlite3 (the command) is needed: apt-get install sqlite3" >&2; exit 99; }
