# SPDX-License-Identifier: MIT
# Compiler warnings and sanitizers, applied to every Blippa target.
add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wconversion
                    -Wno-sign-conversion -Wstrict-prototypes -Wmissing-prototypes
                    -Wformat=2 -fno-common)
add_compile_definitions(_GNU_SOURCE)
if(BLIPPA_WERROR)
  add_compile_options(-Werror)
endif()
if(BLIPPA_SANITIZE)
  add_compile_options(-fsanitize=${BLIPPA_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${BLIPPA_SANITIZE})
endif()
