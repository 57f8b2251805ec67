#!/usr/bin/env bash
# Install what building and testing esploader needs on a fresh Debian machine (idempotent).
# Usage: scripts/deps.sh [build|test|mcu]   (test also installs the cross compilers and Node deps;
# mcu: what scripts/mcu-demo.sh needs: the build set, arm-none-eabi-gcc + newlib, qemu-system-arm)
set -euo pipefail
want=(cmake make gcc pkg-config zlib1g-dev libcmocka-dev libcjson-dev libgpiod-dev)
if [ "${1:-build}" = test ]; then
  want+=(gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-riscv64-unknown-elf clang clang-format libclang-rt-14-dev binutils nodejs
         socat gcc-s390x-linux-gnu libcmocka-dev:s390x qemu-user qemu-system-arm gcc-xtensa-lx106)
elif [ "${1:-build}" = mcu ]; then
  want+=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm python3)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # The big-endian unit-test run (scripts/bigendian-check.sh) takes cmocka from Debian's s390x
  # multiarch packages.
  case " ${missing[*]} " in
  *:s390x*) dpkg --print-foreign-architectures | grep -qx s390x || $SUDO dpkg --add-architecture s390x ;;
  esac
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
