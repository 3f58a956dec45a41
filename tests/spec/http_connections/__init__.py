"""What `idp serve` does to slow and oversized clients (RFC 9110 §15.5.9, RFC 6585 §5)."""
