#include "sha256.h"
#include "mp.h"
#include <openssl/crypto.h>
#include <openssl/sha.h>

void
sha256 (const void *data, size_t len, uint8_t out[SHA256_LEN])
{
    SHA256 ((const unsigned char *) data, len, out);
}

void
sha256_hex (const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t digest[SHA256_LEN];
    sha256 (data, len, digest);
    for (int i = 0; i < SHA256_LEN; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0x0f];
    }
    out[SHA256_HEX_LEN] = '\0';
}

bool
sha256_equal_ct (const uint8_t *a, const uint8_t *b, size_t n)
{
    return CRYPTO_memcmp (a, b, n) == 0;
}

void
sha256_canonical (const msgpack_object *obj, uint8_t out[SHA256_LEN])
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init (&buf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &buf, msgpack_sbuffer_write);
    mp_pack_canonical (&pk, obj);
    sha256 (buf.data, buf.size, out);
    msgpack_sbuffer_destroy (&buf);
}
