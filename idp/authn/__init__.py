"""Authentication of people: accounts and passwords (argon2id, OWASP Password Storage
Cheat Sheet parameters)."""
