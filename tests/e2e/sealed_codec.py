"""An independent codec for the sealed cookie format (docs/cookie-formats.md),
written from the document with python3-cryptography, to check the module's
cookies from outside.

    value = "S1." base64url-nopad(blob)
    blob  = version(1) kid(4) issued(8) seen(8) expires(8) nonce(12)
            ciphertext(n) tag(16)
    AAD   = blob[0:41]; AES-256-GCM under HKDF-SHA256(secret, salt, info)

    decode(keys, value, now=None) -> (plaintext bytes, times dict)
    encode(key, plaintext, issued, seen, expires, nonce=None) -> value
"""

import base64
import os
import struct
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "S1."
VERSION = 1
SALT = b"mod_marten_session sealed v1"
INFO_ENC = b"aes-256-gcm cookie key"
INFO_KID = b"key id"
HEADER = struct.Struct(">B4sQQQ12s")   # 41 bytes, the AAD


class SealedError(ValueError):
    pass


def _b(key):
    return key.encode("utf-8") if isinstance(key, str) else key


def _hkdf(secret, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=SALT,
                info=info).derive(_b(secret))


def enc_key(secret):
    return _hkdf(secret, INFO_ENC, 32)


def key_id(secret):
    return _hkdf(secret, INFO_KID, 4)


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if len(text) % 4 == 1 or any(c not in
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
                                 "mnopqrstuvwxyz0123456789-_" for c in text):
        raise SealedError("bad base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise SealedError("non-canonical base64url")
    return data


def encode(key, plaintext, issued, seen, expires, nonce=None):
    if isinstance(plaintext, str):
        plaintext = plaintext.encode("utf-8")
    nonce = nonce if nonce is not None else os.urandom(12)
    header = HEADER.pack(VERSION, key_id(key), int(issued), int(seen),
                         int(expires), nonce)
    sealed = AESGCM(enc_key(key)).encrypt(nonce, plaintext, header)
    return PREFIX + b64url_encode(header + sealed)


def parse(value):
    """The header fields, without checking anything cryptographic."""
    if not value.startswith(PREFIX):
        raise SealedError("not sealed")
    blob = b64url_decode(value[len(PREFIX):])
    if len(blob) < HEADER.size + 16:
        raise SealedError("too short")
    version, kid, issued, seen, expires, nonce = HEADER.unpack_from(blob)
    return dict(version=version, kid=kid, issued=issued, seen=seen,
                expires=expires, nonce=nonce), blob


def decode(keys, value, now=None):
    """(plaintext, times) for value, trying the key(s) whose id matches."""
    if isinstance(keys, (str, bytes)):
        keys = [keys]
    fields, blob = parse(value)
    if fields["version"] != VERSION:
        raise SealedError("version")
    header = blob[:HEADER.size]
    for key in keys:
        if key_id(key) != fields["kid"]:
            continue
        try:
            plain = AESGCM(enc_key(key)).decrypt(fields["nonce"],
                                                 blob[HEADER.size:], header)
        except Exception:
            raise SealedError("authentication failed")
        if now is None:
            now = time.time()
        if fields["expires"] <= now:
            raise SealedError("expired")
        return plain, dict(issued=fields["issued"], seen=fields["seen"],
                           expires=fields["expires"])
    raise SealedError("unknown key id")


def encoded_length(plaintext_len):
    n = HEADER.size + plaintext_len + 16
    return len(PREFIX) + (n // 3) * 4 + ((n % 3) + 1 if n % 3 else 0)
