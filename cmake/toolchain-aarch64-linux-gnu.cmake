# SPDX-License-Identifier: MIT
# CMake toolchain file: build Blippa for 64-bit ARM (Raspberry Pi 4/5 with
# Raspberry Pi OS Lite 64-bit, Debian 12 arm64) on an amd64 Debian 12 with
# Debian's cross toolchain and multiarch libraries:
#   apt install crossbuild-essential-arm64 libsdl2-dev:arm64 ...
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64-linux-gnu.cmake
# scripts/cross-build-arm64 does this in a throw-away mmdebstrap root.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(BLIPPA_CROSS_TRIPLET aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${BLIPPA_CROSS_TRIPLET}-gcc)
set(CMAKE_AR ${BLIPPA_CROSS_TRIPLET}-ar CACHE FILEPATH "")
set(CMAKE_STRIP ${BLIPPA_CROSS_TRIPLET}-strip CACHE FILEPATH "")
set(CMAKE_OBJDUMP ${BLIPPA_CROSS_TRIPLET}-objdump CACHE FILEPATH "")
set(CMAKE_LIBRARY_ARCHITECTURE ${BLIPPA_CROSS_TRIPLET})

# Programs (msgfmt, pkg-config) from the build machine; libraries and headers
# only from the arm64 multiarch directories.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# pkg-config reads the arm64 .pc files only (multiarch: /usr/lib/<triplet>)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${BLIPPA_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# the .deb's Architecture field (CPack would ask dpkg, which says amd64)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE arm64)
