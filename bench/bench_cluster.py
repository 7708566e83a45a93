"""The reference cluster under load: 1, 2 and 4 atlas servers behind HAProxy, and one server killed mid-test.

Starts ``deploy.cluster`` once with the largest number of servers asked for (PostgreSQL, the servers, the API,
HAProxy) and takes servers out of HAProxy's rotation (``maint``) to measure fewer. Simulated visitors speak
Streamlit's own WebSocket protocol through the load balancer (``bench/streamlit_load_client.py``), carrying
HAProxy's sticky cookie like a browser: each opens the map, changes indicator, year, indicator and year,
opens a territory's profile (the territory selector the map's click fills in, so the profile comes from the
URL's ``sel``) and downloads that territory's CSV (the button's backend request, then GET of the file). All
visitors of a level are active at once, thinking 0.5-1.5 s between interactions.

Prints one row per (servers, visitors): interactions/s, p50/p95 latency of every interaction (script runs
and downloads), errors, and the memory of each server (resident set, MB, with every session of the level
still open). Then the fault test: visitors on 2 servers, one server killed (SIGKILL) mid-run; a visitor
whose connection drops reconnects the way Streamlit's front end does (health check, new WebSocket, rerun of
the page from its URL) and HAProxy sends it to the live server; the table says how many reconnected,
how long that took, and whether any visitor saw an error.

Before the levels, one visitor per server visits every indicator, year and territory the visitors will pick,
directly (not through HAProxy), so that the table measures warm servers; what a first visit costs is printed.
Loopback only; every loop and wait is bounded.

``--profile DIR`` records server s1 with py-spy (``requirements-dev.txt``) during each level, one speedscope file
per level (open it at speedscope.app or read it with ``py-spy``'s own viewer); py-spy samples the live process
from outside, so nothing in the server changes. Figures measured before and after the profile-panel work of
issue #17 are in ``bench/results/bench_cluster.md``.

Usage: ``.venv/bin/python bench/bench_cluster.py [--servers 1,2,4] [--levels 10,20,40,60] [--kill-visitors 20]
[--profile DIR]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from streamlit_load_client import User, http_request, indicator_labels, pct, rss_kb  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from deploy.cluster import COOKIE, Cluster, cluster  # noqa: E402

INDICATORS = "immigrant_share,immigrant_stock,population"
YEARS_LAST = 4
TERRITORIES = 6  # visitors pick among the first N territories of the selector
RECONNECT_TRIES = 8  # Streamlit's front end retries with a growing wait; so does a visitor here (bounded)


class Visitor(User):
    """A simulated visitor through the load balancer: keeps HAProxy's cookie like a browser."""

    territory_labels: list[str] = []

    def server(self) -> str:
        jar = dict(p.split("=", 1) for p in self.cookie.split("; ") if "=" in p)
        return jar.get(COOKIE, "")

    def take_cookies(self, headers: dict) -> None:
        jar = dict(p.split("=", 1) for p in self.cookie.split("; ") if "=" in p)
        for line in headers.get("set-cookie", []):
            name, _, value = line.split(";", 1)[0].partition("=")
            jar[name.strip()] = value.strip()
        self.cookie = "; ".join(f"{k}={v}" for k, v in jar.items())

    async def open(self) -> dict:
        """GET the page (the balancer picks a server and sets its cookie), open the WebSocket, run the page."""
        t0 = time.perf_counter()
        status, headers, _body = await http_request(self.port, f"/{self.page}?{self.query}", cookie=self.cookie)
        self.take_cookies(headers)
        if status != 200:
            return {"error": f"page GET -> {status}", "t": time.perf_counter() - t0}
        await self.connect()
        r = await self.rerun()
        r["t"] = time.perf_counter() - t0
        return r

    async def reconnect(self) -> dict:
        """What Streamlit's front end does when its WebSocket drops: poll the health endpoint (through the
        balancer, with its cookie), open a new WebSocket and rerun the page from its URL."""
        t0 = time.perf_counter()
        await self.close()
        self.queue = asyncio.Queue()
        self.page_hash, self.session_id, self.cached = "", "", {}
        for attempt in range(RECONNECT_TRIES):
            try:
                status, headers, _body = await http_request(self.port, "/_stcore/health", cookie=self.cookie)
                self.take_cookies(headers)
                if status == 200:
                    await self.connect()
                    r = await self.rerun()
                    if "error" not in r:
                        return {**r, "t": time.perf_counter() - t0, "tries": attempt + 1}
                    await self.close()
                    self.queue = asyncio.Queue()
            except OSError:
                pass
            await asyncio.sleep(min(0.25 * 2**attempt, 4))
        return {"error": "could not reconnect", "t": time.perf_counter() - t0}

    def choose_territory(self) -> tuple[WidgetState, str] | None:
        p = self.widgets.get("sel")
        if p is None:
            return None
        current = urllib.parse.parse_qs(self.query).get("sel", [""])[0]
        pool = self.territory_labels or [o for o in p.options if o not in ("", "—")][:TERRITORIES]
        label = self.rng.choice(pool)
        return WidgetState(id=self.widget_ids["sel"], string_value=label), current

    def csv_button(self) -> str:
        p = self.widgets.get("dl_sel_csv") or self.widgets.get("dl_view_csv")
        return p.deferred_file_id if p is not None else ""


