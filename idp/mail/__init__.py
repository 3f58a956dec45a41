"""Mail to the users: a message (``message.py``), the senders that deliver it
(``senders.py``: the console, for development, and SMTP, RFC 5321 with STARTTLS per
RFC 3207 or implicit TLS per RFC 8314), and the outbox kind that carries it, sealed at
rest, to a sender on any node (``delivery.py``)."""
