#!/bin/bash
# Runs the ingest probe (bench/probes/ingest-probe.ts, built) with every PostgreSQL statement logged, then prints the mean
# duration per batch of the ingest transaction's statements (COPY, the combined rollup statement,
# compaction, commit). Needs a local PostgreSQL whose log is at $PG_LOG and superuser rights to
# ALTER SYSTEM (reset afterwards, also on failure). Same env as the probe.
#   npm run build && SEQ=1,2 S=20 bash bench/probes/statement-log.sh   (from the repository root)
set -u
LOG=${PG_LOG:-/var/log/postgresql/postgresql-15-main.log}
PSQL=(psql -qh 127.0.0.1 -U postgres -d postgres)
"${PSQL[@]}" -c "alter system set log_min_duration_statement = 0" -c "select pg_reload_conf()" >/dev/null
trap '"${PSQL[@]}" -c "alter system reset log_min_duration_statement" -c "select pg_reload_conf()" >/dev/null' EXIT
from=$(($(wc -l < "$LOG") + 1))
node dist/bench/probes/ingest-probe.js
tail -n +"$from" "$LOG" | awk '
  function ms() { match($0, /duration: [0-9.]+/); return substr($0, RSTART + 10, RLENGTH - 10) }
  /duration: .*statement: copy clicks/ { s["copy"] += ms(); n["copy"]++ }
  /duration: .*statement: commit/ { s["commit"] += ms(); n["commit"]++ }
  /duration: .* execute <unnamed>: *$/ { d = ms(); getline; while ($0 ~ /^[[:space:]]*$/) getline
    k = ($0 ~ /with up as/) ? "rollups+links" : "compaction"; s[k] += d; n[k]++ }
  END { for (k in s) printf "%s: %.1f ms per statement (n=%d)\n", k, s[k] / n[k], n[k] }'
