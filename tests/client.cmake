# SPDX-License-Identifier: MIT
# Tests of the sync client (sync/client): the engine against a scripted mock
# server, the fault proxy helper, and the integration tests against the real
# blippa-server over HTTPS (tests/integration/test_sync*.c).

# The fault-injecting proxy (a real program, see tests/helpers/faultproxy.c).
pkg_check_modules(GNUTLS IMPORTED_TARGET gnutls)
add_executable(faultproxy helpers/faultproxy.c)
target_link_libraries(faultproxy PRIVATE PkgConfig::GNUTLS Threads::Threads)

add_executable(test_faultproxy helpers/test_faultproxy.c)
target_compile_definitions(test_faultproxy PRIVATE FAULTPROXY_EXE="$<TARGET_FILE:faultproxy>")
target_link_libraries(test_faultproxy PRIVATE PkgConfig::CMOCKA Threads::Threads)
add_dependencies(test_faultproxy faultproxy)
add_test(NAME test_faultproxy COMMAND test_faultproxy)
set_tests_properties(test_faultproxy PROPERTIES LABELS "unit;fault" TIMEOUT 60)

if(TARGET blippa_sync)
  add_executable(test_engine unit/test_engine.c helpers/engine_mock.c)
  target_include_directories(test_engine PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
  target_link_libraries(test_engine PRIVATE blippa_sync PkgConfig::MHD PkgConfig::CMOCKA)
  add_test(NAME test_engine COMMAND test_engine)
  set_tests_properties(test_engine PROPERTIES LABELS unit TIMEOUT 120)
  # the token file read again when it changes (sync/client/engine_token.c)
  add_executable(test_engine_token unit/test_engine_token.c helpers/engine_mock.c)
  target_include_directories(test_engine_token PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
  target_link_libraries(test_engine_token PRIVATE blippa_sync PkgConfig::MHD PkgConfig::CMOCKA)
  add_test(NAME test_engine_token COMMAND test_engine_token)
  set_tests_properties(test_engine_token PROPERTIES LABELS unit TIMEOUT 60)
endif()

# Integration: the engine and blippa-sync against the real blippa-server over
# HTTPS (CA made at test time), incl. the 10,000-event fault scenario.
if(TARGET blippa_sync AND TARGET blippa-server AND TARGET blippa-sync)
  # Shared by both: child processes, the server, kiosk dirs, the fixture.
  add_library(blippa_sync_testutil STATIC helpers/sync_testutil.c)
  target_compile_definitions(blippa_sync_testutil PUBLIC
    BLIPPA_SERVER_EXE="$<TARGET_FILE:blippa-server>"
    MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
  target_include_directories(blippa_sync_testutil PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
  target_link_libraries(blippa_sync_testutil PUBLIC blippa_sync PkgConfig::SQLITE3 PkgConfig::CMOCKA)

  # The engine against the server (and the fault proxy).
  add_executable(test_sync integration/test_sync.c)
  target_compile_definitions(test_sync PRIVATE FAULTPROXY_EXE="$<TARGET_FILE:faultproxy>")
  target_link_libraries(test_sync PRIVATE blippa_sync_testutil Threads::Threads)
  add_dependencies(test_sync blippa-server faultproxy)
  add_test(NAME test_sync COMMAND test_sync)
  set_tests_properties(test_sync PROPERTIES LABELS "integration;fault" TIMEOUT 300)

  # The blippa-sync program against the server.
  add_executable(test_sync_cli integration/test_sync_cli.c)
  target_compile_definitions(test_sync_cli PRIVATE BLIPPA_SYNC_EXE="$<TARGET_FILE:blippa-sync>")
  target_link_libraries(test_sync_cli PRIVATE blippa_sync_testutil Threads::Threads)
  add_dependencies(test_sync_cli blippa-server blippa-sync)
  add_test(NAME test_sync_cli COMMAND test_sync_cli)
  set_tests_properties(test_sync_cli PROPERTIES LABELS "integration;fault" TIMEOUT 300)

  # Issue 12 defects 8, 9: a kiosk syncs while 540 idle connections are held;
  # header deadline; libmicrohttpd's own error answers as docs/protocol.md says.
  add_executable(test_server_conn integration/test_server_conn.c)
  target_compile_definitions(test_server_conn PRIVATE BLIPPA_SYNC_EXE="$<TARGET_FILE:blippa-sync>"
    PROTOCOL_MD="${CMAKE_SOURCE_DIR}/docs/protocol.md")
  target_link_libraries(test_server_conn PRIVATE blippa_sync_testutil)
  add_dependencies(test_server_conn blippa-server blippa-sync)
  add_test(NAME test_server_conn COMMAND test_server_conn)
  set_tests_properties(test_server_conn PROPERTIES LABELS integration TIMEOUT 120)
endif()

# Benchmark (not run by ctest): sync_drain_100k_s, roster_pull_10k_ms/_304_ms.
if(TARGET blippa_sync AND TARGET blippa-server)
  add_executable(bench_sync EXCLUDE_FROM_ALL bench/bench_sync.c)
  target_compile_definitions(bench_sync PRIVATE
    BLIPPA_SERVER_EXE="$<TARGET_FILE:blippa-server>"
    MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
  target_link_libraries(bench_sync PRIVATE blippa_sync PkgConfig::SQLITE3)
  add_dependencies(bench_sync blippa-server)
  add_dependencies(bench bench_sync)
endif()
