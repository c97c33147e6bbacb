#!/usr/bin/env bash
# Install the Debian tools that only the tests use (image builders, compressors).
# Without root, or without apt-get, nothing is installed and the tests that need a
# missing tool skip with a reason.
set -u
PACKAGES=(squashfs-tools mtd-utils u-boot-tools genext2fs cpio e2fsprogs
          device-tree-compiler lzop lz4 zstd xz-utils bzip2 android-sdk-libsparse-utils
          genromfs p7zip-full xorriso dpkg-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-test-tools: not root or no apt-get; tests needing ${missing[*]} will skip"
  exit 0
fi
echo "install-test-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null 2>&1 || true
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "install-test-tools: apt-get failed; tests needing these tools will skip"
exit 0
