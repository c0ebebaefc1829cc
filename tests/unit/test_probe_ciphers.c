/* The probe's OpenSSL 1.1.1 cipher-string expansion against 1.1.1 itself:
 * every expected list below is what Node 16.20.2 (OpenSSL 1.1.1v) put in the
 * cipher_suites of its ClientHello for that string (tls.connect({ciphers})
 * toward a local listener), without its TLS 1.3 suites in front and the
 * renegotiation SCSV at the end, which the ClientHello builder adds. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "probe/ciphers.h"

static const struct {
    const char *str;
    const char *expect;
} CASES[] = {
    {"EECDH:EDH:HIGH:-AES256+SHA:!MEDIUM:!LOW:!3DES:!MD5:!PSK:!eNULL:!aNULL:!aDH",
     "c02c c030 cca9 cca8 c0af c0ad c05d c061 c02b c02f c0ae c0ac c05c c060 c024 c028 c073 c077 c023 c027 c072 c076 c009 c013 00a3 009f ccaa c0a3 c09f c057 c053 00a2 009e c0a2 c09e c056 c052 006b 006a 00c4 00c3 0067 0040 00be 00bd 0088 0087 0033 0032 0045 0044 009d c0a1 c09d c051 009c c0a0 c09c c050 003d 00c0 003c 00ba 0084 002f 0041"},
    {"ECDHE-RSA-AES256-GCM-SHA384:EECDH:EDH:HIGH:-AES256+SHA:!MEDIUM:!LOW:!3DES:!MD5:!PSK:!eNULL:!aNULL:!aDH",
     "c030 c02c cca9 cca8 c0af c0ad c05d c061 c02b c02f c0ae c0ac c05c c060 c024 c028 c073 c077 c023 c027 c072 c076 c009 c013 00a3 009f ccaa c0a3 c09f c057 c053 00a2 009e c0a2 c09e c056 c052 006b 006a 00c4 00c3 0067 0040 00be 00bd 0088 0087 0033 0032 0045 0044 009d c0a1 c09d c051 009c c0a0 c09c c050 003d 00c0 003c 00ba 0084 002f 0041"},
    {"DEFAULT",
     "c02c c030 009f cca9 cca8 ccaa c02b c02f 009e c024 c028 006b c023 c027 0067 c00a c014 0039 c009 c013 0033 009d 009c 003d 003c 0035 002f"},
    {"DEFAULT:!DHE",
     "c02c c030 cca9 cca8 c02b c02f c024 c028 c023 c027 c00a c014 c009 c013 009d 009c 003d 003c 0035 002f"},
    {"HIGH:!aNULL:!kRSA:!PSK:!SRP:!MD5:!RC4",
     "c02c c030 00a3 009f cca9 cca8 ccaa c0af c0ad c0a3 c09f c05d c061 c057 c053 c02b c02f 00a2 009e c0ae c0ac c0a2 c09e c05c c060 c056 c052 c024 c028 006b 006a c073 c077 00c4 00c3 c023 c027 0067 0040 c072 c076 00be 00bd c00a c014 0039 0038 0088 0087 c009 c013 0033 0032 0045 0044"},
    {"AES256+SHA:+ECDSA:!DSS",
     "c014 0039 0035 c00a"},
    {"TLSv1:SEED",
     "c00a c014 c009 c013 009a 0099 0096"},
    {"ALL:@STRENGTH",
     "c02c c030 00a3 009f cca9 cca8 ccaa c0af c0ad c0a3 c09f c05d c061 c057 c053 c024 c028 006b 006a c073 c077 00c4 00c3 c00a c014 0039 0038 0088 0087 009d c0a1 c09d c051 003d 00c0 0035 0084 c02b c02f 00a2 009e c0ae c0ac c0a2 c09e c05c c060 c056 c052 c023 c027 0067 0040 c072 c076 00be 00bd c009 c013 0033 0032 009a 0099 0045 0044 009c c0a0 c09c c050 003c 00ba 002f 0096 0041"},
    {"kRSA:+AESGCM:CAMELLIA+aRSA",
     "c0a1 c09d c051 c0a0 c09c c050 003d 00c0 003c 00ba 0035 0084 002f 0096 0041 009d 009c c077 00c4 c076 00be 0088 0045"},
    {"ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:!aNULL",
     "c02c c030 c02b c02f cca9 cca8 00a3 009f 00a2 009e"},
    {"MEDIUM:HIGH+TLSv1.2+aECDSA",
     "009a 0099 0096 c02c cca9 c0af c0ad c05d c02b c0ae c0ac c05c c024 c073 c023 c072"},
    {"AES128-SHA:AES256-SHA:-AES128-SHA:AES128-SHA",
     "0035 002f"},
    {"ALL:-ECDHE:ECDHE",
     "00a3 009f ccaa c0a3 c09f c057 c053 00a2 009e c0a2 c09e c056 c052 006b 006a 00c4 00c3 0067 0040 00be 00bd 0039 0038 0088 0087 0033 0032 009a 0099 0045 0044 009d c0a1 c09d c051 009c c0a0 c09c c050 003d 00c0 003c 00ba 0035 0084 002f 0096 0041 c02c c030 cca9 cca8 c0af c0ad c05d c061 c02b c02f c0ae c0ac c05c c060 c024 c028 c073 c077 c023 c027 c072 c076 c00a c014 c009 c013"},
    {"EECDH+AES256:@SECLEVEL=0:ADH",
     "c02c c030 c0af c0ad c024 c028 c00a c014 00a7 00a6 006d 00c5 006c 00bf 003a 0089 0034 009b 0046"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
        uint16_t ids[PROBE_MAX_SUITES];
        char err[256], got[PROBE_MAX_SUITES * 5 + 1];
        int n = probe_cipher_list(CASES[i].str, ids, PROBE_MAX_SUITES, err, sizeof(err));
        CHECK(n > 0);
        size_t len = 0;
        got[0] = '\0';
        for (int k = 0; k < n; k++)
            len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%04x", k ? " " : "", ids[k]);
        if (strcmp(got, CASES[i].expect) != 0) fprintf(stderr, "string: %s\n", CASES[i].str);
        CHECK_EQ_STR(got, CASES[i].expect);
    }

    /* 1.1.1's refusals: nothing selected, and a character it does not parse */
    uint16_t ids[PROBE_MAX_SUITES];
    char err[256];
    CHECK_EQ_INT(probe_cipher_list("!ALL:RC4", ids, PROBE_MAX_SUITES, err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "no cipher match: !ALL:RC4");
    CHECK_EQ_INT(probe_cipher_list("HIGH:*", ids, PROBE_MAX_SUITES, err, sizeof(err)), -1);
    CHECK_EQ_STR(err, "not an OpenSSL cipher string: HIGH:*");
    /* the table knows the names it offers */
    CHECK_EQ_STR(probe_cipher_name(0xc02c), "ECDHE-ECDSA-AES256-GCM-SHA384");
    CHECK(probe_cipher_name(0x000a) == NULL); /* no 3DES in 1.1.1 as Node ships it */
    return check_summary();
}
