"""The ``idp`` command: one-shot commands run in this process through the CLI's own
entry (:func:`run_idp`, as Click's test runner does it: the real argument parsing,
output streams, exit codes and database, without a second of interpreter start-up a
call), or as a real subprocess of the console script (:func:`run_idp_process`: the
launcher, concurrent commands, ``idp serve``)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tests.support.server import free_port

IDP = Path(sys.executable).parent / "idp"
COMMAND_TIMEOUT = 60
START_TIMEOUT = 20
RUNNER = CliRunner()
ONE_COMMAND_AT_A_TIME = threading.Lock()


def idp_env(directory: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without any IDP_* variable, plus a private
    database and instance secret in ``directory``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("IDP_")}
    env.update(
        IDP_DATABASE_URL=f"sqlite:///{directory / 't.db'}",
        IDP_SECRET_KEY_FILE=str(directory / "secret.key"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_idp(
    env: Mapping[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``idp *args`` in this process, with exactly ``env`` as its environment (one
    command at a time: the runner swaps the process's streams and environment). An
    exception the CLI does not handle is a traceback on stderr and exit code 1, as the
    console script would print it."""
    from idp.cli import app  # the server's modules, imported by the tests that need them

    unset: dict[str, str | None] = {name: None for name in os.environ if name not in env}
    with ONE_COMMAND_AT_A_TIME:
        result = RUNNER.invoke(app, list(args), input=stdin or "", env=unset | dict(env))
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(
        ["idp", *args], result.exit_code, stdout=result.stdout, stderr=stderr
    )


def run_idp_process(
    env: Mapping[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``idp *args`` as a subprocess of the console script."""
    return subprocess.run(
        [str(IDP), *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def run_idp_concurrently(
    env: Mapping[str, str],
    commands: Sequence[Sequence[str]],
    stdins: Sequence[str] | None = None,
) -> list[subprocess.CompletedProcess[str]]:
    """Independent commands in parallel (each one is mostly interpreter start-up)."""
    inputs = list(stdins) if stdins is not None else [""] * len(commands)
    assert len(inputs) == len(commands)
    return run_concurrently(
        [(env, args, stdin) for args, stdin in zip(commands, inputs, strict=True)]
    )


def run_concurrently(
    calls: Sequence[tuple[Mapping[str, str], Sequence[str], str]],
) -> list[subprocess.CompletedProcess[str]]:
    """``(env, args, stdin)`` calls in parallel; results in the order of ``calls``."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [
            pool.submit(run_idp_process, env, *args, stdin=stdin) for env, args, stdin in calls
        ]
        return [future.result() for future in futures]


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with exactly one ``error:`` line on stderr; returns it."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


@dataclass
class ServedIdp:
    base_url: str
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text()

    def logs(self) -> str:
        return f"stdout:\n{self.stdout()}\nstderr:\n{self.stderr_path.read_text()}"

    def wait_for_stdout_line(self, prefix: str, timeout: float = START_TIMEOUT) -> list[str]:
        """The lines printed so far, once one starts with ``prefix``. The output goes to a
        file, so the server never blocks on a full pipe while the test waits."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.stdout().splitlines()
            if any(line.startswith(prefix) for line in lines):
                return lines
            assert self.process.poll() is None, f"idp serve exited early\n{self.logs()}"
            assert time.monotonic() < deadline, f"no {prefix!r} line\n{self.logs()}"
            time.sleep(0.05)


@contextmanager
def served_idp(directory: Path, *args: str, **env: str) -> Iterator[ServedIdp]:
    """``idp serve --port P *args`` with its issuer on that port; stopped on exit."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = idp_env(directory, IDP_ISSUER=base_url, **env)
    run_id = f"{port}-{time.monotonic_ns()}"
    stdout_path = directory / f"serve-{run_id}.out"
    stderr_path = directory / f"serve-{run_id}.err"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(
            [str(IDP), "serve", "--port", str(port), *args],
            cwd=directory,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    served = ServedIdp(base_url, process, stdout_path, stderr_path)
    try:
        _wait_until_healthy(served)
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_healthy(served: ServedIdp) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    with httpx.Client(timeout=2) as http:
        while True:
            assert served.process.poll() is None, f"idp serve exited\n{served.logs()}"
            try:
                if http.get(f"{served.base_url}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"idp serve never became healthy\n{served.logs()}"
            time.sleep(0.05)
