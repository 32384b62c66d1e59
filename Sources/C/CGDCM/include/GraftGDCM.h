// A C face for the few GDCM (C++) calls Graft needs: open a DICOM file, read attributes as text,
// decode the pixel data. Every call catches C++ exceptions; errors come back as a status and a
// message, never as an exception or an abort.
#ifndef GRAFT_GDCM_H
#define GRAFT_GDCM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    GRAFT_GDCM_OK = 0,
    /// The file could not be opened or is not a DICOM file GDCM can parse.
    GRAFT_GDCM_UNREADABLE = 1,
    /// The file parsed but carries no image (no pixel data, or an object GDCM sees as non-image).
    GRAFT_GDCM_NO_IMAGE = 2,
    /// The pixel data could not be decoded (unsupported or damaged transfer syntax).
    GRAFT_GDCM_DECODE_FAILED = 3,
    /// The caller's buffer is not the size of the decoded image.
    GRAFT_GDCM_BUFFER_SIZE = 4,
    /// Any other failure inside GDCM (an exception caught at the boundary).
    GRAFT_GDCM_INTERNAL = 5,
} graft_gdcm_status;

/// One open file (owned by the caller, freed with graft_gdcm_close).
typedef struct graft_gdcm_file graft_gdcm_file;

/// The pixel layout the caller read from the attributes and validated (GDCM's own image reader
/// is not used: Debian builds GDCM with assertions, and its ImageHelper asserts on valid files).
typedef struct {
    uint32_t columns, rows, frames;
    uint32_t samples_per_pixel;
    uint32_t bits_allocated, bits_stored, high_bit;
    uint32_t pixel_representation;   // 0 unsigned, 1 two's complement
    uint32_t planar_configuration;   // 0 interleaved, 1 planes
    const char *photometric;         // as in the file, e.g. "MONOCHROME2", "YBR_FULL_422"
} graft_gdcm_pixel_layout;

/// What the decoder produced (it may change the photometric interpretation and planar layout).
typedef struct {
    uint32_t planar_configuration;
    char photometric[32];
} graft_gdcm_decoded;

/// Opens `path` and parses its data set. With `headers_only`, stops before the pixel data (a
/// series scan). On failure returns a status, writes a message into
/// `message` (NUL-terminated, truncated to `capacity`) and sets `*out` to NULL.
graft_gdcm_status graft_gdcm_open(const char *path, int headers_only, graft_gdcm_file **out,
                                  char *message, size_t capacity);

void graft_gdcm_close(graft_gdcm_file *file);

/// The element (group, element) of the top-level data set as text (numbers formatted, multiple
/// values separated by backslashes). Returns the full length (excluding NUL) and copies at most
/// capacity - 1 bytes; returns -1 when the element is absent.
int64_t graft_gdcm_string(const graft_gdcm_file *file, uint16_t group, uint16_t element,
                          char *buffer, size_t capacity);

/// The data set's transfer syntax UID (from the meta header, or as GDCM deduced it for a file
/// without one), copied into `buffer`.
void graft_gdcm_transfer_syntax(const graft_gdcm_file *file, char *buffer, size_t capacity);

/// The Pixel Data element, as parsed.
typedef struct {
    int encapsulated;   // compressed fragments (decode with graft_gdcm_decode)
    int truncated;      // the file ended before the element's declared length (GDCM's warning)
    uint64_t length;    // native data: bytes
    char vr[4];         // "OB", "OW" (native), "" when unknown
} graft_gdcm_pixel_data_info;

/// 1 when the data set has Pixel Data (7FE0,0010), with `info` filled; 0 otherwise.
int graft_gdcm_pixel_data(const graft_gdcm_file *file, graft_gdcm_pixel_data_info *info);

/// Copies native (uncompressed) pixel data as stored (the file's byte order) into `buffer`;
/// returns the number of bytes copied (at most `capacity`).
uint64_t graft_gdcm_copy_native_pixels(const graft_gdcm_file *file, void *buffer, uint64_t capacity);

/// Decodes compressed (encapsulated) frames described by `layout` into `buffer` (exactly `length` bytes: rows x
/// columns x frames x samples x bytes per sample, or the bit-packed size for 1-bit pixels).
graft_gdcm_status graft_gdcm_decode(const graft_gdcm_file *file, const graft_gdcm_pixel_layout *layout,
                                    void *buffer, uint64_t length, graft_gdcm_decoded *decoded,
                                    char *message, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
