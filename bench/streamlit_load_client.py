# Copied from the project's shared tools (../shared/tools/streamlit_load_client.py) so that
# bench/bench_serving.py runs from a clone alone. See that folder's README for what it measures.
# Extended for bench/bench_cluster.py (through a load balancer): a visitor may carry a cookie (the
# balancer's sticky-session cookie) on every HTTP request and on the WebSocket, download a file the way
# the browser does (``fetch_deferred``: the backend operation behind a download button, then GET of the
# media URL it returns), and remembers its session id and download buttons. Defaults are unchanged.
"""Websocket-level load client for a Streamlit app: N concurrent simulated users, each opening a page
(HTTP GET of the page and, optionally, the static assets a browser fetches on a cold load) and then
changing widgets a few times, speaking Streamlit's own protocol (BackMsg/ForwardMsg protobufs on
/_stcore/stream) the way the browser does: the latest query string from page_info_changed, the widget
value as its formatted label, cached message hashes reported back.

Per interaction: time from sending the rerun request to the deck.gl element arriving and to
script_finished; bytes received; whether the change took effect (checked in the query string the page
writes back). Per level: server RSS (ps) sampled every 0.25 s, server CPU seconds (/proc), errors.

Usage: python perf_stload.py --port 8621 --pid PID --levels 1,5,10,20,40 --out result.json [--assets assets.json]
Only talks to 127.0.0.1. Bounded: every wait has a timeout, every loop a count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import threading
import time
import urllib.parse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

HOST = "127.0.0.1"
RUN_TIMEOUT_S = 180
WIDGET_TYPES = ("selectbox", "slider", "button_group", "checkbox", "text_input", "multiselect", "download_button")


async def http_request(port: int, path: str, gzip: bool = True, cookie: str = "") -> tuple[int, dict, bytes]:
    """Status, headers (lower-case names; ``set-cookie`` as a list) and body of GET path (HTTP/1.1,
    Connection: close), sending ``cookie`` when given. The body is returned as received (not decoded)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    enc = "Accept-Encoding: gzip\r\n" if gzip else ""
    jar = f"Cookie: {cookie}\r\n" if cookie else ""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{enc}{jar}Connection: close\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(-1), 60)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1]) if head else 0
    headers: dict = {"set-cookie": []}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            headers["set-cookie"].append(value.strip())
        else:
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunk(body)
    return status, headers, body


def _unchunk(body: bytes) -> bytes:
    out, rest = [], body
    for _ in range(100_000):  # bounded: one pass per chunk
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


async def http_get(port: int, path: str, gzip: bool = True, cookie: str = "") -> tuple[int, int]:
    """Status and body bytes of GET path (HTTP/1.1, Connection: close)."""
    status, _headers, body = await http_request(port, path, gzip, cookie)
    return status, len(body)


