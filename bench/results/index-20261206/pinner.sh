#!/bin/bash
# while /tmp/pin-on exists: pin vigil-ingest* to CPU0 and vigil-pipeline to CPU1 in any agent JVM
while true; do
  for p in $(pgrep -f "vigil-idx.jar"); do
    for t in /proc/$p/task/*; do
      c=$(cat $t/comm 2>/dev/null)
      tid=${t##*/}
      if [ -e /tmp/pin-on ]; then
        case "$c" in vigil-ingest*) taskset -pc 0 $tid >/dev/null 2>&1;; vigil-pipeline*) taskset -pc 1 $tid >/dev/null 2>&1;; esac
      fi
    done
  done
  sleep 1
done
