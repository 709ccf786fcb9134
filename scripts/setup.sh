#!/usr/bin/env bash
# Installs what rawscan needs on a fresh Debian/Ubuntu machine and builds it.
# Safe to run again: it installs only what is missing. Needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: libpcap-dev, g++, make, python3 (node-gyp). Lab and tests: iproute2,
# nftables, nmap and ndiff (independent witnesses), libxml2-utils (DTD checks),
# clang + compiler-rt (fuzzing, sanitizers), tcpdump, libcap2-bin (setcap).
packages=(libpcap-dev g++ make python3 iproute2 nftables nmap ndiff libxml2-utils clang clang-format
  libclang-rt-14-dev tcpdump libcap2-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing system packages: ${missing[*]}; run this script with sudo" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: rawscan needs Node.js >= 20 (found $(node --version))" >&2
  exit 1
fi

npm ci --no-audit --no-fund
npm run build
