#ifndef GRAFT_COPENSSL_SHIM_H
#define GRAFT_COPENSSL_SHIM_H
/* Only the message-digest interface: SHA-256 of source files for a model's provenance. */
#include <openssl/evp.h>
#endif
