# Shared by the benchmark scripts (sourced, not run): release build, throwaway PostgreSQL, shop-api
# start and stop, and a wrk run printed as one row.
bench_secret=benchmark-secret-0123456789abcdef-0123
bench_bin=.build/release/shop-api

bench_require() { # commands...
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install $tool)" >&2; exit 1; }; done
}

bench_build() {
  swift build -c release --product shop-api >/tmp/shop-bench-build.log 2>&1 || { cat /tmp/shop-bench-build.log; exit 1; }
}

# Starts shop-api in the background on PORT against DATABASE_URL, extra flags after; sets bench_server.
# bench_pin (e.g. "taskset -c 1") runs it on given cores from the start, so it sizes its threads to them.
bench_pin=
bench_start_server() { # port database-url log-file flags...
  local port=$1 url=$2 log=$3; shift 3
  bench_data=$(mktemp -d /tmp/shop-bench.XXXXXX)
  $bench_pin "$bench_bin" serve --port "$port" --data-dir "$bench_data" --database-url "$url" --jwt-secret "$bench_secret" \
    --demo-catalog 1000 --rate-limits off "$@" >"$log" 2>&1 &
  bench_server=$!
  "$(dirname "${BASH_SOURCE[0]}")/../scripts/wait-ready" "http://127.0.0.1:$port" 30 && return 0
  echo "shop-api did not become ready; its log:" >&2; tail -n 20 "$log" >&2; exit 1
}

# The server's CPU time so far in clock ticks (100 a second), 0 without one.
bench_server_ticks() {
  [ -n "${bench_server:-}" ] && [ -r "/proc/$bench_server/stat" ] || { echo 0; return; }
  awk '{print $14 + $15}' "/proc/$bench_server/stat"
}

bench_stop_server() {
  [ -n "${bench_server:-}" ] || return 0
  kill "$bench_server" 2>/dev/null || true
  wait "$bench_server" 2>/dev/null || true
  bench_server=
  rm -rf "${bench_data:-}"
}

# Starts benchmarks/otlp-sink.py on PORT (flags after, e.g. --discard), run by bench_sink_pin (e.g.
# "taskset -c 0"); sets bench_sink. Stops the benchmark if it cannot listen: spans sent to something else
# already on that port would be measured against an unknown sink.
bench_sink_pin=
bench_start_sink() { # port flags...
  local port=$1; shift
  python3 -c "import opentelemetry.proto" 2>/dev/null || { echo "installing opentelemetry-proto (PyPI) for the OTLP sink…"
    python3 -m pip install -q opentelemetry-proto || python3 -m pip install -q --break-system-packages opentelemetry-proto; }
  $bench_sink_pin python3 benchmarks/otlp-sink.py "$port" "$@" 2>/dev/null &
  bench_sink=$!
  for _ in $(seq 1 50); do
    kill -0 "$bench_sink" 2>/dev/null || break
    curl -fs "http://127.0.0.1:$port/spans" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the OTLP sink could not listen on 127.0.0.1:$port (is something else there?)" >&2
  exit 1
}
bench_stop_sink() {
  if [ -n "${bench_sink:-}" ]; then kill "$bench_sink" 2>/dev/null || true; fi
  bench_sink=
}

# The wrk script and URL that exercise one endpoint (product, stock or order) on PORT: sets bench_script and
# bench_url, or fails naming the endpoint.
bench_endpoint() { # endpoint port
  case $1 in
    product) bench_script=benchmarks/product-read.lua bench_url="http://127.0.0.1:$2" ;;
    stock) bench_script=benchmarks/stock-read.lua bench_url="http://127.0.0.1:$2" ;;
    order) bench_script=benchmarks/orders.lua bench_url="http://127.0.0.1:$2/v1/orders" ;;
    *) echo "the endpoint must be product, stock or order, not $1" >&2; return 2 ;;
  esac
}

# A long-lived customer token: minted once, verified by signature on every request.
bench_token() { "$bench_bin" token --sub bench-customer --role customer --ttl 3600 --jwt-secret "$bench_secret"; }

