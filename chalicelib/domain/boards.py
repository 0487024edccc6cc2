"""Boards: named collections of a user's images (an image can be on several); deleting a board keeps its images."""

from __future__ import annotations

import builtins  # Boards.list() shadows the builtin in the annotations after it
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .errors import InvalidRequest, NotFound
from .ids import is_uuid
from .paging import decode_time_cursor, page_of

MAX_BOARD_NAME = 80
MAX_BOARD_IMAGES_PER_CALL = 100


@dataclass(frozen=True)
class Board:
    """A board as its owner sees it: cover_image_id is the chosen cover, else the newest image on it (None when
    empty)."""

    id: str
    name: str
    image_count: int
    cover_image_id: str | None
    created_at: datetime


class Boards(Protocol):
    """The user's boards, in the caller's transaction."""

    def add(self, board_id: str, user_id: str, name: str, now: datetime) -> Board:
        """Stores a new, empty board."""
        ...

    def get(self, user_id: str, board_id: str, lock: bool = False) -> Board | None:
        """The user's board (locked until the transaction ends with lock), or None when it is not theirs."""
        ...

    def list(self, user_id: str, before: tuple[datetime, str] | None, limit: int) -> builtins.list[Board]:
        """The user's boards, newest first, those before the (created_at, id) cursor when given."""
        ...

    def update(self, user_id: str, board_id: str, name: str | None, cover: tuple[str | None] | None) -> bool:
        """Renames the board and/or sets its cover (a 1-tuple: the image id, or None for the newest); False when it
        is not the user's."""
        ...

    def delete(self, user_id: str, board_id: str) -> bool:
        """Deletes the board (its images stay); False when it is not the user's."""
        ...

    def owned_images(self, user_id: str, image_ids: builtins.list[str]) -> set[str]:
        """Which of the ids are the user's generated images."""
        ...

    def on_board(self, board_id: str, image_ids: builtins.list[str]) -> set[str]:
        """Which of the ids are on the board."""
        ...

    def put_images(self, board_id: str, image_ids: builtins.list[str], now: datetime) -> None:
        """Adds those of the images that are the board owner's generated ones; those already on it stay as they
        were."""
        ...

    def remove_images(self, board_id: str, image_ids: builtins.list[str]) -> None:
        """Takes the images off the board (the chosen cover among them too)."""
        ...


