"""The client on its own, without a service: a stub on a free loopback port records the calls and answers them.

    python3 -m unittest -v test_client
"""

import contextlib
import copy
import http.server
import pickle
import socket
import threading
import unittest
import urllib.error

from agentmem_client import AgentMemClient, AgentMemError


class _Stub(http.server.BaseHTTPRequestHandler):
    # Answers every call with {} and the status its last path segment names when that is a number (else 200).
    def _answer(self):
        self.server.calls.append((self.command, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.server.redirect is not None:
            # (status, Location), once: as a proxy in front of the service would answer, say http -> https; where it
            # points, the call is answered as any other.
            (status, location), self.server.redirect = self.server.redirect, None
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.server.answer is not None:
            # (status, Content-Type, body), once: a page from a proxy, a gateway or another web server.
            (status, content_type, page), self.server.answer = self.server.answer, None
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        last = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        body = b"{}"
        self.send_response(int(last) if last.isdigit() else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass


class Client(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
        cls.server.calls = []
        cls.server.redirect = None
        cls.server.answer = None
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.thread.join()

    def setUp(self):
        self.server.calls.clear()
        self.server.redirect = None
        self.server.answer = None

    def test_an_empty_id_or_name_is_refused_before_any_call(self):
        client = AgentMemClient(self.url)
        calls = {
            "get": lambda v: client.get(v),
            "update": lambda v: client.update(v, text="x"),
            "set_state": lambda v: client.set_state(v, "frozen"),
            "delete": lambda v: client.delete(v),
            "purge": lambda v: client.purge(v),
            "history": lambda v: client.history(v),
            "audit": lambda v: client.audit(v),
            "links": lambda v: client.links(v),
            "get_cube": lambda v: client.get_cube(v),
            "delete_cube": lambda v: client.delete_cube(v),
            "get_grants": lambda v: client.get_grants(v),
            "set_grants": lambda v: client.set_grants(v, []),
            "get_policy": lambda v: client.get_policy(v),
            "set_policy": lambda v: client.set_policy(v, retentionDays=30),
            "forget_user": lambda v: client.forget_user(v),
        }
        for name, call in calls.items():
            for value in ("", "  "):
                with self.subTest(method=name, value=value), self.assertRaises(ValueError):
                    call(value)
        self.assertEqual(self.server.calls, [])
        self.assertIsNone(client.last_status)
        # A real value still goes out, escaped.
        client.get("a b")
        self.assertEqual(self.server.calls, [("GET", "/v1/memories/a%20b")])

    def test_a_dot_segment_id_or_name_is_refused_before_any_call(self):
        # "." and ".." are removed from a URL path as dot segments: get_cube(".") would list cubes, update(".") patch a batch.
        client = AgentMemClient(self.url)
        calls = {
            "get": lambda v: client.get(v),
            "update": lambda v: client.update(v, text="x"),
            "history": lambda v: client.history(v),
            "get_cube": lambda v: client.get_cube(v),
            "set_policy": lambda v: client.set_policy(v, retentionDays=30),
            "forget_user": lambda v: client.forget_user(v),
        }
        for name, call in calls.items():
            for value in (".", ".."):
                with self.subTest(method=name, value=value), self.assertRaisesRegex(ValueError, "'.' or '..'"):
                    call(value)
        self.assertEqual(self.server.calls, [])
        self.assertIsNone(client.last_status)
        # Any other segment goes out, escaped: "..." and ".a" are no dot segments, and a padded " . " is not either.
        client.get_cube("...")
        client.get(".a")
        client.get_cube(" . ")
        self.assertEqual(self.server.calls, [("GET", "/v1/cubes/..."), ("GET", "/v1/memories/.a"), ("GET", "/v1/cubes/%20.%20")])

    def test_a_keyword_that_names_no_body_member_is_refused_before_any_call(self):
        # The service dropped unknown members: expected_version= turned the 409 guard off, eventTime= stored no time.
        client = AgentMemClient(self.url)
        calls = {
            ("add", "eventTime"): lambda: client.add("Ann moved to Oslo", eventTime="2024-05-07"),
            ("add", "links"): lambda: client.add("Ann likes tea", links=[]),
            ("update", "expected_version"): lambda: client.update("01J", text="x", expected_version=1),
            ("update", "txt"): lambda: client.update("01J", txt="x"),
            ("set_policy", "retention_days"): lambda: client.set_policy("notes", retention_days=30),
        }
        for (method, keyword), call in calls.items():
            with self.subTest(method=method, keyword=keyword), \
                    self.assertRaisesRegex(TypeError, f"^{method}\\(\\) got an unexpected keyword argument '{keyword}'; it takes "):
                call()
        self.assertEqual(self.server.calls, [])
        self.assertIsNone(client.last_status)
        # The API's names go out as given.
        client.update("01J", text="x", expectedVersion=1)
        client.set_policy("notes", retentionDays=30, deduplicate=False)
        client.add("Ann moved to Oslo", validFrom="2024-05-07", sourceRef="t1")
        self.assertEqual([c[0] for c in self.server.calls], ["PATCH", "PUT", "POST"])

    def test_a_redirect_is_an_error_not_followed(self):
        # urllib followed it: add() went out again as a GET of the list and "succeeded", the key going along to any host.
        client = AgentMemClient(self.url, "am_key")
        for status in (301, 302, 303, 307, 308):
            for location, resolved in ((f"{self.url}/elsewhere", f"{self.url}/elsewhere"), ("/v1/other", f"{self.url}/v1/other")):
                with self.subTest(status=status, location=location):
                    self.server.calls.clear()
                    self.server.redirect = (status, location)
                    with self.assertRaises(AgentMemError) as redirected:
                        client.add("Ann's new phone number is 555-0100")
                    self.assertEqual((redirected.exception.status, redirected.exception.location, client.last_status), (status, resolved, status))
                    self.assertEqual(str(redirected.exception), f"AgentMem answered {status}: a redirect to {resolved}, not followed (point base_url at the service itself)")
                    self.assertEqual(self.server.calls, [("POST", "/v1/memories")])
        again = pickle.loads(pickle.dumps(redirected.exception))
        self.assertEqual((again.status, again.location, str(again)), (308, f"{self.url}/v1/other", str(redirected.exception)))

    def test_a_call_without_an_answer_leaves_no_status(self):
        # last_status kept the previous call's 200, so a check after a failed call read a success.
        client = AgentMemClient(self.url)
        client.get_cube("200")
        self.assertEqual(client.last_status, 200)
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        client.base_url = f"http://127.0.0.1:{port}"
        with self.assertRaises(urllib.error.URLError):
            client.get_cube("201")
        self.assertIsNone(client.last_status)

    def test_an_answer_that_is_not_json_raises_with_its_text(self):
        # A 200 page came back as None (add() "returned" with nothing stored); a gateway's 502 page was thrown away.
        client = AgentMemClient(self.url)
        portal = "<html>\n<body>Sign in to the guest Wi-Fi " + "to continue. " * 30 + "</body></html>"
        cases = {
            "200 page": (lambda: client.add("x"), 200, "text/html; charset=utf-8", portal),
            "200 not JSON though it says so": (lambda: client.search("x"), 200, "application/json", "{\"hits\": ["),
            "201 text": (lambda: client.create_cube("x"), 201, "text/plain", "Created"),
            "502 page": (lambda: client.search("x"), 502, "text/html", "<html><h1>502 Bad Gateway</h1></html>"),
            "503 text": (lambda: client.get("01J"), 503, "text/plain", "upstream connect error"),
        }
        for name, (call, status, content_type, page) in cases.items():
            with self.subTest(name):
                self.server.answer = (status, content_type, page.encode("utf-8"))
                with self.assertRaises(AgentMemError) as raised:
                    call()
                error = raised.exception
                self.assertEqual((error.status, error.body, error.content_type, error.problem, client.last_status), (status, page, content_type, {}, status))
                flat = " ".join(page.split())
                self.assertEqual(str(error), f"AgentMem answered {status} with {content_type}, not JSON: {flat[:200]}" + ("..." if len(flat) > 200 else ""))
        again = pickle.loads(pickle.dumps(error))
        self.assertEqual((again.status, again.body, again.content_type, str(again)), (503, "upstream connect error", "text/plain", str(error)))
        # JSON, problem JSON and an empty answer are still answers.
        self.server.answer = (200, "application/json; charset=utf-8", b'{"status": "ok"}')
        self.assertEqual(client.health(), {"status": "ok"})
        self.server.answer = (204, "text/plain", b"")
        self.assertIsNone(client.purge("01J"))
        self.server.answer = (404, "application/problem+json", b'{"title": "Not found", "status": 404}')
        with self.assertRaises(AgentMemError) as missing:
            client.get("01J")
        self.assertEqual((missing.exception.title, missing.exception.body), ("Not found", None))

    def test_an_error_survives_pickle_and_copy(self):
        error = AgentMemError(404, {"title": "Not Found", "detail": "no memory 01J", "status": 404})
        for again in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
            self.assertIsInstance(again, AgentMemError)
            self.assertEqual((again.status, again.title, again.detail, again.problem), (404, "Not Found", "no memory 01J", error.problem))
            self.assertEqual(str(again), "AgentMem answered 404: Not Found (no memory 01J)")
            self.assertEqual(again.args, error.args)
        bare = pickle.loads(pickle.dumps(AgentMemError(502, None)))
        self.assertEqual((bare.status, bare.problem, bare.title, str(bare)), (502, {}, None, "AgentMem answered 502: error"))

    def test_last_status_is_each_threads_own(self):
        client = AgentMemClient(self.url)
        first_answered, second_answered = threading.Event(), threading.Event()
        seen = {}

        # The first thread reads last_status only after the second one's call has been answered.
        def first():
            client.get_cube("201")
            first_answered.set()
            second_answered.wait(60)
            seen["first"] = client.last_status

        def second():
            first_answered.wait(60)
            with contextlib.suppress(AgentMemError):
                client.get_cube("404")
            seen["second"] = client.last_status
            second_answered.set()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(seen, {"first": 201, "second": 404})
        self.assertIsNone(client.last_status)  # this thread has made no call
        client.get_cube("200")
        self.assertEqual(client.last_status, 200)

    def test_a_client_still_pickles_and_its_copy_keeps_its_own_status(self):
        client = AgentMemClient(self.url, "am_key", timeout=5)
        client.get_cube("201")
        again = pickle.loads(pickle.dumps(client))
        self.assertEqual((again.base_url, again.api_key, again.timeout, again.last_status), (self.url, "am_key", 5, None))
        twin = copy.copy(client)
        twin.get_cube("200")
        self.assertEqual((client.last_status, twin.last_status), (201, 200))


if __name__ == "__main__":
    unittest.main(verbosity=2)
