// GDCM behind a C face. The only C++ in Graft: every entry point catches exceptions and turns
// failures into a status and a message (GDCM's own warnings and errors to stderr are switched off).
//
// GDCM's ImageReader is not used: Debian's GDCM is built with assertions, and the ImageHelper
// behind ImageReader aborts the process on valid files (pydicom's rtdose_1frame.dcm: an assertion
// on Number of Frames). Graft parses the data set with the plain Reader, reads and validates the
// image attributes itself, and hands GDCM's codecs an Image it describes.
//
// Assertions remain inside GDCM's parser (a file without a meta header trips one in
// FileMetaInformation::ReadCompat). An assertion calls abort(), so every call into GDCM runs
// under a SIGABRT handler that, on the calling thread only, jumps back to the entry point,
// which reports the file as unreadable; the objects GDCM was building are leaked, never reused.
// SIGABRT raised anywhere else goes to the handler that was installed before (Swift's backtracer).
#include "GraftGDCM.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <sys/stat.h>

#include <openjpeg.h>
#include <vector>

#if __has_include(<gdcm-3.0/gdcmImage.h>)
#include <gdcm-3.0/gdcmImage.h>
#include <gdcm-3.0/gdcmReader.h>
#include <gdcm-3.0/gdcmSequenceOfFragments.h>
#include <gdcm-3.0/gdcmStringFilter.h>
#include <gdcm-3.0/gdcmTrace.h>
#else
#include <gdcmImage.h>
#include <gdcmReader.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmStringFilter.h>
#include <gdcmTrace.h>
#endif

struct graft_gdcm_file {
    gdcm::Reader reader;
    bool truncatedPixelData = false;
};

namespace {

const gdcm::Tag pixelDataTag(0x7fe0, 0x0010);

/// GDCM's warnings, collected per thread: the only way GDCM tells that Pixel Data ended early
/// ("Incomplete Pixel Data found") while its Read() still succeeds.
class ThreadWarnings : public std::streambuf {
public:
    static std::string &text() {
        thread_local std::string collected;
        return collected;
    }

protected:
    int overflow(int c) override {
        if (c != EOF && text().size() < 65536) text() += static_cast<char>(c);
        return c;
    }
    std::streamsize xsputn(const char *s, std::streamsize n) override {
        if (text().size() < 65536) text().append(s, static_cast<size_t>(n));
        return n;
    }
};

void quiet() {
    static std::once_flag once;
    std::call_once(once, [] {
        static ThreadWarnings warnings;
        static std::ostream stream(&warnings);
        gdcm::Trace::SetDebug(false);
        gdcm::Trace::SetError(false);
        gdcm::Trace::SetWarningStream(stream);
        gdcm::Trace::SetWarning(true);
    });
}

thread_local sigjmp_buf *activeJump = nullptr;
struct sigaction previousAbortAction;

void onAbort(int signal, siginfo_t *info, void *context) {
    if (activeJump != nullptr) {
        sigjmp_buf *jump = activeJump;
        activeJump = nullptr;
        siglongjmp(*jump, 1);
    }
    if (previousAbortAction.sa_flags & SA_SIGINFO) {
        previousAbortAction.sa_sigaction(signal, info, context);
    } else if (previousAbortAction.sa_handler != SIG_DFL && previousAbortAction.sa_handler != SIG_IGN) {
        previousAbortAction.sa_handler(signal);
    } else {
        sigaction(SIGABRT, &previousAbortAction, nullptr);
        raise(SIGABRT);
    }
}

/// The largest single C++ allocation allowed on this thread (0: no limit). GDCM allocates an
/// element's declared length before reading it, so a 750-byte file declaring a 4 GB element
/// would have it zero-fill 4 GB: while parsing, the limit is the file's size; while decoding,
/// the decoded image's size (plus codec working room).
thread_local size_t allocationLimit = 0;

struct AllocationLimit {
    explicit AllocationLimit(size_t limit) { allocationLimit = limit; }
    ~AllocationLimit() { allocationLimit = 0; }
};

/// The failed assertion's text, kept for the error message.
std::string &lastAssertion() {
    thread_local std::string text;
    return text;
}

void installAbortGuard() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action;
        std::memset(&action, 0, sizeof action);
        action.sa_sigaction = onAbort;
        action.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        sigaction(SIGABRT, &action, &previousAbortAction);
    });
}

