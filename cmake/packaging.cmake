# SPDX-License-Identifier: MIT
# Install rules and CPack .deb packages (Debian 12). Two components:
#   kiosk  -> blippa-kiosk:  blippa-kiosk, blippa-sync, assets in
#             share/blippa, /etc/blippa/kiosk.ini.example, the kiosk unit and
#             the reader udev rule, the first-boot setup (blippa-kiosk-firstboot
#             and its unit, enabled only by scripts/make-kiosk-image);
#             creates the system user "blippa".
#   server -> blippa-server: blippa-server and its unit; creates the system
#             user "blippa-server".
# Build (README, docs/operations.md "Building the packages"):
#   cmake -S . -B build/pkg -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#         -DCMAKE_INSTALL_PREFIX=/usr -DBLIPPA_DEV_PATHS=OFF
#   cmake --build build/pkg -j"$(nproc)" && (cd build/pkg && cpack -G DEB)
# cmake/cpack-check.cmake makes cpack refuse any other prefix or a build with
# BLIPPA_DEV_PATHS=ON (such a kiosk would look for its files elsewhere).
# Each package gets /usr/share/doc/<package>/copyright and
# changelog.Debian.gz (cmake/deb/copyright, cmake/deb/changelog).
# Maintainer scripts live in cmake/deb/<component>/. Units are enabled on
# install but only started when configured (see the postinst scripts).

set(BLIPPA_UNIT_DIR "/lib/systemd/system" CACHE PATH "Where systemd units are installed")
set(BLIPPA_UDEV_DIR "/lib/udev/rules.d" CACHE PATH "Where udev rules are installed")
set(BLIPPA_ETC_DIR "/etc/blippa" CACHE PATH "Kiosk configuration directory")

# --- kiosk ---------------------------------------------------------------
foreach(t blippa-kiosk blippa-sync)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT kiosk)
  endif()
endforeach()
# assets without the translation sources (the compiled .mo files follow)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/assets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/blippa
        COMPONENT kiosk PATTERN "po" EXCLUDE)
