"""A TCP proxy in its own process, to put between Tessera and its database and make the
database misbehave on purpose:

- ``kill()``: the database is unavailable (connections refused, open ones closed);
- ``pause()`` (SIGSTOP): the database is hung: the kernel still accepts connections
  and buffers what is sent, but nothing ever answers; ``resume()`` (SIGCONT) ends that;
- ``start()`` again after ``kill()``: the database is back, on the same port.

Run by hand as ``python -m tests.support.tcp_proxy LISTEN_PORT TARGET_HOST TARGET_PORT``;
it prints ``listening on PORT`` once it accepts connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

READY_LINE = "listening on"
START_TIMEOUT = 10
CHUNK = 65536
REPOSITORY = Path(__file__).resolve().parents[2]


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError):
            writer.close()


async def _serve(listen_port: int, target_host: str, target_port: int) -> None:
    async def relay(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter):
        try:
            target_reader, target_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, target_writer), _pipe(target_reader, client_writer)
        )

    server = await asyncio.start_server(relay, "127.0.0.1", listen_port, backlog=512)
    print(f"{READY_LINE} {listen_port}", flush=True)
    async with server:
        await server.serve_forever()


@dataclass
class TcpProxy:
    """The proxy process on ``listen_port``, forwarding to ``target_host:target_port``."""

    listen_port: int
    target_host: str
    target_port: int
    process: subprocess.Popen[str] | None = field(default=None, init=False)

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self._close_pipe()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.tcp_proxy",
                str(self.listen_port),
                self.target_host,
                str(self.target_port),
            ],
            cwd=REPOSITORY,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        # The first line is printed once the port is bound (a failure ends the process,
        # which ends the line too).
        line = self.process.stdout.readline()
        assert line.startswith(READY_LINE), f"tcp proxy did not start: {line!r}"

    def kill(self) -> None:
        """The database goes away: nothing listens, open connections are closed."""
        process = self._running()
        process.kill()
        process.wait(timeout=START_TIMEOUT)
        self._wait_until_port_closed()

    def pause(self) -> None:
        """The database hangs: connections are accepted by the kernel, never answered."""
        self._running().send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._running().send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Ends the process, paused or not, for good."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL ends a stopped process too
            self.process.wait(timeout=START_TIMEOUT)
        self._close_pipe()

    def _close_pipe(self) -> None:
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()

    def _running(self) -> subprocess.Popen[str]:
        assert self.process is not None, "proxy never started"
        assert self.process.poll() is None, "proxy not running"
        return self.process

    def _wait_until_port_closed(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.listen_port)) != 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"port {self.listen_port} still accepts connections")


@contextmanager
def tcp_proxy(listen_port: int, target_host: str, target_port: int) -> Iterator[TcpProxy]:
    """A running proxy; killed (even if stopped) on exit."""
    proxy = TcpProxy(listen_port, target_host, target_port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()


def main(argv: list[str]) -> None:
    listen_port, target_host, target_port = int(argv[0]), argv[1], int(argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(_serve(listen_port, target_host, target_port))


if __name__ == "__main__":
    main(sys.argv[1:])
