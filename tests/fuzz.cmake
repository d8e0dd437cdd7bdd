# SPDX-License-Identifier: MIT
# Hardening area: fuzz harnesses (tests/fuzz), the PIN benchmark and the
# log-privacy integration test.
#
# Fuzz harnesses (tests/fuzz). Two ways to build each one:
#  - BLIPPA_FUZZ=ON with clang: a libFuzzer binary <name> (scripts/run-fuzz
#    runs them for a bounded time); the Blippa libraries it uses are built
#    with -fsanitize=fuzzer-no-link so libFuzzer sees their coverage.
#  - otherwise: <name>_replay, the same harness with a plain main() that runs
#    the seed corpus tests/fuzz/corpus/<name>/ once (ctest, label unit), so
#    every seed and every crash reproducer stays in the normal and ASan runs.
# A harness whose library targets do not exist (yet) is skipped with a note.
set(BLIPPA_FUZZ_ACTIVE OFF)
if(BLIPPA_FUZZ)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(BLIPPA_FUZZ_ACTIVE ON)
  else()
    message(WARNING "BLIPPA_FUZZ=ON needs clang (configure with CC=clang); "
                    "building replay tests only")
  endif()
endif()

function(blippa_fuzz_harness name)
  set(sources ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/${name}.c ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_util.c)
  set(corpus ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${name})
  foreach(lib ${ARGN})
    if(NOT TARGET ${lib})
      message(STATUS "fuzz: ${name} skipped (no target ${lib} yet)")
      return()
    endif()
  endforeach()
  if(BLIPPA_FUZZ_ACTIVE)
    add_executable(${name} ${sources})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    foreach(lib ${ARGN} blippa_common blippa_model blippa_store blippa_protocol blippa_server_core)
      if(NOT TARGET ${lib})
        continue()
      endif()
      get_target_property(kind ${lib} TYPE)
      if(NOT kind STREQUAL "INTERFACE_LIBRARY")
        target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link)
      endif()
    endforeach()
  else()
    set(name ${name}_replay)
    add_executable(${name} ${sources} ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_replay.c)
    add_test(NAME ${name} COMMAND ${name} ${corpus})
    set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
  endif()
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE ${ARGN})
  set_property(GLOBAL APPEND PROPERTY BLIPPA_FUZZ_HARNESSES ${name})
endfunction()

blippa_fuzz_harness(fuzz_config blippa_common)
blippa_fuzz_harness(fuzz_roster_json blippa_protocol blippa_store)
blippa_fuzz_harness(fuzz_events_json blippa_protocol)
blippa_fuzz_harness(fuzz_csv blippa_server_core blippa_store)
blippa_fuzz_harness(fuzz_server_request blippa_server_core)

# Harnesses list for scripts/run-fuzz (one name per line).
get_property(blippa_fuzz_names GLOBAL PROPERTY BLIPPA_FUZZ_HARNESSES)
string(REPLACE ";" "\n" blippa_fuzz_lines "${blippa_fuzz_names}")
file(WRITE ${CMAKE_BINARY_DIR}/fuzz-harnesses.txt "${blippa_fuzz_lines}\n")

# Argon2id PIN cost on this computer (docs/operations.md). Not a test.
add_executable(bench_pin EXCLUDE_FROM_ALL bench/bench_pin.c)
target_link_libraries(bench_pin PRIVATE PkgConfig::SODIUM)
add_dependencies(bench bench_pin)

# Log privacy (tests/integration/test_log_privacy.sh): the full scenario with
# debug logs, then a search of every log line for the test roster's names,
# card UIDs, ids, token and PIN. Skipped (exit 77) while a binary is missing.
set(blippa_privacy_bins)
foreach(t blippa-server blippa-sync blippa-kiosk)
  if(TARGET ${t})
    list(APPEND blippa_privacy_bins $<TARGET_FILE:${t}>)
  else()
    list(APPEND blippa_privacy_bins ${CMAKE_BINARY_DIR}/missing/${t})
  endif()
endforeach()
add_test(NAME test_log_privacy
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_log_privacy.sh
                 ${blippa_privacy_bins} ${CMAKE_SOURCE_DIR})
set_tests_properties(test_log_privacy PROPERTIES LABELS integration TIMEOUT 180
                     SKIP_RETURN_CODE 77)

# systemd unit hardening must not regress: exposure (systemd-analyze
# security, 0-100 scale) at most 20 (= 2.0) for the server and 25 (2.5) for
# the kiosk (2.2 since its capability set is empty and its system calls
# filtered; its graphical session needs the network and devices). Skipped
# without systemd-analyze.
set(blippa_unit_check "command -v systemd-analyze >/dev/null 2>&1 || { echo 'SKIP: no systemd-analyze'; exit 77; }; rc=0; for u in blippa-server.service:20 blippa-kiosk.service:25; do f=\${u%%:*}; t=\${u##*:}; out=$(systemd-analyze security --offline=true --threshold=$t ${CMAKE_SOURCE_DIR}/config/$f 2>&1) || rc=1; echo \"$out\" | tail -n 1; done; exit $rc")
add_test(NAME test_unit_security COMMAND sh -c "${blippa_unit_check}")
set_tests_properties(test_unit_security PROPERTIES LABELS unit TIMEOUT 60 SKIP_RETURN_CODE 77)