# Compiled translations, if the kiosk build makes them (kiosk/ui sets
# BLIPPA_MO_DIR to <build>/locale holding <lang>/LC_MESSAGES/blippa.mo).
if(DEFINED BLIPPA_MO_DIR AND EXISTS ${BLIPPA_MO_DIR})
  install(DIRECTORY ${BLIPPA_MO_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/blippa/locale
          COMPONENT kiosk FILES_MATCHING PATTERN "*.mo")
endif()
install(FILES ${CMAKE_SOURCE_DIR}/config/kiosk.ini.example DESTINATION ${BLIPPA_ETC_DIR}
        COMPONENT kiosk)
install(FILES ${CMAKE_SOURCE_DIR}/config/blippa-kiosk.service DESTINATION ${BLIPPA_UNIT_DIR}
        COMPONENT kiosk)
# first-boot setup for kiosks made by scripts/make-kiosk-image (docs/kiosk-image.md);
# the package installs but does not enable its unit
install(PROGRAMS ${CMAKE_SOURCE_DIR}/config/blippa-kiosk-firstboot DESTINATION ${CMAKE_INSTALL_SBINDIR}
        COMPONENT kiosk)
install(FILES ${CMAKE_SOURCE_DIR}/config/blippa-kiosk-firstboot.service DESTINATION ${BLIPPA_UNIT_DIR}
        COMPONENT kiosk)
file(GLOB blippa_udev_rules ${CMAKE_SOURCE_DIR}/config/*.rules)
if(blippa_udev_rules)
  install(FILES ${blippa_udev_rules} DESTINATION ${BLIPPA_UDEV_DIR} COMPONENT kiosk)
endif()
foreach(f libnfc.conf.example README.md)
  if(EXISTS ${CMAKE_SOURCE_DIR}/config/${f})
    install(FILES ${CMAKE_SOURCE_DIR}/config/${f}
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/blippa-kiosk COMPONENT kiosk)
  endif()
endforeach()
foreach(f operations.md operations-reader.md)
  if(EXISTS ${CMAKE_SOURCE_DIR}/docs/${f})
    install(FILES ${CMAKE_SOURCE_DIR}/docs/${f}
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/blippa-kiosk COMPONENT kiosk)
  endif()
endforeach()

# --- server --------------------------------------------------------------
if(TARGET blippa-server)
  install(TARGETS blippa-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
endif()
install(FILES ${CMAKE_SOURCE_DIR}/config/blippa-server.service DESTINATION ${BLIPPA_UNIT_DIR}
        COMPONENT server)
# the unit's settings (commented defaults; a conffile, cmake/deb/server/conffiles)
install(FILES ${CMAKE_SOURCE_DIR}/config/blippa-server.default DESTINATION /etc/default
        RENAME blippa-server COMPONENT server)
foreach(f README.md docs/operations.md docs/protocol.md docs/server.md docs/csv.md
        docs/server-postgresql.md)
  if(EXISTS ${CMAKE_SOURCE_DIR}/${f})
    install(FILES ${CMAKE_SOURCE_DIR}/${f}
            DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/blippa-server COMPONENT server)
  endif()
endforeach()

# --- copyright and changelog, in each package -------------------------------
set(blippa_changelog_gz ${CMAKE_BINARY_DIR}/changelog.Debian.gz)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/deb/changelog)
execute_process(COMMAND gzip -n -9 -c ${CMAKE_SOURCE_DIR}/cmake/deb/changelog
                OUTPUT_FILE ${blippa_changelog_gz} COMMAND_ERROR_IS_FATAL ANY)
foreach(c kiosk server)
  install(FILES ${CMAKE_SOURCE_DIR}/cmake/deb/copyright ${blippa_changelog_gz}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/blippa-${c} COMPONENT ${c})
endforeach()

# --- CPack -----------------------------------------------------------------
set(CPACK_PACKAGE_NAME blippa)
# checked by cmake/cpack-check.cmake when cpack runs
set(CPACK_BLIPPA_DEV_PATHS ${BLIPPA_DEV_PATHS})
set(CPACK_BLIPPA_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_SOURCE_DIR}/cmake/cpack-check.cmake)
set(CPACK_PACKAGE_VENDOR "Blippa")
set(CPACK_PACKAGE_CONTACT "Blippa maintainers <blippa@invalid.example>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: each component description below
# starts with its own summary line (CPackDeb would prepend a shared one).
set(CPACK_PACKAGE_HOMEPAGE_URL "https://region.example/blippa")
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL kiosk server)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # exact library deps via dpkg-shlibdeps
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS OFF)

set(CPACK_DEBIAN_KIOSK_PACKAGE_NAME blippa-kiosk)
set(CPACK_DEBIAN_KIOSK_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_KIOSK_DESCRIPTION
    "Blippa check-in kiosk (touchscreen and NFC reader)\nFullscreen SDL2 kiosk where participants tap a card or find their name to check in\nto today's training session. Works offline and syncs attendance to the region's Blippa server.\nRuns under the cage Wayland kiosk compositor as the system user blippa.")
set(CPACK_DEBIAN_KIOSK_PACKAGE_DEPENDS "adduser, fonts-dejavu-core")
set(CPACK_DEBIAN_KIOSK_PACKAGE_RECOMMENDS "cage, libnfc-bin, fonts-noto-core") # noto: ar, fa, ti
set(CPACK_DEBIAN_KIOSK_PACKAGE_SUGGESTS "sqlite3")
set(CPACK_DEBIAN_KIOSK_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/cmake/deb/kiosk/postinst ${CMAKE_SOURCE_DIR}/cmake/deb/kiosk/prerm
    ${CMAKE_SOURCE_DIR}/cmake/deb/kiosk/postrm ${CMAKE_SOURCE_DIR}/cmake/deb/kiosk/conffiles)
set(CPACK_DEBIAN_KIOSK_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME blippa-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_DEBIAN_SERVER_DESCRIPTION
    "Blippa region server (attendance sync)\nHTTPS/JSON server that hands roster snapshots to Blippa kiosks\nand receives their check-in events. Imports rosters from CSV and exports\nattendance as CSV. Stores its data in SQLite (one file, the default) or in\nPostgreSQL (several servers sharing one database). Runs as the system user\nblippa-server; settings in /etc/default/blippa-server.")
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_SERVER_PACKAGE_RECOMMENDS "sqlite3")
set(CPACK_DEBIAN_SERVER_PACKAGE_SUGGESTS "gnutls-bin")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/cmake/deb/server/postinst ${CMAKE_SOURCE_DIR}/cmake/deb/server/prerm
    ${CMAKE_SOURCE_DIR}/cmake/deb/server/postrm ${CMAKE_SOURCE_DIR}/cmake/deb/server/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
cpack_add_component(kiosk DISPLAY_NAME "Kiosk" DESCRIPTION "Check-in kiosk and sync tool")
cpack_add_component(server DISPLAY_NAME "Server" DESCRIPTION "Region server")