class BoardsUnitOfWork(Protocol):
    """One transaction over boards; rolled back unless commit() was called."""

    @property
    def boards(self) -> Boards:
        """The boards, in this transaction."""
        ...

    def __enter__(self) -> BoardsUnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Commits the transaction; leaving without it rolls back."""
        ...


def clean_name(name: str) -> str:
    """The name with its whitespace collapsed; raises InvalidRequest (field name) when empty or too long."""
    clean = " ".join(name.split())
    if not 1 <= len(clean) <= MAX_BOARD_NAME:
        raise InvalidRequest(f"A board's name is 1 to {MAX_BOARD_NAME} characters.",
                             {"field": "name", "max_length": MAX_BOARD_NAME})
    return clean


def _image_ids(image_ids: builtins.list[str]) -> builtins.list[str]:
    if not 1 <= len(image_ids) <= MAX_BOARD_IMAGES_PER_CALL:
        raise InvalidRequest(f"Send 1 to {MAX_BOARD_IMAGES_PER_CALL} image ids.",
                             {"field": "image_ids", "max": MAX_BOARD_IMAGES_PER_CALL})
    if not all(is_uuid(value) for value in image_ids):
        raise InvalidRequest("Every id must be an image id.", {"field": "image_ids"})
    return list(dict.fromkeys(str(uuid.UUID(value)) for value in image_ids))


class BoardService:
    """Making, naming, filling and deleting boards; each use case is one transaction, and one that names anything
    that is not the user's changes nothing."""

    def __init__(self, uow: Callable[[], BoardsUnitOfWork], clock: Any) -> None:
        self._uow = uow
        self._clock = clock

    def create(self, user_id: str, name: str) -> Board:
        """A new, empty board; raises InvalidRequest (field name)."""
        name = clean_name(name)
        with self._uow() as uow:
            board = uow.boards.add(str(uuid.uuid4()), user_id, name, self._clock.now())
            uow.commit()
        return board

    def list(self, user_id: str, cursor: str | None, limit: int) -> tuple[builtins.list[Board], str | None]:
        """A page of the user's boards, newest first; raises InvalidRequest (field cursor)."""
        with self._uow() as uow:
            rows = uow.boards.list(user_id, decode_time_cursor(cursor), limit + 1)
        return page_of(rows, limit, lambda board: (board.created_at.isoformat(), board.id))

    def board(self, user_id: str, board_id: str) -> Board:
        """The user's board; raises NotFound."""
        with self._uow() as uow:
            return self._owned(uow, user_id, board_id)

    @staticmethod
    def _owned(uow: BoardsUnitOfWork, user_id: str, board_id: str, lock: bool = False) -> Board:
        board = uow.boards.get(user_id, board_id, lock) if is_uuid(board_id) else None
        if board is None:
            raise NotFound("No such board.")
        return board

    def update(self, user_id: str, board_id: str, name: str | None = None,
               cover: tuple[str | None] | None = None) -> Board:
        """Renames a board and/or chooses its cover, an image on it (cover=(None,) goes back to the newest image);
        raises InvalidRequest (field name or cover_image_id) and NotFound (the board, or a cover not on it)."""
        name = None if name is None else clean_name(name)
        cover_id = cover[0] if cover is not None else None
        if cover_id is not None and not is_uuid(cover_id):
            raise InvalidRequest("cover_image_id must be an image id.", {"field": "cover_image_id"})
        with self._uow() as uow:
            board = self._owned(uow, user_id, board_id, lock=True)
            if cover_id is not None:
                cover_id = str(uuid.UUID(cover_id))
                if not uow.boards.on_board(board.id, [cover_id]):
                    raise NotFound("The cover must be an image on this board.", {"field": "cover_image_id"})
            uow.boards.update(user_id, board.id, name, None if cover is None else (cover_id,))
            updated = self._owned(uow, user_id, board.id)
            uow.commit()
        return updated

    def delete(self, user_id: str, board_id: str) -> None:
        """Deletes a board; its images stay in the library. Raises NotFound."""
        with self._uow() as uow:
            if not (is_uuid(board_id) and uow.boards.delete(user_id, board_id)):
                raise NotFound("No such board.")
            uow.commit()

    def put_images(self, user_id: str, board_id: str, image_ids: builtins.list[str]) -> Board:
        """Adds 1 to MAX_BOARD_IMAGES_PER_CALL of the user's images to a board (those on it already stay); raises
        InvalidRequest (field image_ids) and NotFound (the board, or any image that is not the user's, with
        nothing added)."""
        return self._change(user_id, board_id, image_ids, add=True)

    def remove_images(self, user_id: str, board_id: str, image_ids: builtins.list[str]) -> Board:
        """Takes 1 to MAX_BOARD_IMAGES_PER_CALL of the user's images off a board (the images stay in the library);
        raises as put_images does."""
        return self._change(user_id, board_id, image_ids, add=False)

    def _change(self, user_id: str, board_id: str, image_ids: builtins.list[str], add: bool) -> Board:
        ids = _image_ids(image_ids)
        with self._uow() as uow:
            board = self._owned(uow, user_id, board_id, lock=True)
            owned = uow.boards.owned_images(user_id, ids)
            missing = [i for i in ids if i not in owned]
            if missing:
                raise NotFound("No such image.", {"field": "image_ids", "ids": missing})
            if add:
                uow.boards.put_images(board.id, ids, self._clock.now())
            else:
                uow.boards.remove_images(board.id, ids)
            updated = self._owned(uow, user_id, board.id)
            uow.commit()
        return updated
