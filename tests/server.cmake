# SPDX-License-Identifier: MIT
# Tests of blippa-server (sync/server): CSV reader, roster import, ingest and
# export (unit, real SQLite in a temp dir), and the real server binary over
# HTTPS on 127.0.0.1 with a test CA made at run time (integration).
# Benchmark: bench_server (behind the `bench` target).

# srv_testutil_pg.c needs libpq (PkgConfig::PQ, found in pg.cmake); only the
# PostgreSQL tests call it.
add_library(blippa_srv_testutil STATIC helpers/srv_testutil.c helpers/srv_testutil_proc.c
  helpers/srv_testutil_pg.c helpers/srv_testutil_events.c)
target_compile_definitions(blippa_srv_testutil PUBLIC
  TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data")
target_include_directories(blippa_srv_testutil PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/helpers)
target_link_libraries(blippa_srv_testutil PUBLIC blippa_server_core PkgConfig::CURL
  PkgConfig::CMOCKA PRIVATE PkgConfig::PQ)
# The back-office tests' PKI, commands, pinned-clock server and cookie-jar
# browser (test_web, test_web_fleet, test_rights and their _pg variants).
add_library(blippa_web_testutil STATIC helpers/web_testutil.c)
target_link_libraries(blippa_web_testutil PUBLIC blippa_srv_testutil)

add_executable(test_fleet unit/test_fleet.c)
target_link_libraries(test_fleet PRIVATE blippa_server_core PkgConfig::CMOCKA)
add_test(NAME test_fleet COMMAND test_fleet)
set_tests_properties(test_fleet PROPERTIES LABELS unit TIMEOUT 30)

add_executable(test_csv unit/test_csv.c)
target_link_libraries(test_csv PRIVATE blippa_server_core PkgConfig::CMOCKA)
add_test(NAME test_csv COMMAND test_csv)
set_tests_properties(test_csv PROPERTIES LABELS unit TIMEOUT 30)

foreach(t test_import test_export)
  add_executable(${t} unit/${t}.c)
  target_link_libraries(${t} PRIVATE blippa_srv_testutil PkgConfig::SQLITE3 PkgConfig::CMOCKA)
  add_test(NAME ${t} COMMAND ${t})
  set_tests_properties(${t} PROPERTIES LABELS unit TIMEOUT 60)
endforeach()

# The import's snapshot limits (issue 12.4): 200,000-row rosters, a few seconds.
add_executable(test_import_limits unit/test_import_limits.c)
target_link_libraries(test_import_limits PRIVATE blippa_srv_testutil PkgConfig::CMOCKA)
add_test(NAME test_import_limits COMMAND test_import_limits)
set_tests_properties(test_import_limits PROPERTIES LABELS unit TIMEOUT 120)

add_executable(test_server_http integration/test_server_http.c)
target_compile_definitions(test_server_http PRIVATE
  BLIPPA_SERVER_BIN="$<TARGET_FILE:blippa-server>"
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
target_link_libraries(test_server_http PRIVATE blippa_srv_testutil PkgConfig::CURL
  PkgConfig::JANSSON PkgConfig::CMOCKA)
add_dependencies(test_server_http blippa-server)
add_test(NAME test_server_http COMMAND test_server_http)
set_tests_properties(test_server_http PROPERTIES LABELS integration TIMEOUT 120)

# Issue 12 defects 1 and 6: implausible event times, the export on stored
# values and --output, kiosk-supplied text (real binary over HTTPS).
add_executable(test_server_input integration/test_server_input.c)
target_compile_definitions(test_server_input PRIVATE
  BLIPPA_SERVER_BIN="$<TARGET_FILE:blippa-server>"
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
target_link_libraries(test_server_input PRIVATE blippa_srv_testutil PkgConfig::CURL
  PkgConfig::CMOCKA)
add_dependencies(test_server_input blippa-server)
add_test(NAME test_server_input COMMAND test_server_input)
set_tests_properties(test_server_input PROPERTIES LABELS integration TIMEOUT 120)

add_executable(bench_server EXCLUDE_FROM_ALL bench/bench_server.c)
target_compile_definitions(bench_server PRIVATE
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
target_link_libraries(bench_server PRIVATE blippa_srv_testutil PkgConfig::CURL)
add_dependencies(bench bench_server)

# The back-office in the browser (docs/backoffice.md): real server over HTTPS.
add_executable(test_web integration/test_web.c)
target_compile_definitions(test_web PRIVATE
  BLIPPA_SERVER_BIN="$<TARGET_FILE:blippa-server>"
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
target_link_libraries(test_web PRIVATE blippa_web_testutil PkgConfig::CURL PkgConfig::CMOCKA)
add_dependencies(test_web blippa-server)
add_test(NAME test_web COMMAND test_web)
set_tests_properties(test_web PROPERTIES LABELS "integration;web" TIMEOUT 180)

# Region operations in the back-office (issue 16): fleet health, /metrics,
# roster upload, leader PINs; real server over HTTPS.
add_executable(test_web_fleet integration/test_web_fleet.c)
target_compile_definitions(test_web_fleet PRIVATE
  BLIPPA_SERVER_BIN="$<TARGET_FILE:blippa-server>"
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
pkg_check_modules(ARCHIVE REQUIRED IMPORTED_TARGET libarchive) # zip uploads
target_link_libraries(test_web_fleet PRIVATE blippa_web_testutil PkgConfig::CURL PkgConfig::CMOCKA
  PkgConfig::ARCHIVE)
add_dependencies(test_web_fleet blippa-server)
add_test(NAME test_web_fleet COMMAND test_web_fleet)
set_tests_properties(test_web_fleet PROPERTIES LABELS "integration;web" TIMEOUT 180)

# The back-office in a real browser: chromium + chromedriver + python3-selenium
# (Debian packages), /usr/bin/python3. Screenshots go to the build dir;
# docs/screenshots/backoffice-* are copies of them.
add_test(NAME test_web_browser COMMAND /usr/bin/python3
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_web_browser.py $<TARGET_FILE:blippa-server>
  ${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh ${CMAKE_CURRENT_SOURCE_DIR}/data/roster
  ${CMAKE_CURRENT_BINARY_DIR}/web-screenshots)
set_tests_properties(test_web_browser PROPERTIES LABELS "integration;web;browser" TIMEOUT 240)

add_executable(bench_web EXCLUDE_FROM_ALL bench/bench_web.c)
target_link_libraries(bench_web PRIVATE blippa_srv_testutil PkgConfig::SQLITE3 PkgConfig::PQ)
add_dependencies(bench bench_web)

# The back-office figures from the attendance summary equal the reference
# fold of the export (issue 15); test_web_data_pg (pg.cmake) on PostgreSQL.
add_executable(test_web_data integration/test_web_data.c integration/web_data_ref.c)
target_link_libraries(test_web_data PRIVATE blippa_srv_testutil PkgConfig::SQLITE3 PkgConfig::PQ
  PkgConfig::CMOCKA)
add_test(NAME test_web_data COMMAND test_web_data)
set_tests_properties(test_web_data PROPERTIES LABELS "integration;web" TIMEOUT 60)

# The audit trail, purge, participant-report and erase-participant (issue 16,
# docs/privacy.md); test_rights_pg (pg.cmake) runs it on both backends side by side.
add_executable(test_rights integration/test_rights.c)
target_compile_definitions(test_rights PRIVATE
  BLIPPA_SERVER_BIN="$<TARGET_FILE:blippa-server>"
  MAKE_TEST_CA="${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh")
target_link_libraries(test_rights PRIVATE blippa_web_testutil PkgConfig::CURL PkgConfig::CMOCKA)
add_dependencies(test_rights blippa-server)
add_test(NAME test_rights COMMAND test_rights)
set_tests_properties(test_rights PROPERTIES LABELS "integration;web" TIMEOUT 120)

# The Audit page in a real browser (docs/privacy.md); screenshots into the
# build dir, docs/screenshots/backoffice-audit-* are copies of them.
add_test(NAME test_audit_browser COMMAND /usr/bin/python3
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_audit_browser.py $<TARGET_FILE:blippa-server>
  ${CMAKE_CURRENT_SOURCE_DIR}/helpers/make-test-ca.sh ${CMAKE_CURRENT_SOURCE_DIR}/data/roster
  ${CMAKE_CURRENT_BINARY_DIR}/web-screenshots)
set_tests_properties(test_audit_browser PROPERTIES LABELS "integration;web;browser" TIMEOUT 240)
