//  SHA-256 against the FIPS 180-4 / NIST example vectors, padding edges,
//  and the constant-time comparison used for API key hashes.
#include "harness.h"
#include "sha256.h"
#include <stdlib.h>

static void
s_check_hex (const char *data, size_t len, const char *expected)
{
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex (data, len, hex);
    CHECK_STR (hex, expected);
}

static void
test_nist_vectors (void)
{
    s_check_hex ("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    s_check_hex ("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    s_check_hex (m448, strlen (m448),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                       "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    s_check_hex (m896, strlen (m896),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");

    size_t million = 1000000;
    char *a = malloc (million);
    CHECK (a != NULL);
    if (!a)
        return;
    memset (a, 'a', million);
    s_check_hex (a, million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free (a);
}

//  Lengths around the block size exercise one- and two-block padding.
static void
test_padding_edges (void)
{
    static const struct {
        size_t len;
        const char *hex;
    } cases[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char buf[128];
    memset (buf, 'a', sizeof buf);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_check_hex (buf, cases[i].len, cases[i].hex);
}

static void
test_raw_matches_hex (void)
{
    uint8_t raw[SHA256_LEN];
    sha256 ("abc", 3, raw);
    CHECK_EQ_INT (raw[0], 0xba);
    CHECK_EQ_INT (raw[1], 0x78);
    CHECK_EQ_INT (raw[31], 0xad);
    //  The default test API key, as the mesh passes it to the gateway.
    s_check_hex ("test-key-123", 12,
                 "625faa3fbbc3d2bd9d6ee7678d04cc5339cb33dc68d9b58451853d60046e226a");
}

static void
test_equal_ct (void)
{
    uint8_t a[SHA256_LEN], b[SHA256_LEN];
    sha256 ("key-one", 7, a);
    sha256 ("key-one", 7, b);
    CHECK (sha256_equal_ct (a, b, SHA256_LEN));
    b[0] ^= 0x01;
    CHECK (!sha256_equal_ct (a, b, SHA256_LEN));
    b[0] ^= 0x01;
    b[SHA256_LEN - 1] ^= 0x80;
    CHECK (!sha256_equal_ct (a, b, SHA256_LEN));
    sha256 ("key-two", 7, b);
    CHECK (!sha256_equal_ct (a, b, SHA256_LEN));
    CHECK (sha256_equal_ct (a, b, 0));
}

int
main (int argc, char **argv)
{
    (void) argc;
    test_nist_vectors ();
    test_padding_edges ();
    test_raw_matches_hex ();
    test_equal_ct ();
    return harness_report (argv[0]);
}
