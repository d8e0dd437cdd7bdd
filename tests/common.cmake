# SPDX-License-Identifier: MIT
# Tests of sync/common: config, UUIDv7, file helpers, text hygiene.
foreach(t test_config test_uuid test_fsutil test_text)
  add_executable(${t} unit/${t}.c)
  target_link_libraries(${t} PRIVATE blippa_common PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()
