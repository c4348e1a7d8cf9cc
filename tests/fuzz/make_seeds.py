#!/usr/bin/python3
"""Writes the hand-made seeds into tests/fuzz/corpus/<target>/ (run it
again after changing it; the files are committed). Files already there are
kept: the corpora also hold inputs the fuzzers found that add coverage
(`make fuzz-merge`). Seeds are small, valid or
nearly valid inputs of each format, so the fuzzers start deep: cookies for
the codec target are made with its key (FUZZ_KEY in fuzz_codec_marten.c)
by the e2e suite's independent Python codec.

    /usr/bin/python3 tests/fuzz/make_seeds.py
"""
import base64
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import marten_codec  # noqa: E402

FUZZ_KEY = "fuzzing-key-fuzzing-key-fuzzing-key-0123456789"
E2099 = 4070908800
IV = bytes(range(16))


def write(target, seeds):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for data in seeds:
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (target, len(seeds)))


def cookie_header():
    cookie = marten_codec.encode(FUZZ_KEY, {"user_id": "42"}, expires=E2099,
                                 iv=IV)
    return [
        "sessionid\nsessionid=abc",
        "sessionid\na=1; sessionid=abc; b=2",
        "sessionid\n  sessionid = abc ;",
        "sessionid\nsessionid=\"quoted value\"",
        "sessionid\nsessionid=\"",
        "sessionid\nsessionid= leading",
        "sessionid\nsessionid=first; sessionid=second",
        "sessionid\n;;;=;sessionid;sessionid=",
        "sessionid\n\tsessionid\t=\tv\t",
        "sid\nsessionid=x; sid=y",
        "a\na=b=c; a=d",
        "=\n==; =x",
        "\"q\"\n\"q\"=1",
        "sessionid\nsessionid=" + cookie,
        "sessionid=" + cookie + "; csrftoken=abc",
        "Lax", "strict", "None", "off", "example.org", "/path",
        "bad name\nbad name=1",
        # chunked cookies (MartenSessionCookieChunks): "<count>:" in chunk 0
        "sessionid\nsessionid=3:abc; sessionid_1=def; sessionid_2=ghi",
        "sessionid\nsessionid=0:x", "sessionid\nsessionid=99999999999:x",
        "sessionid\nsessionid=:x", "sessionid\nsessionid=2:",
    ]


def codec_marten():
    k = FUZZ_KEY
    seeds = []
    sessions = [{}, {"user_id": "42"}, {"a": "1", "b": "\u00e9\u20ac"},
                {"k": "v" * 300}, {"q": "\"\\/\b\f\n\r\t\x01"}]
    for s in sessions:
        c = marten_codec.encode(k, s, expires=E2099, iv=IV)
        seeds.append(b"\x00" + c.encode())
    # no-expiry form, expired form, other key
    seeds.append(b"\x00" + marten_codec.encode(
        k, {"old": "form"}, iv=IV, envelope=False).encode())
    seeds.append(b"\x00" + marten_codec.encode(
        k, {"x": "1"}, expires=1000000000, iv=IV).encode())
    seeds.append(b"\x00" + marten_codec.encode(
        "another-key-another-key-another-key-000", {"x": "1"},
        expires=E2099, iv=IV).encode())
    seeds.append(b"\x00--")
    seeds.append(b"\x00 \t\xc2\xa0")
    # mode 1: the signed DATA (envelope JSON, or bare hex)
    for s in sessions[:3]:
        c = marten_codec.encode(k, s, expires=E2099, iv=IV)
        data = base64.b64decode(c.split("--")[0])
        seeds.append(b"\x01" + data)
    c = marten_codec.encode(k, {"u": "1"}, iv=IV, envelope=False)
    seeds.append(b"\x01" + base64.b64decode(c.split("--")[0]))
    seeds.append(b'\x01{"_marten":{"value":"","expires":"2099-01-01T00:00:00Z"}}')
    seeds.append(b'\x01{"_marten":{"expires":"20990101T000000+01:00","value":"QQ=="},"x":[1,{"y":null}]}')
    seeds.append(b'\x01{"_marten":"x"}')
    # mode 2: the hex payload (ciphertext || IV)
    for s in sessions[:3]:
        c = marten_codec.encode(k, s, expires=E2099, iv=IV)
        env = json.loads(base64.b64decode(c.split("--")[0]))
        seeds.append(b"\x02" + base64.b64decode(env["_marten"]["value"]))
    seeds.append(b"\x02" + b"00" * 16)
    seeds.append(b"\x02" + b"AbCdEf" * 11)
    # mode 3: plaintexts for the round trip
    for p in [b"", b"{}", b'{"user_id":"42"}', b'{"a":"\\u00e9"}', b"x" * 33,
              b"\x00\xff"]:
        seeds.append(b"\x03" + p)
    return seeds


