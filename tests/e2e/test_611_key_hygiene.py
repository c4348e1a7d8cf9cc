from common import KEY, OLD_KEY

def test_probe(servers):
    h = servers(name="probe")
    p = h.write_file("conf/keys", KEY + "\n", mode=0o644)
    h.snippet = "MartenSessionSecretKeyFile %s\nMartenSessionSecretKey2 x\n" % p
    h.snippet = "MartenSessionSecretKeyFile %s\nMartenSession On\n" % p
    print(h.check_config())
    h.expect_log(".*", count=None)
    h.start()
    h.stop(check_log=False)
    print("ERRLOG", open(h.error_log).read())
    print("STDERR", open(h.stderr_path).read())
