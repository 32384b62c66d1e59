// nifticlib's NIfTI-1 and NIfTI-2 reader (Debian libnifti2-dev and libniftiio-dev, public domain),
// with znzlib for .nii.gz.
#include <nifti/nifti2_io.h>
int graft_nifti_compiled_with_zlib(void);
// zlib's gz* reader (reads plain files too): Graft reads the voxel data itself, because
// nifticlib 3.0.1 stops short on some gzip-compressed NIfTI-2 files nibabel writes.
#include <zlib.h>