# wrk's latency (e.g. 812.00us, 4.23ms, 1.02s) in milliseconds.
bench_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.2f", n }'; }

# Runs wrk (2 s warm-up, then DURATION s with CONNECTIONS connections) and sets bench_rps, bench_p99 (ms)
# and bench_errors (non-2xx responses) from its report. bench_wrk_command says how wrk is run (default: two
# threads on any core; benchmarks/compare pins one thread to the clients' core).
bench_wrk_command="wrk -t2"
# Sets bench_rps, bench_p99 (ms), bench_errors and, with a server started, bench_cpu_us: the server's CPU
# (user and system, from /proc) per request during the measured run.
bench_wrk() { # wrk arguments...
  $bench_wrk_command -c"$connections" -d2s "$@" >/dev/null
  local before; before=$(bench_server_ticks)
  local out; out=$($bench_wrk_command -c"$connections" -d"${duration}s" --latency "$@")
  local after; after=$(bench_server_ticks)
  local requests; requests=$(awk '/requests in/ {print $1}' <<<"$out")
  bench_cpu_us=$(awk -v t=$((after - before)) -v n="${requests:-0}" 'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / 100 / n; else print "-" }')
  bench_rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  bench_p99=$(bench_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  bench_errors=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  bench_errors=${bench_errors:-0}
}

# A shop-load result's totals over every endpoint: prints "completed errors late%" (late: the share of
# requests sent after their intended start, by more than the tolerance: they waited for a connection).
bench_load_totals() { # result.json
  python3 -c '
import json, sys
a = [s for s in json.load(open(sys.argv[1]))["summary"] if s["endpoint"] == "all"][0]
print(a["completed"], a["errors"], "%.1f" % (100 * a["late"] / max(a["completed"], 1)))' "$1"
}

# FastAPI, uvicorn, asyncpg, PyJWT and Locust from PyPI, in a virtualenv under .build-bench (kept between
# runs, ignored by git): sets bench_venv.
bench_venv=.build-bench/venv
bench_python_tools() {
  [ -x "$bench_venv/bin/locust" ] && [ -x "$bench_venv/bin/uvicorn" ] && return 0
  echo "installing the FastAPI peer's stack and Locust (PyPI) into $bench_venv…"
  python3 -m venv "$bench_venv"
  "$bench_venv/bin/pip" install -q -r benchmarks/peers/fastapi/requirements.txt -r benchmarks/peers/locust/requirements.txt
}

# Figures kept per run, reported as medians: `bench_keep KEY VALUE`, `bench_median KEY`.
declare -A bench_runs
bench_keep() { bench_runs[$1]="${bench_runs[$1]:-} $2"; }
bench_median() {
  tr ' ' '\n' <<<"${bench_runs[$1]:-}" | grep -v '^$' | sort -g \
    | awk '{v[NR] = $1} END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The sum of every run's value of every key matching a glob.
bench_total_of() { # glob
  local key sum=0
  for key in "${!bench_runs[@]}"; do
    # shellcheck disable=SC2053
    [[ $key == $1 ]] && sum=$(tr ' ' '\n' <<<"${bench_runs[$key]}" | awk -v s="$sum" '{s += $1} END {print s}')
  done
  echo "$sum"
}
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f×", a / b }'; }
bench_share() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.0f%%", 100 * a / b }'; }
bench_print_raw() {
  echo "raw figures, one per run:"
  local key
  for key in $(printf '%s\n' "${!bench_runs[@]}" | sort); do printf '  %-32s%s\n' "$key" "${bench_runs[$key]}"; done
}
# With FIGURES set, appends every median as "key value" (how benchmarks/compare collects a child's figures).
bench_write_figures() {
  [ -n "${FIGURES:-}" ] || return 0
  local key
  for key in "${!bench_runs[@]}"; do echo "$key $(bench_median "$key")"; done >>"$FIGURES"
}
