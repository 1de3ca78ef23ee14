#!/usr/bin/env python3
"""Warm-pool benchmark (issue 8): time from Create to the preview's first 200
carrying the new page's marker, with a warm pool; four creates at once;
ApplyFiles to the new content; memory per pooled and per running sandbox.

  warm_pool_bench.py SANDBOXD SANDBOXCTL [--creates 20] [--applies 20]
                     [--pool 4] [--v3 6] [--supersets 5] [--cache DIR]

Starts its own sandboxd (local provider, needs root and bubblewrap) on a
fresh data dir, waits for the pool to fill before each measured create (the
figure is the warm-pool latency, not the refill rate), and prints medians
and p95 in seconds. Each create is a different app (its own marker and
Tailwind colour) on Tailwind 4, the default stack, with a few on Tailwind 3.
Not a test: it prints figures and never fails on them.
"""
import argparse
import glob
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

V3_CSS = "@tailwind base;\n@tailwind components;\n@tailwind utilities;\n"
# The scaffold's default stack (and create-next-app's): Tailwind 4.
V4_CSS = '@import "tailwindcss";\n'
LAYOUT = ('import "./globals.css";\n'
          "export default function RootLayout({ children }: "
          "{ children: React.ReactNode }) {\n"
          '  return <html lang="en"><body>{children}</body></html>;\n}\n')
HUES = ["red", "orange", "amber", "lime", "emerald", "cyan", "sky", "indigo",
        "violet", "fuchsia", "rose", "teal"]


def page(marker, n):
    hue = HUES[n % len(HUES)]
    return ("export default function Page() {\n"
            f'  return <main className="bg-{hue}-600 p-8"><h1>{marker}</h1>'
            "</main>;\n}\n")


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name, values):
    if not values:
        return f"{name}: no samples"
    return (f"{name}: n={len(values)} p50={statistics.median(values):.2f}s "
            f"p95={pct(values, 95):.2f}s min={min(values):.2f}s "
            f"max={max(values):.2f}s")


