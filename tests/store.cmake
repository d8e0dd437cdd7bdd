# SPDX-License-Identifier: MIT
# Tests of sync/store (the local store) and sync/common/tz.c, and the store
# benchmark. Each test makes its database under the build tree.
set(STORE_TEST_TMP ${CMAKE_CURRENT_BINARY_DIR}/store-tmp)
file(MAKE_DIRECTORY ${STORE_TEST_TMP})
foreach(t test_store test_roster test_checkin test_search test_store_leader test_store_queue)
  add_executable(${t} unit/${t}.c)
  target_compile_definitions(${t} PRIVATE STORE_TEST_TMP="${STORE_TEST_TMP}")
  target_link_libraries(${t} PRIVATE blippa_store PkgConfig::SODIUM PkgConfig::SQLITE3 PkgConfig::CMOCKA Threads::Threads)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()
set_tests_properties(test_store PROPERTIES LABELS "unit;fault")
set_tests_properties(test_checkin PROPERTIES LABELS "unit;fault")

add_executable(test_tz unit/test_tz.c)
target_link_libraries(test_tz PRIVATE blippa_common PkgConfig::CMOCKA)
add_test(NAME test_tz COMMAND test_tz)
set_tests_properties(test_tz PROPERTIES LABELS unit TIMEOUT 60)

add_executable(bench_store EXCLUDE_FROM_ALL bench/bench_store.c)
target_compile_definitions(bench_store PRIVATE STORE_BENCH_DIR="${CMAKE_CURRENT_BINARY_DIR}/store-bench")
target_link_libraries(bench_store PRIVATE blippa_store)
add_dependencies(bench bench_store)
