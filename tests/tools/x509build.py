"""x509build — make X.509 certificates byte by byte for tlsscope's tests.

Why not `openssl req`/`openssl x509`: the tests need things those commands
will not produce, or only with a CA database — explicit validity dates on
both sides of a judging time, v1 certificates, unknown critical
extensions, MD5 signatures, AKI with issuer+serial, names that differ only
in case and white space, the same subject with different keys. So the
tbsCertificate is encoded here (RFC 5280 4.1, X.690 DER) and only the
signature is made by the openssl CLI (`openssl dgst -sign`, or `pkeyutl
-rawin` for EdDSA). Keys come from `openssl genpkey`.

Python 3 standard library; signing is done in-process with the
`cryptography` package when it is there and can (much faster for the
differential runs), else with the openssl CLI — same bytes signed either way.
"""

import hashlib
import os
import subprocess
import tempfile

try:
    from cryptography.hazmat.primitives import hashes as _hashes
    from cryptography.hazmat.primitives import serialization as _serialization
    from cryptography.hazmat.primitives.asymmetric import ec as _ec
    from cryptography.hazmat.primitives.asymmetric import padding as _padding
    from cryptography.hazmat.primitives.asymmetric import rsa as _rsa
    HAVE_PYCA = True
except ImportError:  # pragma: no cover - the CLI does the same, slower
    HAVE_PYCA = False

# ---- DER ------------------------------------------------------------------


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def seq(*items):
    return tlv(0x30, b"".join(items))


def der_set(*items):
    return tlv(0x31, b"".join(sorted(items)))


def integer(v):
    if v == 0:
        return tlv(0x02, b"\x00")
    n = (v.bit_length() + 8) // 8 if v > 0 else ((-v - 1).bit_length() + 8) // 8
    return tlv(0x02, v.to_bytes(n, "big", signed=True))


def integer_bytes(b):
    return tlv(0x02, b)


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    out = bytearray()
    first = arcs[0] * 40 + arcs[1]
    for a in [first] + arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def octet(b):
    return tlv(0x04, b)


def bitstring(b, unused=0):
    return tlv(0x03, bytes([unused]) + b)


def boolean(v):
    return tlv(0x01, b"\xff" if v else b"\x00")


def null():
    return b"\x05\x00"


def explicit(n, content):
    return tlv(0xA0 | n, content)


def implicit(n, content, constructed=False):
    return tlv((0xA0 if constructed else 0x80) | n, content)


STRING_TAGS = {"utf8": 0x0C, "printable": 0x13, "ia5": 0x16, "t61": 0x14, "bmp": 0x1E,
               "numeric": 0x12, "visible": 0x1A}


def encode_string(kind, value):
    if kind == "bmp":
        return tlv(0x1E, value.encode("utf-16-be"))
    if kind == "utf8":
        return tlv(0x0C, value.encode("utf-8") if isinstance(value, str) else value)
    raw = value.encode("latin-1") if isinstance(value, str) else value
    return tlv(STRING_TAGS[kind], raw)


def utc_datetime(epoch):
    import datetime
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=epoch)


def time_der(epoch):
    """RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after."""
    import datetime
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=epoch)
    if 1950 <= t.year <= 2049:
        return tlv(0x17, t.strftime("%y%m%d%H%M%SZ").encode())
    return tlv(0x18, t.strftime("%Y%m%d%H%M%SZ").encode())


# ---- names ----------------------------------------------------------------

ATTR = {"C": "2.5.4.6", "ST": "2.5.4.8", "L": "2.5.4.7", "O": "2.5.4.10", "OU": "2.5.4.11",
        "CN": "2.5.4.3", "DC": "0.9.2342.19200300.100.1.25",
        "emailAddress": "1.2.840.113549.1.9.1", "serialNumber": "2.5.4.5"}


