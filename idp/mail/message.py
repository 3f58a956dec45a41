"""A mail message as Tessera writes it: plain text (RFC 5322 via the standard library)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> MailMessage:
        fields = json.loads(data)
        return cls(to=str(fields["to"]), subject=str(fields["subject"]), text=str(fields["text"]))

    def email(self, sender: str) -> EmailMessage:
        """The RFC 5322 message from ``sender``."""
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834 §5
        message.set_content(self.text)
        return message
