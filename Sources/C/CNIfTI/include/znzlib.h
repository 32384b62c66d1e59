// nifti2_io.h includes <znzlib.h>, which Debian installs as <nifti/znzlib.h> (nifticlib has no
// pkg-config file to add /usr/include/nifti to the search path): this forwards to it.
#include <nifti/znzlib.h>
