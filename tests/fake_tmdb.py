#!/usr/bin/env python3
"""Fake TMDB v3 API server for the test-suite (Python 3 standard library only).

    fake_tmdb.py serve --fixtures DIR --state-dir DIR [--api-key KEY]
                       [--token TOKEN] [--latency-ms N] [--owner-pid PID]
    fake_tmdb.py ctl URL_BASE VERB [JSON]

`serve` listens on 127.0.0.1 with a kernel-chosen port and a listen backlog of
128 (a burst of connections waits to be accepted).  Once it listens it
writes STATE_DIR/port and STATE_DIR/pid (atomically), and it appends one JSON
line per API request to STATE_DIR/requests.jsonl: t, method, path, query,
headers, status, fault, bytes and client_port.  With --owner-pid it exits
once process PID is gone, so a suite whose setup failed before it could stop
the server does not leave it running (and Bats waiting on its descriptors).

Fixtures are JSON files: DIR/movie/550.json is served at /3/movie/550.  A few
routes are computed instead of served as stored: review pages, search/person
and append_to_response.  Behaviour is modelled on recorded TMDB responses (the
error bodies below are byte-for-byte copies of recorded ones).

Tests steer the server through /_control/ (never logged):
    POST /_control/fault     {"match": REGEX, "kind": K, "times": N, ...}
    POST /_control/reset     clear faults, empty the log, restore fixtures
    POST /_control/resource  {"path": "movie/550", "json": {...}} or
                             {"path": "movie/550", "delete": true}
    GET  /_control/faults    the fault rules still pending (for debugging)
    GET  /_control/health    "ok"
`ctl` is the matching client: VERB is fault, reset, resource, faults or health.

Fault kinds (each rule answers at most "times" matching requests, default 1):
    status        HTTP "status" with TMDB's body for it (or "body", a string),
                  "retry_after" sets Retry-After
    reset         the connection is reset before any answer
    truncate      the full Content-Length, half the body, then close
    slow          the normal answer after "delay" seconds (default 5), or as soon
                  as the file "until" names exists, if sooner: a test holds the
                  answer for as long as it looks at the client, however slow it is
    invalid_json  200 with a body that is not JSON (or "body", a string)
    body          200 with "json", any JSON value, as the body: a well-formed
                  answer that is not what was asked (another id, a part missing)
"""

import argparse
import copy
import gzip
import hashlib
import json
import math
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------------------
# Recorded TMDB error bodies.  The constants are verbatim copies (whitespace
# and final newline included) of the files in shared/tmdb/, so the server
# behaves the same whether or not that folder is next to the repository.
# ---------------------------------------------------------------------------

BODY_400_INVALID_PAGE = (  # error_400_status22_invalid_page__adamayoung.json
    b'{\n    "status_code": 22,\n    "status_message": "Invalid page: Pages'
    b' start at 1 and max at 500. They are expected to be an integer.",\n'
    b'    "success": false\n}\n')
BODY_401_INVALID_KEY = (  # error_401_status7_invalid_api_key__adamayoung.json
    b'{\n    "status_code": 7,\n    "status_message": "Invalid API key: You'
    b' must be granted a valid key.",\n    "success": false\n}\n')
BODY_404_NOT_FOUND = (  # error_404_status34_not_found__adamayoung.json
    b'{\n    "status_code": 34,\n    "status_message": "The resource you'
    b' requested could not be found.",\n    "success": false\n}\n')
# No 429 or 5xx body was ever recorded; these are the documented ones.
BODY_429_RATE_LIMIT = (
    b'{"status_code":25,"status_message":"Your request count (#) is over the'
    b' allowed limit of (40).","success":false}')
BODY_5XX_INTERNAL = (
    b'{"status_code":11,"status_message":"Internal error: Something went'
    b' wrong, contact TMDB.","success":false}')
BODY_INVALID_JSON = b'{"id":550,"title":"Fight Club",'

SHARED_ERROR_FILES = {
    "BODY_400_INVALID_PAGE": "error_400_status22_invalid_page__adamayoung.json",
    "BODY_401_INVALID_KEY": "error_401_status7_invalid_api_key__adamayoung.json",
    "BODY_404_NOT_FOUND": "error_404_status34_not_found__adamayoung.json",
}

