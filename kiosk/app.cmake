# SPDX-License-Identifier: MIT
# blippa-kiosk: kiosk/main.c starts the coordinator (kiosk/app), the UI, the reader and the sync
# thread. Included from kiosk/CMakeLists.txt.
add_executable(blippa-kiosk ${CMAKE_CURRENT_LIST_DIR}/main.c)
target_link_libraries(blippa-kiosk PRIVATE blippa_app blippa_ui blippa_reader blippa_sync blippa_store
                      blippa_common PkgConfig::SODIUM Threads::Threads)
# installed by cmake/packaging.cmake (component kiosk)