void put(char *message, size_t capacity, const std::string &text) {
    if (message == nullptr || capacity == 0) return;
    size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
    std::memcpy(message, text.data(), n);
    message[n] = 0;
}

}  // namespace

// The program's operator new/delete, replaced so the per-thread limit above can refuse an
// allocation (as std::bad_alloc, caught at the entry points). Without a limit they are malloc/free.
void *operator new(std::size_t size) {
    if (allocationLimit != 0 && size > allocationLimit) throw std::bad_alloc();
    if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void *operator new[](std::size_t size) { return operator new(size); }
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

// glibc's assertion handler, replaced for the whole program (the executable's definition takes
// precedence over libc's for the shared libraries it loads): inside a guarded GDCM call, a failed
// assertion becomes a jump back to the entry point, silently, with its text kept for the error;
// anywhere else it prints and aborts exactly as glibc's does.
extern "C" void __assert_fail(const char *assertion, const char *file, unsigned int line,
                                           const char *function) noexcept {
    if (activeJump != nullptr) {
        lastAssertion() = std::string(file ? file : "?") + ":" + std::to_string(line) + ": " + (assertion ? assertion : "?");
        sigjmp_buf *jump = activeJump;
        activeJump = nullptr;
        siglongjmp(*jump, 1);
    }
    std::fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file ? file : "?", line, function ? function : "?",
                 assertion ? assertion : "?");
    std::fflush(stderr);
    std::abort();
}

extern "C" graft_gdcm_status graft_gdcm_open(const char *path, int headers_only, graft_gdcm_file **out,
                                             char *message, size_t capacity) {
    *out = nullptr;
    installAbortGuard();
    sigjmp_buf jump;
    lastAssertion() = "abort()";
    if (sigsetjmp(jump, 1) != 0) {
        // GDCM asserted part way through: the half-built reader is leaked, not freed (and the
        // jump skipped the allocation limit's destructor).
        allocationLimit = 0;
        put(message, capacity, "GDCM's parser gave up on it (damaged or non-conforming; its check " + lastAssertion() + " failed)");
        return GRAFT_GDCM_UNREADABLE;
    }
    try {
        quiet();
        std::unique_ptr<graft_gdcm_file> file(new graft_gdcm_file);
        file->reader.SetFileName(path);
        // No element can legitimately need more memory than the file holds (plus GDCM's overhead).
        struct stat info;
        size_t limit = (stat(path, &info) == 0 ? static_cast<size_t>(info.st_size) : 0) + (16u << 20);
        AllocationLimit guard(limit);
        ThreadWarnings::text().clear();
        activeJump = &jump;
        bool read = headers_only ? file->reader.ReadUpToTag(pixelDataTag) : file->reader.Read();
        activeJump = nullptr;
        file->truncatedPixelData = ThreadWarnings::text().find("Incomplete Pixel Data") != std::string::npos;
        if (!read) {
            put(message, capacity, file->reader.GetFile().GetDataSet().IsEmpty()
                    ? "GDCM cannot parse it as DICOM"
                    : "GDCM stopped part way through the data set (truncated or damaged)");
            return GRAFT_GDCM_UNREADABLE;
        }
        *out = file.release();
        return GRAFT_GDCM_OK;
    } catch (const std::bad_alloc &) {
        activeJump = nullptr;
        put(message, capacity, "an element claims more bytes than the file holds (GDCM would have allocated them)");
        return GRAFT_GDCM_INTERNAL;
    } catch (const std::exception &e) {
        activeJump = nullptr;
        put(message, capacity, std::string("GDCM: ") + e.what());
        return GRAFT_GDCM_UNREADABLE;
    } catch (...) {
        activeJump = nullptr;
        put(message, capacity, "GDCM failed with an unknown exception");
        return GRAFT_GDCM_INTERNAL;
    }
}

extern "C" void graft_gdcm_close(graft_gdcm_file *file) { delete file; }