PLAN = ("indicator", "year", "indicator", "year", "profile", "csv")


async def interact(v: Visitor, kind: str) -> dict:
    """One interaction of ``kind``; its metrics (``error`` when it failed)."""
    if kind == "csv":
        file_id = v.csv_button()
        if not file_id:
            return {"error": "no CSV download button", "t": 0.0}
        r = await v.fetch_deferred(file_id)
        if "error" not in r and not r["bytes"]:
            r["error"] = "empty CSV"
        return r
    ch = {"indicator": v.choose_indicator, "year": v.choose_year, "profile": v.choose_territory}[kind]()
    if ch is None:
        return {"error": f"no {kind} widget", "t": 0.0}
    widget, _current = ch
    r = await v.rerun([widget])
    if "error" not in r and r.get("exceptions"):
        r["error"] = "exception element on the page"
    if kind == "profile" and "error" not in r and not urllib.parse.parse_qs(v.query).get("sel", [""])[0]:
        r["error"] = "profile not opened (no sel in the URL)"
    return r


@dataclass
class Record:
    uid: int
    servers: list[str] = field(default_factory=list)  # the server of each (re)connection
    interactions: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reconnects: list[dict] = field(default_factory=list)


async def visit(v: Visitor, rounds: int, think: tuple[float, float], jitter: float, rec: Record, until: float = 0):
    """Open the map, then the plan ``rounds`` times (or until ``until``, a perf_counter time)."""
    await asyncio.sleep(v.rng.uniform(0, jitter))
    try:
        r = await v.open()
        rec.servers.append(v.server())
        if "error" in r:
            rec.errors.append(f"open: {r['error']}")
            return
        rec.interactions.append({**r, "kind": "open"})
        done = 0
        while done < rounds or (until and time.perf_counter() < until):
            for kind in PLAN:
                await asyncio.sleep(v.rng.uniform(*think))
                try:
                    r = await interact(v, kind)
                except ConnectionClosed as closed:
                    r = {"error": f"disconnected: {closed!r}", "t": 0.0}
                if "error" in r and r["error"].startswith("disconnected"):
                    back = await v.reconnect()  # the page comes back on a live server, from its URL
                    rec.reconnects.append({**back, "at": time.perf_counter(), "server": v.server()})
                    rec.servers.append(v.server())
                    if "error" in back or back.get("exceptions"):
                        rec.errors.append(f"reconnect: {back.get('error', 'exception element')}")
                        return
                    r = await interact(v, kind)  # the visitor repeats the click the drop swallowed
                r["kind"], r["at"], r["server"] = kind, time.perf_counter(), v.server()
                rec.interactions.append(r)
                if "error" in r:
                    rec.errors.append(f"{kind}: {r['error']}")
                    if r.get("status") == 404:  # a failed download: the page is still there, the visitor goes on
                        continue
                    return
            done += 1
    except Exception as err:  # noqa: BLE001 - a visitor's failure is a counted error, never a crash of the bench
        rec.errors.append(f"exception: {err!r}")
    finally:
        await v.close()


