# embed.cmake - the API document (openapi.json) as a C array the gateway
# serves at /v1/openapi.json: one file in the repository, nothing to install.
# cmake -DIN=openapi.json -DOUT=openapi_doc.c -P embed.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE ${OUT}
  "/* Generated from openapi.json by embed.cmake: do not edit. */\n"
  "#include <stddef.h>\n"
  "const char gw_openapi_doc[] = {${bytes} 0};\n"
  "const size_t gw_openapi_doc_len = sizeof gw_openapi_doc - 1;\n")