extern "C" int64_t graft_gdcm_string(const graft_gdcm_file *file, uint16_t group, uint16_t element,
                                     char *buffer, size_t capacity) {
    installAbortGuard();
    sigjmp_buf jump;
    if (sigsetjmp(jump, 1) != 0) return -1;
    try {
        activeJump = &jump;
        const gdcm::File &f = file->reader.GetFile();
        gdcm::Tag tag(group, element);
        const gdcm::DataSet &set = group == 0x0002 ? f.GetHeader() : f.GetDataSet();
        if (!set.FindDataElement(tag)) {
            activeJump = nullptr;
            return -1;
        }
        const gdcm::DataElement &de = set.GetDataElement(tag);
        if (de.IsEmpty()) {
            activeJump = nullptr;
            put(buffer, capacity, "");
            return 0;
        }
        gdcm::StringFilter filter;
        filter.SetFile(f);
        std::string value = filter.ToString(de);
        activeJump = nullptr;
        put(buffer, capacity, value);
        return static_cast<int64_t>(value.size());
    } catch (...) {
        activeJump = nullptr;
        return -1;
    }
}

extern "C" void graft_gdcm_transfer_syntax(const graft_gdcm_file *file, char *buffer, size_t capacity) {
    try {
        const char *uid = file->reader.GetFile().GetHeader().GetDataSetTransferSyntax().GetString();
        put(buffer, capacity, uid ? uid : "");
    } catch (...) {
        put(buffer, capacity, "");
    }
}

extern "C" int graft_gdcm_pixel_data(const graft_gdcm_file *file, graft_gdcm_pixel_data_info *info) {
    try {
        std::memset(info, 0, sizeof *info);
        const gdcm::DataSet &set = file->reader.GetFile().GetDataSet();
        if (!set.FindDataElement(pixelDataTag)) return 0;
        const gdcm::DataElement &de = set.GetDataElement(pixelDataTag);
        info->encapsulated = de.GetSequenceOfFragments() != nullptr ? 1 : 0;
        info->truncated = file->truncatedPixelData ? 1 : 0;
        const gdcm::ByteValue *bv = de.GetByteValue();
        info->length = bv ? static_cast<uint64_t>(static_cast<uint32_t>(bv->GetLength())) : 0;
        const char *vr = gdcm::VR::GetVRString(de.GetVR());
        put(info->vr, sizeof info->vr, vr ? vr : "");
        return 1;
    } catch (...) {
        return 0;
    }
}

extern "C" uint64_t graft_gdcm_copy_native_pixels(const graft_gdcm_file *file, void *buffer, uint64_t capacity) {
    try {
        const gdcm::DataSet &set = file->reader.GetFile().GetDataSet();
        if (!set.FindDataElement(pixelDataTag)) return 0;
        const gdcm::ByteValue *bv = set.GetDataElement(pixelDataTag).GetByteValue();
        if (bv == nullptr || bv->GetPointer() == nullptr) return 0;
        uint64_t length = static_cast<uint32_t>(bv->GetLength());
        uint64_t n = length < capacity ? length : capacity;
        std::memcpy(buffer, bv->GetPointer(), n);
        return n;
    } catch (...) {
        return 0;
    }
}

// MARK: - JPEG 2000 through OpenJPEG directly

