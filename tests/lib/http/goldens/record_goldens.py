#!/usr/bin/env python3
"""Records the REST parity goldens (issue 6) with the real grpc-gateway.

    record_goldens.py ORACLE_TOOLS ORACLE_OUT SANDBOXD_FAKE [--ours] > rest_parity.json

ORACLE_TOOLS is ../shared/tools/gateway-oracle; ORACLE_OUT the directory its
build.sh wrote for proto/sandbox/v1/sandbox.proto; SANDBOXD_FAKE the
tests/integration/sandboxd_fake binary. Starts a fresh sandboxd_fake (flags
below, also written into the golden so rest_parity_test uses the same), the
gateway in front of its gRPC port, replays requests.txt one request at a time
through record.py's own fetch/summarize/as_v2 (i.e. `record.py --as-v2`),
and prints the normalised answers as JSON. With --ours the requests go to
sandboxd's own HTTP front instead (no as_v2), to diff by hand.

Normalisation (the same as rest_parity_test's): sandbox ids -> {SBXn} in
order of appearance, RFC 3339 timestamps -> <TIME>, durations such as
"1.5004s" -> <DURATION>, a non-empty nextPageToken (it encodes an id and a
time) -> <PAGE_TOKEN>, lastEventSequence -> <SEQ> (the build's last event
may land before or after the Create response), the admin token -> {TOKEN}.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

SANDBOXD_FLAGS = ["--fake_step_delay=1500ms", "--fake_log_lines=3",
                  "--log_rpcs=false"]
HERE = os.path.dirname(os.path.abspath(__file__))
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
DURATION_RE = re.compile(r"^-?\d+(\.\d+)?s$")
ID_RE = re.compile(r"sbx-[0-9a-f]{20}")
# Header metadata that grpc-go exposes (transport headers) and C++ does not.
TRANSPORT_METADATA = {"grpc-metadata-content-type",
                      "grpc-metadata-grpc-accept-encoding"}


def parse_requests(path):
    requests, headers, flags = [], [], []
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#!"):
            flags.append(line[2:].strip())
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("@"):
            headers.append(line[1:])
            continue
        requests.append({"line": line, "headers": headers, "flags": flags})
        headers, flags = [], []
    return requests


def substitute(text, ids, token):
    text = text.replace("{TOKEN}", token)
    for name, value in ids.items():
        text = text.replace("{%s}" % name, value)
    return text


def collect_ids(value, ids):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "sandboxId" and isinstance(v, str) and v and v not in ids.values():
                ids["SBX%d" % (len(ids) + 1)] = v
            collect_ids(v, ids)
    elif isinstance(value, list):
        for v in value:
            collect_ids(v, ids)


def normalise(value, ids, key=None):
    if isinstance(value, dict):
        return {k: normalise(v, ids, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, ids) for v in value]
    if isinstance(value, str):
        if key == "lastEventSequence":
            return "<SEQ>"
        if key == "nextPageToken" and value:
            return "<PAGE_TOKEN>"
        if TIME_RE.match(value):
            return "<TIME>"
        if DURATION_RE.match(value):
            return "<DURATION>"
        for name, real in ids.items():
            value = value.replace(real, "{%s}" % name)
        return value
    return value


def start_sandboxd(binary, data_dir):
    proc = subprocess.Popen(
        [binary, "--grpc_addr=127.0.0.1:0", "--http_addr=127.0.0.1:0",
         "--data_dir=" + data_dir] + SANDBOXD_FLAGS,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    token = None
    for line in proc.stdout:
        m = re.search(r"Bearer ([A-Za-z0-9._-]+)'", line)
        if m and token is None:
            token = m.group(1)
        m = re.match(r"LISTENING grpc=(\d+) http=(\d+)", line)
        if m:
            return proc, token, int(m.group(1)), int(m.group(2))
    raise SystemExit("sandboxd_fake did not start")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    ours = "--ours" in sys.argv
    if len(args) != 3:
        raise SystemExit(__doc__)
    tools, oracle_out, binary = args
    sys.path.insert(0, tools)
    import record  # the oracle's recorder: fetch, summarize, as_v2

    data_dir = tempfile.mkdtemp(prefix="rest-goldens-")
    sandboxd, token, grpc_port, http_port = start_sandboxd(binary, data_dir)
    gateway = None
    try:
        if ours:
            base = "http://127.0.0.1:%d" % http_port
        else:
            out = subprocess.run(
                [os.path.join(tools, "run.sh"), "--bg", oracle_out,
                 "-listen", "127.0.0.1:0",
                 "-backend", "127.0.0.1:%d" % grpc_port],
                check=True, capture_output=True, text=True).stdout.split()
            gateway, base = int(out[0]), out[1]
        ids, entries = {}, []
        for request in parse_requests(os.path.join(HERE, "requests.txt")):
            parts = substitute(request["line"], ids, token).split(" ", 2)
            headers = [substitute(h, ids, token) for h in request["headers"]]
            r, err = record.fetch(base, parts[0], parts[1],
                                  parts[2] if len(parts) > 2 else None, headers)
            if err:
                raise SystemExit("%s: %s" % (request["line"], err))
            s = record.summarize(r)
            if not ours:
                s = record.as_v2(s)
            for v in [s.get("body")] + s.get("frames", []):
                collect_ids(v, ids)
            entry = {
                "request": request["line"],
                "headers": request["headers"],
                "flags": request["flags"],
                "status": int(s["status"]),
                "content_type": s["content-type"],
                "chunked": s["chunked"],
                "metadata": [m for m in s["metadata"]
                             if m not in TRANSPORT_METADATA],
            }
            if "frames" in s:
                entry["frames"] = normalise(s["frames"], ids)
            else:
                entry["body"] = normalise(s["body"], ids)
            entries.append(entry)
        json.dump({"sandboxd_flags": SANDBOXD_FLAGS, "entries": entries},
                  sys.stdout, indent=1, sort_keys=True)
        sys.stdout.write("\n")
    finally:
        if gateway:
            os.kill(gateway, signal.SIGTERM)
        sandboxd.kill()
        sandboxd.wait()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
