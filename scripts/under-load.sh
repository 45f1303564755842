#!/usr/bin/env bash
# Runs a command with two CPU-heavy processes beside it and logs the load average, so the claim
# "the quick lane and the full suite pass beside two CPU burners" can be checked on any machine:
#   bash scripts/under-load.sh pnpm test:quick
#   PAYKIT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bash scripts/under-load.sh pnpm test
# The load log goes to $UNDER_LOAD_LOG (default under-load.log); the summary line at the end gives
# the duration, the load-average range and the command's exit code.
set -u
log="${UNDER_LOAD_LOG:-under-load.log}"
: > "$log"
burners=()
for _ in 1 2; do
  node -e 'for(;;){}' &
  burners+=($!)
done
(
  while true; do
    echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"
    sleep 30
  done
) &
sampler=$!
stop() { kill "${burners[@]}" "$sampler" 2>/dev/null; }
trap stop EXIT
start=$(date +%s)
"$@"
code=$?
stop
trap - EXIT
elapsed=$(( $(date +%s) - start ))
range=$(awk '{print $2}' "$log" | sort -n | awk 'NR==1{min=$1} {max=$1} END{print min "-" max}')
echo "under-load: exit ${code}, ${elapsed} s with two CPU burners, 1-minute load average ${range} (samples in ${log})"
exit "$code"
