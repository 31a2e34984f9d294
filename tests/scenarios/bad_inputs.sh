#!/bin/sh
# Every malformed scenario under tests/scenarios/bad/ must be refused with
# exit status 2 and a message naming FILE:LINE:COL and what is wrong (its
# .expect file holds "LINE:COL: words the message must contain"), by both
# `check` and `run`, and `run` must leave no results file behind.
. "$(dirname "$0")/lib.sh"
# what a run may use, the same on every machine, for the ones refused
# for want of memory
SASEBED_MEMORY=4GB; export SASEBED_MEMORY

n=0
for f in "$SRCDIR"/tests/scenarios/bad/*.yaml; do
	n=$((n + 1))
	exp=$(cat "${f%.yaml}.expect")
	loc=${exp%%: *}
	words=${exp#*: }
	for cmd in check run; do
		rm -f "$TMP/out.db"
		if [ "$cmd" = run ]; then
			"$SASEBED" run "$f" --db "$TMP/out.db" >"$TMP/out" 2>"$TMP/err"
		else
			"$SASEBED" check "$f" >"$TMP/out" 2>"$TMP/err"
		fi
		rc=$?
		if [ "$rc" -ne 2 ]; then
			fail "$cmd $(basename "$f"): exit $rc, expected 2"; continue
		fi
		if ! grep -qF "$f:$loc: " "$TMP/err"; then
			fail "$cmd $(basename "$f"): no '$f:$loc: ' in: $(cat "$TMP/err")"; continue
		fi
		if ! grep -qF -- "$words" "$TMP/err"; then
			fail "$cmd $(basename "$f"): no '$words' in: $(cat "$TMP/err")"; continue
		fi
		if [ -e "$TMP/out.db" ]; then
			fail "$cmd $(basename "$f"): a results file was written"; continue
		fi
		pass
	done
done
[ "$n" -ge 20 ] || fail "only $n malformed scenarios; the suite wants at least 20"
finish
