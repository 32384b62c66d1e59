#ifndef GRAFT_CJPEG_SHIM_H
#define GRAFT_CJPEG_SHIM_H
// libjpeg-turbo's TurboJPEG API: errors are return codes plus tjGetErrorStr2, so no setjmp/longjmp
// crosses Swift frames (the classic libjpeg API exits the process on error unless it longjmps).
#include <turbojpeg.h>
#endif
