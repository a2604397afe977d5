"""A phone in its network namespace, driven by the netns test: one JSON command per line on stdin,
one JSON answer per line on stdout. It resolves names with the DNS server its DHCP lease gave it
(busybox nslookup), then speaks HTTP to the address it got, keeping its cookies like a phone."""

import json
import subprocess
import sys

import requests

DNS_SERVER = sys.argv[1]
session = requests.Session()
session.trust_env = False  # no proxy: the phone talks to the box only


def resolve(name):
    output = subprocess.run(["busybox", "nslookup", name, DNS_SERVER], capture_output=True, text=True,
                            timeout=10).stdout
    # The answer section comes after the server's own lines: the last "Address" is the name's.
    addresses = [line.split()[-1] for line in output.splitlines()
                 if line.startswith("Address") and not line.rstrip().endswith(":53")]
    return addresses[-1] if addresses else None


def http(command):
    address = resolve(command["host"])
    if address is None:
        return {"error": f"cannot resolve {command['host']}"}
    response = session.request(
        command.get("method", "GET"), f"http://{address}{command['path']}",
        headers={"Host": command["host"], "User-Agent": command.get("user_agent", "netns-phone")},
        data=command.get("data"), allow_redirects=False, timeout=10,
    )
    return {"address": address, "status": response.status_code, "body": response.text,
            "location": response.headers.get("Location")}


for line in sys.stdin:
    command = json.loads(line)
    answer = {"address": resolve(command["name"])} if command["do"] == "resolve" else http(command)
    print(json.dumps(answer), flush=True)
