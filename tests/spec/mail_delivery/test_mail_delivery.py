"""Mail as Tessera sends it: through the outbox, sealed at rest, to an SMTP server
(RFC 5321) over STARTTLS (RFC 3207) with a verified certificate and AUTH (RFC 4954),
or to the console in development; a request never waits for the SMTP server, and a
refused message (5xx) is given up rather than retried."""

from __future__ import annotations

import datetime
import io
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from idp.config import Settings
from idp.mail.message import MailMessage
from idp.mail.senders import ConsoleSender, MailError, SmtpSecurity, SmtpSender
from idp.outbox.model import DeliveryState
from idp.provider import mail_sender_from
from idp.secret import Secret
from tests.support.databases import database_url
from tests.support.flows import create_user
from tests.support.mail_links import MAIL_SENT, browser_at_new_address, request_reset
from tests.support.mail_server import Mailbox, link_in, mail_settings, smtp_server
from tests.support.polling import eventually
from tests.support.server import free_port, running_idp

MESSAGE = MailMessage("ada@example.com", "Hello", "a link: https://idp.example/x?token=abc")


def certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Authenticator:
    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login,
            auth_data.password,
        ) == (b"tessera", b"s3cret-relay-password")
        return AuthResult(success=ok)


@pytest.fixture
def starttls_server(tmp_path) -> Iterator[tuple[Mailbox, ssl.SSLContext]]:
    cert_path, key_path = certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    mailbox = Mailbox("127.0.0.1", free_port())
    controller = Controller(
        mailbox,
        hostname=mailbox.host,
        port=mailbox.port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=Authenticator(),
        auth_require_tls=True,
    )
    controller.start()
    client_context = ssl.create_default_context(cafile=str(cert_path))
    try:
        yield mailbox, client_context
    finally:
        controller.stop()


def test_starttls_with_a_verified_certificate_and_auth__rfc3207_rfc4954(starttls_server):
    mailbox, trusted = starttls_server
    sender = SmtpSender(
        mailbox.host,
        mailbox.port,
        "Tessera <no-reply@idp.example>",
        SmtpSecurity.STARTTLS,
        "tessera",
        Secret("s3cret-relay-password"),
        tls_context=trusted,
    )
    sender.send(MESSAGE)
    received = mailbox.wait_for(MESSAGE.to)
    assert received["Subject"] == "Hello"
    assert received["From"] == "Tessera <no-reply@idp.example>"
    assert received["Auto-Submitted"] == "auto-generated"


