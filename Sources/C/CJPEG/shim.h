#ifndef GRAFT_CJPEG_SHIM_H
#define GRAFT_CJPEG_SHIM_H
#include <stdio.h>
#include <jpeglib.h>
static inline int cjpeg_lib_version(void) { return JPEG_LIB_VERSION; }
#endif
