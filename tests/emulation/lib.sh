# Shared by the emulation tests: the scenario tests' helpers, and a skip
# (exit 77, with the reason) where emulation cannot run.
. "$(dirname "$0")/../scenarios/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "emulation needs root (network namespaces)"
command -v ip >/dev/null || skip "iproute2's ip is not installed"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
ip netns add "sbprobe-$$" 2>/dev/null || skip "cannot make a network namespace here"
ip netns del "sbprobe-$$"
