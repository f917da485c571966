# SPDX-License-Identifier: Apache-2.0
"""Store tampering and TLS: a modified file and a symlinked store path are caught; HTTPS
needs the mirror's CA, and a redirect from HTTPS to plain HTTP is refused."""
import os
import shutil
import stat
import tempfile

from common import FIG, WORK, Mirror, cudapkgs, fresh_store, tree_bytes, verify

import mirror_server


def first_file(path):
    for dirpath, _, files in sorted(os.walk(path)):
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            if os.path.isfile(p) and not os.path.islink(p):
                return p
    return None


def run_tamper(mirror):
    FIG.begin("store tampering")
    store = fresh_store()
    code, out, err = mirror.build(store)
    FIG.check(code == 0, f"build for tampering exited {code}: {err}")
    paths = sorted(out.split())
    victim_path = next(p for p in paths if "-cuda_cudart-" in p and p.endswith("-lib"))
    victim = first_file(victim_path)
    mode = os.stat(victim).st_mode
    os.chmod(victim, mode | stat.S_IWUSR)
    with open(victim, "r+b") as f:
        f.seek(os.path.getsize(victim) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    os.chmod(victim, mode)
    FIG.add("faults injected")
    vcode, report, verr = verify(store)
    named = report is not None and any(p["path"] == victim_path for p in report["problems"])
    FIG.add("faults survived", FIG.check(vcode == 5 and named, f"modified {victim}: verify exit {vcode}, report {report} {verr}"))
    print(f"   flipped a byte of {os.path.relpath(victim, store)}: verify exit {vcode}, names the path: {named}")
    # Replace another path by a symlink to an identical copy outside the store.
    target_path = next(p for p in paths if "-cuda_cccl-" in p)
    outside = os.path.join(tempfile.mkdtemp(prefix="outside-", dir=WORK), "copy")
    shutil.copytree(target_path, outside, symlinks=True)
    before = tree_bytes(outside)
    os.chmod(store, 0o755)
    shutil.rmtree(target_path, onerror=lambda f, p, e: (os.chmod(os.path.dirname(p), 0o755), f(p)))
    os.symlink(outside, target_path)
    FIG.add("faults injected")
    vcode, report, verr = verify(store)
    flagged = report is not None and any(p["path"] == target_path and "symlink" in p["message"]
                                         for p in report["problems"])
    ok = FIG.check(vcode == 5 and flagged, f"symlinked path: verify exit {vcode}, report {report} {verr}")
    code, _, err = mirror.build(store)
    first = next((line for line in err.splitlines() if line.startswith("cudapkgs: error")), "")
    print(f"   {os.path.basename(target_path)} -> outside: verify exit {vcode} (flagged: {flagged}); "
          f"build exit {code}: {first[:120]}", flush=True)
    refused = code == 5 and "symlink" in err
    repaired = code == 0 and not os.path.islink(target_path) and verify(store)[0] == 0
    ok &= FIG.check(refused or repaired, f"build over a symlinked store path: exit {code}: {err}")
    ok &= FIG.check(tree_bytes(outside) == before, "the build wrote through the symlink to outside the store")
    FIG.add("faults survived", ok)
    FIG.end(f"modified file: verify {vcode}; symlinked path: build {'refused (exit 5)' if refused else 'repaired' if repaired else code}")


def run_tls():
    FIG.begin("TLS")
    certs = tempfile.mkdtemp(prefix="certs-", dir=WORK)
    try:
        cert, key = mirror_server.make_self_signed_cert(certs)
    except (RuntimeError, OSError) as e:
        FIG.sections.pop("TLS")
        FIG.skip("TLS", f"cannot make a certificate: {e}")
        return
    https = Mirror(cert, key)
    plain, plain_port = mirror_server.start(https.root)
    try:
        code, _, err = https.build(fresh_store())
        FIG.add("faults injected")
        ok = FIG.check(code == 4, f"self-signed HTTPS without --cacert: exit {code}, expected 4: {err}")
        code2, _, err2 = cudapkgs("--cacert", cert, "--manifests", https.manifests, "--mirror", https.url, "--store", fresh_store(),
                                  "build", "--no-link", "cudaPackages_13_0.cuda_crt")
        FIG.check(code2 == 0, f"HTTPS with --cacert: exit {code2}: {err2}")
        import ssl
        ctx = ssl.create_default_context(cafile=cert)
        rel = https.archives()["cuda_cudart"][0]
        https.post("/__faults", {"reset": True}, context=ctx)
        https.post("/__faults", {f"/cuda/redist/{rel}": {"mode": "redirect",
                                 "location": f"http://127.0.0.1:{plain_port}/cuda/redist/{rel}"}}, context=ctx)
        code3, _, err3 = cudapkgs("--cacert", cert, "--manifests", https.manifests, "--mirror", https.url,
                                  "--store", fresh_store(), "build", "--no-link", "cudaPackages_13_0.cuda_cudart")
        FIG.add("faults injected")
        ok2 = FIG.check(code3 == 4, f"HTTPS -> HTTP redirect: exit {code3}, expected 4: {err3}")
        FIG.add("faults survived", int(ok) + int(ok2))
        print(f"   no CA: exit {code}; with --cacert: exit {code2}; https->http redirect: exit {code3}", flush=True)
    finally:
        plain.shutdown()
        plain.server_close()
        https.stop()
    FIG.end(f"no CA {code}, --cacert {code2}, https->http {code3}")
