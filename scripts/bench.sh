#!/usr/bin/env bash
# Runs every benchmark in scripts/bench/, each beside its peer, and prints ratios. Release builds go to
# .build-bench so they never disturb the debug build.
#
# Usage: scripts/bench.sh [NAME...]   (NAME = a script of scripts/bench/ without .sh; default: all of them)
# A failing script does not stop the others: the summary at the end says ok/failed and the wall time of each,
# and what the script left behind (cgroups, mounts, links, netns, nft tables, processes that were not there
# before it ran; on a shared host another process may own an entry, so it is a hint, not a verdict).
# Knobs the scripts read: RUNS (hyperfine runs), N (ckit.sh density containers), ITERATIONS (network.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/bench/lib.sh
release_build -j "$(nproc)" || exit 1

if [ $# -gt 0 ]; then
  scripts=()
  for n in "$@"; do scripts+=("scripts/bench/${n%.sh}.sh"); done
else
  scripts=()
  # lib.sh holds the scripts' shared helpers: sourced by them, not a benchmark.
  for b in scripts/bench/*.sh; do [ "$b" = scripts/bench/lib.sh ] || scripts+=("$b"); done
fi

# What a benchmark may leave behind, one entry a line.
snapshot() {
  {
    find /sys/fs/cgroup -maxdepth 3 -name 'ckit*' 2>/dev/null | sed 's/^/cgroup /'
    findmnt -rn -o TARGET 2>/dev/null | grep -i ckit | sed 's/^/mount /'
    ip -br link 2>/dev/null | awk '{print $1}' | grep -i ck | sed 's/^/link /'
    ip netns list 2>/dev/null | awk '{print $1}' | sed 's/^/netns /'
    nft list tables 2>/dev/null | sed 's/^/nft /'
    ps -eo pid=,args= | grep -E 'docker-registry|ckit-monitor|sleep 3600' | grep -v grep | sed 's/^ */process /'
  } | sort
}

summary=()
failed=0
for b in "${scripts[@]}"; do
  name=$(basename "$b" .sh)
  if [ ! -f "$b" ]; then
    summary+=("$(printf '%-10s failed   (no such script: %s)' "$name" "$b")")
    failed=1
    continue
  fi
  echo "== $b"
  before=$(snapshot)
  t0=$(date +%s.%N)
  bash "$b"
  rc=$?
  t1=$(date +%s.%N)
  left=$(comm -13 <(echo "$before") <(snapshot) | grep -v '^$' || true)
  wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$t0" "$t1")
  status=ok
  [ "$rc" -eq 0 ] || { status="failed (exit $rc)"; failed=1; }
  line=$(printf '%-10s %-16s %5s s' "$name" "$status" "$wall")
  if [ -n "$left" ]; then
    count=$(echo "$left" | wc -l)
    line+="  new on the host: $count ($(echo "$left" | cut -c1-60 | head -2 | paste -sd ';' -)...)"
    echo "$name: $count entries new on the host since it started (first 20):" >&2
    echo "$left" | head -20 | cut -c1-200 | sed 's/^/  /' >&2
  fi
  summary+=("$line")
done

echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${summary[@]}"
exit "$failed"
