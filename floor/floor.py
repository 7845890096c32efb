"""The floor: a thin composition of the capability services over one Redis client.

This is the one module that knows every capability. Adding a capability adds its package
(model, service, store, lua/) and a line or two here; nothing else changes.
"""

from __future__ import annotations

from typing import Any

from floor.accounts.service import Accounts
from floor.accounts.store import AccountStore
from floor.availability.service import Availability
from floor.availability.store import AvailabilityStore
from floor.catalog.store import CatalogStore
from floor.channels.confirm import OrderLife
from floor.channels.service import ChannelIntake, Channels
from floor.channels.store import ChannelStore
from floor.core.settings import Settings
from floor.counting.service import Counting
from floor.counting.store import CountStore
from floor.incidents.service import Incidents
from floor.incidents.store import IncidentStore
from floor.inventory.service import Inventory
from floor.inventory.store import StockStore
from floor.layout.model import check_warehouse_id
from floor.layout.store import LayoutStore
from floor.orders.service import Orders
from floor.orders.store import OrderStore
from floor.picking.service import Picking
from floor.picking.store import PickingStore
from floor.planning.service import Planning
from floor.planning.store import PlanningStore
from floor.planning.transfers import Transfers
from floor.putback.service import PutBacks
from floor.putback.store import PutBackStore
from floor.returns.service import Returns
from floor.returns.store import ReturnStore
from floor.routing.service import Router
from floor.routing.store import RoutingStore
from floor.shipping.printing.service import Printing
from floor.shipping.service import Shipping
from floor.shipping.store import ShippingStore
from floor.sorting.service import Sorting
from floor.sorting.store import SortStore
from floor.store.client import connect
from floor.store.cluster_calls import ping_all
from floor.store.scripts import Scripts
from floor.store.stream import EventLog
from floor.waves.release import Release
from floor.waves.service import Waves
from floor.waves.store import ReleaseStore, WaveStore

# Packages whose lua/ folder holds scripts (each script named once across all of them).
CAPABILITIES = (
    "floor.catalog",
    "floor.orders",
    "floor.inventory",
    "floor.waves",
    "floor.picking",
    "floor.incidents",
    "floor.onboarding",
    "floor.availability",
    "floor.routing",
    "floor.shipping",
    "floor.planning",
    "floor.counting",
    "floor.returns",
    "floor.putback",
    "floor.sorting",
)


class Floor:
    """What the web app, the jobs and the demo loader hold. No HTTP in it."""

    def __init__(self, client: Any, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.client = client
        self.scripts = Scripts(client, CAPABILITIES)
        self.layouts = LayoutStore(client)
        self.catalog = CatalogStore(client, self.scripts)
        self.events = EventLog(client)
        self.accounts = Accounts(
            AccountStore(client), self.settings.login_limit, self.settings.login_address_limit,
            self.settings.login_window_s,
        )
        self.orders = Orders(OrderStore(client, self.scripts), self.layouts)
        self.stock = StockStore(client, self.scripts)
        self.inventory = Inventory(self.stock, self.layouts, self.orders)
        self.waves = Waves(
            WaveStore(client, self.scripts), self.orders.store, self.stock, self.catalog, self.layouts,
            self.settings.cart_capacity, self.settings.batch_seconds,
        )
        self.picking = Picking(PickingStore(
            client, self.scripts, self.settings.scan_ttl_s, pipeline=self.settings.scan_pipeline), self.layouts)
        self.incidents = Incidents(IncidentStore(client, self.scripts), self.layouts)
        self.availability = Availability(AvailabilityStore(client, self.scripts), self.incidents.store)
        self.routing = Router(RoutingStore(client, self.scripts), self.orders, self.availability, self.incidents.store)
        # A shop with a seller has its orders routed by that seller's rules, else taken on the shop's warehouse.
        self.channels = Channels(ChannelStore(client), ChannelIntake(self.orders, self.routing), self.incidents)
        # The order-create path (channel claim/finish, routing claim/reserve/finish) shares the scan
        # path's auto-pipelined lane: concurrent webhooks' Redis calls share writes (issue 7 throughput).
        self.channels.store.pipeline = self.routing.store.pipeline = self.picking.store.pipeline
        self.shipping = Shipping(ShippingStore(client, self.scripts), self.orders, self.incidents.store)
        self.printing = Printing(self.shipping.store, self.incidents.store)
        # issue 7: the order's life after intake (ship confirmations, acks, push profiles from shops)
        self.life = OrderLife(self.channels.store, self.routing.store, self.availability, self.orders.store)
        self.putback = PutBacks(PutBackStore(client, self.scripts))  # cancel after release: put-back tasks
        self.life.putback = self.putback
        self.putback.shipping = self.shipping  # a packed order's cancel voids its parcel (floor/shipping/void.py)
        self.shipping.void_hooks.append(self.life.withdraw)  # a void parcel's ship calls leave the outbox
        self.channels.life = self.life
        self.routing.handling.life = self.life
        self.shipping.shipped_hooks.append(self.life.shipped)
        self.shipping.merge_partners = self.life.merge_partners  # 合单: one parcel per merge group
        self.planning = Planning(PlanningStore(client, self.scripts), self.settings.scan_ttl_s)
        self.counting = Counting(CountStore(client, self.scripts), self.planning.store)
        self.transfers = Transfers(self.planning)
        self.returns = Returns(ReturnStore(client, self.scripts), self.planning)
        self.sorting = Sorting(SortStore(client, self.scripts), self.settings.scan_ttl_s)  # put wall (issue 11)
        self.release = Release(  # release policies (issue 11)
            ReleaseStore(client, self.scripts), self.waves, self.orders.store, self.waves.store, self.incidents.store,
            self.settings.cart_capacity,
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, socket_timeout: float = 1.0) -> Floor:
        """Web nodes keep the 1 s command timeout (a down Redis is answered 'unavailable' at once);
        jobs and loaders that run long scripts pass a longer one."""
        return cls(connect(settings.redis_url, socket_timeout=socket_timeout), settings)

    @classmethod
    def from_url(cls, url: str, *, socket_timeout: float = 30.0, **overrides: Any) -> Floor:
        return cls.from_settings(Settings(redis_url=url, **overrides), socket_timeout=socket_timeout)

    @property
    def default_warehouse(self) -> str:
        return self.settings.default_warehouse

    def warehouse(self, requested: str | None) -> str:
        return check_warehouse_id(requested or self.settings.default_warehouse)

    async def start(self) -> None:
        await self.client.ping()
        await self.scripts.load()

    async def close(self) -> None:
        await self.availability.close()
        self.picking.store.close()  # the scan pipeline's connections
        await self.client.aclose()

    async def healthy(self) -> dict[str, bool]:
        """Redis reachable (every master) and every script loaded. Scripts missing after a Redis restart
        or SCRIPT FLUSH are loaded again here, so the node is healthy again at the next check."""
        try:
            await ping_all(self.client)
            if not await self.scripts.loaded():
                await self.scripts.load()
            return {"redis": True, "scripts": await self.scripts.loaded()}
        except Exception:
            return {"redis": False, "scripts": False}