class RssSampler(threading.Thread):
    """Peak resident memory of each server process, sampled every 0.5 s."""

    def __init__(self, pids: dict[str, int]):
        super().__init__(daemon=True)
        self.pids, self.peak, self.halt = pids, dict.fromkeys(pids, 0), threading.Event()

    def run(self):
        while not self.halt.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], rss_kb(pid))
            self.halt.wait(0.5)


def new_visitor(c: Cluster, uid: int, seed: int) -> Visitor:
    return Visitor(c.port, uid, random.Random(seed * 1000 + uid), "map", "lang=en")


async def run_level(c: Cluster, active: int, n: int, args, seed: int) -> dict:
    pids = {m.name: m.pid for m in c.servers[:active]}
    before = {name: rss_kb(pid) for name, pid in pids.items()}
    sampler = RssSampler(pids)
    sampler.start()
    records = [Record(i) for i in range(n)]
    visitors = [new_visitor(c, i, seed) for i in range(n)]
    t0 = time.perf_counter()
    tasks = [
        asyncio.create_task(visit(v, args.rounds, (args.think_min, args.think_max), args.jitter, rec))
        for v, rec in zip(visitors, records)
    ]
    await asyncio.wait(tasks, timeout=args.level_timeout)
    wall = time.perf_counter() - t0
    for t in tasks:
        t.cancel()
    sampler.halt.set()
    sampler.join()
    ok = [r for rec in records for r in rec.interactions if "error" not in r and r["kind"] != "open"]
    lat = [r["t"] * 1000 for r in ok]
    by_kind = {k: [r["t"] * 1000 for r in ok if r["kind"] == k] for k in ("indicator", "year", "profile", "csv")}
    per_server = {name: sum(1 for rec in records if rec.servers[:1] == [name]) for name in pids}
    return {
        "servers": active,
        "visitors": n,
        "wall_s": wall,
        "per_s": len(ok) / wall if wall else 0.0,
        "p50": pct(lat, 0.5),
        "p95": pct(lat, 0.95),
        "p95_kind": {k: pct(v, 0.95) for k, v in by_kind.items()},
        "unfinished": sum(1 for t in tasks if not t.done() or t.cancelled()),
        "errors": sum(len(rec.errors) for rec in records),
        "loadavg": os.getloadavg()[0],
        "csv_404": sum(1 for rec in records for e in rec.errors if e.endswith("-> 404")),
        "error_samples": [e for rec in records for e in rec.errors if not e.endswith("-> 404")][:3],
        "rss_mb": {k: v / 1024 for k, v in sampler.peak.items()},
        "rss_before_mb": {k: v / 1024 for k, v in before.items()},
        "visitors_per_server": per_server,
    }


