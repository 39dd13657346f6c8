#!/bin/bash
# Integration test (b): test (a) with the sensor holding only CAP_BPF and
# CAP_PERFMON (its bounding set reduced with capsh --drop).
exec "$(dirname "$0")/events.sh" reduced