class User:
    def __init__(self, port: int, uid: int, rng: random.Random, page: str, query: str, cookie: str = ""):
        self.port, self.uid, self.rng, self.page = port, uid, rng, page
        self.query = query
        self.cookie = cookie  # "NAME=value; ..." sent on every request (a load balancer's sticky cookie)
        self.session_id = ""  # the server's id of this session (new_session), needed by backend operations
        self.requests = 0
        self.widgets: dict[str, object] = {}  # user key -> latest widget proto
        self.widget_ids: dict[str, str] = {}
        self.cached: dict[str, int] = {}  # message hash -> run number last seen (frontend ages them out)
        self.page_hash = ""
        self.runs = 0
        self.ws = None
        self.queue: asyncio.Queue = asyncio.Queue()
        self.reader_task = None

    async def connect(self):
        self.ws = await connect(
            f"ws://{HOST}:{self.port}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=f"http://{HOST}:{self.port}",
            max_size=None,
            open_timeout=60,
            ping_interval=None,
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
        )
        self.reader_task = asyncio.create_task(self._reader())

    async def _reader(self):
        try:
            async for raw in self.ws:
                if isinstance(raw, str):
                    continue
                await self.queue.put((time.perf_counter(), raw))
        except Exception as e:  # noqa: BLE001
            await self.queue.put((time.perf_counter(), e))
        await self.queue.put((time.perf_counter(), None))

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
        if self.reader_task:
            try:
                await asyncio.wait_for(self.reader_task, 10)
            except Exception:  # noqa: BLE001
                pass

    async def rerun(self, changes: list[WidgetState] | None = None) -> dict:
        """Send one rerun request; read until script_finished (successful). Returns the metrics."""
        self.runs += 1
        # frontend keeps cached messages for max_cached_message_age (2) runs
        self.cached = {h: r for h, r in self.cached.items() if self.runs - r <= 2}
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        if self.page_hash:
            cs.page_script_hash = self.page_hash
        else:
            cs.page_name = self.page
        for w in changes or []:
            cs.widget_states.widgets.append(w)
        cs.cached_message_hashes.extend(self.cached)
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"http://{HOST}:{self.port}/{self.page}"
        cs.context_info.color_scheme = "light"
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        nbytes, t_deck, deck_bytes, exc, status, refs = 0, None, 0, 0, None, 0
        deadline = t0 + RUN_TIMEOUT_S
        while True:
            try:
                t, raw = await asyncio.wait_for(self.queue.get(), max(0.1, deadline - time.perf_counter()))
            except TimeoutError:
                return {"error": "timeout", "t": time.perf_counter() - t0}
            if raw is None or isinstance(raw, Exception):
                return {"error": f"disconnected: {raw!r}", "t": t - t0}
            nbytes += len(raw)
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if fm.metadata.cacheable and fm.hash:
                self.cached[fm.hash] = self.runs
            if kind == "ref_hash":
                refs += 1
                if fm.ref_hash in self.cached:
                    self.cached[fm.ref_hash] = self.runs
            elif kind == "new_session":
                self.session_id = fm.new_session.initialize.session_id or self.session_id
            elif kind == "navigation":
                self.page_hash = fm.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                et = el.WhichOneof("type")
                if et == "deck_gl_json_chart":
                    t_deck = t - t0
                    deck_bytes = len(raw)
                elif et == "exception":
                    exc += 1
                elif et in WIDGET_TYPES:
                    p = getattr(el, et)
                    wid = getattr(p, "id", "")
                    if wid.startswith("$$ID-"):
                        key = wid.rsplit("-", 1)[-1]
                        self.widgets[key] = p
                        self.widget_ids[key] = wid
            elif kind == "script_finished":
                status = fm.script_finished
                if status in (0, 3):  # FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY
                    return {
                        "t": t - t0,
                        "t_deck": t_deck,
                        "bytes": nbytes,
                        "deck_bytes": deck_bytes,
                        "exceptions": exc,
                        "status": status,
                        "refs": refs,
                    }
                if status == 1:
                    return {"error": "compile error", "t": t - t0}
                # 2 = finished early for a rerun: keep reading

    async def fetch_deferred(self, file_id: str) -> dict:
        """Download a file as the browser does when its download button (deferred data) is pressed: ask the
        session for it (backend operation), then GET the media URL the server answers with. The metrics:
        ``t`` (s, both steps), ``status``, ``bytes`` and the first bytes of the file (``head``)."""
        self.requests += 1
        request_id = f"dl-{self.uid}-{self.requests}"
        msg = BackMsg()
        msg.backend_operation_request.request_id = request_id
        msg.backend_operation_request.session_id = self.session_id
        msg.backend_operation_request.deferred_file.file_id = file_id
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        deadline = t0 + RUN_TIMEOUT_S
        url = ""
        while not url:
            try:
                t, raw = await asyncio.wait_for(self.queue.get(), max(0.1, deadline - time.perf_counter()))
            except TimeoutError:
                return {"error": "timeout", "t": time.perf_counter() - t0}
            if raw is None or isinstance(raw, Exception):
                return {"error": f"disconnected: {raw!r}", "t": t - t0}
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            if fm.WhichOneof("type") != "backend_operation_response":
                continue
            resp = fm.backend_operation_response
            if resp.request_id != request_id:
                continue
            if resp.error_msg:
                return {"error": f"download refused: {resp.error_msg}", "t": t - t0}
            url = resp.deferred_file.url
        path = url if url.startswith("/") else "/" + url.split("/", 3)[-1]
        status, _headers, body = await http_request(self.port, path, gzip=False, cookie=self.cookie)
        result = {"t": time.perf_counter() - t0, "status": status, "bytes": len(body), "head": body[:200]}
        if status != 200:
            result["error"] = f"download GET -> {status}"
        return result

    allowed_labels: list[str] | None = None  # restrict indicator choices (labels as the selectbox shows them)
    years_last: int = 0  # restrict year choices to the last K options (0: all)

    def choose_indicator(self, label: str | None = None) -> tuple[WidgetState, str] | None:
        p = self.widgets.get("indicator")
        if p is None:
            return None
        current = urllib.parse.parse_qs(self.query).get("indicator", [""])[0]
        opts = [o for o in p.options if self.allowed_labels is None or o in self.allowed_labels]
        label = label or self.rng.choice(opts)
        w = WidgetState(id=self.widget_ids["indicator"], string_value=label)
        return w, current

    def choose_year(self) -> tuple[WidgetState, str] | None:
        p = self.widgets.get("year")
        if p is None or len(p.options) < 2:
            return None
        current = urllib.parse.parse_qs(self.query).get("year", [""])[0]
        pool = list(p.options)[-self.years_last :] if self.years_last else list(p.options)
        opts = [o for o in pool if o != current] or pool
        label = self.rng.choice(opts)
        w = WidgetState(id=self.widget_ids["year"])
        w.string_array_value.data.append(label)
        return w, label