async def kill_test(c: Cluster, n: int, args, seed: int) -> dict:
    """``n`` visitors on the first 2 servers; the first server is killed ``args.kill_after`` s in."""
    records = [Record(i) for i in range(n)]
    visitors = [new_visitor(c, i, seed) for i in range(n)]
    t0 = time.perf_counter()
    until = t0 + args.kill_after + args.after_kill
    tasks = [
        asyncio.create_task(visit(v, 1, (args.think_min, args.think_max), args.jitter, rec, until=until))
        for v, rec in zip(visitors, records)
    ]
    await asyncio.sleep(args.kill_after)
    on_victim = sum(1 for v in visitors if v.server() == c.servers[0].name and v.ws is not None)
    t_kill = time.perf_counter()
    await asyncio.to_thread(c.kill, 0)
    await asyncio.to_thread(c.wait_status, 0, "DOWN", 30)
    t_down = time.perf_counter() - t_kill
    await asyncio.wait(tasks, timeout=args.level_timeout)
    for t in tasks:
        t.cancel()
    ok = [r for rec in records for r in rec.interactions if "error" not in r and r["kind"] != "open"]
    before = [r["t"] * 1000 for r in ok if r["at"] < t_kill]
    after = [r["t"] * 1000 for r in ok if r["at"] >= t_kill]
    back = [b for rec in records for b in rec.reconnects]
    recovered = [b["t"] * 1000 for b in back if "error" not in b]
    return {
        "visitors": n,
        "on_killed_server": on_victim,
        "down_in_haproxy_s": t_down,
        "reconnects": len(back),
        "reconnected_ok": len(recovered),
        "landed_on": sorted({b["server"] for b in back if "error" not in b}),
        "reconnect_ms": {"p50": pct(recovered, 0.5), "max": max(recovered) if recovered else None},
        "p95_before_ms": pct(before, 0.95),
        "p95_after_ms": pct(after, 0.95),
        "interactions_after": len(after),
        "errors": sum(len(rec.errors) for rec in records),
        "error_samples": [e for rec in records for e in rec.errors][:5],
    }


async def warm_server(port: int, labels: list[str]) -> dict:
    """One visitor on one server (directly): every indicator, its last years, each territory's profile and CSV."""
    v = Visitor(port, -1, random.Random(0), "map", "lang=en")
    costs: dict[str, list[float]] = {"open": [], "indicator": [], "year": [], "profile": [], "csv": []}
    r = await v.open()
    costs["open"].append(r["t"])
    for label in labels:
        widget, _ = v.choose_indicator(label)
        costs["indicator"].append((await v.rerun([widget]))["t"])
        p = v.widgets.get("year")
        for year in list(p.options)[-YEARS_LAST:] if p is not None else []:
            w = WidgetState(id=v.widget_ids["year"])
            w.string_array_value.data.append(year)
            costs["year"].append((await v.rerun([w]))["t"])
        for territory in Visitor.territory_labels:
            w = WidgetState(id=v.widget_ids["sel"], string_value=territory)
            costs["profile"].append((await v.rerun([w]))["t"])
            if v.csv_button():
                costs["csv"].append((await v.fetch_deferred(v.csv_button()))["t"])
    await v.close()
    return {k: pct([x * 1000 for x in xs], 0.5) for k, xs in costs.items()}


async def territory_labels(port: int) -> list[str]:
    v = Visitor(port, -2, random.Random(0), "map", "lang=en")
    await v.open()
    await v.close()
    p = v.widgets.get("sel")
    return [o for o in p.options if o not in ("", "—")][:TERRITORIES] if p is not None else []


