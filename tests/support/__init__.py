"""What the test folders share (a spec folder imports only from itself and from here;
tests/quality/test_test_imports.py holds the line).

- servers and their surroundings: server.py (a real uvicorn server), cluster.py,
  served_flows.py, databases.py, clock.py, tcp_proxy.py, static_site.py, cli_clients.py;
- a browser: flows.py (users, clients, the Browser, the code flow), pages.py (login and
  consent pages), authorization.py (the authorization endpoint), cookies.py;
- a client: client_requests.py (the one way to POST to /token, /introspect, /revoke,
  /par and /device_authorization, with client authentication), relying_party.py (an
  App that refreshes, revokes, introspects and calls UserInfo), sign_in.py (a user
  signing in, stopped where a test needs it);
- checks and timing: assertions.py, polling.py, race.py.
"""
