#!/usr/bin/env bash
# The README's test command: set the machine up, then build and run every unit and integration
# test (mvn verify). Exits non-zero when any test fails.
set -euo pipefail
here=$(dirname "$0")
"$here/setup.sh"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$LEVITATE_ROOT"
# Every shell script under scripts/ and dist/src/main/sh (each starts with a bash shebang) passes
# ShellCheck; the repository's .shellcheckrc tells it where the sourced env.sh lives.
mapfile -t scripts < <(grep -rlE '^#!/usr/bin/env bash|^#!/bin/bash' scripts dist/src/main/sh | sort)
shellcheck "${scripts[@]}"
echo "test: shellcheck clean on ${#scripts[@]} scripts"
# The machine-jitter tool builds (gcc -Werror) and reports; its figures are the machine's own.
jitter_dir=$(mktemp -d)
LEVITATE_BENCH_DIR=$jitter_dir scripts/jitter.sh 0 0.2 | grep -q 'gaps above   20 us'
rm -rf "$jitter_dir"
echo "test: scripts/jitter.sh builds and runs"
exec mvn -B -ntp -Pdist verify "$@"
