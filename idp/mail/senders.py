"""Who hands a message on: the ``MailSender`` Protocol and its two senders.

``ConsoleSender`` writes the whole message, links included, to the server's standard
error: for development only (``IDP_MAIL_SENDER=console``; it is the default only while
the issuer is plain http, that is, not a deployment). ``SmtpSender`` hands it to an SMTP
server (RFC 5321), over STARTTLS (RFC 3207) or implicit TLS (RFC 8314 §3.3), with a
certificate that must verify, logging in when given a username (RFC 4954)."""

from __future__ import annotations

import smtplib
import ssl
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, TextIO

from idp.mail.message import MailMessage
from idp.secret import Secret


class MailError(Exception):
    """This attempt failed; another may succeed."""


class MailRefusedError(MailError):
    """The server refused the message for good (an SMTP 5xx reply): no retry helps."""


class MailSender(Protocol):
    def send(self, message: MailMessage) -> None:
        """Hand ``message`` on, or raise MailError."""
        ...


@dataclass
class ConsoleSender:
    """Development only: prints each message, secrets and all, to ``stream``."""

    sender: str
    stream: TextIO = field(default_factory=lambda: sys.stderr)

    def send(self, message: MailMessage) -> None:
        # The headers, then the text as written: not its transfer encoding (quoted-
        # printable would break a long link across lines and spell "=" as "=3D").
        email = message.email(self.sender)
        headers = "".join(f"{name}: {value}\n" for name, value in email.items())
        self.stream.write(
            f"--- mail (IDP_MAIL_SENDER=console: development only) ---\n"
            f"{headers}\n{message.text}\n--- end of mail ---\n"
        )
        self.stream.flush()


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"  # RFC 3207, usually port 587
    TLS = "tls"  # RFC 8314 §3.3 implicit TLS, usually port 465
    NONE = "none"  # a relay on the same host or network only


@dataclass
class SmtpSender:
    host: str
    port: int
    sender: str
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: Secret | None = None
    timeout: float = 10.0
    tls_context: ssl.SSLContext = field(default_factory=ssl.create_default_context)

    def send(self, message: MailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.security is SmtpSecurity.STARTTLS:
                    smtp.starttls(context=self.tls_context)
                if self.username is not None:
                    secret = self.password.reveal() if self.password else ""
                    smtp.login(self.username, secret)
                smtp.send_message(message.email(self.sender))
        except smtplib.SMTPResponseException as error:
            if 500 <= error.smtp_code < 600:
                raise MailRefusedError(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from None
            raise MailError(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from None
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            refused = f"recipient refused: SMTP {', '.join(map(str, codes))}"
            # RFC 5321 §4.2.1: 5yz is permanent, 4yz transient.
            if all(500 <= code < 600 for code in codes):
                raise MailRefusedError(refused) from None
            raise MailError(refused) from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"{type(error).__name__}: {error}") from None

    def _connect(self) -> smtplib.SMTP:
        if self.security is SmtpSecurity.TLS:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.tls_context
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)
