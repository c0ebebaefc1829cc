#!/usr/bin/env python3
"""Generate dissect/cipher_table.inc: the TLS cipher suite registry.

Inputs (run on a Debian 12 machine with tshark and OpenSSL 3.0):
  - `tshark -G values`: Wireshark's cipher suite value string, which carries
    the IANA names (plus a few well-known non-IANA values such as the
    EXPORT1024 drafts 0x0060-0x0066 and the FIPS SSLv3 suites 0xfefe/0xfeff);
  - `openssl ciphers -V -stdname ALL:COMPLEMENTOFALL:@SECLEVEL=0`: OpenSSL
    names for what OpenSSL 3.0 still builds;
  - LEGACY below: OpenSSL 1.1.1 names for suites 3.0 no longer lists (RC4,
    3DES, SEED) and OpenSSL 1.0.2/0.9.8 names for suites removed earlier
    (EXPORT, single DES, fixed DH/ECDH, KRB5, IDEA).
kx/auth are derived from the IANA name (see classify()).
Usage: python3 tests/tools/gen_cipher_table.py > dissect/cipher_table.inc
"""
import re
import subprocess
import sys

LEGACY = {
    0x0003: "EXP-RC4-MD5", 0x0004: "RC4-MD5", 0x0005: "RC4-SHA",
    0x0006: "EXP-RC2-CBC-MD5", 0x0007: "IDEA-CBC-SHA", 0x0008: "EXP-DES-CBC-SHA",
    0x0009: "DES-CBC-SHA", 0x000A: "DES-CBC3-SHA",
    0x000B: "EXP-DH-DSS-DES-CBC-SHA", 0x000C: "DH-DSS-DES-CBC-SHA", 0x000D: "DH-DSS-DES-CBC3-SHA",
    0x000E: "EXP-DH-RSA-DES-CBC-SHA", 0x000F: "DH-RSA-DES-CBC-SHA", 0x0010: "DH-RSA-DES-CBC3-SHA",
    0x0011: "EXP-EDH-DSS-DES-CBC-SHA", 0x0012: "EDH-DSS-DES-CBC-SHA", 0x0013: "DHE-DSS-DES-CBC3-SHA",
    0x0014: "EXP-EDH-RSA-DES-CBC-SHA", 0x0015: "EDH-RSA-DES-CBC-SHA", 0x0016: "DHE-RSA-DES-CBC3-SHA",
    0x0017: "EXP-ADH-RC4-MD5", 0x0018: "ADH-RC4-MD5", 0x0019: "EXP-ADH-DES-CBC-SHA",
    0x001A: "ADH-DES-CBC-SHA", 0x001B: "ADH-DES-CBC3-SHA",
    0x001E: "KRB5-DES-CBC-SHA", 0x001F: "KRB5-DES-CBC3-SHA", 0x0020: "KRB5-RC4-SHA",
    0x0021: "KRB5-IDEA-CBC-SHA", 0x0022: "KRB5-DES-CBC-MD5", 0x0023: "KRB5-DES-CBC3-MD5",
    0x0024: "KRB5-RC4-MD5", 0x0025: "KRB5-IDEA-CBC-MD5", 0x0026: "EXP-KRB5-DES-CBC-SHA",
    0x0027: "EXP-KRB5-RC2-CBC-SHA", 0x0028: "EXP-KRB5-RC4-SHA", 0x0029: "EXP-KRB5-DES-CBC-MD5",
    0x002A: "EXP-KRB5-RC2-CBC-MD5", 0x002B: "EXP-KRB5-RC4-MD5",
    0x0030: "DH-DSS-AES128-SHA", 0x0031: "DH-RSA-AES128-SHA", 0x0036: "DH-DSS-AES256-SHA",
    0x0037: "DH-RSA-AES256-SHA", 0x003E: "DH-DSS-AES128-SHA256", 0x003F: "DH-RSA-AES128-SHA256",
    0x0042: "DH-DSS-CAMELLIA128-SHA", 0x0043: "DH-RSA-CAMELLIA128-SHA",
    0x0060: "EXP1024-RC4-MD5", 0x0061: "EXP1024-RC2-CBC-MD5", 0x0062: "EXP1024-DES-CBC-SHA",
    0x0063: "EXP1024-DHE-DSS-DES-CBC-SHA", 0x0064: "EXP1024-RC4-SHA",
    0x0065: "EXP1024-DHE-DSS-RC4-SHA", 0x0066: "DHE-DSS-RC4-SHA",
    0x0068: "DH-DSS-AES256-SHA256", 0x0069: "DH-RSA-AES256-SHA256",
    0x0080: "GOST94-GOST89-GOST89", 0x0081: "GOST2001-GOST89-GOST89",
    0x0082: "GOST94-NULL-GOST94", 0x0083: "GOST2001-NULL-GOST94",
    0x0085: "DH-DSS-CAMELLIA256-SHA", 0x0086: "DH-RSA-CAMELLIA256-SHA",
    0x008A: "PSK-RC4-SHA", 0x008B: "PSK-3DES-EDE-CBC-SHA", 0x008E: "DHE-PSK-RC4-SHA",
    0x008F: "DHE-PSK-3DES-EDE-CBC-SHA", 0x0092: "RSA-PSK-RC4-SHA", 0x0093: "RSA-PSK-3DES-EDE-CBC-SHA",
    0x0096: "SEED-SHA", 0x0097: "DH-DSS-SEED-SHA", 0x0098: "DH-RSA-SEED-SHA",
    0x0099: "DHE-DSS-SEED-SHA", 0x009A: "DHE-RSA-SEED-SHA", 0x009B: "ADH-SEED-SHA",
    0x00A0: "DH-RSA-AES128-GCM-SHA256", 0x00A1: "DH-RSA-AES256-GCM-SHA384",
    0x00A4: "DH-DSS-AES128-GCM-SHA256", 0x00A5: "DH-DSS-AES256-GCM-SHA384",
    0x1304: "TLS_AES_128_CCM_SHA256", 0x1305: "TLS_AES_128_CCM_8_SHA256",
    0xC001: "ECDH-ECDSA-NULL-SHA", 0xC002: "ECDH-ECDSA-RC4-SHA", 0xC003: "ECDH-ECDSA-DES-CBC3-SHA",
    0xC004: "ECDH-ECDSA-AES128-SHA", 0xC005: "ECDH-ECDSA-AES256-SHA",
    0xC007: "ECDHE-ECDSA-RC4-SHA", 0xC008: "ECDHE-ECDSA-DES-CBC3-SHA",
    0xC00B: "ECDH-RSA-NULL-SHA", 0xC00C: "ECDH-RSA-RC4-SHA", 0xC00D: "ECDH-RSA-DES-CBC3-SHA",
    0xC00E: "ECDH-RSA-AES128-SHA", 0xC00F: "ECDH-RSA-AES256-SHA",
    0xC011: "ECDHE-RSA-RC4-SHA", 0xC012: "ECDHE-RSA-DES-CBC3-SHA",
    0xC016: "AECDH-RC4-SHA", 0xC017: "AECDH-DES-CBC3-SHA",
    0xC01A: "SRP-3DES-EDE-CBC-SHA", 0xC01B: "SRP-RSA-3DES-EDE-CBC-SHA",
    0xC01C: "SRP-DSS-3DES-EDE-CBC-SHA",
    0xC025: "ECDH-ECDSA-AES128-SHA256", 0xC026: "ECDH-ECDSA-AES256-SHA384",
    0xC029: "ECDH-RSA-AES128-SHA256", 0xC02A: "ECDH-RSA-AES256-SHA384",
    0xC02D: "ECDH-ECDSA-AES128-GCM-SHA256", 0xC02E: "ECDH-ECDSA-AES256-GCM-SHA384",
    0xC031: "ECDH-RSA-AES128-GCM-SHA256", 0xC032: "ECDH-RSA-AES256-GCM-SHA384",
    0xC033: "ECDHE-PSK-RC4-SHA", 0xC034: "ECDHE-PSK-3DES-EDE-CBC-SHA",
    0xC100: "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC", 0xC101: "GOST2012-MAGMA-MAGMAOMAC",
    0xC102: "IANA-GOST2012-GOST8912-GOST8912",
}

