"""HTTP helpers shared by the browser tests (Tests/browser) and the API fuzz step (Tests/fuzz).

Standard library only: the two steps run under different Pythons (Debian's with Selenium, and the
one on PATH with schemathesis). Each adds this folder to its import path.
"""

import json
import socket
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, method, path, token=None, body=None, content_type="application/json", timeout=30):
    """One HTTP call; returns (status, parsed JSON or None when the body is empty). `body` is sent
    as JSON, or as it is when it is bytes. An error status raises urllib.error.HTTPError, as
    urllib does: each caller decides what a refusal means to it."""
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    call = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(call, timeout=timeout) as response:
        text = response.read()
        return response.status, (json.loads(text) if text else None)
