#ifndef GRAFT_CPNG_SHIM_H
#define GRAFT_CPNG_SHIM_H
#include <png.h>
static inline const char *cpng_version_string(void) { return PNG_LIBPNG_VER_STRING; }
#endif
