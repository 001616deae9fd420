#!/usr/bin/env python3
"""Benchmark (figures, not a test): authdeck's release binary as a user meets it, in a real pty.

For each program, in interleaved rounds: the time from spawning it to its first frame's text on
screen, its resident memory once drawn (VmRSS, and the peak VmHWM), its CPU time and the bytes
it writes to the terminal while idle for 5 s, and key press -> output (j and k alternately, time
to the first byte of the redraw). Medians over the rounds; then each program's first frame as a
ratio of the reference (the first program after the pty floor, unless --ratio-to says).

Programs measured by default:
  floor           sh -c 'echo Authorizations'  (the pty floor: fork, exec, a line of text)
  authdeck-new    authdeck on a database that doesn't exist yet (created on this start)
  authdeck-small  authdeck on a small database (one app, one authorization)
  authdeck-large  authdeck on the database given with --large (make it with
                  `cargo run --release --example bench_tui -- --seed DIR`: DIR/large.db, DIR/keys)
Another program is measured the same way with --compare 'NAME::TEXT::COMMAND' (TEXT: what its
first frame shows; COMMAND: run by sh), e.g. --compare 'atac::Collections::atac'.

The terminal is asked for the cursor position (ESC[6n) by some programs; this pty answers it
like a terminal would (ESC[1;1R) and counts the questions, unless --no-answer, which plays a
terminal that never answers (a recorder, a serial console): a program that waits for the answer
then shows no first frame within --timeout.

Usage: bench/startup.py [--rounds 7] [--size 120x40] [--bin target/release/authdeck]
                        [--large DIR] [--compare NAME::TEXT::COMMAND]... [--no-answer]
Needs Linux (/proc) and python3; nothing else.
"""

import argparse
import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
CURSOR_QUERY = b"\x1b[6n"
TICKS = os.sysconf("SC_CLK_TCK")
IDLE_SECONDS = 5.0


class Program:
    def __init__(self, name, text, argv, env=None, prepare=None, quit_key=None, floor=False):
        self.name, self.text, self.argv = name, text.encode(), argv
        self.env, self.prepare, self.quit_key, self.floor = env or {}, prepare, quit_key, floor
        self.results = []


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_ticks(pid):
    """utime + stime of the process and its waited-for children, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15])
    except OSError:
        return None


class Pty:
    def __init__(self, program, cols, rows, answer):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
        env.update(program.env)
        self.answer, self.queries, self.out = answer, 0, bytearray()
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            program.argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(slave)

    def read(self, timeout):
        """Reads what arrives within `timeout` s (stops at the first chunk); b'' on silence."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the program closed the pty
            return None
        if CURSOR_QUERY in chunk:
            self.queries += chunk.count(CURSOR_QUERY)
            if self.answer:
                os.write(self.master, b"\x1b[1;1R")
        self.out += chunk
        return chunk

    def wait_for(self, text, timeout):
        """Seconds from the start until `text` is on screen (escape sequences left out), or None."""
        deadline = self.started + timeout
        while time.perf_counter() < deadline:
            chunk = self.read(deadline - time.perf_counter())
            if chunk is None:
                break
            if chunk and text in ANSI.sub(b"", bytes(self.out)):
                return time.perf_counter() - self.started
        return None

    def drain(self, quiet):
        """Reads until nothing has come for `quiet` s; how many bytes came."""
        total = 0
        while True:
            chunk = self.read(quiet)
            if not chunk:
                return total
            total += len(chunk)

    def stop(self, quit_key):
        if quit_key and self.proc.poll() is None:
            try:
                os.write(self.master, quit_key)
            except OSError:
                pass
            end = time.perf_counter() + 3
            while self.proc.poll() is None and time.perf_counter() < end:
                if self.read(0.05) is None:
                    break
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        os.close(self.master)


def measure(program, args):
    if program.prepare:
        program.prepare()
    pty = Pty(program, args.cols, args.rows, not args.no_answer)
    result = {"first": pty.wait_for(program.text, args.timeout), "queries": 0}
    if result["first"] is not None and not program.floor:
        pid = pty.proc.pid
        pty.drain(0.3)  # the rest of the first frame
        ticks, start_bytes = cpu_ticks(pid), len(pty.out)
        end = time.perf_counter() + IDLE_SECONDS
        while time.perf_counter() < end:
            if pty.read(end - time.perf_counter()) is None:
                break
        after = cpu_ticks(pid)
        if ticks is not None and after is not None:
            result["idle_cpu"] = 100.0 * (after - ticks) / TICKS / IDLE_SECONDS
        result["idle_bytes"] = len(pty.out) - start_bytes
        result["rss"] = status_kib(pid, "VmRSS")
        result["hwm"] = status_kib(pid, "VmHWM")
        presses = []
        for i in range(args.presses):
            os.write(pty.master, b"j" if i % 2 == 0 else b"k")
            t = time.perf_counter()
            if pty.read(1.0):
                presses.append(time.perf_counter() - t)
            pty.drain(0.02)
        result["press"] = statistics.median(presses) if presses else None
    result["queries"] = pty.queries
    pty.stop(program.quit_key)
    program.results.append(result)