class Sandboxd:
    def __init__(self, binary, ctl, pool, cache):
        self.ctl = ctl
        self.work = tempfile.mkdtemp(prefix="sandboxd-poolbench-")
        os.chmod(self.work, 0o755)
        os.makedirs(os.path.join(cache, "npm-cache"), exist_ok=True)
        os.chmod(cache, os.stat(cache).st_mode | 0o001)
        self.grpc, self.http = free_ports(2)
        self.err = open(os.path.join(self.work, "err.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "--provider=local", "--insecure_no_auth",
             f"--local_npm_cache={cache}/npm-cache", f"--warm_pool_size={pool}",
             "--preview_secure_cookie=false", "--log_rpcs=false",
             f"--grpc_addr=127.0.0.1:{self.grpc}",
             f"--http_addr=127.0.0.1:{self.http}",
             f"--data_dir={self.work}/data"],
            stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        if "LISTENING" not in line:
            raise SystemExit("sandboxd did not start: " + self.log())

    def log(self):
        with open(os.path.join(self.work, "err.log")) as f:
            return f.read()

    def slots_filled(self):
        return self.log().count("slot ready")

    def wait_filled(self, n, timeout=900):
        end = time.time() + timeout
        while time.time() < end:
            if self.slots_filled() >= n:
                return
            if "fill failed" in self.log():
                raise SystemExit("pool fill failed:\n" + self.log()[-2000:])
            time.sleep(0.2)
        raise SystemExit("the pool did not fill in time")

    def run_ctl(self, *args):
        out = subprocess.run(
            [self.ctl, "--server", f"127.0.0.1:{self.grpc}", *args],
            capture_output=True, text=True)
        return out.stdout

    # Create and Get go through the REST API (in-process HTTP, as a web
    # frontend calls it): a sandboxctl process per poll would load the
    # 2-core machine the bench measures.
    def rest(self, method, path, body=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.http}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            return json.loads(r.read())

    def create(self, files, mode="dev"):
        return self.rest("POST", "/api/sandbox/create", {
            "generatedCode": files,
            "mode": "MODE_PRODUCTION" if mode == "production" else "MODE_DEV"})

    def get(self, sandbox_id):
        return self.rest("GET", f"/api/sandbox/{sandbox_id}")

    def preview_until(self, sandbox_id, marker, start, timeout=300):
        """Seconds from `start` to the first 200 whose body has `marker`."""
        cookie = None
        end = time.time() + timeout
        while time.time() < end:
            if cookie is None:
                url = self.get(sandbox_id)["sandbox"].get("previewUrl", "")
                if "sandboxd_preview_token=" in url:
                    # *.localhost does not resolve here: connect to
                    # sandboxd and name the preview host in the header.
                    parts = urllib.parse.urlsplit(url)
                    signin = urllib.request.Request(
                        f"http://127.0.0.1:{self.http}{parts.path}?"
                        f"{parts.query}", headers={"Host": parts.netloc})
                    try:
                        urllib.request.build_opener(NoRedirect).open(signin)
                    except urllib.error.HTTPError as e:
                        if e.code == 303:
                            cookie = e.headers["Set-Cookie"].split(";")[0]
            if cookie is not None:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{self.http}/",
                    headers={"Host": f"{sandbox_id}.preview.localhost",
                             "Cookie": cookie})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        if r.status == 200 and marker in r.read().decode():
                            return time.time() - start
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.02)
        raise SystemExit(f"{sandbox_id} never served {marker}")

    def apply(self, sandbox_id, files):
        body = json.dumps({"files": files, "waitUntilApplied": True}).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.http}/api/sandbox/{sandbox_id}/files",
            data=body, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            return json.loads(r.read())

    def delete(self, sandbox_id):
        self.run_ctl("delete", sandbox_id)

    def pss_mb(self, cgroup_leaf_glob):
        """Sum of PSS over the processes of the cgroups matching the glob."""
        total = 0
        for procs in glob.glob(cgroup_leaf_glob + "/cgroup.procs"):
            for pid in open(procs).read().split():
                try:
                    text = open(f"/proc/{pid}/smaps_rollup").read()
                except OSError:
                    continue
                m = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
                total += int(m.group(1)) if m else 0
        return total / 1024

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        shutil.rmtree(self.work, ignore_errors=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def frontend(marker, n, css=V4_CSS):
    return {"page.tsx": page(marker, n), "layout.tsx": LAYOUT,
            "globals.css": css}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sandboxd")
    ap.add_argument("sandboxctl")
    ap.add_argument("--creates", type=int, default=20)
    ap.add_argument("--applies", type=int, default=20)
    ap.add_argument("--pool", type=int, default=4)
    ap.add_argument("--v3", type=int, default=6,
                    help="creates on Tailwind 3 (PostCSS; slower to compile)")
    ap.add_argument("--supersets", type=int, default=5,
                    help="creates that add a package the pool lacks")
    ap.add_argument("--cache", default=os.environ.get(
        "SANDBOXD_TEST_CACHE_DIR", os.path.abspath("test-cache")))
    args = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("bwrap"):
        print("SKIP: needs root and bubblewrap")
        return
    d = Sandboxd(args.sandboxd, args.sandboxctl, args.pool, args.cache)
    try:
        # The pool fills Tailwind 3 and 4 slots: 2 x pool in all.
        d.wait_filled(2 * args.pool)
        cgroup_root = glob.glob("/sys/fs/cgroup/pids/sandboxd-*")
        pooled = [d.pss_mb(f"{root}/pool-*") for root in cgroup_root]
        print(f"memory: {sum(pooled) / (2 * args.pool):.0f} MB PSS per pooled "
              f"sandbox (next dev on the template, idle)")

        filled = d.slots_filled()
        singles, ids = [], []
        for n in range(args.creates):
            marker = f"marker-bench-{n}-{os.getpid()}"
            start = time.time()
            created = d.create(frontend(marker, n))
            sid = created["sandboxId"]
            singles.append(d.preview_until(sid, marker, start))
            ids.append(sid)
            if not d.get(sid)["sandbox"].get("fromWarmPool"):
                print(f"warning: create {n} was not served by the pool")
            filled += 1
            d.wait_filled(filled)  # measure the warm path every time
            if len(ids) > 2:
                d.delete(ids.pop(0))
        print(summary("DEV create -> marker (warm pool, one at a time, "
                      "Tailwind 4: the default stack)", singles))

        v3 = []
        for n in range(args.v3):
            marker = f"marker-v3-{n}-{os.getpid()}"
            start = time.time()
            sid = d.create(frontend(marker, n, V3_CSS))["sandboxId"]
            v3.append(d.preview_until(sid, marker, start))
            filled += 1
            d.wait_filled(filled)
            d.delete(sid)
        print(summary("DEV create -> marker (warm pool, Tailwind 3)", v3))

        # A package the template lacks: added to the claimed sandbox.
        supersets = []
        for n in range(args.supersets):
            marker = f"marker-superset-{n}-{os.getpid()}"
            files = frontend(marker, n)
            files["package.json"] = '{"dependencies":{"ms":"2.1.3"}}'
            files["page.tsx"] = (
                'import ms from "ms";\nexport default function Page() {\n'
                f'  return <main><h1>{marker}</h1><p>{{ms(60000)}}</p></main>;'
                "\n}\n")
            start = time.time()
            sid = d.create(files)["sandboxId"]
            supersets.append(d.preview_until(sid, marker, start))
            if not d.get(sid)["sandbox"].get("fromWarmPool"):
                print(f"warning: superset create {n} was not served by the "
                      "pool")
            filled += 1
            d.wait_filled(filled)
            d.delete(sid)
        print(summary("DEV create adding a package (ms) -> marker",
                      supersets))

        keep = ids[-1]
        applies = []
        for n in range(args.applies):
            marker = f"marker-apply-{n}-{os.getpid()}"
            start = time.time()
            d.apply(keep, {"page.tsx": page(marker, n + 3)})
            applies.append(d.preview_until(keep, marker, start))
        print(summary("ApplyFiles -> new marker", applies))
        meta = open(f"{d.work}/data/local/sandboxes/{keep}/sandbox.meta").read()
        cgroup = re.search(r"^cgroup=(.*)$", meta, re.M).group(1)
        used = sum(d.pss_mb(f"{root}/{cgroup}") for root in cgroup_root)
        print(f"memory: {used:.0f} MB PSS for a running DEV sandbox after "
              f"{args.applies} applies")
        for sid in ids:
            d.delete(sid)

        concurrent = []
        for burst in range(2):
            d.wait_filled(filled)
            results = [None] * 4

            def one(i):
                marker = f"marker-burst-{burst}-{i}-{os.getpid()}"
                start = time.time()
                sid = d.create(frontend(marker, i))["sandboxId"]
                results[i] = (sid, d.preview_until(sid, marker, start))

            threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            concurrent += [r[1] for r in results]
            for sid, _ in results:
                d.delete(sid)
            filled += min(4, args.pool)
        print(summary("4 creates at once, each", concurrent))
    finally:
        d.close()


if __name__ == "__main__":
    sys.exit(main())
