"""The Authorization header a push receiver gives for its endpoint (SSF 1.0 §8.1.1,
RFC 8935 §2.1) is its secret: stored sealed under the instance secret (idp.sealing),
bound to its stream, and opened only to be sent. A value stored before sealing (an
older version) is read as it is, and sealed when its node starts (``seal_stored``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace

from idp.sealing import Sealer
from idp.ssf.storage import StreamStore

SEALED = "sealed:"  # what starts a sealed value; an Authorization header never does


@dataclass(frozen=True)
class PushCredentials:
    sealer: Sealer

    def seal(self, header: str | None, stream_id: str) -> str | None:
        if header is None:
            return None
        sealed = self.sealer.seal(header.encode(), stream_id.encode())
        return SEALED + base64.urlsafe_b64encode(sealed).decode()

    def open(self, stored: str | None, stream_id: str) -> str | None:
        if stored is None or not stored.startswith(SEALED):
            return stored
        sealed = base64.urlsafe_b64decode(stored.removeprefix(SEALED))
        return self.sealer.open(sealed, stream_id.encode()).decode()

    def seal_stored(self, store: StreamStore) -> int:
        """Seal what was stored in the clear; how many were."""
        clear = [
            stream
            for stream in store.push_streams()
            if stream.authorization_header is not None
            and not stream.authorization_header.startswith(SEALED)
        ]
        for stream in clear:
            sealed = self.seal(stream.authorization_header, stream.stream_id)
            store.save_stream(replace(stream, authorization_header=sealed))
        return len(clear)
