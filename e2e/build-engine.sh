#!/usr/bin/env bash
# Builds the real Pulumi engine pieces and a Kubernetes API server from published Go modules for the
# e2e tier (see e2e/README.md), into a cache keyed by the versions and our own sources:
#   ${OM_SECRETS_ENGINE_CACHE:-~/.cache/om-secrets/engine}/<key>/bin
# A warm cache rebuilds nothing. The Go module and build caches live beside it (gomod/, gocache/).
# Prints the bin directory as its last line; --cached prints it only if it is already built (else exit 3). Needs Go >= 1.26.6 (pkg/v3's go.mod).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
engine="$here/engine"
root="${OM_SECRETS_ENGINE_CACHE:-$HOME/.cache/om-secrets/engine}"

PULUMI_VERSION=v3.274.0            # e2e/engine/pulumi/go.mod (the proxy serves no pkg/v3 v3.272.0)
K8S_PROVIDER_VERSION=4.25.0        # the release commit of e2e/engine/kubernetes/go.mod's pseudo-version
KUBE_VERSION=v1.34.4               # e2e/engine/apiserver/go.mod

command -v go >/dev/null || { echo "build-engine: no go on PATH" >&2; exit 2; }
export GOMODCACHE="$root/gomod" GOCACHE="$root/gocache"
export GOFLAGS="-buildvcs=false -mod=readonly -p=${OM_SECRETS_GO_PARALLEL:-2}"
export GOTOOLCHAIN=local

key="$( { go env GOVERSION; echo "$PULUMI_VERSION $K8S_PROVIDER_VERSION $KUBE_VERSION"; cat "$0";
          cd "$engine" && find . -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) | LC_ALL=C sort | xargs cat; } \
        | sha256sum | cut -c1-16)"
dest="$root/pulumi-$PULUMI_VERSION-k8s-$KUBE_VERSION-$key"
bin="$dest/bin"
if [ "${1:-}" = "--cached" ]; then  # print the bin dir only if already built (used by the e2e tests)
  [ -f "$bin/.complete" ] && { echo "$bin"; exit 0; }
  echo "not built: $bin" >&2; exit 3
fi
mkdir -p "$root"
exec 9>"$root/.build.lock"
flock 9
if [ -f "$bin/.complete" ]; then
  echo "build-engine: cached $bin" >&2
  echo "$bin"
  exit 0
fi

start=$(date +%s)
tmp="$dest/bin.partial"
rm -rf "$tmp" && mkdir -p "$tmp"
build() { # module-dir output package [ldflags]
  local dir="$1" out="$2" pkg="$3" ld="${4:-}"
  echo "build-engine: $(basename "$dir") -> $out" >&2
  (cd "$dir" && nice -n 10 go build -trimpath -o "$tmp/$out" -ldflags "-s -w $ld" "$pkg")
}

# Pulumi CLI, our minimal Python language host (+ the SDK's exec script) and the random and tls stand-ins.
build "$engine/pulumi" pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
build "$engine/pulumi" pulumi-language-python ./cmd/pulumi-language-python \
  "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
build "$engine/pulumi" pulumi-resource-random ./cmd/pulumi-resource-random
build "$engine/pulumi" pulumi-resource-tls ./cmd/pulumi-resource-tls
moddir() { # module-dir module: where the module's source is, downloaded first (an empty cache has no Dir)
  (cd "$1" && go mod download "$2" && go list -m -f '{{.Dir}}' "$2")
}
sdkdir="$(moddir "$engine/pulumi" github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdkdir/python/cmd/pulumi-language-python-exec" "$tmp/pulumi-language-python-exec"

# pulumi-kubernetes: schema and mapping come from the provider module at build time (git-ignored here).
provdir="$(moddir "$engine/kubernetes" github.com/pulumi/pulumi-kubernetes/provider/v4)"
install -m 0644 "$provdir/cmd/pulumi-resource-kubernetes/schema.json" "$provdir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" \
  "$engine/kubernetes/cmd/pulumi-resource-kubernetes/"
build "$engine/kubernetes" pulumi-resource-kubernetes ./cmd/pulumi-resource-kubernetes \
  "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION"

# kube-apiserver and etcd (the etcd server module at the version k8s.io/kubernetes requires).
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
build "$engine/apiserver" kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver \
  "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
build "$engine/apiserver" etcd ./cmd/etcd

{ echo "pulumi $PULUMI_VERSION"; echo "pulumi-resource-kubernetes $K8S_PROVIDER_VERSION"
  echo "kube-apiserver $KUBE_VERSION"; echo "etcd $(cd "$engine/apiserver" && go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
  echo "pulumi-resource-random om-secrets stand-in"; echo "pulumi-resource-tls om-secrets stand-in"
  echo "go $(go env GOVERSION)"; echo "build_seconds $(( $(date +%s) - start ))"; } > "$tmp/VERSIONS"
rm -rf "$bin" && mv "$tmp" "$bin" && touch "$bin/.complete"
echo "build-engine: built $bin in $(( $(date +%s) - start ))s" >&2
echo "$bin"
