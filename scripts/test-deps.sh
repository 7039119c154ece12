#!/usr/bin/env bash
# Installs the programs the test suites drive (real FTP clients and servers, tshark) and the C
# toolchains firmware-shim is built and tested with (gcc, arm-none-eabi-gcc, QEMU) on Debian.
# Idempotent and quiet when everything is present, so `npm test` on a dev machine stays fast.
# pure-ftpd conflicts with vsftpd as a Debian package, so it is unpacked (not installed) into
# node_modules/.cache/hilftp/pure-ftpd, where src/testing/peers.ts looks for it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pure_dir="${HILFTP_PURE_FTPD_DIR:-$repo/node_modules/.cache/hilftp/pure-ftpd}"

# newlib for arm-none-eabi-gcc (its own, or Debian's): the bare-metal build links newlib-nano
newlib_ok() { test -f "$(arm-none-eabi-gcc -print-file-name=libc_nano.a 2>/dev/null)"; }

# package -> how to tell it is usable without asking dpkg (tools may be installed by hand)
declare -A probe=(
  [lftp]="command -v lftp"
  [curl]="command -v curl"
  [vsftpd]="test -x /usr/sbin/vsftpd"
  [python3]="test -x /usr/bin/python3"
  [tshark]="command -v tshark"
  # the TUN interop tests (src/net/interop): socat owns the TUN, ip makes namespaces, ping probes
  [socat]="command -v socat"
  [iproute2]="command -v ip"
  [iputils-ping]="command -v ping"
  # runtime libraries of the unpacked pure-ftpd (dpkg-deb -x does not resolve Depends)
  [libsodium23]="dpkg -s libsodium23"
  [libssl3]="dpkg -s libssl3"
  [libcap2]="dpkg -s libcap2"
  [libpam0g]="dpkg -s libpam0g"
  [libcrypt1]="dpkg -s libcrypt1"
  # firmware-shim (src/board/firmware.test.ts, the sim and qemu boards): native and Cortex-M4 builds
  [gcc]="command -v gcc"
  [make]="command -v make"
  [gcc-arm-none-eabi]="command -v arm-none-eabi-gcc"
  [libnewlib-arm-none-eabi]="newlib_ok"
  [qemu-system-arm]="command -v qemu-system-arm"
)
order=(lftp curl vsftpd python3 tshark socat iproute2 iputils-ping libsodium23 libssl3 libcap2 libpam0g libcrypt1
       gcc make gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)

missing=()
for pkg in "${order[@]}"; do
  if ! ${probe[$pkg]} >/dev/null 2>&1; then missing+=("$pkg"); fi
done

pure_ok() {
  [[ -x "$pure_dir/usr/sbin/pure-ftpd" && -x "$pure_dir/usr/bin/pure-pw" ]] || return 1
  ! ldd "$pure_dir/usr/sbin/pure-ftpd" 2>/dev/null | grep -q 'not found'
}
need_pure=0
pure_ok || need_pure=1

if [[ ${#missing[@]} -eq 0 && $need_pure -eq 0 ]]; then
  exit 0
fi

what="${missing[*]:-}"
[[ $need_pure -eq 1 ]] && what="${what:+$what, }pure-ftpd (unpacked into ${pure_dir#"$repo"/})"
if [[ $(id -u) -ne 0 ]]; then
  echo "test-deps: missing $what; run 'sudo bash scripts/test-deps.sh' once (needs root for apt-get)" >&2
  exit 1
fi
echo "test-deps: installing $what"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fail() { cat "$log" >&2; echo "test-deps: $1" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

# A fresh container has no package lists; refresh only when apt cannot see what we need.
lists_ok() {
  local p wanted=("${missing[@]}")
  [[ $need_pure -eq 1 ]] && wanted+=(pure-ftpd)
  for p in "${wanted[@]}"; do
    apt-cache show "$p" >/dev/null 2>&1 || return 1
  done
}
if ! lists_ok; then
  apt-get update -qq >>"$log" 2>&1 || fail "apt-get update failed"
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1 \
    || fail "apt-get install ${missing[*]} failed"
fi

if [[ $need_pure -eq 1 ]]; then
  tmp="$(mktemp -d)"
  trap 'rm -f "$log"; rm -rf "$tmp"' EXIT
  # _apt must be able to write the download directory, or apt warns about an unsandboxed fetch
  chmod 755 "$tmp"
  if id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
  (cd "$tmp" && apt-get download -qq pure-ftpd) >>"$log" 2>&1 || fail "apt-get download pure-ftpd failed"
  rm -rf "$pure_dir"
  mkdir -p "$pure_dir"
  dpkg-deb -x "$tmp"/pure-ftpd_*.deb "$pure_dir" >>"$log" 2>&1 || fail "dpkg-deb -x pure-ftpd failed"
  pure_ok || fail "pure-ftpd unpacked into $pure_dir but it cannot run (missing libraries?)"
fi

# The vsftpd package creates the 'ftp' user that anonymous sessions run as.
getent passwd ftp >/dev/null || fail "user 'ftp' is missing (it comes with the vsftpd package; reinstall it)"
