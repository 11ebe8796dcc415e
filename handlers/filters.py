"""Role filters, put on routers once rather than checked in every handler."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from domain.regions import ALL_UKRAINE, REGIONS
from infra.settings import Settings
from storage.repositories import Storage
from storage.roles import Role


class IsAdmin(BaseFilter):
    """The user is one of ADMIN_IDS."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user = event.from_user
        return user is not None and settings.is_admin(user.id)


@dataclass(frozen=True, slots=True)
class Access:
    """What one user may do, and where. Admins may do everything, everywhere."""

    user_id: int
    is_admin: bool
    editor_regions: frozenset[str]  # "UA" among them: all regions
    coordinator_regions: frozenset[str]

    def _covers(self, regions: frozenset[str], region_code: str) -> bool:
        return self.is_admin or ALL_UKRAINE in regions or region_code in regions

    def can_edit(self, region_code: str) -> bool:
        """May publish to (and correct items of) this region; "UA" needs all regions."""
        if region_code == ALL_UKRAINE:
            return self.is_admin or ALL_UKRAINE in self.editor_regions
        return self._covers(self.editor_regions, region_code)

    def can_coordinate(self, region_code: str) -> bool:
        if region_code == ALL_UKRAINE:
            return self.is_admin or ALL_UKRAINE in self.coordinator_regions
        return self._covers(self.coordinator_regions, region_code)

    @property
    def is_editor(self) -> bool:
        return self.is_admin or bool(self.editor_regions)

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or bool(self.coordinator_regions)

    def editable_regions(self) -> list[str]:
        """Region codes this user may publish to, in display order ("UA" first if allowed)."""
        return [region.code for region in REGIONS if self.can_edit(region.code)]

    def coordinated_regions(self) -> list[str]:
        return [
            region.code
            for region in REGIONS
            if not region.is_national and self.can_coordinate(region.code)
        ]


async def access_of(user_id: int, store: Storage, settings: Settings) -> Access:
    return Access(
        user_id=user_id,
        is_admin=settings.is_admin(user_id),
        editor_regions=await store.roles.regions(user_id, Role.EDITOR),
        coordinator_regions=await store.roles.regions(user_id, Role.COORDINATOR),
    )


class HasRole(BaseFilter):
    """The user holds `role` somewhere (admins always do); hands the handler its `access`."""

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(
        self, event: Message | CallbackQuery, store: Storage, settings: Settings
    ) -> bool | dict[str, Any]:
        user = event.from_user
        if user is None:
            return False
        access = await access_of(user.id, store, settings)
        allowed = access.is_editor if self.role is Role.EDITOR else access.is_coordinator
        return {"access": access} if allowed else False
