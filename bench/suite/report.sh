#!/usr/bin/env bash
# Summary and target table of bench/suite.sh, from its per-run figures.
# usage: report.sh RESULTS   (lines `system workload n seconds`, one per run)
# Prints `system workload N seconds rate (min max)` medians, then the issue 6
# targets with PASS/MISS; a target whose figures are missing is left out.
set -eu
results=$1
W1_N=${W1_N:-2000} W2_N=${W2_N:-200} W3_N=${W3_N:-502}
# stats SYSTEM WORKLOAD: "n median min max" or nothing.
stats() {
  awk -v s="$1" -v w="$2" '$1 == s && $2 == w {print $3, $4}' "$results" | sort -k2,2g |
    awk '{n = $1; v[NR] = $2} END {
      if (NR == 0) exit
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s %.6f %.6f %.6f\n", n, m, v[1], v[NR] }'
}
med() { stats "$1" "$2" | awk '{print $2}'; }

{
  echo "system workload N seconds rate   (median of the runs; min max)"
  for s in pipegrid-up pipegrid-cluster pipegrid-up-full xargs parallel shell spawn celery dask; do
    for w in W1 W2 W3 W4 L1p50 L1p99; do
      st=$(stats "$s" "$w")
      [ -n "$st" ] || continue
      set -- $st
      if [ "${w#L1}" != "$w" ]; then
        printf '%-17s %-6s %5s %9.4f %9s   (min %.4f max %.4f)  [%.2f ms]\n' "$s" "$w" "$1" "$2" \
          - "$3" "$4" "$(awk -v x="$2" 'BEGIN{print x * 1000}')"
      else
        printf '%-17s %-6s %5s %9.4f %9.1f   (min %.4f max %.4f)\n' "$s" "$w" "$1" "$2" \
          "$(awk -v n="$1" -v x="$2" 'BEGIN{print n / x}')" "$3" "$4"
      fi
    done
  done
}
echo

# verdict LABEL MEASURED-TEXT PASS(1|0)
verdict() { printf '%-58s %-26s %s\n' "$1" "$2" "$([ "$3" = 1 ] && echo PASS || echo MISS)"; }
check() {  # awk expression over a,b,c,d -> prints "text pass"
  awk -v a="${2:-}" -v b="${3:-}" -v c="${4:-}" -v d="${5:-}" "BEGIN{ $1 }"
}
{
  printf '%-58s %-26s %s\n' target measured verdict
  for s in pipegrid-up pipegrid-cluster; do
    pg1=$(med "$s" W1) pg2=$(med "$s" W2) pg3=$(med "$s" W3) pg4=$(med "$s" W4)
    [ -n "$pg1$pg2$pg3$pg4" ] || continue
    x1=$(med xargs W1) sh2=$(med shell W2) x3=$(med xargs W3) x4=$(med xargs W4)
    set -- $(check 'r = b / a; printf "%.2fx %d", r, (r >= 0.9)' "$pg1" "$x1")
    verdict "$s W1 throughput >= 0.9x xargs" "$1" "$2"
    set -- $(check 'h = (a - b) / c * 1000; printf "%.3fms/hop %d", h, (h <= 1)' "$pg2" "$sh2" "$W2_N")
    verdict "$s W2 <= 1 ms/hop beyond the shell loop" "$1" "$2"
    set -- $(check 'r = b / a; printf "%.2fx %d", r, (r >= 0.9)' "$pg3" "$x3")
    verdict "$s W3 throughput >= 0.9x floor (xargs shape)" "$1" "$2"
    set -- $(check 'r = a / b; printf "%.3fx %d", r, (r <= 1.05)' "$pg4" "$x4")
    verdict "$s W4 time <= 1.05x xargs" "$1" "$2"
    set -- $(check 'printf "%.2fms %d", a * 1000, (a < 0.001)' "$(med "$s" L1p50)")
    verdict "$s L1 p50 < 1 ms" "$1" "$2"
    set -- $(check 'printf "%.2fms %d", a * 1000, (a < 0.005)' "$(med "$s" L1p99)")
    verdict "$s L1 p99 < 5 ms" "$1" "$2"
    # Peers: overhead per task beyond the floor <= 1/10 of the better peer's.
    for w in W1 W2 W3; do
      case $w in W1) f=$x1 n=$W1_N p=$pg1 ;; W2) f=$sh2 n=$W2_N p=$pg2 ;; W3) f=$x3 n=$W3_N p=$pg3 ;; esac
      best=""
      for peer in celery dask; do
        v=$(med "$peer" "$w")
        [ -n "$v" ] || continue
        if [ -z "$best" ] || awk -v v="$v" -v b="$best" 'BEGIN{exit !(v < b)}'; then best=$v; fi
      done
      [ -n "$best" ] || continue
      set -- $(check 'o = (a - b) / c * 1000; q = (d - b) / c * 1000;
                      printf "%.3f_vs_%.3fms/task %d", o, q, (o <= q / 10)' "$p" "$f" "$n" "$best")
      verdict "$s $w overhead/task <= 1/10 of best peer's" "${1//_/ }" "$2"
    done
  done
}
