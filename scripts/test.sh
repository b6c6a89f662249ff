#!/usr/bin/env bash
# The README's test command: set the machine up, then build and run every unit and integration
# test (mvn verify). Exits non-zero when any test fails.
set -euo pipefail
here=$(dirname "$0")
"$here/setup.sh"
. "$here/env.sh"
cd "$LEVITATE_ROOT"
exec mvn -B -ntp -Pdist verify "$@"
