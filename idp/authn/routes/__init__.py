"""HTTP for the sign-in methods of idp.authn beyond the password form (which is the
interaction's own): one module per method, each an APIRouter that app.py mounts."""