PAGE_SIZE = 20          # TMDB's fixed page size for reviews and searches
MAX_PAGE = 500          # TMDB rejects page numbers above this with status 22
CACHE_CONTROL = "public, max-age=20463"   # as in the search cassette
FAULT_KINDS = ("status", "reset", "truncate", "slow", "invalid_json", "body")
# Fields of a credit that are not part of the movie object in known_for.
CREDIT_ONLY_FIELDS = ("credit_id", "job", "character", "department", "order",
                      "cast_id")


def load_shared_error_bodies():
    """Prefer the recorded files when shared/tmdb is reachable.

    The constants are identical copies, so this only matters if someone edits
    one side; reading the files keeps the server honest to the recordings."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("TMDB_SHARED_DIR", ""),
                  os.path.join(here, "..", "..", "shared", "tmdb"),
                  "/work/shared/tmdb"]
    for folder in candidates:
        if not folder or not os.path.isdir(folder):
            continue
        for const, name in SHARED_ERROR_FILES.items():
            try:
                with open(os.path.join(folder, name), "rb") as fh:
                    globals()[const] = fh.read()
            except OSError:
                pass            # keep the embedded copy
        return


# ---------------------------------------------------------------------------
# Data: resource path ("movie/550") -> parsed JSON
# ---------------------------------------------------------------------------

def load_fixtures(root):
    """Read every *.json below root into a dict keyed by resource path."""
    if not os.path.isdir(root):
        raise SystemExit("fake_tmdb: fixtures folder not found: %s" % root)
    data = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith(".json"):
                continue
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root)[:-len(".json")]
            with open(full, "rb") as fh:
                try:
                    data[rel.replace(os.sep, "/")] = json.loads(fh.read())
                except ValueError as exc:
                    raise SystemExit("fake_tmdb: bad JSON in %s: %s"
                                     % (full, exc))
    return data


def normalize_resource_path(path):
    """Accept "movie/550", "/movie/550" or "/3/movie/550" alike."""
    path = path.strip("/")
    if path.startswith("3/"):
        path = path[2:]
    if path.endswith(".json"):
        path = path[:-5]
    return path


class Store:
    """Fixtures in memory, fault rules and the request log, thread-safe."""

    def __init__(self, fixtures, state_dir):
        self.pristine = fixtures
        self.data = copy.deepcopy(fixtures)
        self.faults = []
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()
        # O_APPEND + one os.write per line: a reader never sees half a line.
        self.log_fd = os.open(os.path.join(state_dir, "requests.jsonl"),
                              os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def get(self, path):
        with self.lock:
            return self.data.get(path)

    def items(self):
        with self.lock:
            return list(self.data.items())

    def put(self, path, value):
        with self.lock:
            self.data[path] = value

    def delete(self, path):
        with self.lock:
            return self.data.pop(path, None) is not None

    def add_fault(self, rule):
        with self.lock:
            self.faults.append(rule)
            return len(self.faults)

    def pending_faults(self):
        with self.lock:
            return [dict(r) for r in self.faults if r["times"] > 0]

    def take_fault(self, path):
        """First matching rule with uses left; consume one use of it."""
        with self.lock:
            for rule in self.faults:
                if rule["times"] > 0 and rule["regex"].search(path):
                    rule["times"] -= 1
                    return dict(rule)
        return None

    def reset(self):
        with self.lock:
            self.faults = []
            self.data = copy.deepcopy(self.pristine)
        with self.log_lock:
            os.ftruncate(self.log_fd, 0)

    def log(self, entry):
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self.log_lock:
            os.write(self.log_fd, line)


# ---------------------------------------------------------------------------
# TMDB semantics: pages, appends, search.  Pure functions of the data.
# ---------------------------------------------------------------------------

class ApiError(Exception):
    """A TMDB error answer: HTTP status plus recorded body."""

    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def not_found():
    return ApiError(404, BODY_404_NOT_FOUND)


def parse_page(query):
    """TMDB: missing page = 1; not an integer in 1..500 = 400 status 22."""
    raw = query.get("page")
    if raw is None or raw == "":
        return 1
    if not re.fullmatch(r"[0-9]+", raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, BODY_400_INVALID_PAGE)
    return int(raw)


def paginate(items, page):
    """A TMDB page object; a page past the end is empty, not an error."""
    start = (page - 1) * PAGE_SIZE
    return {"page": page,
            "results": items[start:start + PAGE_SIZE],
            # Real TMDB reports 1 page, not 0, for an empty list.
            "total_pages": max(1, math.ceil(len(items) / PAGE_SIZE)),
            "total_results": len(items)}


def reviews_page(store, movie_id, page):
    stored = store.get("movie/%s/reviews" % movie_id) or {}
    return paginate(list(stored.get("results", [])), page)


def without_id(obj):
    if isinstance(obj, dict):
        return {k: v for k, v in obj.items() if k != "id"}
    return obj


def with_appends(store, resource, obj, names):
    """Details plus one key per appended sub-resource, as TMDB nests them.

    Appended objects lack their "id" (the parent already has it); unknown
    names are silently ignored, as TMDB does."""
    result = dict(obj)
    for name in [n.strip() for n in names.split(",") if n.strip()]:
        if re.fullmatch(r"movie/\d+", resource) and name == "reviews":
            result[name] = without_id(
                reviews_page(store, resource.split("/")[1], 1))
            continue
        sub = store.get(resource + "/" + name)
        if sub is not None:
            result[name] = without_id(sub)
    return result


def known_for(credits):
    """Up to 3 distinct movies: crew credits first (directors), then cast."""
    movies, seen = [], set()
    for credit in list(credits.get("crew", [])) + list(credits.get("cast", [])):
        if credit.get("id") in seen:
            continue
        seen.add(credit.get("id"))
        movie = {k: v for k, v in credit.items()
                 if k not in CREDIT_ONLY_FIELDS}
        movie["media_type"] = "movie"
        movies.append(movie)
        if len(movies) == 3:
            break
    return movies


def search_person(store, query, page):
    needle = query.get("query", "").lower()
    people = []
    for path, person in store.items():
        if not re.fullmatch(r"person/\d+", path) or not isinstance(person, dict):
            continue
        if needle and needle in str(person.get("name", "")).lower():
            people.append((path, person))
    people.sort(key=lambda p: -(p[1].get("popularity") or 0))
    results = []
    for path, person in people:
        results.append({
            "adult": person.get("adult", False),
            "gender": person.get("gender", 0),
            "id": person.get("id"),
            "known_for_department": person.get("known_for_department"),
            "name": person.get("name"),
            "original_name": person.get("original_name", person.get("name")),
            "popularity": person.get("popularity", 0),
            "profile_path": person.get("profile_path"),
            "known_for": known_for(store.get(path + "/movie_credits") or {}),
        })
    return paginate(results, page)


def api_answer(store, resource, query):
    """The JSON object for GET /3/<resource>, or raise ApiError."""
    if resource == "search/person":
        return search_person(store, query, parse_page(query))
    m = re.fullmatch(r"movie/(\d+)/reviews", resource)
    if m:
        page = parse_page(query)
        if store.get("movie/" + m.group(1)) is None and store.get(resource) is None:
            raise not_found()
        return dict({"id": int(m.group(1))}, **reviews_page(store, m.group(1), page))
    obj = store.get(resource)
    if obj is None:
        raise not_found()
    if query.get("append_to_response") and isinstance(obj, dict):
        return with_appends(store, resource, obj, query["append_to_response"])
    return obj


def encode_json(obj):
    # Compact UTF-8 like api.themoviedb.org (non-ASCII sent raw, not \u).
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def fault_status_body(status):
    if status == 401:
        return BODY_401_INVALID_KEY
    if status == 404:
        return BODY_404_NOT_FOUND
    if status == 429:
        return BODY_429_RATE_LIMIT
    if status >= 500:
        return BODY_5XX_INTERNAL
    return encode_json({"status_code": status, "status_message":
                        "Fake TMDB injected status %d." % status,
                        "success": False})


def validate_fault(rule):
    """Check a control request; return the stored rule or raise ValueError."""
    if not isinstance(rule, dict):
        raise ValueError("fault must be a JSON object")
    if rule.get("kind") not in FAULT_KINDS:
        raise ValueError("kind must be one of %s" % ", ".join(FAULT_KINDS))
    if not isinstance(rule.get("match"), str):
        raise ValueError("match (a regex string) is required")
    rule = dict(rule)
    rule["regex"] = re.compile(rule["match"])
    rule["times"] = int(rule.get("times", 1))
    if rule["kind"] == "status":
        rule["status"] = int(rule["status"])
    if rule["kind"] == "slow":
        rule["delay"] = float(rule.get("delay", 5))
    if rule["kind"] == "body" and "json" not in rule:
        raise ValueError("a body fault needs json, the value to answer with")
    return rule


def hold(rule):
    """A slow answer's wait: "delay" seconds, or until the file "until" names exists."""
    # The monotonic clock: the wall clock of a VM may be stepped while it waits.
    deadline = time.monotonic() + rule["delay"]
    until = rule.get("until")
    while time.monotonic() < deadline and not (until and os.path.exists(until)):
        time.sleep(min(0.02, max(0.0, deadline - time.monotonic())))


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Response:
    """What to send: status, extra headers, body and how to misbehave."""

    def __init__(self, status, body=b"", headers=None, fault=None):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.fault = fault          # None or the applied rule


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive; every answer has a length
    # Headers and body go out in two writes; without TCP_NODELAY the body waits
    # for the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True
    server_version = "openresty"

    # -- plumbing ----------------------------------------------------------

    def version_string(self):
        return self.server_version      # exactly "openresty", no Python/x.y

    def log_message(self, fmt, *args):
        pass                            # requests.jsonl is the log

    def handle_one_request(self):
        # A client that hung up (timeout, reset) is normal in these tests.
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    @property
    def store(self):
        return self.server.store

    def split_url(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        return urllib.parse.unquote(url.path), query

    # -- entry points ------------------------------------------------------

    def do_GET(self):
        path, query = self.split_url()
        if path.startswith("/_control/"):
            self.control("GET", path)
        else:
            self.api(path, query)

    def do_POST(self):
        path, _query = self.split_url()
        if path.startswith("/_control/"):
            self.control("POST", path)
        else:
            self.discard_body()
            self.send_plain(405, b"method not allowed\n")

    # -- control API -------------------------------------------------------

    def discard_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_plain(self, status, body, ctype="text/plain; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self, method, path):
        raw = self.discard_body()
        verb = path[len("/_control/"):]
        try:
            payload = json.loads(raw) if raw.strip() else {}
            result = self.control_verb(method, verb, payload)
        except (ValueError, KeyError, TypeError, re.error) as exc:
            self.send_plain(400, ("bad control request: %s\n" % exc).encode())
            return
        if result is None:
            self.send_plain(404, b"unknown control verb\n")
        elif isinstance(result, bytes):
            self.send_plain(200, result)
        else:
            self.send_plain(200, encode_json(result) + b"\n",
                            "application/json")

    def control_verb(self, method, verb, payload):
        store = self.store
        if method == "GET" and verb == "health":
            return b"ok"
        if method == "GET" and verb == "faults":
            return [{k: v for k, v in r.items() if k != "regex"}
                    for r in store.pending_faults()]
        if method != "POST":
            return None
        if verb == "fault":
            return {"ok": True, "rules": store.add_fault(validate_fault(payload))}
        if verb == "reset":
            store.reset()
            return {"ok": True}
        if verb == "resource":
            resource = normalize_resource_path(payload["path"])
            if payload.get("delete"):
                return {"ok": True, "deleted": store.delete(resource)}
            store.put(resource, payload["json"])
            return {"ok": True}
        return None

    # -- API ---------------------------------------------------------------

    def authorized(self, query):
        key, token = self.server.api_key, self.server.token
        if key is None and token is None:
            return True
        if key is not None and query.get("api_key") == key:
            return True
        return token is not None and \
            self.headers.get("Authorization", "") == "Bearer " + token

    def build_response(self, path, query):
        """Decide the whole answer before sending anything (see api())."""
        rule = self.store.take_fault(path)
        if rule and rule["kind"] == "status":
            headers = {}
            if rule.get("retry_after") is not None:
                headers["Retry-After"] = str(rule["retry_after"])
            body = rule.get("body")
            body = body.encode("utf-8") if isinstance(body, str) \
                else fault_status_body(rule["status"])
            return Response(rule["status"], body, headers, rule)
        if rule and rule["kind"] == "invalid_json":
            body = rule.get("body", BODY_INVALID_JSON.decode())
            return Response(200, body.encode("utf-8"), fault=rule)
        if rule and rule["kind"] == "body":
            return Response(200, encode_json(rule["json"]), fault=rule)
        if not self.authorized(query):
            return Response(401, BODY_401_INVALID_KEY, fault=rule)
        if not path.startswith("/3/"):
            return Response(404, BODY_404_NOT_FOUND, fault=rule)
        try:
            obj = api_answer(self.store, path[len("/3/"):].rstrip("/"), query)
            return Response(200, encode_json(obj), fault=rule)
        except ApiError as err:
            return Response(err.status, err.body, fault=rule)

    def api(self, path, query):
        # Requests being answered right now, this one included: the log shows how
        # many a client had in flight (tests bound it by the client's --jobs).
        with self.server.in_flight_lock:
            self.server.in_flight += 1
            in_flight = self.server.in_flight
        try:
            self.answer_api(path, query, in_flight)
        finally:
            with self.server.in_flight_lock:
                self.server.in_flight -= 1

    def answer_api(self, path, query, in_flight):
        started = time.time()
        self.discard_body()
        resp = self.build_response(path, query)
        kind = resp.fault["kind"] if resp.fault else None
        headers, payload = self.finish_headers(resp, kind)
        # The log line is written before any deliberate delay and before a
        # byte goes out: once a client has seen an answer (or given up on a
        # slow one), its request is already in requests.jsonl.
        sent = len(payload)
        if kind == "truncate":
            sent = len(payload) // 2
        self.store.log({
            "t": started, "method": self.command, "path": path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "status": 0 if kind == "reset" else resp.status,
            "fault": kind,
            "bytes": 0 if kind == "reset" else sent,
            # Same port on two entries = same TCP connection (keep-alive).
            "client_port": self.client_address[1],
            "in_flight": in_flight,
        })
        if self.server.latency_ms:
            time.sleep(self.server.latency_ms / 1000.0)
        if kind == "reset":
            self.abort_connection()
            return
        if kind == "slow":
            hold(resp.fault)
        self.send_response(resp.status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload[:sent])
        if kind == "truncate":
            # Content-Length promised more: closing now is the truncation.
            self.close_connection = True

    def finish_headers(self, resp, kind):
        """TMDB-like headers; apply ETag/304 and gzip.  -> (headers, bytes)"""
        etag = 'W/"%s"' % hashlib.md5(resp.body).hexdigest()
        headers = [("Content-Type", "application/json;charset=utf-8"),
                   ("Cache-Control", CACHE_CONTROL),
                   ("Vary", "accept-encoding, Origin"),
                   ("ETag", etag)]
        headers += list(resp.headers.items())
        if resp.status == 200 and kind is None and \
                etag_matches(self.headers.get("If-None-Match", ""), etag):
            resp.status = 304
            return headers, b""
        body = resp.body
        if kind != "truncate" and "gzip" in \
                self.headers.get("Accept-Encoding", "").lower():
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        return headers, body

    def abort_connection(self):
        """Close with SO_LINGER(1, 0): the kernel sends RST, not FIN, so the
        client sees ECONNRESET instead of a clean end of stream."""
        sock = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        # rfile holds a reference on the socket; close it first or close()
        # below would not release the descriptor (and send the RST) yet.
        self.rfile.close()
        sock.close()
        self.close_connection = True


def etag_matches(if_none_match, etag):
    if if_none_match.strip() == "*":
        return True
    quoted = etag[2:]           # '"hex"': match strong and weak forms alike
    return quoted in if_none_match


class FakeTmdbServer(ThreadingHTTPServer):
    daemon_threads = True           # never wait for a sleeping "slow" thread
    # The listen backlog: socketserver's default of 5 overflows when tmdb-fetch
    # -j 8 opens its connections at once, and every SYN the kernel drops comes
    # back only after its 1 s retransmission timeout.
    request_queue_size = 128
    allow_reuse_address = True
    in_flight = 0
    in_flight_lock = threading.Lock()

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, OSError)):
            return                  # client went away: expected in fault tests
        super().handle_error(request, client_address)


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------