# Not IANA-registered but seen in real traffic and named by Wireshark/Zeek.
NON_IANA = set(range(0x0060, 0x0067)) | {0x001C, 0x001D, 0xFEFE, 0xFEFF, 0xFFE0, 0xFFE1,
                                          0xCC13, 0xCC14, 0xCC15, 0xC0FF}
# Dropped: vendor-private SM1/SM4 (0xE0xx) and draft Salsa20 (0xE41x) values.
DROP = lambda v: 0xE000 <= v <= 0xE4FF
# Old values that reuse a current IANA name: suffixed as Zeek's consts.zeek does.
RENAME = {0xCC13: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
          0xCC14: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
          0xCC15: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD",
          0xFFE0: "SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA_2",
          0xFFE1: "SSL_RSA_FIPS_WITH_DES_CBC_SHA_2"}


def classify(v, name):
    """(kx, auth) from the IANA name. DH_anon/ECDH_anon send an ephemeral key
    in ServerKeyExchange, so their kx is DHE/ECDHE; SRP without a
    certificate, ECCPWD and EC J-PAKE authenticate by password, grouped with
    PSK."""
    if v in (0x00FF, 0x5600):
        return "UNKNOWN", "UNKNOWN"
    if name == "TLS_NULL_WITH_NULL_NULL":
        return "NULL", "NULL"
    if "_WITH_" not in name:  # TLS 1.3 style (RFC 8446 B.4, RFC 8998, RFC 9150, RFC 9367)
        return "ANY", "ANY"
    kx = name.split("_WITH_")[0]
    kx = re.sub(r"^(TLS|SSL)_", "", kx)
    kx = re.sub(r"_EXPORT(1024)?$", "", kx)
    table = {
        "RSA": ("RSA", "RSA"), "DH_DSS": ("DH", "DSS"), "DH_RSA": ("DH", "RSA"),
        "DHE_DSS": ("DHE", "DSS"), "DHE_RSA": ("DHE", "RSA"), "DH_anon": ("DHE", "ANON"),
        "PSK": ("PSK", "PSK"), "DHE_PSK": ("DHE", "PSK"), "RSA_PSK": ("PSK", "RSA"),
        "PSK_DHE": ("DHE", "PSK"),
        "ECDH_ECDSA": ("ECDH", "ECDSA"), "ECDHE_ECDSA": ("ECDHE", "ECDSA"),
        "ECDH_RSA": ("ECDH", "RSA"), "ECDHE_RSA": ("ECDHE", "RSA"),
        "ECDH_anon": ("ECDHE", "ANON"), "ECDHE_PSK": ("ECDHE", "PSK"),
        "SRP_SHA": ("SRP", "PSK"), "SRP_SHA_RSA": ("SRP", "RSA"), "SRP_SHA_DSS": ("SRP", "DSS"),
        "RSA_FIPS": ("RSA", "RSA"),
        # password-authenticated key exchange, no certificate, like SRP_SHA:
        # RFC 8492 (ECCPWD) and EC J-PAKE (draft-cragie-tls-ecjpake, Thread's
        # DTLS commissioning; mbedTLS)
        "ECCPWD": ("UNKNOWN", "PSK"), "ECJPAKE": ("UNKNOWN", "PSK"),
    }
    if kx in table:
        return table[kx]
    if kx.startswith("GOSTR341112_256") and v >= 0xC103:
        return "ANY", "ANY"  # RFC 9367: TLS 1.3 GOST suites
    return "UNKNOWN", "UNKNOWN"  # KRB5, FORTEZZA, GOST (TLS 1.2)