async def user_session(
    u: User,
    steps: int,
    think: tuple[float, float],
    assets: list[str],
    start_jitter: float,
    results: list,
    hold: asyncio.Event,
    seen: set,
    lock: asyncio.Lock,
):
    rec = {"uid": u.uid, "interactions": [], "errors": []}
    await asyncio.sleep(u.rng.uniform(0, start_jitter))
    t0 = time.perf_counter()
    try:
        st, n = await http_get(u.port, f"/{u.page}?{u.query}")
        rec["html_status"], rec["html_bytes"] = st, n
        asset_bytes = 0
        for a in assets:
            st, n = await http_get(u.port, a)
            asset_bytes += n
            if st != 200:
                rec["errors"].append(f"asset {a} -> {st}")
        rec["assets_bytes"] = asset_bytes
        rec["http_s"] = time.perf_counter() - t0
        await u.connect()
        r = await u.rerun()
        rec["load"] = {**r, "total_s": time.perf_counter() - t0}
        if "error" in r:
            rec["errors"].append(f"load: {r['error']}")
        else:
            for i in range(steps):
                await asyncio.sleep(u.rng.uniform(*think))
                kind = "indicator" if i % 2 == 0 else "year"
                ch = u.choose_indicator() if kind == "indicator" else u.choose_year()
                if ch is None:
                    kind = "indicator" if kind == "year" else "year"
                    ch = u.choose_indicator() if kind == "indicator" else u.choose_year()
                if ch is None:
                    rec["errors"].append("no widget to change")
                    break
                w, target = ch
                before = urllib.parse.parse_qs(u.query)
                key = None
                r = await u.rerun([w])
                after = urllib.parse.parse_qs(u.query)
                r["kind"] = kind
                if kind == "year":
                    r["applied"] = after.get("year", [""])[0] == target
                    key = (after.get("indicator", [""])[0], after.get("level", [""])[0], target)
                else:
                    r["applied"] = True  # an indicator label may map to the same id; checked below
                    r["changed"] = after.get("indicator") != before.get("indicator")
                    key = (after.get("indicator", [""])[0], after.get("level", [""])[0], after.get("year", [""])[0])
                async with lock:
                    r["first_seen"] = key not in seen
                    seen.add(key)
                rec["interactions"].append(r)
                if "error" in r:
                    rec["errors"].append(f"{kind}: {r['error']}")
                    break
                if r.get("exceptions"):
                    rec["errors"].append(f"{kind}: exception element")
    except Exception as e:  # noqa: BLE001
        rec["errors"].append(f"exception: {e!r}")
    rec["done_s"] = time.perf_counter() - t0
    results.append(rec)
    await hold.wait()  # keep the session open until every user of the level is done (memory sampled then)
    await u.close()


class Sampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.stop_flag = pid, every, [], threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            self.samples.append((time.perf_counter(), rss_kb(self.pid)))
            time.sleep(self.every)


def rss_kb(pid: int) -> int:
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return int(out) if out else 0


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def pct(xs, q):
    s = sorted(xs)
    if not s:
        return None
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


async def run_level(args, n: int, seed: int, seen: set, lock: asyncio.Lock, assets: list[str]) -> dict:
    results: list = []
    hold = asyncio.Event()
    users = [User(args.port, i, random.Random(seed * 1000 + i), args.page, args.query) for i in range(n)]
    rss_before = rss_kb(args.pid)
    cpu_before = cpu_s(args.pid)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    sampler = Sampler(args.pid)
    sampler.start()
    t0 = time.perf_counter()
    tasks = [
        asyncio.create_task(
            user_session(
                u, args.steps, (args.think_min, args.think_max), assets, args.start_jitter, results, hold, seen, lock
            )
        )
        for u in users
    ]
    deadline = time.perf_counter() + args.level_timeout
    while len(results) < n and time.perf_counter() < deadline:
        await asyncio.sleep(0.2)
    wall = time.perf_counter() - t0
    await asyncio.sleep(1.0)
    rss_connected = rss_kb(args.pid)  # every session of the level still open, idle
    cpu_after = cpu_s(args.pid)
    hold.set()
    await asyncio.wait(tasks, timeout=60)
    for t in tasks:
        if not t.done():
            t.cancel()
    await asyncio.sleep(args.settle)
    sampler.stop_flag.set()
    sampler.join()
    rss_after_close = rss_kb(args.pid)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    inter = [r for rec in results for r in rec["interactions"] if "error" not in r]
    lat = [r["t"] * 1000 for r in inter]
    lat_deck = [r["t_deck"] * 1000 for r in inter if r.get("t_deck") is not None]
    loads = [rec["load"]["t"] * 1000 for rec in results if "load" in rec and "error" not in rec["load"]]
    load_total = [rec["load"]["total_s"] * 1000 for rec in results if "load" in rec and "error" not in rec["load"]]
    errors = [e for rec in results for e in rec["errors"]]
    warm = [r["t"] * 1000 for r in inter if not r.get("first_seen")]
    cold = [r["t"] * 1000 for r in inter if r.get("first_seen")]
    peak = max((s[1] for s in sampler.samples), default=0)
    summary = {
        "n_users": n,
        "finished_users": len(results),
        "wall_s": wall,
        "interactions_ok": len(inter),
        "errors": len(errors),
        "error_samples": errors[:10],
        "not_applied": sum(1 for r in inter if not r.get("applied", True)),
        "latency_ms": {"p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "max": max(lat) if lat else None},
        "latency_to_deck_ms": {"p50": pct(lat_deck, 0.5), "p95": pct(lat_deck, 0.95)},
        "latency_warm_ms": {"n": len(warm), "p50": pct(warm, 0.5), "p95": pct(warm, 0.95)},
        "latency_first_seen_ms": {"n": len(cold), "p50": pct(cold, 0.5), "p95": pct(cold, 0.95)},
        "page_load_script_ms": {"p50": pct(loads, 0.5), "p95": pct(loads, 0.95), "max": max(loads) if loads else None},
        "page_load_total_ms": {"p50": pct(load_total, 0.5), "p95": pct(load_total, 0.95)},
        "throughput_interactions_per_s": len(inter) / wall if wall else None,
        "bytes_per_interaction_median": statistics.median([r["bytes"] for r in inter]) if inter else None,
        "rss_kb": {"before": rss_before, "peak": peak, "all_connected": rss_connected, "after_close": rss_after_close},
        "rss_per_session_kb": (rss_connected - rss_before) / n,
        "server_cpu_s": cpu_after - cpu_before,
        "server_cpu_ms_per_run": (cpu_after - cpu_before) * 1000 / max(1, len(inter) + len(loads)),
        "client_cpu_s": (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime),
        "loadavg": os.getloadavg()[0],
    }
    return {"summary": summary, "users": results}


def indicator_labels(app_root: str, ids: list[str], lang: str = "en") -> list[str]:
    import sys

    sys.path.insert(0, app_root)
    from indicators import load_catalogue

    cat = load_catalogue()
    return [f"{cat.themes[cat.get(i).theme](lang)} \u203a {cat.get(i).name(lang)}" for i in ids]


async def warm_pass(args, labels: list[str], seen: set) -> list[dict]:
    """One user visits every allowed indicator and, for each, its last K years: fills the shared caches
    and records what each first visit costs (serial, no other user)."""
    u = User(args.port, -1, random.Random(0), args.page, args.query)
    await u.connect()
    rows = []
    r = await u.rerun()
    r["kind"] = "load"
    rows.append(r)
    for label in labels:
        w, _ = u.choose_indicator(label)
        r = await u.rerun([w])
        r["kind"] = "indicator"
        r["label"] = label
        rows.append(r)
        p = u.widgets.get("year")
        years = list(p.options)[-args.years_last :] if p is not None else []
        for y in years:
            w = WidgetState(id=u.widget_ids["year"])
            w.string_array_value.data.append(y)
            r = await u.rerun([w])
            r["kind"] = "year"
            r["label"] = y
            rows.append(r)
            q = urllib.parse.parse_qs(u.query)
            seen.add((q.get("indicator", [""])[0], q.get("level", [""])[0], q.get("year", [""])[0]))
    await u.close()
    return rows


async def main_async(args):
    assets = json.load(open(args.assets)) if args.assets else []
    seen, lock = set(), asyncio.Lock()
    out = {"args": vars(args), "levels": []}
    if args.indicators:
        User.allowed_labels = indicator_labels(args.app_root, args.indicators.split(","))
        User.years_last = args.years_last
    if args.indicators and not args.skip_warm:
        User.allowed_labels = indicator_labels(args.app_root, args.indicators.split(","))
        User.years_last = args.years_last
        rss0 = rss_kb(args.pid)
        t = time.perf_counter()
        rows = await warm_pass(args, User.allowed_labels, seen)
        out["warm_pass"] = {
            "rows": rows,
            "wall_s": time.perf_counter() - t,
            "rss_before": rss0,
            "rss_after": rss_kb(args.pid),
        }
        ok = [r for r in rows if "error" not in r]
        for kind in ("indicator", "year"):
            ts = [r["t"] * 1000 for r in ok if r["kind"] == kind]
            print("warm pass", kind, "n", len(ts), "p50", pct(ts, 0.5), "p95", pct(ts, 0.95), flush=True)
        await asyncio.sleep(args.pause)
    for i, n in enumerate(int(x) for x in args.levels.split(",")):
        res = await run_level(args, n, seed=args.seed + i, seen=seen, lock=lock, assets=assets)
        out["levels"].append(res)
        s = res["summary"]
        print(
            json.dumps(
                {
                    k: s[k]
                    for k in (
                        "n_users",
                        "finished_users",
                        "interactions_ok",
                        "errors",
                        "not_applied",
                        "latency_ms",
                        "latency_warm_ms",
                        "page_load_script_ms",
                        "rss_kb",
                        "rss_per_session_kb",
                        "server_cpu_ms_per_run",
                        "wall_s",
                        "loadavg",
                    )
                }
            ),
            flush=True,
        )
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1, default=str)
        await asyncio.sleep(args.pause)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--levels", default="1,5,10,20,40")
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--think-min", type=float, default=0.5)
    ap.add_argument("--think-max", type=float, default=1.5)
    ap.add_argument("--start-jitter", type=float, default=1.0)
    ap.add_argument("--page", default="map")
    ap.add_argument("--query", default="lang=en")
    ap.add_argument("--assets", default="")
    ap.add_argument("--level-timeout", type=float, default=900)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--pause", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--indicators", default="", help="comma-separated indicator ids users pick from (warm pass first)")
    ap.add_argument("--years-last", type=int, default=6)
    ap.add_argument("--skip-warm", action="store_true")
    ap.add_argument("--app-root", default="")
    ap.add_argument("--out", required=True)
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
