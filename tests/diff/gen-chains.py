#!/usr/bin/env python3
"""Differential test: tlsscope's chain verdicts against the OpenSSL its
profile models, exactly (docs/VERIFY-SPEC.md, "Reference implementations").

  --profile expressway   against OpenSSL 1.1.1v (tests/tools/ossl111: node 16
                         with our shim calling X509_verify_cert)
  --profile rfc          against Debian's OpenSSL 3.0 (the same shim linked
                         with libcrypto 3; --crosscheck N also runs
                         `openssl verify -attime` on N scenarios and requires
                         the same answers, so the batch oracle is the CLI)

Both run with a TLS client's settings: X509_STORE_CTX_set_default("ssl_server"),
auth level 1, verify depth 7, untrusted = the whole peer chain, the scenario's
time, the first error. Every scenario is judged twice: as a server's chain
(purpose ssl_server; the rfc profile also checks the name with
X509_VERIFY_PARAM_set1_host/_ip when the scenario has one) and as a client's
chain (ssl_client, no name) — mutual TLS. Status, code and depth must be equal:
there is no allow-list.

Scenarios are random but seeded: the PKI (roots, intermediates, a leaf,
distractors), the trust store, the peer's chain (wire order, leaf first) and
the judging time all come from Random(seed, index). Each scenario draws one
CATEGORY (below, with its weight) — the places where real PKIs go wrong — on
top of the baseline variation (missing, reordered and duplicated
intermediates, unrelated extra certificates, roots sent by the peer, expired
and not-yet-valid members, self-signed leaves and mimics, same-named CAs,
canonical-name spellings, CA:FALSE/keyUsage-restricted/v1 CAs, pathLen,
self-issued intermediates, EKU, weak keys, MD5/SHA-1/PSS signatures, unknown
critical extensions, wrong-key signatures, DNS/wildcard/IP/CN-only names).

Keys are generated once per run and reused; each oracle and tlsscope
(chaincheck --batch) is one process for the whole run.

Every file in tests/diff/cases/ is replayed first: fixed regression cases,
one per disagreement ever found (write new ones with --save-cases DIR).

Usage: gen-chains.py --chaincheck PATH --profile expressway|rfc
                     [--seed N|run ...] [--count N] [--jobs N] [--only IDX]
                     [--keep DIR] [--save-cases DIR] [--crosscheck N] [-v]
--seed may be given several times; "run" is a new random seed, printed. The
count per seed defaults to $TLSSCOPE_DIFF_COUNT or 1000. Exit 0 all equal, 1
on any disagreement (each printed with the command that replays it), 2 on a
usage or oracle error.
"""

import argparse
import base64
import collections
import glob
import hashlib
import json
import multiprocessing
import multiprocessing.pool
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import ossl111  # noqa: E402
import x509build as xb  # noqa: E402

DAY = 86400
BASE_T = 1_700_000_000
CASES_DIR = os.path.join(HERE, "cases")

# Where real PKIs go wrong, and how often each is drawn (per 100).
CATEGORIES = [
    ("baseline", 24),
    ("name-constraints", 16),   # dNSName/iPAddress/rfc822Name/directoryName/..., on roots and ints
    ("exotic-keys", 8),         # Ed25519, Ed448, RSA-PSS keys, explicit EC parameters, secp160r1
    ("dup-ext", 4),             # the same extension twice
    ("time-forms", 8),          # every non-DER Time encoding
    ("ku-variants", 6),         # keyUsage on self-signed leaves and on CAs
    ("ca-eku", 4),              # EKU on intermediates and roots
    ("critical-ext", 4),        # unknown and unhandled critical extensions
    ("v1-ca", 3),               # version 1 roots and intermediates
    ("weak-digest", 4),         # SHA-1 and MD5 signatures anywhere
    ("same-subject", 6),        # same-subject CAs, different keys and validity
    ("cross-signed", 5),        # cross-signed roots
    ("chain-shape", 5),         # shuffled, extra, duplicate, 9+ certificates
    ("validity-edges", 3),      # notBefore/notAfter at the judging time +-1 s
]


class Entity:
    """One certificate to be: subject, key, who signs it, its knobs."""

    def __init__(self, label, subject, key):
        self.label = label
        self.subject = subject          # name DER
        self.key = key
        self.issuer = None              # Entity, or None for self-signed
        self.issuer_name = None         # override of the issuer DN encoding
        self.signer_key = None          # override: sign with another key
        self.serial = None
        self.nb = None
        self.na = None
        self.nb_der = None              # override: a raw Time TLV
        self.na_der = None
        self.exts = []
        self.version = 3
        self.sigalg = None
        self.der = None


def ext_oid_is(x, arc):
    """Is extension DER x the id-ce extension 2.5.29.<arc>?"""
    return x is not None and x[2:7] == b"\x06\x03\x55\x1d" + bytes([arc])


EXT_KU, EXT_SAN, EXT_BC, EXT_NC, EXT_EKU, EXT_SKI, EXT_AKI = 15, 17, 19, 30, 37, 14, 35


