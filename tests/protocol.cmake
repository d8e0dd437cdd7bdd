# SPDX-License-Identifier: MIT
# Tests of sync/protocol: the JSON codec.
if(TARGET blippa_protocol)
  add_executable(test_protocol unit/test_protocol.c)
  target_link_libraries(test_protocol PRIVATE blippa_protocol PkgConfig::CMOCKA)
  add_test(NAME test_protocol COMMAND test_protocol)
  set_tests_properties(test_protocol PROPERTIES LABELS unit TIMEOUT 60)
endif()
