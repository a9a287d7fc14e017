#!/usr/bin/env bash
# deploy/image.sh - build Candour's container images without an image registry.
#
# The base image is made from Debian's own packages (debootstrap, minbase) and
# imported into the local Docker engine, so `FROM debian:12` never has to be pulled;
# the Candour image is then built from deploy/Dockerfile on top of it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DOCKER=${DOCKER:-docker}
SUITE=${CANDOUR_BASE_SUITE:-bookworm}
BASE_TAG=${CANDOUR_BASE_IMAGE:-candour-base:$SUITE}
IMAGE_TAG=${CANDOUR_IMAGE:-candour:local}

say() { printf 'image: %s\n' "$*" >&2; }

usage() {
  cat <<EOF
usage: deploy/image.sh COMMAND

  rootfs FILE   debootstrap --variant=minbase $SUITE into a temporary folder and
                write it as the tarball FILE (root; needs debootstrap, no engine)
  base [FILE]   import FILE (or a new rootfs, made as above and then removed)
                into the engine as $BASE_TAG
  build         build $IMAGE_TAG from deploy/Dockerfile on $BASE_TAG (made first
                by 'base' if the engine lacks it)
  mirrors       print the Debian and security mirrors 'rootfs' would use

Environment:
  CANDOUR_MIRROR           Debian mirror [the first one for $SUITE in /etc/apt]
  CANDOUR_SECURITY_MIRROR  security mirror [the first one for $SUITE-security in
                           /etc/apt; none: the image gets no security suite]
  CANDOUR_BASE_SUITE       Debian suite [bookworm]
  CANDOUR_BASE_IMAGE       base image tag [candour-base:SUITE]
  CANDOUR_IMAGE            Candour image tag [candour:local]
  DOCKER                   the docker client [docker]
  DOCKER_BUILDKIT          0: the classic builder, which uses the local base
                           image as it is [0]
EOF
}

# "URI SUITE" for every Debian source of this machine's apt, one-line and deb822.
apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    # deb [options] URI SUITE COMPONENT...
    awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                       print $i, $(i + 1) }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    awk 'function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no")
                              for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++)
                                print uris[u], suites[s];
                            types = ""; enabled = ""; nu = 0; ns = 0 }
         /^#/ { next }
         /^[ \t]*$/ { flush(); next }
         tolower($1) == "types:" { types = substr($0, index($0, ":") + 1) }
         tolower($1) == "enabled:" { enabled = tolower($2) }
         tolower($1) == "uris:" { for (i = 2; i <= NF; i++) uris[++nu] = $i }
         tolower($1) == "suites:" { for (i = 2; i <= NF; i++) suites[++ns] = $i }
         END { flush() }' "$f"
  done
}

mirror_for() { # suite -> the first URI apt uses for it
  apt_sources | awk -v s="$1" '$2 == s { print $1; exit }'
}

mirrors() {
  MIRROR=${CANDOUR_MIRROR:-$(mirror_for "$SUITE")}
  SECURITY=${CANDOUR_SECURITY_MIRROR-$(mirror_for "$SUITE-security")}
  [[ -n "$MIRROR" ]] || {
    say "no Debian mirror for $SUITE in /etc/apt; set CANDOUR_MIRROR"
    exit 2
  }
}

make_rootfs() { # tarball
  local out=$1 dir
  [[ $(id -u) == 0 ]] || {
    say "rootfs needs root (debootstrap)"
    exit 2
  }
  command -v debootstrap >/dev/null || {
    say "debootstrap is missing: apt-get install debootstrap"
    exit 2
  }
  mirrors
  dir=$(mktemp -d "${TMPDIR:-/tmp}/candour-rootfs.XXXXXX")
  # shellcheck disable=SC2064  # the folder is fixed now
  trap "rm -rf '$dir'" EXIT
  say "debootstrap --variant=minbase $SUITE from $MIRROR"
  debootstrap --variant=minbase "$SUITE" "$dir" "$MIRROR" >"$dir.log" 2>&1 || {
    tail -n 20 "$dir.log" >&2
    rm -f "$dir.log"
    exit 1
  }
  rm -f "$dir.log"
  # apt in the image uses the same mirrors, with updates and security as debian:12 does
  rm -f "$dir/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' \
      "$MIRROR" "$SUITE" "$SUITE"
    [[ -z "$SECURITY" ]] ||
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$SECURITY" "$SUITE"
  } >"$dir/etc/apt/sources.list.d/debian.sources"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/archives/*.deb "$dir"/var/log/*.log
  tar -C "$dir" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' \
    --exclude='./sys/*' -cf "$out" .
  rm -rf "$dir"
  trap - EXIT
  say "wrote $out ($(du -h "$out" | cut -f1))"
}

import_base() { # [tarball]
  local tarball=${1:-} made=""
  if [[ -z "$tarball" ]]; then
    tarball=$(mktemp --suffix=.tar "${TMPDIR:-/tmp}/candour-rootfs.XXXXXX")
    made=$tarball
    make_rootfs "$tarball"
  fi
  "$DOCKER" import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["bash"]' -m "debootstrap --variant=minbase $SUITE" "$tarball" "$BASE_TAG" >/dev/null
  [[ -z "$made" ]] || rm -f "$made"
  say "imported $BASE_TAG"
}

build() {
  "$DOCKER" image inspect "$BASE_TAG" >/dev/null 2>&1 || import_base
  # the build's apt-get reaches the mirror through the host's network
  DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0} "$DOCKER" build --network host \
    --build-arg BASE="$BASE_TAG" --build-arg RUNTIME_BASE="$BASE_TAG" \
    -f "$ROOT/deploy/Dockerfile" -t "$IMAGE_TAG" "$ROOT"
  say "built $IMAGE_TAG on $BASE_TAG"
}

case "${1:-}" in
  rootfs)
    [[ $# == 2 ]] || {
      usage >&2
      exit 2
    }
    make_rootfs "$2"
    ;;
  base)
    [[ $# -le 2 ]] || {
      usage >&2
      exit 2
    }
    import_base "${2:-}"
    ;;
  build)
    [[ $# == 1 ]] || {
      usage >&2
      exit 2
    }
    build
    ;;
  mirrors)
    mirrors
    printf 'mirror   %s\nsecurity %s\n' "$MIRROR" "${SECURITY:-none}"
    ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
