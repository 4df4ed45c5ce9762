"""A local stand-in for the few Hub endpoints create_repo and upload_folder call.

Endpoints (read from huggingface_hub's hf_api.py, _commit_api.py and lfs.py): POST
/api/repos/create, POST /api/validate-yaml, POST /api/models/{repo}/preupload/{rev}, POST
/{repo}.git/info/lfs/objects/batch (basic transfer), PUT of the LFS object to the href the
batch returned, POST /api/models/{repo}/commit/{rev} (ndjson). Every request's path and
Authorization header is recorded; the committed files are rebuilt from the ndjson and LFS PUTs.
`fail_first` makes the first call to a path prefix answer 503, to exercise retries.
"""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LFS_SUFFIXES = (".safetensors", ".bin")


class FakeHub:
    """The server, its address and everything it received."""

    def __init__(self, fail_first: tuple[str, ...] = ()) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        self.lfs_objects: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}
        self.created: list[dict[str, Any]] = []
        self.failures_left = set(fail_first)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        """http://127.0.0.1:<random port>."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _send(self, status: int, payload: Any = None) -> None:
                data = json.dumps(payload if payload is not None else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _failing(self) -> bool:
                for prefix in list(hub.failures_left):
                    if self.path.startswith(prefix):
                        hub.failures_left.discard(prefix)
                        self._send(503, {"error": "try again"})
                        return True
                return False

            def do_PUT(self) -> None:
                body = self._body()
                hub.requests.append(("PUT", self.path, self.headers.get("Authorization")))
                if self.path.startswith("/lfs-upload/"):
                    hub.lfs_objects[self.path.rsplit("/", 1)[-1]] = body
                    self._send(200)
                else:
                    self._send(404, {"error": f"unexpected PUT {self.path}"})

            def do_POST(self) -> None:
                body = self._body()
                hub.requests.append(("POST", self.path, self.headers.get("Authorization")))
                if self._failing():
                    return
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    request = json.loads(body)
                    hub.created.append(request)
                    name = f"{request['organization']}/{request['name']}"
                    self._send(200, {"url": f"{hub.endpoint}/{name}", "name": name})
                elif path == "/api/validate-yaml":
                    self._send(200, {"errors": [], "warnings": []})
                elif "/preupload/" in path:
                    files = json.loads(body)["files"]
                    modes = [
                        {
                            "path": f["path"],
                            "uploadMode": "lfs" if f["path"].endswith(LFS_SUFFIXES) else "regular",
                            "shouldIgnore": False,
                        }
                        for f in files
                    ]
                    self._send(200, {"files": modes})
                elif path.endswith(".git/info/lfs/objects/batch"):
                    objects = json.loads(body)["objects"]
                    answer = [
                        {
                            "oid": o["oid"],
                            "size": o["size"],
                            "actions": {
                                "upload": {"href": f"{hub.endpoint}/lfs-upload/{o['oid']}"}
                            },
                        }
                        for o in objects
                    ]
                    self._send(200, {"transfer": "basic", "objects": answer})
                elif "/commit/" in path:
                    for line in body.splitlines():
                        item = json.loads(line)
                        value = item["value"]
                        if item["key"] == "file":
                            hub.files[value["path"]] = base64.b64decode(value["content"])
                        elif item["key"] == "lfsFile":
                            hub.files[value["path"]] = hub.lfs_objects[value["oid"]]
                    repo = path.split("/api/models/")[1].split("/commit/")[0]
                    oid = "0" * 40
                    self._send(
                        200, {"commitUrl": f"{hub.endpoint}/{repo}/commit/{oid}", "commitOid": oid}
                    )
                else:
                    self._send(404, {"error": f"unexpected POST {self.path}"})

            def do_GET(self) -> None:
                hub.requests.append(("GET", self.path, self.headers.get("Authorization")))
                self._send(404, {"error": f"unexpected GET {self.path}"})

        return Handler
