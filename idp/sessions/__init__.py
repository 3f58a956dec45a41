"""Browser SSO sessions (OWASP Session Management Cheat Sheet): a 256-bit random id in a
cookie, a server-side record with a sliding idle timeout and an absolute timeout, and a
separate public ``sid`` (OIDC Front/Back-Channel Logout §2) that tokens carry."""