def name(*rdns):
    """name(("C", "BE"), ("CN", "x")) — each item an AVA (attr, value[, kind]),
    or a list of such tuples for a multi-valued RDN."""
    out = []
    for rdn in rdns:
        avas = rdn if isinstance(rdn, list) else [rdn]
        enc = []
        for ava in avas:
            attr, value = ava[0], ava[1]
            kind = ava[2] if len(ava) > 2 else ("printable" if attr == "C" else
                                                 "ia5" if attr in ("DC", "emailAddress") else
                                                 "utf8")
            enc.append(seq(oid(ATTR.get(attr, attr)), encode_string(kind, value)))
        out.append(der_set(*enc))
    return seq(*out)


# ---- keys -----------------------------------------------------------------


class Key:
    """A private key file plus its SubjectPublicKeyInfo DER."""

    def __init__(self, path, kind):
        self.path = path
        self.kind = kind  # "ec", "rsa", "rsa-pss", "ed25519", "ed448"
        self.pyca = None  # loaded private key, False when `cryptography` cannot
        self.spki = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"],
                                   check=True, capture_output=True).stdout

    def key_id(self):
        """RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits."""
        bits = spki_bits(self.spki)
        return hashlib.sha1(bits).digest()


def spki_bits(spki):
    # SEQUENCE { AlgorithmIdentifier, BIT STRING }: skip to the BIT STRING content
    def read(b, i):
        tag = b[i]
        ln = b[i + 1]
        i += 2
        if ln & 0x80:
            k = ln & 0x7F
            ln = int.from_bytes(b[i:i + k], "big")
            i += k
        return tag, i, ln

    _, i, _ = read(spki, 0)
    _, j, ln = read(spki, i)
    i = j + ln
    _, j, ln = read(spki, i)
    return spki[j + 1:j + ln]


def gen_key(directory, label, spec):
    """spec: "ec:P-256", "ec:secp112r1", "ecx:P-256" (explicit curve
    parameters in the SPKI), "rsa:2048", "rsa-pss:2048" (id-RSASSA-PSS key),
    "ed25519", "ed448"."""
    path = os.path.join(directory, label + ".key")
    if spec.startswith("ecx:"):
        cmd = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
               "ec_paramgen_curve:" + spec[4:], "-pkeyopt", "ec_param_enc:explicit", "-out", path]
        kind = "ec"
    elif spec.startswith("rsa-pss:"):
        cmd = ["openssl", "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt",
               "rsa_keygen_bits:" + spec[8:], "-out", path]
        kind = "rsa-pss"
    elif spec.startswith("ec:"):
        cmd = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
               "ec_paramgen_curve:" + spec[3:], "-out", path]
        kind = "ec"
    elif spec.startswith("rsa:"):
        cmd = ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
               "rsa_keygen_bits:" + spec[4:], "-out", path]
        kind = "rsa"
    elif spec in ("ed25519", "ed448"):
        cmd = ["openssl", "genpkey", "-algorithm", spec.upper(), "-out", path]
        kind = spec
    else:
        raise ValueError(spec)
    subprocess.run(cmd, check=True, capture_output=True)
    return Key(path, kind)


# ---- signature algorithms ---------------------------------------------------

SIGALG = {
    # name: (OID, params DER or None, openssl dgst digest, extra sigopts)
    "sha256WithRSAEncryption": ("1.2.840.113549.1.1.11", null(), "sha256", []),
    "sha384WithRSAEncryption": ("1.2.840.113549.1.1.12", null(), "sha384", []),
    "sha1WithRSAEncryption": ("1.2.840.113549.1.1.5", null(), "sha1", []),
    "md5WithRSAEncryption": ("1.2.840.113549.1.1.4", null(), "md5", []),
    "ecdsa-with-SHA256": ("1.2.840.10045.4.3.2", None, "sha256", []),
    "ecdsa-with-SHA384": ("1.2.840.10045.4.3.3", None, "sha384", []),
    "ecdsa-with-SHA1": ("1.2.840.10045.4.1", None, "sha1", []),
    "ED25519": ("1.3.101.112", None, None, []),
    "ED448": ("1.3.101.113", None, None, []),
}


