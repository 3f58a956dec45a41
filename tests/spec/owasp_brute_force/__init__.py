"""Brute-force and credential-stuffing protection (OWASP Authentication Cheat Sheet,
"Protect Against Automated Attacks"; NIST SP 800-63B-4 §3.2.2): wrong passwords are
throttled per account and address, per account across addresses it is not known from,
and per address; waits double up to a cap and decay; answers are 429 with Retry-After
(RFC 6585 §4, RFC 9110 §10.2.3) and never tell whether the account exists.

``limits`` keeps time with the system clock (in memory) or Redis's own, so the movable
clock cannot drive it: these servers use waits of 1 to 4 s and the tests sleep them."""
