"""Interactions (the node-oidc-provider / Hydra pattern): the authorization endpoint
suspends a validated request, the login and consent pages work on it, and finishing it
resumes the request. The record lives in the database, so any node can continue it."""
