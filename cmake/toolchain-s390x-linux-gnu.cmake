# Cross toolchain for the big-endian unit-test run (scripts/bigendian-check.sh): Debian's
# s390x cross gcc, with cmocka from the s390x multiarch package, run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(CMAKE_C_COMPILER s390x-linux-gnu-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE s390x-linux-gnu)
# The multiarch libc6:s390x (pulled in by libcmocka0:s390x) is what the binaries load; pointing
# qemu at the cross toolchain's libc (-L /usr/s390x-linux-gnu) crashes in its start-up.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
