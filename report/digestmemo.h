/* digestmemo.h — MD5 and SHA-256 of short strings that repeat: the JA3, JA3S
 * and JA4 inputs, which are the same few strings on thousands of connections
 * (one client program, one server). A small direct-mapped memo keyed by the
 * whole input, compared byte for byte, so the digest given is always the
 * digest of exactly these bytes; a collision or an input longer than
 * DIGEST_MEMO_MAX only costs the digest computed anew. Not thread-safe
 * (tlsscope has one thread). */
#ifndef TLSSCOPE_REPORT_DIGESTMEMO_H
#define TLSSCOPE_REPORT_DIGESTMEMO_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_MEMO_SLOTS 32
#define DIGEST_MEMO_MAX 1024

void memo_md5(const void *p, size_t n, uint8_t out[16]);
void memo_sha256(const void *p, size_t n, uint8_t out[32]);

#endif
