"""What has been taken back. Stateless tokens cannot be recalled, so Tessera records
revocations (by token ``jti``, by SSO session ``sid``) durably and every node keeps an
in-memory copy that it refreshes from the database, so checking a token is a set lookup.
Security events (refresh-token reuse, code reuse) are recorded for the event stream."""