class Scenario:
    def __init__(self, idx, rng, pool):
        self.idx = idx
        self.rng = rng
        self.pool = pool
        self.tags = set()
        self.at = BASE_T + rng.randrange(0, 400) * DAY
        self.store = []
        self.wire = []
        self.name = None
        self.serial = 1000
        self.built = []       # every certificate made: what a user could get hold of
        self.issuer_line = []  # the leaf's real issuers, nearest first (the store fix)
        self.cat = rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]

    # -- helpers --
    def next_serial(self):
        self.serial += self.rng.randrange(1, 50)
        return self.serial

    def key(self, weak_ok=True):
        r = self.rng.random()
        if weak_ok and r < 0.025:
            self.tags.add("weak-rsa")
            return self.pool["rsa512"]
        if weak_ok and r < 0.035:
            self.tags.add("weak-ec")
            return self.pool["ec112"]
        if r < 0.15:
            return self.rng.choice(self.pool["rsa"])
        return self.rng.choice(self.pool["ec"])

    def exotic_key(self):
        name = self.rng.choice(["ed25519", "ed448", "rsa-pss", "ec-explicit", "secp160r1"])
        self.tags.add("key-" + name)
        return self.pool[name]

    def validity(self, e, tag):
        r = self.rng.random()
        at = self.at
        if r < 0.05:
            e.nb, e.na = at - self.rng.randrange(400, 4000) * DAY, at - self.rng.randrange(1, 300) * DAY
            self.tags.add("expired-" + tag)
        elif r < 0.09:
            e.nb, e.na = at + self.rng.randrange(1, 300) * DAY, at + 4000 * DAY
            self.tags.add("notyet-" + tag)
        elif r < 0.10:
            e.nb, e.na = at - 30 * DAY, at  # exactly at notAfter: expired for OpenSSL
            self.tags.add("edge-notafter-" + tag)
        elif r < 0.11:
            e.nb, e.na = at, at + 30 * DAY  # exactly at notBefore: valid
            self.tags.add("edge-notbefore-" + tag)
        elif r < 0.14:
            e.nb = at - self.rng.randrange(1, 3000) * DAY
            e.na = 2_900_000_000 + self.rng.randrange(0, 1000) * DAY  # GeneralizedTime, 2061+
            self.tags.add("generalizedtime")
        else:
            e.nb = at - self.rng.randrange(1, 3000) * DAY
            e.na = at + self.rng.randrange(1, 6000) * DAY

    @staticmethod
    def encode_dn(spec):
        return xb.name(*[[(a, v) for a, v in rdn] if len(rdn) > 1 else rdn[0] for rdn in spec])

    def variant_dn(self, e):
        """The same name as e's subject to OpenSSL's X509_NAME_cmp, spelled
        differently: ASCII case, white space runs, string type (UTF8String,
        PrintableString, BMPString, T61String as Latin-1), the order of the
        AVAs inside a multi-valued RDN."""
        printable = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")
        rdns = []
        for rdn in e.dn_spec:
            avas = []
            for attr, val in rdn:
                v = "".join(ch.upper() if ch.isascii() else ch for ch in val)
                v = "  " + v.replace(" ", "   ") + " "
                kinds = ["utf8", "bmp"]
                if all(ch in printable for ch in v):
                    kinds.append("printable")
                if all(ord(ch) < 256 for ch in v):
                    kinds.append("t61")
                kind = "printable" if attr == "C" and "printable" in kinds else self.rng.choice(kinds)
                avas.append((attr, v, kind))
            if len(avas) > 1:
                self.rng.shuffle(avas)
                rdns.append(avas)
            else:
                rdns.append(avas[0])
        return xb.name(*rdns)

    def new_ca(self, label, cn, root=False):
        e = Entity(label, None, self.key())
        if self.cat == "exotic-keys" and self.rng.random() < 0.35:
            e.key = self.exotic_key()
        if self.rng.random() < 0.15:
            cn += " \u00e9t\u00e9"   # non-ASCII: canonical form keeps it as is
            self.tags.add("non-ascii-name")
        e.cn = cn
        r = self.rng.random()
        e.long_dn = r < 0.3
        if r < 0.08:
            e.dn_spec = [[("C", "BE")], [("O", "tlsscope diff"), ("OU", "multi")], [("CN", cn)]]
            self.tags.add("multi-valued-rdn")
        elif e.long_dn:
            e.dn_spec = [[("C", "BE")], [("O", "tlsscope diff")], [("CN", cn)]]
        else:
            e.dn_spec = [[("CN", cn)]]
        e.subject = self.encode_dn(e.dn_spec)
        e.serial = self.next_serial()
        self.validity(e, label)
        e.ski = self.rng.random() < 0.85
        e.aki = self.rng.random() < 0.85 and not root
        e.ca_mode = "bc"
        r = self.rng.random()
        if r < 0.03:
            e.ca_mode = "bc-false"
        elif r < 0.05:
            e.ca_mode = "no-bc"
        elif r < 0.07:
            e.ca_mode = "ku-no-certsign"
        elif r < 0.085 or (self.cat == "v1-ca" and r < 0.5):
            e.ca_mode = "v1"
        if e.ca_mode != "bc":
            self.tags.add(e.ca_mode + "-" + label)
        e.ku = self.rng.random() < 0.8
        e.ku_bits = ("keyCertSign", "cRLSign")
        if self.cat == "ku-variants" and self.rng.random() < 0.5:
            e.ku = True
            e.ku_bits = self.rng.choice([("keyCertSign",), ("digitalSignature",), ("cRLSign",),
                                         ("keyCertSign", "digitalSignature"),
                                         ("keyCertSign", "encipherOnly", "decipherOnly"),
                                         ("keyEncipherment",), ()])
            self.tags.add("ca-ku-" + "+".join(e.ku_bits or ("none",)))
        e.ku_critical = self.rng.random() < 0.9
        e.pathlen = self.rng.randrange(0, 3) if self.rng.random() < 0.12 else None
        if e.pathlen is not None:
            self.tags.add("pathlen")
        e.eku = None
        r = self.rng.random()
        if r < 0.04:
            e.eku = ["clientAuth"]
            self.tags.add("ca-eku-client")
        elif r < 0.08:
            e.eku = ["serverAuth", "clientAuth"]
        if self.cat == "ca-eku" and self.rng.random() < 0.6:
            e.eku = self.rng.choice([["serverAuth"], ["clientAuth"], ["codeSigning"], ["any"],
                                     ["serverAuth", "clientAuth"], ["2.16.840.1.113730.4.1"],
                                     ["1.3.6.1.4.1.311.10.3.3"], ["codeSigning", "any"]])
            self.tags.add("ca-eku-" + "+".join(e.eku))
        e.crit = None
        r = self.rng.random()
        if r < 0.03 or (self.cat == "critical-ext" and r < 0.3):
            e.crit = "unknown"
            self.tags.add("critical-unknown")
        elif r < 0.04 or (self.cat == "critical-ext" and r < 0.45):
            e.crit = "ski"
            self.tags.add("critical-ski")
        elif self.cat == "critical-ext" and r < 0.6:
            e.crit = self.rng.choice(["crldp", "aia", "policies", "policy-constraints",
                                      "inhibit-any", "eku"])
            self.tags.add("critical-" + e.crit)
        e.is_root = root
        return e

    def ca_exts(self, e):
        if e.ca_mode == "v1":
            e.version = 1
            return []
        exts = []
        if e.ca_mode == "bc":
            exts.append(xb.ext_bc(True, e.pathlen))
        elif e.ca_mode == "bc-false":
            exts.append(xb.ext_bc(False))
        if e.ca_mode == "ku-no-certsign":
            exts.append(xb.ext_ku("digitalSignature", "cRLSign"))
        elif e.ku or e.ca_mode == "no-bc":
            exts.append(xb.ext_ku(*e.ku_bits, critical=e.ku_critical))
        if e.ski:
            exts.append(xb.ext_ski(e.key.key_id(), critical=e.crit == "ski"))
        if e.aki and e.issuer is not None:
            r = self.rng.random()
            iss = e.issuer
            if r < 0.06:
                # RFC 5280 4.2.1.1 authorityCertIssuer + serial (the issuer's
                # issuer name and the issuer's serial), sometimes wrong
                wrong = self.rng.random() < 0.3
                exts.append(xb.ext_aki(iss.key.key_id() if self.rng.random() < 0.5 else None,
                                       issuer_name=(iss.issuer or iss).subject,
                                       serial=iss.serial + (1 if wrong else 0)))
                self.tags.add("aki-serial" + ("-wrong" if wrong else ""))
            elif r < 0.08:
                exts.append(xb.ext_aki(b"\x01\x02\x03\x04"))  # matches nothing
                self.tags.add("aki-wrong")
            else:
                exts.append(xb.ext_aki(iss.key.key_id()))
        if e.eku:
            exts.append(xb.ext_eku(*e.eku, critical=e.crit == "eku"))
        if e.crit == "unknown":
            exts.append(xb.ext("1.3.6.1.4.1.99999.1", xb.null(), critical=True))
        elif e.crit == "crldp":
            exts.append(xb.ext("2.5.29.31", xb.seq(xb.seq(xb.explicit(0, xb.explicit(
                0, xb.gn_uri("http://crl.diff.test/x.crl"))))), critical=True))
        elif e.crit == "aia":
            exts.append(xb.ext("1.3.6.1.5.5.7.1.1", xb.seq(xb.seq(
                xb.oid("1.3.6.1.5.5.7.48.1"), xb.gn_uri("http://ocsp.diff.test"))), critical=True))
        elif e.crit == "policies":
            exts.append(xb.ext("2.5.29.32", xb.seq(xb.seq(xb.oid("2.5.29.32.0"))), critical=True))
        elif e.crit == "policy-constraints":
            exts.append(xb.ext("2.5.29.36", xb.seq(xb.tlv(0x80, b"\x00")), critical=True))
        elif e.crit == "inhibit-any":
            exts.append(xb.ext("2.5.29.54", xb.integer(0), critical=True))
        return exts

    def sigalg_for(self, e, signer):
        r = self.rng.random()
        weak = self.cat == "weak-digest" and self.rng.random() < 0.5
        if signer.kind in ("ed25519", "ed448"):
            return signer.kind.upper()
        if signer.kind == "rsa-pss":
            return "rsassaPss"
        if signer.kind == "rsa":
            if r < 0.04 or (weak and r < 0.5):
                self.tags.add("md5-" + e.label)
                return "md5WithRSAEncryption"
            if r < 0.08 or weak:
                self.tags.add("sha1-" + e.label)
                return "sha1WithRSAEncryption"
            if r < 0.12 and signer is not self.pool["rsa512"]:  # PSS needs room for salt
                self.tags.add("pss")
                return "rsassaPss"
            return "sha256WithRSAEncryption"
        if r < 0.04 or weak:
            self.tags.add("sha1-" + e.label)
            return "ecdsa-with-SHA1"
        return "ecdsa-with-SHA256"

    def build(self, e):
        if e.der is not None:
            return e.der
        issuer = e.issuer or e
        signer = e.signer_key or issuer.key
        issuer_name = e.issuer_name or issuer.subject
        e.der = xb.certificate(e.subject, issuer_name, e.serial, e.nb, e.na, e.key, signer,
                               e.sigalg or self.sigalg_for(e, signer), e.exts, e.version,
                               e.nb_der, e.na_der)
        self.built.append(e)
        return e.der

    def leaf_setup(self, leaf, cn, self_signed):
        rng = self.rng
        exts = []
        dns, ips = [], []
        r = rng.random()
        style = "dns"
        if r < 0.15:
            style = "cn-only"
        elif r < 0.3:
            style = "ip"
        elif r < 0.45:
            style = "wildcard"
        if style == "dns":
            dns = [cn, "alt%d.diff.test" % self.idx]
        elif style == "wildcard":
            dns = rng.choice([["*.diff.test"], ["h*.diff.test"], ["*t%d.diff.test" % self.idx],
                              ["*.test"], ["*.x.diff.test", "other.diff.test"]])
        elif style == "ip":
            ips = rng.choice([["10.48.36.215"], ["fe80::1"], ["10.48.36.215", "2001:db8::5"]])
            if rng.random() < 0.5:
                dns = [cn]
        leaf.cn = cn
        leaf.subject = xb.name(("C", "BE"), ("O", "tlsscope diff"), ("CN", cn))
        if dns or ips:
            exts.append(xb.ext_san(dns=dns, ip=ips))
        r = rng.random()
        if r < 0.55:
            exts.append(xb.ext_eku("serverAuth"))
        elif r < 0.65:
            exts.append(xb.ext_eku("clientAuth"))
            self.tags.add("leaf-eku-client")
        elif r < 0.69:
            exts.append(xb.ext_eku("any"))
            self.tags.add("leaf-eku-any")
        elif r < 0.78:
            exts.append(xb.ext_eku("serverAuth", "clientAuth"))
        r = rng.random()
        ss_ku = self.cat == "ku-variants" and self_signed
        if ss_ku or (self.cat == "ku-variants" and r < 0.5):
            bits = rng.choice([("digitalSignature",), ("keyCertSign",), ("keyEncipherment",),
                               ("keyAgreement",), ("digitalSignature", "keyCertSign"),
                               ("cRLSign",), ("nonRepudiation",), None])
            if bits:
                exts.append(xb.ext_ku(*bits, critical=rng.random() < 0.8))
            self.tags.add("leaf-ku-" + ("+".join(bits) if bits else "none"))
        elif r < 0.45:
            exts.append(xb.ext_ku("digitalSignature", "keyEncipherment"))
        elif r < 0.5:
            exts.append(xb.ext_ku("digitalSignature", "keyAgreement"))
        elif r < 0.54:
            exts.append(xb.ext_ku("keyCertSign"))
            self.tags.add("leaf-ku-certsign-only")
        r = rng.random()
        if self_signed and r < (0.35 if ss_ku else 0.5):
            exts.append(xb.ext_bc(True))
            self.tags.add("leaf-ca-true")
        elif r < (0.7 if ss_ku else 0.3):
            exts.append(xb.ext_bc(False))
        if rng.random() < 0.7:
            exts.append(xb.ext_ski(leaf.key.key_id()))
        if not self_signed and rng.random() < 0.8:
            exts.append(None)  # placeholder for AKI, filled in below
        if rng.random() < 0.02 or (self.cat == "critical-ext" and rng.random() < 0.3):
            exts.append(xb.ext("1.3.6.1.4.1.99999.2", xb.null(), critical=True))
            self.tags.add("critical-unknown-leaf")
        leaf.exts = exts
        leaf.want_aki = None in exts
        leaf.exts = [x for x in exts if x is not None]
        if leaf.want_aki and leaf.issuer is not None:
            leaf.exts.append(xb.ext_aki(leaf.issuer.key.key_id()))

        # the name the rfc profile checks (server purpose)
        if rng.random() < 0.6:
            cands = [cn, cn.upper(), "nothere%d.diff.test" % self.idx, "x.diff.test",
                     "host%d.other.test" % self.idx, "h.diff.test", "a.b.diff.test",
                     "10.48.36.215", "fe80::1", "10.48.36.216", "2001:db8::5"]
            cands += dns
            self.name = rng.choice(cands).replace("*", "w")
            self.tags.add("name-" + style)

    # -- categories applied after the baseline --
    def nc_general_name(self):
        """One name-constraint base: (GeneralName DER, tag)."""
        rng = self.rng
        t = rng.choices(["dns", "ip", "email", "dirname", "uri", "unsupported"],
                        [40, 20, 12, 14, 6, 4])[0]
        if t == "dns":
            v = rng.choice(["diff.test", ".diff.test", "host%d.diff.test" % self.idx, "example.com",
                            ".example.com", "test", "", "DIFF.TEST", "other.diff.test", "x.diff.test"])
            return xb.gn_dns(v), "nc-dns"
        if t == "ip":
            v = rng.choice([
                bytes([10, 0, 0, 0, 255, 0, 0, 0]), bytes([10, 48, 36, 0, 255, 255, 255, 0]),
                bytes([192, 168, 0, 0, 255, 255, 0, 0]), bytes(8),
                bytes.fromhex("20010db8" + "00" * 12 + "ffffffff" + "00" * 12),
                bytes.fromhex("fe80" + "00" * 14 + "ffc0" + "00" * 14),
                bytes([10, 48, 36, 215, 255, 0, 255, 0]),      # non-contiguous mask
                bytes([10, 48, 36, 215, 255])])               # malformed length
            return xb.gn_ip(v), "nc-ip"
        if t == "email":
            v = rng.choice(["diff.test", ".diff.test", "admin@diff.test", "example.com", "@diff.test"])
            return xb.gn_email(v), "nc-email"
        if t == "dirname":
            v = rng.choice([xb.name(("C", "BE"), ("O", "tlsscope diff")), xb.name(("C", "BE")),
                            xb.name(("O", "other")), xb.name(("C", "NL")),
                            xb.name(("C", "be"), ("O", "TLSSCOPE DIFF"))])
            return xb.gn_dirname(v), "nc-dirname"
        if t == "uri":
            return xb.gn_uri(rng.choice(["diff.test", ".diff.test", "example.com"])), "nc-uri"
        if rng.random() < 0.5:
            return xb.gn_rid("1.3.6.1.4.1.99999.7"), "nc-rid"
        return xb.gn_othername("1.3.6.1.4.1.311.20.2.3", xb.encode_string("utf8", "a@diff.test")), \
            "nc-othername"

    def apply_name_constraints(self, cas, leaf):
        rng = self.rng
        holders = [c for c in cas if c.version == 3]
        if not holders:
            return
        for holder in rng.sample(holders, 2 if len(holders) > 1 and rng.random() < 0.2 else 1):
            permitted, excluded = [], []
            for _ in range(rng.choice([1, 1, 2, 3])):
                gn, tag = self.nc_general_name()
                r = rng.random()
                mn = mx = None
                if r < 0.03:
                    mn = 1
                elif r < 0.05:
                    mx = 2
                elif r < 0.07:
                    mn = 0   # explicit DEFAULT: not DER, but parses
                if mn is not None or mx is not None:
                    tag += "-minmax"
                (permitted if rng.random() < 0.6 else excluded).append(xb.subtree(gn, mn, mx))
                self.tags.add(tag + ("-root" if holder.is_root else "-int"))
            holder.exts.append(xb.ext_nc(permitted, excluded, critical=rng.random() < 0.8))
        # the leaf's names, where the constraints look
        leaf.exts = [x for x in leaf.exts if not ext_oid_is(x, EXT_SAN)]
        raw = []
        if rng.random() < 0.7:
            dns = rng.sample(["host%d.diff.test" % self.idx, "x.example.com", "HOST.DIFF.TEST",
                              "diff.test", "a.b.diff.test", "*.diff.test", "other.test"],
                             rng.choice([0, 1, 1, 2]))
            ips = rng.sample(["10.48.36.215", "192.168.1.1", "2001:db8::5", "fe80::1"],
                             rng.choice([0, 0, 1, 2]))
            if rng.random() < 0.2:
                raw.append(xb.gn_email(rng.choice(["admin@diff.test", "x@example.com",
                                                   "y@sub.diff.test"])))
            if rng.random() < 0.1:
                raw.append(xb.gn_uri(rng.choice(["https://host.diff.test/x", "https://example.com/"])))
            if rng.random() < 0.05:
                raw.append(xb.gn_othername("1.3.6.1.4.1.311.20.2.3",
                                           xb.encode_string("utf8", "a@diff.test")))
            if rng.random() < 0.03:
                raw.append(xb.gn_rid("1.3.6.1.4.1.99999.8"))
            if dns or ips or raw:
                leaf.exts.append(xb.ext_san(dns=dns, ip=ips, raw=raw))
                self.tags.add("nc-leaf-san" + ("" if dns else "-nodns"))
        else:
            self.tags.add("nc-leaf-cn-only")
        # CN fallback: a CN that looks like a host name is checked when no DNS SAN
        cn = rng.choice([leaf.cn, "Host %d diff" % self.idx, leaf.cn.upper(), "x.example.com",
                         "10.48.36.215", "host.", "*.diff.test", "a..b", leaf.cn])
        rdns = [("C", "BE"), ("O", rng.choice(["tlsscope diff", "other"])), ("CN", cn)]
        if rng.random() < 0.15:
            rdns.append(("emailAddress", rng.choice(["admin@diff.test", "x@example.com"])))
            self.tags.add("nc-leaf-subject-email")
        leaf.subject = xb.name(*rdns)

    def apply_dup_ext(self, cas, leaf):
        e = self.rng.choice(cas + [leaf, leaf])
        if e.version != 3 or not e.exts:
            return
        x = self.rng.choice(e.exts)
        e.exts.insert(self.rng.randrange(0, len(e.exts) + 1), x)
        self.tags.add("dup-ext-" + e.label)

    def time_form(self, epoch, form):
        t = xb.utc_datetime(epoch)
        y2 = t.strftime("%y%m%d%H%M%S")
        y4 = t.strftime("%Y%m%d%H%M%S")
        plus1h = xb.utc_datetime(epoch + 3600)
        enc = {
            "utc-noseconds": (0x17, t.strftime("%y%m%d%H%MZ")),
            "utc-offset": (0x17, plus1h.strftime("%y%m%d%H%M%S") + "+0100"),
            "utc-offset-min": (0x17, plus1h.strftime("%y%m%d%H%M") + "+0100"),
            "utc-no-z": (0x17, y2),
            "utc-lower-z": (0x17, y2 + "z"),
            "utc-bad-month": (0x17, t.strftime("%y13%d%H%M%SZ")),
            "utc-bad-digit": (0x17, y2[:-1] + "xZ"),
            "utc-long": (0x17, y2 + "0Z"),
            "gen-fraction": (0x18, y4 + ".5Z"),
            "gen-fraction-comma": (0x18, y4 + ",5Z"),
            "gen-offset": (0x18, y4 + "+0000"),
            "gen-noseconds": (0x18, t.strftime("%Y%m%d%H%MZ")),
            "gen-no-z": (0x18, y4),
            "gen-early": (0x18, y4 + "Z"),     # GeneralizedTime before 2050: not DER
            "gen-leap-second": (0x18, y4[:-2] + "60Z"),
            "utc-feb-30": (0x17, t.strftime("%y") + "0230" + t.strftime("%H%M%SZ")),
            "utc-hour-24": (0x17, t.strftime("%y%m%d") + "24" + t.strftime("%M%SZ")),
        }[form]
        return xb.tlv(enc[0], enc[1].encode())

    def apply_time_forms(self, cas, leaf):
        forms = ["utc-noseconds", "utc-offset", "utc-offset-min", "utc-no-z", "utc-lower-z",
                 "utc-bad-month", "utc-bad-digit", "utc-long", "gen-fraction", "gen-fraction-comma",
                 "gen-offset", "gen-noseconds", "gen-no-z", "gen-early", "gen-leap-second",
                 "utc-feb-30", "utc-hour-24"]
        for _ in range(self.rng.choice([1, 1, 2])):
            e = self.rng.choice(cas + [leaf, leaf])
            form = self.rng.choice(forms)
            if self.rng.random() < 0.5:
                e.nb_der = self.time_form(e.nb, form)
                self.tags.add("time-nb-%s-%s" % (form, e.label))
            else:
                e.na_der = self.time_form(e.na, form)
                self.tags.add("time-na-%s-%s" % (form, e.label))

    def apply_validity_edges(self, cas, leaf):
        for _ in range(self.rng.choice([1, 2])):
            e = self.rng.choice(cas + [leaf])
            d = self.rng.choice([-1, 0, 1])
            if self.rng.random() < 0.5:
                e.nb = self.at + d
                e.na = max(e.na, e.nb + DAY)
                self.tags.add("edge-nb%+d-%s" % (d, e.label))
            else:
                e.na = self.at + d
                e.nb = min(e.nb, e.na - DAY)
                self.tags.add("edge-na%+d-%s" % (d, e.label))

    # -- the scenario --
    def make(self):
        rng = self.rng
        cat = self.cat
        self.tags.add("cat-" + cat)
        k = rng.choices([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [18, 34, 20, 10, 4, 3, 3, 3, 3, 2])[0]
        if cat == "chain-shape" and rng.random() < 0.5:
            k = rng.choice([6, 7, 8, 9])
            self.tags.add("long-chain")
        self_signed_leaf = rng.random() < (0.5 if cat == "ku-variants" else 0.12)
        if self_signed_leaf:
            k = 0
            self.tags.add("ss-leaf")

        root = self.new_ca("root", "Diff Root %d" % self.idx, root=True)
        cas = [root]
        for i in range(k):
            ca = self.new_ca("int%d" % (i + 1), "Diff Int %d.%d" % (self.idx, i + 1))
            ca.issuer = cas[-1]
            # self-issued intermediate (key rollover): same name as its issuer
            if i > 0 and rng.random() < 0.04:
                ca.subject = cas[-1].subject
                ca.dn_spec = cas[-1].dn_spec
                ca.cn = cas[-1].cn
                ca.long_dn = cas[-1].long_dn
                self.tags.add("self-issued")
                # a rollover has a new key: with its issuer's key (a draw
                # from the small key pool) it is self-signed, a root under
                # an intermediate's name that the server never sends and
                # the chain gives no sign of — seed 508 #2698, whose only
                # store fix was that accidental root. Roots under other
                # names are the cross-signed category's, on purpose.
                for _ in range(8):
                    if ca.key is not cas[-1].key:
                        break
                    ca.key = self.key()
            cas.append(ca)
        for ca in cas:
            ca.exts = self.ca_exts(ca)

        leaf_key = self.exotic_key() if cat == "exotic-keys" and rng.random() < 0.5 else self.key()
        leaf = Entity("leaf", None, leaf_key)
        leaf.serial = self.next_serial()
        self.validity(leaf, "leaf")
        leaf.issuer = None if self_signed_leaf else cas[-1]
        leaf_cn = "host%d.diff.test" % self.idx
        self.leaf_setup(leaf, leaf_cn, self_signed_leaf)

        if cat == "name-constraints":
            self.apply_name_constraints(cas, leaf)
        elif cat == "dup-ext":
            self.apply_dup_ext(cas, leaf)
        elif cat == "time-forms":
            self.apply_time_forms(cas, leaf)
        elif cat == "validity-edges":
            self.apply_validity_edges(cas, leaf)

        # names spelled differently in the child's issuer field
        for e in cas[1:] + ([leaf] if not self_signed_leaf else []):
            if e.issuer is not None and rng.random() < 0.08:
                e.issuer_name = self.variant_dn(e.issuer)
                self.tags.add("canon-name")
            if e.issuer is not None and rng.random() < 0.015:
                e.issuer_name = xb.name(("CN", "Somebody Else %d" % self.idx))
                self.tags.add("wrong-issuer-name")

        # same-named CAs with different keys
        twins = []
        if rng.random() < 0.15 and not self_signed_leaf:
            target = rng.choice(cas)
            twin = self.new_ca("twin", target.cn, root=target.is_root)
            twin.subject = target.subject
            twin.dn_spec = target.dn_spec
            twin.long_dn = target.long_dn
            twin.issuer = target.issuer
            twin.ca_mode = "bc"
            twin.version = 3
            twin.exts = self.ca_exts(twin)
            twins.append((target, twin))
            self.tags.add("twin-" + ("root" if target.is_root else "int"))
            if rng.random() < 0.3:
                # the child was really signed by the twin's key
                child = cas[cas.index(target) + 1] if target is not cas[-1] else leaf
                child.signer_key = twin.key
                self.tags.add("signed-by-twin")

        # same subject, different validity (and maybe the same key): which
        # candidate does the library pick when not all are valid?
        renewals = []
        if cat == "same-subject" and not self_signed_leaf:
            target = rng.choice(cas) if rng.random() < 0.4 else root
            for _ in range(rng.choice([1, 1, 2])):
                r2 = Entity("renewal", target.subject, target.key if rng.random() < 0.6 else self.key())
                r2.cn = target.cn
                r2.issuer = target.issuer
                r2.serial = self.next_serial()
                r2.is_root = target.is_root
                self.validity_kind(r2, rng.choice(["expired", "notyet", "valid"]))
                r2.exts = [xb.ext_bc(True), xb.ext_ku("keyCertSign", "cRLSign")]
                if rng.random() < 0.7:
                    r2.exts.append(xb.ext_ski(r2.key.key_id()))
                renewals.append((target, r2))
                self.tags.add("renewal-%s-%s" % ("root" if target.is_root else "int",
                                                 "samekey" if r2.key is target.key else "newkey"))
            if rng.random() < 0.7:
                self.validity_kind(target, rng.choice(["expired", "notyet", "valid"]))

        # a certificate signed by an unrelated key under the right name
        if rng.random() < 0.03 and k > 0:
            victim = rng.choice(cas[1:] + [leaf])
            victim.signer_key = self.pool["ec"][-1]
            if victim.exts is not None:
                victim.exts = [x for x in victim.exts if not ext_oid_is(x, EXT_AKI)]
            self.tags.add("bad-signature")

        for e in cas + [leaf] + [t for _, t in twins] + [r for _, r in renewals]:
            self.build(e)
        self.issuer_line = [leaf] if self_signed_leaf else cas[::-1]

        # cross-signed root: root's name and key, issued by another root
        cross = other = None
        if cat == "cross-signed" and not self_signed_leaf:
            other = self.new_ca("xroot", "Diff Other Root %d" % self.idx, root=True)
            other.ca_mode = "bc"
            other.exts = self.ca_exts(other)
            self.build(other)
            cross = Entity("cross", root.subject, root.key)
            cross.cn = root.cn
            cross.issuer = other
            cross.serial = self.next_serial()
            self.validity_kind(cross, rng.choice(["valid", "valid", "expired"]))
            cross.exts = [xb.ext_bc(True), xb.ext_ku("keyCertSign", "cRLSign")]
            if rng.random() < 0.8:
                cross.exts.append(xb.ext_ski(root.key.key_id()))
            if rng.random() < 0.8:
                cross.exts.append(xb.ext_aki(other.key.key_id()))
            self.build(cross)

        # trust store
        store = []
        r = rng.random()
        if self_signed_leaf:
            if r < (0.8 if cat == "ku-variants" else 0.5):
                store.append(leaf.der)
                self.tags.add("ss-leaf-in-store")
            elif r < 0.6:
                mimic = Entity("mimic", leaf.subject, self.key(weak_ok=False))
                mimic.cn = leaf.cn
                mimic.serial = self.next_serial()
                mimic.nb, mimic.na = self.at - 10 * DAY, self.at + 10 * DAY
                mimic.exts = [xb.ext_bc(True)]
                store.append(self.build(mimic))
                self.tags.add("ss-leaf-mimic")
        else:
            if r < 0.85 and not (cross and rng.random() < 0.4):
                store.append(root.der)
            elif cross:
                self.tags.add("cross-root-not-in-store")
            if len(cas) > 1 and rng.random() < 0.12:
                store.append(rng.choice(cas[1:]).der)
                self.tags.add("int-in-store")
            if len(cas) > 1 and r >= 0.85 and rng.random() < 0.5:
                store.append(rng.choice(cas[1:]).der)
                self.tags.add("int-only-in-store")
            if rng.random() < 0.04:
                store.append(leaf.der)
                self.tags.add("leaf-in-store")
        if other is not None and rng.random() < 0.75:
            store.insert(rng.randrange(0, len(store) + 1), other.der)
            self.tags.add("cross-other-in-store")
        for target, twin in twins:
            if rng.random() < 0.7:
                if rng.random() < 0.5:
                    store.insert(0, twin.der)
                else:
                    store.append(twin.der)
                self.tags.add("twin-in-store")
        for target, r2 in renewals:
            if target.is_root or rng.random() < 0.3:
                store.insert(rng.randrange(0, len(store) + 1), r2.der)
                self.tags.add("renewal-in-store")
        if rng.random() < 0.15 or not store:
            for j in range(rng.randrange(1, 3)):
                store.append(self.unrelated_root(j))
            self.tags.add("extra-roots")
        if rng.random() < 0.04 and store:
            store.append(store[0])
            self.tags.add("dup-in-store")
        self.store = store

        # the peer's chain
        wire = [leaf.der]
        ints = [c.der for c in cas[1:]][::-1]   # nearest issuer first
        r = rng.random()
        if r < 0.15 and ints:
            ints = [x for x in ints if rng.random() < 0.6]
            self.tags.add("missing-ints")
        elif (r < 0.3 or cat == "chain-shape") and len(ints) > 1:
            rng.shuffle(ints)
            self.tags.add("shuffled")
        wire += ints
        if not self_signed_leaf and rng.random() < 0.2:
            wire.append(root.der)
            self.tags.add("root-sent")
        if cross is not None and rng.random() < 0.8:
            wire.insert(rng.randrange(1, len(wire) + 1), cross.der)
            self.tags.add("cross-sent")
            if rng.random() < 0.3:
                wire.append(other.der)
                self.tags.add("cross-other-sent")
        for target, twin in twins:
            if rng.random() < 0.3:
                wire.insert(rng.randrange(1, len(wire) + 1), twin.der)
                self.tags.add("twin-sent")
        for target, r2 in renewals:
            if not target.is_root or rng.random() < 0.3:
                wire.insert(rng.randrange(1, len(wire) + 1), r2.der)
                self.tags.add("renewal-sent")
        if rng.random() < (0.5 if cat == "chain-shape" else 0.08):
            for j in range(rng.choice([1, 1, 2, 3]) if cat == "chain-shape" else 1):
                wire.insert(rng.randrange(1, len(wire) + 1), self.unrelated_root(9 + j))
            self.tags.add("extra-sent")
        if cat == "chain-shape" and len(wire) > 1 and rng.random() < 0.4:
            wire.insert(rng.randrange(1, len(wire) + 1), rng.choice(wire[1:]))
            self.tags.add("dup-int-sent")
        if rng.random() < 0.03:
            wire.append(leaf.der)
            self.tags.add("dup-leaf")
        if k >= 1 and not self_signed_leaf and rng.random() < 0.05:
            # a cross certificate for the root issued by an intermediate: a
            # name loop OpenSSL must not follow forever
            x = Entity("cross", root.subject, root.key)
            x.cn = root.cn
            x.issuer = cas[-1]
            x.serial = self.next_serial()
            x.nb, x.na = self.at - 10 * DAY, self.at + 100 * DAY
            x.exts = [xb.ext_bc(True), xb.ext_ski(root.key.key_id())]
            wire.insert(1, self.build(x))
            self.tags.add("cross-loop")
        self.wire = wire[:12]  # TLS_MAX_CHAIN

    def validity_kind(self, e, kind):
        at = self.at
        if kind == "expired":
            e.nb, e.na = at - self.rng.randrange(400, 4000) * DAY, at - self.rng.randrange(1, 300) * DAY
        elif kind == "notyet":
            e.nb, e.na = at + self.rng.randrange(1, 300) * DAY, at + 4000 * DAY
        else:
            e.nb, e.na = at - self.rng.randrange(1, 3000) * DAY, at + self.rng.randrange(1, 6000) * DAY
        e.der = None

    def unrelated_root(self, j):
        e = Entity("other%d" % j, xb.name(("CN", "Unrelated Root %d.%d" % (self.idx, j))),
                   self.rng.choice(self.pool["ec"]))
        e.cn = "Unrelated Root %d.%d" % (self.idx, j)
        e.serial = self.next_serial()
        e.nb, e.na = self.at - 100 * DAY, self.at + 1000 * DAY
        e.exts = [xb.ext_bc(True), xb.ext_ski(e.key.key_id())]
        return self.build(e)


def make_pool(tmp, jobs):
    specs = [("ec%d" % i, "ec:P-256") for i in range(16)]
    specs += [("rsa%d" % i, "rsa:2048") for i in range(2)]
    specs += [("rsa512", "rsa:512"), ("ec112", "ec:secp112r1"), ("ed25519", "ed25519"),
              ("ed448", "ed448"), ("rsa-pss", "rsa-pss:2048"), ("ec-explicit", "ecx:P-256"),
              ("secp160r1", "ec:secp160r1")]
    with multiprocessing.pool.ThreadPool(jobs) as ex:
        keys = dict(zip([s[0] for s in specs],
                        ex.map(lambda s: xb.gen_key(tmp, s[0], s[1]), specs)))
    pool = {"ec": [keys["ec%d" % i] for i in range(16)], "rsa": [keys["rsa0"], keys["rsa1"]]}
    for name in ("rsa512", "ec112", "ed25519", "ed448", "rsa-pss", "ec-explicit", "secp160r1"):
        pool[name] = keys[name]
    return pool


# ---- scenarios on disk ---------------------------------------------------------

Case = collections.namedtuple("Case", "label at name tags store chain leaf")

_POOL = None  # the key pool, shared with forked generator workers


def write_pem(path, ders):
    with open(path, "w") as f:
        f.write("".join(xb.pem(x) for x in ders))


def generate(job):
    """Build scenario (seed, idx) into root/…; runs in a worker process."""
    seed, idx, root = job
    rng = random.Random(seed * 1_000_003 + idx)
    sc = Scenario(idx, rng, _POOL)
    sc.make()
    d = os.path.join(root, "%d-%05d" % (seed, idx))
    os.makedirs(d, exist_ok=True)
    write_pem(os.path.join(d, "store.pem"), sc.store)
    write_pem(os.path.join(d, "chain.pem"), sc.wire)
    write_pem(os.path.join(d, "leaf.pem"), sc.wire[:1])
    with open(os.path.join(d, "README"), "w") as f:
        f.write("at=%d name=%s\ntags=%s\n" % (sc.at, sc.name, " ".join(sorted(sc.tags))))
    write_universe(os.path.join(d, "universe.json"), sc)
    return Case("seed %d #%d" % (seed, idx), sc.at, sc.name, sorted(sc.tags),
                os.path.join(d, "store.pem"), os.path.join(d, "chain.pem"),
                os.path.join(d, "leaf.pem"))


def write_universe(path, sc):
    """Every certificate of the scenario with its name, key id and issuer —
    what the advice test looks the advised certificate up in — and the
    leaf's real issuers (the store change that would fix a missing anchor)."""
    ents = []
    for e in sc.built:
        if all(e.der != x.der for x in ents):
            ents.append(e)
    pos = {id(e): i for i, e in enumerate(ents)}
    out = {"certs": [{"der": base64.b64encode(e.der).decode(), "cn": getattr(e, "cn", ""),
                      "keyid": e.key.key_id().hex(),
                      "ski": any(ext_oid_is(x, EXT_SKI) for x in e.exts or ()),
                      "issuer": pos.get(id(e.issuer)) if e.issuer is not None else None}
                     for e in ents],
           "fix": [pos[id(e)] for e in sc.issuer_line if id(e) in pos]}
    with open(path, "w") as f:
        json.dump(out, f)


PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n?", re.S)


def load_case_file(path, root):
    """A regression case: "key value" lines (at, name, why, tags), then
    "store:" and "chain:" each followed by PEM certificates (chain = the
    peer's Certificate message, leaf first), and maybe "universe:" with the
    scenario's universe.json (for the advice test)."""
    meta, section, blocks = {}, None, {"store": "", "chain": "", "universe": ""}
    with open(path) as f:
        for line in f:
            s = line.strip()
            if s in ("store:", "chain:", "universe:"):
                section = s[:-1]
            elif section:
                blocks[section] += line
            elif s and not s.startswith("#"):
                k, _, v = s.partition(" ")
                meta[k] = v.strip()
    d = os.path.join(root, "case-" + os.path.basename(path))
    os.makedirs(d, exist_ok=True)
    chain = PEM_RE.findall(blocks["chain"])
    files = [("store.pem", "".join(PEM_RE.findall(blocks["store"]))),
             ("chain.pem", "".join(chain)), ("leaf.pem", chain[0] if chain else "")]
    if blocks["universe"].strip():
        files.append(("universe.json", blocks["universe"]))
    for fn, text in files:
        with open(os.path.join(d, fn), "w") as f:
            f.write(text)
    return Case(os.path.relpath(path, os.path.join(HERE, "..", "..")), int(meta["at"]),
                meta.get("name") or None, meta.get("tags", "").split(),
                os.path.join(d, "store.pem"), os.path.join(d, "chain.pem"),
                os.path.join(d, "leaf.pem"))


def save_case_file(case, outdir, why):
    os.makedirs(outdir, exist_ok=True)
    base = re.sub(r"[^a-z0-9]+", "-", case.label.lower()).strip("-")
    path = os.path.join(outdir, base + ".case")
    old = []
    if os.path.exists(path):   # the other purpose or profile of the same scenario
        with open(path) as f:
            old = [l for l in f if l.startswith("# ")]
    with open(path, "w") as f:
        f.writelines(old)
        f.write("# %s\n" % why)
        f.write("at %d\n" % case.at)
        if case.name:
            f.write("name %s\n" % case.name)
        f.write("tags %s\n" % " ".join(case.tags))
        for section, fn in (("store", case.store), ("chain", case.chain)):
            with open(fn) as g:
                f.write("%s:\n%s" % (section, g.read()))
        uni = os.path.join(os.path.dirname(case.leaf), "universe.json")
        if os.path.exists(uni):  # for the advice test
            with open(uni) as g:
                f.write("universe:\n%s\n" % g.read())
    return path


# ---- judging ------------------------------------------------------------------------

def ip_literal(name):
    return bool(re.fullmatch(r"[0-9.]+|[0-9a-fA-F:]+", name)) and (":" in name or
                                                                   name.count(".") == 3)


def requests_for(case, profile):
    """(purpose, name) pairs judged for one case."""
    name = case.name if profile == "rfc" else None
    return [("ssl_server", name), ("ssl_client", None)]


def run_batch(argv, env, lines):
    """Feed all request lines to one process; its answer lines, in order."""
    p = subprocess.run(argv, env=env, input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True)
    out = p.stdout.splitlines()
    if p.returncode != 0 or len(out) != len(lines):
        raise RuntimeError("%s: exit %d, %d answers for %d requests\n%s"
                           % (argv[0], p.returncode, len(out), len(lines), p.stderr[-2000:]))
    return [parse_answer(a) for a in out]


def parse_answer(line):
    """'code depth' -> (code, depth). tlsscope's 'not judged' for a signature
    mbedTLS cannot check (EdDSA, DSA, curves it lacks) comes as '-1 -1
    if-signature-good C D unchecked-depths MASK': the verdict the rest of the
    checks reach if those signatures are good. OpenSSL is then asked for its
    verdict with the signatures at exactly those depths taken as good
    (judge_all), and the pair counts as equal only when both agree on it -
    the not-judged status is how tlsscope reports it, tallied apart."""
    f = line.split("\t")[0].split()
    if len(f) >= 5 and f[2] == "if-signature-good":
        depths = int(f[6]) if len(f) >= 7 and f[5] == "unchecked-depths" else 0
        return Answer((int(f[3]), int(f[4])), unchecked=True, unchecked_depths=depths)
    return Answer((int(f[0]), int(f[1])))


class Answer(tuple):
    """(code, depth), remembering whether it is tlsscope's outcome-if-good
    and at which depths (bit mask) the signatures could not be checked."""

    def __new__(cls, pair, unchecked=False, unchecked_depths=0):
        a = super().__new__(cls, pair)
        a.unchecked = unchecked
        a.unchecked_depths = unchecked_depths
        return a


def judge_all(cases, profile, chaincheck):
    """For every case and purpose: (ours, theirs) from one chaincheck --batch
    and one oracle process, run side by side."""
    oracle_lines, ours_lines, keys = [], [], []
    for ci, c in enumerate(cases):
        for purpose, name in requests_for(c, profile):
            host = name if name and not ip_literal(name) else ""
            ip = name if name and ip_literal(name) else ""
            oracle_lines.append("\t".join(["verify", purpose, str(c.at), c.store, c.chain,
                                           c.leaf, host, ip]))
            ours_lines.append("\t".join([profile, purpose, str(c.at), c.store, c.chain, c.leaf,
                                         name or ""]))
            keys.append((ci, purpose, name))
    argv, env = ossl111.oracle_command("1.1.1" if profile == "expressway" else "3")
    res = {}

    def theirs():
        res["theirs"] = run_batch(argv, env, oracle_lines)

    t = threading.Thread(target=theirs)
    t.start()
    ours = run_batch([chaincheck, "--batch"], None, ours_lines)
    t.join()
    if "theirs" not in res:
        raise RuntimeError("the oracle failed")
    theirs = res["theirs"]
    # tlsscope could not check some signatures and says what the verdict is
    # if they are good: ask OpenSSL exactly that (its verify callback lets a
    # signature failure at those depths pass), whatever those signatures are
    # — the generator also makes bad ones (bad-signature, signed-by-twin).
    again = [i for i, o in enumerate(ours) if o.unchecked and o.unchecked_depths]
    if again:
        answers = run_batch(argv, env, [oracle_lines[i] + "\t%d" % ours[i].unchecked_depths
                                        for i in again])
        for i, a in zip(again, answers):
            theirs[i] = a
    return keys, ours, theirs


OPENSSL_CLI_ERR = re.compile(r"^error (\d+) at (-?\d+) depth lookup")


def openssl_cli(case, purpose, name):
    """`openssl verify -attime` (Debian's 3.0) on one case: (code, depth)."""
    cmd = ["openssl", "verify", "-attime", str(case.at), "-CAfile", case.store,
           "-untrusted", case.chain, "-purpose", purpose.replace("_", ""),
           "-auth_level", "1", "-verify_depth", "7"]
    if name:
        cmd += ["-verify_ip" if ip_literal(name) else "-verify_hostname", name]
    cmd.append(case.leaf)
    p = subprocess.run(cmd, capture_output=True, text=True)
    for line in (p.stderr + "\n" + p.stdout).splitlines():
        m = OPENSSL_CLI_ERR.match(line.strip())
        if m:
            return int(m.group(1)), int(m.group(2))
    if re.search(r": OK\s*$", p.stdout.strip(), re.M):
        return 0, -1
    return None


# ---- advice that works ---------------------------------------------------------------
# For a chain that fails for want of an anchor (2, 18, 19, 20) and that a store
# change really fixes (the leaf's own issuers added: the oracle then says ok),
# apply the change tlsscope's advice names — the certificate with the SHA-256
# it gives, or the CA with the name and key identifier it gives, with its
# issuers up to the root — and ask both again: both must say ok. A note that
# says the upload would not help must then not be there.

ADVICE_CODES = (2, 18, 19, 20)
NOTE_CONTRADICTS = re.compile(r"even when it is in the trust store|would still fail", re.I)


def canon(text):
    return " ".join(text.lower().split())


def dn_cn(dn):
    """The CN of a DN as tlsscope prints it ("C=BE, O=x, CN=Diff Root 5")."""
    m = re.search(r"(?:^|[,+]\s*)CN=(.*?)(?:\s*[,+]\s*[A-Za-z.0-9]+=|$)", dn)
    return canon(m.group(1) if m else dn)


FP = r"([0-9a-f]{2}(?::[0-9a-f]{2}){31})"
# A store change as the advice words it: the store's certificates with these
# SHA-256s taken out, the universe's certificates `add` appended in this
# order; `ordered`: the advice says the order matters (the reverse must not
# work either, or the advice's reason is false).
Change = collections.namedtuple("Change", "drop add ordered")
# The amendments that correct the first sentence's upload (trust/verdict.c
# advice_self_issued_first, advice_sent_signer, advice_store_invalid), matched whole so that
# their SHA-256s are not read as uploads of their own.
ALSO_UPLOAD = re.compile(
    r'Upload (?:the self-issued "[^"]*" the server sent|the copy that did, which the server '
    r'also sent) \(SHA-256 ' + FP + r'\),? as well(, before the missing CA)?')
STORE_INVALID = re.compile(
    r"But the chain runs through the store's \"[^\"]*\" \(SHA-256 " + FP +
    r"\), (?:not valid before|expired on) \S+: the store is searched first, and with only the "
    r"root uploaded the chain fails there \(depth \d+\)\. Remove it from the trust store"
    r"(?:, or upload the valid copy the server sent \(SHA-256 " + FP + r"\); either with the "
    r"root| and upload a valid copy of it with the root: the same CA renewed(?:, with key "
    r"identifier ([0-9a-f:]+))?)")


def cert_fp(c):
    return hashlib.sha256(base64.b64decode(c["der"])).hexdigest()


def issuer_line(certs, i, limit=None):
    """i with its issuers up to the self-signed root (at most `limit` above it)."""
    line = []
    while i is not None and i not in line and (limit is None or len(line) <= limit):
        line.append(i)
        i = certs[i]["issuer"]
    return line


def advised_changes(advice, universe):
    """What the advice says to change in the store, exactly as it says it:
    a list of groups of Changes. Every group must hold a change that makes
    the chain trusted; the changes inside a group are the readings of one
    piece of advice (several certificates fit a name — the user looks at
    them and takes the one that fits — or the advice offers alternatives:
    "... instead", "the server also sent ...: that upload is enough").
    An amendment ("upload ... as well, before the missing CA", "remove it
    from the trust store, or upload the valid copy ...") replaces the
    upload it corrects: that upload alone is no longer a reading."""
    certs = universe["certs"]
    by_fp = {cert_fp(c): i for i, c in enumerate(certs)}
    first = invalid = None
    m = ALSO_UPLOAD.search(advice)
    if m:
        first = by_fp.get(m.group(1).replace(":", ""))
        if first is None:
            return []           # names a certificate the scenario does not have
        first_ordered = bool(m.group(2))
        advice = advice[:m.start()] + advice[m.end():]
    m = STORE_INVALID.search(advice)
    if m:
        invalid = m
        advice = advice[:m.start()] + advice[m.end():]
    missing, roots, others = [], [], []
    for m in re.finditer(r'Upload the missing CA certificate "(.*?)" - the issuer of'
                         r'|upload the (root )?CA certificate "(.*?)"', advice):
        cn = dn_cn(m.group(1) or m.group(3))
        rest = advice[m.end():]
        kid = re.match(r'(?: "[^"]*" at depth \d+, the root or an intermediate| that signed it)?'
                       r' with key identifier ([0-9a-f:]+)', rest)
        kid = kid.group(1).replace(":", "") if kid else None
        # a key identifier is looked for in the candidate's SKI, when it has one
        # (OpenSSL compares AKI with SKI only; older case files say "has_ski")
        pick = [i for i, c in enumerate(certs) if canon(c["cn"]) == cn and
                (kid is None or not c.get("ski", c.get("has_ski", True)) or c["keyid"] == kid)]
        # "The trust store holds ...: upload the root CA certificate ... as well" (2)
        main_root = m.group(2) and re.match(r'(?: with key identifier [0-9a-f:]+)? \(and any '
                                            r'intermediate in between\) as well', rest)
        dest = missing if m.group(1) else roots if main_root else others
        dest += [issuer_line(certs, i) for i in pick]
    # a certificate named by its SHA-256 (the self-signed leaf, a sent CA),
    # alone or, when the advice says so, "and its issuers"
    for m in re.finditer(r'SHA-256 ' + FP + r'\)(?:: with it and its (\d+) issuers? that the '
                         r'server sent)?', advice):
        i = by_fp.get(m.group(1).replace(":", ""))
        if i is not None:
            others.append(issuer_line(certs, i, int(m.group(2) or 0)))
    plain = lambda lines: [Change((), tuple(l), False) for l in lines]  # noqa: E731
    if first is not None:
        # that certificate too, and first when the advice says so, with the
        # upload the first sentence names (the missing CA or the root)
        return [[Change((), (first,) + tuple(l), first_ordered) for l in missing + roots]]
    if invalid is not None:
        drop = (invalid.group(1).replace(":", ""),)
        if invalid.group(2):    # remove the store's copy, or upload the server's valid one
            copy = by_fp.get(invalid.group(2).replace(":", ""))
            if copy is None:
                return []
            return [[Change(drop, tuple(l), False) for l in roots],
                    [Change((), (copy,) + tuple(l), False) for l in roots]]
        # remove it and upload a valid copy of it: its name, the key identifier
        # the advice gives (else its key: "renewed"), other bytes
        bad = next((c for c in certs if cert_fp(c) == drop[0]), None)
        kid = invalid.group(3).replace(":", "") if invalid.group(3) else bad and bad["keyid"]
        copies = [i for i, c in enumerate(certs) if bad and cert_fp(c) != drop[0] and
                  canon(c["cn"]) == canon(bad["cn"]) and c["keyid"] == kid]
        return [[Change(drop, (i,) + tuple(l), False) for i in copies for l in roots]]
    choices = plain(missing + roots + others)
    return [choices] if choices else []


def der_of_pem(block):
    return base64.b64decode("".join(block.strip().splitlines()[1:-1]))


def with_store(case, extra_ders, tag, drop=()):
    """A copy of the case whose store lacks the certificates with the
    SHA-256s in `drop` and also holds extra_ders, appended in order."""
    path = case.store[:-4] + "-" + tag + ".pem"
    with open(case.store) as f:
        kept = [p for p in PEM_RE.findall(f.read())
                if hashlib.sha256(der_of_pem(p)).hexdigest() not in drop]
    with open(path, "w") as g:
        g.write("".join(kept))
        g.write("".join(xb.pem(d) for d in extra_ders))
    return case._replace(store=path)


def advice_test(cases, keys, ours, theirs, profile, chaincheck):
    """Returns (n_fixable, failures: [(case, name, what)])."""
    todo = []
    for (ci, purpose, name), o, t in zip(keys, ours, theirs):
        uni = os.path.join(os.path.dirname(cases[ci].leaf), "universe.json")
        if purpose == "ssl_server" and o == t and t[0] in ADVICE_CODES and os.path.exists(uni):
            with open(uni) as f:
                todo.append((ci, name, json.load(f)))
    if not todo:
        return 0, []
    argv, env = ossl111.oracle_command("1.1.1" if profile == "expressway" else "3")

    def oracle_lines(cs, names):
        return ["\t".join(["verify", "ssl_server", str(c.at), c.store, c.chain, c.leaf,
                           n if n and not ip_literal(n) else "", n if n and ip_literal(n) else ""])
                for c, n in zip(cs, names)]

    def ours_lines(cs, names):
        return ["\t".join([profile, "ssl_server", str(c.at), c.store, c.chain, c.leaf, n or ""])
                for c, n in zip(cs, names)]

    names = [n for _, n, _ in todo]
    # 1. which of them does a store change fix at all?
    true_fixed = [with_store(cases[ci], [base64.b64decode(u["certs"][i]["der"]) for i in u["fix"]],
                             "truefix") for ci, _, u in todo]
    ok = run_batch(argv, env, oracle_lines(true_fixed, names))
    todo = [(x, n) for x, n, r in zip(todo, names, ok) if r == (0, -1)]
    if not todo:
        return 0, []
    names = [n for _, n in todo]
    # 2. tlsscope's advice on the original, applied
    adv = subprocess.run([chaincheck, "--batch", "--advice"], capture_output=True, text=True,
                         input="".join(l + "\n" for l in ours_lines([cases[ci] for (ci, _, _), _ in todo],
                                                                     names))).stdout.splitlines()
    failures, fixed, idx = [], [], []
    for k, (((ci, _, u), n), line) in enumerate(zip(todo, adv)):
        advice = line.partition("\t")[2]
        groups = advised_changes(advice, u)
        if not groups or not all(groups):
            failures.append((cases[ci], n, "the advice names no certificate of the scenario: "
                             + advice[:300]))
            continue
        ders = lambda idxs: [base64.b64decode(u["certs"][i]["der"]) for i in idxs]  # noqa: E731
        for g, group in enumerate(groups):
            for j, ch in enumerate(group):
                fixed.append(with_store(cases[ci], ders(ch.add), "advised%d-%d" % (g, j), ch.drop))
                idx.append((k, g, j, False, advice, cases[ci]))
                if ch.ordered:  # the other order, which the advice says does not work
                    fixed.append(with_store(cases[ci], ders(ch.add[::-1]),
                                            "reversed%d-%d" % (g, j), ch.drop))
                    idx.append((k, g, j, True, advice, cases[ci]))
    if fixed:
        fnames = [names[k] for k, *_ in idx]
        o_ok = run_batch(argv, env, oracle_lines(fixed, fnames))
        t_ok = run_batch([chaincheck, "--batch"], None, ours_lines(fixed, fnames))
        # every group needs one change that both trust; the reverse of an
        # ordered change that works must not be trusted by OpenSSL
        best, reversed_ok, advice_of = {}, {}, {}
        for (k, g, j, rev, advice, c), a, b in zip(idx, o_ok, t_ok):
            advice_of[k] = (c, advice)
            if rev:
                reversed_ok[(k, g, j)] = a == (0, -1)
            elif (k, g) not in best or best[(k, g)][1:] != ((0, -1), (0, -1)):
                best[(k, g)] = (j, a, b)
        bad_k = set()
        for (k, g), (j, a, b) in sorted(best.items()):
            c, advice = advice_of[k]
            if k in bad_k:
                continue
            if a != (0, -1) or b != (0, -1):
                failures.append((c, names[k], "after the advised change%s OpenSSL says %d@%d, "
                                 "tlsscope %d@%d; advice: %s"
                                 % ((" (alternative %d)" % (g + 1)) if len(set(
                                     gg for kk, gg in best if kk == k)) > 1 else "",
                                    *a, *b, advice[:300])))
                bad_k.add(k)
            elif reversed_ok.get((k, g, j)):
                failures.append((c, names[k], "the advice says the order of the uploads "
                                 "matters, but OpenSSL trusts the other order too: "
                                 + advice[:300]))
                bad_k.add(k)
            elif NOTE_CONTRADICTS.search(advice):
                failures.append((c, names[k], "the advice says the upload would not help, but "
                                 "OpenSSL trusts it after the upload: " + advice[:300]))
                bad_k.add(k)
    return len(todo), failures


# OpenSSL 3.0 renumbered one code: X509_V_ERR_INVALID_CA is 24 in 1.1.1 and
# 79 in 3.0 (24 became X509_V_ERR_NO_ISSUER_PUBLIC_KEY), same condition and
# text, "invalid CA certificate". tlsscope reports 1.1.1's numbers in both
# profiles, so 3.0's 79 is read as 24 — a renaming of one code, applied to
# every answer, not an exception for some scenarios.
OPENSSL3_RENUMBERED = {79: 24}


def main():
    global _POOL
    ap = argparse.ArgumentParser()
    ap.add_argument("--chaincheck", required=True)
    ap.add_argument("--profile", choices=["expressway", "rfc"], required=True)
    ap.add_argument("--seed", action="append", help="an integer, or 'run' for a new one")
    ap.add_argument("--count", type=int,
                    default=int(os.environ.get("TLSSCOPE_DIFF_COUNT", "1000")))
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 2))
    ap.add_argument("--only", type=int, help="only this scenario index (replay)")
    ap.add_argument("--keep", help="keep scenario files in this directory")
    ap.add_argument("--save-cases", help="write each disagreement as a regression case here")
    ap.add_argument("--crosscheck", type=int, default=0,
                    help="rfc: also run `openssl verify` on this many scenarios")
    ap.add_argument("--report", help="write the disagreements as TSV to this file")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()

    seeds = []
    for s in args.seed or ["1"]:
        seeds.append(random.SystemRandom().randrange(1, 2**31) if s == "run" else int(s))
    print("gen-chains: profile %s, seeds %s, %d scenarios per seed, %s signing"
          % (args.profile, " ".join(map(str, seeds)), 1 if args.only is not None else args.count,
             "in-process" if xb.HAVE_PYCA else "openssl CLI"), flush=True)
    try:
        with ossl111.Oracle("1.1.1" if args.profile == "expressway" else "3") as o:
            print("gen-chains: oracle %s" % o.version, flush=True)
    except ossl111.OracleMissing as e:
        print("gen-chains: %s" % e)
        return 2

    # thousands of small files: in memory when the machine offers it
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    tmp = args.keep or tempfile.mkdtemp(prefix="tlsscope-diff-", dir=shm)
    os.makedirs(tmp, exist_ok=True)
    try:
        cases = [load_case_file(p, tmp) for p in sorted(glob.glob(os.path.join(CASES_DIR, "*.case")))]
        n_regress = len(cases)
        t0 = time.time()
        _POOL = make_pool(tmp, args.jobs)
        t1 = time.time()
        idxs = [args.only] if args.only is not None else range(args.count)
        jobs = [(s, i, tmp) for s in seeds for i in idxs]
        with multiprocessing.get_context("fork").Pool(args.jobs) as p:
            cases += p.map(generate, jobs, chunksize=16)

        t2 = time.time()
        keys, ours, theirs = judge_all(cases, args.profile, args.chaincheck)
        t3 = time.time()
        if args.profile == "rfc":
            theirs = [(OPENSSL3_RENUMBERED.get(c, c), d) for c, d in theirs]

        bad = []
        outcomes = collections.Counter()
        per_cat = collections.Counter()
        for (ci, purpose, name), o, t in zip(keys, ours, theirs):
            outcomes[t] += 1
            c = cases[ci]
            cat = next((x[4:] for x in c.tags if x.startswith("cat-")), "regression")
            per_cat[(cat, o == t)] += 1
            if o != t:
                bad.append((c, purpose, name, o, t))

        cross_bad = []
        if args.crosscheck and args.profile == "rfc":
            # the batch oracle must be `openssl verify` itself
            for (ci, purpose, name), t in list(zip(keys, theirs))[:args.crosscheck]:
                cli = openssl_cli(cases[ci], purpose, name)
                cli = (OPENSSL3_RENUMBERED.get(cli[0], cli[0]), cli[1]) if cli else None
                if cli != t:
                    cross_bad.append((cases[ci], purpose, name, t, cli))

        n_fixable, advice_bad = advice_test(cases, keys, ours, theirs, args.profile,
                                            args.chaincheck)

        n = len(keys)
        print("differential %s: %d regression cases + %d scenarios, %d judgements "
              "(ssl_server and ssl_client), %d equal, %d differ"
              % (args.profile, n_regress, len(cases) - n_regress, n, n - len(bad), len(bad)))
        print("time: keys %.1fs, scenarios %.1fs, judging %.1fs" % (t1 - t0, t2 - t1, t3 - t2))
        print("not judged (a signature mbedTLS cannot check), compared by the verdict if it is "
              "good: %d" % sum(1 for o in ours if getattr(o, "unchecked", False)))
        cats = sorted({c for c, _ in per_cat})
        print("by category: " + ", ".join("%s %d/%d" % (c, per_cat[(c, True)],
                                                        per_cat[(c, True)] + per_cat[(c, False)])
                                          for c in cats))
        print("oracle outcomes: " + ", ".join(
            "%s:%d" % ("ok" if k == (0, -1) else "%d@%d" % k, v) for k, v in sorted(outcomes.items())))
        print("advice: %d failing chains (2/18/19/20) that a store change fixes; tlsscope's "
              "advised change makes both trust %d" % (n_fixable, n_fixable - len(advice_bad)))
        if args.crosscheck:
            print("crosscheck: %d judgements also by `openssl verify`, %d differ"
                  % (min(args.crosscheck, n), len(cross_bad)))
        me = os.path.abspath(__file__)
        for c, purpose, name, o, t in bad:
            print("DISAGREE %s purpose=%s name=%s at=%d: tlsscope %d@%d, OpenSSL %s %d@%d"
                  % (c.label, purpose, name, c.at, o[0], o[1],
                     "1.1.1" if args.profile == "expressway" else "3.0", t[0], t[1]))
            print("  tags: " + " ".join(c.tags))
            m = re.match(r"seed (\d+) #(\d+)", c.label)
            if m:
                print("  replay: %s --chaincheck %s --profile %s --seed %s --only %s --keep DIR -v"
                      % (me, shlex.quote(args.chaincheck), args.profile, m.group(1), m.group(2)))
            if args.v:
                print("  files: %s" % os.path.dirname(c.leaf))
            if args.save_cases and m:
                why = "found as %s, %s profile, %s: tlsscope said %d@%d, OpenSSL %s %d@%d" % (
                    c.label, args.profile, purpose, o[0], o[1],
                    "1.1.1" if args.profile == "expressway" else "3.0", t[0], t[1])
                print("  saved: " + save_case_file(c, args.save_cases, why))
        if args.report:
            with open(args.report, "w") as f:
                f.write("#case\tpurpose\tname\ttlsscope\topenssl\tcategory\ttags\n")
                for c, purpose, name, o, t in bad:
                    cat = next((x[4:] for x in c.tags if x.startswith("cat-")), "regression")
                    f.write("%s\t%s\t%s\t%d@%d\t%d@%d\t%s\t%s\n" % (c.label, purpose, name, o[0], o[1],
                                                                t[0], t[1], cat, " ".join(c.tags)))
        for c, purpose, name, t, cli in cross_bad:
            print("ORACLE MISMATCH %s purpose=%s name=%s: shim %s, openssl verify %s"
                  % (c.label, purpose, name, t, cli))
        for c, name, what in advice_bad:
            print("ADVICE %s name=%s: %s" % (c.label, name, what))
            print("  tags: " + " ".join(c.tags))
            if args.save_cases and c.label.startswith("seed "):
                print("  saved: " + save_case_file(c, args.save_cases, "found as %s, %s profile: "
                                                   "advice test: %s" % (c.label, args.profile,
                                                                        what[:200])))
        if bad or cross_bad or advice_bad:
            print("seeds of this run: %s" % " ".join(map(str, seeds)))
        return 1 if bad or cross_bad or advice_bad else 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
