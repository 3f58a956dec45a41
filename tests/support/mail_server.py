"""A real SMTP server (aiosmtpd) on a loopback port, in a thread of the test process: the
mail Tessera sends arrives over TCP, and tests read it from the mailbox."""

from __future__ import annotations

import email
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port

LINK = re.compile(r"(https?://\S+\?token=[A-Za-z0-9_\-]+)")


@dataclass
class Mailbox:
    """Every message the server took, in order, with the envelope recipients."""

    host: str
    port: int
    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content)
        with self._arrived:
            self.messages.append((list(envelope.rcpt_tos), message))
            self._arrived.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self._arrived:
            return [message for rcpts, message in self.messages if address in rcpts]

    def wait_for(self, address: str, count: int = 1, within: float = 10.0) -> Message:
        """The ``count``-th message to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + within
        with self._arrived:
            while len(received := self.to_locked(address)) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"no message {count} to {address} within {within} s"
                self._arrived.wait(left)
            return received[count - 1]

    def to_locked(self, address: str) -> list[Message]:
        return [message for rcpts, message in self.messages if address in rcpts]


def link_in(message: Message) -> str:
    """The one link with a token in a plain-text message."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = LINK.findall(body.decode())
    assert len(found) == 1, body
    return str(found[0])


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def mail_settings(mailbox: Mailbox, **overrides: Any) -> dict[str, Any]:
    """Settings for running_idp that send mail to ``mailbox`` (plain SMTP on loopback)."""
    return {
        "smtp_host": mailbox.host,
        "smtp_port": mailbox.port,
        "smtp_security": "none",
        "mail_from": "Tessera <no-reply@idp.example>",
        "delivery_poll_interval": 0.2,
        **overrides,
    }
