from __future__ import annotations

from tests.support.mailing_idp import mailbox
from tests.support.mailing_idp import mailing_idp as idp

__all__ = ["idp", "mailbox"]
