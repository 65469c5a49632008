#!/usr/bin/env bash
# The test command. Starts what the tests need, runs `dotnet test AbmSync.sln`, and cleans up:
#  - a throwaway PostgreSQL cluster (initdb/pg_ctl as the postgres user, a free loopback port, a temp data dir),
#    whose connection string reaches the tests as ABMSYNC_TEST_POSTGRES;
#  - the Node packages of the protocol conformance tests (npm ci from the committed lock file);
#  - Debian's Chromium for the browser tests, installed when missing.
# Extra arguments go to dotnet test (e.g. --filter).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# The browser tests (BrowserTests) drive Debian's Chromium through Playwright; Playwright's own browser downloads are
# not used. Installed when missing (as root, e.g. in CI); without it those tests fail, they do not skip.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "== apt-get install chromium"
    export DEBIAN_FRONTEND=noninteractive
    # Not fatal: without it the browser tests fail and say why, the rest still runs.
    { apt-get update -qq && apt-get install -y -qq chromium; } >/dev/null \
      || echo "== apt-get install chromium failed: the browser tests will fail" >&2
  else
    echo "== chromium not found and not root: the browser tests will fail (apt-get install -y chromium)" >&2
  fi
fi

if [ -f tests/conformance/package-lock.json ]; then
  echo "== npm ci (tests/conformance)"
  # The conformance tests take the same lock (shared while a script runs): a second test run on this machine must
  # not wipe node_modules under a running one.
  (cd tests/conformance && flock /tmp/abmsync-conformance-npm.lock npm ci --no-audit --no-fund --loglevel=error)
fi

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$pgbin" ] && [ -x "$pgbin/initdb" ]; then
  data=$(mktemp -d /tmp/abmsync-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  as_postgres=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$data"
    as_postgres=(runuser -u postgres --)
  fi
  "${as_postgres[@]}" "$pgbin/initdb" -D "$data" -A trust -U postgres >/dev/null
  "${as_postgres[@]}" "$pgbin/pg_ctl" -D "$data" -l "$data/server.log" \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
  stop_pg() { "${as_postgres[@]}" "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$data"; }
  trap stop_pg EXIT
  export ABMSYNC_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  echo "== PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
else
  echo "== PostgreSQL not found under /usr/lib/postgresql: tests that need it will fail" >&2
fi

echo "== dotnet test AbmSync.sln"
dotnet test AbmSync.sln "$@"
