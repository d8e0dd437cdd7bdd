# SPDX-License-Identifier: MIT
# Fault tests (label fault): kill -9 of the kiosk during tap bursts.
# A few rounds in every run; 200 rounds in the `slow` run.
set(kill9_args $<TARGET_FILE:blippa-server> $<TARGET_FILE:blippa-sync>
               $<TARGET_FILE:blippa-kiosk> ${CMAKE_SOURCE_DIR})
add_test(NAME test_kill9 COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fault/test_kill9.sh ${kill9_args} 4 25)
set_tests_properties(test_kill9 PROPERTIES LABELS fault TIMEOUT 240)
add_test(NAME test_kill9_200 COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/fault/test_kill9.sh ${kill9_args} 200 20)
set_tests_properties(test_kill9_200 PROPERTIES LABELS "fault;slow" TIMEOUT 3600)
