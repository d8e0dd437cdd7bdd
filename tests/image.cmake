# SPDX-License-Identifier: MIT
# The kiosk image recipe (scripts/make-kiosk-image) run in a clean Debian 12
# root: scripts/test-kiosk-image (needs root and mmdebstrap; builds the .deb
# with scripts/build-debs; labels image and slow, so the default suite leaves
# it out: scripts/run-tests runs it as a stage after scripts/test-debs).
add_test(NAME test_kiosk_image COMMAND ${PROJECT_SOURCE_DIR}/scripts/test-kiosk-image)
set_tests_properties(test_kiosk_image PROPERTIES LABELS "image;slow" TIMEOUT 1800 RUN_SERIAL ON)
