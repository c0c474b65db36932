#!/usr/bin/env python3
"""Independent checker for German receipt QR codes (DSFinV-K "V0", de-tse.md section 7).

Reads QR payloads, one per line, from the files named on the command line or from stdin, and
for each line rebuilds the FinishTransaction DTBS from the QR fields alone (de-tse.md 7.3, 4.1):

    02 01 02 | 06 09 04007f0007030701 01 | 80 'FinishTransaction' | 81 field 2 | 82 field 4
    | 83 field 3 | 85 field 5 | 04 SHA-256(field 12) | AlgorithmIdentifier(field 9)
    | 02 field 6 | 02 field 8 as Unix seconds

(no [4], no [6]), then verifies field 11 (plain r||s) with the point of field 12: a 97-byte
point on brainpoolP384r1 and then on NIST P-384, a 65-byte point on P-256 (de-tse.md 2.1).

It shares no code with the Rust implementation. Output: one line per input line, "OK <n>: ..."
or "FAIL <n>: <reason>". Exit status 0 if every line is OK, 1 if any fails, 2 if nothing was read.
Needs the PyPI package `cryptography` (tools/de/requirements.txt).
"""

import base64
import binascii
import datetime
import hashlib
import re
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

# de-tse.md 2.1: name -> (complete AlgorithmIdentifier TLV, hash)
ALGORITHMS = {
    "ecdsa-plain-SHA384": (bytes.fromhex("300c060a04007f00070101040104"), hashes.SHA384),
    "ecdsa-plain-SHA256": (bytes.fromhex("300c060a04007f00070101040103"), hashes.SHA256),
}
# de-tse.md 2.1: curves tried for a raw point of this length, in order
CURVES = {
    97: [("brainpoolP384r1", ec.BrainpoolP384R1), ("P-384", ec.SECP384R1)],
    65: [("P-256", ec.SECP256R1)],
}
TRANSACTION_LOG = bytes.fromhex("060904007f000703070101")  # certifiedDataType 0.4.0.127.0.7.3.7.1.1
PRINTABLE = re.compile(r"[A-Za-z0-9 '()+,\-./:=?]*")
DECIMAL = re.compile(r"[1-9][0-9]*")
QR_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.000Z")


class Invalid(Exception):
    """The QR code is malformed or its signature does not verify."""


def tlv(tag, content):
    """DER tag-length-value with the minimal definite length."""
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        body = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(body)]) + body
    return bytes([tag]) + length + content


def integer(value):
    """Content octets of a non-negative INTEGER, minimal two's complement."""
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


def decimal(text, what):
    if not DECIMAL.fullmatch(text):
        raise Invalid(f"{what} is not a positive decimal: {text!r}")
    return int(text)


def unix_seconds(text, what):
    """YYYY-MM-DDThh:mm:ss.000Z (de-tse.md 7.2) -> Unix seconds."""
    if not QR_TIME.fullmatch(text):
        raise Invalid(f"{what} is not YYYY-MM-DDThh:mm:ss.000Z: {text!r}")
    try:
        t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.000Z")
    except ValueError as e:
        raise Invalid(f"{what} is not a real time: {e}") from None
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp())


def base64_bytes(text, what):
    """Standard Base64 with padding, canonical (re-encoding gives the same text)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{what} is not Base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise Invalid(f"{what} is not canonical Base64")
    return raw


def printable(text, what):
    if not PRINTABLE.fullmatch(text):
        raise Invalid(f"{what} is not a PrintableString")
    return text.encode("ascii")


def parse(line):
    """The 12 fields, split on ';' only (processData may hold spaces, '/' and ':')."""
    fields = line.split(";")
    if len(fields) != 12:
        raise Invalid(f"{len(fields)} fields instead of 12")
    if fields[0] != "V0":
        raise Invalid("field 1 is not V0")
    if fields[9] != "unixTime":
        raise Invalid(f"log time format {fields[9]!r} is not unixTime")
    if fields[8] not in ALGORITHMS:
        raise Invalid(f"unsupported signature algorithm {fields[8]!r}")
    return fields


def finish_dtbs(fields):
    """The FinishTransaction data to be signed, rebuilt from the QR fields (de-tse.md 7.3)."""
    client = printable(fields[1], "client id (field 2)")
    if not client:
        raise Invalid("client id (field 2) is empty")
    process_type = printable(fields[2], "processType (field 3)")
    process_data = fields[3].encode("utf-8")
    transaction = decimal(fields[4], "transaction number (field 5)")
    counter = decimal(fields[5], "signature counter (field 6)")
    log_time = unix_seconds(fields[7], "finish time (field 8)")
    point = base64_bytes(fields[11], "public key (field 12)")
    algorithm_identifier, _ = ALGORITHMS[fields[8]]
    return b"".join([
        tlv(0x02, integer(2)),
        TRANSACTION_LOG,
        tlv(0x80, b"FinishTransaction"),
        tlv(0x81, client),
        tlv(0x82, process_data),
        tlv(0x83, process_type),
        tlv(0x85, integer(transaction)),
        tlv(0x04, hashlib.sha256(point).digest()),
        algorithm_identifier,
        tlv(0x02, integer(counter)),
        tlv(0x02, integer(log_time)),
    ])


def check(line):
    """Returns a short description of a valid QR code; raises Invalid otherwise."""
    fields = parse(line)
    start = unix_seconds(fields[6], "start time (field 7)")
    if start > unix_seconds(fields[7], "finish time (field 8)"):
        raise Invalid("start time (field 7) is after the finish time (field 8)")
    dtbs = finish_dtbs(fields)
    signature = base64_bytes(fields[10], "signature (field 11)")
    point = base64_bytes(fields[11], "public key (field 12)")
    if len(point) not in CURVES or point[0] != 0x04:
        raise Invalid(f"public key is not an uncompressed 65- or 97-byte point ({len(point)} bytes)")
    half = (len(point) - 1) // 2
    if len(signature) != 2 * half:
        raise Invalid(f"signature has {len(signature)} bytes, expected {2 * half}")
    der_signature = encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    _, hash_class = ALGORITHMS[fields[8]]
    on_a_curve = False
    for name, curve in CURVES[len(point)]:
        try:
            key = ec.EllipticCurvePublicKey.from_encoded_point(curve(), point)
        except ValueError:
            continue
        on_a_curve = True
        try:
            key.verify(der_signature, dtbs, ec.ECDSA(hash_class()))
        except InvalidSignature:
            continue
        return f"client {fields[1]}, transaction {fields[4]}, counter {fields[5]}, {name}"
    raise Invalid("signature does not verify" if on_a_curve else "public key is not on a supported curve")


def lines_of(paths):
    sources = paths or ["-"]
    for path in sources:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
        for number, raw in enumerate(data.split(b"\n"), start=1):
            raw = raw.rstrip(b"\r")
            if raw:
                yield f"{'' if len(sources) == 1 else path + ':'}{number}", raw


def main(argv):
    seen = failed = 0
    try:
        inputs = list(lines_of(argv[1:]))
    except OSError as e:
        print(f"cannot read input: {e}", file=sys.stderr)
        return 2
    for where, raw in inputs:
        seen += 1
        try:
            print(f"OK {where}: {check(raw.decode('utf-8'))}")
        except UnicodeDecodeError:
            failed += 1
            print(f"FAIL {where}: not UTF-8")
        except Invalid as e:
            failed += 1
            print(f"FAIL {where}: {e}")
    if seen == 0:
        print("no QR codes read", file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
