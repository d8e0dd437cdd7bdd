# SPDX-License-Identifier: MIT
# blippa-server on PostgreSQL (issue 8). Every test runs under
# tests/helpers/pg_harness.sh, which starts a throwaway PostgreSQL 15 (initdb
# in a temp dir, Unix socket only), passes its URI in BLIPPA_PG_URI and stops
# it afterwards; the harness exits 77 (skipped) only when the PostgreSQL
# server binaries are missing. Benchmark: bench_server_pg (`bench` target).

pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)
set(PG_HARNESS ${CMAKE_CURRENT_SOURCE_DIR}/helpers/pg_harness.sh)

# Both backends side by side through srv_store.h: identical answers.
add_executable(test_server_pg_store integration/test_server_pg_store.c)
target_link_libraries(test_server_pg_store PRIVATE blippa_srv_testutil PkgConfig::PQ
  PkgConfig::CMOCKA)
add_test(NAME test_server_pg_store COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_server_pg_store>)
set_tests_properties(test_server_pg_store PROPERTIES LABELS integration TIMEOUT 60
  SKIP_RETURN_CODE 77)

# The real blippa-server binary, two `serve` processes on one database, HTTPS.
add_executable(test_server_pg integration/test_server_pg.c)
target_compile_definitions(test_server_pg PRIVATE
  BLIPPA_SERVER_BIN="$<TARGET_FILE:blippa-server>"
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
target_link_libraries(test_server_pg PRIVATE blippa_srv_testutil PkgConfig::PQ PkgConfig::CURL
  PkgConfig::CMOCKA Threads::Threads)
add_dependencies(test_server_pg blippa-server)
add_test(NAME test_server_pg COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_server_pg>)
set_tests_properties(test_server_pg PROPERTIES LABELS integration TIMEOUT 120
  SKIP_RETURN_CODE 77)

# Issue 12 defects 1 and 6 (test_server_input) with the region on PostgreSQL.
if(TARGET test_server_input)
  add_test(NAME test_server_input_pg COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_server_input>)
  set_tests_properties(test_server_input_pg PROPERTIES LABELS integration TIMEOUT 120
    SKIP_RETURN_CODE 77)
endif()
if(TARGET test_web_fleet)
  add_test(NAME test_web_fleet_pg COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_web_fleet>)
  set_tests_properties(test_web_fleet_pg PROPERTIES LABELS "integration;web" TIMEOUT 240
    SKIP_RETURN_CODE 77)
endif()

# Scenario: 3 server processes on one database, each behind the fault proxy,
# 5 kiosks (real stores, real sync engine) syncing 20,000 check-ins, one
# process killed -9 and restarted mid-sync.
if(TARGET blippa_sync AND TARGET faultproxy)
  add_executable(test_server_pg_scenario integration/test_server_pg_scenario.c)
  target_compile_definitions(test_server_pg_scenario PRIVATE
    BLIPPA_SERVER_EXE="$<TARGET_FILE:blippa-server>"
    FAULTPROXY_EXE="$<TARGET_FILE:faultproxy>"
    MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
  target_link_libraries(test_server_pg_scenario PRIVATE blippa_sync blippa_srv_testutil
    PkgConfig::PQ PkgConfig::SQLITE3 PkgConfig::CMOCKA Threads::Threads)
  add_dependencies(test_server_pg_scenario blippa-server faultproxy)
  add_test(NAME test_server_pg_scenario
    COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_server_pg_scenario>)
  set_tests_properties(test_server_pg_scenario PROPERTIES LABELS "integration;fault"
    TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()

# Benchmark (not run by ctest): server_ingest_events_per_s_pg, 1 and 3
# processes, 50 kiosks over HTTPS; PostgreSQL with durable settings.
add_executable(bench_server_pg EXCLUDE_FROM_ALL bench/bench_server_pg.c)
target_compile_definitions(bench_server_pg PRIVATE
  BLIPPA_SERVER_EXE="$<TARGET_FILE:blippa-server>"
  PG_HARNESS="${PG_HARNESS}"
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
target_link_libraries(bench_server_pg PRIVATE blippa_srv_testutil PkgConfig::CURL PkgConfig::PQ
  Threads::Threads)
add_dependencies(bench_server_pg blippa-server)
add_dependencies(bench bench_server_pg)

# The harness itself (a helper program with its own small test).
add_test(NAME test_pg_harness COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/helpers/test_pg_harness.sh
  ${PG_HARNESS})
set_tests_properties(test_pg_harness PROPERTIES LABELS unit TIMEOUT 60 SKIP_RETURN_CODE 77)

# The back-office tests (test_web) on PostgreSQL.
if(TARGET test_web)
  add_test(NAME test_web_pg COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_web>)
  set_tests_properties(test_web_pg PROPERTIES LABELS "integration;web" TIMEOUT 240
    SKIP_RETURN_CODE 77)
endif()
if(TARGET test_web_data)
  add_test(NAME test_web_data_pg COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_web_data>)
  set_tests_properties(test_web_data_pg PROPERTIES LABELS "integration;web" TIMEOUT 120
    SKIP_RETURN_CODE 77)
endif()

# The audit trail, purge, report and erasure on SQLite and PostgreSQL side by
# side: identical normalised answers (test_rights.c).
if(TARGET test_rights)
  add_test(NAME test_rights_pg COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_rights>)
  set_tests_properties(test_rights_pg PROPERTIES LABELS "integration;web" TIMEOUT 180
    SKIP_RETURN_CODE 77)
endif()

# The upgrade to the schema that added att_group, from the one before it, on
# real data: killed and failing halfway (nothing changes), then a clean
# start (version, att_group, export, back-office figures), then a no-op.
add_executable(test_server_pg_upgrade integration/test_server_pg_upgrade.c)
target_compile_definitions(test_server_pg_upgrade PRIVATE
  BLIPPA_SERVER_BIN="$<TARGET_FILE:blippa-server>")
target_link_libraries(test_server_pg_upgrade PRIVATE blippa_srv_testutil PkgConfig::PQ
  PkgConfig::CMOCKA)
add_dependencies(test_server_pg_upgrade blippa-server)
add_test(NAME test_server_pg_upgrade
  COMMAND sh ${PG_HARNESS} run -- $<TARGET_FILE:test_server_pg_upgrade>)
set_tests_properties(test_server_pg_upgrade PROPERTIES LABELS integration TIMEOUT 60
  SKIP_RETURN_CODE 77)
