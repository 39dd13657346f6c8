#!/bin/bash
# Integration test (b): test (a) with the sensor holding only CAP_BPF and
# CAP_PERFMON (its bounding set reduced with capsh --drop); then (b2),
# caps-setpriv.sh: the same set given the way the agent starts the sensor
# (setpriv), another user's command line without CAP_DAC_READ_SEARCH, and the
# agent's socket reached through its group, which CAP_DAC_READ_SEARCH does not replace.
set -e
"$(dirname "$0")/events.sh" reduced
exec "$(dirname "$0")/caps-setpriv.sh"