namespace {

struct MemoryStream {
    const unsigned char *data;
    size_t length;
    size_t position;
};

OPJ_SIZE_T readMemory(void *buffer, OPJ_SIZE_T count, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (m->position >= m->length) return static_cast<OPJ_SIZE_T>(-1);
    size_t n = count < m->length - m->position ? count : m->length - m->position;
    std::memcpy(buffer, m->data + m->position, n);
    m->position += n;
    return n;
}

OPJ_OFF_T skipMemory(OPJ_OFF_T count, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (count < 0) return -1;
    size_t n = static_cast<size_t>(count) < m->length - m->position ? static_cast<size_t>(count) : m->length - m->position;
    m->position += n;
    return static_cast<OPJ_OFF_T>(n);
}

OPJ_BOOL seekMemory(OPJ_OFF_T offset, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (offset < 0 || static_cast<size_t>(offset) > m->length) return OPJ_FALSE;
    m->position = static_cast<size_t>(offset);
    return OPJ_TRUE;
}

void openJPEGMessage(const char *text, void *user) {
    auto *collected = static_cast<std::string *>(user);
    if (collected->size() < 400 && text) *collected += text;
}

/// One frame's codestream: fragment `frame` when there is one fragment per frame, all fragments
/// concatenated for a single-frame image.
bool frameBytes(const gdcm::SequenceOfFragments &fragments, unsigned frame, unsigned frames, std::vector<unsigned char> &out) {
    size_t count = fragments.GetNumberOfFragments();
    out.clear();
    if (count == frames) {
        const gdcm::ByteValue *bv = fragments.GetFragment(frame).GetByteValue();
        if (!bv || !bv->GetPointer()) return false;
        out.assign(bv->GetPointer(), bv->GetPointer() + static_cast<uint32_t>(bv->GetLength()));
        return true;
    }
    if (frames != 1) return false;
    for (size_t i = 0; i < count; i++) {
        const gdcm::ByteValue *bv = fragments.GetFragment(i).GetByteValue();
        if (!bv || !bv->GetPointer()) return false;
        out.insert(out.end(), bv->GetPointer(), bv->GetPointer() + static_cast<uint32_t>(bv->GetLength()));
    }
    return true;
}

/// Decodes every frame of a JPEG 2000 image into `buffer` (interleaved samples), checking the
/// codestream's size and component count against the DICOM attributes before decoding.
graft_gdcm_status decodeJPEG2000(const gdcm::SequenceOfFragments &fragments, const graft_gdcm_pixel_layout *layout,
                                 unsigned char *buffer, uint64_t length, std::string &problem) {
    const unsigned bytes = layout->bits_allocated / 8;
    const uint64_t pixels = static_cast<uint64_t>(layout->rows) * layout->columns;
    const uint64_t frameBytesCount = pixels * layout->samples_per_pixel * bytes;
    if (bytes == 0 || frameBytesCount * layout->frames != length) {
        problem = "JPEG 2000 needs 8, 16 or 32 bits allocated";
        return GRAFT_GDCM_DECODE_FAILED;
    }
    std::vector<unsigned char> stream;
    for (unsigned frame = 0; frame < layout->frames; frame++) {
        if (!frameBytes(fragments, frame, layout->frames, stream) || stream.size() < 12) {
            problem = "cannot find frame " + std::to_string(frame) + "'s codestream among " +
                      std::to_string(fragments.GetNumberOfFragments()) + " fragments";
            return GRAFT_GDCM_DECODE_FAILED;
        }
        bool jp2 = stream[0] == 0 && stream[1] == 0 && stream[2] == 0 && stream[3] == 0x0c;
        MemoryStream memory{stream.data(), stream.size(), 0};
        opj_codec_t *codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
        opj_stream_t *input = opj_stream_default_create(OPJ_TRUE);
        opj_image_t *image = nullptr;
        std::string messages;
        opj_set_error_handler(codec, openJPEGMessage, &messages);
        opj_set_warning_handler(codec, [](const char *, void *) {}, nullptr);
        opj_set_info_handler(codec, [](const char *, void *) {}, nullptr);
        opj_dparameters_t parameters;
        opj_set_default_decoder_parameters(&parameters);
        opj_stream_set_read_function(input, readMemory);
        opj_stream_set_skip_function(input, skipMemory);
        opj_stream_set_seek_function(input, seekMemory);
        opj_stream_set_user_data(input, &memory, nullptr);
        opj_stream_set_user_data_length(input, memory.length);
        graft_gdcm_status status = GRAFT_GDCM_OK;
        if (!opj_setup_decoder(codec, &parameters) || !opj_read_header(input, codec, &image) || image == nullptr) {
            problem = "frame " + std::to_string(frame) + ": OpenJPEG cannot read the codestream header: " + messages;
            status = GRAFT_GDCM_DECODE_FAILED;
        } else if (image->numcomps != layout->samples_per_pixel || image->x1 - image->x0 != layout->columns ||
                   image->y1 - image->y0 != layout->rows) {
            // Checked before decoding: the codestream, not the header, would size OpenJPEG's buffers.
            problem = "frame " + std::to_string(frame) + ": the codestream is " + std::to_string(image->x1 - image->x0) + " x " +
                      std::to_string(image->y1 - image->y0) + " with " + std::to_string(image->numcomps) +
                      " components; the DICOM attributes say " + std::to_string(layout->columns) + " x " +
                      std::to_string(layout->rows) + " with " + std::to_string(layout->samples_per_pixel);
            status = GRAFT_GDCM_DECODE_FAILED;
        } else if (!opj_decode(codec, input, image) || !opj_end_decompress(codec, input)) {
            problem = "frame " + std::to_string(frame) + ": OpenJPEG cannot decode it: " + messages;
            status = GRAFT_GDCM_DECODE_FAILED;
        } else {
            for (unsigned c = 0; c < image->numcomps && status == GRAFT_GDCM_OK; c++) {
                const opj_image_comp_t &comp = image->comps[c];
                if (comp.w != layout->columns || comp.h != layout->rows || comp.dx != 1 || comp.dy != 1 ||
                    comp.data == nullptr || comp.prec > layout->bits_allocated) {
                    problem = "frame " + std::to_string(frame) + ": component " + std::to_string(c) + " is " +
                              std::to_string(comp.w) + " x " + std::to_string(comp.h) + " at " + std::to_string(comp.prec) +
                              " bits (subsampled or wider than Bits Allocated)";
                    status = GRAFT_GDCM_DECODE_FAILED;
                }
            }
            unsigned char *out = buffer + frameBytesCount * frame;
            for (unsigned c = 0; c < image->numcomps && status == GRAFT_GDCM_OK; c++) {
                const OPJ_INT32 *data = image->comps[c].data;
                for (uint64_t p = 0; p < pixels; p++) {
                    uint32_t v = static_cast<uint32_t>(data[p]);
                    unsigned char *at = out + (p * layout->samples_per_pixel + c) * bytes;
                    for (unsigned b = 0; b < bytes; b++) at[b] = static_cast<unsigned char>(v >> (8 * b));
                }
            }
        }
        if (image) opj_image_destroy(image);
        opj_stream_destroy(input);
        opj_destroy_codec(codec);
        if (status != GRAFT_GDCM_OK) return status;
    }
    return GRAFT_GDCM_OK;
}

/// RLE Lossless (PS3.5 Annex G) for colour with 16- or 32-bit samples, which GDCM 3.0 decodes with
/// its byte segments in the wrong order: one fragment per frame, a 64-byte header of segment
/// offsets, one PackBits segment per sample and byte (most significant first). Writes interleaved
/// little-endian samples. Every read and write is checked against the fragment and the frame.
graft_gdcm_status decodeRLE(const gdcm::SequenceOfFragments &fragments, const graft_gdcm_pixel_layout *layout,
                            unsigned char *buffer, uint64_t length, std::string &problem) {
    const uint64_t bytesPerSample = layout->bits_allocated / 8, samples = layout->samples_per_pixel;
    const uint64_t pixels = static_cast<uint64_t>(layout->rows) * layout->columns;
    const uint64_t segments = samples * bytesPerSample, frameBytesOut = pixels * segments;
    if (segments < 1 || segments > 15 || frameBytesOut * layout->frames != length) {
        problem = "RLE: " + std::to_string(segments) + " segments per frame for " + std::to_string(samples) + " samples of " +
                  std::to_string(layout->bits_allocated) + " bits (at most 15)";
        return GRAFT_GDCM_DECODE_FAILED;
    }
    if (fragments.GetNumberOfFragments() != layout->frames) {
        problem = "RLE: " + std::to_string(fragments.GetNumberOfFragments()) + " fragments for " +
                  std::to_string(layout->frames) + " frames (one per frame)";
        return GRAFT_GDCM_DECODE_FAILED;
    }
    for (unsigned frame = 0; frame < layout->frames; frame++) {
        const gdcm::ByteValue *bv = fragments.GetFragment(frame).GetByteValue();
        if (!bv || !bv->GetPointer() || bv->GetLength() < 64) {
            problem = "RLE: frame " + std::to_string(frame) + " has no 64-byte segment header";
            return GRAFT_GDCM_DECODE_FAILED;
        }
        const unsigned char *data = reinterpret_cast<const unsigned char *>(bv->GetPointer());
        const uint64_t size = static_cast<uint32_t>(bv->GetLength());
        auto word = [&](unsigned i) {
            return static_cast<uint64_t>(data[4 * i]) | static_cast<uint64_t>(data[4 * i + 1]) << 8 |
                   static_cast<uint64_t>(data[4 * i + 2]) << 16 | static_cast<uint64_t>(data[4 * i + 3]) << 24;
        };
        if (word(0) != segments) {
            problem = "RLE: frame " + std::to_string(frame) + " has " + std::to_string(word(0)) + " segments, expected " +
                      std::to_string(segments);
            return GRAFT_GDCM_DECODE_FAILED;
        }
        unsigned char *out = buffer + frame * frameBytesOut;
        for (uint64_t segment = 0; segment < segments; segment++) {
            const uint64_t start = word(static_cast<unsigned>(segment + 1));
            const uint64_t end = segment + 1 < segments ? word(static_cast<unsigned>(segment + 2)) : size;
            if (start < 64 || end > size || start > end) {
                problem = "RLE: segment " + std::to_string(segment + 1) + " of frame " + std::to_string(frame) +
                          " lies outside its fragment";
                return GRAFT_GDCM_DECODE_FAILED;
            }
            // Sample s, byte b (0 = most significant) goes to byte (bytesPerSample - 1 - b) of
            // sample s of every pixel (little-endian, interleaved).
            const uint64_t sample = segment / bytesPerSample, byte = bytesPerSample - 1 - segment % bytesPerSample;
            const uint64_t stride = segments, offset = sample * bytesPerSample + byte;
            uint64_t in = start, written = 0;
            while (written < pixels && in < end) {
                const int n = static_cast<signed char>(data[in++]);
                if (n >= 0) {
                    const uint64_t count = static_cast<uint64_t>(n) + 1;
                    if (in + count > end || written + count > pixels) break;
                    for (uint64_t i = 0; i < count; i++) out[(written + i) * stride + offset] = data[in + i];
                    in += count;
                    written += count;
                } else if (n != -128) {
                    const uint64_t count = static_cast<uint64_t>(1 - n);
                    if (in >= end || written + count > pixels) break;
                    for (uint64_t i = 0; i < count; i++) out[(written + i) * stride + offset] = data[in];
                    in += 1;
                    written += count;
                }
            }
            if (written != pixels) {
                problem = "RLE: segment " + std::to_string(segment + 1) + " of frame " + std::to_string(frame) + " decodes to " +
                          std::to_string(written) + " of " + std::to_string(pixels) + " bytes";
                return GRAFT_GDCM_DECODE_FAILED;
            }
        }
    }
    return GRAFT_GDCM_OK;
}

bool isJPEG2000(const char *uid) {
    if (uid == nullptr) return false;
    std::string s(uid);
    return s == "1.2.840.10008.1.2.4.90" || s == "1.2.840.10008.1.2.4.91" || s == "1.2.840.10008.1.2.4.92" ||
           s == "1.2.840.10008.1.2.4.93" || s == "1.2.840.10008.1.2.4.201" || s == "1.2.840.10008.1.2.4.202" ||
           s == "1.2.840.10008.1.2.4.203";
}

}  // namespace

