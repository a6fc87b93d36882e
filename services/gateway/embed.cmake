# Turns openapi.json into a C source file (cmake -DIN=... -DOUT=... -P embed.cmake)
# so the binary serves the document without reading files at run time.
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" bytes "${hex}")
string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){32})" "\\1\"\n\"" bytes "${bytes}")
file(WRITE ${OUT} "#include \"openapi.h\"\nconst char openapi_json[] =\n\"${bytes}\";\nconst size_t openapi_json_len = ${len};\n")