@contextlib.contextmanager
def profiled(pid: int, out: Path | None):
    """py-spy samples process ``pid`` (100 Hz, busy threads only, without pausing it) into ``out`` (speedscope
    JSON) for the block."""
    if out is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [spy, "record", "--nonblocking", "--rate", "100", "--pid", str(pid), "--format", "speedscope"]
    cmd += ["--output", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # py-spy attaches before the visitors come
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def fmt(x: float | None, spec: str = "8.0f") -> str:
    return format(x, spec) if x is not None else format("-", spec.rstrip("f").split(".")[0] + "s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="1,2,4", help="numbers of servers to measure (default 1,2,4)")
    parser.add_argument("--levels", default="10,20,40,60", help="visitors at once (default 10,20,40,60)")
    parser.add_argument(
        "--levels-1", default="", help="visitor levels for 1 server (default: --levels) to find where it degrades"
    )
    parser.add_argument("--rounds", type=int, default=1, help="times each visitor goes through the plan")
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=1.5)
    parser.add_argument("--jitter", type=float, default=2.0, help="visitors arrive within this many seconds")
    parser.add_argument("--level-timeout", type=float, default=240)
    parser.add_argument("--kill-visitors", type=int, default=20, help="visitors of the kill test (0: skip it)")
    parser.add_argument("--kill-after", type=float, default=10.0)
    parser.add_argument("--after-kill", type=float, default=15.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", default="", help="record server s1 with py-spy into this folder, per level")
    args = parser.parse_args()
    counts = sorted({int(x) for x in args.servers.split(",")})
    levels = [int(x) for x in args.levels.split(",")]
    levels_1 = [int(x) for x in args.levels_1.split(",")] if args.levels_1 else levels
    size = max(counts + ([2] if args.kill_visitors else []))
    User.allowed_labels = indicator_labels(str(ROOT), INDICATORS.split(","))
    User.years_last = YEARS_LAST
    t_start = time.perf_counter()
    print(f"Starting a cluster of {size} servers (PostgreSQL, API, HAProxy) ...", flush=True)
    with cluster(servers=size) as c:
        print(f"up in {time.perf_counter() - t_start:.0f} s at {c.url}", flush=True)
        Visitor.territory_labels = asyncio.run(territory_labels(c.servers[0].port))
        for m in c.servers:
            first = asyncio.run(warm_server(m.port, User.allowed_labels))
            print(
                f"warm pass {m.name} (first visits, p50 ms): "
                + ", ".join(f"{k} {fmt(v, '.0f')}" for k, v in first.items())
            )
        print()
        print(
            f"{'servers':>7} {'visitors':>8} {'inter/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6} "
            f"{'csv404':>6} {'load':>5}  "
            f"{'p95 by kind (ind/year/profile/csv) ms':38} RSS per server MB (visitors)"
        )
        for n_servers in counts:
            for i in range(len(c.servers)):
                c.set_state(i, "ready" if i < n_servers else "maint")
            for i in range(n_servers):
                c.wait_status(i, "UP")
            for j, n in enumerate(levels_1 if n_servers == 1 else levels):
                name = f"s1_{n_servers}servers_{n}visitors.speedscope.json"
                out = Path(args.profile) / name if args.profile else None
                with profiled(c.servers[0].pid, out):
                    row = asyncio.run(run_level(c, n_servers, n, args, args.seed + 100 * n_servers + j))
                kinds = "/".join(fmt(row["p95_kind"][k], ".0f") for k in ("indicator", "year", "profile", "csv"))
                mem = " ".join(
                    f"{name}:{mb:.0f}({row['visitors_per_server'][name]})" for name, mb in row["rss_mb"].items()
                )
                print(
                    f"{n_servers:>7} {n:>8} {row['per_s']:8.1f} {fmt(row['p50'])} {fmt(row['p95'])} "
                    f"{row['errors'] - row['csv_404']:>6} {row['csv_404']:>6} {row['loadavg']:5.1f}  {kinds:38} {mem}"
                    + (f"  e.g. {row['error_samples']}" if row["error_samples"] else ""),
                    flush=True,
                )
                time.sleep(2)
        if args.kill_visitors:
            for i in range(len(c.servers)):
                c.set_state(i, "ready" if i < 2 else "maint")
            c.wait_status(1, "UP")
            k = asyncio.run(kill_test(c, args.kill_visitors, args, args.seed + 999))
            print()
            print(
                f"kill a server: {k['visitors']} visitors on 2 servers, {k['on_killed_server']} on s1 when it was "
                f"killed (SIGKILL); HAProxy marked it down in {k['down_in_haproxy_s']:.1f} s"
            )
            landed = ", ".join(k["landed_on"]) or "-"
            waits = k["reconnect_ms"]
            print(
                f"  reconnects {k['reconnects']}, reconnected {k['reconnected_ok']} (to {landed}), "
                f"reconnect p50 {fmt(waits['p50'], '.0f')} ms, max {fmt(waits['max'], '.0f')} ms"
            )
            print(
                f"  p95 before the kill {fmt(k['p95_before_ms'], '.0f')} ms, after {fmt(k['p95_after_ms'], '.0f')} ms "
                f"({k['interactions_after']} interactions after); errors {k['errors']}"
                + (f": {k['error_samples']}" if k["errors"] else "")
            )
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
