"""The security event stream: OpenID Shared Signals Framework 1.0 transmitter."""
