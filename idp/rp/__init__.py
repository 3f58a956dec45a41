"""The relying-party SDK: validate Tessera's tokens offline (arrives with its own issue).

It depends only on pyjwt, cryptography and httpx and never imports the server side; an
import-linter contract in the test suite enforces that.
"""