def main():
    ws = {}
    out = subprocess.run(["tshark", "-G", "values"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[0] == "V" and f[1] == "tls.handshake.ciphersuite":
            v = int(f[2])
            if "GREASE" in f[3] or DROP(v):
                continue
            ws[v] = RENAME.get(v, f[3])
    ossl = {}
    out = subprocess.run(["openssl", "ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        hi, lo = f[0].split(",")
        ossl[(int(hi, 16) << 8) | int(lo, 16)] = f[4]
    for v in (0x1301, 0x1302, 0x1303):
        ossl.setdefault(v, ws[v])
    print("/* Generated by tests/tools/gen_cipher_table.py — do not edit by hand.")
    print(" * { id, IANA name, OpenSSL name or NULL, kx, auth }, sorted by id. */")
    for v in sorted(ws):
        name = ws[v]
        o = ossl.get(v) or LEGACY.get(v)
        kx, auth = classify(v, name)
        on = '"%s"' % o if o else "NULL"
        note = " /* not IANA */" if v in NON_IANA else ""
        print('    {0x%04x, "%s", %s, TLS_KX_%s, TLS_AUTH_%s},%s' % (v, name, on, kx, auth, note))
    missing = set(ossl) - set(ws)
    if missing:
        sys.exit("OpenSSL suites missing from the IANA list: %s" % sorted(missing))


main()