def write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as fh:
        fh.write(text)
    os.rename(tmp, path)


def owner_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A dead owner its parent has not yet reaped is gone too.
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def watch_owner(server, pid):
    while owner_alive(pid):
        time.sleep(0.2)
    server.shutdown()               # serve_forever returns; serve() cleans up


def serve(args, store_class=Store):
    """Serve until SIGTERM.  store_class(fixtures, state_dir) holds the data: a
    subclass may compute resources instead (bench/fake_catalog.py)."""
    load_shared_error_bodies()
    fixtures = load_fixtures(args.fixtures)
    os.makedirs(args.state_dir, exist_ok=True)
    server = FakeTmdbServer(("127.0.0.1", 0), Handler)
    server.store = store_class(fixtures, args.state_dir)
    server.api_key = args.api_key
    server.token = args.token
    server.latency_ms = args.latency_ms

    def on_sigterm(_signo, _frame):
        raise SystemExit(0)         # unwinds serve_forever in the main thread
    signal.signal(signal.SIGTERM, on_sigterm)

    port_file = os.path.join(args.state_dir, "port")
    pid_file = os.path.join(args.state_dir, "pid")
    # pid first: whoever sees the port file can rely on the pid file.
    write_atomic(pid_file, "%d\n" % os.getpid())
    write_atomic(port_file, "%d\n" % server.server_address[1])
    if args.owner_pid:
        threading.Thread(target=watch_owner, args=(server, args.owner_pid),
                         daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for name in (port_file, pid_file):
            try:
                os.unlink(name)
            except OSError:
                pass
    return 0


CTL_VERBS = {"fault": "POST", "reset": "POST", "resource": "POST",
             "faults": "GET", "health": "GET"}


def ctl(args):
    method = CTL_VERBS.get(args.verb)
    if method is None:
        print("fake_tmdb ctl: unknown verb %r (one of %s)"
              % (args.verb, ", ".join(CTL_VERBS)), file=sys.stderr)
        return 2
    data = None
    if method == "POST":
        data = (args.json if args.json is not None else "{}").encode("utf-8")
    url = args.url_base.rstrip("/") + "/_control/" + args.verb
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    # No proxy, whatever the environment says: the server is on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as resp:
            sys.stdout.write(resp.read().decode("utf-8", "replace"))
            return 0
    except urllib.error.HTTPError as err:
        sys.stdout.write(err.read().decode("utf-8", "replace"))
        print("fake_tmdb ctl: HTTP %d from %s" % (err.code, url), file=sys.stderr)
        return 1
    except OSError as err:
        print("fake_tmdb ctl: %s: %s" % (url, err), file=sys.stderr)
        return 1


def add_serve_arguments(parser):
    """serve's options, also those of servers built on this one."""
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--api-key")
    parser.add_argument("--token")
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--owner-pid", type=int, default=0,
                        help="exit once this process is gone")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve_arguments(sub.add_parser("serve", help="run the fake API server"))
    p_ctl = sub.add_parser("ctl", help="talk to a running server's control API")
    p_ctl.add_argument("url_base", help="e.g. http://127.0.0.1:PORT")
    p_ctl.add_argument("verb", help=", ".join(CTL_VERBS))
    p_ctl.add_argument("json", nargs="?")
    args = parser.parse_args(argv)
    return serve(args) if args.command == "serve" else ctl(args)


if __name__ == "__main__":
    sys.exit(main())
