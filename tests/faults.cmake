# SPDX-License-Identifier: MIT
# Tests that break things on purpose (owner: faults):
#   test_kiosk_nfc     the real kiosk on libnfc's pn532_uart driver against the
#                      PN532 emulator: tap once, hold, re-tap, random UID,
#                      reader unplugged and back (label integration)
# and the extra ctest label `threads` on the tests of the threaded parts
# (reader, sync engine, kiosk UI) for the TSan stage of scripts/run-tests.
if(TARGET blippa-kiosk AND TARGET kiosk_harness AND TARGET blippa_pn532_emu_ctl)
  add_executable(test_kiosk_nfc integration/test_kiosk_nfc.c)
  target_link_libraries(test_kiosk_nfc PRIVATE kiosk_harness blippa_pn532_emu_ctl)
  add_dependencies(test_kiosk_nfc blippa-kiosk pn532_emu)
  add_test(NAME test_kiosk_nfc COMMAND test_kiosk_nfc)
  set_tests_properties(test_kiosk_nfc PROPERTIES LABELS integration TIMEOUT 120)
endif()

# Server and blippa-sync killed with SIGKILL during ingest (label fault).
if(TARGET blippa-server AND TARGET blippa-sync AND TARGET blippa_store)
  add_executable(fault_seed fault/fault_seed.c)
  target_link_libraries(fault_seed PRIVATE blippa_store blippa_common PkgConfig::SQLITE3)
  set(srvkill_args $<TARGET_FILE:blippa-server> $<TARGET_FILE:blippa-sync>
                   $<TARGET_FILE:fault_seed> ${CMAKE_SOURCE_DIR})
  add_test(NAME test_server_kill
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fault/test_server_kill.sh ${srvkill_args} 20000 5)
  set_tests_properties(test_server_kill PROPERTIES LABELS fault TIMEOUT 300)
  add_test(NAME test_server_kill_100k
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fault/test_server_kill.sh ${srvkill_args} 100000 25)
  set_tests_properties(test_server_kill_100k PROPERTIES LABELS "fault;slow" TIMEOUT 1800)
endif()

# Server down while the kiosk queues events, then back: the queue drains and
# taps stay answered within 2 s throughout (label fault; 100,000: slow).
if(TARGET fault_seed AND TARGET kiosk_harness)
  add_executable(test_server_down fault/test_server_down.c)
  target_link_libraries(test_server_down PRIVATE kiosk_harness)
  target_compile_definitions(test_server_down PRIVATE
    BLIPPA_SERVER_EXE="$<TARGET_FILE:blippa-server>"
    BLIPPA_SYNC_EXE="$<TARGET_FILE:blippa-sync>"
    FAULT_SEED_EXE="$<TARGET_FILE:fault_seed>"
    MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh"
    TESTLIB_SH="${CMAKE_CURRENT_SOURCE_DIR}/helpers/testlib.sh")
  add_dependencies(test_server_down blippa-kiosk blippa-server blippa-sync fault_seed)
  add_test(NAME test_server_down COMMAND test_server_down 20000)
  set_tests_properties(test_server_down PROPERTIES LABELS fault TIMEOUT 400)
  add_test(NAME test_server_down_100k COMMAND test_server_down 100000)
  set_tests_properties(test_server_down_100k PROPERTIES LABELS "fault;slow" TIMEOUT 1200)
endif()

# Wall clock jumps between kiosk runs (BLIPPA_CLOCK_OFFSET_MS): order,
# session resolution, skew in `blippa-sync status` (label fault).
if(TARGET blippa-kiosk AND TARGET blippa-server AND TARGET blippa-sync)
  add_test(NAME test_clock_jump
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fault/test_clock_jump.sh
                   $<TARGET_FILE:blippa-server> $<TARGET_FILE:blippa-sync>
                   $<TARGET_FILE:blippa-kiosk> ${CMAKE_SOURCE_DIR})
  set_tests_properties(test_clock_jump PROPERTIES LABELS fault TIMEOUT 180)
  # Issue 13.5/13.6: count after a server rejection, a correction 3 days back
  # that reaches the export (real server over HTTPS, real kiosk).
  add_test(NAME test_corrections
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_corrections.sh
                   $<TARGET_FILE:blippa-server> $<TARGET_FILE:blippa-sync>
                   $<TARGET_FILE:blippa-kiosk> ${CMAKE_SOURCE_DIR})
  set_tests_properties(test_corrections PROPERTIES LABELS "integration;ui" TIMEOUT 180)
endif()

# Label `threads`: the tests of the threaded parts (reader thread, sync
# thread/engine, kiosk UI with its reader, sync, control and signal threads).
# scripts/run-tests runs them under ThreadSanitizer (build/tsan).
foreach(t test_reader test_reader_sim test_reader_nfc test_engine test_engine_token test_sync
          test_sync_cli
          test_kiosk_checkin test_kiosk_leader test_kiosk_fault test_kiosk_nfc
          test_server_down test_clock_jump test_kill9)
  if(TEST ${t})
    set_property(TEST ${t} APPEND PROPERTY LABELS threads)
  endif()
endforeach()
# Everything the `threads` tests run, so the TSan stage builds only that.
add_custom_target(threads_tests)
foreach(tgt test_reader test_reader_sim test_reader_nfc pn532_emu test_engine test_engine_token
            test_sync test_sync_cli
            faultproxy test_kiosk_checkin test_kiosk_leader test_kiosk_fault test_kiosk_nfc
            test_server_down fault_seed blippa-kiosk blippa-server blippa-sync)
  if(TARGET ${tgt})
    add_dependencies(threads_tests ${tgt})
  endif()
endforeach()
