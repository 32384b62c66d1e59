// OpenJPEG 2.x (Debian libopenjp2-7-dev): JPEG 2000 frames of DICOM files are decoded with it
// directly, not through GDCM's JPEG 2000 glue (which writes past its buffer when a codestream's
// size disagrees with the DICOM header).
#include <openjpeg.h>
