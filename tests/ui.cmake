# SPDX-License-Identifier: MIT
# Kiosk UI tests: widget unit tests, and the real blippa-kiosk driven
# headless (SDL dummy video driver, software renderer) through its control
# FIFO and trace channel. `screenshots` target: every screen at two
# resolutions in sv and en as BMP + PNG under <build>/screenshots.
if(TARGET blippa-kiosk)
  add_library(kiosk_harness STATIC ui/kiosk_harness.c)
  target_compile_definitions(kiosk_harness PUBLIC
    KIOSK_BIN="$<TARGET_FILE:blippa-kiosk>"
    SHOT_DIR="${CMAKE_BINARY_DIR}/screenshots")
  target_include_directories(kiosk_harness PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/ui)
  target_link_libraries(kiosk_harness PUBLIC PkgConfig::SQLITE3 PkgConfig::CMOCKA)

  foreach(t test_kiosk_checkin test_kiosk_leader test_kiosk_fault test_kiosk_screens
          test_kiosk_firsttime test_kiosk_attendance)
    add_executable(${t} ui/${t}.c)
    target_link_libraries(${t} PRIVATE kiosk_harness)
    add_dependencies(${t} blippa-kiosk)
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS "ui;integration" TIMEOUT 300)
  endforeach()
  set_tests_properties(test_kiosk_fault PROPERTIES LABELS "ui;fault")
  target_sources(test_kiosk_screens PRIVATE ui/a11y_measure.c)
  target_link_libraries(test_kiosk_screens PRIVATE m)
  # every screen x panel x language measured: targets in mm, capitals in mm,
  # text and non-text contrast, text that does not fit (docs/accessibility.md)
  add_test(NAME test_kiosk_a11y COMMAND test_kiosk_screens --a11y)
  set_tests_properties(test_kiosk_a11y PROPERTIES LABELS "ui;integration" TIMEOUT 900)

  # The "not authorised" home against the real blippa-server over HTTPS: a
  # revoked token, then a new one and a restart (tests/ui/test_kiosk_auth.sh).
  if(TARGET blippa-server AND TARGET blippa-sync)
    add_test(NAME test_kiosk_auth
      COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/ui/test_kiosk_auth.sh $<TARGET_FILE:blippa-server>
              $<TARGET_FILE:blippa-sync> $<TARGET_FILE:blippa-kiosk> ${CMAKE_SOURCE_DIR}
              ${CMAKE_BINARY_DIR}/screenshots)
    set_tests_properties(test_kiosk_auth PROPERTIES LABELS "ui;integration" TIMEOUT 120)
    # A new token in token_file is used without a restart; a bad token file
    # keeps the old token and says why (tests/ui/test_kiosk_token.sh).
    add_test(NAME test_kiosk_token
      COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/ui/test_kiosk_token.sh $<TARGET_FILE:blippa-server>
              $<TARGET_FILE:blippa-sync> $<TARGET_FILE:blippa-kiosk> ${CMAKE_SOURCE_DIR})
    set_tests_properties(test_kiosk_token PROPERTIES LABELS "ui;integration" TIMEOUT 120)
  endif()

  # The real window on a bare X server (no window manager) and under the
  # cage Wayland compositor: docs/kiosk.md, "Display".
  add_test(NAME test_kiosk_window
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/ui/test_kiosk_window.sh $<TARGET_FILE:blippa-kiosk>)
  set_tests_properties(test_kiosk_window PROPERTIES LABELS "ui;integration" TIMEOUT 120
    SKIP_RETURN_CODE 77)
  add_test(NAME test_kiosk_cage
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/ui/test_kiosk_cage.sh $<TARGET_FILE:blippa-kiosk>)
  set_tests_properties(test_kiosk_cage PROPERTIES LABELS "ui;integration" TIMEOUT 120
    SKIP_RETURN_CODE 77 ENVIRONMENT "BLIPPA_SHOT_DIR=${CMAKE_BINARY_DIR}/screenshots")
  # The same at 1920x1080 (and a live mode change), and a keyboard, under
  # sway: what cage 0.1.4's headless output and seat cannot show.
  add_test(NAME test_kiosk_sway
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/ui/test_kiosk_sway.sh $<TARGET_FILE:blippa-kiosk>)
  set_tests_properties(test_kiosk_sway PROPERTIES LABELS "ui;integration" TIMEOUT 120
    SKIP_RETURN_CODE 77 ENVIRONMENT "BLIPPA_SHOT_DIR=${CMAKE_BINARY_DIR}/screenshots")
  # The systemd unit: verify, its command line restarted after a crash by a
  # supervisor honouring Restart=/RestartSec=, its SystemCallFilter= against
  # strace (docs/reliability.md, "Deployment").
  add_test(NAME test_kiosk_unit
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/ui/test_kiosk_unit.sh $<TARGET_FILE:blippa-kiosk>
            ${CMAKE_SOURCE_DIR}/config/blippa-kiosk.service)
  set_tests_properties(test_kiosk_unit PROPERTIES LABELS "ui;integration" TIMEOUT 120
    SKIP_RETURN_CODE 77)

  add_custom_target(screenshots
    COMMAND ${CMAKE_COMMAND} -E env BLIPPA_SCREENSHOTS=all $<TARGET_FILE:test_kiosk_screens>
    COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/ui/bmp2png.py --all ${CMAKE_BINARY_DIR}/screenshots
    DEPENDS test_kiosk_screens blippa-kiosk
    COMMENT "Screenshots of every screen in ${CMAKE_BINARY_DIR}/screenshots" VERBATIM)
endif()

if(TARGET blippa_ui)
  add_executable(test_widgets ui/test_widgets.c)
  target_link_libraries(test_widgets PRIVATE blippa_ui PkgConfig::CMOCKA)
  add_test(NAME test_widgets COMMAND test_widgets)
  set_tests_properties(test_widgets PROPERTIES LABELS unit TIMEOUT 60
    ENVIRONMENT "SDL_VIDEODRIVER=dummy;SDL_RENDER_DRIVER=software")
  add_executable(test_text_runs ui/test_text_runs.c)
  target_link_libraries(test_text_runs PRIVATE blippa_ui PkgConfig::CMOCKA)
  add_test(NAME test_text_runs COMMAND test_text_runs)
  set_tests_properties(test_text_runs PROPERTIES LABELS unit TIMEOUT 30)
endif()

if(TARGET blippa-kiosk AND TARGET bench)
  add_executable(bench_kiosk bench/bench_kiosk.c)
  target_link_libraries(bench_kiosk PRIVATE kiosk_harness)
  add_dependencies(bench bench_kiosk)
endif()

# Every message of the kiosk is translated in every language it offers
# (sv is the default; fi ar fa so ti need a native speaker's review).
foreach(lang sv en fi ar fa so ti)
  add_test(NAME test_po_complete_${lang}
    COMMAND sh -c "msgfmt --check --statistics -o /dev/null '${PROJECT_SOURCE_DIR}/assets/po/${lang}.po' 2>&1 | grep -v -e untranslated -e fuzzy | grep -q 'translated messages' && msgcmp '${PROJECT_SOURCE_DIR}/assets/po/${lang}.po' '${PROJECT_SOURCE_DIR}/assets/po/blippa.pot'")
  set_tests_properties(test_po_complete_${lang} PROPERTIES LABELS unit TIMEOUT 30)
endforeach()
