# SPDX-License-Identifier: MIT
# Tests of kiosk/reader and the PN532 emulator (tests/helpers/pn532_emu.c).
# The emulator and its control library are also for other areas' tests:
# link blippa_pn532_emu_ctl (see tests/helpers/pn532_emu_ctl.h).

add_executable(pn532_emu helpers/pn532_emu.c)

add_library(blippa_pn532_emu_ctl STATIC helpers/pn532_emu_ctl.c)
target_include_directories(blippa_pn532_emu_ctl PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
target_compile_definitions(blippa_pn532_emu_ctl PRIVATE PN532_EMU_EXE="$<TARGET_FILE:pn532_emu>")
add_dependencies(blippa_pn532_emu_ctl pn532_emu)

foreach(t test_reader test_reader_sim)
  add_executable(${t} unit/${t}.c)
  target_include_directories(${t} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
  target_link_libraries(${t} PRIVATE blippa_reader blippa_common PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()

# The emulator's own test: raw protocol checks, and libnfc-bin's nfc-list
# must read the emulated card through the real pn532_uart driver.
find_program(BLIPPA_NFC_LIST nfc-list)
add_executable(test_pn532_emu helpers/test_pn532_emu.c)
target_link_libraries(test_pn532_emu PRIVATE blippa_pn532_emu_ctl PkgConfig::CMOCKA)
target_compile_definitions(test_pn532_emu PRIVATE
  NFC_LIST_EXE="$<IF:$<BOOL:${BLIPPA_NFC_LIST}>,${BLIPPA_NFC_LIST},>")
add_test(NAME test_pn532_emu COMMAND test_pn532_emu)
set_tests_properties(test_pn532_emu PROPERTIES LABELS integration TIMEOUT 60)

# The libnfc backend against the emulator, through the real pn532_uart driver.
add_executable(test_reader_nfc integration/test_reader_nfc.c)
target_include_directories(test_reader_nfc PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
target_link_libraries(test_reader_nfc PRIVATE blippa_reader blippa_common
  blippa_pn532_emu_ctl PkgConfig::CMOCKA)
add_test(NAME test_reader_nfc COMMAND test_reader_nfc)
set_tests_properties(test_reader_nfc PROPERTIES LABELS integration TIMEOUT 120)

add_executable(bench_reader EXCLUDE_FROM_ALL bench/bench_reader.c)
target_include_directories(bench_reader PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
target_link_libraries(bench_reader PRIVATE blippa_reader blippa_common blippa_pn532_emu_ctl)
add_dependencies(bench bench_reader)
