# SPDX-License-Identifier: MIT
# Tests of sync/common: config, UUIDv7, file helpers, text hygiene, the capped buffer.
foreach(t test_config test_uuid test_fsutil test_text test_dynbuf)
  add_executable(${t} unit/${t}.c)
  target_link_libraries(${t} PRIVATE blippa_common PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()

# The data model (sync/model): codes, card UIDs, field validators.
add_executable(test_model unit/test_model.c)
target_link_libraries(test_model PRIVATE blippa_model PkgConfig::CMOCKA)
add_test(NAME test_model COMMAND test_model)
set_tests_properties(test_model PROPERTIES LABELS unit TIMEOUT 60)

# The module include rules (docs/architecture.md, scripts/check-includes).
add_test(NAME check_includes COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/unit/test_check_includes.sh
  ${CMAKE_SOURCE_DIR})
set_tests_properties(check_includes PROPERTIES LABELS unit TIMEOUT 60)
