"""HTTP: the admin API under ``/admin/v1`` (each resource's routes in a module of its
own); its errors are RFC 9457 problems (idp.http.problems)."""
