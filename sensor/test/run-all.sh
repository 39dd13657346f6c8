#!/bin/bash
# Runs every sensor test; exits non-zero if any failed.
# VIGIL_REQUIRE_INTEGRATION=1 turns the integration tests' SKIPs into failures.
cd "$(dirname "$0")"
rc=0
make -s -C .. check || rc=1
for t in events.sh caps.sh reconnect.sh containers.sh stdin-stop.sh throttle.sh; do
	[ -x "$t" ] || continue
	echo "== $t"
	./"$t" || rc=1
done
[ $rc = 0 ] && echo "ALL PASSED" || echo "SOME FAILED"
exit $rc