def be64(n):
    return n.to_bytes(8, "big", signed=n < 0)


def codec_sealed():
    now, e2099 = 1893456000, E2099
    nonce = bytes(range(12))
    seeds = [b"\x00S1.", b"\x00S1.AQ", b"\x00S1." + b"A" * 80,
             b"\x00S1." + b"_-" * 40, b"\x00S2.AAAA", b"\x00S1.AAA="]
    # mode 1: binary cookies of the right shape (the tag will not match)
    hdr = b"\x01" + b"\0\0\0\0" + be64(now) + be64(now) + be64(e2099) + nonce
    seeds += [b"\x01" + hdr + b"{}" + b"\0" * 16, b"\x01" + b"\x02" + hdr[1:]]
    # mode 2: fields sealed by the target (valid tag)
    for version, kidsel, times, plain in [
            (1, 0, (now - 10, now - 5, e2099), b'{"user_id":"42"}'),
            (1, 0, (now, now, now + 1), b"{}"),
            (1, 0, (now, now, now), b"{}"),               # expired
            (1, 0, (now, now - 1, e2099), b"{}"),         # seen < issued
            (1, 0, (-1, 0, 0), b""),
            (1, 0, (0, 0, 253402300799), b'{"a":"b"}'),
            (1, 0, (0, 0, 253402300800), b"{}"),          # after 9999
            (2, 0, (now, now, e2099), b"{}"),             # version
            (1, 1, (now, now, e2099), b"{}")]:            # another key id
        seeds.append(b"\x02" + bytes([version, kidsel]) + b"kid!" +
                     be64(times[0]) + be64(times[1]) + be64(times[2]) +
                     nonce + plain)
    # mode 3: times and a plaintext for the encoder
    for times, plain in [((now, now, e2099), b'{"k":"v"}'),
                         ((now, now + 1, now), b"{}"),
                         ((0, 0, 0), b""),
                         ((now, now, e2099), b"x" * 300)]:
        seeds.append(b"\x03" + be64(times[0]) + be64(times[1]) +
                     be64(times[2]) + plain)
    return seeds


def json_seeds():
    return [
        "{}", " { } ", '{"a":"b"}', '{"a":"1","b":"2","a":"3"}',
        '{"A":"1","a":"2"}',
        '{"e":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\ud83d\\ude00"}',
        '{"nul":"\\u0000"}', '{"lone":"\\ud800"}', '{"n":1}', '{"o":{}}',
        '{"x":[1,2.5e-3,true,false,null,"s",{"y":[]}]}', "[]", '"str"', "1",
        '{"a":"b"} x', '{"a":"b",}', '{"raw":"\xe9\xff"}',
        "{" * 40 + "}" * 40, "[" * 600 + "]" * 600,
        '{"k":"' + "v" * 500 + '"}', '{"\x01":"ctl"}',
        '{"\\u0000ms":"1893456000,1893456001","user_id":"42"}',
        '{"\\u0000ms":"x,y"}', '{"\\u0000ms":"1,2"}',
        '{"\\u0000ms":"1893456000,1893456001"}',
    ]


def writeback():
    return [
        "X-Marten-Session-Set: user_id=42",
        "X-Marten-Session-Set: a=1, b=%20two%2C, c=",
        "X-Marten-Session-Delete: a, b%2Cc",
        "X-Marten-Session-Flush: 1\nX-Marten-Session-Set: k=v",
        "X-Marten-Session-Cycle-Key: 1, 1",
        "X-Marten-Session-Expires-In: 3600",
        "X-Marten-Session-Expires-In: 0",
        "X-Marten-Session-Expires-In: 99999999999999999999",
        "X-Marten-Session-Expires-At-Browser-Close: 0",
        "x-marten-session-set:k=%e9%E9",
        "X-Marten-Session-Set: k=%00",
        "X-Marten-Session-Set: k=%4",
        "X-Marten-Session-Set: =v",
        "X-Marten-Session-Set: " + "k" * 257 + "=v",
        "X-Marten-Session-Set: k=" + "v" * 4097,
        "X-Marten-Session-Other: 1",
        "Content-Type: text/plain",
        "\x02a=1,b=2", "\x01k1,k2", "\x0012", "\x04" "60", "\x051",
        "\x06whatever",
    ]


def main():
    write("cookie_header", cookie_header())
    write("codec_marten", codec_marten())
    write("codec_sealed", codec_sealed())
    write("json", json_seeds())
    write("writeback", writeback())


if __name__ == "__main__":
    main()
