#!/usr/bin/env bash
# Install what only the tests use: Debian image builders and compressors, and the foreign
# architectures whose busybox/dropbear packages scripts/build_images.py packs into images.
# Without root or apt-get nothing is installed; the tests that need a missing piece skip
# with the reason.
set -u
PACKAGES=(squashfs-tools mtd-utils u-boot-tools genext2fs cpio e2fsprogs tar zip
          device-tree-compiler lzop lz4 zstd xz-utils bzip2 android-sdk-libsparse-utils
          genromfs p7zip-full xorriso binutils gcab tcpdump tshark curl dnsutils postgresql
          chromium)
ARCHES=(armel arm64 mips64el mipsel)

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-test-tools: not root or no apt-get; tests needing missing tools will skip"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
update=0
known=" $(dpkg --print-foreign-architectures | tr '\n' ' ') "
for arch in "${ARCHES[@]}"; do
  case "$known" in *" $arch "*) ;; *) dpkg --add-architecture "$arch"; update=1 ;; esac
done
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ "$update" = 1 ]; then
  echo "install-test-tools: apt-get update${missing[*]:+; installing ${missing[*]}}"
  apt-get update -q >/dev/null 2>&1 || echo "install-test-tools: apt-get update failed"
fi
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || echo "install-test-tools: apt-get install failed; tests needing these tools will skip"
fi
exit 0