def med(program, key):
    values = [r[key] for r in program.results if r.get(key) is not None]
    return statistics.median(values) if values else None


def fmt(value, unit, scale=1.0, digits=1):
    return "–" if value is None else f"{value * scale:.{digits}f}{unit}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--bin", default=os.path.join(repo, "target", "release", "authdeck"))
    parser.add_argument("--large", help="a folder with large.db and keys/ (bench_tui --seed)")
    parser.add_argument("--compare", action="append", default=[], metavar="NAME::TEXT::COMMAND")
    parser.add_argument("--ratio-to", help="the program the others are compared with")
    parser.add_argument("--no-answer", action="store_true", help="never answer ESC[6n")
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--only", help="comma-separated names of the programs to measure")
    args = parser.parse_args()
    args.cols, args.rows = (int(x) for x in args.size.split("x"))
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no authdeck binary at {args.bin}: cargo build --release (or --bin PATH)")

    work = tempfile.mkdtemp(prefix="authdeck-startup-")
    env = {"XDG_DATA_HOME": os.path.join(work, "data"), "XDG_CONFIG_HOME": os.path.join(work, "config"),
           "AUTHDECK_KEY_DIR": os.path.join(work, "keys")}
    new_db, small_db = os.path.join(work, "new.db"), os.path.join(work, "small.db")

    def fresh():
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(new_db + suffix):
                os.remove(new_db + suffix)

    programs = [
        Program("floor", "Authorizations", ["sh", "-c", "echo Authorizations"], floor=True),
        Program("authdeck-new", "Authorizations", [args.bin, "--db", new_db], env, fresh, b"q"),
        Program("authdeck-small", "Authorizations", [args.bin, "--db", small_db], env, quit_key=b"q"),
    ]
    # The small database: made by a first start, measured from the second on.
    measure(Program("make", "Authorizations", [args.bin, "--db", small_db], env, quit_key=b"q"), args)
    if args.large:
        large_env = dict(env, AUTHDECK_KEY_DIR=os.path.join(args.large, "keys"))
        programs.append(Program("authdeck-large", "Authorizations",
                                [args.bin, "--db", os.path.join(args.large, "large.db")], large_env, quit_key=b"q"))
    for spec in args.compare:
        name, text, command = spec.split("::", 2)
        programs.append(Program(name, text, ["sh", "-c", command]))
    if args.only:
        keep = set(args.only.split(","))
        programs = [p for p in programs if p.name in keep]

    for _ in range(args.rounds):
        for program in programs:
            measure(program, args)

    print(f"{args.rounds} interleaved rounds in a {args.cols}x{args.rows} pty, medians "
          f"(ESC[6n {'never answered' if args.no_answer else 'answered'}):")
    print(f"{'program':16} {'first frame':>12} {'RSS':>9} {'peak RSS':>9} {'idle CPU':>9} {'idle out':>9} "
          f"{'key->out':>9} {'ESC[6n':>7} {'missed':>7}")
    for p in programs:
        missed = sum(1 for r in p.results if r["first"] is None)
        print(f"{p.name:16} {fmt(med(p, 'first'), ' ms', 1e3):>12} {fmt(med(p, 'rss'), ' MiB', 1 / 1024):>9} "
              f"{fmt(med(p, 'hwm'), ' MiB', 1 / 1024):>9} {fmt(med(p, 'idle_cpu'), ' %'):>9} "
              f"{fmt(med(p, 'idle_bytes'), ' B', 1, 0):>9} {fmt(med(p, 'press'), ' ms', 1e3, 2):>9} "
              f"{fmt(med(p, 'queries'), '', 1, 0):>7} {missed:>7}")
    floor = next((p for p in programs if p.floor), None)
    others = [p for p in programs if not p.floor]
    reference = next((p for p in others if p.name == args.ratio_to), others[0] if others else None)
    if reference and med(reference, "first"):
        print(f"first frame as a ratio of {reference.name}" + (" and of the pty floor:" if floor else ":"))
        for p in others:
            first = med(p, "first")
            if first is None:
                continue
            line = f"  {p.name:16} {first / med(reference, 'first'):5.2f}x"
            if floor and med(floor, "first"):
                line += f"   {first / med(floor, 'first'):5.2f}x the floor"
            print(line)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
