#!/usr/bin/env bash
# Checks that a release tag (v1.2.3) names the version of package.json and of the chart (version and
# appVersion), so that the image, the chart and the notes all carry the same version. Prints it.
#
#   .github/scripts/check-version.sh v0.1.0
set -euo pipefail

tag="${1:?usage: check-version.sh TAG}"
if [[ ! "$tag" =~ ^v([0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?)$ ]]; then
  echo "check-version.sh: tag '$tag' is not of the form v1.2.3" >&2
  exit 1
fi
version="${BASH_REMATCH[1]}"
chart=charts/paiflow-controller/Chart.yaml
declare -A found=(
  [package.json]="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)"
  ["$chart version"]="$(sed -n 's/^version: \(.*\)$/\1/p' "$chart")"
  ["$chart appVersion"]="$(sed -n 's/^appVersion: \(.*\)$/\1/p' "$chart")"
)
for where in "${!found[@]}"; do
  if [ "${found[$where]}" != "$version" ]; then
    echo "check-version.sh: tag $tag, but $where says '${found[$where]}'" >&2
    exit 1
  fi
done
echo "$version"
