// A C target needs one source file of its own; the module is nifticlib's headers (include/).
#include "CNIfTI.h"

int graft_nifti_compiled_with_zlib(void) { return nifti_compiled_with_zlib(); }
