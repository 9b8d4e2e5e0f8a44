#!/usr/bin/env bash
# Prints the CHANGELOG.md section of one version (without its heading): the release notes.
# Fails when the section is missing or empty, so that no release goes out without notes.
#
#   .github/scripts/release-notes.sh 0.1.0 [CHANGELOG.md]
set -euo pipefail

version="${1:?usage: release-notes.sh VERSION [CHANGELOG]}"
changelog="${2:-CHANGELOG.md}"
notes="$(awk -v heading="## [$version]" '
  index($0, "## [") == 1 { inside = (index($0, heading) == 1); next }
  inside { print }
' "$changelog" | sed -e '/./,$!d')"
if [ -z "${notes//[[:space:]]/}" ]; then
  echo "release-notes.sh: $changelog has no notes under '## [$version]'" >&2
  exit 1
fi
printf '%s\n' "$notes"
