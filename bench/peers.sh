#!/usr/bin/env bash
# Sets up the peer unpackers that bench/unpack_bench.py compares spyless with, all under
# bench/peers/ (git-ignored). Idempotent: a step whose result is already there is skipped.
#
#   bench/peers/unblob-venv/   unblob from PyPI (its own venv, apart from the project's)
#   bench/peers/binwalk-venv/  pybinwalk from PyPI: binwalk v3's Rust engine as a Python module
#   bench/peers/bin/           sasquatch and sasquatch-v4be, built from source
#
# Downloads only through apt-get and pip. The sasquatch source is NOT downloaded here: put a
# checkout of the public onekey-sec/sasquatch repository at bench/peers/sasquatch-src first
# (or point SASQUATCH_SRC at one); bench/README.md says how. Run as root (apt-get).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="$here/peers"
src="${SASQUATCH_SRC:-$peers/sasquatch-src}"
python="${PYTHON:-python3.11}"
mkdir -p "$peers/bin"

# Build deps for sasquatch, the external tools unblob's docs list that Debian packages,
# sleuthkit (tsk_recover: binwalk v3's ext extractor) and GNU time for the measurement.
apt_pkgs=(
  build-essential zlib1g-dev liblzma-dev liblzo2-dev liblz4-dev libzstd-dev
  squashfs-tools p7zip-full lz4 lziprecover lzop zstd unar android-sdk-libsparse-utils
  e2fsprogs erofs-utils partclone sleuthkit time
)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== apt-get install ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "== apt packages: all present"
fi

if [[ ! -x "$peers/unblob-venv/bin/unblob" ]]; then
  echo "== unblob venv"
  "$python" -m venv "$peers/unblob-venv"
  "$peers/unblob-venv/bin/pip" install -q unblob
fi
echo "== unblob $("$peers/unblob-venv/bin/unblob" --version)"

# Optional: binwalk v3 is a Rust crate and crates.io is out of reach here, but pybinwalk ships
# the same engine as a prebuilt wheel. A failure here only drops that peer.
if [[ ! -x "$peers/binwalk-venv/bin/python" ]] || ! "$peers/binwalk-venv/bin/python" -c 'import pybinwalk' 2>/dev/null; then
  echo "== binwalk v3 (pybinwalk) venv"
  "$python" -m venv "$peers/binwalk-venv"
  "$peers/binwalk-venv/bin/pip" install -q pybinwalk || echo "   pybinwalk unavailable; the binwalk3 peer will be skipped"
fi

if [[ -x "$peers/bin/sasquatch" && -x "$peers/bin/sasquatch-v4be" ]]; then
  echo "== sasquatch: already built"
elif [[ ! -f "$src/squashfs-tools/Makefile" ]]; then
  echo "!! no sasquatch source at $src (see bench/README.md); sasquatch peer will be skipped" >&2
else
  echo "== building sasquatch from $src"
  # Build in a scratch copy so the checkout stays clean and a rerun starts fresh.
  build="$peers/sasquatch-build"
  rm -rf "$build"
  cp -a "$src" "$build"
  make -C "$build/squashfs-tools" -j"$(nproc)" sasquatch >"$peers/sasquatch-build.log" 2>&1
  install -m 755 "$build/squashfs-tools/sasquatch" "$peers/bin/sasquatch"
  # Same binary forced to read big-endian v4 images, which unblob calls sasquatch-v4be.
  make -C "$build/squashfs-tools" clean >>"$peers/sasquatch-build.log" 2>&1
  CFLAGS="-O2 -DFIX_BE" make -C "$build/squashfs-tools" -j"$(nproc)" sasquatch \
    >>"$peers/sasquatch-build.log" 2>&1
  install -m 755 "$build/squashfs-tools/sasquatch" "$peers/bin/sasquatch-v4be"
  rm -rf "$build"
fi

echo "== unblob's view of its external tools (PATH as unpack_bench.py sets it):"
PATH="$peers/bin:$peers/unblob-venv/bin:$PATH" \
  "$peers/unblob-venv/bin/unblob" --show-external-dependencies || true
