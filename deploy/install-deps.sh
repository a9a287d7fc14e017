#!/usr/bin/env bash
# deploy/install-deps.sh [run|test] - install the Debian 12 packages Candour needs,
# and only those that are missing.
#
#   run   what the run command (deploy/run.sh) needs: the toolchain, the -dev
#         libraries (the one CMake build also configures the Criterion tests, so
#         libcriterion-dev is here too) and the PostgreSQL server for the
#         private cluster.
#   test  (default) all of the above plus what only the tests use: docker-compose
#         (compose-file validation), clang and libclang-rt-14-dev (fuzzing),
#         poppler-utils (the PDF letters' tests), Patroni and etcd (failover).
#
# Checks each package with dpkg-query; runs `apt-get update` once, and only when
# something is missing, then one `apt-get install`. Needs root only when it has
# something to install. Used by deploy/run.sh and tests/run.sh.
set -euo pipefail

mode=${1:-test}

run_pkgs=(
  build-essential cmake pkg-config
  libzmq3-dev libsodium-dev libuv1-dev libpq-dev libprotobuf-c-dev protobuf-c-compiler
  libcriterion-dev libjansson-dev libmicrohttpd-dev
  libpango1.0-dev libcairo2-dev  # notify's letters as PDF (pango lays out, cairo writes)
  fonts-dejavu-core   # the letters' fonts, embedded in each PDF
  libcurl4-openssl-dev  # notify's email: SMTP with STARTTLS and authentication
  libjwt-dev libssl-dev  # the gateway's bearer tokens: JWT signatures, OpenSSL keys
  postgresql          # initdb/pg_ctl/pg_isready/psql for the private cluster; the
                      # Debian default cluster it may create is never used
  curl procps iproute2 util-linux acl
)
test_pkgs=(
  docker-compose      # `docker-compose config` validates docker-compose.yml
  clang libclang-rt-14-dev
  poppler-utils       # pdfinfo/pdftotext/pdffonts read back the letters' PDFs
  python3-aiosmtpd openssl  # a real SMTP server on loopback for the email tests
  python3-jsonschema        # the API document's examples checked against its schemas
  python3-yaml              # tests/k8s/check.py reads the Kubernetes manifests
  patroni etcd-server python3-etcd  # the failover test's cluster (deploy/patroni.sh)
)

case "$mode" in
  run) pkgs=("${run_pkgs[@]}") ;;
  test | all) pkgs=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  *)
    echo "usage: $0 [run|test]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#pkgs[@]} packages present ($mode)"
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: run as root (or: sudo apt-get update && sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
echo "install-deps: installed ${missing[*]}"