def rsassa_pss_alg():
    # RFC 4055: SHA-256, MGF1 with SHA-256, salt 32, trailer 1
    sha256 = seq(oid("2.16.840.1.101.3.4.2.1"), null())
    params = seq(explicit(0, sha256),
                 explicit(1, seq(oid("1.2.840.113549.1.1.8"), sha256)),
                 explicit(2, integer(32)))
    return seq(oid("1.2.840.113549.1.1.10"), params)


def default_sigalg(key):
    return {"ec": "ecdsa-with-SHA256", "rsa": "sha256WithRSAEncryption", "rsa-pss": "rsassaPss",
            "ed25519": "ED25519", "ed448": "ED448"}[key.kind]


def alg_id(sigalg):
    if sigalg == "rsassaPss":
        return rsassa_pss_alg()
    o, params, _, _ = SIGALG[sigalg]
    return seq(oid(o), params) if params is not None else seq(oid(o))


def _pyca_key(key):
    if key.pyca is None:
        try:
            with open(key.path, "rb") as f:
                key.pyca = _serialization.load_pem_private_key(f.read(), None)
        except Exception:  # e.g. curves `cryptography` does not know (secp112r1)
            key.pyca = False
    return key.pyca


def _sign_pyca(key, sigalg, data):
    """The signature, or None when `cryptography` cannot make it."""
    k = _pyca_key(key) if HAVE_PYCA else False
    if not k:
        return None
    try:
        if sigalg in ("ED25519", "ED448"):
            return k.sign(data)
        if sigalg == "rsassaPss":
            return k.sign(data, _padding.PSS(_padding.MGF1(_hashes.SHA256()), 32), _hashes.SHA256())
        md = {"sha256": _hashes.SHA256, "sha384": _hashes.SHA384, "sha1": _hashes.SHA1,
              "md5": _hashes.MD5}[SIGALG[sigalg][2]]()
        if isinstance(k, _rsa.RSAPrivateKey):
            return k.sign(data, _padding.PKCS1v15(), md)
        if isinstance(k, _ec.EllipticCurvePrivateKey):
            return k.sign(data, _ec.ECDSA(md))
    except Exception:
        return None
    return None


def sign(key, sigalg, data):
    sig = _sign_pyca(key, sigalg, data)
    if sig is not None:
        return sig
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
        path = f.name
    try:
        if sigalg in ("ED25519", "ED448"):
            cmd = ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key.path, "-in", path]
        elif sigalg == "rsassaPss":
            cmd = ["openssl", "dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss",
                   "-sigopt", "rsa_pss_saltlen:32", "-sigopt", "rsa_mgf1_md:sha256",
                   "-sign", key.path, path]
        else:
            _, _, md, opts = SIGALG[sigalg]
            cmd = ["openssl", "dgst", "-" + md, "-sign", key.path] + opts + [path]
        return subprocess.run(cmd, check=True, capture_output=True).stdout
    finally:
        os.unlink(path)


# ---- extensions -------------------------------------------------------------


def ext(oid_dotted, value_der, critical=False):
    parts = [oid(oid_dotted)]
    if critical:
        parts.append(boolean(True))
    parts.append(octet(value_der))
    return seq(*parts)


def ext_bc(ca, pathlen=None, critical=True):
    inner = []
    if ca:
        inner.append(boolean(True))
    if pathlen is not None:
        inner.append(integer(pathlen))
    return ext("2.5.29.19", seq(*inner), critical)


KU_BITS = {"digitalSignature": 0, "nonRepudiation": 1, "keyEncipherment": 2,
           "dataEncipherment": 3, "keyAgreement": 4, "keyCertSign": 5, "cRLSign": 6,
           "encipherOnly": 7, "decipherOnly": 8}


def ext_ku(*names, critical=True):
    v = 0
    for n in names:
        v |= 1 << (15 - KU_BITS[n])
    b = v.to_bytes(2, "big")
    if b[1] == 0:
        b = b[:1]
    last = b[-1]
    unused = (last & -last).bit_length() - 1 if last else 0
    return ext("2.5.29.15", bitstring(b, unused), critical)