def test_an_unverified_certificate_is_refused(starttls_server):
    mailbox, _trusted = starttls_server
    sender = SmtpSender(mailbox.host, mailbox.port, "t@idp.example", SmtpSecurity.STARTTLS)
    with pytest.raises(MailError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        sender.send(MESSAGE)
    assert mailbox.messages == []


def test_the_console_sender_prints_the_whole_message_for_development():
    stream = io.StringIO()
    ConsoleSender("Tessera <dev@localhost>", stream).send(MESSAGE)
    printed = stream.getvalue()
    assert "IDP_MAIL_SENDER=console: development only" in printed
    assert "https://idp.example/x?token=abc" in printed


def test_the_console_sender_prints_a_long_link_as_it_is_to_be_opened():
    """Not quoted-printable: a link a developer copies from the log must work."""
    link = "http://127.0.0.1:8000/password-reset/confirm?token=" + "A=b_" * 30
    stream = io.StringIO()
    ConsoleSender("Tessera <dev@localhost>", stream).send(
        MailMessage("ada@example.com", "Reset", f"Open this link:\n{link}\n")
    )
    printed = stream.getvalue()
    assert link in printed.splitlines()
    assert "Subject: Reset" in printed


@pytest.mark.parametrize(
    ("settings", "chosen"),
    [
        ({}, ConsoleSender),  # loopback http: development
        ({"issuer": "https://login.example"}, type(None)),  # a deployment: no console
        ({"issuer": "https://login.example", "smtp_host": "mail.example"}, SmtpSender),
        ({"mail_sender": "none"}, type(None)),
    ],
)
def test_who_sends_mail_by_default(settings, chosen):
    assert isinstance(mail_sender_from(Settings(**settings)), chosen)


def test_the_smtp_password_file_is_read(tmp_path):
    secret = tmp_path / "smtp-password"
    secret.write_text("from-a-file\n")
    sender = mail_sender_from(
        Settings(smtp_host="mail.example", smtp_username="u", smtp_password_file=secret)
    )
    assert isinstance(sender, SmtpSender)
    assert sender.password is not None
    assert sender.password.reveal() == "from-a-file"
    assert "from-a-file" not in repr(sender)
    assert sender.port == 587


def test_smtp_needs_a_host():
    with pytest.raises(ValueError, match="IDP_SMTP_HOST"):
        Settings(mail_sender="smtp")


def test_the_message_is_sealed_at_rest_and_arrives_over_smtp(tmp_path):
    with (
        smtp_server() as mailbox,
        database_url("sqlite", tmp_path) as url,
        running_idp(url, tmp_path, trusted_proxies="127.0.0.1/32", **mail_settings(mailbox)) as idp,
    ):
        user = create_user(idp)
        with browser_at_new_address(idp) as browser:
            assert MAIL_SENT in request_reset(browser, user.username).text
        token = link_in(mailbox.wait_for(user.email)).rsplit("=", 1)[1]
        with idp.provider.store() as store:
            [delivery] = store.list_deliveries(None, 10)
        assert delivery.kind == "mail"
        assert delivery.target == user.email
        assert token not in str(delivery.payload)
        assert eventually(lambda: _state(idp) is DeliveryState.DELIVERED, within=10)


def test_a_request_never_waits_for_a_hanging_smtp_server(tmp_path):
    """A server that accepts the connection and never says a word: the page answers at
    once, and the outbox's sender gives up after IDP_SMTP_TIMEOUT and retries later."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        with (
            database_url("sqlite", tmp_path) as url,
            running_idp(
                url,
                tmp_path,
                trusted_proxies="127.0.0.1/32",
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_security="none",
                smtp_timeout=3,
                delivery_poll_interval=0.2,
            ) as idp,
        ):
            user = create_user(idp)
            with browser_at_new_address(idp) as browser:
                started = time.monotonic()
                answer = request_reset(browser, user.username)
                took = time.monotonic() - started
            assert answer.status_code == 200
            assert took < 2.5, took
            assert eventually(lambda: _last_error(idp) is not None, within=15)
            assert _state(idp) is DeliveryState.PENDING  # to be retried with backoff


def _state(idp):
    with idp.provider.store() as store:
        return store.list_deliveries(None, 1)[0].state


def _last_error(idp):
    with idp.provider.store() as store:
        return store.list_deliveries(None, 1)[0].last_error


class RefusingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 no such mailbox"


def test_a_refused_recipient_is_given_up_not_retried__rfc5321_s4_2_1():
    from idp.mail.delivery import MailDeliverySender, MailQueue
    from idp.outbox.model import Delivery
    from idp.outbox.worker import UndeliverableError
    from idp.sealing import Sealer

    mailbox = RefusingMailbox("127.0.0.1", free_port())
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    try:
        sealer = Sealer(b"k" * 32, b"mail")
        queued: list[dict] = []

        class Outbox:
            def enqueue_delivery(self, kind, *, client_id, target, payload, now):
                queued.append({"kind": kind, "target": target, "payload": payload})

        MailQueue(sealer, lambda: None).queue(Outbox(), MESSAGE, 0)
        delivery = Delivery(
            1, "mail", "-", MESSAGE.to, queued[0]["payload"], 0, 0, 0, None, None, None
        )
        sender = SmtpSender(mailbox.host, mailbox.port, "t@idp.example", SmtpSecurity.NONE)
        with pytest.raises(UndeliverableError, match="550"):
            MailDeliverySender(sealer, sender)(delivery)
        tampered = Delivery(
            1, "mail", "-", "eve@example.com", queued[0]["payload"], 0, 0, 0, None, None, None
        )
        with pytest.raises(UndeliverableError, match="does not open"):
            MailDeliverySender(sealer, sender)(tampered)
    finally:
        controller.stop()
