#ifndef GRAFT_COPENBLAS_SHIM_H
#define GRAFT_COPENBLAS_SHIM_H
// cblas.h also declares OpenBLAS's extensions (openblas_set_num_threads, openblas_get_config).
#include <cblas.h>
#endif