EKU = {"serverAuth": "1.3.6.1.5.5.7.3.1", "clientAuth": "1.3.6.1.5.5.7.3.2",
       "codeSigning": "1.3.6.1.5.5.7.3.3", "any": "2.5.29.37.0"}


def ext_eku(*names, critical=False):
    return ext("2.5.29.37", seq(*[oid(EKU.get(n, n)) for n in names]), critical)


def ext_san(dns=(), ip=(), critical=False, raw=()):
    import ipaddress
    items = [implicit(2, d.encode() if isinstance(d, str) else d) for d in dns]
    items += [implicit(7, ipaddress.ip_address(a).packed) for a in ip]
    items += list(raw)
    return ext("2.5.29.17", seq(*items), critical)


def ext_ski(keyid, critical=False):
    return ext("2.5.29.14", octet(keyid), critical)


def ext_aki(keyid=None, issuer_name=None, serial=None, critical=False):
    parts = []
    if keyid is not None:
        parts.append(implicit(0, keyid))
    if issuer_name is not None:
        parts.append(implicit(1, explicit(4, issuer_name), constructed=True))
    if serial is not None:
        parts.append(tlv(0x82, integer(serial)[2:]))
    return ext("2.5.29.35", seq(*parts), critical)


# RFC 5280 4.2.1.6 GeneralName, each as its context-tagged TLV.
def gn_email(s):
    return implicit(1, s.encode())


def gn_dns(s):
    return implicit(2, s.encode())


def gn_dirname(name_der):
    return tlv(0xA4, name_der)   # [4] EXPLICIT: Name is a CHOICE


def gn_uri(s):
    return implicit(6, s.encode())


def gn_ip(raw):
    """raw: 4/16 address bytes in a SAN, 8/32 address+mask bytes in a
    name constraint (any length, to write malformed ones)."""
    return implicit(7, raw)


def gn_rid(dotted):
    return implicit(8, oid(dotted)[2:])


def gn_othername(type_oid, value_der):
    return implicit(0, oid(type_oid) + explicit(0, value_der), constructed=True)


def subtree(general_name, minimum=None, maximum=None):
    """RFC 5280 4.2.1.10 GeneralSubtree; minimum 0 is DER-omitted unless given."""
    parts = [general_name]
    if minimum is not None:
        parts.append(tlv(0x80, integer(minimum)[2:]))
    if maximum is not None:
        parts.append(tlv(0x81, integer(maximum)[2:]))
    return seq(*parts)


def ext_nc(permitted=(), excluded=(), critical=True):
    parts = []
    if permitted:
        parts.append(implicit(0, b"".join(permitted), constructed=True))
    if excluded:
        parts.append(implicit(1, b"".join(excluded), constructed=True))
    return ext("2.5.29.30", seq(*parts), critical)


# ---- certificates -----------------------------------------------------------


def certificate(subject, issuer, serial, not_before, not_after, key, signer, sigalg=None,
                extensions=(), version=3, not_before_der=None, not_after_der=None):
    """subject/issuer: name() DER. key: the subject's Key; signer: the Key that
    signs. not_before_der/not_after_der: a whole Time TLV to use as is (for
    encodings time_der() would never write). Returns DER."""
    sigalg = sigalg or default_sigalg(signer)
    alg = alg_id(sigalg)
    fields = []
    if version != 1:
        fields.append(explicit(0, integer(version - 1)))
    validity = seq(not_before_der or time_der(not_before), not_after_der or time_der(not_after))
    fields += [integer(serial), alg, issuer, validity, subject, key.spki]
    if extensions and version == 3:
        fields.append(explicit(3, seq(*extensions)))
    tbs = seq(*fields)
    sig = sign(signer, sigalg, tbs)
    return seq(tbs, alg, bitstring(sig))


def pem(der):
    import base64
    b = base64.b64encode(der).decode()
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
