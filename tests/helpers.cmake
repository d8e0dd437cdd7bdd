# SPDX-License-Identifier: MIT
# Lead's helper programs: the demo roster as CSV (demo and end-to-end tests).
add_executable(blippa-demo-csv helpers/demo_csv.c)
target_link_libraries(blippa-demo-csv PRIVATE blippa_store blippa_common)
