#!/usr/bin/env bash
# Sets up a fresh machine for distsum: the Debian packages the tests use as real peers, then the npm
# dependencies. (Benchmarks name the extra packages they need: wrk, nginx-light, golang-go, ...) Safe to run again; installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, by the command that proves each is there.
declare -A want=(
  [twine]=twine              # real upload client: defines the upload protocol in tests
  [ssh-keygen]=openssh-client # signatures both ways
  [ssh-agent]=openssh-client
  [b2sum]=coreutils          # cksum/sha256sum/b2sum check manifests
  [python3]=python3          # hashlib digest oracle
  [openssl]=openssl          # independent Ed25519 for cosignatures
  [chromium]=chromium        # the web pages in a real browser (playwright-core drives it)
)
missing=()
for cmd in "${!want[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${want[$cmd]}")
done
# pip and the packaging module serve as reference parsers in tests (pip's requirement parser, PEP 440).
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
python3 -c 'import packaging' >/dev/null 2>&1 || missing+=(python3-packaging)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
