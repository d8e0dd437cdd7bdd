# SPDX-License-Identifier: MIT
# Turns a file into a C array (NAME, NAME_len) at build time: the back-office
# stylesheet is compiled into blippa-server, so it needs no install path.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," arr "${hex}")
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
file(WRITE "${OUT}" "/* SPDX-License-Identifier: MIT */\n/* Generated from ${IN}. */\n#include <stddef.h>\nconst unsigned char ${NAME}[] = {${arr} 0};\nconst size_t ${NAME}_len = ${n};\n")
