"""OWASP ASVS 5.0 §7.4, session termination, as an administrator triggers it with the
real ``idp`` command next to a running server: a password change (V7.4.3) and a
disabled account (V7.4.2) end every SSO session and take back every token the user
holds; a deleted client has no active token anywhere (RFC 7592 §2.3). Access tokens
are self-contained, so the server honours the command's revocation record once its
cache refresher has read it (IDP_CACHE_POLL_INTERVAL; V7.4.1: "a list of terminated
tokens"). On SQLite and on PostgreSQL; the server's clock is never moved, since the
command uses the real one."""
