"""The user's own account pages: the SSO sessions they hold, and ending them."""
