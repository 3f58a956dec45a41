"""The SQL store: one object per transaction implementing every storage Protocol."""

from __future__ import annotations

from sqlalchemy.orm import Session

from idp.store.authz import AuthzQueries
from idp.store.clients import ClientQueries
from idp.store.flows import DeviceQueries, PushedRequestQueries
from idp.store.grants import GrantQueries
from idp.store.keys import KeyQueries
from idp.store.mail_links import MailLinkQueries
from idp.store.outbox import OutboxQueries
from idp.store.passkeys import PasskeyQueries
from idp.store.policies import PolicyQueries
from idp.store.remembered_devices import RememberedDeviceQueries
from idp.store.revocations import RevocationQueries
from idp.store.second_factors import SecondFactorQueries
from idp.store.sessions import SessionQueries
from idp.store.status_lists import StatusListQueries
from idp.store.streams import StreamQueries
from idp.store.users import UserQueries


class SqlStore(
    UserQueries,
    ClientQueries,
    KeyQueries,
    SessionQueries,
    GrantQueries,
    RevocationQueries,
    DeviceQueries,
    PushedRequestQueries,
    OutboxQueries,
    StatusListQueries,
    StreamQueries,
    SecondFactorQueries,
    PasskeyQueries,
    RememberedDeviceQueries,
    MailLinkQueries,
    AuthzQueries,
    PolicyQueries,
):
    def __init__(self, session: Session) -> None:
        self.session = session
