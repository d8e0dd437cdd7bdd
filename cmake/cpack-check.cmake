# SPDX-License-Identifier: MIT
# CPACK_PROJECT_CONFIG_FILE: run by cpack before it packages anything. The
# .debs install under /usr, and the kiosk finds its translations and fonts
# through paths compiled in from CMAKE_INSTALL_PREFIX; a build for another
# prefix, or one that also searches its build tree (BLIPPA_DEV_PATHS), would
# make a package that looks in the wrong places. Refuse both.
if(NOT CPACK_BLIPPA_INSTALL_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR
    "blippa: packages need -DCMAKE_INSTALL_PREFIX=/usr (this build has "
    "'${CPACK_BLIPPA_INSTALL_PREFIX}'); see docs/operations.md, Building the packages")
endif()
if(CPACK_BLIPPA_DEV_PATHS)
  message(FATAL_ERROR
    "blippa: packages need -DBLIPPA_DEV_PATHS=OFF (this build also searches its "
    "source and build trees); see docs/operations.md, Building the packages")
endif()
