# SPDX-License-Identifier: MIT
# The suite on any date (issue 12): the whole journey (import, HTTPS serve,
# roster pull, card taps and a name check-in on the real kiosk, sync,
# export) with every program's clock pinned to an awkward local instant in
# Europe/Stockholm (tests/integration/test_dates.sh). Labels: integration,
# dates. Each entry: NAME|INSTANT|S1 START|S1 END (local times).
if(TARGET blippa-kiosk AND TARGET blippa-server AND TARGET blippa-sync)
  set(blippa_dates
    # spring forward: 02:00 CET becomes 03:00 CEST; S1 spans the gap
    "dst_spring_0159|2027-03-28 01:59 +0100|2027-03-28 01:30|2027-03-28 03:30"
    "dst_spring_0301|2027-03-28 03:01 +0200|2027-03-28 01:30|2027-03-28 03:30"
    # fall back: 02:30 happens twice (CEST, then CET); S1 holds both
    "dst_autumn_0230_cest|2027-10-31 02:30 +0200|2027-10-31 01:30|2027-10-31 03:30"
    "dst_autumn_0230_cet|2027-10-31 02:30 +0100|2027-10-31 01:30|2027-10-31 03:30"
    # New Year's Eve: S1 runs into the next year
    "new_year_2359|2027-12-31 23:59 +0100|2027-12-31 23:00|2028-01-01 00:30"
    # leap day
    "leap_day_2028|2028-02-29 12:00 +0100|2028-02-29 11:30|2028-02-29 13:00"
    # a session that began yesterday (local) and runs across midnight
    "across_midnight|2027-06-12 00:20 +0200|2027-06-11 23:30|2027-06-12 01:00")
  foreach(d IN LISTS blippa_dates)
    string(REPLACE "|" ";" f "${d}")
    list(GET f 0 name)
    list(GET f 1 instant)
    list(GET f 2 start)
    list(GET f 3 end)
    add_test(NAME test_dates_${name}
             COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_dates.sh
                     $<TARGET_FILE:blippa-server> $<TARGET_FILE:blippa-sync>
                     $<TARGET_FILE:blippa-kiosk> ${CMAKE_SOURCE_DIR}
                     "${instant}" "${start}" "${end}")
    set_tests_properties(test_dates_${name} PROPERTIES LABELS "integration;dates" TIMEOUT 120)
  endforeach()
endif()
