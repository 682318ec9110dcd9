"""Search terms stay out of the logs: request lines are logged by path only, by the
development server (Django's own handler, through Interplay's logging settings) and by
gunicorn (with the format in gunicorn.conf.py)."""

import datetime as dt
import runpy
from pathlib import Path
from tempfile import TemporaryDirectory
from types import SimpleNamespace

from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import SimpleTestCase
from gunicorn.config import Config
from gunicorn.glogging import Logger

SEARCH = "/patients/?q=Robin+Testwell+9434765919"
TERMS = ("Robin", "Testwell", "9434765919", "q=")


class RequestLineTests(SimpleTestCase):
    def assert_no_terms(self, line: str) -> None:
        for term in TERMS:
            self.assertNotIn(term, line)

    def test_the_development_server_logs_the_path_without_the_search(self) -> None:
        handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
        handler.request = None  # type: ignore[assignment]
        handler.log_date_time_string = lambda: "02/Dec/2026 09:00:00"  # type: ignore[method-assign]
        with self.assertLogs("django.server", "INFO") as logged:
            handler.log_message('"%s" %s %s', f"GET {SEARCH} HTTP/1.1", "200", "5120")
        (line,) = logged.output
        self.assertIn('"GET /patients/ HTTP/1.1" 200 5120', line)
        self.assert_no_terms(line)

    def test_gunicorns_access_log_has_the_path_and_request_id_but_not_the_search(self) -> None:
        conf = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
        log_file = Path(self.enterContext(TemporaryDirectory())) / "access.log"
        config = Config()
        config.set("access_log_format", conf["access_log_format"])
        config.set("accesslog", str(log_file))
        path, _, query = SEARCH.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": SEARCH,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "192.0.2.7",
            "HTTP_REFERER": f"https://therapy.example.org{SEARCH}",
        }
        response = SimpleNamespace(status="200 OK", sent=5120, headers=[("X-Request-ID", "req-42")])
        Logger(config).access(response, [], environ, dt.timedelta(milliseconds=12))
        line = log_file.read_text()
        self.assertIn("192.0.2.7 [", line)
        self.assertIn('"GET /patients/ HTTP/1.1" 200 5120 12ms req-42', line)
        self.assert_no_terms(line)