extern "C" graft_gdcm_status graft_gdcm_decode(const graft_gdcm_file *file, const graft_gdcm_pixel_layout *layout,
                                               void *buffer, uint64_t length, graft_gdcm_decoded *decoded,
                                               char *message, size_t capacity) {
    installAbortGuard();
    sigjmp_buf jump;
    lastAssertion() = "abort()";
    if (sigsetjmp(jump, 1) != 0) {
        allocationLimit = 0;
        put(message, capacity, "GDCM's decoder gave up on it (damaged pixel data; its check " + lastAssertion() + " failed)");
        return GRAFT_GDCM_DECODE_FAILED;
    }
    try {
        const gdcm::File &f = file->reader.GetFile();
        const gdcm::DataSet &set = f.GetDataSet();
        if (!set.FindDataElement(pixelDataTag)) {
            put(message, capacity, "no Pixel Data (7FE0,0010) element");
            return GRAFT_GDCM_NO_IMAGE;
        }
        const gdcm::DataElement &pixelData = set.GetDataElement(pixelDataTag);
        const char *syntax = f.GetHeader().GetDataSetTransferSyntax().GetString();
        // Encapsulated syntaxes decoded outside GDCM: JPEG 2000 (OpenJPEG) and multi-byte colour
        // RLE (GDCM 3.0 orders its segments wrongly). Both write interleaved samples.
        const bool jpeg2000 = isJPEG2000(syntax);
        const bool colourRLE = syntax && std::string(syntax) == "1.2.840.10008.1.2.5" &&
                               layout->samples_per_pixel > 1 && layout->bits_allocated > 8;
        if ((jpeg2000 || colourRLE) && pixelData.GetSequenceOfFragments() != nullptr) {
            std::string problem;
            AllocationLimit guard(static_cast<size_t>(length) * 2 + (64u << 20));
            graft_gdcm_status status = (jpeg2000 ? decodeJPEG2000 : decodeRLE)(
                *pixelData.GetSequenceOfFragments(), layout, static_cast<unsigned char *>(buffer), length, problem);
            if (status != GRAFT_GDCM_OK) {
                put(message, capacity, problem);
                return status;
            }
            std::memset(decoded, 0, sizeof *decoded);
            std::string pi = layout->photometric;
            // OpenJPEG applies the inverse colour transform the codestream declares.
            put(decoded->photometric, sizeof decoded->photometric,
                jpeg2000 && (pi == "YBR_RCT" || pi == "YBR_ICT") ? "RGB" : pi);
            return GRAFT_GDCM_OK;
        }
        gdcm::Image image;
        image.SetNumberOfDimensions(layout->frames > 1 ? 3 : 2);
        image.SetDimension(0, layout->columns);
        image.SetDimension(1, layout->rows);
        if (layout->frames > 1) image.SetDimension(2, layout->frames);
        gdcm::PixelFormat format(static_cast<unsigned short>(layout->samples_per_pixel),
                                 static_cast<unsigned short>(layout->bits_allocated),
                                 static_cast<unsigned short>(layout->bits_stored),
                                 static_cast<unsigned short>(layout->high_bit),
                                 static_cast<unsigned short>(layout->pixel_representation));
        image.SetPixelFormat(format);
        gdcm::PhotometricInterpretation::PIType pi = gdcm::PhotometricInterpretation::GetPIType(layout->photometric);
        if (pi == gdcm::PhotometricInterpretation::UNKNOWN || pi == gdcm::PhotometricInterpretation::PI_END) {
            put(message, capacity, std::string("unknown Photometric Interpretation '") + layout->photometric + "'");
            return GRAFT_GDCM_DECODE_FAILED;
        }
        image.SetPhotometricInterpretation(pi);
        if (layout->samples_per_pixel > 1) image.SetPlanarConfiguration(layout->planar_configuration);
        image.SetTransferSyntax(f.GetHeader().GetDataSetTransferSyntax());
        image.SetDataElement(set.GetDataElement(pixelDataTag));
        if (image.GetBufferLength() != length) {
            put(message, capacity, "GDCM expects " + std::to_string(image.GetBufferLength()) +
                                   " bytes, Graft computed " + std::to_string(length));
            return GRAFT_GDCM_BUFFER_SIZE;
        }
        AllocationLimit guard(static_cast<size_t>(length) * 2 + (64u << 20));
        activeJump = &jump;
        bool decodedAll = image.GetBuffer(static_cast<char *>(buffer));
        activeJump = nullptr;
        if (!decodedAll) {
            const char *ts = image.GetTransferSyntax().GetString();
            put(message, capacity, std::string("GDCM could not decode it (transfer syntax ") + (ts ? ts : "unknown") + ")");
            return GRAFT_GDCM_DECODE_FAILED;
        }
        std::memset(decoded, 0, sizeof *decoded);
        decoded->planar_configuration = image.GetPlanarConfiguration();
        put(decoded->photometric, sizeof decoded->photometric,
            image.GetPhotometricInterpretation().GetString() ? image.GetPhotometricInterpretation().GetString() : "");
        return GRAFT_GDCM_OK;
    } catch (const std::bad_alloc &) {
        activeJump = nullptr;
        put(message, capacity, "the decoder asked for more memory than the image needs (damaged compressed data)");
        return GRAFT_GDCM_INTERNAL;
    } catch (const std::exception &e) {
        activeJump = nullptr;
        put(message, capacity, std::string("GDCM: ") + e.what());
        return GRAFT_GDCM_DECODE_FAILED;
    } catch (...) {
        activeJump = nullptr;
        put(message, capacity, "GDCM failed with an unknown exception");
        return GRAFT_GDCM_INTERNAL;
    }
}
