"""A small load generator: threads, one http.client connection each, fixed duration.

gunicorn's sync workers close the connection after every response, so http.client
reconnects for each request; every endpoint pays that equally.
"""

import http.client
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode, urlsplit

HOST = "127.0.0.1"
FORM = "application/x-www-form-urlencoded"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    """One connection with a cookie jar, for the setup steps (sign in, CSRF, gate)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> Response:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = FORM
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()
            for value in raw.msg.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        finally:
            conn.close()


def query_value(location: str, name: str) -> str:
    return parse_qs(urlsplit(location).query).get(name, [""])[0]


@dataclass
class Endpoint:
    """What one request looks like and what a good answer is."""

    key: str
    label: str
    method: str
    path: str
    cookies: str
    expect_status: int
    expect_location: str = ""
    body: Callable[[], str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # A request that differs every time (path, cookies, body): each a new record's form.
    target: Callable[[], tuple[str, str, str]] | None = None

    def ok(self, status: int, location: str) -> bool:
        return status == self.expect_status and location.startswith(self.expect_location)


@dataclass
class Run:
    endpoint: str
    concurrency: int
    repetition: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    client_cpu: float = 0.0  # this process's CPU time over the run, in cores
    server_cpu: float = float("nan")  # gunicorn's (master and workers), in cores
    error_samples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Latency in milliseconds at quantile ``q`` (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] * 1000


def run(
    endpoint: Endpoint, port: int, *, concurrency: int, seconds: float, repetition: int = 0
) -> Run:
    """Send requests from ``concurrency`` threads for ``seconds``; latencies of good answers."""
    result = Run(endpoint.key, concurrency, repetition, seconds)
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    headers = {"Cookie": endpoint.cookies} if endpoint.cookies else {}
    headers.update(endpoint.headers)
    if endpoint.body is not None:
        headers["Content-Type"] = FORM
    deadline = [0.0]
    finished: list[float] = []

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        latencies: list[float] = []
        errors: list[str] = []
        barrier.wait()
        while (start := time.perf_counter()) < deadline[0]:
            path, sent = endpoint.path, headers
            body = endpoint.body().encode() if endpoint.body is not None else None
            if endpoint.target is not None:
                path, cookies, text = endpoint.target()
                sent, body = {**headers, "Cookie": cookies, "Content-Type": FORM}, text.encode()
            try:
                conn.request(endpoint.method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read()
                status, location = response.status, response.getheader("Location") or ""
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - start
            if endpoint.ok(status, location):
                latencies.append(elapsed)
            else:
                snippet = data[:200].decode(errors="replace").replace("\n", " ")
                errors.append(f"HTTP {status} {location} {snippet}")
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.errors += len(errors)
            result.error_samples.extend(errors[: 3 - len(result.error_samples)])
            finished.append(time.perf_counter())

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    result.seconds = max(finished) - began if finished else seconds
    result.client_cpu = (time.process_time() - cpu) / result.seconds
    return result
