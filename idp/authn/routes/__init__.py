"""HTTP for the sign-in methods of idp.authn beyond the password form (which is the
interaction's own) and for the account's own credentials: one module per subject
(passkeys, the passkeys account page, mailed sign-in links, password change and
reset), each an APIRouter that app.py mounts."""
