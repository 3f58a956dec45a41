"""Mail travels through the durable outbox (idp.outbox), kind ``mail``: queued in the
transaction that decides to send it (a reset link is mailed only if its row commits),
sent by the outbox worker's pool on any node, so a slow SMTP server holds one sender
thread for its timeout and never a request, and retried with backoff when the server
is away. The message is sealed at rest (AES-256-GCM, idp.sealing): it carries a
sign-in or reset link, which nobody reading the database may use."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

from idp.mail.message import MailMessage
from idp.mail.senders import MailError, MailRefusedError, MailSender
from idp.outbox.model import Delivery
from idp.outbox.storage import Outbox
from idp.outbox.worker import DeliveryError, UndeliverableError
from idp.sealing import Sealer

KIND = "mail"
CLIENT = "-"  # a delivery to a person, not to a client


@dataclass(frozen=True)
class MailQueue:
    sealer: Sealer
    wake: Callable[[], None]

    def queue(self, outbox: Outbox, message: MailMessage, now: int) -> None:
        """In the caller's transaction; call ``wake`` after it commits."""
        sealed = self.sealer.seal(message.to_bytes(), message.to.encode())
        outbox.enqueue_delivery(
            KIND,
            client_id=CLIENT,
            target=message.to,
            payload={"sealed": base64.b64encode(sealed).decode()},
            now=now,
        )


@dataclass(frozen=True)
class MailDeliverySender:
    """The outbox sender of kind ``mail``."""

    sealer: Sealer
    sender: MailSender

    def __call__(self, delivery: Delivery) -> None:
        try:
            sealed = base64.b64decode(str(delivery.payload.get("sealed", "")))
            message = MailMessage.from_bytes(self.sealer.open(sealed, delivery.target.encode()))
        except ValueError:
            raise UndeliverableError("the sealed message does not open") from None
        try:
            self.sender.send(message)
        except MailRefusedError as error:
            raise UndeliverableError(str(error)) from None
        except MailError as error:
            raise DeliveryError(str(error)) from None
