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
exec mvn -B -ntp -Pdist verify "$@"
