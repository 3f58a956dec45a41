"""Signing keys: generation, encryption at rest, rotation and the JWKS (RFC 7517, RFC 7638).

Private keys are stored encrypted with AES-256-GCM under a key derived (HKDF) from the
instance secret. ``kid`` is the RFC 7638 thumbprint, so it never changes.
"""
